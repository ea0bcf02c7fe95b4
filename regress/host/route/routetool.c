/*
 * routetool: drives privsep/parent/route.c and privsep/parent/sockets.c
 * from the shell so that regress/host/t/10-route.t can check with ip(8)
 * what a user would see.
 * Prints results on stdout, errors on stderr; exit 0 success, 1 failure,
 * 2 usage.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "privsep/parent/route.h"
#include "privsep/parent/sockets.h"

static char err[256];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: routetool get DST | add-host DST | del-host DST |\n"
	    "       add-dev PREFIX/LEN IF [METRIC] | del-dev PREFIX/LEN IF [METRIC] |\n"
	    "       add-default IF [METRIC] | del-default IF [METRIC] | flush |\n"
	    "       query IF | watch MS | resolve NAME | connect ADDR PORT MS |\n"
	    "       gre ADDR | listen ADDR PORT MS | gre-recv SERVER MS |\n"
	    "       gre-send SRC DST\n");
	exit(2);
}

static struct in_addr
addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "routetool: bad address %s\n", s);
		exit(2);
	}
	return a;
}

static void
prefix(const char *s, struct in_addr *a, int *plen)
{
	char buf[64], *slash;

	strlcpy(buf, s, sizeof(buf));
	if ((slash = strchr(buf, '/')) == NULL)
		usage();
	*slash = '\0';
	*a = addr(buf);
	*plen = atoi(slash + 1);
}

static int
ifindex(const char *name)
{
	unsigned i;

	/* "@N": an index that may no longer exist. */
	if (name[0] == '@')
		return atoi(name + 1);
	i = if_nametoindex(name);

	if (i == 0) {
		fprintf(stderr, "routetool: no interface %s\n", name);
		exit(1);
	}
	return (int)i;
}

static int
fail(void)
{
	fprintf(stderr, "routetool: %s\n", err);
	return 1;
}

static const char *
ntoa(struct in_addr a)
{
	static char buf[2][INET_ADDRSTRLEN];
	static int i;

	i = !i;
	return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

static void
print_event(const struct ifaddr_event *ev, void *ctx)
{
	const char *t = ev->type == RTM_NEWADDR ? "newaddr" :
	    ev->type == RTM_DELADDR ? "deladdr" :
	    ev->type == RTM_NEWLINK ? "newlink" : "dellink";

	if (ev->type == RTM_NEWADDR || ev->type == RTM_DELADDR)
		printf("%s %s ifindex %d local %s peer %s\n", t, ev->ifname,
		    ev->ifindex, ntoa(ev->local), ntoa(ev->peer));
	else
		printf("%s %s ifindex %d %s\n", t, ev->ifname, ev->ifindex,
		    ev->up ? "up" : "down");
	fflush(stdout);
}

static int
watch(int ms)
{
	struct pollfd pfd;
	struct timespec start, now;
	int fd, left;

	if ((fd = ifaddr_watch_open()) == -1) {
		perror("routetool: ifaddr_watch_open");
		return 1;
	}
	printf("watching\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) > 0 &&
		    ifaddr_watch_read(fd, print_event, NULL) == -1) {
			perror("routetool: ifaddr_watch_read");
			return 1;
		}
	}
}

static int
tcpconnect(struct in_addr dst, int port, int ms)
{
	struct pollfd pfd;
	int fd;

	if ((fd = sock_tcp_connect_nb(dst, (uint16_t)port, err,
	    sizeof(err))) == -1)
		return fail();
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, ms) != 1) {
		fprintf(stderr, "routetool: connect timed out\n");
		return 1;
	}
	if (sock_tcp_connect_result(fd, dst, (uint16_t)port, err,
	    sizeof(err)) == -1)
		return fail();
	printf("connected\n");
	return 0;
}

static int
gre(struct in_addr dst)
{
	int fd, rcv = 0, snd = 0, flags;
	socklen_t len = sizeof(int);

	if ((fd = sock_gre_open(dst, err, sizeof(err))) == -1)
		return fail();
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len);
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len);
	flags = fcntl(fd, F_GETFL);
	printf("gre fd ok rcvbuf %d sndbuf %d nonblock %d cloexec %d\n", rcv,
	    snd, (flags & O_NONBLOCK) != 0,
	    (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	return 0;
}

/* Accepts one TCP connection on addr:port within ms. */
static int
tcplisten(struct in_addr a, int port, int ms)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	int fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = a;
	sin.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1) == -1) {
		perror("routetool: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) != 1 || accept(fd, NULL, NULL) == -1) {
		fprintf(stderr, "routetool: nobody connected\n");
		return 1;
	}
	printf("accepted\n");
	return 0;
}

/* Prints the source of every GRE packet the server's socket gets. */
static int
grerecv(struct in_addr server, int ms)
{
	struct pollfd pfd;
	unsigned char pkt[2048];
	struct in_addr src;
	ssize_t n;
	int fd;

	if ((fd = sock_gre_open(server, err, sizeof(err))) == -1)
		return fail();
	printf("receiving\n");
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, ms) == 1) {
		while ((n = recv(fd, pkt, sizeof(pkt), 0)) >= 20) {
			memcpy(&src, pkt + 12, 4);
			printf("gre from %s len %zd\n", ntoa(src), n);
			fflush(stdout);
		}
	}
	return 0;
}

