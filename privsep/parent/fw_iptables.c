/*
 * The iptables backend's operations (fw_ops_iptables, see firewall.h):
 * each reads the ruleset (fw_iptables_read.c), has the changes written
 * (fw_iptables_emit.c) and hands them to iptables-restore, one process per
 * address family (none for the legacy flavour: fw_iptables_tc.c). Also
 * the choice, once at start, of the iptables flavour (legacy or nft) the
 * host's ruleset lives in. Runs in the parent. See fw_iptables.h for our
 * chains and why they look as they do.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_iptables.h"
#include "privsep/parent/tool.h"

static const char *const fl_name[FL_COUNT] = {
	"iptables-legacy", "iptables-nft", "iptables"
};

static enum flavour	 flavour;
static int		 other = -1;	/* the other usable flavour, or -1 */
static int		 have_ip6;
static int		 no_nftables;	/* see fw_iptables_no_nftables() */

void
fw_iptables_no_nftables(void)
{
	no_nftables = 1;
}

static int
restore_fl(enum flavour fl, enum family fam, const char *script, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX];
	char	*argv[] = { path, "-w", "10", "--noflush", NULL };

	if (script == NULL || *script == '\0')
		return 0;
	ipt_save_forget();
	if (ipt_tc_usable(fl, fam))
		return ipt_tc_restore(fam, script, err, errlen);
	if (ipt_tool_path(fl, fam, "-restore", path, sizeof(path)) == -1)
		return err_set(err, errlen, "%s: not found", path);
	return tool_run(path, argv, script, NULL, err, errlen);
}

/* ---- the backend operations --------------------------------------------- */

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
	if (ipt_script_open(&st->sc4) == -1 || ipt_script_open(&st->sc6) == -1)
		return err_set(err, errlen, "out of memory");
	if (ipt_tc_usable(fl, V4) && ipt_tc_hold(err, errlen) == -1)
		return -1;
	if (ipt_snap_take(&st->s4, fl, V4, 0, err, errlen) == -1)
		return -1;
	if (!need6 && !ipt_snap_has_chain(&st->s4, "filter", KS_OUT))
		return 0;
	if (have_ip6 && ipt_snap_take(&st->s6, fl, V6, 0, err, errlen) == -1)
		return -1;
	return 0;
}

/* Writes what was emitted, and frees everything. */
static int
state_commit(struct state *st, enum flavour fl, int write, char *err,
    size_t errlen)
{
	char	*s4 = ipt_script_close(&st->sc4);
	char	*s6 = ipt_script_close(&st->sc6);
	int	 rc = 0;

	if (write) {
		rc = restore_fl(fl, V4, s4, err, errlen);
		if (rc == 0 && have_ip6)
			rc = restore_fl(fl, V6, s6, err, errlen);
	}
	free(s4);
	free(s6);
	ipt_snap_free(&st->s4);
	ipt_snap_free(&st->s6);
	ipt_tc_release();
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
	ipt_emit_in(st.sc4.b[0].f, &st.s4, t, (want & FW_PART_IN) != 0);
	if ((want & FW_PART_KS) || ipt_ks_present(&st.s4, t->name) ||
	    ipt_ks_present(&st.s6, t->name)) {
		const struct fw_tunnel *self = want & FW_PART_KS ? t : NULL;

		ipt_ks_collect(&st.s4, t->name, NULL, 0, &kept);
		ipt_emit_ks4(st.sc4.b[0].f, &st.s4, &kept, self);
		ipt_emit_ks6(st.sc6.b[0].f, &st.s6, &kept, self);
	}
	ipt_emit_fwd(&st.sc4, &st.s4, t, (want & FW_PART_FWD) != 0);
	return state_commit(&st, flavour, 1, err, errlen);
}

