/*
 * The iptables backend, writing: given the ruleset as read, the lines of
 * iptables-restore input that make each part of a tunnel's rules present
 * or absent (its INPUT chain, the shared kill switch, forwarding) and that
 * purge what belongs to no configured tunnel. Nothing here runs a program:
 * it only prints into memory, so every rule we install is spelt out in
 * this one file. Runs in the parent. See fw_iptables.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_iptables.h"

static const char *const tblname[3] = { "filter", "nat", "mangle" };

int
ipt_script_open(struct script *sc)
{
	int	 i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < 3; i++)
		if ((sc->b[i].f = open_memstream(&sc->b[i].p,
		    &sc->b[i].len)) == NULL)
			return -1;
	return 0;
}

/* All blocks joined; NULL if nothing is to change (or out of memory). */
char *
ipt_script_close(struct script *sc)
{
	char	*all = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&all, &len);
	int	 i, any = 0;

	for (i = 0; i < 3; i++) {
		if (sc->b[i].f == NULL)
			continue;
		fclose(sc->b[i].f);
		if (f != NULL && sc->b[i].len > 0) {
			fprintf(f, "*%s\n%sCOMMIT\n", tblname[i], sc->b[i].p);
			any = 1;
		}
		free(sc->b[i].p);
	}
	if (f == NULL)
		return NULL;
	fclose(f);
	if (!any) {
		free(all);
		return NULL;
	}
	return all;
}

static void
emit_remove_chain(FILE *f, const struct snap *s, const char *table,
    const char *chain)
{
	int	 t = ipt_snap_table(s, table);
	size_t	 i;

	if (!ipt_snap_has_chain(s, table, chain))
		return;
	for (i = 0; i < s->n; i++)
		if (s->v[i].table == t && s->v[i].is_rule &&
		    ipt_rule_targets(s->v[i].text, chain))
			fprintf(f, "-D%s\n", s->v[i].text + 2);
	fprintf(f, "-F %s\n-X %s\n", chain, chain);
}

/* Creates the chain empty, or empties it. */
static void
emit_fresh_chain(FILE *f, const struct snap *s, const char *table,
    const char *chain)
{
	if (ipt_snap_has_chain(s, table, chain))
		fprintf(f, "-F %s\n", chain);
	else
		fprintf(f, ":%s - [0:0]\n", chain);
}

/* Exactly one jump from the built-in chain; a new one goes first. */
static void
emit_jump(FILE *f, const struct snap *s, const char *table, const char *from,
    const char *chain, const char *tag)
{
	int	 t = ipt_snap_table(s, table), found = 0;
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++) {
		if (s->v[i].table != t || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, from) != 0 ||
		    !ipt_rule_targets(s->v[i].text, chain))
			continue;
		if (found++)
			fprintf(f, "-D%s\n", s->v[i].text + 2);
	}
	if (!found)
		fprintf(f, "-I %s 1 -m comment --comment \"%s\" -j %s\n",
		    from, tag, chain);
}

void
ipt_chain_name(char *out, size_t outlen, const char *kind, const char *tunnel)
{
	char	 shortname[FW_TUNNEL_NAME_MAX];

	fw_short_name(tunnel, SHORT_MAX, shortname, sizeof(shortname));
	snprintf(out, outlen, "%s%s-%s", PREFIX, kind, shortname);
}

static const char *
addr(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- the parts ---------------------------------------------------------- */

/* The chain holds our two rules for this server, and nothing else. */
static int
in_current(const struct snap *s, const char *chain, const struct fw_tunnel *t)
{
	int	 ti = ipt_snap_table(s, "filter"), n = 0, gre = 0, tcp = 0;
	char	 src[INET_ADDRSTRLEN + 16], a[INET_ADDRSTRLEN];
	size_t	 i;

	snprintf(src, sizeof(src), " -s %s/32 ", addr(t->server, a));
	for (i = 0; ti != -1 && i < s->n; i++) {
		if (s->v[i].table != ti || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, chain) != 0)
			continue;
		n++;
		if (strstr(s->v[i].text, src) == NULL)
			continue;
		gre += strstr(s->v[i].text, " -p gre ") != NULL;
		tcp += strstr(s->v[i].text, " --sport 1723 ") != NULL;
	}
	return n == 2 && gre == 1 && tcp == 1;
}

void
ipt_emit_in(FILE *f, const struct snap *s, const struct fw_tunnel *t, int want)
{
	char	 chain[64], a[INET_ADDRSTRLEN], tag[128];

	ipt_chain_name(chain, sizeof(chain), "IN", t->name);
	if (!want) {
		emit_remove_chain(f, s, "filter", chain);
		return;
	}
	snprintf(tag, sizeof(tag), "%s%s", TAG, t->name);
	/* rewriting it would zero the GRE counters a person is watching */
	if (in_current(s, chain, t)) {
		emit_jump(f, s, "filter", "INPUT", chain, tag);
		return;
	}
	emit_fresh_chain(f, s, "filter", chain);
	/* its own rule, so its counters are exactly the GRE from the server */
	fprintf(f, "-A %s -s %s/32 -p gre -m comment --comment \"%s:gre\" "
	    "-j ACCEPT\n", chain, addr(t->server, a), tag);
	/* replies only: a SYN from port 1723 is no answer of the server's */
	fprintf(f, "-A %s -s %s/32 -p tcp -m tcp --sport 1723 ! --syn "
	    "-m comment --comment \"%s:1723\" -j ACCEPT\n", chain, a, tag);
	emit_jump(f, s, "filter", "INPUT", chain, tag);
}

