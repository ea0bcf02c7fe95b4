/*
 * A stand-in for pptpd-client's control process, so pptpctl can be tested
 * without the daemon: it speaks the C_* protocol of privsep/msg.h over the
 * real message layer and keeps a fixed world of four tunnels:
 *
 *   lab     up, ppp0 198.51.100.2 -> 198.51.100.1, server vpn.example.test
 *   office  failed ("Outgoing-Call-Reply: result 3 (busy)")
 *   home    down; `up home` goes connecting, then up 0.3 s later
 *   slow    down; `up slow` goes connecting and stays there
 *   (`up office` goes connecting, then failed 0.3 s later; `up lab` leaves
 *    it up.)
 *
 * usage: fake-ctl [-m mode] socket
 * modes: normal, deny (privileged commands are refused), truncate (close in
 * the middle of a status reply), badlen (a C_STATUS of the wrong length),
 * garbage (a header announcing a payload over the limit), closemon (close
 * right after the monitor snapshot), badversion (refuse as a newer daemon),
 * events (a monitor request makes home come up 0.2 s later), hostile
 * (office's last_error and note carry a newline, ANSI and C1 escapes and
 * bytes that are not UTF-8, as a compromised daemon or server might).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "privsep/msg.h"

struct tunnel {
	struct ctl_status st;
	int		  next;		/* state to reach at 'when', or -1 */
	int64_t		  when;		/* ms, monotonic */
};

#define NTUNNELS	4
static struct tunnel tunnels[NTUNNELS];
static const char *mode = "normal";

static int64_t
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void
tunnel_init(struct tunnel *t, const char *name, int state)
{
	memset(t, 0, sizeof(*t));
	strlcpy(t->st.name, name, sizeof(t->st.name));
	t->st.state = state;
	t->st.since = time(NULL) - 42;
	t->next = -1;
	strlcpy(t->st.server, "vpn.example.test", sizeof(t->st.server));
	inet_pton(AF_INET, "192.0.2.1", &t->st.server_addr);
}

static void
set_up(struct tunnel *t)
{
	t->st.state = TS_UP;
	t->st.since = time(NULL);
	t->st.up_since = time(NULL) - 3723;
	strlcpy(t->st.ifname, "ppp0", sizeof(t->st.ifname));
	inet_pton(AF_INET, "198.51.100.2", &t->st.local);
	inet_pton(AF_INET, "198.51.100.1", &t->st.remote);
	t->st.last_error[0] = '\0';
}

static void
world_init(void)
{
	tunnel_init(&tunnels[0], "lab", TS_DOWN);
	set_up(&tunnels[0]);
	tunnels[0].st.reconnects = 2;
	tunnel_init(&tunnels[1], "office", TS_FAILED);
	strlcpy(tunnels[1].st.last_error, "Outgoing-Call-Reply: result 3 (busy)",
	    sizeof(tunnels[1].st.last_error));
	strlcpy(tunnels[1].st.note, "the server refused the call",
	    sizeof(tunnels[1].st.note));
	if (strcmp(mode, "hostile") == 0) {
		strlcpy(tunnels[1].st.last_error, "refused\nlab: up (forged)"
		    "\033[2J\302\233" "31m\xff\xfe end",
		    sizeof(tunnels[1].st.last_error));
		strlcpy(tunnels[1].st.note, "\x9b" "2J\r\ttabbed",
		    sizeof(tunnels[1].st.note));
	}
	tunnel_init(&tunnels[2], "home", TS_DOWN);
	tunnel_init(&tunnels[3], "slow", TS_DOWN);
}

static void
counters_of(const struct tunnel *t, struct ctl_counters *cc)
{
	uint64_t v[sizeof(struct pptp_counters) / sizeof(uint64_t)];
	size_t i;

	memset(cc, 0, sizeof(*cc));
	memcpy(cc->name, t->st.name, sizeof(cc->name));
	/* distinct values so a test can tell the fields apart */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		v[i] = 1000 + i;
	memcpy(&cc->c, v, sizeof(cc->c));
	cc->fw_gre_packets = 77;
	cc->fw_gre_bytes = 7700;
	cc->reconnects = t->st.reconnects;
	cc->uptime_s = t->st.state == TS_UP ? 3723 : 0;
}

static void
send_msg(struct msgbuf *mb, uint16_t type, const void *p, size_t len)
{
	if (msg_compose(mb, type, 0, 0, -1, p, len) == -1 ||
	    msgbuf_flush(mb) == -1)
		warn("send");
}

static void
send_end(struct msgbuf *mb, uint32_t result, const char *text)
{
	struct ctl_end e;

	memset(&e, 0, sizeof(e));
	e.result = result;
	strlcpy(e.message, text, sizeof(e.message));
	send_msg(mb, C_END, &e, sizeof(e));
}

