/*
 * kpptpd: a minimal PPTP server for the lab whose data path is the
 * kernel's (regress/lab/README, "kpptpd"). pptpd moves every GRE packet
 * through user space, which caps what the lab can measure of a client;
 * this server only answers the control connection and leaves the frames
 * to the kernel's PPTP socket (pptp.ko) and the PPP unit pppd attaches it
 * to, through our own pppd plugin (privsep/pppd-plugin/pptpd-client.so).
 *
 *	kpptpd -l ADDR -P PLUGIN -o OPTIONS -L LOCALIP -R FIRST [-n COUNT]
 *	       [-p PPPD] [-- PPPD-ARGS...]
 *
 * It listens on ADDR port 1723 and forks a child per control connection.
 * The child answers Start-Control-Connection-Request, Echo-Request,
 * Outgoing-Call-Request, Call-Clear-Request and Stop-Control-Connection-
 * Request. For the call it creates the kernel's PPTP socket, binds it to
 * the connection's local address with call id 0 (the kernel picks a free
 * one: the call-id table is one for every network namespace), reads the
 * id back, connects it to the client's address and call id, puts our id in
 * the Outgoing-Call-Reply and starts
 *
 *	PPPD plugin PLUGIN pptp-socket 3 file OPTIONS LOCALIP:REMOTE
 *	     ipparam CLIENT nodetach PPPD-ARGS...
 *
 * with the socket as its descriptor 3. REMOTE is FIRST, FIRST+1, ... for
 * successive connections (COUNT addresses, default 30, then again from
 * FIRST). A Call-Clear-Request ends the call at once (Call-Disconnect-
 * Notify, pppd told to go); so does pppd's exit, with Stop-Control-
 * Connection-Request after it.
 *
 * Log lines (stderr) for the lab's scripts: "kpptpd: listening on ADDR"
 * once ready, and per call "kpptpd: call: client C call id N, kernel
 * socket call id M, pppd PID". Not installed; root only, in the lab.
 */
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_pppox.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PPTP_PORT	1723
#define PPTP_MAGIC	0x1A2B3C4DU
#define PPTP_HDR	12
#define PPTP_FD		3	/* pppd's descriptor of the PPTP socket */

enum {
	SCCRQ = 1, SCCRP = 2, STOPCCRQ = 3, STOPCCRP = 4, ECHORQ = 5,
	ECHORP = 6, OCRQ = 7, OCRP = 8, ICRQ = 9, ICRP = 10, ICCN = 11,
	CCR = 12, CDN = 13, WEN = 14, SLI = 15,
};

/* total length of each control message, by type (RFC 2637) */
static const uint16_t msg_len[] = {
	[SCCRQ] = 156, [SCCRP] = 156, [STOPCCRQ] = 16, [STOPCCRP] = 16,
	[ECHORQ] = 16, [ECHORP] = 20, [OCRQ] = 168, [OCRP] = 32,
	[ICRQ] = 220, [ICRP] = 24, [ICCN] = 28, [CCR] = 16, [CDN] = 148,
	[WEN] = 40, [SLI] = 24,
};

/* CDN result codes */
enum { CDN_GENERAL_ERROR = 2, CDN_ADMIN_SHUTDOWN = 3, CDN_REQUEST = 4 };

static struct {
	struct in_addr	listen;
	const char	*plugin;
	const char	*options;
	struct in_addr	local_ip;
	struct in_addr	first_ip;
	unsigned	count;
	const char	*pppd;
	char		**extra;
	int		nextra;
} opt = { .count = 30, .pppd = "/usr/sbin/pppd" };

static void
logx(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	char buf[512];

	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%lld.%03ld kpptpd[%d]: %s\n", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000, (int)getpid(), buf);
	fflush(stderr);
}

