/*
 * pptpd-client: the parent process. It reads the config, binds the control
 * socket, starts the engine and the control process (re-executing itself
 * so that a child starts with fresh memory that never held a password),
 * restarts a child that dies, and does every privileged thing on their
 * behalf (tunnel.c).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

#include "pptpd-client/pptpd-client.h"
#include "privsep/log.h"
#include "privsep/sandbox.h"

struct child {
	const char	*name;		/* "engine", "control" */
	enum pc_proc	 proc;
	pid_t		 pid;
	struct msgbuf	 mb;
	struct event	*ev;
	struct event	*ev_restart;
	int		 restarts;
	time_t		 started;
};

struct pcconf		*pconf;
struct event_base	*evbase;
static struct pc_opts	 opts;
static struct child	 engine = { .name = "engine", .proc = PROC_ENGINE,
			    .pid = -1 };
static struct child	 control = { .name = "control", .proc = PROC_CONTROL,
			    .pid = -1 };
static int		 ctl_listen_fd = -1;
static uid_t		 child_uid;
static gid_t		 child_gid;
static int		 quitting;
static char		*self_argv0;
static char		 self_path[PATH_MAX];
static char		 bound_socket[PATH_MAX];

static void	 child_start(struct child *);
static void	 child_dispatch(evutil_socket_t, short, void *);

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: pptpd-client [-dnv] [-f file] [-s socket]\n");
	exit(1);
}

/* ---- sending to the children ----------------------------------------- */

static int
child_send(struct child *c, uint16_t type, uint32_t tunnel, uint32_t peer,
    int fd, const void *data, size_t len)
{
	if (c->pid == -1 || c->ev == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (msg_compose(&c->mb, type, tunnel, peer, fd, data, len) == -1) {
		log_warn("%s: cannot queue %s", c->name, msg_name(type));
		return -1;
	}
	msgbuf_watch(evbase, &c->mb, c->ev, child_dispatch, c);
	return 0;
}

int
parent_send_engine(uint16_t type, uint32_t tunnel, uint32_t peer, int fd,
    const void *data, size_t len)
{
	return child_send(&engine, type, tunnel, peer, fd, data, len);
}

int
parent_send_control(uint16_t type, uint32_t peer, const void *data,
    size_t len)
{
	return child_send(&control, type, 0, peer, -1, data, len);
}

/* ---- children: start, watch, restart ---------------------------------- */

static void
child_restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	child_start(arg);
}

static void
child_gone(struct child *c, const char *why)
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
child_reaped(struct child *c, int status)
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
	child_gone(c, NULL);
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
		c->ev_restart = evtimer_new(evbase, child_restart_cb, c);
	struct timeval tv = { delay, delay ? 0 : 1000 };
	evtimer_add(c->ev_restart, &tv);
}

static void
send_control_setup(void)
{
	struct m_ctl_config cc;
	struct group *gr;
	struct passwd *pw;
	char **mem;
	int fd;

	static uint32_t generation;

	memset(&cc, 0, sizeof(cc));
	/* ids of a new control process's clients never repeat an old one's */
	cc.id_base = (++generation & 0xff) << 24 | 1;
	if (pconf->control_group[0] != '\0' &&
	    (gr = getgrnam(pconf->control_group)) != NULL) {
		cc.has_group = 1;
		cc.gid = gr->gr_gid;
		for (mem = gr->gr_mem; *mem != NULL && cc.nuids < 64; mem++)
			if ((pw = getpwnam(*mem)) != NULL)
				cc.uids[cc.nuids++] = pw->pw_uid;
	} else if (pconf->control_group[0] != '\0')
		log_warnx("control-group \"%s\" does not exist; only root may "
		    "change tunnels", pconf->control_group);
	parent_send_control(M_CTL_CONFIG, 0, &cc, sizeof(cc));
	if ((fd = dup(ctl_listen_fd)) == -1)
		fatal("dup");
	child_send(&control, M_CTL_LISTEN, 0, 0, fd, NULL, 0);
}

