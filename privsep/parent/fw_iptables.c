/*
 * The iptables backend. Every change reads the ruleset with iptables-save,
 * computes what our chains must hold, and writes only our chains and the
 * single jump into each, with one iptables-restore --noflush per address
 * family: a table's changes commit at once, and nothing of the host's own
 * rules is rewritten.
 *
 * Our chains (T is the tunnel name, shortened with a hash when longer than
 * 18 characters so chain names stay within iptables' 28):
 *   filter  PPTPC-IN-T    from INPUT:   GRE and TCP 1723 from the server
 *   filter  PPTPC-KS-OUT  from OUTPUT:  kill switch, shared by all tunnels
 *   filter  PPTPC-KS-FWD  from FORWARD: the same for forwarded traffic
 *   nat     PPTPC-NAT-T   from POSTROUTING: masquerade out of the tunnel
 *   mangle  PPTPC-MSS-T   from FORWARD: clamp TCP MSS to the path MTU
 *   ip6 filter PPTPC-KS-OUT, PPTPC-KS-FWD: drop all IPv6 but loopback
 * The kill switch chains are shared because a packet a tunnel lets through
 * must not be dropped by another tunnel's switch: every tunnel's exceptions
 * RETURN (to the host's own rules), and one DROP at the end catches the
 * rest. Each rule there carries the comment "pptpd-client:T", so one
 * tunnel's rules are found and replaced without touching another's.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/firewall.h"

#define PREFIX		"PPTPC-"
#define KS_OUT		PREFIX "KS-OUT"
#define KS_FWD		PREFIX "KS-FWD"
#define TAG		"pptpd-client:"
#define TAG_KS		"pptpd-client/kill-switch"	/* '/' is no name char */
#define SHORT_MAX	18
#define CHAIN_MAX	32

enum flavour { FL_LEGACY, FL_NFT, FL_PLAIN, FL_COUNT };
enum family { V4, V6 };

static const char *const suffix[FL_COUNT] = { "-legacy", "-nft", "" };
static const char *const fl_name[FL_COUNT] = {
	"iptables-legacy", "iptables-nft", "iptables"
};

static enum flavour	 flavour;
static int		 other = -1;	/* the other usable flavour, or -1 */
static int		 have_ip6;

/* "ip6tables-nft-save" and the like */
static int
tool_path(enum flavour fl, enum family fam, const char *what, char *path,
    size_t pathlen)
{
	char	 name[64];

	snprintf(name, sizeof(name), "%s%s%s%s", fam == V6 ? "ip6" : "ip",
	    "tables", suffix[fl], what);
	return fw_find_tool(name, path, pathlen);
}

static int
save_fl(enum flavour fl, enum family fam, int counters, char **out,
    char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	char	*argv[] = { path, "-c", NULL };

	if (tool_path(fl, fam, "-save", path, sizeof(path)) == -1)
		return err_set(err, errlen, "%s: not found", path);
	if (!counters)
		argv[1] = NULL;
	return fw_run(path, argv, NULL, out, err, errlen);
}

static int
restore_fl(enum flavour fl, enum family fam, const char *script, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX];
	char	*argv[] = { path, "-w", "10", "--noflush", NULL };

	if (script == NULL || *script == '\0')
		return 0;
	if (tool_path(fl, fam, "-restore", path, sizeof(path)) == -1)
		return err_set(err, errlen, "%s: not found", path);
	return fw_run(path, argv, script, NULL, err, errlen);
}

/* ---- the ruleset as iptables-save prints it -------------------------------- */

struct sline {
	int		 table;
	int		 is_rule;	/* else a chain declaration */
	char		 chain[CHAIN_MAX];
	char		*text;		/* "-A CHAIN ..." without counters */
	uint64_t	 pkts, bytes;
};

struct snap {
	char		 tables[8][CHAIN_MAX];
	int		 ntables;
	struct sline	*v;
	size_t		 n;
	char		*buf;
};

