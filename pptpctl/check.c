/*
 * `pptpctl check [name]`: what stands in the way of a tunnel, in plain
 * words, each problem with the fix to type. First this host (the PPP
 * device, MPPE, pppd and its passwordfd plugin), then per tunnel: the
 * server's name, TCP 1723, and a test call when the tunnel is not up
 * (brought up, watched, and taken down again), whose outcome the
 * daemon's own diagnosis names: GRE that never arrives, a refused
 * password, MPPE refused, nothing listening. Exit status 0 only if all
 * is well.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "pptpctl/pptpctl.h"

#define CALL_WAIT_S	45	/* a test call that has not settled by then */
#define NO_GRE_S	6	/* connected, and no GRE for this long */
#define TCP_WAIT_MS	5000

enum verdict { V_OK, V_WARN, V_FAIL };

static int failures;
static struct json_object *jchecks;

/* One finding: printed at once, or kept for the JSON at the end. */
static void
report(const char *tunnel, const char *check, enum verdict v,
    const char *fix, const char *fmt, ...)
{
	static const char *const word[] = { "ok", "warn", "FAIL" };
	char msg[1024];
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v == V_FAIL)
		failures++;
	if (json_output) {
		if ((o = json_object_new_object()) == NULL)
			errx(EX_FAILED, "out of memory");
		jadd_str(o, "tunnel", tunnel != NULL ? tunnel : "");
		jadd_str(o, "check", check);
		jadd_str(o, "result", v == V_OK ? "ok" : v == V_WARN ?
		    "warn" : "fail");
		jadd_str(o, "message", msg);
		jadd_str(o, "fix", fix != NULL ? fix : "");
		json_object_array_add(jchecks, o);
		return;
	}
	printf("%-4s %s%s%s\n", word[v], tunnel ? tunnel : "", tunnel ?
	    ": " : "", msg);
	if (fix != NULL && v != V_OK)
		printf("     fix: %s\n", fix);
}

/* ---- this host ---------------------------------------------------------- */

static void
check_dev_ppp(void)
{
	struct stat st;

	if (stat("/dev/ppp", &st) == 0 && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) == 108)
		report(NULL, "dev_ppp", V_OK, NULL, "/dev/ppp is there");
	else
		report(NULL, "dev_ppp", V_FAIL, "modprobe ppp_generic ppp_async "
		    "(and if /dev/ppp is still missing: mknod /dev/ppp c 108 0)",
		    "/dev/ppp is missing: this kernel has no PPP");
}

/* Loaded, or where the kernel finds it when pppd first asks for MPPE. */
static int
mppe_available(void)
{
	struct utsname u;
	char path[512], line[512];
	FILE *f;
	int found = 0;

	if (access("/sys/module/ppp_mppe", F_OK) == 0)
		return 1;
	if (uname(&u) == -1)
		return 0;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "/ppp_mppe.ko") != NULL;
	fclose(f);
	return found;
}

static void
check_mppe(void)
{
	if (mppe_available())
		report(NULL, "mppe", V_OK, NULL, "the kernel has MPPE "
		    "(ppp_mppe)");
	else
		report(NULL, "mppe", V_FAIL, "modprobe ppp_mppe, or a kernel "
		    "built with CONFIG_PPP_MPPE", "the kernel has no MPPE "
		    "(ppp_mppe): tunnels with mppe required cannot come up");
}

/* "2.4.9" from `pppd --version`, which says so on stderr. */
static int
pppd_version(const char *pppd, char *ver, size_t len)
{
	char buf[256], *p;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execl(pppd, "pppd", "--version", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "version ")) == NULL)
		return -1;
	p += 8;
	p[strcspn(p, " \r\n")] = '\0';
	strlcpy(ver, p, len);
	return 0;
}

static void
check_pppd(void)
{
	char ver[64], plugin[256];

	if (access("/usr/sbin/pppd", X_OK) == -1) {
		report(NULL, "pppd", V_FAIL, "apt install ppp",
		    "/usr/sbin/pppd is not there");
		return;
	}
	if (pppd_version("/usr/sbin/pppd", ver, sizeof(ver)) == -1) {
		report(NULL, "pppd", V_WARN, NULL, "/usr/sbin/pppd does not "
		    "say its version");
		return;
	}
	report(NULL, "pppd", V_OK, NULL, "pppd %s", ver);
	snprintf(plugin, sizeof(plugin), "/usr/lib/pppd/%s/passwordfd.so",
	    ver);
	if (access(plugin, R_OK) == 0)
		report(NULL, "passwordfd", V_OK, NULL, "%s is there", plugin);
	else
		report(NULL, "passwordfd", V_FAIL, "apt install --reinstall ppp",
		    "%s is missing: pppd cannot take the password without "
		    "it", plugin);
}

/* ---- a tunnel ----------------------------------------------------------- */

struct tun {
	struct ctl_status st;
	char	name[PC_NAME_MAX + 1];
	char	server[257];
	char	last_error[PC_ERR_MAX + 1];
	char	note[PC_ERR_MAX + 1];
};