static void
child_start(struct child *c)
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
		snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)child_uid);
		snprintf(gidbuf, sizeof(gidbuf), "%u", (unsigned)child_gid);
		argv[n++] = self_argv0;
		argv[n++] = "-P";
		argv[n++] = (char *)c->name;
		argv[n++] = "-U";
		argv[n++] = uidbuf;
		argv[n++] = "-G";
		argv[n++] = gidbuf;
		if (opts.foreground)
			argv[n++] = "-d";
		for (i = 0; i < opts.verbose && i < 3; i++)
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
	c->ev = event_new(evbase, sp[0], EV_READ | EV_PERSIST, child_dispatch,
	    c);
	event_add(c->ev, NULL);
	log_debug("started %s, pid %d", c->name, (int)pid);
	if (c->proc == PROC_CONTROL)
		send_control_setup();
}

static void
handle_engine_msg(struct pc_msg *m)
{
	struct tunnel *t = tunnel_byid(m->hdr.tunnel);
	struct m_engine_state es;
	struct ctl_counters cc;

	switch (m->hdr.type) {
	case M_ENGINE_STATE:
	case M_TUNNEL_CLOSED:
		if (t == NULL)
			return;
		memcpy(&es, m->data, sizeof(es));
		es.last_error[sizeof(es.last_error) - 1] = '\0';
		if (m->hdr.type == M_ENGINE_STATE)
			tunnel_engine_state(t, &es);
		else
			tunnel_engine_closed(t, &es);
		break;
	case M_COUNTERS:
		if (m->hdr.tunnel == 0) {
			/* the marker after the last tunnel of a request */
			tunnel_counters_end(m->hdr.peer);
			break;
		}
		if (!parent_ctl_counting(m->hdr.peer))
			break;	/* asked before the control process restarted */
		memset(&cc, 0, sizeof(cc));
		memcpy(&cc.c, m->data, sizeof(cc.c));
		strlcpy(cc.name, t->conf->name, sizeof(cc.name));
		cc.reconnects = t->reconnects;
		if (t->state == TS_UP && t->up_since > 0)
			cc.uptime_s = time(NULL) - t->up_since;
		tunnel_counters_reply(t, m->hdr.peer, &cc);
		break;
	}
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

static void
child_dispatch(evutil_socket_t fd, short ev, void *arg)
{
	struct child *c = arg;
	struct pc_msg m;
	struct m_log lg;
	char why[PC_ERR_MAX];
	ssize_t n;
	int r;

	if (ev & EV_WRITE) {
		if (msgbuf_write(&c->mb) == -1) {
			child_gone(c, "channel write failed");
			return;
		}
		msgbuf_watch(evbase, &c->mb, c->ev, child_dispatch, c);
	}
	if (!(ev & EV_READ))
		return;
	n = msgbuf_read(&c->mb);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		/* it is exiting; SIGCHLD tells how */
		child_gone(c, NULL);
		return;
	}
	while ((r = msg_get(&c->mb, &m)) == 1) {
		if (msg_check(&m, c->proc, PROC_PARENT, why, sizeof(why)) ==
		    -1 || (m.hdr.tunnel != 0 && tunnel_byid(m.hdr.tunnel) ==
		    NULL && snprintf(why, sizeof(why), "%s: unknown tunnel "
		    "id %u", msg_name(m.hdr.type), m.hdr.tunnel) > 0)) {
			if (m.fd >= 0)
				close(m.fd);
			child_gone(c, why);
			return;
		}
		if (m.hdr.type == M_LOG) {
			memset(&lg, 0, sizeof(lg));
			memcpy(&lg, m.data, m.hdr.len);
			lg.line[sizeof(lg.line) - 1] = '\0';
			log_emit(lg.priority, lg.line);
		} else if (c->proc == PROC_ENGINE)
			handle_engine_msg(&m);
		else
			handle_control_msg(&m);
		if (c->ev == NULL)
			return;
	}
	if (r == -1)
		child_gone(c, "garbled message stream");
}

