/*
 * Routes and interface addresses through rtnetlink (libmnl).  Runs in the
 * parent.
 *
 * Every route we add carries rtm_protocol RTPROT_PPTPD_CLIENT, so that
 * `ip route show proto 185` lists exactly ours and route_flush_ours() can
 * remove what a killed daemon left behind without touching anyone else's.
 * 185 (0xb9) is free in the kernel's rtnetlink.h and in iproute2's
 * rt_protos (which reserve 186..192 for routing daemons); to have
 * `ip route` print a name, install a line "185 pptpd-client" in
 * /etc/iproute2/rt_protos.d/pptpd-client.conf.
 *
 * "route default" is two routes, 0.0.0.0/1 and 128.0.0.0/1, through the
 * tunnel interface.  Being more specific they win over any default route,
 * so all traffic takes the tunnel, yet the user's own default route is never
 * deleted or changed: nothing needs saving or restoring, and a daemon that
 * dies cannot lose it.  When the tunnel goes, the kernel drops both with
 * the interface, and the old default route is in force again, which is what
 * README.md promises.  The host route to the server (a /32 through the
 * gateway that reached it before the tunnel) keeps the tunnel's own
 * packets off the tunnel.
 *
 * All functions are synchronous (one netlink request and its answer on a
 * socket of their own), keep no state, and return -1 with a readable
 * message in err (errlen bytes) on failure, unless said otherwise.  Deleting
 * a route that is not there succeeds: a dead interface takes its routes
 * with it, and cleanup must be idempotent.
 */
#ifndef PRIVSEP_PARENT_ROUTE_H
#define PRIVSEP_PARENT_ROUTE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define RTPROT_PPTPD_CLIENT	0xb9	/* 185 */

/*
 * How dst is reached now: through gateway *gw (*has_gw = 1) or directly
 * (*has_gw = 0), out of interface *ifindex.  Fails if dst is unreachable
 * or is one of our own addresses.
 */
int	route_get(struct in_addr dst, struct in_addr *gw, int *has_gw,
	    int *ifindex, char *err, size_t errlen);

/*
 * Adds dst/32 via what route_get() said.  Returns 0 if added, 1 if a route
 * to dst/32 was already there (the user's, ours left from an earlier
 * connection, or another tunnel's to the same server), -1 on error.
 * route_del_host() deletes only a /32 carrying our protocol, so calling it
 * after 1 never removes a user's route; but two tunnels to one server
 * share one host route, and the caller must delete it only when the last
 * of them goes down.
 */
int	route_add_host(struct in_addr dst, struct in_addr gw, int has_gw,
	    int ifindex, char *err, size_t errlen);
int	route_del_host(struct in_addr dst, char *err, size_t errlen);

/*
 * prefix/plen through interface ifindex (scope link: a point-to-point
 * interface needs no gateway), with the given metric.  Returns 0 if added,
 * 1 if that exact route already existed, -1 on error.
 */
int	route_add_dev(struct in_addr prefix, int plen, int ifindex,
	    uint32_t metric, char *err, size_t errlen);
int	route_del_dev(struct in_addr prefix, int plen, int ifindex,
	    uint32_t metric, char *err, size_t errlen);

/* The 0.0.0.0/1 + 128.0.0.0/1 pair through ifindex (see above). */
int	route_add_default_dev(int ifindex, uint32_t metric, char *err,
	    size_t errlen);
int	route_del_default_dev(int ifindex, uint32_t metric, char *err,
	    size_t errlen);

/*
 * Deletes every IPv4 route, in any table, whose protocol is ours; *removed
 * (may be NULL) says how many.  For start-up after a crash.
 */
int	route_flush_ours(int *removed, char *err, size_t errlen);

/*
 * Watching interfaces: a netlink socket subscribed to IPv4 address and
 * link changes, non-blocking and close-on-exec; the caller polls it and
 * calls ifaddr_watch_read() when readable.
 */
struct ifaddr_event {
	int		type;		/* RTM_NEWADDR, RTM_DELADDR,
					   RTM_NEWLINK, RTM_DELLINK */
	int		ifindex;
	char		ifname[IFNAMSIZ];	/* "" if the kernel left it out */
	struct in_addr	local, peer;	/* addresses only; peer 0 if none */
	int		up;		/* links only: IFF_UP */
};

int	ifaddr_watch_open(void);	/* fd, or -1 with errno */

/*
 * Reads every pending message and calls cb for each event.  Returns 0
 * when drained, -1 with errno on error; errno ENOBUFS means events were
 * lost (the socket overflowed): re-read the state with ifaddr_query().
 */
int	ifaddr_watch_read(int fd,
	    void (*cb)(const struct ifaddr_event *ev, void *ctx), void *ctx);

/*
 * The current IPv4 address of ifname (local, and peer on a point-to-point
 * link, else 0).  Returns 0, or -1 with errno ENODEV (no such interface)
 * or EADDRNOTAVAIL (it has no IPv4 address yet).  ifindex is set whenever
 * the interface exists.
 */
int	ifaddr_query(const char *ifname, struct in_addr *local,
	    struct in_addr *peer, int *ifindex);

#endif
