/*
 * The parent's firewall: per tunnel, the rules a person used to type by
 * hand (GRE and TCP 1723 from the server, a kill switch, masquerading for
 * a ProxyVM), installed and removed by the daemon.
 *
 * Two backends do the work: nftables (fw_nftables*.c), in-process through
 * libnftables, one table of ours changed by one transaction per call; and
 * iptables (fw_iptables*.c), which runs the iptables programs and waits
 * for them (a few milliseconds). Plain synchronous functions either way.
 * Every call converges the tunnel's rules to what the call asks for,
 * reading the current ruleset first, so calling one twice, or after a
 * crash, never duplicates a rule.
 *
 * Every function returns 0 on success and -1 on failure with a message in
 * err (nft's or the firewall program's own complaint when it has one).
 *
 * Do not set SIGCHLD to SIG_IGN in the parent: the iptables backend waits
 * for its children by pid.
 */
#ifndef PRIVSEP_PARENT_FIREWALL_H
#define PRIVSEP_PARENT_FIREWALL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define FW_TUNNEL_NAME_MAX	32	/* with the NUL */
#define FW_IFNAME_MAX		16	/* IFNAMSIZ */
#define FW_ALLOW_MAX		16
#define FW_SET_MAX		256	/* tunnels set_all takes at once */

enum fw_kill_switch {
	FW_KS_NO = 0,
	FW_KS_YES = 1,		/* from up until an explicit down */
	FW_KS_ALWAYS = 2,	/* from daemon start, whatever the tunnel does */
};

/* What the firewall needs to know of one tunnel; the parent fills it. */
struct fw_tunnel {
	char		name[FW_TUNNEL_NAME_MAX];	/* [A-Za-z0-9_.-], 1..31 */
	struct in_addr	server;
	char		ifname[FW_IFNAME_MAX];	/* ppp interface, "" while not up */
	int		kill_switch;		/* enum fw_kill_switch */
	int		forward;		/* masquerade + MSS clamp */
	struct {
		struct in_addr	addr;
		uint8_t		len;		/* 0..32 */
	}		allow[FW_ALLOW_MAX];	/* kill switch exceptions */
	int		nallow;
};

enum fw_backend_kind {
	FW_BACKEND_NONE = 0,		/* `firewall none`: touch nothing */
	FW_BACKEND_IPTABLES,		/* pick legacy or nft by the host's ruleset */
	FW_BACKEND_IPTABLES_LEGACY,	/* forced flavours, for tests */
	FW_BACKEND_IPTABLES_NFT,
	FW_BACKEND_NFTABLES,		/* libnftables, our own table */
	FW_BACKEND_AUTO,		/* nftables where the host's ruleset
					   is in it and it works, else iptables */
};

/*
 * Once, as root, before anything else here. For FW_BACKEND_IPTABLES it
 * finds the iptables programs and picks the flavour whose tables hold the
 * host's rules (legacy when nf_tables does not work, as in the lab).
 * FW_BACKEND_NFTABLES fails unless a change to nftables works here.
 */
int	fw_init(int kind, char *err, size_t errlen);

/*
 * "nftables", "iptables-legacy", "iptables-nft", "iptables" or "none",
 * for logging; fw_backend_why() says why auto chose it ("" otherwise).
 */
const char *fw_backend_name(void);
const char *fw_backend_why(void);

/*
 * Whether the backend works in the caller's process without starting
 * any (nftables; iptables-legacy through libiptc): its calls are cheap
 * enough for the event loop itself.
 */
int	fw_in_process(void);

/*
 * Daemon start, after fw_init: remove every rule and chain of ours that
 * belongs to no configured tunnel, remove the GRE/1723 and forwarding
 * rules of configured ones (no tunnel is up yet), install the kill switch
 * of `always` tunnels and keep that of `yes` tunnels that held one when
 * the daemon died (it held from their `up`, and no `down` came).
 * held (n entries, may be NULL) says for each tunnel whether its kill
 * switch is in place afterwards.
 */
int	fw_cleanup_stale(const struct fw_tunnel *configured, int n, int *held,
	    char *err, size_t errlen);

/* Before connecting: GRE and TCP 1723 from the server; kill switch. */
int	fw_tunnel_up(const struct fw_tunnel *, char *err, size_t errlen);

/* t->ifname is known: let it through the kill switch; forwarding rules. */
int	fw_tunnel_iface(const struct fw_tunnel *, char *err, size_t errlen);

/*
 * The tunnel is gone. keep_killswitch: pppd died, the call failed, a
 * reconnect follows; the kill switch of a `yes` tunnel stays (without the
 * interface). An explicit `down` passes 0. `always` stays in both cases.
 */