static void
tun_fill(struct tun *t, const struct ctl_status *st)
{
	t->st = *st;
	FIELD(t->name, st->name);
	FIELD(t->server, st->server);
	FIELD(t->last_error, st->last_error);
	FIELD(t->note, st->note);
	printable(t->name);
	printable(t->server);
	printable(t->last_error);
	printable(t->note);
}

/* The note the firewall backend sets when the host's own rules drop
   what the server sends: a finding whatever the tunnel does now. */
static int
host_firewall_note(const struct tun *t)
{
	return strstr(t->note, "the host's nftables chain") != NULL;
}

struct tunlist {
	struct tun	*t;
	int		 n;
};

static int
collect_cb(uint16_t type, const void *p, void *arg)
{
	struct tunlist *l = arg;
	struct tun *t;

	if ((t = reallocarray(l->t, l->n + 1, sizeof(*t))) == NULL)
		err(EX_FAILED, NULL);
	l->t = t;
	tun_fill(&l->t[l->n++], p);
	return 0;
}

static int
status_of(const char *sock, const char *name, struct tunlist *l)
{
	struct ctl_conn *c = conn_open(sock);
	int r;

	l->t = NULL;
	l->n = 0;
	r = conn_request(c, CTL_STATUS, name, collect_cb, l);
	conn_close(c);
	return r;
}

static int
resolve(const struct tun *t, struct in_addr *a)
{
	struct addrinfo hints, *res;
	int e;

	if (inet_pton(AF_INET, t->server, a) == 1)
		return 0;	/* an address: nothing to resolve */

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(t->server, NULL, &hints, &res)) != 0) {
		report(t->name, "resolve", V_FAIL, "check the server's name "
		    "in the config, and /etc/resolv.conf", "%s does not "
		    "resolve: %s", t->server, gai_strerror(e));
		return -1;
	}
	*a = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	report(t->name, "resolve", V_OK, NULL, "%s is %s", t->server,
	    inet_ntoa(*a));
	return 0;
}

/* 0 connected, else errno (ETIMEDOUT when nothing answered). */
static int
tcp_try(struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(1723), .sin_addr = a };
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, e = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		e = errno;
	else {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, TCP_WAIT_MS) != 1)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
			e = errno;
	}
	close(fd);
	return e;
}

/* 0 if TCP 1723 answers: without it no call can be tried */
static int
check_tcp(const struct tun *t, struct in_addr a)
{
	int e = tcp_try(a);

	if (e == 0)
		report(t->name, "tcp1723", V_OK, NULL, "TCP 1723 at %s answers",
		    inet_ntoa(a));
	else if (e == ECONNREFUSED)
		report(t->name, "tcp1723", V_FAIL, "check the server's address; "
		    "its PPTP service (TCP 1723) must run", "nothing listens on "
		    "TCP 1723 at %s (connection refused)", inet_ntoa(a));
	else if (e == ETIMEDOUT)
		report(t->name, "tcp1723", V_FAIL, "allow TCP 1723 to the "
		    "server in this host's and any upstream firewall",
		    "TCP 1723 at %s does not answer within %d s: a firewall "
		    "drops it, or the server is off", inet_ntoa(a),
		    TCP_WAIT_MS / 1000);
	else
		report(t->name, "tcp1723", V_FAIL, NULL, "TCP 1723 at %s: %s",
		    inet_ntoa(a), strerror(e));
	return e == 0 ? 0 : -1;
}

/*
 * The daemon's words for what went wrong, turned into the problem and
 * its fix; the most specific first.
 */
static void
diagnose(const struct tun *t, struct in_addr a)
{
	char fix[512];
	const char *e = t->last_error, *n = t->note;

	if (host_firewall_note(t))
		report(t->name, "host_firewall", V_FAIL, "add the rules the "
		    "message names to the host's table", "%s", n);
	else if (strstr(n, "no GRE has arrived") != NULL ||
	    strstr(e, "is GRE blocked") != NULL) {
		snprintf(fix, sizeof(fix), "on the router that does NAT or "
		    "filtering on the way: modprobe nf_conntrack_pptp; "
		    "iptables -I FORWARD -p 47 -s %s -j ACCEPT; and let "
		    "protocol 47 (GRE) from %s in on this host", inet_ntoa(a),
		    inet_ntoa(a));
		report(t->name, "gre", V_FAIL, fix, "the control connection "
		    "works, but no GRE (IP protocol 47) arrives from the "
		    "server: a firewall or NAT on the way drops it");
	} else if (strstr(e, "authentication failed") != NULL)
		report(t->name, "auth", V_FAIL, "check username (DOMAIN\\\\user "
		    "if the server wants a domain) and the password in "
		    "password-file", "the server refused the username or "
		    "password");
	else if (strstr(e, "requires MPPE") != NULL)
		report(t->name, "mppe", V_FAIL, "set mppe required in the "
		    "tunnel's block", "%s", e);
	else if (strstr(e, "MPPE") != NULL)
		report(t->name, "mppe", V_FAIL, "ask the server's administrator "
		    "to offer 128-bit MPPE, or set mppe optional (the tunnel "
		    "may then be unencrypted)", "MPPE: %s", e);
	else if (n[0] != '\0')
		report(t->name, "firewall", V_FAIL, NULL, "%s", n);
	else if (e[0] != '\0')
		report(t->name, "call", V_FAIL, NULL, "%s", e);
	else
		report(t->name, "call", V_FAIL, NULL, "the tunnel is %s",
		    tunnel_state_name(t->st.state));
}

