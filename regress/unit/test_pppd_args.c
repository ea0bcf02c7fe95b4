/*
 * privsep/parent/pppd.c: pppd's command line for each MPPE mode, the exit
 * reasons, the log reader, and pppd_spawn() against a stand-in pppd (this
 * very binary, run as "pppd") that reports what it was given: fds, tty,
 * session, environment, password.  One test runs the installed pppd with
 * our options to prove it accepts every one of them.
 */
#include <arpa/inet.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <sched.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "privsep/parent/pppd.h"

#define PASSWORD	"s3cr3t-Pa55"
#define REAL_PPPD	"/usr/sbin/pppd"
/* built by make; the tests run from the top of the tree */
#define PLUGIN_SO	"privsep/pppd-plugin/pptpd-client.so"

extern char **environ;

static char	*av[128];
static char	 st[4096];
static int	 ac;

static struct pppd_spec
spec(int mppe)
{
	struct pppd_spec s = {
		.pppd_path = REAL_PPPD,
		.tunnel_name = "lab",
		.ifname = "pptp-lab",
		.username = "CORP\\alice",
		.mppe = mppe,
		.mtu = 0,
		.extra_options = NULL,
		.debug = 0,
		.lcp_echo_interval = 20,
		.lcp_echo_failure = 3,
	};
	return s;
}

static int
build(const struct pppd_spec *s)
{
	ac = pppd_build_argv(s, 3, 4, av, 128, st, sizeof(st));
	return ac;
}

/* Index of word in argv, or -1. */
static int
find(const char *word)
{
	int i;

	for (i = 0; i < ac; i++)
		if (strcmp(av[i], word) == 0)
			return i;
	return -1;
}

static void
assert_has(const char *word)
{
	if (find(word) == -1)
		fail_msg("argv lacks \"%s\"", word);
}

static void
assert_lacks(const char *word)
{
	if (find(word) != -1)
		fail_msg("argv has \"%s\"", word);
}

/* word followed by value */
static void
assert_pair(const char *word, const char *value)
{
	int i = find(word);

	if (i == -1 || i + 1 >= ac || strcmp(av[i + 1], value) != 0)
		fail_msg("argv lacks \"%s %s\"", word, value);
}

static void
common_options(void)
{
	assert_int_equal(av[ac] == NULL, 1);
	assert_string_equal(av[0], "pppd");
	assert_has("nodetach");
	assert_has("noauth");
	assert_has("local");
	assert_has("nolock");
	assert_has("nodefaultroute");
	assert_has("noipdefault");
	assert_has("nodeflate");
	assert_has("nobsdcomp");
	assert_has("novj");
	assert_pair("ifname", "pptp-lab");
	assert_pair("ipparam", "lab");
	assert_pair("user", "CORP\\alice");
	assert_pair("plugin", "passwordfd.so");
	assert_pair("passwordfd", "3");
	assert_pair("logfd", "4");
	assert_pair("maxfail", "1");
	assert_pair("mtu", "1400");
	assert_pair("mru", "1400");
	/* pppd must never retry or route on its own: we do both. */
	assert_lacks("persist");
	assert_lacks("defaultroute");
	assert_lacks("replacedefaultroute");
	assert_lacks("usepeerdns");
	assert_lacks("updetach");
	assert_lacks("debug");
}

static void
test_mppe_required(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);

	assert_true(build(&s) > 0);
	common_options();
	assert_has("require-mppe-128");
	assert_has("refuse-pap");
	assert_has("refuse-chap");
	assert_has("refuse-mschap");
	assert_has("refuse-eap");
	/* MS-CHAPv2 is the only way left, and MPPE needs its keys. */
	assert_lacks("refuse-mschap-v2");
	assert_lacks("nomppe");
}

static void
test_mppe_optional(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_OPTIONAL);
	int i;

	assert_true(build(&s) > 0);
	common_options();
	assert_has("refuse-pap");
	assert_has("refuse-eap");
	assert_lacks("nomppe");
	for (i = 0; i < ac; i++)
		if (strncmp(av[i], "require-mppe", 12) == 0)
			fail_msg("optional MPPE but argv has %s", av[i]);
}

