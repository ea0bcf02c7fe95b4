/*
 * pppd's command line, start-up on a pty, and exit reasons.  Runs in the
 * parent.  See pppd.h.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/pppd.h"

#define PPPD_MAXARGS	96

static int
ifname_char_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '/' && c != ':';
}

int
pppd_ifname_valid(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!ifname_char_ok((unsigned char)name[i]))
			return 0;
	return 1;
}

int
pppd_ifname(const char *tunnel_name, char *buf, size_t buflen)
{
	size_t i, n;

	if (tunnel_name == NULL || *tunnel_name == '\0' || buflen == 0)
		return -1;
	n = strlcpy(buf, "pptp-", buflen);
	for (i = 0; tunnel_name[i] != '\0' && n + 1 < buflen &&
	    n < IFNAMSIZ - 1; i++, n++) {
		unsigned char c = tunnel_name[i];

		buf[n] = ifname_char_ok(c) ? (char)c : '_';
	}
	buf[n < buflen ? n : buflen - 1] = '\0';
	return 0;
}

/* Argument vector under construction; a full one turns into E2BIG. */
struct av {
	char	**argv;
	size_t	  max, n;
	char	 *st;
	size_t	  stlen, stused;
	int	  full;
};

static void
add(struct av *av, const char *s)
{
	if (av->n + 1 >= av->max) {
		av->full = 1;
		return;
	}
	av->argv[av->n++] = (char *)s;
	av->argv[av->n] = NULL;
}

/* Copies len bytes of s into storage and adds the copy. */
static void
addn(struct av *av, const char *s, size_t len)
{
	char *p;

	if (av->stlen - av->stused < len + 1) {
		av->full = 1;
		return;
	}
	p = av->st + av->stused;
	memcpy(p, s, len);
	p[len] = '\0';
	av->stused += len + 1;
	add(av, p);
}

static void
addu(struct av *av, unsigned v)
{
	char num[16];

	addn(av, num, (size_t)snprintf(num, sizeof(num), "%u", v));
}

