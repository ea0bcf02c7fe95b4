/*
 * The parent's side of its two children, the engine and the control
 * process: starting them (re-executing the daemon, so that a child's
 * memory never held a password), the message channel to each, checking
 * and dispatching what they send, and restarting one that dies. The
 * children's side of the same channel is child.c.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/parent.h"
#include "privsep/log.h"
#include "privsep/msg_event.h"

struct proc {
	const char	*name;		/* "engine", "control" */
	enum pc_proc	 proc;
	pid_t		 pid;
	struct msgbuf	 mb;
	struct event	*ev;
	struct event	*ev_restart;
	int		 restarts;
	time_t		 started;
};

static struct proc	 engine = { .name = "engine", .proc = PROC_ENGINE,
			    .pid = -1 };
static struct proc	 control = { .name = "control", .proc = PROC_CONTROL,
			    .pid = -1 };
static const struct pc_opts *opts;
static const char	*self_argv0, *self_path;
static int		 ctl_listen_fd = -1;
static int		 quitting;

static void	 proc_start(struct proc *);
static void	 proc_gone(struct proc *, const char *);
static void	 proc_dispatch(evutil_socket_t, short, void *);

/* ---- sending to the children ----------------------------------------- */

static int
proc_send(struct proc *c, uint16_t type, uint32_t tunnel, uint32_t peer,
    int fd, const void *data, size_t len)
{
	if (c->pid == -1 || c->ev == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/*
	 * Many tunnels brought up at once queue three descriptors each in
	 * one turn of the loop: send what the socket takes now, rather than
	 * wait for the loop, so that only a child that does not read fills
	 * the queue.
	 */
	if (fd >= 0 && c->mb.qfds >= PC_MSG_MAXQFDS / 2 &&
	    msgbuf_write(&c->mb) == -1) {
		close(fd);
		log_warn("%s: cannot send %s", c->name, msg_name(type));
		proc_gone(c, "its channel failed");
		return -1;
	}
	if (msg_compose(&c->mb, type, tunnel, peer, fd, data, len) == -1) {
		/* a child that lets this much pile up is not reading: what
		   it was sent (descriptors included) goes with it */
		log_warn("%s: cannot queue %s", c->name, msg_name(type));
		proc_gone(c, "it does not read its channel");
		return -1;
	}
	msgbuf_watch(evbase, &c->mb, c->ev, proc_dispatch, c);
	return 0;
}

int
parent_engine_up(void)
{
	return engine.pid != -1 && engine.ev != NULL;
}

int
parent_send_engine(uint16_t type, uint32_t tunnel, uint32_t peer, int fd,
    const void *data, size_t len)
{
	return proc_send(&engine, type, tunnel, peer, fd, data, len);
}

int
parent_send_control(uint16_t type, uint32_t peer, const void *data,
    size_t len)
{
	return proc_send(&control, type, 0, peer, -1, data, len);
}

/* ---- children: start, watch, restart ---------------------------------- */

static void
proc_restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	proc_start(arg);
}

static void
proc_gone(struct proc *c, const char *why)
{
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	if (c->mb.fd >= 0) {
		close(c->mb.fd);
		msgbuf_clear(&c->mb);
	}
	if (c->pid > 0) {
		/* it broke the rules or lost its channel: it must go */
		if (why != NULL)
			log_warnx("%s (pid %d): %s; killing it", c->name,
			    (int)c->pid, why);
		kill(c->pid, SIGKILL);
	}
}

static void
proc_reaped(struct proc *c, int status)
{
	int delay;

	if (WIFSIGNALED(status))
		log_warnx("%s (pid %d) killed by signal %d (%s)%s", c->name,
		    (int)c->pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGSYS ? ": seccomp refused a syscall "
		    "(run with -vv to see which)" : "");
	else
		log_warnx("%s (pid %d) exited with status %d", c->name,
		    (int)c->pid, WEXITSTATUS(status));
	proc_gone(c, NULL);
	c->pid = -1;
	if (c->proc == PROC_ENGINE) {
		parent_ctl_engine_lost();
		tunnel_engine_lost();
	} else
		parent_ctl_control_lost();
	if (quitting)
		return;
	/* a child that keeps dying must not spin the parent */
	delay = time(NULL) - c->started < 5 ? (c->restarts < 5 ? 1 : 5) : 0;
	c->restarts++;
	log_info("restarting %s%s", c->name, delay ? " in a moment" : "");
	if (c->ev_restart == NULL)
		c->ev_restart = evtimer_new(evbase, proc_restart_cb, c);
	struct timeval tv = { delay, delay ? 0 : 1000 };
	evtimer_add(c->ev_restart, &tv);
}

