/*
 * The kernel data path, the parent's part: the kernel's PPTP socket
 * (AF_PPPOX, PX_PROTO_PPTP, pptp.ko) for one call, and the statistics of
 * the interface pppd makes on it. The engine still runs the control
 * connection; this socket only carries the call's GRE, inside the kernel,
 * between the PPP unit and the server. pppd receives it through our plugin
 * (privsep/pppd-plugin/).
 *
 * No function keeps state; failures are -1 with a message in err.
 */
#ifndef PRIVSEP_PARENT_PPTP_KERNEL_H
#define PRIVSEP_PARENT_PPTP_KERNEL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether this host can give a tunnel the kernel path: KPPTP_OK if the
 * kernel has PPTP sockets (loading pptp.ko if it may) and plugin is a
 * file; otherwise which is missing, and why (with what to do) in err.
 */
enum kpptp_avail { KPPTP_OK, KPPTP_NO_SOCKETS, KPPTP_NO_PLUGIN };
enum kpptp_avail kpptp_available(const char *plugin, char *err,
	    size_t errlen);

/*
 * A PPTP socket bound to local with a call id the kernel picks (the kernel
 * keeps one table of ids for every network namespace), close-on-exec.
 * *call_id: the id, for our Outgoing-Call-Request. Returns the fd.
 */
int	kpptp_open(struct in_addr local, uint16_t *call_id, char *err,
	    size_t errlen);

/* Connects it to the server's call: from then on the kernel carries GRE. */
int	kpptp_connect(int fd, struct in_addr server, uint16_t peer_call_id,
	    char *err, size_t errlen);

/* An interface's packet and byte counts (sysfs), as the kernel keeps them. */
struct kpptp_stats {
	uint64_t	rx_packets, rx_bytes, tx_packets, tx_bytes;
};
int	kpptp_link_stats(const char *ifname, struct kpptp_stats *st);

#endif
