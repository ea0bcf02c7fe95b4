/*
 * pptp-pptpd-client: a drop-in for pptp-linux's `pptp` as pppd's pty
 * command (NetworkManager-pptp, /etc/ppp/peers files). pppd runs it as
 * root with the pty master as standard input and output. All of PPTP
 * runs in the daemon's engine (engine.c), forked here into the same
 * sandbox (empty chroot, unprivileged user, seccomp); this process is
 * the engine's parent for one tunnel and does only what needs root:
 * resolve the server, connect TCP 1723 (--localbind, --rtmark), open
 * the raw GRE socket, hand both and the pty to the engine, then wait.
 * It never reads a byte from the network or from pppd.
 *
 * It ends when the engine reports the call closed, when pppd hangs up
 * (the pty's other side closes: HUP on standard input), or on SIGTERM,
 * SIGHUP or SIGINT; in the last two cases it has the engine clear the
 * call and stop the control connection first. No host route is added
 * unless --hostroute asks for one (NetworkManager adds its own; pptp-linux
 * adds one by default): then it is removed on the way out.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pptpd-client/config.h"
#include "pptpd-client/dropin.h"
#include "pptpd-client/engine.h"
#include "privsep/log.h"
#include "privsep/msg.h"
#include "privsep/msg_event.h"
#include "privsep/parent/route.h"
#include "privsep/parent/sockets.h"
#include "privsep/sandbox.h"

#define TUNNEL_ID	1	/* the one tunnel this process hands over */
#define GENERATION	1	/* and its one call */
/* pppd waits 5 s for its pty command after a hang-up, then moves on */
#define STOP_WAIT_MS	4000
/* a signal this soon after the one that began the end repeats it */
#define SIGNAL_AGAIN_MS	1000

static struct dropin_opts o;
static struct event_base *base;
static struct msgbuf	 chan;
static struct event	*ev_chan, *ev_connect, *ev_hup, *ev_stop;
static pid_t		 engine_pid = -1;
static struct in_addr	 server;
static int		 tcp_fd = -1, hup_fd = -1;
static int		 handed_over;	/* the engine has the call */
static int		 stopping;	/* we asked it to end */
static uint64_t		 stop_began;	/* when, in ms */
static int		 host_route;	/* we added the /32 to the server */

