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

/*
 * Before connect: the source address and the routing mark asked for, if
 * any. what names the socket in the message ("192.0.2.1:1723", "GRE
 * socket to 192.0.2.1").
 */
static int
sock_set_src(int fd, const struct sock_src *src, const char *what,
    char *err, size_t errlen)
{
	struct sockaddr_in sin;
	char a[INET_ADDRSTRLEN];

	if (src == NULL)
		return 0;
	if (src->mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &src->mark,
	    sizeof(src->mark)) == -1)
		return err_set(err, errlen, "%s: SO_MARK %u: %s", what,
		    src->mark, strerror(errno));
	if (src->local.s_addr == htonl(INADDR_ANY))
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = src->local;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		inet_ntop(AF_INET, &src->local, a, sizeof(a));
		return err_set(err, errlen, "%s: bind to %s: %s", what, a,
		    strerror(errno));
	}
	return 0;
}

int
sock_tcp_connect_nb(struct in_addr dst, uint16_t port, char *err,
    size_t errlen)
{
	return sock_tcp_connect_from(dst, port, NULL, err, errlen);
}

int
sock_tcp_connect_from(struct in_addr dst, uint16_t port,
    const struct sock_src *src, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	char a[INET_ADDRSTRLEN], what[INET_ADDRSTRLEN + 8];
	int fd, on = 1;

	inet_ntop(AF_INET, &dst, a, sizeof(a));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_set(err, errlen, "%s:%u: socket: %s", a, port,
		    strerror(errno));
		return -1;
	}
	snprintf(what, sizeof(what), "%s:%u", a, port);
	if (sock_set_src(fd, src, what, err, errlen) == -1) {
		close(fd);
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
	return sock_gre_open_from(dst, NULL, err, errlen);
}

int
sock_gre_open_from(struct in_addr dst, const struct sock_src *src, char *err,
    size_t errlen)
{
	struct sockaddr_in sin;
	char a[INET_ADDRSTRLEN], what[INET_ADDRSTRLEN + 16];
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
	snprintf(what, sizeof(what), "GRE socket to %s", a);
	if (sock_set_src(fd, src, what, err, errlen) == -1) {
		close(fd);
		return -1;
	}
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