/* One PPTP-style (enhanced, version 1) GRE packet from src to dst. */
static int
gresend(struct in_addr src, struct in_addr dst)
{
	static const unsigned char pkt[] = {
		0x30, 0x81, 0x88, 0x0b, 0x00, 0x04, 0x12, 0x34,
		0x00, 0x00, 0x00, 0x01, 0xff, 0x03, 0xc0, 0x21
	};
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = src;
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("routetool: gre-send");
		return 1;
	}
	sin.sin_addr = dst;
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sin,
	    sizeof(sin)) != sizeof(pkt)) {
		perror("routetool: gre-send");
		return 1;
	}
	printf("sent\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct in_addr a, gw;
	int plen, has_gw, idx, r, n;
	uint32_t metric;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "get") == 0 && argc == 3) {
		if (route_get(addr(argv[2]), &gw, &has_gw, &idx, err,
		    sizeof(err)) == -1)
			return fail();
		char ifn[IF_NAMESIZE] = "?";
		if_indextoname((unsigned)idx, ifn);
		if (has_gw)
			printf("via %s dev %s\n", ntoa(gw), ifn);
		else
			printf("dev %s\n", ifn);
		return 0;
	}
	if (strcmp(argv[1], "add-host") == 0 && argc == 3) {
		a = addr(argv[2]);
		if (route_get(a, &gw, &has_gw, &idx, err, sizeof(err)) == -1)
			return fail();
		if ((r = route_add_host(a, gw, has_gw, idx, err,
		    sizeof(err))) == -1)
			return fail();
		printf("%s\n", r == 0 ? "added" : "exists");
		return 0;
	}
	if (strcmp(argv[1], "del-host") == 0 && argc == 3) {
		if (route_del_host(addr(argv[2]), err, sizeof(err)) == -1)
			return fail();
		printf("deleted\n");
		return 0;
	}
	if ((strcmp(argv[1], "add-dev") == 0 ||
	    strcmp(argv[1], "del-dev") == 0) && (argc == 4 || argc == 5)) {
		prefix(argv[2], &a, &plen);
		idx = ifindex(argv[3]);
		metric = argc == 5 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
		if (argv[1][0] == 'a')
			r = route_add_dev(a, plen, idx, metric, err,
			    sizeof(err));
		else
			r = route_del_dev(a, plen, idx, metric, err,
			    sizeof(err));
		if (r == -1)
			return fail();
		printf("%s\n", argv[1][0] == 'd' ? "deleted" :
		    r == 0 ? "added" : "exists");
		return 0;
	}
	if ((strcmp(argv[1], "add-default") == 0 ||
	    strcmp(argv[1], "del-default") == 0) && (argc == 3 || argc == 4)) {
		idx = ifindex(argv[2]);
		metric = argc == 4 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
		if (argv[1][0] == 'a')
			r = route_add_default_dev(idx, metric, err,
			    sizeof(err));
		else
			r = route_del_default_dev(idx, metric, err,
			    sizeof(err));
		if (r == -1)
			return fail();
		printf("ok\n");
		return 0;
	}
	if (strcmp(argv[1], "flush") == 0 && argc == 2) {
		if (route_flush_ours(&n, err, sizeof(err)) == -1)
			return fail();
		printf("removed %d\n", n);
		return 0;
	}
	if (strcmp(argv[1], "query") == 0 && argc == 3) {
		struct in_addr local, peer;

		idx = 0;
		if (ifaddr_query(argv[2], &local, &peer, &idx) == -1) {
			fprintf(stderr, "routetool: %s (ifindex %d): %s\n",
			    argv[2], idx, strerror(errno));
			return 1;
		}
		printf("local %s peer %s ifindex %d\n", ntoa(local),
		    ntoa(peer), idx);
		return 0;
	}
	if (strcmp(argv[1], "watch") == 0 && argc == 3)
		return watch(atoi(argv[2]));
	if (strcmp(argv[1], "resolve") == 0 && argc == 3) {
		if (sock_resolve4(argv[2], &a, err, sizeof(err)) == -1)
			return fail();
		printf("%s\n", ntoa(a));
		return 0;
	}
	if (strcmp(argv[1], "connect") == 0 && argc == 5)
		return tcpconnect(addr(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (strcmp(argv[1], "listen") == 0 && argc == 5)
		return tcplisten(addr(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (strcmp(argv[1], "gre-recv") == 0 && argc == 4)
		return grerecv(addr(argv[2]), atoi(argv[3]));
	if (strcmp(argv[1], "gre-send") == 0 && argc == 4)
		return gresend(addr(argv[2]), addr(argv[3]));
	if (strcmp(argv[1], "gre") == 0 && argc == 3)
		return gre(addr(argv[2]));
	usage();
}