/* 1 the connection goes on, 0 close it. */
static int
handle(struct msgbuf *mb, const struct ctl_request *req, int *monitoring)
{
	struct ctl_counters cc;
	struct tunnel *t;
	char name[PC_NAME_MAX + 1], text[PC_ERR_MAX];
	size_t i;
	int found = 0;

	memcpy(name, req->name, PC_NAME_MAX);
	name[PC_NAME_MAX] = '\0';
	if (strcmp(mode, "badversion") == 0 || req->version != CTL_VERSION) {
		send_end(mb, CTL_BADREQ, "request version 1, daemon speaks 2");
		return 1;
	}
	if (strcmp(mode, "deny") == 0 && ctl_cmd_privileged(req->cmd)) {
		send_end(mb, CTL_DENIED, "uid 1000 is neither root nor in "
		    "group pptp");
		return 1;
	}
	for (i = 0; i < NTUNNELS; i++) {
		t = &tunnels[i];
		if (name[0] != '\0' && strcmp(name, t->st.name) != 0)
			continue;
		found = 1;
		switch (req->cmd) {
		case CTL_STATUS:
		case CTL_MONITOR:
			if (strcmp(mode, "badlen") == 0) {
				send_msg(mb, C_STATUS, &t->st, 10);
				break;
			}
			if (strcmp(mode, "garbage") == 0) {
				struct pc_msghdr h = { C_STATUS, 0,
				    PC_MSG_MAXPAYLOAD + 1, 0, 0 };
				write(mb->fd, &h, sizeof(h));
				return 0;
			}
			send_msg(mb, C_STATUS, &t->st, sizeof(t->st));
			if (strcmp(mode, "truncate") == 0)
				return 0;
			break;
		case CTL_COUNTERS:
			counters_of(t, &cc);
			send_msg(mb, C_COUNTERS, &cc, sizeof(cc));
			break;
		case CTL_UP:
			if (strcmp(t->st.name, "lab") == 0)
				break;
			t->st.state = TS_CONNECTING;
			if (strcmp(t->st.name, "slow") == 0)
				break;
			t->next = strcmp(t->st.name, "home") == 0 ? TS_UP :
			    TS_FAILED;
			t->when = now_ms() + 300;
			break;
		}
	}
	if (!found) {
		snprintf(text, sizeof(text), "no tunnel named \"%s\"", name);
		send_end(mb, CTL_FAILED, text);
		return 1;
	}
	send_end(mb, CTL_OK, "");
	if (req->cmd == CTL_MONITOR) {
		if (strcmp(mode, "closemon") == 0)
			return 0;
		*monitoring = 1;
		if (strcmp(mode, "events") == 0) {
			tunnels[2].next = TS_UP;
			tunnels[2].when = now_ms() + 200;
		}
	}
	return 1;
}

/* Move due tunnels on; tell a monitoring client. */
static void
advance(struct msgbuf *mb, int monitoring)
{
	struct tunnel *t;
	size_t i;

	for (i = 0; i < NTUNNELS; i++) {
		t = &tunnels[i];
		if (t->next < 0 || now_ms() < t->when)
			continue;
		if (t->next == TS_UP)
			set_up(t);
		else {
			t->st.state = t->next;
			strlcpy(t->st.last_error, "Outgoing-Call-Reply: result "
			    "3 (busy)", sizeof(t->st.last_error));
		}
		t->next = -1;
		if (mb != NULL && monitoring)
			send_msg(mb, C_EVENT, &t->st, sizeof(t->st));
	}
}

static int
next_timeout(void)
{
	int64_t soonest = -1, d;
	size_t i;

	for (i = 0; i < NTUNNELS; i++) {
		if (tunnels[i].next < 0)
			continue;
		d = tunnels[i].when - now_ms();
		if (d < 0)
			d = 0;
		if (soonest < 0 || d < soonest)
			soonest = d;
	}
	return (int)soonest;
}

static void
serve(int fd)
{
	struct msgbuf mb;
	struct pc_msg m;
	struct ctl_request req;
	struct pollfd pfd;
	char why[128];
	int monitoring = 0, r;

	if (msgbuf_init(&mb, fd) == -1)
		err(1, "msgbuf_init");
	for (;;) {
		while ((r = msg_get(&mb, &m)) == 1) {
			if (msg_check(&m, PROC_CLIENT, PROC_CONTROL, why,
			    sizeof(why)) == -1) {
				warnx("bad request: %s", why);
				goto done;
			}
			memcpy(&req, m.data, sizeof(req));
			if (!handle(&mb, &req, &monitoring))
				goto done;
		}
		if (r == -1)
			goto done;
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, next_timeout());
		advance(&mb, monitoring);
		if (r > 0 && msgbuf_read(&mb) <= 0)
			goto done;
	}
done:
	close(fd);
	msgbuf_clear(&mb);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	int ch, s, c;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	world_init();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, argv[optind], sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "socket path too long");
	unlink(sun.sun_path);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 8) == -1)
		err(1, "%s", sun.sun_path);
	/* one client at a time is all the tests need */
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1)
			err(1, "accept");
		serve(c);
		advance(NULL, 0);
	}
usage:
	fprintf(stderr, "usage: fake-ctl [-m mode] socket\n");
	return 2;
}