static int
ipt_parts(const struct fw_tunnel *t, unsigned *have, char *err,
    size_t errlen)
{
	struct snap	 s;
	char		 chain[64];

	*have = 0;
	if (ipt_snap_take(&s, flavour, V4, 0, err, errlen) == -1)
		return -1;
	ipt_chain_name(chain, sizeof(chain), "IN", t->name);
	if (ipt_snap_has_chain(&s, "filter", chain))
		*have |= FW_PART_IN;
	if (ipt_ks_present(&s, t->name))
		*have |= FW_PART_KS;
	ipt_chain_name(chain, sizeof(chain), "NAT", t->name);
	if (ipt_snap_has_chain(&s, "nat", chain))
		*have |= FW_PART_FWD;
	ipt_snap_free(&s);
	return 0;
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
	ipt_emit_purge(&st.sc4, &st.s4, keep, nkeep);
	ipt_emit_purge(&st.sc6, &st.s6, NULL, 0);
	ipt_ks_collect(&st.s4, NULL, keep, nkeep, &kept);
	if (ipt_snap_has_chain(&st.s4, "filter", KS_OUT) ||
	    ipt_snap_has_chain(&st.s4, "filter", KS_FWD) || kept.n > 0)
		ipt_emit_ks4(st.sc4.b[0].f, &st.s4, &kept, NULL);
	if (ipt_snap_has_chain(&st.s6, "filter", KS_OUT) ||
	    ipt_snap_has_chain(&st.s6, "filter", KS_FWD) || kept.n > 0)
		ipt_emit_ks6(st.sc6.b[0].f, &st.s6, &kept, NULL);
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
	if (ipt_snap_take(&s, flavour, V4, 1, err, errlen) == -1)
		return -1;
	ipt_chain_name(chain, sizeof(chain), "IN", t->name);
	snprintf(tag, sizeof(tag), "%s%s:gre", TAG, t->name);
	ti = ipt_snap_table(&s, "filter");
	for (i = 0; ti != -1 && i < s.n; i++) {
		if (s.v[i].table != ti || !s.v[i].is_rule ||
		    strcmp(s.v[i].chain, chain) != 0)
			continue;
		ipt_rule_word(s.v[i].text, " --comment ", w, sizeof(w));
		if (strcmp(w, tag) == 0) {
			*pkts = s.v[i].pkts;
			*bytes = s.v[i].bytes;
			break;
		}
	}
	ipt_snap_free(&s);
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

	if (ipt_snap_take(&s, flavour, V4, 0, err, errlen) == -1)
		return -1;
	ipt_chain_name(chain, sizeof(chain), "IN", t->name);
	exists = ipt_snap_has_chain(&s, "filter", chain);
	ipt_snap_free(&s);
	if (!exists)
		return 0;
	if (ipt_tc_usable(flavour, V4))
		return ipt_tc_zero(V4, "filter", chain, err, errlen);
	if (ipt_tool_path(flavour, V4, "", path, sizeof(path)) == -1)
		return err_set(err, errlen, "%s: not found", path);
	return tool_run(path, argv, NULL, NULL, err, errlen);
}

/* ---- choosing the flavour ----------------------------------------------- */

static int
fl_installed(enum flavour fl)
{
	char	 path[PATH_MAX];

	return ipt_tool_path(fl, V4, "", path, sizeof(path)) == 0 &&
	    ipt_tool_path(fl, V4, "-save", path, sizeof(path)) == 0 &&
	    ipt_tool_path(fl, V4, "-restore", path, sizeof(path)) == 0;
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
		if (ipt_snap_take(&s, fl, fam, 0, err, sizeof(err)) == -1) {
			if (fam == V6)
				break;	/* IPv6 may be off; v4 decides */
			return -1;
		}
		for (i = 0; i < s.n; i++) {
			if (strncmp(s.v[i].chain, PREFIX, strlen(PREFIX)) == 0)
				continue;
			if (s.v[i].is_rule) {
				if (!ipt_rule_targets(s.v[i].text, KS_OUT) &&
				    strstr(s.v[i].text, " -j " PREFIX) == NULL)
					count++;
			} else if (sscanf(s.v[i].text, "%*s %31s", pol) == 1 &&
			    strcmp(pol, "ACCEPT") != 0 && strcmp(pol, "-") != 0)
				count++;
		}
		ipt_snap_free(&s);
	}
	return count;
}

/* A write that leaves nothing behind: nft fails here where the kernel
 * lacks nf_tables for IPv4, though listing works. Legacy where its
 * kernel part is loaded cannot fail so: no need to write (which would
 * also bring a filter table into being where there was none). */
static int
fl_probe(enum flavour fl, char *err, size_t errlen)
{
	if (ipt_tc_usable(fl, V4))
		return 0;
	return restore_fl(fl, V4, "*filter\n:" PREFIX "PROBE - [0:0]\n-X "
	    PREFIX "PROBE\nCOMMIT\n", err, errlen);
}

/* The flavour /usr/sbin/iptables stands for (Debian's alternatives). */
static enum flavour
fl_default(void)
{
	char	 path[PATH_MAX], real[PATH_MAX];

	if (tool_find("iptables", path, sizeof(path)) == -1 ||
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
	/* the legacy flavour works without a process; the nft one would
	 * cost two listings and a probe only to fail */
	if (no_nftables && fl_installed(FL_LEGACY) &&
	    fl_probe(FL_LEGACY, err, errlen) == 0) {
		flavour = FL_LEGACY;
		return 0;
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
	int	 rc;

	other = -1;
	have_ip6 = 0;
	rc = choose(kind, err, errlen);
	no_nftables = 0;	/* a hint for this choice only */
	if (rc == -1)
		return -1;
	if (ipt_save(flavour, V6, 0, &out, err, errlen) == 0) {
		free(out);
		have_ip6 = 1;
	} else if (access("/proc/net/if_inet6", F_OK) == 0)
		return -1;	/* IPv6 is on and we could not guard it */
	return 0;
}

/* Legacy through libiptc: no process, so no helper process either. */
static int
ipt_in_process(void)
{
	return ipt_tc_usable(flavour, V4) &&
	    (!have_ip6 || ipt_tc_usable(flavour, V6));
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
	.in_process = ipt_in_process,
	.batch = ipt_save_batch,
};