static __attribute__((noreturn)) void
finish(int status)
{
	char err[PC_ERR_MAX];
	int st;

	if (engine_pid > 0) {
		kill(engine_pid, SIGTERM);
		while (waitpid(engine_pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	if (host_route && route_del_host(server, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	log_debug("exiting with status %d", status);
	exit(status);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the engine ---------------------------------------------------------- */

static void	chan_cb(evutil_socket_t, short, void *);

static void
engine_send(uint16_t type, int fd, const void *data, size_t len)
{
	if (msg_compose(&chan, type, TUNNEL_ID, 0, fd, data, len) == -1) {
		log_warn("engine: cannot queue %s", msg_name(type));
		finish(1);
	}
	msgbuf_watch(base, &chan, ev_chan, chan_cb, NULL);
}

/* The daemon's engine, forked: the same code, the same sandbox. */
static void
engine_start(uid_t uid, gid_t gid)
{
	struct pc_opts popts;
	int sp[2], null;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if ((engine_pid = fork()) == -1)
		fatal("fork");
	if (engine_pid == 0) {
		/*
		 * Its own process group: a signal pppd sends to its group
		 * reaches this process, which ends the call through the
		 * engine, not the engine itself. Nothing of ours stays open
		 * in it but the channel, as fd 3; not even the pty.
		 */
		(void)setpgid(0, 0);
		signal(SIGTERM, SIG_DFL);
		/* syslog's socket is ours: the engine's log goes through us,
		   and a stale syslog descriptor must not close one of its */
		closelog();
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
		    dup2(sp[1], 3) == -1)
			_exit(1);
		closefrom(4);
		memset(&popts, 0, sizeof(popts));
		popts.foreground = o.log_stderr;
		popts.verbose = o.loglevel >= 2;
		popts.uid = uid;
		popts.gid = gid;
		engine_main(&popts, 3);
	}
	close(sp[1]);
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1 ||
	    msgbuf_init(&chan, sp[0]) == -1)
		fatal("engine channel");
	ev_chan = event_new(base, sp[0], EV_READ | EV_PERSIST, chan_cb, NULL);
	event_add(ev_chan, NULL);
	log_debug("engine started, pid %d", (int)engine_pid);
}

static const char *
engine_state_name(uint32_t s)
{
	static const char *names[] = { "connecting", "calling", "connected",
	    "stopping", "closed" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/*
 * Beyond msg_check: a report must be about the call handed over, and
 * counters were never asked for. -1 and why: the engine is lying.
 */
static int
engine_msg(const struct pc_msg *m, char *why, size_t len)
{
	struct m_engine_state es;
	struct m_log lg;

	if (m->hdr.type == M_LOG) {
		memset(&lg, 0, sizeof(lg));
		memcpy(&lg, m->data, m->hdr.len);
		lg.line[sizeof(lg.line) - 1] = '\0';
		log_child("engine", lg.priority, lg.line);
		return 0;
	}
	if (m->hdr.type != M_ENGINE_STATE && m->hdr.type != M_TUNNEL_CLOSED) {
		snprintf(why, len, "%s, which it was not asked for",
		    msg_name(m->hdr.type));
		return -1;
	}
	memcpy(&es, m->data, sizeof(es));
	es.last_error[sizeof(es.last_error) - 1] = '\0';
	if (!handed_over || m->hdr.tunnel != TUNNEL_ID ||
	    es.generation != GENERATION) {
		snprintf(why, len, "%s about tunnel %u call %u, which it was "
		    "never given", msg_name(m->hdr.type), m->hdr.tunnel,
		    es.generation);
		return -1;
	}
	if (m->hdr.type == M_ENGINE_STATE) {
		if (es.state == ES_CONNECTED && !es.gre_seen)
			log_info("call to %s connected", inet_ntoa(server));
		else if (es.state == ES_CONNECTED)
			log_debug("first GRE packet from the server");
		else
			log_debug("call: %s", engine_state_name(es.state));
		return 0;
	}
	if (es.last_error[0] == '\0')
		log_info("call closed");
	else if (stopping)
		log_info("call closed: %s", es.last_error);
	else
		log_warnx("call closed: %s", es.last_error);
	finish(stopping ? 0 : 1);
}

static void
chan_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct pc_msg m;
	char why[PC_ERR_MAX];
	ssize_t n;
	int r;

	if ((ev & EV_WRITE) && msgbuf_write(&chan) == -1) {
		log_warn("engine channel");
		finish(1);
	}
	msgbuf_watch(base, &chan, ev_chan, chan_cb, NULL);
	if (!(ev & EV_READ))
		return;
	n = msgbuf_read(&chan);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		log_warnx("the engine (pid %d) went away", (int)engine_pid);
		finish(1);
	}
	while ((r = msg_get(&chan, &m)) == 1) {
		if (msg_check(&m, PROC_ENGINE, PROC_PARENT, why,
		    sizeof(why)) == -1 || engine_msg(&m, why, sizeof(why)) == -1) {
			if (m.fd >= 0)
				close(m.fd);
			log_warnx("engine (pid %d): %s; killing it",
			    (int)engine_pid, why);
			kill(engine_pid, SIGKILL);
			finish(1);
		}
	}
	if (r == -1) {
		log_warnx("engine: garbled message stream; killing it");
		kill(engine_pid, SIGKILL);
		finish(1);
	}
}

/* ---- the end ------------------------------------------------------------- */

static void
stop_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	log_warnx("the engine did not end the call within %d ms",
	    STOP_WAIT_MS);
	finish(1);
}

/* Call-Clear-Request, Stop-Control-Connection-Request, then exit. */
static void
stop(const char *reason)
{
	struct m_reason r;
	struct timeval tv = { STOP_WAIT_MS / 1000,
	    (STOP_WAIT_MS % 1000) * 1000 };

	stopping = 1;
	stop_began = now_ms();
	log_info("%s: ending the call", reason);
	if (!handed_over)
		finish(0);
	memset(&r, 0, sizeof(r));
	r.generation = GENERATION;
	strlcpy(r.reason, reason, sizeof(r.reason));
	engine_send(M_TUNNEL_STOP, -1, &r, sizeof(r));
	ev_stop = evtimer_new(base, stop_timeout_cb, NULL);
	evtimer_add(ev_stop, &tv);
}

/*
 * A signal while the call ends: one that comes with the first (pppd
 * closes the pty and signals its pty command, timeout(1) signals its
 * child and its group) is the same request; one a second later is
 * impatience, and ends this process at once.
 */
static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	if (stopping && now_ms() - stop_began < SIGNAL_AGAIN_MS) {
		log_debug("signal %d again: still ending the call", (int)sig);
		return;
	}
	if (stopping) {
		log_info("signal %d while ending the call: exiting now",
		    (int)sig);
		finish(1);
	}
	stop(sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/*
 * pppd hanging up closes the pty's slave side: the master, our standard
 * input, then reports HUP. Its data is the engine's, so this process
 * watches for the hang-up alone, through an epoll set that asks for no
 * event at all (epoll always reports a hang-up).
 */
static void
hup_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct epoll_event e;

	if (epoll_wait(fd, &e, 1, 0) == 1 && (e.events & (EPOLLHUP | EPOLLERR))) {
		event_del(ev_hup);
		if (!stopping)
			stop("pppd hung up");
	}
}

static void
hup_watch(void)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	if ((hup_fd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if (epoll_ctl(hup_fd, EPOLL_CTL_ADD, STDIN_FILENO, &e) == -1) {
		/* not a pty (a file, /dev/null): only signals end us */
		log_warn("cannot watch standard input for pppd's hang-up");
		return;
	}
	ev_hup = event_new(base, hup_fd, EV_READ | EV_PERSIST, hup_cb, NULL);
	event_add(ev_hup, NULL);
}

/* ---- the server ---------------------------------------------------------- */

/* TCP 1723 is up: the engine gets the call, the GRE socket and the pty. */
static void
hand_over(void)
{
	struct m_tunnel_start ts;
	struct sock_src src = { o.localbind, o.rtmark };
	char err[PC_ERR_MAX];
	int gre, pty;

	if ((gre = sock_gre_open_from(server, &src, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		finish(1);
	}
	if ((pty = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		fatal("dup of standard input");
	memset(&ts, 0, sizeof(ts));
	ts.generation = GENERATION;
	strlcpy(ts.name, o.logstring, sizeof(ts.name));
	ts.server = server;
	ts.connect_timeout_ms = o.connect_timeout_ms;
	ts.echo_interval_ms = o.echo_interval_ms;
	ts.echo_timeout_ms = o.echo_timeout_ms;
	ts.reorder_wait_ms = o.reorder_wait_ms;
	handed_over = 1;
	engine_send(M_TUNNEL_START, -1, &ts, sizeof(ts));
	engine_send(M_FD_CTRL, tcp_fd, NULL, 0);
	tcp_fd = -1;
	engine_send(M_FD_GRE, gre, NULL, 0);
	engine_send(M_FD_PTY, pty, NULL, 0);
}

static void
connect_cb(evutil_socket_t fd, short ev, void *arg)
{
	char err[PC_ERR_MAX];

	event_free(ev_connect);
	ev_connect = NULL;
	if (ev & EV_TIMEOUT) {
		log_warnx("no answer from %s:%d within %u s", inet_ntoa(server),
		    PPTP_TCP_PORT, o.connect_timeout_ms / 1000);
		finish(1);
	}
	if (sock_tcp_connect_result(tcp_fd, server, PPTP_TCP_PORT, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		finish(1);
	}
	log_debug("connected to %s:%d", inet_ntoa(server), PPTP_TCP_PORT);
	hand_over();
}

/*
 * --hostroute: the server stays reached the way it is now, whatever
 * routes pppd brings (a default route through the tunnel would otherwise
 * swallow the tunnel's own packets). Only a route this process added is
 * removed again.
 */
static void
add_host_route(void)
{
	struct in_addr gw;
	char err[PC_ERR_MAX], a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	int has_gw, ifindex, rc;

	if (route_get(server, &gw, &has_gw, &ifindex, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		finish(1);
	}
	if (!has_gw) {
		log_debug("%s is on a link of ours: no host route needed",
		    inet_ntoa(server));
		return;
	}
	if ((rc = route_add_host(server, gw, has_gw, ifindex, err,
	    sizeof(err))) == -1) {
		log_warnx("%s", err);
		finish(1);
	}
	host_route = rc == 0;
	inet_ntop(AF_INET, &server, a, sizeof(a));
	inet_ntop(AF_INET, &gw, g, sizeof(g));
	log_info("host route to %s via %s%s", a, g, rc == 1 ?
	    ": one was there already, left as it is" : "");
}

static void
connect_server(void)
{
	struct sock_src src = { o.localbind, o.rtmark };
	struct timeval tv = { o.connect_timeout_ms / 1000,
	    (o.connect_timeout_ms % 1000) * 1000 };
	char err[PC_ERR_MAX];

	if ((tcp_fd = sock_tcp_connect_from(server, PPTP_TCP_PORT, &src, err,
	    sizeof(err))) == -1) {
		log_warnx("%s", err);
		finish(1);
	}
	ev_connect = event_new(base, tcp_fd, EV_WRITE, connect_cb, NULL);
	event_add(ev_connect, &tv);
}

/* ---- start-up ------------------------------------------------------------ */

static void
log_setup(void)
{
	/* pptp-linux's levels: 0 errors only, 1 information, 2 debug */
	log_init(o.log_stderr, o.loglevel >= 2, DROPIN_NAME);
	if (!o.log_stderr) {
		/* pptp-linux logs under its --logstring; so does this */
		openlog(o.logstring, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		setlogmask(LOG_UPTO(o.loglevel == 0 ? LOG_WARNING :
		    o.loglevel == 1 ? LOG_INFO : LOG_DEBUG));
	}
}

int
main(int argc, char *argv[])
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	size_t i;
	char err[PC_ERR_MAX], warn[256];
	uid_t uid;
	gid_t gid;
	int null;

	setproctitle_init(argc, argv, environ);
	switch (dropin_parse_args(argc, argv, &o, err, sizeof(err), stdout)) {
	case DROPIN_EXIT_OK:
		exit(0);
	case DROPIN_USAGE:
		/* pppd shows our stderr in its log; syslog keeps it too */
		fprintf(stderr, DROPIN_NAME ": %s (" DROPIN_NAME " --help "
		    "lists the options)\n", err);
		openlog(DROPIN_NAME, LOG_PID, LOG_DAEMON);
		syslog(LOG_ERR, "%s", err);
		exit(2);
	case DROPIN_RUN:
		break;
	}
	log_setup();
	if (geteuid() != 0)
		fatalx("must run as root (pppd runs its pty command as root)");
	signal(SIGPIPE, SIG_IGN);
	if (sock_resolve4(o.server, &server, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (sandbox_lookup_user(PC_DEFAULT_USER, 0, &uid, &gid, warn,
	    sizeof(warn)) == -1)
		fatalx("no unprivileged user to run the engine as (\"%s\" and "
		    "nobody both missing)", PC_DEFAULT_USER);
	if (warn[0] != '\0')
		log_debug("%s", warn);
	if (sandbox_prepare_dir() == -1)
		fatal("%s", PC_EMPTY_DIR);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	engine_start(uid, gid);
	/* the engine, forked first, keeps the default dispositions */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_add(evsignal_new(base, sigs[i], signal_cb, NULL), NULL);
	hup_watch();
	log_info("connecting to %s (%s)", o.server, inet_ntoa(server));
	if (o.hostroute)
		add_host_route();
	connect_server();
	/* standard output is the pty, the engine's: nothing of ours goes
	   there by mistake */
	if ((null = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(null, STDOUT_FILENO) == -1)
		fatal("/dev/null");
	close(null);
	setproctitle("%s", o.server);
	event_base_dispatch(base);
	finish(1);
}
