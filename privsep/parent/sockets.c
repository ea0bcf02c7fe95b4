/*
 * The parent's sockets towards the PPTP server.  See sockets.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/sockets.h"

int
sock_resolve4(const char *server, struct in_addr *out, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res;
	int rc;

	if (server == NULL || *server == '\0') {
		err_set(err, errlen, "no server given");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(server, NULL, &hints, &res);
	if (rc != 0) {
		err_set(err, errlen, "cannot resolve server %s: %s", server,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

int
sock_tcp_connect_nb(struct in_addr dst, uint16_t port, char *err,
    size_t errlen)
{
	struct sockaddr_in sin;
	char a[INET_ADDRSTRLEN];
	int fd, on = 1;

	inet_ntop(AF_INET, &dst, a, sizeof(a));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_set(err, errlen, "%s:%u: socket: %s", a, port,
		    strerror(errno));
		return -1;
	}
	/* Control messages are small and each waits for an answer. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1) {
		err_set(err, errlen, "%s:%u: TCP_NODELAY: %s", a, port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = dst;
	sin.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		err_set(err, errlen, "%s:%u: %s", a, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
sock_tcp_connect_result(int fd, struct in_addr dst, uint16_t port, char *err,
    size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	int soerr = 0;
	socklen_t slen = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) == -1)
		soerr = errno;
	if (soerr == 0)
		return 0;
	inet_ntop(AF_INET, &dst, a, sizeof(a));
	err_set(err, errlen, "%s:%u: %s", a, port, strerror(soerr));
	return -1;
}

int
sock_gre_open(struct in_addr dst, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	char a[INET_ADDRSTRLEN];
	int fd, sz = SOCK_GRE_BUFSIZE;

	inet_ntop(AF_INET, &dst, a, sizeof(a));
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_GRE);
	if (fd == -1) {
		err_set(err, errlen, "GRE socket to %s: %s%s", a,
		    strerror(errno), errno == EPERM ?
		    " (raw sockets need root or CAP_NET_RAW)" : "");
		return -1;
	}
	/*
	 * Bursts of GRE arrive faster than one engine wakeup can drain them;
	 * a deep queue turns them into latency instead of loss.  The FORCE
	 * variants pass net.core.[rw]mem_max when we have CAP_NET_ADMIN.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = dst;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		err_set(err, errlen, "GRE socket to %s: connect: %s", a,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
