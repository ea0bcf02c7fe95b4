/*
 * The parent process: reads the config, binds the control socket, starts
 * the children (parent_proc.c), and runs the event loop in which every
 * privileged thing is done on their behalf: tunnels (parent_tunnel.c and
 * their state machine, parent_fsm.c), pptpctl requests (parent_ctl.c) and
 * firewall work (parent_fwqueue.c). It holds the passwords, so it never
 * dumps core.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/parent.h"
#include "privsep/log.h"
#include "privsep/sandbox.h"

struct pcconf		*pconf;
struct event_base	*evbase;
static struct pc_opts	 opts;
static int		 quitting;
static char		 self_path[PATH_MAX];
static char		 bound_socket[PATH_MAX];

/* ---- signals ----------------------------------------------------------- */

static void
sigchld_cb(evutil_socket_t sig, short ev, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (!procs_reaped(pid, status))
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
	/* the next start brings back what was wanted up now */
	wanted_freeze();
	tunnels_shutdown();
	tick = event_new(evbase, -1, EV_PERSIST, quit_check_cb, NULL);
	event_add(tick, &tv);
}

static void
sighup_cb(evutil_socket_t sig, short ev, void *arg)
{
	char err[PC_ERR_MAX];

	log_info("SIGHUP: reloading %s", opts.conffile);
	if (parent_reload(err, sizeof(err)) == -1)
		log_warnx("reload: %s", err);
}

/* ---- control socket ---------------------------------------------------- */

/*
 * The socket is born with its final owner, group and mode: the mode from
 * the socket's own inode (Linux gives a bound socket's file the mode of
 * the socket, less the umask, so fchmod before bind sets it) and the
 * group from our effective gid at bind. No chown or chmod by path follows,
 * so a symlink planted at the path after bind redirects nothing; the path
 * is then only looked at, without following links, to see that it is
 * still ours.
 */
static int
control_socket_open(const char *path, const char *group)
{
	struct sockaddr_un sun;
	struct group *gr;
	struct stat st;
	gid_t gid = 0;
	mode_t old;
	int fd, probe, r;

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
	if (group[0] != '\0' && (gr = getgrnam(group)) != NULL)
		gid = gr->gr_gid;
	if (fchmod(fd, 0660) == -1)
		fatal("fchmod control socket");
	if (setegid(gid) == -1)
		fatal("setegid %u", (unsigned)gid);
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (setegid(0) == -1)
		fatal("setegid 0");
	if (r == -1)
		fatal("bind %s", path);
	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		fatal("stat %s", path);
	if (!S_ISSOCK(st.st_mode))
		fatalx("%s: replaced by something else just after bind; "
		    "refusing to use it", path);
	/* a set-group-id directory hands down its own group */
	if (st.st_gid != gid &&
	    fchownat(AT_FDCWD, path, 0, gid, AT_SYMLINK_NOFOLLOW) == -1)
		fatal("chown %s", path);
	/* room for bursts: control accepts at once and refuses over its limits */
	if (listen(fd, CTL_MAX_CLIENTS) == -1)
		fatal("listen %s", path);
	return fd;
}

/* ---- reload ------------------------------------------------------------ */

int
parent_reload(char *err, size_t errlen)
{
	struct pcconf *nconf;

	if ((nconf = parse_config(opts.conffile, 0)) == NULL) {
		snprintf(err, errlen, "%s has errors; the running config is "
		    "unchanged (see pptpd-client -n -f %s)", opts.conffile,
		    opts.conffile);
		return -1;
	}
	if (strcmp(nconf->user, pconf->user) != 0 ||
	    strcmp(nconf->control_group, pconf->control_group) != 0 ||
	    (opts.sockpath == NULL && strcmp(nconf->control_socket,
	    pconf->control_socket) != 0) || nconf->firewall != pconf->firewall)
		log_warnx("reload: user, control-group, control-socket and "
		    "firewall take effect when the daemon restarts");
	strlcpy(nconf->control_socket, bound_socket,
	    sizeof(nconf->control_socket));
	nconf->firewall = pconf->firewall;
	tunnels_reload(nconf);
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

/* ---- start-up ---------------------------------------------------------- */

/*
 * The parent's life: config, the unprivileged user, the control socket
 * (bound before detaching, so `pptpd-client && pptpctl up` works), the
 * children, the event loop, and on the way out every tunnel undone.
 */
void
parent_main(const struct pc_opts *o, char *argv0)
{
	struct event *ev_chld, *ev_term, *ev_int, *ev_hup;
	char warn[256];
	ssize_t n;
	int listen_fd;

	opts = *o;
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
	/* the default user is a local account (make install), and asking
	 * NSS for it where it is missing would be the slowest step */
	if (sandbox_lookup_user(pconf->user,
	    strcmp(pconf->user, PC_DEFAULT_USER) != 0, &opts.uid, &opts.gid,
	    warn, sizeof(warn)) == -1)
		fatalx("no unprivileged user to run the children as (\"%s\" "
		    "and nobody both missing)", pconf->user);
	if (warn[0] != '\0')
		log_warnx("%s", warn);
	if (sandbox_prepare_dir() == -1)
		fatal("%s", PC_EMPTY_DIR);
	if ((n = readlink("/proc/self/exe", self_path,
	    sizeof(self_path) - 1)) <= 0)
		fatal("readlink /proc/self/exe");
	self_path[n] = '\0';
	listen_fd = control_socket_open(pconf->control_socket,
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
	procs_start(&opts, argv0, self_path, listen_fd);
	wanted_restore();
	log_info("started with %d tunnel(s), control socket %s",
	    pconf->ntunnels, pconf->control_socket);

	event_base_dispatch(evbase);

	quitting = 1;
	procs_quit();
	tunnels_final();
	procs_stop();
	unlink(bound_socket);
	config_free(pconf);
	log_info("exiting");
	exit(0);
}
