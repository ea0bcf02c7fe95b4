/*
 * The nftables backend's own header, shared by its files and by the unit
 * test of its pure parts (the parent sees only fw_ops_nftables, in
 * firewall.h). Runs in the parent.
 *
 *   fw_nftables_text.c  what our table holds, read from nft's JSON, and
 *                       the batch that makes it hold what is wanted
 *   fw_nftables_host.c  whether the host's own tables would drop what the
 *                       server sends us
 *   fw_nftables.c       the backend operations, run in-process through
 *                       libnftables; whether nftables works here and
 *                       holds the host's ruleset (firewall auto); what
 *                       either backend left for the other to remove
 *
 * Everything of ours is in one table, inet pptpd-client (IPv4 and IPv6 in
 * one), so nothing of the host's is ever rewritten and a crash leaves
 * nothing that `delete table` cannot remove. T is the tunnel name; a
 * prefix makes every name an nft identifier (they cannot be quoted):
 *   counter gre-T         GRE packets and bytes from the server
 *   chain in-T            hook input, priority filter - 10: GRE and
 *                         TCP 1723 replies from the server (counted,
 *                         accepted; see fw_nftables_host.c for why an
 *                         accept here is not enough)
 *   chain ks-out-T        the tunnel's kill switch exceptions, accept
 *   chain ks-fwd-T        the same for forwarded traffic
 *   chain killswitch-out  hook output, priority filter - 10: a jump to
 *                         every ks-out-T, then drop
 *   chain killswitch-fwd  hook forward, the same with ks-fwd-T
 *   chain nat-T           hook postrouting, priority srcnat - 10:
 *                         masquerade out of the tunnel
 *   chain mss-T           hook forward, priority mangle: MSS clamp
 * The kill switch is shared for the reason the iptables one is: what one
 * tunnel lets through must not be dropped by another's switch. A drop in
 * any base chain is final in nftables, so our own drop holds whatever the
 * host's tables accept.
 *
 * Each change is one batch given to libnftables: it applies whole or not
 * at all. When nothing of ours is wanted any more, the batch deletes the
 * table, so `nft list ruleset` is as it was before the first `up`.
 */
#ifndef PRIVSEP_PARENT_FW_NFTABLES_H
#define PRIVSEP_PARENT_FW_NFTABLES_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/parent/firewall.h"

#define NFT_FAMILY	"inet"
#define NFT_TABLE	"pptpd-client"
#define NFT_TUN_MAX	256

/* The objects of one tunnel in our table. */
#define NC_IN		0x01	/* chain in-T */
#define NC_GRE		0x02	/* counter gre-T */
#define NC_KSO		0x04	/* chain ks-out-T */
#define NC_KSF		0x08	/* chain ks-fwd-T */
#define NC_NAT		0x10	/* chain nat-T */
#define NC_MSS		0x20	/* chain mss-T */

struct nft_tun {
	char		 name[FW_TUNNEL_NAME_MAX];
	unsigned	 have;		/* NC_* */
	uint64_t	 pkts, bytes;	/* of gre-T */
};

/* Our table as it is now. */
struct nft_snap {
	int		 table;		/* it exists */
	int		 base_out;	/* killswitch-out exists */
	int		 base_fwd;	/* killswitch-fwd exists */
	struct nft_tun	 v[NFT_TUN_MAX];
	int		 n;
};

/* ---- fw_nftables_text.c ------------------------------------------------- */

/*
 * Fills s from `list table` in JSON (NULL or "": no table). Objects whose
 * names are not ours (another program's chain in our table) are left out:
 * they go when the table does.
 */
int	nft_snap_parse(const char *json, struct nft_snap *s, char *err,
	    size_t errlen);
/* The FW_PART_* a tunnel has complete, and its entry (NULL: none). */
unsigned nft_snap_parts(const struct nft_snap *, const char *name);
const struct nft_tun *nft_snap_find(const struct nft_snap *, const char *name);
/*
 * The batch (caller frees) that makes exactly the parts in want present
 * for t and leaves every other tunnel's objects as they are; "" when
 * there is nothing to do, NULL when out of memory.
 */
char	*nft_batch_apply(const struct nft_snap *, const struct fw_tunnel *t,
	    unsigned want);
/* Each of t[] with exactly want[i], every other tunnel's objects gone. */
char	*nft_batch_set(const struct nft_snap *, const struct fw_tunnel *t,
	    const unsigned *want, int n);
/* The batch that removes every tunnel's objects but keep[]'s. */
char	*nft_batch_purge(const struct nft_snap *, const struct fw_tunnel *keep,
	    int nkeep);

/* ---- fw_nftables_host.c ------------------------------------------------- */

/*
 * Given `list ruleset` in JSON, a warning in words (with the rules to
 * add) when a base chain of the host's on the input hook would drop the
 * GRE or the TCP 1723 replies of server; "" when none is seen.
 */
void	nft_host_check(const char *json, struct in_addr server, char *warn,
	    size_t warnlen);

#endif