void
ipt_emit_fwd(struct script *sc, const struct snap *s, const struct fw_tunnel *t,
    int want)
{
	char	 nat[64], mss[64], tag[128];
	FILE	*fn = sc->b[1].f, *fm = sc->b[2].f;

	ipt_chain_name(nat, sizeof(nat), "NAT", t->name);
	ipt_chain_name(mss, sizeof(mss), "MSS", t->name);
	if (!want || t->ifname[0] == '\0') {
		/* absent tables are not created by asking about them */
		emit_remove_chain(fn, s, "nat", nat);
		emit_remove_chain(fm, s, "mangle", mss);
		return;
	}
	snprintf(tag, sizeof(tag), "%s%s", TAG, t->name);
	emit_fresh_chain(fn, s, "nat", nat);
	fprintf(fn, "-A %s -o %s -m comment --comment \"%s\" -j MASQUERADE\n",
	    nat, t->ifname, tag);
	emit_jump(fn, s, "nat", "POSTROUTING", nat, tag);
	emit_fresh_chain(fm, s, "mangle", mss);
	fprintf(fm, "-A %s -o %s -p tcp -m tcp --tcp-flags SYN,RST SYN "
	    "-m comment --comment \"%s\" -j TCPMSS --clamp-mss-to-pmtu\n",
	    mss, t->ifname, tag);
	fprintf(fm, "-A %s -i %s -p tcp -m tcp --tcp-flags SYN,RST SYN "
	    "-m comment --comment \"%s\" -j TCPMSS --clamp-mss-to-pmtu\n",
	    mss, t->ifname, tag);
	emit_jump(fm, s, "mangle", "FORWARD", mss, tag);
}

static int
names_has(const struct names *ns, const char *name)
{
	int	 i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return 1;
	return 0;
}

static int
keep_has(const struct fw_tunnel *keep, int nkeep, const char *name)
{
	int	 i;

	for (i = 0; i < nkeep; i++)
		if (strcmp(keep[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * The tunnels whose kill switch rules are in s's PPTPC-KS-OUT, but self;
 * with keep, only those among keep.
 */
void
ipt_ks_collect(const struct snap *s, const char *self,
    const struct fw_tunnel *keep, int nkeep, struct names *ns)
{
	int	 t = ipt_snap_table(s, "filter");
	char	 name[FW_TUNNEL_NAME_MAX];
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++) {
		if (s->v[i].table != t || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, KS_OUT) != 0)
			continue;
		ipt_rule_tunnel(s->v[i].text, name, sizeof(name));
		if (name[0] == '\0' || !fw_name_valid(name) ||
		    (self != NULL && strcmp(name, self) == 0) ||
		    (keep != NULL && !keep_has(keep, nkeep, name)) ||
		    names_has(ns, name) || ns->n == 256)
			continue;
		strlcpy(ns->v[ns->n++], name, FW_TUNNEL_NAME_MAX);
	}
}

int
ipt_ks_present(const struct snap *s, const char *name)
{
	struct names	 ns = { .n = 0 };

	ipt_ks_collect(s, NULL, NULL, 0, &ns);
	return names_has(&ns, name);
}

/* Copies the rules of the kept tunnels in chain as they are. */
static void
emit_kept(FILE *f, const struct snap *s, const char *chain,
    const struct names *kept)
{
	int	 t = ipt_snap_table(s, "filter");
	char	 name[FW_TUNNEL_NAME_MAX];
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++) {
		if (s->v[i].table != t || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, chain) != 0)
			continue;
		ipt_rule_tunnel(s->v[i].text, name, sizeof(name));
		if (name[0] != '\0' && names_has(kept, name))
			fprintf(f, "%s\n", s->v[i].text);
	}
}

static void
emit_ks_self(FILE *fo, FILE *ff, const struct fw_tunnel *t)
{
	char	 a[INET_ADDRSTRLEN], tag[128];
	int	 i;

	snprintf(tag, sizeof(tag), "-m comment --comment \"%s%s\" -j RETURN",
	    TAG, t->name);
	addr(t->server, a);
	fprintf(fo, "-A %s -o lo %s\n", KS_OUT, tag);
	fprintf(fo, "-A %s -d %s/32 -p tcp -m tcp --dport 1723 %s\n",
	    KS_OUT, a, tag);
	fprintf(fo, "-A %s -d %s/32 -p gre %s\n", KS_OUT, a, tag);
	if (t->ifname[0] != '\0') {
		fprintf(fo, "-A %s -o %s %s\n", KS_OUT, t->ifname, tag);
		fprintf(ff, "-A %s -o %s %s\n", KS_FWD, t->ifname, tag);
		fprintf(ff, "-A %s -i %s %s\n", KS_FWD, t->ifname, tag);
	}
	for (i = 0; i < t->nallow; i++) {
		struct in_addr	 net = t->allow[i].addr;
		uint8_t		 len = t->allow[i].len;

		net.s_addr &= len ? htonl(~0U << (32 - len)) : 0;
		addr(net, a);
		fprintf(fo, "-A %s -d %s/%u %s\n", KS_OUT, a, len, tag);
		fprintf(ff, "-A %s -d %s/%u %s\n", KS_FWD, a, len, tag);
		fprintf(ff, "-A %s -s %s/%u %s\n", KS_FWD, a, len, tag);
	}
}

