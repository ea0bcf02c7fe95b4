/*
 * pptpctl's side of the control protocol: one C_REQUEST per operation,
 * replies until C_END, then (for monitor) C_EVENTs. Everything the daemon
 * sends is checked with msg_check before it is looked at.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpctl/pptpctl.h"

/*
 * A daemon that does not take the connection, or says nothing, for this
 * long is not reachable (exit 3). `down` is answered only once the tunnel
 * has settled, which may take the server's time, so it waits longer.
 */
#define CONNECT_TIMEOUT_S	5
#define REPLY_TIMEOUT_MS	10000
#define DOWN_TIMEOUT_MS		60000

struct ctl_conn {
	struct msgbuf	 mb;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Replies are copied out of the read buffer, where they may be unaligned. */
union reply {
	struct ctl_status	status;
	struct ctl_counters	counters;
	struct ctl_end		end;
};

void
field_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (dstlen == 0)
		return;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct ctl_conn *
conn_open(const char *path)
{
	struct ctl_conn *c;
	struct sockaddr_un sun;
	struct timeval tv = { CONNECT_TIMEOUT_S, 0 };
	int fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		warnx("%s: socket path too long", path);
		exit(EX_UNREACH);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EX_UNREACH, "socket");
	/*
	 * Linux bounds a blocking connect to a unix socket whose backlog is
	 * full by the send timeout; it fails with EAGAIN then.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		err(EX_UNREACH, "SO_SNDTIMEO");
	do {
		r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	} while (r == -1 && errno == EINTR);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		warnx("%s: the daemon did not accept the connection in %d s "
		    "(too busy?)", path, CONNECT_TIMEOUT_S);
		exit(EX_UNREACH);
	}
	if (r == -1) {
		warnx("%s: %s%s", path, strerror(errno),
		    errno == ENOENT || errno == ECONNREFUSED ?
		    " (is pptpd-client running?)" : "");
		exit(EX_UNREACH);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		err(EX_FAILED, NULL);
	if (msgbuf_init(&c->mb, fd) == -1)
		err(EX_FAILED, NULL);
	strlcpy(c->path, path, sizeof(c->path));
	return c;
}

void
conn_close(struct ctl_conn *c)
{
	if (c == NULL)
		return;
	close(c->mb.fd);
	msgbuf_clear(&c->mb);
	free(c);
}

static int64_t
ms_until(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

/*
 * Next checked reply into *out. 1 got one, 0 the deadline passed, -1 a
 * signal set *stop. A closed, broken or garbled stream is fatal.
 */
static int
next_reply(struct ctl_conn *c, const struct timespec *deadline,
    volatile int *stop, struct pc_msg *m, union reply *out)
{
	struct pollfd pfd;
	struct timespec ts, *tsp;
	sigset_t mask;
	char why[128];
	int64_t ms;
	ssize_t n;
	int r;

	/*
	 * With a stop flag the caller keeps SIGINT and SIGTERM blocked, and
	 * they are let in only while waiting: a signal can then not slip in
	 * between the check of *stop and the wait.
	 */
	sigprocmask(SIG_SETMASK, NULL, &mask);
	if (stop != NULL) {
		sigdelset(&mask, SIGINT);
		sigdelset(&mask, SIGTERM);
	}

	for (;;) {
		if ((r = msg_get(&c->mb, m)) == -1)
			err(EX_FAILED, "%s: bad reply from the daemon", c->path);
		if (r == 1)
			break;
		if (stop != NULL && *stop)
			return -1;
		ms = deadline != NULL ? ms_until(deadline) : -1;
		if (ms == 0)
			return 0;
		pfd.fd = c->mb.fd;
		pfd.events = POLLIN;
		tsp = NULL;
		if (ms >= 0) {
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000;
			tsp = &ts;
		}
		if ((r = ppoll(&pfd, 1, tsp, &mask)) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_FAILED, "poll");
		}
		if (r == 0)
			continue;	/* the deadline is checked above */
		if ((n = msgbuf_read(&c->mb)) == -1)
			err(EX_FAILED, "%s: read", c->path);
		if (n == 0)
			errx(EX_FAILED, "%s: the daemon closed the connection",
			    c->path);
	}
	if (msg_check(m, PROC_CONTROL, PROC_CLIENT, why, sizeof(why)) == -1) {
		if (m->fd >= 0)
			close(m->fd);
		errx(EX_FAILED, "%s: bad reply from the daemon: %s", c->path,
		    why);
	}
	/* msg_check made the length exact for the type */
	memset(out, 0, sizeof(*out));
	memcpy(out, m->data, m->hdr.len);
	return 1;
}