/*
 * The tunnel's state now, waiting for a test call to settle: up,
 * failed, waiting to retry, or connected without GRE for NO_GRE_S.
 */
static int
settled(const struct tun *t, time_t start)
{
	uint32_t s = t->st.state;

	if (s == TS_UP || s == TS_FAILED || s == TS_WAITING ||
	    host_firewall_note(t))
		return 1;
	if (s == TS_DOWN && time(NULL) - start >= 2)
		return 1;
	if (strstr(t->note, "no GRE has arrived") != NULL &&
	    time(NULL) - t->st.since >= NO_GRE_S)
		return 1;
	return t->note[0] != '\0' && strstr(t->note, "GRE") == NULL;
}

static int
request(const char *sock, uint32_t cmd, const char *name)
{
	struct ctl_conn *c = conn_open(sock);
	int r = conn_request(c, cmd, name, NULL, NULL);

	conn_close(c);
	return r;
}

/* Brings the tunnel up, watches it settle, and takes it down again. */
static void
test_call(const char *sock, struct tun *t, struct in_addr a)
{
	struct timespec nap = { 0, 250 * 1000000 };
	struct tunlist l;
	time_t start = time(NULL);
	int r;

	if ((r = request(sock, CTL_UP, t->name)) != EX_OK) {
		report(t->name, "call", V_FAIL, "run pptpctl check as root or "
		    "as a member of the control group", "cannot try a call "
		    "(pptpctl up refused)");
		return;
	}
	for (;;) {
		nanosleep(&nap, NULL);
		if (status_of(sock, t->name, &l) != EX_OK || l.n != 1) {
			free(l.t);
			report(t->name, "call", V_FAIL, NULL, "the daemon stopped "
			    "answering during the test call");
			return;
		}
		*t = l.t[0];
		free(l.t);
		if (settled(t, start) || time(NULL) - start >= CALL_WAIT_S)
			break;
	}
	(void)request(sock, CTL_DOWN, t->name);
	if (t->st.state == TS_UP)
		report(t->name, "call", V_OK, NULL, "a test call came up: "
		    "authentication, MPPE and addresses work (taken down "
		    "again)");
	else
		diagnose(t, a);
}

static void
check_tunnel(const char *sock, struct tun *t)
{
	struct in_addr a;

	if (t->st.state == TS_UP) {
		report(t->name, "call", V_OK, NULL, "up");
		if (t->note[0] != '\0')
			report(t->name, "note", V_WARN, NULL, "%s", t->note);
		return;
	}
	/* before TCP 1723, which those rules are likely to drop too */
	if (host_firewall_note(t)) {
		report(t->name, "host_firewall", V_FAIL, "add the rules the "
		    "message names (nft insert rule ...) to the host's table",
		    "%s", t->note);
		return;
	}
	if (resolve(t, &a) == -1 || check_tcp(t, a) == -1)
		return;
	if (t->st.state == TS_WAITING && t->last_error[0] != '\0') {
		/* it tried already, and keeps trying: that is the test */
		diagnose(t, a);
		return;
	}
	if (t->st.state != TS_DOWN && t->st.state != TS_FAILED) {
		report(t->name, "call", V_WARN, NULL, "the tunnel is %s; no "
		    "test call while it is busy%s%s",
		    tunnel_state_name(t->st.state), t->last_error[0] ?
		    "; last error: " : "", t->last_error);
		return;
	}
	test_call(sock, t, a);
}

int
cmd_check(const char *sock, const char *name)
{
	struct tunlist l;
	int i, r;

	failures = 0;
	if (json_output && (jchecks = json_object_new_array()) == NULL)
		errx(EX_FAILED, "out of memory");
	check_dev_ppp();
	check_mppe();
	check_pppd();
	if ((r = status_of(sock, name, &l)) != EX_OK)
		return r;
	for (i = 0; i < l.n; i++)
		check_tunnel(sock, &l.t[i]);
	free(l.t);
	if (json_output) {
		struct json_object *top = json_object_new_object();

		if (top == NULL)
			errx(EX_FAILED, "out of memory");
		json_object_object_add(top, "checks", jchecks);
		json_object_object_add(top, "ok",
		    json_object_new_boolean(failures == 0));
		json_print(top);
		json_object_put(top);
	}
	return failures == 0 ? EX_OK : EX_FAILED;
}