int
pppd_build_argv(const struct pppd_spec *spec, int passwordfd_num,
    int logfd_num, char **argv, size_t maxargv, char *storage,
    size_t storagelen)
{
	struct av av = { argv, maxargv, 0, storage, storagelen, 0, 0 };
	unsigned mtu;
	const char *p, *q;

	if (spec->username == NULL || *spec->username == '\0' ||
	    spec->tunnel_name == NULL || *spec->tunnel_name == '\0' ||
	    !pppd_ifname_valid(spec->ifname) || passwordfd_num < 0 ||
	    (spec->mppe != PPPD_MPPE_REQUIRED &&
	    spec->mppe != PPPD_MPPE_OPTIONAL && spec->mppe != PPPD_MPPE_NONE)) {
		errno = EINVAL;
		return -1;
	}
	if (maxargv == 0) {
		errno = E2BIG;
		return -1;
	}
	argv[0] = NULL;
	mtu = spec->mtu ? spec->mtu : PPPD_DEFAULT_MTU;

	add(&av, "pppd");
	/*
	 * No device: pppd takes the terminal on stdin (the pty slave).  The
	 * rest overrides what /etc/ppp/options may say (Debian's has auth,
	 * crtscts, lock, modem): a pty has no modem lines, a lock file for it
	 * means nothing, and the server does not authenticate to us.
	 */
	add(&av, "nodetach");
	add(&av, "local");
	add(&av, "nocrtscts");
	add(&av, "nolock");
	add(&av, "noauth");
	add(&av, "ifname");
	add(&av, spec->ifname);
	add(&av, "ipparam");
	add(&av, spec->tunnel_name);
	add(&av, "user");
	add(&av, spec->username);
	add(&av, "plugin");
	add(&av, "passwordfd.so");
	add(&av, "passwordfd");
	addu(&av, (unsigned)passwordfd_num);
	/* the kernel path: the socket is pppd's device */
	if (spec->kernel_plugin != NULL) {
		add(&av, "plugin");
		add(&av, spec->kernel_plugin);
		add(&av, "pptp-socket");
		addu(&av, PPPD_FD_CHANNEL);
	}
	/* The parent owns routes and reconnects; pppd must do neither. */
	add(&av, "nodefaultroute");
	add(&av, "noproxyarp");
	add(&av, "noipdefault");
	add(&av, "nopersist");
	add(&av, "maxfail");
	add(&av, "1");
	/*
	 * MPPE excludes the other compressors and PPTP servers rarely offer
	 * them.  VJ header compression assumes a link that reports losses,
	 * and GRE does not: a lost packet corrupts TCP headers until the
	 * next retransmission, so it is off too.
	 */
	add(&av, "nodeflate");
	add(&av, "nobsdcomp");
	add(&av, "novj");
	add(&av, "mtu");
	addu(&av, mtu);
	add(&av, "mru");
	addu(&av, mtu);
	/*
	 * PPTP echo only proves the TCP connection alive; LCP echo crosses
	 * the GRE path, so a firewall that starts dropping GRE is noticed
	 * (by default within a minute).  Adaptive: no echo while data flows.
	 */
	if (spec->lcp_echo_interval > 0) {
		add(&av, "lcp-echo-interval");
		addu(&av, spec->lcp_echo_interval);
		add(&av, "lcp-echo-failure");
		addu(&av, spec->lcp_echo_failure > 0 ?
		    spec->lcp_echo_failure : 1);
		add(&av, "lcp-echo-adaptive");
	}

	switch (spec->mppe) {
	case PPPD_MPPE_REQUIRED:
		/* MPPE keys come only from MS-CHAP; v2 is the sound one. */
		add(&av, "require-mppe-128");
		add(&av, "refuse-chap");
		add(&av, "refuse-mschap");
		add(&av, "refuse-eap");
		break;
	case PPPD_MPPE_OPTIONAL:
		add(&av, "refuse-eap");
		break;
	case PPPD_MPPE_NONE:
		add(&av, "nomppe");
		break;
	}
	/* the servers it names are applied by the parent, not by pppd */
	if (spec->usepeerdns)
		add(&av, "usepeerdns");
	/*
	 * Debian's ip-up.d/0000usepeerdns rewrites /etc/resolv.conf when
	 * neither resolvconf nor resolved runs, racing the parent's own
	 * rewrite; pppd silently skips a script that does not exist.
	 */
	if (spec->no_ip_scripts) {
		add(&av, "ip-up-script");
		add(&av, PPPD_NO_SCRIPT);
		add(&av, "ip-down-script");
		add(&av, PPPD_NO_SCRIPT);
	}
	/* PAP sends the password in clear: only when the config says so */
	if (!spec->allow_pap)
		add(&av, "refuse-pap");
	if (logfd_num >= 0) {
		add(&av, "logfd");
		addu(&av, (unsigned)logfd_num);
	}
	if (spec->debug)
		add(&av, "debug");

	/* Last, so that a person's options override ours. */
	for (p = spec->extra_options; p != NULL && *p != '\0'; p = q) {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		for (q = p; *q != '\0' && !isspace((unsigned char)*q); q++)
			;
		if (q > p)
			addn(&av, p, (size_t)(q - p));
	}

	if (av.full) {
		argv[0] = NULL;
		errno = E2BIG;
		return -1;
	}
	return (int)av.n;
}