static void
die(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	logx("%s", buf);
	exit(1);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* --- one control connection (a child per connection) ------------------- */

struct conn {
	int		fd;
	struct in_addr	local;		/* our address on this connection */
	struct in_addr	peer;
	struct in_addr	remote_ip;	/* the client's PPP address */
	uint8_t		rbuf[4096];
	size_t		rlen;
	bool		call;		/* a call is (or was being) set up */
	uint16_t	call_id;	/* ours, from the kernel */
	uint16_t	peer_call_id;
	pid_t		pppd;		/* 0: none running */
	int		pidfd;
	bool		cdn_sent;	/* the call's end is told already */
	bool		stopping;	/* we sent Stop-Control-Connection-Request */
};

/* send: a control message of TYPE whose body (after the header) is BODY */
static void
send_msg(struct conn *c, int type, const uint8_t *body)
{
	uint8_t m[256];
	size_t len = msg_len[type], off = 0;

	memset(m, 0, sizeof(m));
	put16(m, (uint16_t)len);
	put16(m + 2, 1);
	put32(m + 4, PPTP_MAGIC);
	put16(m + 8, (uint16_t)type);
	memcpy(m + PPTP_HDR, body, len - PPTP_HDR);
	while (off < len) {
		ssize_t n = write(c->fd, m + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			logx("control connection: write: %s", strerror(errno));
			return;
		}
		off += (size_t)n;
	}
}

static void
send_cdn(struct conn *c, uint8_t result)
{
	uint8_t b[148 - PPTP_HDR];

	memset(b, 0, sizeof(b));
	put16(b, c->call_id);
	b[2] = result;
	snprintf((char *)b + 8, 128, "kpptpd: %s", result == CDN_REQUEST ?
	    "Call-Clear-Request" : "pppd ended");
	send_msg(c, CDN, b);
	logx("call %u: Call-Disconnect-Notify, result %u", c->call_id, result);
}

static void
send_stop(struct conn *c)
{
	uint8_t b[4] = { 1, 0, 0, 0 };	/* reason 1: none */

	send_msg(c, STOPCCRQ, b);
	c->stopping = true;
}

/* pppd_reap: pppd has ended (its pidfd is readable): collect it */
static void
pppd_reap(struct conn *c)
{
	int st;

	if (waitpid(c->pppd, &st, 0) == -1)
		logx("waitpid pppd %d: %s", (int)c->pppd, strerror(errno));
	else if (WIFEXITED(st))
		logx("call %u: pppd %d exited with status %d", c->call_id,
		    (int)c->pppd, WEXITSTATUS(st));
	else
		logx("call %u: pppd %d killed by signal %d", c->call_id,
		    (int)c->pppd, WTERMSIG(st));
	close(c->pidfd);
	c->pidfd = -1;
	c->pppd = 0;
}

/* pppd_stop: SIGTERM to pppd and wait for it (it ends LCP first) */
static void
pppd_stop(struct conn *c)
{
	if (c->pppd == 0)
		return;
	kill(c->pppd, SIGTERM);
	pppd_reap(c);
}

static pid_t
pppd_spawn(struct conn *c, int sock)
{
	char ips[64], peer[INET_ADDRSTRLEN], fdstr[8];
	char *argv[32 + 64];
	int n = 0, i, null;
	pid_t pid;

	if (opt.nextra > 64)
		die("too many pppd arguments");
	snprintf(ips, sizeof(ips), "%s:", inet_ntoa(opt.local_ip));
	strncat(ips, inet_ntoa(c->remote_ip), sizeof(ips) - strlen(ips) - 1);
	inet_ntop(AF_INET, &c->peer, peer, sizeof(peer));
	snprintf(fdstr, sizeof(fdstr), "%d", PPTP_FD);
	argv[n++] = (char *)opt.pppd;
	argv[n++] = "plugin";
	argv[n++] = (char *)opt.plugin;
	argv[n++] = "pptp-socket";
	argv[n++] = fdstr;
	argv[n++] = "file";
	argv[n++] = (char *)opt.options;
	argv[n++] = ips;
	argv[n++] = "ipparam";
	argv[n++] = peer;
	argv[n++] = "nodetach";
	for (i = 0; i < opt.nextra; i++)
		argv[n++] = opt.extra[i];
	argv[n] = NULL;

	pid = fork();
	if (pid == -1) {
		logx("fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	/* pppd: the socket as PPTP_FD, stdin /dev/null, our stderr */
	if (sock != PPTP_FD) {
		if (dup2(sock, PPTP_FD) == -1)
			_exit(127);
		close(sock);
	} else {
		fcntl(sock, F_SETFD, 0);
	}
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(2, 1);
		if (null > 2 && null != PPTP_FD)
			close(null);
	}
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execv(opt.pppd, argv);
	fprintf(stderr, "kpptpd: exec %s: %s\n", opt.pppd, strerror(errno));
	_exit(127);
}

/*
 * The kernel's PPTP socket for the call: bound to our address with call
 * id 0 (the kernel picks one), connected to the client's. The structs
 * are the kernel header's: sockaddr_pppox is packed, its pptp_addr is
 * not, and hand-made bytes get that wrong. Returns the socket or -1 with
 * the reason logged; *id is the kernel's call id.
 */
static int
pptp_socket(struct conn *c, uint16_t *id)
{
	struct sockaddr_pppox sp;
	socklen_t len;
	int s;

	s = socket(AF_PPPOX, SOCK_STREAM | SOCK_CLOEXEC, PX_PROTO_PPTP);
	if (s == -1) {
		logx("socket(AF_PPPOX, PX_PROTO_PPTP): %s (is pptp.ko loaded?)",
		    strerror(errno));
		return -1;
	}
	memset(&sp, 0, sizeof(sp));
	sp.sa_family = AF_PPPOX;
	sp.sa_protocol = PX_PROTO_PPTP;
	sp.sa_addr.pptp.call_id = 0;
	sp.sa_addr.pptp.sin_addr = c->local;
	if (bind(s, (struct sockaddr *)&sp, sizeof(sp)) == -1) {
		logx("bind PPTP socket to %s: %s", inet_ntoa(c->local),
		    strerror(errno));
		goto fail;
	}
	memset(&sp, 0, sizeof(sp));
	len = sizeof(sp);
	if (getsockname(s, (struct sockaddr *)&sp, &len) == -1) {
		logx("getsockname PPTP socket: %s", strerror(errno));
		goto fail;
	}
	*id = sp.sa_addr.pptp.call_id;
	memset(&sp, 0, sizeof(sp));
	sp.sa_family = AF_PPPOX;
	sp.sa_protocol = PX_PROTO_PPTP;
	sp.sa_addr.pptp.call_id = c->peer_call_id;
	sp.sa_addr.pptp.sin_addr = c->peer;
	if (connect(s, (struct sockaddr *)&sp, sizeof(sp)) == -1) {
		logx("connect PPTP socket to %s call id %u: %s",
		    inet_ntoa(c->peer), c->peer_call_id, strerror(errno));
		goto fail;
	}
	return s;
fail:
	close(s);
	return -1;
}

static void
on_ocrq(struct conn *c, const uint8_t *m)
{
	uint8_t b[32 - PPTP_HDR];
	uint16_t peer_id = get16(m + PPTP_HDR);
	char peer[INET_ADDRSTRLEN];
	int s = -1;

	memset(b, 0, sizeof(b));
	put16(b + 2, peer_id);
	if (c->call) {
		/* one call per control connection, as every client does */
		b[4] = 2;	/* general error */
		b[5] = 0;
		send_msg(c, OCRP, b);
		logx("second Outgoing-Call-Request refused");
		return;
	}
	c->call = true;
	c->peer_call_id = peer_id;
	if ((s = pptp_socket(c, &c->call_id)) == -1) {
		b[4] = 2;	/* general error */
		send_msg(c, OCRP, b);
		c->cdn_sent = true;	/* no call to end */
		return;
	}
	put16(b, c->call_id);
	b[4] = 1;		/* connected */
	put32(b + 8, 100000000);	/* connect speed */
	put16(b + 12, 64);	/* receive window (the kernel ignores it) */
	send_msg(c, OCRP, b);
	c->pppd = pppd_spawn(c, s);
	close(s);
	inet_ntop(AF_INET, &c->peer, peer, sizeof(peer));
	if (c->pppd <= 0) {
		c->pppd = 0;
		send_cdn(c, CDN_GENERAL_ERROR);
		c->cdn_sent = true;
		return;
	}
	c->pidfd = pidfd_open(c->pppd, 0);
	if (c->pidfd == -1)
		die("pidfd_open: %s", strerror(errno));
	logx("call: client %s call id %u, kernel socket call id %u, "
	    "local %s, pppd %d", peer, c->peer_call_id, c->call_id,
	    inet_ntoa(c->local), (int)c->pppd);
}

/* handle one complete message; false: the connection is over */
static bool
on_msg(struct conn *c, const uint8_t *m, int type)
{
	uint8_t b[160];

	memset(b, 0, sizeof(b));
	switch (type) {
	case SCCRQ:
		put16(b, 0x0100);	/* protocol version 1.0 */
		b[2] = 1;		/* result: success */
		put32(b + 4, 1 | 2);	/* framing: async, sync */
		put32(b + 8, 1 | 2);	/* bearer: analog, digital */
		put16(b + 12, 1);	/* maximum channels */
		put16(b + 14, 1);	/* firmware revision */
		snprintf((char *)b + 16, 64, "kpptpd");
		snprintf((char *)b + 80, 64, "pptpd-client lab");
		send_msg(c, SCCRP, b);
		return true;
	case STOPCCRQ:
		b[0] = 1;		/* result: ok */
		send_msg(c, STOPCCRP, b);
		pppd_stop(c);
		logx("Stop-Control-Connection-Request: done");
		return false;
	case STOPCCRP:
		return false;
	case ECHORQ:
		memcpy(b, m + PPTP_HDR, 4);
		b[4] = 1;		/* result: ok */
		send_msg(c, ECHORP, b);
		return true;
	case OCRQ:
		on_ocrq(c, m);
		return true;
	case CCR:
		/*
		 * The call ends now: pppd is told to go (it takes a while to
		 * end LCP on a channel nobody answers) and the client learns
		 * at once, as from pptpd.
		 */
		logx("call %u: Call-Clear-Request", c->call_id);
		if (c->call && !c->cdn_sent) {
			if (c->pppd != 0)
				kill(c->pppd, SIGTERM);
			send_cdn(c, CDN_REQUEST);
			c->cdn_sent = true;
		}
		return true;
	default:
		/* Echo-Reply, Set-Link-Info, WAN-Error-Notify: nothing to do */
		return true;
	}
}

/* read what the socket has; false: the connection is over */
static bool
on_readable(struct conn *c)
{
	ssize_t n;
	size_t off = 0;

	n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	if (n == -1 && errno == EINTR)
		return true;
	if (n <= 0) {
		logx("control connection closed by the client%s%s",
		    n ? ": " : "", n ? strerror(errno) : "");
		return false;
	}
	c->rlen += (size_t)n;
	while (c->rlen - off >= PPTP_HDR) {
		const uint8_t *m = c->rbuf + off;
		uint16_t len = get16(m), type = get16(m + 8);

		if (get16(m + 2) != 1 || get32(m + 4) != PPTP_MAGIC ||
		    type == 0 || type >= sizeof(msg_len) / sizeof(msg_len[0]) ||
		    len != msg_len[type]) {
			logx("malformed control message (type %u, length %u)",
			    type, len);
			return false;
		}
		if (c->rlen - off < len)
			break;
		if (!on_msg(c, m, type))
			return false;
		off += len;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return true;
}

static void
serve(int fd, struct in_addr remote_ip)
{
	struct conn c;
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.pidfd = -1;
	c.remote_ip = remote_ip;
	if (getsockname(fd, (struct sockaddr *)&a, &len) == -1)
		die("getsockname: %s", strerror(errno));
	c.local = a.sin_addr;
	len = sizeof(a);
	if (getpeername(fd, (struct sockaddr *)&a, &len) == -1)
		die("getpeername: %s", strerror(errno));
	c.peer = a.sin_addr;
	logx("control connection from %s", inet_ntoa(c.peer));

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c.fd, .events = POLLIN },
			{ .fd = c.pidfd, .events = POLLIN },
		};
		/* after our Stop request, the client has 5 s to answer */
		int r = poll(pfd, 2, c.stopping ? 5000 : -1);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("poll: %s", strerror(errno));
		if (r == 0)
			break;
		if (pfd[1].revents) {
			/* pppd ended on its own: the call and the connection end */
			pppd_reap(&c);
			if (!c.cdn_sent) {
				send_cdn(&c, CDN_ADMIN_SHUTDOWN);
				c.cdn_sent = true;
				send_stop(&c);
			}
		}
		if (pfd[0].revents && !on_readable(&c))
			break;
	}
	pppd_stop(&c);
	close(c.fd);
	logx("control connection from %s ends", inet_ntoa(c.peer));
	exit(0);
}

