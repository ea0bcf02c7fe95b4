/*
 * The nftables backend, as text: our table read from nft's JSON listing,
 * and the batch (nft's own command language) that turns it into what is
 * wanted. Pure code, no I/O, so every rule we install is spelt out here
 * and the unit test can read what a change would do. Runs in the parent.
 * See fw_nftables.h for the table's layout.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/errfmt.h"
#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_nftables.h"

#define T	NFT_FAMILY " " NFT_TABLE

/* Object name prefixes, by kind; a tunnel name follows. */
static const struct {
	const char	*prefix;
	unsigned	 bit;
	int		 counter;	/* a counter object, not a chain */
} kinds[] = {
	{ "in-",	NC_IN,	0 },
	{ "gre-",	NC_GRE,	1 },
	{ "ks-out-",	NC_KSO,	0 },
	{ "ks-fwd-",	NC_KSF,	0 },
	{ "nat-",	NC_NAT,	0 },
	{ "mss-",	NC_MSS,	0 },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

/* ---- reading ------------------------------------------------------------- */

static struct nft_tun *
snap_tun(struct nft_snap *s, const char *name)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	if (s->n == NFT_TUN_MAX)
		return NULL;
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	strlcpy(s->v[s->n].name, name, sizeof(s->v[0].name));
	return &s->v[s->n++];
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static uint64_t
jnum(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

/* One chain or counter of our table, by its name. */
static void
snap_object(struct nft_snap *s, json_object *o, int counter)
{
	const char	*name = jstr(o, "name");
	struct nft_tun	*t;
	size_t		 k, len;

	if (name == NULL)
		return;
	if (!counter && strcmp(name, "killswitch-out") == 0) {
		s->base_out = 1;
		return;
	}
	if (!counter && strcmp(name, "killswitch-fwd") == 0) {
		s->base_fwd = 1;
		return;
	}
	for (k = 0; k < NKINDS; k++) {
		len = strlen(kinds[k].prefix);
		if (kinds[k].counter != counter ||
		    strncmp(name, kinds[k].prefix, len) != 0 ||
		    !fw_name_valid(name + len) ||
		    (t = snap_tun(s, name + len)) == NULL)
			continue;
		t->have |= kinds[k].bit;
		if (counter) {
			t->pkts = jnum(o, "packets");
			t->bytes = jnum(o, "bytes");
		}
		return;
	}
}

int
nft_snap_parse(const char *json, struct nft_snap *s, char *err, size_t errlen)
{
	json_object	*doc, *list, *item, *o;
	const char	*table;
	size_t		 i, n;

	memset(s, 0, sizeof(*s));
	if (json == NULL || *json == '\0')
		return 0;
	if ((doc = json_tokener_parse(json)) == NULL ||
	    !json_object_object_get_ex(doc, "nftables", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(doc);
		return err_set(err, errlen, "nft: cannot read its JSON listing");
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(item, "table", &o)) {
			table = jstr(o, "name");
			if (table != NULL && strcmp(table, NFT_TABLE) == 0)
				s->table = 1;
			continue;
		}
		table = NULL;
		if (json_object_object_get_ex(item, "chain", &o) ||
		    json_object_object_get_ex(item, "counter", &o))
			table = jstr(o, "table");
		if (table == NULL || strcmp(table, NFT_TABLE) != 0)
			continue;
		snap_object(s, o, json_object_object_get_ex(item, "counter",
		    NULL));
	}
	json_object_put(doc);
	return 0;
}

/* The parts whose objects are all there. */
static unsigned
have_parts(unsigned have)
{
	unsigned	 parts = 0;

	if ((have & (NC_IN | NC_GRE)) == (NC_IN | NC_GRE))
		parts |= FW_PART_IN;
	if ((have & (NC_KSO | NC_KSF)) == (NC_KSO | NC_KSF))
		parts |= FW_PART_KS;
	if ((have & (NC_NAT | NC_MSS)) == (NC_NAT | NC_MSS))
		parts |= FW_PART_FWD;
	return parts;
}

/* The objects a tunnel with these parts holds. */
static unsigned
parts_objects(unsigned parts)
{
	unsigned	 have = 0;

	if (parts & FW_PART_IN)
		have |= NC_IN | NC_GRE;
	if (parts & FW_PART_KS)
		have |= NC_KSO | NC_KSF;
	if (parts & FW_PART_FWD)
		have |= NC_NAT | NC_MSS;
	return have;
}

const struct nft_tun *
nft_snap_find(const struct nft_snap *s, const char *name)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

unsigned
nft_snap_parts(const struct nft_snap *s, const char *name)
{
	const struct nft_tun	*t = nft_snap_find(s, name);

	return t == NULL ? 0 : have_parts(t->have);
}

/* ---- writing ------------------------------------------------------------- */

/*
 * A change, tunnel by tunnel: what each has and will have. def is the
 * tunnel whose objects are written anew (NULL: kept as they are).
 */
struct plan_tun {
	const char		*name;
	unsigned		 have, want;	/* NC_* */
	const struct fw_tunnel	*def;
};

struct plan {
	const struct nft_snap	*s;
	struct plan_tun		 v[NFT_TUN_MAX + 1];
	int			 n;
};

static const char *
addr(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* A chain of ours that exists afterwards, empty. */
static void
fresh_chain(FILE *f, const char *prefix, const char *name, const char *base)
{
	fprintf(f, "add chain " T " %s%s%s\n", prefix, name, base);
	fprintf(f, "flush chain " T " %s%s\n", prefix, name);
}

/* Emptied first: rules that jump to it or count with it go with it. */
static void
drop_chain(FILE *f, const char *prefix, const char *name)
{
	fprintf(f, "flush chain " T " %s%s\n", prefix, name);
	fprintf(f, "delete chain " T " %s%s\n", prefix, name);
}

#define BASE_IN	" { type filter hook input priority -10; policy accept; }"
#define BASE_OUT " { type filter hook output priority -10; policy accept; }"
#define BASE_FWD " { type filter hook forward priority -10; policy accept; }"
#define BASE_NAT " { type nat hook postrouting priority 90; policy accept; }"
#define BASE_MSS " { type filter hook forward priority -150; policy accept; }"

static void
write_in(FILE *f, const struct fw_tunnel *t)
{
	char	 a[INET_ADDRSTRLEN];

	addr(t->server, a);
	/* adding a counter that exists keeps its values: the GRE counts a
	 * person is watching survive every rewrite of the chain */
	fprintf(f, "add counter " T " gre-%s\n", t->name);
	fresh_chain(f, "in-", t->name, BASE_IN);
	fprintf(f, "add rule " T " in-%s ip saddr %s ip protocol gre "
	    "counter name gre-%s accept\n", t->name, a, t->name);
	/* replies only: a SYN from port 1723 is no answer of the server's */
	fprintf(f, "add rule " T " in-%s ip saddr %s tcp sport 1723 "
	    "tcp flags & (fin | syn | rst | ack) != syn accept\n", t->name, a);
}

static void
write_ks(FILE *f, const struct fw_tunnel *t)
{
	char	 a[INET_ADDRSTRLEN];
	int	 i;

	addr(t->server, a);
	fresh_chain(f, "ks-out-", t->name, "");
	fresh_chain(f, "ks-fwd-", t->name, "");
	fprintf(f, "add rule " T " ks-out-%s oifname \"lo\" accept\n", t->name);
	fprintf(f, "add rule " T " ks-out-%s ip daddr %s tcp dport 1723 "
	    "accept\n", t->name, a);
	fprintf(f, "add rule " T " ks-out-%s ip daddr %s ip protocol gre "
	    "accept\n", t->name, a);
	if (t->ifname[0] != '\0') {
		/* PPTP carries IPv4 only: IPv6 out of the tunnel is a leak */
		fprintf(f, "add rule " T " ks-out-%s meta nfproto ipv4 "
		    "oifname \"%s\" accept\n", t->name, t->ifname);
		fprintf(f, "add rule " T " ks-fwd-%s meta nfproto ipv4 "
		    "oifname \"%s\" accept\n", t->name, t->ifname);
		fprintf(f, "add rule " T " ks-fwd-%s meta nfproto ipv4 "
		    "iifname \"%s\" accept\n", t->name, t->ifname);
	}
	for (i = 0; i < t->nallow; i++) {
		struct in_addr	 net = t->allow[i].addr;
		unsigned	 len = t->allow[i].len;

		net.s_addr &= len ? htonl(~0U << (32 - len)) : 0;
		addr(net, a);
		fprintf(f, "add rule " T " ks-out-%s ip daddr %s/%u accept\n",
		    t->name, a, len);
		fprintf(f, "add rule " T " ks-fwd-%s ip daddr %s/%u accept\n",
		    t->name, a, len);
		fprintf(f, "add rule " T " ks-fwd-%s ip saddr %s/%u accept\n",
		    t->name, a, len);
	}
}

static void
write_fwd(FILE *f, const struct fw_tunnel *t)
{
	fresh_chain(f, "nat-", t->name, BASE_NAT);
	fprintf(f, "add rule " T " nat-%s meta nfproto ipv4 oifname \"%s\" "
	    "masquerade\n", t->name, t->ifname);
	fresh_chain(f, "mss-", t->name, BASE_MSS);
	fprintf(f, "add rule " T " mss-%s oifname \"%s\" tcp flags & "
	    "(syn | rst) == syn tcp option maxseg size set rt mtu\n",
	    t->name, t->ifname);
	fprintf(f, "add rule " T " mss-%s iifname \"%s\" tcp flags & "
	    "(syn | rst) == syn tcp option maxseg size set rt mtu\n",
	    t->name, t->ifname);
}

/* The shared kill switch chains: every holder's jump, then drop. */
static void
write_ks_base(FILE *f, const struct plan *p)
{
	static const char *const dir[2] = { "out", "fwd" };
	int	 i, d, any = 0;

	for (i = 0; i < p->n; i++)
		any |= (p->v[i].want & NC_KSO) != 0;
	if (!any) {
		if (p->s->base_out)
			drop_chain(f, "killswitch-out", "");
		if (p->s->base_fwd)
			drop_chain(f, "killswitch-fwd", "");
		return;
	}
	for (d = 0; d < 2; d++) {
		fprintf(f, "add chain " T " killswitch-%s%s\n", dir[d],
		    d == 0 ? BASE_OUT : BASE_FWD);
		fprintf(f, "flush chain " T " killswitch-%s\n", dir[d]);
		for (i = 0; i < p->n; i++)
			if (p->v[i].want & NC_KSO)
				fprintf(f, "add rule " T " killswitch-%s "
				    "jump ks-%s-%s\n", dir[d], dir[d],
				    p->v[i].name);
		fprintf(f, "add rule " T " killswitch-%s counter drop\n",
		    dir[d]);
	}
}

/* What a tunnel had and no longer wants, after nothing jumps there. */
static void
write_removals(FILE *f, const struct plan_tun *pt)
{
	unsigned	 gone = pt->have & ~pt->want;
	size_t		 k;

	for (k = 0; k < NKINDS; k++) {
		if (!(gone & kinds[k].bit) || kinds[k].counter)
			continue;
		drop_chain(f, kinds[k].prefix, pt->name);
	}
	/* after its chain: the rule counting with it is gone by now */
	if (gone & NC_GRE)
		fprintf(f, "delete counter " T " gre-%s\n", pt->name);
}

static char *
plan_write(const struct plan *p)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 i, any = 0, changes = 0;

	for (i = 0; i < p->n; i++) {
		any |= p->v[i].want != 0;
		changes |= p->v[i].def != NULL || p->v[i].want != p->v[i].have;
	}
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if (!any) {
		/* nothing of ours is wanted: no trace of us either */
		if (p->s->table)
			fprintf(f, "delete table " T "\n");
	} else if (changes || !p->s->table) {
		fprintf(f, "add table " T "\n");
		for (i = 0; i < p->n; i++) {
			const struct fw_tunnel *d = p->v[i].def;

			if (d != NULL && (p->v[i].want & NC_IN))
				write_in(f, d);
			if (d != NULL && (p->v[i].want & NC_KSO))
				write_ks(f, d);
			if (d != NULL && (p->v[i].want & NC_NAT))
				write_fwd(f, d);
		}
		write_ks_base(f, p);
		for (i = 0; i < p->n; i++)
			write_removals(f, &p->v[i]);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Every tunnel of the table, kept as it is (its incomplete parts go). */
static void
plan_from_snap(struct plan *p, const struct nft_snap *s)
{
	int	 i;

	memset(p, 0, sizeof(*p));
	p->s = s;
	for (i = 0; i < s->n; i++) {
		p->v[i].name = s->v[i].name;
		p->v[i].have = s->v[i].have;
		p->v[i].want = parts_objects(have_parts(s->v[i].have));
	}
	p->n = s->n;
}

char *
nft_batch_apply(const struct nft_snap *s, const struct fw_tunnel *t,
    unsigned want)
{
	static struct plan	 p;
	int			 i;

	plan_from_snap(&p, s);
	for (i = 0; i < p.n; i++)
		if (strcmp(p.v[i].name, t->name) == 0)
			break;
	if (i == p.n) {
		p.v[i].name = t->name;
		p.n++;
	}
	/* forwarding needs the interface it masquerades out of */
	if (t->ifname[0] == '\0')
		want &= ~FW_PART_FWD;
	p.v[i].want = parts_objects(want);
	p.v[i].def = t;
	return plan_write(&p);
}

char *
nft_batch_purge(const struct nft_snap *s, const struct fw_tunnel *keep,
    int nkeep)
{
	static struct plan	 p;
	int			 i, k;

	plan_from_snap(&p, s);
	for (i = 0; i < p.n; i++) {
		for (k = 0; k < nkeep; k++)
			if (strcmp(keep[k].name, p.v[i].name) == 0)
				break;
		if (k == nkeep)
			p.v[i].want = 0;
	}
	return plan_write(&p);
}

char *
nft_batch_set(const struct nft_snap *s, const struct fw_tunnel *t,
    const unsigned *want, int n)
{
	static struct plan	 p;
	int			 i, k;

	plan_from_snap(&p, s);
	for (i = 0; i < p.n; i++)
		p.v[i].want = 0;
	for (k = 0; k < n && k < NFT_TUN_MAX; k++) {
		for (i = 0; i < p.n; i++)
			if (strcmp(p.v[i].name, t[k].name) == 0)
				break;
		if (i == p.n) {
			if (p.n == NFT_TUN_MAX + 1)
				break;
			p.v[p.n].name = t[k].name;
			p.v[p.n++].have = 0;
		}
		p.v[i].want = parts_objects(t[k].ifname[0] == '\0' ?
		    want[k] & ~FW_PART_FWD : want[k]);
		p.v[i].def = &t[k];
	}
	return plan_write(&p);
}