static void
send_control_setup(void)
{
	struct m_ctl_config cc;
	struct group *gr;
	int fd;

	static uint32_t generation;

	memset(&cc, 0, sizeof(cc));
	/* ids of a new control process's clients never repeat an old one's */
	cc.id_base = (++generation & 0xff) << 24 | 1;
	if (pconf->control_group[0] != '\0' &&
	    (gr = getgrnam(pconf->control_group)) != NULL) {
		cc.has_group = 1;
		cc.gid = gr->gr_gid;
	} else if (pconf->control_group[0] != '\0')
		log_warnx("control-group \"%s\" does not exist; only root may "
		    "change tunnels", pconf->control_group);
	parent_send_control(M_CTL_CONFIG, 0, &cc, sizeof(cc));
	if ((fd = dup(ctl_listen_fd)) == -1)
		fatal("dup");
	proc_send(&control, M_CTL_LISTEN, 0, 0, fd, NULL, 0);
}

static void
proc_start(struct proc *c)
{
	int sp[2], i, n = 0;
	char uidbuf[16], gidbuf[16];
	char *argv[16];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		/* exactly one descriptor survives: the channel, as fd 3 */
		if (dup2(sp[1], 3) == -1)
			_exit(1);
		closefrom(4);
		snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)opts->uid);
		snprintf(gidbuf, sizeof(gidbuf), "%u", (unsigned)opts->gid);
		argv[n++] = (char *)self_argv0;
		argv[n++] = "-P";
		argv[n++] = (char *)c->name;
		argv[n++] = "-U";
		argv[n++] = uidbuf;
		argv[n++] = "-G";
		argv[n++] = gidbuf;
		if (opts->foreground)
			argv[n++] = "-d";
		for (i = 0; i < opts->verbose && i < 3; i++)
			argv[n++] = "-v";
		argv[n] = NULL;
		execv(self_path, argv);
		_exit(127);
	}
	close(sp[1]);
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	c->pid = pid;
	c->started = time(NULL);
	if (msgbuf_init(&c->mb, sp[0]) == -1)
		fatal("msgbuf_init");
	c->ev = event_new(evbase, sp[0], EV_READ | EV_PERSIST, proc_dispatch,
	    c);
	event_add(c->ev, NULL);
	log_debug("started %s, pid %d", c->name, (int)pid);
	if (c->proc == PROC_CONTROL)
		send_control_setup();
	else
		tunnel_engine_back();
}

/*
 * What the engine says about a call: a report about the call the parent
 * handed over is an event; one about an earlier call (it crossed our stop,
 * or a reload freed the tunnel) is stale and dropped; one about a call
 * never handed over is a lie, and -1 with why ends the engine.
 */
static int
engine_report(struct tunnel *t, struct pc_msg *m, char *why, size_t len)
{
	struct m_engine_state es;

	memcpy(&es, m->data, sizeof(es));
	es.last_error[sizeof(es.last_error) - 1] = '\0';
	switch (tunnel_engine_verdict(t->engine_holds, t->generation,
	    es.generation)) {
	case ENGINE_FORGED:
		snprintf(why, len, "%s about call %u of tunnel %s, which it "
		    "was never given", msg_name(m->hdr.type), es.generation,
		    t->conf->name);
		return -1;
	case ENGINE_STALE:
		log_debug("tunnel %s: stale %s (call %u, now %u) dropped",
		    t->conf->name, msg_name(m->hdr.type), es.generation,
		    t->generation);
		return 0;
	default:
		break;
	}
	/* a call id is 16 bits: the kernel's socket is connected to it */
	if (es.peer_call_id > UINT16_MAX) {
		snprintf(why, len, "%s: peer call id %u for tunnel %s",
		    msg_name(m->hdr.type), es.peer_call_id, t->conf->name);
		return -1;
	}
	if (m->hdr.type == M_ENGINE_STATE)
		tunnel_engine_state(t, &es);
	else
		tunnel_engine_closed(t, &es);
	return 0;
}

static int
engine_counters(struct tunnel *t, struct pc_msg *m, char *why, size_t len)
{
	struct ctl_counters cc;

	switch (parent_ctl_counters_expected(m->hdr.peer, m->hdr.tunnel != 0)) {
	case ENGINE_FORGED:
		snprintf(why, len, "%s for a request it was not asked, or "
		    "once too often", msg_name(m->hdr.type));
		return -1;
	case ENGINE_STALE:
		return 0;	/* asked before the control process restarted */
	default:
		break;
	}
	if (m->hdr.tunnel == 0) {
		/* the marker after the last tunnel of a request */
		tunnel_counters_end(m->hdr.peer);
		return 0;
	}
	if (t == NULL)
		return 0;	/* a reload took the tunnel meanwhile */
	memset(&cc, 0, sizeof(cc));
	memcpy(&cc.c, m->data, sizeof(cc.c));
	tunnel_kernel_counters(t, &cc.c);
	strlcpy(cc.name, t->conf->name, sizeof(cc.name));
	cc.reconnects = t->reconnects;
	if (tunnel_state(t) == TS_UP && t->up_since > 0)
		cc.uptime_s = time(NULL) - t->up_since;
	tunnel_counters_reply(t, m->hdr.peer, &cc);
	return 0;
}