/* Exiting: the children go first, and are reaped, not left to init. */
static void
children_stop(void)
{
	struct child *cs[] = { &engine, &control };
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

/* ---- signals ----------------------------------------------------------- */

static void
sigchld_cb(evutil_socket_t sig, short ev, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == engine.pid)
			child_reaped(&engine, status);
		else if (pid == control.pid)
			child_reaped(&control, status);
		else
			tunnel_child_exited(pid, status);
	}
}

static void
quit_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	static int waited;

	if (tunnels_all_down() || ++waited > 50)
		event_base_loopbreak(evbase);
}

static void
sigterm_cb(evutil_socket_t sig, short ev, void *arg)
{
	static struct event *tick;
	struct timeval tv = { 0, 100000 };

	if (quitting++) {
		event_base_loopbreak(evbase);
		return;
	}
	log_info("%s: taking every tunnel down", sig == SIGINT ? "SIGINT" :
	    "SIGTERM");
	tunnels_shutdown();
	tick = event_new(evbase, -1, EV_PERSIST, quit_check_cb, NULL);
	event_add(tick, &tv);
}

int	parent_reload(char *err, size_t errlen);

static void
sighup_cb(evutil_socket_t sig, short ev, void *arg)
{
	char err[PC_ERR_MAX];

	log_info("SIGHUP: reloading %s", opts.conffile);
	if (parent_reload(err, sizeof(err)) == -1)
		log_warnx("reload: %s", err);
}

/* ---- control socket ---------------------------------------------------- */

static int
control_socket_open(const char *path, const char *group)
{
	struct sockaddr_un sun;
	struct group *gr;
	gid_t gid = 0;
	mode_t old;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("%s: control socket path too long", path);
	/* a live daemon behind the socket must not lose it to us */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("%s: another pptpd-client is running", path);
		close(probe);
	}
	if (unlink(path) == -1 && errno != ENOENT)
		fatal("unlink %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		fatal("socket");
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	umask(old);
	if (group[0] != '\0' && (gr = getgrnam(group)) != NULL)
		gid = gr->gr_gid;
	if (chown(path, 0, gid) == -1 || chmod(path, 0660) == -1)
		fatal("chown/chmod %s", path);
	if (listen(fd, 16) == -1)
		fatal("listen %s", path);
	return fd;
}

/* ---- reload ------------------------------------------------------------ */

int
parent_reload(char *err, size_t errlen)
{
	struct pcconf *nconf;
	struct tunnel *t;

	if ((nconf = parse_config(opts.conffile, 0)) == NULL) {
		snprintf(err, errlen, "%s has errors; the running config is "
		    "unchanged (see pptpd-client -n -f %s)", opts.conffile,
		    opts.conffile);
		return -1;
	}
	/* a running tunnel must go down before its settings can change */
	TAILQ_FOREACH(t, &tunnels, entry) {
		if (t->state != TS_DOWN && t->state != TS_FAILED) {
			snprintf(err, errlen, "tunnel \"%s\" is %s; take it "
			    "down before reloading", t->conf->name,
			    tunnel_state_name(t->state));
			config_free(nconf);
			return -1;
		}
	}
	/* failed tunnels still holding rules give them up, and that work
	   is finished before the new config's first look at the ruleset */
	tunnels_shutdown();
	fwq_drain();
	tunnels_free();
	if (strcmp(nconf->user, pconf->user) != 0 ||
	    strcmp(nconf->control_group, pconf->control_group) != 0 ||
	    (opts.sockpath == NULL && strcmp(nconf->control_socket,
	    pconf->control_socket) != 0) || nconf->firewall != pconf->firewall)
		log_warnx("reload: user, control-group, control-socket and "
		    "firewall take effect when the daemon restarts");
	strlcpy(nconf->control_socket, bound_socket,
	    sizeof(nconf->control_socket));
	config_free(pconf);
	pconf = nconf;
	tunnels_init();
	log_info("config reloaded: %d tunnel(s)", pconf->ntunnels);
	return 0;
}

/*
 * The parent holds the passwords: no core file may ever carry them, and
 * no other process of root's may read its memory through /proc.
 */
static void
no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("setrlimit RLIMIT_CORE");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
}

/* ---- main -------------------------------------------------------------- */