/* --- the listener ---------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: kpptpd -l addr -P plugin -o options -L localip "
	    "-R first-remoteip [-n count] [-p pppd] [-- pppd-args ...]\n");
	exit(2);
}

static struct in_addr
addr_arg(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "kpptpd: %s is not an IPv4 address\n", s);
		exit(2);
	}
	return a;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	unsigned n = 0;
	int ch, ls, one = 1;
	bool have_listen = false, have_local = false, have_first = false;

	while ((ch = getopt(argc, argv, "l:L:n:o:p:P:R:")) != -1) {
		switch (ch) {
		case 'l':
			opt.listen = addr_arg(optarg);
			have_listen = true;
			break;
		case 'L':
			opt.local_ip = addr_arg(optarg);
			have_local = true;
			break;
		case 'R':
			opt.first_ip = addr_arg(optarg);
			have_first = true;
			break;
		case 'n':
			opt.count = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			opt.options = optarg;
			break;
		case 'p':
			opt.pppd = optarg;
			break;
		case 'P':
			opt.plugin = optarg;
			break;
		default:
			usage();
		}
	}
	if (!have_listen || !have_local || !have_first || !opt.plugin ||
	    !opt.options || opt.count == 0)
		usage();
	opt.extra = argv + optind;
	opt.nextra = argc - optind;

	/* children are collected by the kernel; each child waits for its pppd */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls == -1)
		die("socket: %s", strerror(errno));
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(PPTP_PORT);
	sa.sin_addr = opt.listen;
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die("bind %s port %d: %s", inet_ntoa(opt.listen), PPTP_PORT,
		    strerror(errno));
	if (listen(ls, 16) == -1)
		die("listen: %s", strerror(errno));
	logx("listening on %s", inet_ntoa(opt.listen));

	for (;;) {
		struct in_addr remote;
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		remote.s_addr = htonl(ntohl(opt.first_ip.s_addr) + n % opt.count);
		n++;
		pid = fork();
		if (pid == -1) {
			logx("fork: %s", strerror(errno));
			close(fd);
			continue;
		}
		if (pid == 0) {
			close(ls);
			signal(SIGCHLD, SIG_DFL);
			serve(fd, remote);
		}
		close(fd);
	}
}