static void
snap_free(struct snap *s)
{
	free(s->v);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int
snap_parse(struct snap *s, char *buf, char *err, size_t errlen)
{
	char	*line, *next;
	size_t	 cap = 0;
	int	 table = -1;

	memset(s, 0, sizeof(*s));
	s->buf = buf;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		struct sline	 l = { 0 };

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '*') {
			if (s->ntables == 8)
				return err_set(err, errlen, "too many tables");
			table = s->ntables++;
			strlcpy(s->tables[table], line + 1, CHAIN_MAX);
			continue;
		}
		if (table == -1)
			continue;
		if (line[0] == '[') {	/* "[pkts:bytes] -A ..." from -c */
			l.pkts = strtoull(line + 1, &line, 10);
			if (*line == ':')
				l.bytes = strtoull(line + 1, &line, 10);
			line += strspn(line, "] ");
		}
		if (line[0] == ':')
			sscanf(line + 1, "%31s", l.chain);
		else if (strncmp(line, "-A ", 3) == 0) {
			sscanf(line + 3, "%31s", l.chain);
			l.is_rule = 1;
		} else
			continue;
		l.table = table;
		l.text = line;
		if (s->n == cap) {
			struct sline	*v;

			cap = cap ? cap * 2 : 256;
			if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
				return err_set(err, errlen, "out of memory");
			s->v = v;
		}
		s->v[s->n++] = l;
	}
	return 0;
}

static int
snap_take(struct snap *s, enum flavour fl, enum family fam, int counters,
    char *err, size_t errlen)
{
	char	*out;

	memset(s, 0, sizeof(*s));
	if (save_fl(fl, fam, counters, &out, err, errlen) == -1)
		return -1;
	if (snap_parse(s, out, err, errlen) == -1) {
		snap_free(s);
		return -1;
	}
	return 0;
}

static int
snap_table(const struct snap *s, const char *table)
{
	int	 i;

	for (i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i], table) == 0)
			return i;
	return -1;
}

static int
snap_has_chain(const struct snap *s, const char *table, const char *chain)
{
	int	 t = snap_table(s, table);
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++)
		if (s->v[i].table == t && !s->v[i].is_rule &&
		    strcmp(s->v[i].chain, chain) == 0)
			return 1;
	return 0;
}

/* The word after opt (" -j ", " --comment "), unquoted, or "". */
static void
rule_word(const char *text, const char *opt, char *out, size_t outlen)
{
	const char	*p = strstr(text, opt);
	size_t		 n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(opt);
	if (*p == '"') {
		p++;
		n = strcspn(p, "\"");
	} else
		n = strcspn(p, " ");
	if (n < outlen)
		strlcpy(out, p, n + 1);
}

static int
rule_targets(const char *text, const char *chain)
{
	char	 w[CHAIN_MAX + 2];

	rule_word(text, " -j ", w, sizeof(w));
	if (strcmp(w, chain) == 0)
		return 1;
	rule_word(text, " -g ", w, sizeof(w));
	return strcmp(w, chain) == 0;
}

/* The tunnel name a rule of ours is tagged with, or "" */
static void
rule_tunnel(const char *text, char *name, size_t namelen)
{
	char	 w[128];

	rule_word(text, " --comment ", w, sizeof(w));
	name[0] = '\0';
	if (strncmp(w, TAG, strlen(TAG)) == 0) {
		w[strlen(TAG) + strcspn(w + strlen(TAG), ":")] = '\0';
		strlcpy(name, w + strlen(TAG), namelen);
	}
}

/* ---- writing iptables-restore input -------------------------------------- */

struct block {
	FILE	*f;
	char	*p;
	size_t	 len;
};

struct script {
	struct block	 b[3];		/* filter, nat, mangle */
};

static const char *const tblname[3] = { "filter", "nat", "mangle" };

static int
script_open(struct script *sc)
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
static char *
script_close(struct script *sc)
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
	int	 t = snap_table(s, table);
	size_t	 i;

	if (!snap_has_chain(s, table, chain))
		return;
	for (i = 0; i < s->n; i++)
		if (s->v[i].table == t && s->v[i].is_rule &&
		    rule_targets(s->v[i].text, chain))
			fprintf(f, "-D%s\n", s->v[i].text + 2);
	fprintf(f, "-F %s\n-X %s\n", chain, chain);
}