/*
 * IPv4 kill switch: the kept tunnels' rules as they were, self's anew
 * (self may be NULL), one DROP; or no chains at all when nobody holds one.
 */
void
ipt_emit_ks4(FILE *f, const struct snap *s, const struct names *kept,
    const struct fw_tunnel *self)
{
	char	*fwd = NULL;
	size_t	 fwdlen = 0;
	FILE	*ff;

	if (kept->n == 0 && self == NULL) {
		emit_remove_chain(f, s, "filter", KS_OUT);
		emit_remove_chain(f, s, "filter", KS_FWD);
		return;
	}
	if ((ff = open_memstream(&fwd, &fwdlen)) == NULL)
		return;
	emit_fresh_chain(f, s, "filter", KS_OUT);
	emit_fresh_chain(f, s, "filter", KS_FWD);
	emit_kept(f, s, KS_OUT, kept);
	emit_kept(ff, s, KS_FWD, kept);
	if (self != NULL)
		emit_ks_self(f, ff, self);
	fclose(ff);
	fputs(fwd, f);
	free(fwd);
	fprintf(f, "-A %s -m comment --comment \"%s\" -j DROP\n", KS_OUT,
	    TAG_KS);
	fprintf(f, "-A %s -m comment --comment \"%s\" -j DROP\n", KS_FWD,
	    TAG_KS);
	emit_jump(f, s, "filter", "OUTPUT", KS_OUT, TAG_KS);
	emit_jump(f, s, "filter", "FORWARD", KS_FWD, TAG_KS);
}

/* IPv6: PPTP carries none, so all of it is dropped but loopback. */
void
ipt_emit_ks6(FILE *f, const struct snap *s, const struct names *kept,
    const struct fw_tunnel *self)
{
	int	 i;

	if (kept->n == 0 && self == NULL) {
		emit_remove_chain(f, s, "filter", KS_OUT);
		emit_remove_chain(f, s, "filter", KS_FWD);
		return;
	}
	emit_fresh_chain(f, s, "filter", KS_OUT);
	emit_fresh_chain(f, s, "filter", KS_FWD);
	for (i = 0; i < kept->n; i++)
		fprintf(f, "-A %s -o lo -m comment --comment \"%s%s\" "
		    "-j RETURN\n", KS_OUT, TAG, kept->v[i]);
	if (self != NULL)
		fprintf(f, "-A %s -o lo -m comment --comment \"%s%s\" "
		    "-j RETURN\n", KS_OUT, TAG, self->name);
	fprintf(f, "-A %s -m comment --comment \"%s\" -j DROP\n", KS_OUT,
	    TAG_KS);
	fprintf(f, "-A %s -m comment --comment \"%s\" -j DROP\n", KS_FWD,
	    TAG_KS);
	emit_jump(f, s, "filter", "OUTPUT", KS_OUT, TAG_KS);
	emit_jump(f, s, "filter", "FORWARD", KS_FWD, TAG_KS);
}

/* ---- chains of tunnels no longer configured ----------------------------- */

/* Whether chain in table is one a kept tunnel owns. */
static int
chain_kept(const char *table, const char *chain, const struct fw_tunnel *keep,
    int nkeep)
{
	static const char *const kinds[3] = { "IN", "NAT", "MSS" };
	char	 want[64];
	int	 i, k;

	for (k = 0; k < 3; k++) {
		if (strcmp(table, tblname[k]) != 0)
			continue;
		for (i = 0; i < nkeep; i++) {
			ipt_chain_name(want, sizeof(want), kinds[k],
			    keep[i].name);
			if (strcmp(chain, want) == 0)
				return 1;
		}
	}
	return 0;
}

void
ipt_emit_purge(struct script *sc, const struct snap *s,
    const struct fw_tunnel *keep, int nkeep)
{
	size_t	 i;
	int	 k;

	for (i = 0; i < s->n; i++) {
		const char *table = s->tables[s->v[i].table];
		const char *chain = s->v[i].chain;

		if (s->v[i].is_rule || strncmp(chain, PREFIX, strlen(PREFIX))
		    != 0 || strcmp(chain, KS_OUT) == 0 ||
		    strcmp(chain, KS_FWD) == 0 ||
		    chain_kept(table, chain, keep, nkeep))
			continue;
		for (k = 0; k < 3; k++)
			if (strcmp(table, tblname[k]) == 0)
				emit_remove_chain(sc->b[k].f, s, table, chain);
	}
}
