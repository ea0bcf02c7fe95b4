/*
 * The parent's network sockets for one tunnel: name resolution, the TCP
 * control connection to port 1723 and the raw GRE socket.  The parent opens
 * them (it is root and may open raw sockets) and passes them to the engine.
 *
 * Every function is synchronous and non-blocking where it talks to the
 * network, holds no state, and reports failure as -1 with a message that a
 * person can read written into err (errlen bytes, always NUL-terminated).
 */
#ifndef PRIVSEP_PARENT_SOCKETS_H
#define PRIVSEP_PARENT_SOCKETS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define PPTP_TCP_PORT	1723

/*
 * Resolves server (a dotted quad or a host name) to one IPv4 address.
 * Blocks in getaddrinfo for a name; call it where that is acceptable.
 */
int	sock_resolve4(const char *server, struct in_addr *out, char *err,
	    size_t errlen);

/*
 * Where a socket towards the server starts from (pptp-linux's --localbind
 * and --rtmark): a local address to bind (INADDR_ANY: the kernel picks)
 * and a routing mark (SO_MARK, 0: none). NULL in the functions below:
 * neither.
 */
struct sock_src {
	struct in_addr	local;
	uint32_t	mark;
};

/*
 * Starts a non-blocking TCP connection to dst:port with TCP_NODELAY and
 * close-on-exec set.  Returns the fd whether the connection is already
 * established or still in progress: wait until it is writable, then call
 * sock_tcp_connect_result().
 */
int	sock_tcp_connect_nb(struct in_addr dst, uint16_t port, char *err,
	    size_t errlen);
/* The same, from src (bound and marked before connect). */
int	sock_tcp_connect_from(struct in_addr dst, uint16_t port,
	    const struct sock_src *src, char *err, size_t errlen);

/*
 * After fd became writable: 0 if connected, -1 with err set to e.g.
 * "192.0.2.9:1723: Connection refused".  dst and port only name the peer in
 * the message: a failed socket no longer knows it.
 */
int	sock_tcp_connect_result(int fd, struct in_addr dst, uint16_t port,
	    char *err, size_t errlen);

/*
 * A raw IPPROTO_GRE socket connected to dst, so that the kernel delivers
 * only GRE from the server.  Non-blocking, close-on-exec, with buffers of
 * SOCK_GRE_BUFSIZE (forced beyond rmem_max/wmem_max when we may).  Reads
 * return the IPv4 header followed by the GRE packet; writes take the GRE
 * packet only.
 */
#define SOCK_GRE_BUFSIZE	(4 * 1024 * 1024)
int	sock_gre_open(struct in_addr dst, char *err, size_t errlen);
/* The same, from src. */
int	sock_gre_open_from(struct in_addr dst, const struct sock_src *src,
	    char *err, size_t errlen);

#endif