static int
handle_engine_msg(struct pc_msg *m, char *why, size_t len)
{
	struct tunnel *t = tunnel_byid(m->hdr.tunnel);

	switch (m->hdr.type) {
	case M_ENGINE_STATE:
	case M_TUNNEL_CLOSED:
		return t == NULL ? 0 : engine_report(t, m, why, len);
	case M_COUNTERS:
		return engine_counters(t, m, why, len);
	}
	return 0;
}

static void
handle_control_msg(struct pc_msg *m)
{
	struct ctl_request req;

	if (m->hdr.type == M_CTL_REQUEST) {
		memcpy(&req, m->data, sizeof(req));
		req.name[sizeof(req.name) - 1] = '\0';
		parent_ctl_request(m->hdr.peer, &req);
	}
}

/*
 * A tunnel id in a child's message: 0 (none), a tunnel of ours, or one a
 * reload freed (the message is stale: -1 is not returned, the caller
 * finds no tunnel). An id never issued is a lie.
 */
static int
tunnel_id_check(uint32_t id, const struct pc_msg *m, char *why, size_t len)
{
	if (id == 0 || tunnel_byid(id) != NULL || tunnel_id_issued(id))
		return 0;
	snprintf(why, len, "%s: unknown tunnel id %u", msg_name(m->hdr.type),
	    id);
	return -1;
}

static void
proc_dispatch(evutil_socket_t fd, short ev, void *arg)
{
	struct proc *c = arg;
	struct pc_msg m;
	struct m_log lg;
	char why[PC_ERR_MAX];
	ssize_t n;
	int r;

	if (ev & EV_WRITE) {
		if (msgbuf_write(&c->mb) == -1) {
			proc_gone(c, "channel write failed");
			return;
		}
		msgbuf_watch(evbase, &c->mb, c->ev, proc_dispatch, c);
	}
	if (!(ev & EV_READ))
		return;
	n = msgbuf_read(&c->mb);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		/* it is exiting; SIGCHLD tells how */
		proc_gone(c, NULL);
		return;
	}
	while ((r = msg_get(&c->mb, &m)) == 1) {
		if (msg_check(&m, c->proc, PROC_PARENT, why, sizeof(why)) ==
		    -1 || tunnel_id_check(m.hdr.tunnel, &m, why,
		    sizeof(why)) == -1) {
			if (m.fd >= 0)
				close(m.fd);
			proc_gone(c, why);
			return;
		}
		if (m.hdr.type == M_LOG) {
			memset(&lg, 0, sizeof(lg));
			memcpy(&lg, m.data, m.hdr.len);
			lg.line[sizeof(lg.line) - 1] = '\0';
			log_child(c->name, lg.priority, lg.line);
		} else if (c->proc == PROC_ENGINE) {
			if (handle_engine_msg(&m, why, sizeof(why)) == -1) {
				proc_gone(c, why);
				return;
			}
		} else
			handle_control_msg(&m);
		if (c->ev == NULL)
			return;
	}
	if (r == -1)
		proc_gone(c, "garbled message stream");
}

/* Exiting: the children go first, and are reaped, not left to init. */
void
procs_stop(void)
{
	struct proc *cs[] = { &engine, &control };
	int i, tries, status;
	pid_t pid;

	for (i = 0; i < 2; i++)
		if (cs[i]->pid > 0)
			kill(cs[i]->pid, SIGTERM);
	for (tries = 0; tries < 40; tries++) {
		for (i = 0; i < 2; i++) {
			if (cs[i]->pid <= 0)
				continue;
			pid = waitpid(cs[i]->pid, &status, WNOHANG);
			if (pid == cs[i]->pid || (pid == -1 && errno == ECHILD))
				cs[i]->pid = -1;
		}
		if (engine.pid <= 0 && control.pid <= 0)
			return;
		usleep(50000);
	}
	for (i = 0; i < 2; i++)
		if (cs[i]->pid > 0) {
			kill(cs[i]->pid, SIGKILL);
			waitpid(cs[i]->pid, &status, 0);
		}
}

/* Remembers what starting a child needs, and starts both. */
void
procs_start(const struct pc_opts *o, const char *argv0, const char *path,
    int listen_fd)
{
	opts = o;
	self_argv0 = argv0;
	self_path = path;
	ctl_listen_fd = listen_fd;
	proc_start(&engine);
	proc_start(&control);
}

/* A child was reaped by the parent's SIGCHLD handler: was it ours? */
int
procs_reaped(pid_t pid, int status)
{
	if (pid == engine.pid)
		proc_reaped(&engine, status);
	else if (pid == control.pid)
		proc_reaped(&control, status);
	else
		return 0;
	return 1;
}

/* The daemon is exiting: a child that dies now is not restarted. */
void
procs_quit(void)
{
	quitting = 1;
}

/*
 * The engine broke a promise (it did not end a call in time): it is
 * killed, and everything the parent passed it goes with it; the parent
 * hears of its death as of any other and starts a fresh one.
 */
void
procs_engine_kill(const char *why)
{
	if (engine.pid > 0)
		proc_gone(&engine, why);
}