static void
test_mppe_none(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_NONE);
	int i;

	assert_true(build(&s) > 0);
	common_options();
	assert_has("nomppe");
	/* no encryption is no reason to send the password in clear */
	assert_has("refuse-pap");
	for (i = 0; i < ac; i++)
		if (strncmp(av[i], "require-mppe", 12) == 0)
			fail_msg("no MPPE but argv has %s", av[i]);
}

/* pppd's LCP echo as the config sets it; 0 turns it off. */
static void
test_lcp_echo(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	int i, seen = 0;

	s.lcp_echo_interval = 7;
	s.lcp_echo_failure = 2;
	assert_true(build(&s) > 0);
	for (i = 0; i + 1 < ac; i++) {
		if (strcmp(av[i], "lcp-echo-interval") == 0) {
			assert_string_equal(av[i + 1], "7");
			seen++;
		}
		if (strcmp(av[i], "lcp-echo-failure") == 0) {
			assert_string_equal(av[i + 1], "2");
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	s.lcp_echo_interval = 0;
	assert_true(build(&s) > 0);
	assert_lacks("lcp-echo-interval");
	assert_lacks("lcp-echo-adaptive");
}

/* PAP only where the config says allow-pap yes, in so many words. */
static void
test_allow_pap(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_NONE);

	s.allow_pap = 1;
	assert_true(build(&s) > 0);
	assert_lacks("refuse-pap");
	s = spec(PPPD_MPPE_OPTIONAL);
	s.allow_pap = 1;
	assert_true(build(&s) > 0);
	assert_lacks("refuse-pap");
	s = spec(PPPD_MPPE_OPTIONAL);
	assert_true(build(&s) > 0);
	assert_has("refuse-pap");
}

static void
test_usepeerdns(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);

	assert_true(build(&s) > 0);
	assert_lacks("usepeerdns");
	s.usepeerdns = 1;
	assert_true(build(&s) > 0);
	assert_has("usepeerdns");
	assert_lacks("ip-up-script");
	s.no_ip_scripts = 1;
	assert_true(build(&s) > 0);
	assert_has("ip-up-script");
	assert_has("ip-down-script");
	assert_has(PPPD_NO_SCRIPT);
}

/* The lines pppd 2.4.9 logs with usepeerdns once IPCP is up. */
static void
test_log_dns(void **state)
{
	struct in_addr a;

	assert_int_equal(pppd_log_dns("primary   DNS address 198.51.100.53",
	    &a), 0);
	assert_int_equal(ntohl(a.s_addr), 0xc6336435);
	assert_int_equal(pppd_log_dns("secondary DNS address 198.51.100.54",
	    &a), 1);
	assert_int_equal(ntohl(a.s_addr), 0xc6336436);
	assert_int_equal(pppd_log_dns("primary DNS address 198.51.100.53",
	    &a), -1);
	assert_int_equal(pppd_log_dns("primary   DNS address 300.1.1.1", &a),
	    -1);
	assert_int_equal(pppd_log_dns("primary   DNS address 1.2.3.4 x", &a),
	    -1);
	assert_int_equal(pppd_log_dns("local  IP address 198.51.100.10", &a),
	    -1);
}

static void
test_bad_spec(void **state)
{
	struct pppd_spec s = spec(3);

	errno = 0;
	assert_int_equal(build(&s), -1);
	assert_int_equal(errno, EINVAL);
	s = spec(PPPD_MPPE_REQUIRED);
	s.username = "";
	assert_int_equal(build(&s), -1);
	s = spec(PPPD_MPPE_REQUIRED);
	s.ifname = "pptp-much-too-long";
	assert_int_equal(build(&s), -1);
	s.ifname = "pptp/x";
	assert_int_equal(build(&s), -1);
	s.ifname = "";
	assert_int_equal(build(&s), -1);
}

static void
test_extra_options(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);

	s.extra_options = "  lcp-echo-interval 5\tdebug\n kdebug   1 ";
	s.mtu = 1300;
	s.debug = 1;
	assert_true(build(&s) > 0);
	/* Appended last, so they win over ours. */
	assert_string_equal(av[ac - 5], "lcp-echo-interval");
	assert_string_equal(av[ac - 4], "5");
	assert_string_equal(av[ac - 3], "debug");
	assert_string_equal(av[ac - 2], "kdebug");
	assert_string_equal(av[ac - 1], "1");
	assert_pair("mtu", "1300");
	assert_pair("mru", "1300");
	assert_has("debug");

	s.extra_options = "   ";
	s.debug = 0;
	assert_true(build(&s) > 0);
	assert_pair("logfd", "4");
	assert_string_equal(av[ac - 1], "4");
}

