/*
 * The iptables backend's own header, shared by its three files and by
 * nothing else (the parent sees only fw_ops_iptables, in firewall.h).
 * Runs in the parent.
 *
 *   fw_iptables_read.c  the ruleset as iptables-save prints it
 *   fw_iptables_emit.c  what iptables-restore must be told to make our
 *                       chains right
 *   fw_iptables_tc.c    both without a process, for the legacy flavour
 *   fw_iptables_entry.c its rules as text and as kernel entries
 *   fw_iptables.c       the backend operations and the choice of flavour
 *
 * Every change reads the ruleset with iptables-save, computes what our
 * chains must hold, and writes only our chains and the single jump into
 * each, with one iptables-restore --noflush per address family: a table's
 * changes commit at once, and nothing of the host's own rules is
 * rewritten. For the legacy flavour, fw_iptables_tc.c does both in this
 * process, through the library those programs are built on.
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
#ifndef PRIVSEP_PARENT_FW_IPTABLES_H
#define PRIVSEP_PARENT_FW_IPTABLES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* ---- fw_iptables_read.c ------------------------------------------------- */

/* One line of iptables-save output that matters to us. */
struct sline {
	int		 table;
	int		 is_rule;	/* else a chain declaration */
	char		 chain[CHAIN_MAX];
	char		*text;		/* "-A CHAIN ..." without counters */
	uint64_t	 pkts, bytes;
};

/* One address family's ruleset; text points into buf. */
struct snap {
	char		 tables[8][CHAIN_MAX];
	int		 ntables;
	struct sline	*v;
	size_t		 n;
	char		*buf;
};

/* "ip6tables-nft-save" and the like, found in the system's directories */
int	ipt_tool_path(enum flavour, enum family, const char *what, char *path,
	    size_t pathlen);
/* iptables-save's output in *out (caller frees); counters: with -c */
int	ipt_save(enum flavour, enum family, int counters, char **out,
	    char *err, size_t errlen);
/*
 * A batch: calls made back to back (the daemon's start and stop) read
 * each ruleset once, until a change of ours (ipt_save_forget) makes it
 * stale; each listing costs a process or, in-process, a slow kernel
 * call in a slow machine.
 */
void	ipt_save_batch(int on);
void	ipt_save_forget(void);
/* Runs iptables-save and parses it; ipt_snap_free() after (safe also
 * after a failure). */
int	ipt_snap_take(struct snap *, enum flavour, enum family, int counters,
	    char *err, size_t errlen);
void	ipt_snap_free(struct snap *);
/* The index of table in s->tables, or -1 when the ruleset has none. */
int	ipt_snap_table(const struct snap *, const char *table);
int	ipt_snap_has_chain(const struct snap *, const char *table,
	    const char *chain);
void	ipt_rule_word(const char *text, const char *opt, char *out,
	    size_t outlen);
/* Whether the rule jumps (-j) or goes (-g) to chain. */
int	ipt_rule_targets(const char *text, const char *chain);
void	ipt_rule_tunnel(const char *text, char *name, size_t namelen);

/* ---- fw_iptables_tc.c -------------------------------------------------- */

/* The legacy flavour in this process (libiptc), where the kernel's
 * iptables is loaded; else the programs, which load it. */
int	ipt_tc_usable(enum flavour, enum family);
int	ipt_tc_save(enum family, int counters, char **out, char *err,
	    size_t errlen);
int	ipt_tc_restore(enum family, const char *script, char *err,
	    size_t errlen);
int	ipt_tc_zero(enum family, const char *table, const char *chain,
	    char *err, size_t errlen);
/* A read and the write that follows as one: the lock iptables -w takes
 * is held, and the tables read are kept for the write. */
int	ipt_tc_hold(char *err, size_t errlen);
void	ipt_tc_release(void);

/* ---- fw_iptables_entry.c ----------------------------------------------- */

#define IPT_ENTRY_MAX	1024	/* the largest entry we build */

/* The entry's rule as iptables-save prints it after "-A CHAIN". */
void	ipt_entry_print(FILE *, enum family, const void *entry,
	    const char *target);
void	ipt_entry_counters(enum family, const void *entry, uint64_t *pkts,
	    uint64_t *bytes);
/* One of our rules (the words after "-A CHAIN"), as an entry in buf
 * (IPT_ENTRY_MAX bytes); spec is cut up. */
int	ipt_entry_parse(enum family, char *spec, void *buf, char *err,
	    size_t errlen);

/* ---- fw_iptables_emit.c ------------------------------------------------- */

/* iptables-restore input being written, one block per table. */
struct block {
	FILE	*f;
	char	*p;
	size_t	 len;
};

struct script {
	struct block	 b[3];		/* filter, nat, mangle */
};

/* Tunnel names with a kill switch in place. */
struct names {
	char	 v[256][FW_TUNNEL_NAME_MAX];
	int	 n;
};

int	ipt_script_open(struct script *);
char	*ipt_script_close(struct script *);
/* PPTPC-<kind>-<tunnel, shortened> */
void	ipt_chain_name(char *out, size_t outlen, const char *kind,
	    const char *tunnel);
/* The parts: each makes it present (want) or absent, given the ruleset. */
void	ipt_emit_in(FILE *, const struct snap *, const struct fw_tunnel *,
	    int want);
void	ipt_emit_fwd(struct script *, const struct snap *,
	    const struct fw_tunnel *, int want);
void	ipt_emit_ks4(FILE *, const struct snap *, const struct names *kept,
	    const struct fw_tunnel *self);
void	ipt_emit_ks6(FILE *, const struct snap *, const struct names *kept,
	    const struct fw_tunnel *self);
void	ipt_ks_collect(const struct snap *, const char *self,
	    const struct fw_tunnel *keep, int nkeep, struct names *);
int	ipt_ks_present(const struct snap *, const char *name);
/* Removes every chain of ours but the kill switch's and the kept ones'. */
void	ipt_emit_purge(struct script *, const struct snap *,
	    const struct fw_tunnel *keep, int nkeep);

#endif