static int
reply_allowed(uint32_t cmd, uint16_t type)
{
	switch (type) {
	case C_STATUS:
		return cmd == CTL_STATUS || cmd == CTL_MONITOR;
	case C_EVENT:
		return cmd == CTL_MONITOR;
	case C_COUNTERS:
		return cmd == CTL_COUNTERS;
	}
	return 0;
}

static int
end_status(uint32_t cmd, const char *name, const struct ctl_end *e)
{
	char msg[PC_ERR_MAX + 1];
	const char *what = ctl_cmd_name(cmd);

	FIELD(msg, e->message);
	printable(msg);
	switch (e->result) {
	case CTL_OK:
		return EX_OK;
	case CTL_DENIED:
		warnx("%s: %s", what, msg[0] ? msg : "not permitted");
		return EX_UNREACH;
	case CTL_FAILED:
	case CTL_BADREQ:
		if (*name != '\0')
			warnx("%s %s: %s", what, name, msg[0] ? msg : "failed");
		else
			warnx("%s: %s", what, msg[0] ? msg : "failed");
		return EX_FAILED;
	}
	warnx("%s: unknown result %u from the daemon", what, e->result);
	return EX_FAILED;
}

static struct timespec
deadline_in(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

int
conn_request(struct ctl_conn *c, uint32_t cmd, const char *name,
    reply_cb cb, void *arg)
{
	struct ctl_request req;
	struct timespec deadline;
	struct pc_msg m;
	union reply rep;
	int ms, r;

	memset(&req, 0, sizeof(req));
	req.version = CTL_VERSION;
	req.cmd = cmd;
	if (strlcpy(req.name, name, sizeof(req.name)) >= sizeof(req.name)) {
		warnx("%s: tunnel name too long", name);
		return EX_FAILED;
	}
	if (msg_compose(&c->mb, C_REQUEST, 0, 0, -1, &req, sizeof(req)) == -1)
		err(EX_FAILED, NULL);
	if (msgbuf_flush(&c->mb) == -1) {
		/* a daemon over its limits says why before it closes */
		int e = errno;

		deadline = deadline_in(REPLY_TIMEOUT_MS);
		if ((e == EPIPE || e == ECONNRESET) &&
		    next_reply(c, &deadline, NULL, &m, &rep) == 1 &&
		    m.hdr.type == C_END)
			return end_status(cmd, name, &rep.end);
		errno = e;
		err(EX_FAILED, "%s: write", c->path);
	}

	ms = cmd == CTL_DOWN ? DOWN_TIMEOUT_MS : REPLY_TIMEOUT_MS;
	for (;;) {
		deadline = deadline_in(ms);
		if (next_reply(c, &deadline, NULL, &m, &rep) == 0)
			errx(EX_UNREACH, "%s: no reply from the daemon in %d s",
			    c->path, ms / 1000);
		if (m.hdr.type == C_END)
			return end_status(cmd, name, &rep.end);
		if (!reply_allowed(cmd, m.hdr.type))
			errx(EX_FAILED, "%s: unexpected %s in reply to %s",
			    c->path, msg_name(m.hdr.type), ctl_cmd_name(cmd));
		if (cb != NULL && (r = cb(m.hdr.type, &rep, arg)) != 0)
			return r;
	}
}

int
conn_events(struct ctl_conn *c, const struct timespec *deadline,
    volatile int *stop, reply_cb cb, void *arg)
{
	struct pc_msg m;
	union reply rep;
	int r;

	for (;;) {
		r = next_reply(c, deadline, stop, &m, &rep);
		if (r == 0)
			return -1;
		if (r == -1)
			return EX_OK;
		if (m.hdr.type != C_EVENT)
			errx(EX_FAILED, "%s: unexpected %s while monitoring",
			    c->path, msg_name(m.hdr.type));
		if ((r = cb(m.hdr.type, &rep, arg)) != 0)
			return r;
	}
}