/* Creates the chain empty, or empties it. */
static void
emit_fresh_chain(FILE *f, const struct snap *s, const char *table,
    const char *chain)
{
	if (snap_has_chain(s, table, chain))
		fprintf(f, "-F %s\n", chain);
	else
		fprintf(f, ":%s - [0:0]\n", chain);
}

/* Exactly one jump from the built-in chain; a new one goes first. */
static void
emit_jump(FILE *f, const struct snap *s, const char *table, const char *from,
    const char *chain, const char *tag)
{
	int	 t = snap_table(s, table), found = 0;
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++) {
		if (s->v[i].table != t || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, from) != 0 ||
		    !rule_targets(s->v[i].text, chain))
			continue;
		if (found++)
			fprintf(f, "-D%s\n", s->v[i].text + 2);
	}
	if (!found)
		fprintf(f, "-I %s 1 -m comment --comment \"%s\" -j %s\n",
		    from, tag, chain);
}

static void
chain_name(char *out, size_t outlen, const char *kind, const char *tunnel)
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

/* ---- the parts ------------------------------------------------------------ */

/* The chain holds our two rules for this server, and nothing else. */
static int
in_current(const struct snap *s, const char *chain, const struct fw_tunnel *t)
{
	int	 ti = snap_table(s, "filter"), n = 0, gre = 0, tcp = 0;
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

static void
emit_in(FILE *f, const struct snap *s, const struct fw_tunnel *t, int want)
{
	char	 chain[64], a[INET_ADDRSTRLEN], tag[128];

	chain_name(chain, sizeof(chain), "IN", t->name);
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

static void
emit_fwd(struct script *sc, const struct snap *s, const struct fw_tunnel *t,
    int want)
{
	char	 nat[64], mss[64], tag[128];
	FILE	*fn = sc->b[1].f, *fm = sc->b[2].f;

	chain_name(nat, sizeof(nat), "NAT", t->name);
	chain_name(mss, sizeof(mss), "MSS", t->name);
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

/* Tunnel names with a kill switch in place. */
struct names {
	char	 v[256][FW_TUNNEL_NAME_MAX];
	int	 n;
};

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
static void
ks_collect(const struct snap *s, const char *self,
    const struct fw_tunnel *keep, int nkeep, struct names *ns)
{
	int	 t = snap_table(s, "filter");
	char	 name[FW_TUNNEL_NAME_MAX];
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++) {
		if (s->v[i].table != t || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, KS_OUT) != 0)
			continue;
		rule_tunnel(s->v[i].text, name, sizeof(name));
		if (name[0] == '\0' || !fw_name_valid(name) ||
		    (self != NULL && strcmp(name, self) == 0) ||
		    (keep != NULL && !keep_has(keep, nkeep, name)) ||
		    names_has(ns, name) || ns->n == 256)
			continue;
		strlcpy(ns->v[ns->n++], name, FW_TUNNEL_NAME_MAX);
	}
}

static int
ks_present(const struct snap *s, const char *name)
{
	struct names	 ns = { .n = 0 };

	ks_collect(s, NULL, NULL, 0, &ns);
	return names_has(&ns, name);
}

/* Copies the rules of the kept tunnels in chain as they are. */
static void
emit_kept(FILE *f, const struct snap *s, const char *chain,
    const struct names *kept)
{
	int	 t = snap_table(s, "filter");
	char	 name[FW_TUNNEL_NAME_MAX];
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++) {
		if (s->v[i].table != t || !s->v[i].is_rule ||
		    strcmp(s->v[i].chain, chain) != 0)
			continue;
		rule_tunnel(s->v[i].text, name, sizeof(name));
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
static void
emit_ks4(FILE *f, const struct snap *s, const struct names *kept,
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
static void
emit_ks6(FILE *f, const struct snap *s, const struct names *kept,
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

/* ---- the backend operations ----------------------------------------------- */

struct state {
	struct snap	 s4, s6;
	struct script	 sc4, sc6;
};

/*
 * need6 0: IPv6 is read only if a kill switch exists in IPv4 (they are
 * always installed together); each iptables-save is a process, and
 * bringing a tunnel up should not wait for one it does not need.
 */
static int
state_open(struct state *st, enum flavour fl, int need6, char *err,
    size_t errlen)
{
	memset(st, 0, sizeof(*st));
	if (script_open(&st->sc4) == -1 || script_open(&st->sc6) == -1)
		return err_set(err, errlen, "out of memory");
	if (snap_take(&st->s4, fl, V4, 0, err, errlen) == -1)
		return -1;
	if (!need6 && !snap_has_chain(&st->s4, "filter", KS_OUT))
		return 0;
	if (have_ip6 && snap_take(&st->s6, fl, V6, 0, err, errlen) == -1)
		return -1;
	return 0;
}

/* Writes what was emitted, and frees everything. */
static int
state_commit(struct state *st, enum flavour fl, int write, char *err,
    size_t errlen)
{
	char	*s4 = script_close(&st->sc4), *s6 = script_close(&st->sc6);
	int	 rc = 0;

	if (write) {
		rc = restore_fl(fl, V4, s4, err, errlen);
		if (rc == 0 && have_ip6)
			rc = restore_fl(fl, V6, s6, err, errlen);
	}
	free(s4);
	free(s6);
	snap_free(&st->s4);
	snap_free(&st->s6);
	return rc;
}

static int
ipt_apply(const struct fw_tunnel *t, unsigned want, char *err, size_t errlen)
{
	struct state	 st;
	struct names	 kept = { .n = 0 };

	if (state_open(&st, flavour, (want & FW_PART_KS) != 0, err,
	    errlen) == -1) {
		state_commit(&st, flavour, 0, err, errlen);
		return -1;
	}
	emit_in(st.sc4.b[0].f, &st.s4, t, (want & FW_PART_IN) != 0);
	if ((want & FW_PART_KS) || ks_present(&st.s4, t->name) ||
	    ks_present(&st.s6, t->name)) {
		const struct fw_tunnel *self = want & FW_PART_KS ? t : NULL;

		ks_collect(&st.s4, t->name, NULL, 0, &kept);
		emit_ks4(st.sc4.b[0].f, &st.s4, &kept, self);
		emit_ks6(st.sc6.b[0].f, &st.s6, &kept, self);
	}
	emit_fwd(&st.sc4, &st.s4, t, (want & FW_PART_FWD) != 0);
	return state_commit(&st, flavour, 1, err, errlen);
}

static int
ipt_parts(const struct fw_tunnel *t, unsigned *have, char *err,
    size_t errlen)
{
	struct snap	 s;
	char		 chain[64];

	*have = 0;
	if (snap_take(&s, flavour, V4, 0, err, errlen) == -1)
		return -1;
	chain_name(chain, sizeof(chain), "IN", t->name);
	if (snap_has_chain(&s, "filter", chain))
		*have |= FW_PART_IN;
	if (ks_present(&s, t->name))
		*have |= FW_PART_KS;
	chain_name(chain, sizeof(chain), "NAT", t->name);
	if (snap_has_chain(&s, "nat", chain))
		*have |= FW_PART_FWD;
	snap_free(&s);
	return 0;
}

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
			chain_name(want, sizeof(want), kinds[k], keep[i].name);
			if (strcmp(chain, want) == 0)
				return 1;
		}
	}
	return 0;
}

static void
emit_purge_chains(struct script *sc, const struct snap *s,
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

static int
purge_fl(enum flavour fl, const struct fw_tunnel *keep, int nkeep, char *err,
    size_t errlen)
{
	struct state	 st;
	struct names	 kept = { .n = 0 };

	if (state_open(&st, fl, 1, err, errlen) == -1) {
		state_commit(&st, fl, 0, err, errlen);
		return -1;
	}
	emit_purge_chains(&st.sc4, &st.s4, keep, nkeep);
	emit_purge_chains(&st.sc6, &st.s6, NULL, 0);
	ks_collect(&st.s4, NULL, keep, nkeep, &kept);
	if (snap_has_chain(&st.s4, "filter", KS_OUT) ||
	    snap_has_chain(&st.s4, "filter", KS_FWD) || kept.n > 0)
		emit_ks4(st.sc4.b[0].f, &st.s4, &kept, NULL);
	if (snap_has_chain(&st.s6, "filter", KS_OUT) ||
	    snap_has_chain(&st.s6, "filter", KS_FWD) || kept.n > 0)
		emit_ks6(st.sc6.b[0].f, &st.s6, &kept, NULL);
	return state_commit(&st, fl, 1, err, errlen);
}

static int
ipt_purge(const struct fw_tunnel *keep, int nkeep, char *err, size_t errlen)
{
	char	 ignored[256];

	/* leftovers from a time the host's ruleset lived in the other
	 * flavour would otherwise stay forever */
	if (other != -1)
		purge_fl(other, NULL, 0, ignored, sizeof(ignored));
	return purge_fl(flavour, keep, nkeep, err, errlen);
}

static int
ipt_counters(const struct fw_tunnel *t, uint64_t *pkts, uint64_t *bytes,
    char *err, size_t errlen)
{
	struct snap	 s;
	char		 chain[64], tag[128], w[64];
	int		 ti;
	size_t		 i;

	*pkts = *bytes = 0;
	if (snap_take(&s, flavour, V4, 1, err, errlen) == -1)
		return -1;
	chain_name(chain, sizeof(chain), "IN", t->name);
	snprintf(tag, sizeof(tag), "%s%s:gre", TAG, t->name);
	ti = snap_table(&s, "filter");
	for (i = 0; ti != -1 && i < s.n; i++) {
		if (s.v[i].table != ti || !s.v[i].is_rule ||
		    strcmp(s.v[i].chain, chain) != 0)
			continue;
		rule_word(s.v[i].text, " --comment ", w, sizeof(w));
		if (strcmp(w, tag) == 0) {
			*pkts = s.v[i].pkts;
			*bytes = s.v[i].bytes;
			break;
		}
	}
	snap_free(&s);
	return 0;
}

static int
ipt_zero(const struct fw_tunnel *t, char *err, size_t errlen)
{
	struct snap	 s;
	char		 chain[64], path[PATH_MAX];
	char		*argv[] = { path, "-w", "10", "-t", "filter", "-Z", chain,
			    NULL };
	int		 exists;

	if (snap_take(&s, flavour, V4, 0, err, errlen) == -1)
		return -1;
	chain_name(chain, sizeof(chain), "IN", t->name);
	exists = snap_has_chain(&s, "filter", chain);
	snap_free(&s);
	if (!exists)
		return 0;
	if (tool_path(flavour, V4, "", path, sizeof(path)) == -1)
		return err_set(err, errlen, "%s: not found", path);
	return fw_run(path, argv, NULL, NULL, err, errlen);
}

/* ---- choosing the flavour ---------------------------------------------------- */

static int
fl_installed(enum flavour fl)
{
	char	 path[PATH_MAX];

	return tool_path(fl, V4, "", path, sizeof(path)) == 0 &&
	    tool_path(fl, V4, "-save", path, sizeof(path)) == 0 &&
	    tool_path(fl, V4, "-restore", path, sizeof(path)) == 0;
}

/* The host's rules in this flavour (not ours), or -1 if it cannot list. */
static int
fl_rules(enum flavour fl)
{
	char		 err[256], pol[32];
	struct snap	 s;
	int		 fam, count = 0;
	size_t		 i;

	for (fam = V4; fam <= V6; fam++) {
		if (snap_take(&s, fl, fam, 0, err, sizeof(err)) == -1) {
			if (fam == V6)
				break;	/* IPv6 may be off; v4 decides */
			return -1;
		}
		for (i = 0; i < s.n; i++) {
			if (strncmp(s.v[i].chain, PREFIX, strlen(PREFIX)) == 0)
				continue;
			if (s.v[i].is_rule) {
				if (!rule_targets(s.v[i].text, KS_OUT) &&
				    strstr(s.v[i].text, " -j " PREFIX) == NULL)
					count++;
			} else if (sscanf(s.v[i].text, "%*s %31s", pol) == 1 &&
			    strcmp(pol, "ACCEPT") != 0 && strcmp(pol, "-") != 0)
				count++;
		}
		snap_free(&s);
	}
	return count;
}

/* A write that leaves nothing behind: nft fails here where the kernel
 * lacks nf_tables for IPv4, though listing works. */
static int
fl_probe(enum flavour fl, char *err, size_t errlen)
{
	return restore_fl(fl, V4, "*filter\n:" PREFIX "PROBE - [0:0]\n-X "
	    PREFIX "PROBE\nCOMMIT\n", err, errlen);
}

/* The flavour /usr/sbin/iptables stands for (Debian's alternatives). */
static enum flavour
fl_default(void)
{
	char	 path[PATH_MAX], real[PATH_MAX];

	if (fw_find_tool("iptables", path, sizeof(path)) == -1 ||
	    realpath(path, real) == NULL)
		return FL_LEGACY;
	return strstr(real, "nft") != NULL ? FL_NFT : FL_LEGACY;
}

static int
choose(int kind, char *err, size_t errlen)
{
	int	 n[FL_COUNT] = { -1, -1, -1 };
	int	 order[2], i, c;

	if (kind == FW_BACKEND_IPTABLES_LEGACY || kind == FW_BACKEND_IPTABLES_NFT) {
		flavour = kind == FW_BACKEND_IPTABLES_NFT ? FL_NFT : FL_LEGACY;
		if (!fl_installed(flavour))
			return err_set(err, errlen, "%s not found: install the "
			    "Debian package iptables", fl_name[flavour]);
		return fl_probe(flavour, err, errlen);
	}
	if (!fl_installed(FL_LEGACY) && !fl_installed(FL_NFT)) {
		if (!fl_installed(FL_PLAIN))
			return err_set(err, errlen, "no iptables programs found: "
			    "install the Debian package iptables");
		flavour = FL_PLAIN;
		return fl_probe(flavour, err, errlen);
	}
	/* -1: not installed, or cannot list (legacy lists nothing before
	 * its modules are loaded; nft fails without nf_tables) */
	if (fl_installed(FL_LEGACY))
		n[FL_LEGACY] = fl_rules(FL_LEGACY);
	if (fl_installed(FL_NFT))
		n[FL_NFT] = fl_rules(FL_NFT);
	if (n[FL_LEGACY] != n[FL_NFT])
		order[0] = n[FL_LEGACY] > n[FL_NFT] ? FL_LEGACY : FL_NFT;
	else
		order[0] = fl_default();
	order[1] = order[0] == FL_LEGACY ? FL_NFT : FL_LEGACY;
	err_set(err, errlen, "no working iptables flavour");
	for (i = 0; i < 2; i++) {
		c = order[i];
		if (!fl_installed(c))
			continue;
		/* a flavour holding rules evidently works; an empty one
		 * may not (nft where the kernel lacks nf_tables for IPv4) */
		if (n[c] > 0 || fl_probe(c, err, errlen) == 0) {
			flavour = c;
			other = n[order[1 - i]] >= 0 ? order[1 - i] : -1;
			return 0;
		}
	}
	return -1;
}

static int
ipt_init(int kind, char *err, size_t errlen)
{
	char	*out;

	other = -1;
	have_ip6 = 0;
	if (choose(kind, err, errlen) == -1)
		return -1;
	if (save_fl(flavour, V6, 0, &out, err, errlen) == 0) {
		free(out);
		have_ip6 = 1;
	} else if (access("/proc/net/if_inet6", F_OK) == 0)
		return -1;	/* IPv6 is on and we could not guard it */
	return 0;
}

static const char *
ipt_describe(void)
{
	return fl_name[flavour];
}

const struct fw_ops fw_ops_iptables = {
	.describe = ipt_describe,
	.init = ipt_init,
	.apply = ipt_apply,
	.parts = ipt_parts,
	.purge = ipt_purge,
	.counters = ipt_counters,
	.zero = ipt_zero,
};