static void
closep(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* In the child, after fork: never returns. */
static void __attribute__((noreturn))
child(const char *path, char **argv, int slave, int chan, int pwfd, int logw,
    int execw)
{
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	sigset_t all;
	int sig, s, p, l, e, c = -1, null;

	/*
	 * Signal dispositions set to ignore and the blocked mask survive
	 * exec; the parent's (libevent's) must not reach pppd.
	 */
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	(void)setsid();

	/*
	 * Lift every source above the targets before placing them. With
	 * the kernel's socket for a channel, pppd's terminal is /dev/null.
	 */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	s = fcntl(slave != -1 ? slave : null, F_DUPFD_CLOEXEC, 10);
	p = fcntl(pwfd, F_DUPFD_CLOEXEC, 10);
	e = fcntl(execw, F_DUPFD_CLOEXEC, 10);
	l = logw != -1 ? fcntl(logw, F_DUPFD_CLOEXEC, 10) :
	    fcntl(null, F_DUPFD_CLOEXEC, 10);
	if (chan != -1 && (c = fcntl(chan, F_DUPFD_CLOEXEC, 10)) == -1)
		goto fail;
	if (s == -1 || p == -1 || e == -1 || l == -1)
		goto fail;
	if (dup2(s, 0) == -1 || dup2(s, 1) == -1 || dup2(l, 2) == -1 ||
	    dup2(p, PPPD_FD_PASSWORD) == -1 || dup2(l, PPPD_FD_LOG) == -1 ||
	    (c != -1 && dup2(c, PPPD_FD_CHANNEL) == -1))
		goto fail;
	/* Everything else closes at exec; e reports an exec failure. */
	for (int fd = PPPD_FD_LOG + 1; fd < 10; fd++)
		if (c == -1 || fd != PPPD_FD_CHANNEL)
			(void)close(fd);
	if (close_range(10, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
		long fd, max = sysconf(_SC_OPEN_MAX);

		for (fd = 10; fd < (max > 0 ? max : 1024); fd++)
			(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	execve(path, argv, envp);
fail:
	s = errno;
	if (e != -1)
		(void)!write(e, &s, sizeof(s));
	_exit(127);
}

/* A pty pair, raw from the first byte (no echo of an early LCP frame). */
static int
open_pty(int *master, int *slave, char *err, size_t errlen)
{
	struct termios tio;
	char slname[64];

	if ((*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(*master) == -1 || unlockpt(*master) == -1 ||
	    ptsname_r(*master, slname, sizeof(slname)) != 0 ||
	    (*slave = open(slname, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return err_set(err, errlen, "pty: %s", strerror(errno));
	if (tcgetattr(*slave, &tio) == -1)
		return err_set(err, errlen, "pty %s: %s", slname,
		    strerror(errno));
	cfmakeraw(&tio);
	if (tcsetattr(*slave, TCSANOW, &tio) == -1 ||
	    fcntl(*master, F_SETFL, fcntl(*master, F_GETFL) | O_NONBLOCK) == -1)
		return err_set(err, errlen, "pty %s: %s", slname,
		    strerror(errno));
	return 0;
}

int
pppd_spawn(const struct pppd_spec *spec, const char *password,
    int *master_fd, int *log_fd, pid_t *pid, char *err, size_t errlen)
{
	char *argv[PPPD_MAXARGS], storage[2048];
	int master = -1, slave = -1, pw[2] = { -1, -1 };
	int lg[2] = { -1, -1 }, ex[2] = { -1, -1 }, cerr, status;
	size_t pwlen;
	ssize_t n;
	pid_t p;

	pwlen = password != NULL ? strlen(password) : 0;
	if (pwlen == 0 || pwlen > PPPD_PASSWORD_MAX) {
		err_set(err, errlen, "password must be 1 to %d bytes long",
		    PPPD_PASSWORD_MAX);
		return -1;
	}
	if (pppd_build_argv(spec, PPPD_FD_PASSWORD,
	    log_fd != NULL ? PPPD_FD_LOG : -1, argv, PPPD_MAXARGS, storage,
	    sizeof(storage)) == -1) {
		err_set(err, errlen, "pppd options: %s", errno == E2BIG ?
		    "too many extra options" : "invalid tunnel settings");
		return -1;
	}

	if (spec->kernel_plugin == NULL &&
	    open_pty(&master, &slave, err, errlen) == -1)
		goto fail;

	/* The password fits in the pipe's buffer: no writer process. */
	if (pipe2(pw, O_CLOEXEC) == -1 || pipe2(ex, O_CLOEXEC) == -1 ||
	    (log_fd != NULL && pipe2(lg, O_CLOEXEC | O_NONBLOCK) == -1)) {
		err_set(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	n = write(pw[1], password, pwlen);
	closep(&pw[1]);
	if (n != (ssize_t)pwlen) {
		err_set(err, errlen, "password pipe: %s",
		    n == -1 ? strerror(errno) : "short write");
		goto fail;
	}
	/* pppd must block on its end of the log pipe, not lose lines. */
	if (lg[1] != -1)
		(void)fcntl(lg[1], F_SETFL, 0);

	if ((p = fork()) == -1) {
		err_set(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (p == 0)
		child(spec->pppd_path, argv, slave, spec->kernel_plugin != NULL ?
		    spec->chan_fd : -1, pw[0], lg[1], ex[1]);

	closep(&slave);
	closep(&pw[0]);
	closep(&lg[1]);
	closep(&ex[1]);
	/* EOF: the exec closed ex[1].  A number: the child's errno. */
	do
		n = read(ex[0], &cerr, sizeof(cerr));
	while (n == -1 && errno == EINTR);
	closep(&ex[0]);
	if (n == sizeof(cerr)) {
		while (waitpid(p, &status, 0) == -1 && errno == EINTR)
			;
		err_set(err, errlen, "cannot run %s: %s", spec->pppd_path,
		    strerror(cerr));
		goto fail;
	}
	*master_fd = master;
	if (log_fd != NULL)
		*log_fd = lg[0];
	*pid = p;
	return 0;

fail:
	closep(&master);
	closep(&slave);
	closep(&pw[0]);
	closep(&pw[1]);
	closep(&lg[0]);
	closep(&lg[1]);
	closep(&ex[0]);
	closep(&ex[1]);
	return -1;
}

/*
 * pppd's words for the failures a person can act on, most specific first.
 * A reason here beats the exit status, which is often just "negotiation
 * failed" or "modem hangup".
 */
static const struct hint {
	const char	*needle;
	const char	*reason;
	int		 permanent;
} hints[] = {
	/* The server wants MPPE and we said "mppe none". */
	{ "terminated by peer (MPPE required",
	  "the server requires MPPE encryption (set mppe required)", 1 },
	{ "MPPE required but peer refused",
	  "MPPE refused by the server", 1 },
	{ "MPPE required, but keys are not available",
	  "MPPE refused: the server did not use MS-CHAP", 1 },
	{ "MPPE required but peer negotiation failed",
	  "MPPE negotiation with the server failed", 1 },
	{ "MS-CHAP authentication failed",
	  "authentication failed (username or password refused)", 1 },
	{ "CHAP authentication failed",
	  "authentication failed (username or password refused)", 1 },
	{ "PAP authentication failed",
	  "authentication failed (username or password refused)", 1 },
	{ "authentication failed",
	  "authentication failed (username or password refused)", 1 },
	{ "peer refused to authenticate",
	  "the server refused every allowed authentication method", 1 },
	{ "Couldn't open the /dev/ppp device",
	  "the kernel has no PPP support "
	  "(/dev/ppp missing: modprobe ppp_generic)",
	  1 },
	{ "lacks kernel support for PPP",
	  "the kernel has no PPP support (modprobe ppp_generic ppp_async)",
	  1 },
	{ "Couldn't load plugin",
	  "pppd cannot load the passwordfd.so plugin", 1 },
	{ "unrecognized option",
	  "pppd rejected an option (check pppd-options)", 1 },
	{ "Couldn't rename interface",
	  "the tunnel's interface name is taken by another interface", 0 },
	{ "LCP: timeout sending Config-Requests",
	  "peer not responding (no PPP from the server: is GRE blocked?)",
	  0 },
	{ "No response to",
	  "peer not responding to LCP echo requests", 0 },
	{ "LCP terminated by peer",
	  "the server closed the PPP link", 0 },
	{ "Modem hangup",
	  "server closed the call", 0 },
};

/*
 * pppd's line when its LCP echoes go unanswered. pppd then sends a
 * Terminate-Request over the dead link and waits out its retries (6 s
 * by default) before it exits; the caller can end the call at once.
 */
const char *
pppd_log_link_dead(const char *line)
{
	static const char needle[] = "No response to ";

	if (strncmp(line, needle, sizeof(needle) - 1) != 0 ||
	    strstr(line, "echo-requests") == NULL)
		return NULL;
	return "peer not responding to LCP echo requests";
}

int
pppd_log_dns(const char *line, struct in_addr *addr)
{
	static const char *const lead[2] = { "primary   DNS address ",
	    "secondary DNS address " };
	int i;

	for (i = 0; i < 2; i++)
		if (strncmp(line, lead[i], strlen(lead[i])) == 0 &&
		    inet_pton(AF_INET, line + strlen(lead[i]), addr) == 1)
			return i;
	return -1;
}

int
pppd_log_is_hint(const char *line)
{
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strstr(line, hints[i].needle) != NULL)
			return 1;
	return 0;
}

static const struct hint *
find_hint(const char *line)
{
	size_t i;

	if (line == NULL)
		return NULL;
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strstr(line, hints[i].needle) != NULL)
			return &hints[i];
	return NULL;
}

/*
 * Keeps the first hint of the most specific kind: "Modem hangup" or "LCP
 * terminated by peer" follow the line that says why, and must not replace
 * it.
 */
static void
log_line(struct pppd_log *log, const char *line,
    void (*cb)(const char *, void *), void *ctx)
{
	const struct hint *h = find_hint(line), *old = find_hint(log->hint);

	strlcpy(log->last, line, sizeof(log->last));
	if (h != NULL && (old == NULL || h < old))
		strlcpy(log->hint, line, sizeof(log->hint));
	if (cb != NULL)
		cb(line, ctx);
}

int
pppd_log_read(int fd, struct pppd_log *log,
    void (*cb)(const char *line, void *ctx), void *ctx)
{
	char *nl;
	ssize_t n;

	for (;;) {
		if (log->len == sizeof(log->buf) - 1) {
			/* A line longer than the buffer: deliver it cut. */
			log->buf[log->len] = '\0';
			log_line(log, log->buf, cb, ctx);
			log->len = 0;
		}
		n = read(fd, log->buf + log->len,
		    sizeof(log->buf) - 1 - log->len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		if (n == 0) {
			if (log->len > 0) {
				log->buf[log->len] = '\0';
				log_line(log, log->buf, cb, ctx);
				log->len = 0;
			}
			return 1;
		}
		log->len += (size_t)n;
		log->buf[log->len] = '\0';
		while ((nl = memchr(log->buf, '\n', log->len)) != NULL) {
			size_t used = (size_t)(nl - log->buf) + 1;

			*nl = '\0';
			if (nl > log->buf && nl[-1] == '\r')
				nl[-1] = '\0';
			if (log->buf[0] != '\0')
				log_line(log, log->buf, cb, ctx);
			memmove(log->buf, log->buf + used, log->len - used);
			log->len -= used;
		}
	}
}

static const char *
status_reason(int code)
{
	switch (code) {
	case 0:		return "the server ended the PPP link";
	case 1:		return "pppd failed (fatal error, see its log)";
	case 2:		return "pppd rejected its options";
	case 3:		return "pppd is not running as root";
	case 4:		return "the kernel has no PPP support";
	case 5:		return "pppd was stopped";
	case 6:		return "pppd could not lock the pty";
	case 7:		return "pppd could not open the pty";
	case 8:
	case 9:
	case 18:	return "a pppd script failed";
	case 10:	return "PPP negotiation failed";
	case 11:	return "the server failed to authenticate itself";
	case 12:	return "the link was idle too long";
	case 13:	return "the connect time limit was reached";
	case 15:	return "peer not responding";
	case 16:	return "server closed the call";
	case 17:	return "the link is looped back";
	case 19:	return "authentication failed";
	case 127:	return "pppd could not be started";
	default:	return "pppd exited with an unknown status";
	}
}

const char *
pppd_exit_reason(int wait_status, const char *hint)
{
	const struct hint *h = find_hint(hint);

	/* 5 and signals: we stopped it; a log line would only confuse. */
	if (WIFSIGNALED(wait_status)) {
		switch (WTERMSIG(wait_status)) {
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
		case SIGKILL:
			return "pppd was stopped";
		default:
			return "pppd crashed";
		}
	}
	if (!WIFEXITED(wait_status))
		return "pppd exited with an unknown status";
	if (WEXITSTATUS(wait_status) == 5)
		return status_reason(5);
	if (h != NULL)
		return h->reason;
	return status_reason(WEXITSTATUS(wait_status));
}

int
pppd_exit_is_permanent(int wait_status, const char *hint)
{
	const struct hint *h = find_hint(hint);

	if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) == 5)
		return 0;
	if (h != NULL && h->permanent)
		return 1;
	switch (WEXITSTATUS(wait_status)) {
	case 2:		/* options: the same options fail again */
	case 3:
	case 4:		/* no PPP in the kernel */
	case 19:	/* the server refused our credentials */
	case 127:
		return 1;
	default:
		return 0;
	}
}

int
pppd_exit_is_hangup(int wait_status, const char *hint)
{
	const struct hint *h = find_hint(hint);

	if (!WIFEXITED(wait_status))
		return 0;
	if (h != NULL)
		return strcmp(h->needle, "Modem hangup") == 0;
	return WEXITSTATUS(wait_status) == 16;
}