int	fw_tunnel_down(const struct fw_tunnel *, int keep_killswitch,
	    char *err, size_t errlen);

/* Packets and bytes our GRE accept rule has seen; 0 while not installed. */
int	fw_counters(const struct fw_tunnel *, uint64_t *gre_packets,
	    uint64_t *gre_bytes, char *err, size_t errlen);
int	fw_zero_counters(const struct fw_tunnel *, char *err, size_t errlen);

/* Daemon stopping cleanly: remove everything but `always` blocks. */
int	fw_shutdown_all(const struct fw_tunnel *configured, int n,
	    char *err, size_t errlen);

/* Whether the tunnel's kill switch is installed now (for `status`). */
int	fw_kill_switch_held(const struct fw_tunnel *, int *held,
	    char *err, size_t errlen);

/*
 * After fw_tunnel_up: a warning in words, with the rule to add, when the
 * host's own ruleset would drop what the server sends (nftables only: an
 * accept of ours cannot override a drop in the host's table there); ""
 * when nothing is seen or the backend cannot tell.
 */
void	fw_check_host(const struct fw_tunnel *, char *warn, size_t warnlen);

/*
 * The backend interface. firewall.c decides which parts a tunnel should
 * have; a backend makes exactly those present.
 */
#define FW_PART_IN	0x01	/* GRE + TCP 1723 from the server */
#define FW_PART_KS	0x02	/* kill switch, IPv4 and IPv6 */
#define FW_PART_FWD	0x04	/* masquerade + MSS clamp (needs ifname) */

struct fw_ops {
	/* the flavour in use, after init */
	const char *(*describe)(void);
	int	(*init)(int kind, char *err, size_t errlen);
	/* make exactly the parts in want present for t, all others absent */
	int	(*apply)(const struct fw_tunnel *t, unsigned want,
		    char *err, size_t errlen);
	/* which parts of t are installed now */
	int	(*parts)(const struct fw_tunnel *t, unsigned *have,
		    char *err, size_t errlen);
	/* remove everything of ours that belongs to none of keep[] */
	int	(*purge)(const struct fw_tunnel *keep, int n,
		    char *err, size_t errlen);
	int	(*counters)(const struct fw_tunnel *t, uint64_t *pkts,
		    uint64_t *bytes, char *err, size_t errlen);
	int	(*zero)(const struct fw_tunnel *t, char *err, size_t errlen);
	/*
	 * May be NULL. Each of t[] (n at most FW_SET_MAX) with exactly the
	 * parts in want[i], nothing of any other tunnel, in one change: a
	 * start or stop that is one transaction.
	 */
	int	(*set_all)(const struct fw_tunnel *t, const unsigned *want,
		    int n, char *err, size_t errlen);
	/* may be NULL: see fw_check_host() */
	void	(*check_host)(const struct fw_tunnel *t, char *warn,
		    size_t warnlen);
	int	(*in_process)(void);	/* see fw_in_process() */
	/* may be NULL: calls between batch(1) and batch(0) come back to
	 * back, so the backend may keep what it read for the next one */
	void	(*batch)(int on);
};

extern const struct fw_ops fw_ops_iptables;
extern const struct fw_ops fw_ops_nftables;

/*
 * fw_nftables.c, for FW_BACKEND_AUTO: whether a change in nftables works
 * at all (why not, if it does not); then, where it does, whether the
 * host's ruleset is in it (tables of nftables' own or of iptables-nft;
 * with no ruleset at all, where /usr/sbin/iptables is iptables-nft). why
 * says which, or why not.
 */
int	fw_nftables_works(char *why, size_t whylen);
int	fw_nftables_suits(char *why, size_t whylen);
/*
 * fw_iptables.c, for FW_BACKEND_AUTO when nftables cannot change this
 * kernel's rules: iptables-nft cannot either, so the backend tries the
 * legacy flavour first, without listing the nft one (each listing is a
 * process).
 */
void	fw_iptables_no_nftables(void);
/* Where the iptables backend may have left chains (worth a purge). */
#define FW_LEFT_LEGACY	0x01
#define FW_LEFT_NFT	0x02
unsigned fw_nftables_ipt_leftovers(void);
/* Deletes our nftables table, if there is one (errors ignored). */
void	fw_nftables_remove(void);

/* Shared by firewall.c and the backends. */
int	fw_name_valid(const char *name);
/*
 * Chain names are limited to 28 characters; a tunnel name longer than
 * max becomes its first max-9 characters, '~' and 8 hex digits of a hash
 * of the whole name, so distinct names stay distinct.
 */
void	fw_short_name(const char *name, size_t max, char *out, size_t outlen);

#endif