int
main(int argc, char *argv[])
{
	struct event *ev_chld, *ev_term, *ev_int, *ev_hup;
	const char *proc = NULL;
	char warn[256];
	int ch, checkonly = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	const char *errstr;

	/* setproctitle reuses argv's memory: keep our own copy */
	if ((self_argv0 = strdup(argv[0])) == NULL)
		fatal("strdup");
	setproctitle_init(argc, argv, environ);
	opts.conffile = PC_DEFAULT_CONF;
	while ((ch = getopt(argc, argv, "df:G:nP:s:U:v")) != -1) {
		switch (ch) {
		case 'd': opts.foreground = 1; break;
		case 'f': opts.conffile = optarg; break;
		case 'n': checkonly = 1; break;
		case 's': opts.sockpath = optarg; break;
		case 'v': opts.verbose++; break;
		case 'P': proc = optarg; break;
		case 'U':
			uid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			if (errstr) usage();
			break;
		case 'G':
			gid = strtonum(optarg, 0, UINT32_MAX - 1, &errstr);
			if (errstr) usage();
			break;
		default: usage();
		}
	}
	if (argc != optind)
		usage();
	opts.seccomp_debug = opts.verbose >= 2;

	if (proc != NULL) {
		/* a re-executed child: channel on fd 3 */
		if (uid == 0)
			usage();
		opts.uid = uid;
		opts.gid = gid;
		if (strcmp(proc, "engine") == 0)
			engine_main(&opts, 3);
		if (strcmp(proc, "control") == 0)
			control_main(&opts, 3);
		usage();
	}

	if (checkonly) {
		if ((pconf = parse_config(opts.conffile, 0)) == NULL)
			exit(1);
		print_config(stdout, pconf, 0);
		config_free(pconf);
		exit(0);
	}
	if (geteuid() != 0) {
		fprintf(stderr, "pptpd-client: must run as root\n");
		exit(1);
	}
	no_core_dumps();
	log_init(1, opts.verbose, "parent");
	if ((pconf = parse_config(opts.conffile, 0)) == NULL)
		exit(1);
	if (opts.sockpath != NULL)
		strlcpy(pconf->control_socket, opts.sockpath,
		    sizeof(pconf->control_socket));
	if (sandbox_lookup_user(pconf->user, &child_uid, &child_gid, warn,
	    sizeof(warn)) == -1)
		fatalx("no unprivileged user to run the children as (\"%s\" "
		    "and nobody both missing)", pconf->user);
	if (warn[0] != '\0')
		log_warnx("%s", warn);
	if (sandbox_prepare_dir() == -1)
		fatal("%s", PC_EMPTY_DIR);

	{
		ssize_t n = readlink("/proc/self/exe", self_path,
		    sizeof(self_path) - 1);
		if (n <= 0)
			fatal("readlink /proc/self/exe");
		self_path[n] = '\0';
	}
	/* bound before detaching: `pptpd-client && pptpctl up` works */
	ctl_listen_fd = control_socket_open(pconf->control_socket,
	    pconf->control_group);
	strlcpy(bound_socket, pconf->control_socket, sizeof(bound_socket));
	if (!opts.foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, opts.verbose, "parent");
	}
	signal(SIGPIPE, SIG_IGN);
	setproctitle("parent");

	if ((evbase = event_base_new()) == NULL)
		fatalx("event_base_new");
	ev_chld = evsignal_new(evbase, SIGCHLD, sigchld_cb, NULL);
	ev_term = evsignal_new(evbase, SIGTERM, sigterm_cb, NULL);
	ev_int = evsignal_new(evbase, SIGINT, sigterm_cb, NULL);
	ev_hup = evsignal_new(evbase, SIGHUP, sighup_cb, NULL);
	event_add(ev_chld, NULL);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	event_add(ev_hup, NULL);

	tunnels_init();
	child_start(&engine);
	child_start(&control);
	log_info("started with %d tunnel(s), control socket %s",
	    pconf->ntunnels, pconf->control_socket);

	event_base_dispatch(evbase);

	quitting = 1;
	tunnels_final();
	children_stop();
	unlink(bound_socket);
	config_free(pconf);
	log_info("exiting");
	return 0;
}