static void
test_too_small(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	char small[8];

	assert_int_equal(pppd_build_argv(&s, 3, 4, av, 10, st, sizeof(st)),
	    -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(pppd_build_argv(&s, 3, 4, av, 128, small,
	    sizeof(small)), -1);
	assert_int_equal(errno, E2BIG);
}

static void
test_no_logfd(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);

	ac = pppd_build_argv(&s, 3, -1, av, 128, st, sizeof(st));
	assert_true(ac > 0);
	assert_lacks("logfd");
}

static void
test_ifname(void **state)
{
	char buf[IFNAMSIZ];

	assert_int_equal(pppd_ifname("lab", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "pptp-lab");
	assert_int_equal(pppd_ifname("office-berlin-main", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "pptp-office-ber");
	assert_int_equal(strlen(buf), IFNAMSIZ - 1);
	assert_true(pppd_ifname_valid(buf));
	assert_int_equal(pppd_ifname("a/b c:d", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "pptp-a_b_c_d");
	assert_true(pppd_ifname_valid(buf));
	assert_int_equal(pppd_ifname("", buf, sizeof(buf)), -1);
	assert_false(pppd_ifname_valid("a b"));
	assert_false(pppd_ifname_valid(".."));
	assert_false(pppd_ifname_valid("0123456789abcdef"));
	assert_true(pppd_ifname_valid("0123456789abcde"));
}

static int
exited(int code)
{
	return (code & 0xff) << 8;	/* as waitpid reports exit(code) */
}

static void
test_exit_reason(void **state)
{
	static const struct {
		int		 status;
		const char	*hint, *want;
		int		 permanent;
	} c[] = {
	{ 19, "MS-CHAP authentication failed: E=691 Authentication failure",
	  "authentication failed", 1 },
	{ 19, NULL, "authentication failed", 1 },
	{ 16, "MPPE required but peer refused", "MPPE refused by the server",
	  1 },
	{ 16, "LCP terminated by peer (MPPE required but peer refused)",
	  "the server requires MPPE", 1 },
	{ 10, "LCP: timeout sending Config-Requests", "peer not responding",
	  0 },
	{ 15, "No response to 3 echo-requests", "peer not responding", 0 },
	{ 15, NULL, "peer not responding", 0 },
	{ 16, "Modem hangup", "server closed the call", 0 },
	{ 16, NULL, "server closed the call", 0 },
	{ 0, "LCP terminated by peer", "the server closed the PPP link", 0 },
	{ 4, "Couldn't open the /dev/ppp device: No such file or directory",
	  "the kernel has no PPP support", 1 },
	{ 2, "pppd: unrecognized option 'bogus'", "pppd rejected an option",
	  1 },
	{ 2, NULL, "pppd rejected its options", 1 },
	{ 10, "Connection terminated.", "PPP negotiation failed", 0 },
	/* We stopped it: the log's last words must not blame anyone. */
	{ 5, "Modem hangup", "pppd was stopped", 0 },
	{ 1, NULL, "pppd failed", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *r = pppd_exit_reason(exited(c[i].status),
		    c[i].hint);

		if (strstr(r, c[i].want) == NULL)
			fail_msg("exit %d hint \"%s\": got \"%s\", want \"%s\"",
			    c[i].status, c[i].hint ? c[i].hint : "",
			    r, c[i].want);
		if (pppd_exit_is_permanent(exited(c[i].status), c[i].hint) !=
		    c[i].permanent)
			fail_msg("exit %d hint \"%s\": permanent should be %d",
			    c[i].status, c[i].hint ? c[i].hint : "",
			    c[i].permanent);
	}
	assert_string_equal(pppd_exit_reason(SIGTERM, NULL),
	    "pppd was stopped");
	assert_string_equal(pppd_exit_reason(SIGSEGV, NULL), "pppd crashed");
	assert_int_equal(pppd_exit_is_permanent(SIGSEGV, NULL), 0);
}

/* Collects log lines for test_log_read. */
struct lines {
	char	text[8][300];
	int	n;
};

static void
collect(const char *line, void *ctx)
{
	struct lines *l = ctx;

	if (l->n < 8)
		strlcpy(l->text[l->n++], line, sizeof(l->text[0]));
}

static void
test_log_read(void **state)
{
	struct pppd_log log;
	struct lines l;
	int p[2];
	const char *a = "Using interface pptp-lab\nConnect: pptp-lab <-->";
	const char *b = " /dev/pts/3\r\nMPPE required but peer refused\n"
	    "Modem hangup\nConnection terminated.";

	memset(&log, 0, sizeof(log));
	memset(&l, 0, sizeof(l));
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(write(p[1], a, strlen(a)), (ssize_t)strlen(a));
	assert_int_equal(pppd_log_read(p[0], &log, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(write(p[1], b, strlen(b)), (ssize_t)strlen(b));
	close(p[1]);
	assert_int_equal(pppd_log_read(p[0], &log, collect, &l), 1);
	close(p[0]);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.text[1], "Connect: pptp-lab <--> /dev/pts/3");
	assert_string_equal(l.text[4], "Connection terminated.");
	assert_string_equal(log.last, "Connection terminated.");
	/* The line that says why, not the hangup that followed it. */
	assert_string_equal(log.hint, "MPPE required but peer refused");
	assert_string_equal(pppd_exit_reason(exited(16), log.hint),
	    "MPPE refused by the server");
}

/* The line on which the parent ends a call whose LCP echoes died. */
static void
test_log_link_dead(void **state)
{
	assert_string_equal(pppd_log_link_dead("No response to 3 "
	    "echo-requests"), "peer not responding to LCP echo requests");
	assert_null(pppd_log_link_dead("Serial link appears to be "
	    "disconnected."));
	assert_null(pppd_log_link_dead("LCP: timeout sending "
	    "Config-Requests"));
	/* pppd's wording only at the start: a quoted name does not count */
	assert_null(pppd_log_link_dead("remote name 'No response to 3 "
	    "echo-requests'"));
}

/*
 * The stand-in pppd: writes a report on its tty (stdout), or on the
 * kernel path's channel if it has one, a line to its log fd and one to
 * stderr, and exits 19.
 */
static int
fake_pppd(int argc, char **argv)
{
	char pw[300], line[4096];
	size_t off = 0;
	ssize_t n;
	int fd, i;

	off += (size_t)snprintf(line + off, sizeof(line) - off, "fds");
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    " %d", fd);
	off += (size_t)snprintf(line + off, sizeof(line) - off,
	    "\ntty %d sid %d\nenv", isatty(0),
	    getsid(0) == getpid());
	for (i = 0; environ[i] != NULL; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s",
		    environ[i]);
	n = read(PPPD_FD_PASSWORD, pw, sizeof(pw) - 1);
	pw[n > 0 ? n : 0] = '\0';
	off += (size_t)snprintf(line + off, sizeof(line) - off,
	    "\npassword [%s] eof %d\nargc %d\nend\n", pw,
	    read(PPPD_FD_PASSWORD, pw, 1) == 0, argc);
	(void)!write(fcntl(PPPD_FD_CHANNEL, F_GETFD) != -1 ?
	    PPPD_FD_CHANNEL : 1, line, off);
	dprintf(PPPD_FD_LOG, "CHAP authentication failed\n");
	dprintf(2, "Connection terminated.\n");
	return 19;
}

/* Reads the pty master until the report's "end" line. */
static void
read_report(int master, char *buf, size_t len)
{
	struct pollfd pfd = { master, POLLIN, 0 };
	size_t off = 0;
	ssize_t n;

	buf[0] = '\0';
	while (strstr(buf, "end\n") == NULL && off < len - 1) {
		if (poll(&pfd, 1, 5000) != 1)
			fail_msg("no report from the stand-in pppd: [%s]", buf);
		n = read(master, buf + off, len - 1 - off);
		if (n <= 0)
			fail_msg("pty read: %s", n == 0 ? "eof" :
			    strerror(errno));
		off += (size_t)n;
		buf[off] = '\0';
	}
}

static int
count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static void
test_spawn(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	struct pppd_log log;
	struct pollfd pfd;
	char self[PATH_MAX], err[256], rep[8192];
	int master, logfd, status, r;
	pid_t pid;

	assert_non_null(realpath("/proc/self/exe", self));
	s.pppd_path = self;
	/* Ignored and blocked signals must not reach pppd. */
	signal(SIGPIPE, SIG_IGN);
	if (pppd_spawn(&s, PASSWORD, &master, &logfd, &pid, err,
	    sizeof(err)) == -1)
		fail_msg("pppd_spawn: %s", err);
	assert_true(fcntl(master, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(master, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(logfd, F_GETFD) & FD_CLOEXEC);
	read_report(master, rep, sizeof(rep));
	/* Exactly stdin, stdout, stderr, the password and the log. */
	if (strstr(rep, "fds 0 1 2 3 4\n") == NULL)
		fail_msg("unexpected fds in pppd: %s", rep);
	if (strstr(rep, "tty 1 sid 1\n") == NULL)
		fail_msg("pppd has no tty on stdin or no session: %s", rep);
	if (strstr(rep, "env PATH=/usr/sbin:/usr/bin:/sbin:/bin\n") == NULL)
		fail_msg("pppd's environment is not only PATH: %s", rep);
	if (strstr(rep, "password [" PASSWORD "] eof 1\n") == NULL)
		fail_msg("password not passed on fd 3 alone: %s", rep);

	memset(&log, 0, sizeof(log));
	pfd.fd = logfd;
	pfd.events = POLLIN;
	do {
		if (poll(&pfd, 1, 5000) != 1)
			fail_msg("pppd's log pipe never reached eof");
	} while ((r = pppd_log_read(logfd, &log, NULL, NULL)) == 0);
	assert_int_equal(r, 1);
	assert_string_equal(log.hint, "CHAP authentication failed");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 19);
	assert_true(pppd_exit_is_permanent(status, log.hint));
	close(master);
	close(logfd);
	signal(SIGPIPE, SIG_DFL);
}

/* The kernel path: no pty; the channel socket is pppd's descriptor 5. */
static void
test_spawn_kernel(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	char self[PATH_MAX], err[256], rep[8192];
	int sv[2], master = 7, logfd, status;
	pid_t pid;

	assert_non_null(realpath("/proc/self/exe", self));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	s.pppd_path = self;
	s.kernel_plugin = "/x/pptpd-client.so";
	s.chan_fd = sv[0];
	if (pppd_spawn(&s, PASSWORD, &master, &logfd, &pid, err,
	    sizeof(err)) == -1)
		fail_msg("pppd_spawn: %s", err);
	assert_int_equal(master, -1);
	close(sv[0]);
	read_report(sv[1], rep, sizeof(rep));
	if (strstr(rep, "fds 0 1 2 3 4 5\n") == NULL)
		fail_msg("unexpected fds in pppd: %s", rep);
	if (strstr(rep, "tty 0 sid 1\n") == NULL)
		fail_msg("pppd has a tty or no session: %s", rep);
	if (strstr(rep, "password [" PASSWORD "] eof 1\n") == NULL)
		fail_msg("password not passed on fd 3 alone: %s", rep);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(sv[1]);
	close(logfd);
}

static void
test_kernel_argv(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	int i;

	assert_true(build(&s) > 0);
	assert_lacks("pptp-socket");
	s.kernel_plugin = "/usr/lib/pptpd-client/pptpd-client.so";
	s.chan_fd = 9;
	assert_true(build(&s) > 0);
	common_options();
	/* our plugin after passwordfd.so, the descriptor pppd will see */
	assert_pair("pptp-socket", "5");
	i = find("pptp-socket");
	assert_true(i >= 2);
	assert_string_equal(av[i - 2], "plugin");
	assert_string_equal(av[i - 1], s.kernel_plugin);
	assert_true(find("passwordfd.so") < i);
}

static void
test_spawn_failures(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	char err[256], longpw[300];
	int master = -1, logfd = -1, before = count_fds();
	pid_t pid;

	s.pppd_path = "/nonexistent/pppd";
	assert_int_equal(pppd_spawn(&s, PASSWORD, &master, &logfd, &pid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot run /nonexistent/pppd"));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(count_fds(), before);
	/* The child was reaped by spawn. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);

	s.pppd_path = REAL_PPPD;
	assert_int_equal(pppd_spawn(&s, "", &master, &logfd, &pid, err,
	    sizeof(err)), -1);
	memset(longpw, 'x', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_int_equal(pppd_spawn(&s, longpw, &master, &logfd, &pid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "password"));
	assert_int_equal(count_fds(), before);
}

/*
 * The installed pppd must accept every option we give it.  On a kernel
 * without PPP it then stops at /dev/ppp (exit 4); with PPP it starts
 * negotiating on the pty and we stop it.  Either way not exit 2.
 */
/*
 * A real pppd's log, read until it closes it (or is silent for wait_ms:
 * then it is told to stop), and its exit status.
 */
static int
reap_with_log(pid_t pid, int logfd, int wait_ms, struct pppd_log *log)
{
	struct pollfd pfd = { logfd, POLLIN, 0 };
	int r = 0, status;

	memset(log, 0, sizeof(*log));
	while (r == 0 && poll(&pfd, 1, wait_ms) == 1)
		r = pppd_log_read(logfd, log, NULL, NULL);
	if (r != 1)
		kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(logfd);
	return status;
}

static void
test_real_pppd_accepts_options(void **state)
{
	int modes[] = { PPPD_MPPE_REQUIRED, PPPD_MPPE_OPTIONAL,
	    PPPD_MPPE_NONE };
	struct pppd_log log;
	char err[256];
	int master, logfd, status, i;
	pid_t pid;

	if (access(REAL_PPPD, X_OK) != 0)
		fail_msg("%s is missing: install the Debian package ppp",
		    REAL_PPPD);
	/* On a host with PPP, its interface must not appear on the host. */
	if (unshare(CLONE_NEWNET) == -1)
		fail_msg("unshare(CLONE_NEWNET): %s (run as root)",
		    strerror(errno));
	for (i = 0; i < 3; i++) {
		struct pppd_spec s = spec(modes[i]);

		if (pppd_spawn(&s, PASSWORD, &master, &logfd, &pid, err,
		    sizeof(err)) == -1)
			fail_msg("pppd_spawn: %s", err);
		status = reap_with_log(pid, logfd, 2000, &log);
		close(master);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
			fail_msg("pppd refused our options (mppe %d): %s",
			    modes[i], log.last);
		assert_null(strstr(log.hint, "unrecognized option"));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
			assert_non_null(strstr(pppd_exit_reason(status,
			    log.hint), "no PPP support"));
	}
}

/*
 * The real pppd 2.4.9 loads our plugin (same pppd_version) and its
 * pptp-socket option runs: given a descriptor that is no PPTP socket, it
 * says so and pppd stops at the options.
 */
static void
test_real_pppd_loads_plugin(void **state)
{
	struct pppd_spec s = spec(PPPD_MPPE_REQUIRED);
	struct pppd_log log;
	char plugin[PATH_MAX], err[256];
	int master, logfd, status, udp;
	pid_t pid;

	if (realpath(PLUGIN_SO, plugin) == NULL)
		fail_msg("%s: %s (make builds it)", PLUGIN_SO, strerror(errno));
	if ((udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		fail_msg("socket: %s", strerror(errno));
	s.kernel_plugin = plugin;
	s.chan_fd = udp;
	if (pppd_spawn(&s, PASSWORD, &master, &logfd, &pid, err,
	    sizeof(err)) == -1)
		fail_msg("pppd_spawn: %s", err);
	close(udp);
	status = reap_with_log(pid, logfd, 5000, &log);
	if (strstr(log.last, "pptp-socket 5: not a PPTP socket") == NULL)
		fail_msg("pppd's last words: %s", log.last);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mppe_required),
		cmocka_unit_test(test_mppe_optional),
		cmocka_unit_test(test_mppe_none),
		cmocka_unit_test(test_allow_pap),
		cmocka_unit_test(test_usepeerdns),
		cmocka_unit_test(test_log_dns),
		cmocka_unit_test(test_lcp_echo),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_extra_options),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_no_logfd),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_exit_reason),
		cmocka_unit_test(test_log_read),
		cmocka_unit_test(test_log_link_dead),
		cmocka_unit_test(test_spawn),
		cmocka_unit_test(test_spawn_failures),
		cmocka_unit_test(test_spawn_kernel),
		cmocka_unit_test(test_kernel_argv),
		cmocka_unit_test(test_real_pppd_loads_plugin),
		cmocka_unit_test(test_real_pppd_accepts_options),
	};

	/* pppd_spawn() runs us as "pppd" in test_spawn. */
	if (strcmp(argv[0], "pppd") == 0)
		return fake_pppd(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
