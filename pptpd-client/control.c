/*
 * The control process: accepts pptpctl clients on the socket the parent
 * bound, learns each peer's uid and groups from the kernel (SO_PEERCRED,
 * SO_PEERGROUPS), refuses changes from anyone but root and the control
 * group, checks every request and relays it to the parent. It runs as the
 * unprivileged user in an empty chroot under seccomp; a client that sends
 * garbage loses its own connection and nothing else.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pptpd-client/child.h"
#include "pptpd-client/control.h"
#include "pptpd-client/control_req.h"
#include "privsep/log.h"
#include "privsep/msg_event.h"
#include "privsep/sandbox.h"

/*
 * Anyone who can open the socket is a client, so no one client or user
 * may crowd out the rest: the last CTL_RESERVED slots are kept for root
 * and the control group, an unprivileged user holds at most
 * CTL_MAX_PER_UID connections, and a client that sends no complete
 * request (CTL_IDLE_SEC) or leaves a reply unread (CTL_WRITE_SEC) is
 * dropped. Over a limit, the connection is accepted and at once refused
 * with a message, so that the kernel's backlog never fills and root's
 * pptpctl always reaches us. pptpctl(8) documents these numbers.
 */
#define CTL_RESERVED		32
#define CTL_MAX_PER_UID		8
#define CTL_IDLE_SEC		5
#define CTL_WRITE_SEC		10
#define CTL_MAX_QUEUE		(256 * 1024)	/* a stuck monitor is dropped */

enum client_timer { T_NONE, T_IDLE, T_WRITE };

struct client {
	TAILQ_ENTRY(client) entry;
	uint32_t	 id;
	int		 fd;		/* for SO_PEERGROUPS, before mb is set */
	uid_t		 uid;
	gid_t		 gid;
	struct msgbuf	 mb;
	struct event	*ev;
	struct event	*timer;		/* idle or unread reply: drop */
	enum client_timer tkind;
	int		 closing;	/* dropped; freed by reap_cb */
	int		 busy;		/* a request is with the parent */
	int		 monitor;	/* wants state changes */
	uint32_t	 busy_cmd;
};

static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);
/* dropped clients wait here until no handler can hold them any more */
static TAILQ_HEAD(, client) closed = TAILQ_HEAD_INITIALIZER(closed);
static struct event	*ev_listen;
static struct event	*ev_reap;
static struct m_ctl_config ctlconf;
static int		 nclients;
static uint32_t		 next_id = 1;

static void	client_io(evutil_socket_t, short, void *);
static void	client_process(struct client *);

/*
 * Drop a client. Any handler up the stack may still hold it (a reply that
 * does not fit its queue closes it in the middle of its own request), so
 * it is only taken out of service here: off the list, its descriptor and
 * buffers gone, marked closing. The memory is freed by reap_cb, which
 * libevent runs after the current callback has returned.
 */
static void
client_close(struct client *c, const char *why)
{
	if (c->closing)
		return;
	if (why != NULL)
		log_warnx("client %u (uid %u): %s; closing its connection",
		    c->id, (unsigned)c->uid, why);
	c->closing = 1;
	TAILQ_REMOVE(&clients, c, entry);
	TAILQ_INSERT_TAIL(&closed, c, entry);
	event_free(c->ev);
	c->ev = NULL;
	event_free(c->timer);
	c->timer = NULL;
	close(c->mb.fd);
	msgbuf_clear(&c->mb);
	nclients--;
	event_active(ev_reap, 0, 0);
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct client *c = arg;
	char why[80];

	if (c->tkind == T_IDLE)
		snprintf(why, sizeof(why), "no complete request in %d s",
		    CTL_IDLE_SEC);
	else
		snprintf(why, sizeof(why), "a reply unread for %d s",
		    CTL_WRITE_SEC);
	client_close(c, why);
}

/*
 * Called whenever a client's state may have changed. A reply waiting to be
 * read starts the write deadline, renewed only when the client takes some
 * of it (progress); a client with nothing to read, no request with the
 * parent and no monitor has CTL_IDLE_SEC to send its next request. Bytes
 * of an incomplete request do not count: a client cannot trickle.
 */
static void
client_timer(struct client *c, int progress)
{
	enum client_timer want;
	struct timeval tv;

	if (c->closing)
		return;
	if (msgbuf_pending(&c->mb) > 0)
		want = T_WRITE;
	else if (c->busy || c->monitor)
		want = T_NONE;
	else
		want = T_IDLE;
	if (want == c->tkind && !(want == T_WRITE && progress))
		return;
	c->tkind = want;
	if (want == T_NONE) {
		evtimer_del(c->timer);
		return;
	}
	tv.tv_sec = want == T_WRITE ? CTL_WRITE_SEC : CTL_IDLE_SEC;
	tv.tv_usec = 0;
	evtimer_add(c->timer, &tv);
}

static void
reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&closed)) != NULL) {
		TAILQ_REMOVE(&closed, c, entry);
		free(c);
	}
}

static int
to_client(struct client *c, uint16_t type, const void *data, size_t len)
{
	if (msg_compose(&c->mb, type, 0, 0, -1, data, len) == -1) {
		client_close(c, "reply queue full (client not reading)");
		return -1;
	}
	msgbuf_watch(child_base, &c->mb, c->ev, client_io, c);
	return 0;
}

static void
client_end(struct client *c, uint32_t result, const char *msg)
{
	struct ctl_end e;

	memset(&e, 0, sizeof(e));
	e.result = result;
	strlcpy(e.message, msg, sizeof(e.message));
	to_client(c, C_END, &e, sizeof(e));
}

static struct client *
client_byid(uint32_t id)
{
	struct client *c;

	TAILQ_FOREACH(c, &clients, entry)
		if (c->id == id)
			return c;
	return NULL;
}

/*
 * Whether the peer's process is in group gid, as the kernel saw it when
 * the peer connected (SO_PEERGROUPS): its primary group or one of its
 * supplementary groups, whoever lists it. Asked at every request, so a
 * change of membership counts from the user's next login, with no
 * restart of the daemon, and a process that dropped the group has lost
 * it here too.
 */
static int
peer_in_group(const struct client *c, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	size_t i, n;
	int found = 0;

	if (c->gid == gid)
		return 1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1) {
		if (errno != ERANGE || (groups = malloc(len)) == NULL ||
		    getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &len) == -1) {
			log_warn("client %u: SO_PEERGROUPS", c->id);
			if (groups != small)
				free(groups);
			return 0;
		}
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

static int
may_change(const struct client *c)
{
	if (c->uid == 0)
		return 1;
	return ctlconf.has_group && peer_in_group(c, ctlconf.gid);
}

/* 0 handled (or the client is gone), 1 stop processing: awaiting parent */
static int
client_request(struct client *c, const struct pc_msg *m)
{
	struct ctl_request req;
	char why[PC_ERR_MAX];

	if (msg_check(m, PROC_CLIENT, PROC_CONTROL, why, sizeof(why)) == -1) {
		client_close(c, why);
		return -1;
	}
	memcpy(&req, m->data, sizeof(req));
	if (ctl_request_check(&req, why, sizeof(why)) == -1) {
		client_end(c, CTL_BADREQ, why);
		return 0;
	}
	if (ctl_cmd_privileged(req.cmd) && !may_change(c)) {
		snprintf(why, sizeof(why), "%s: permission denied: only root%s "
		    "may change tunnels", ctl_cmd_name(req.cmd),
		    ctlconf.has_group ? " and the control group" : "");
		log_info("client uid %u refused: %s", (unsigned)c->uid,
		    ctl_cmd_name(req.cmd));
		client_end(c, CTL_DENIED, why);
		return 0;
	}
	c->busy = 1;
	c->busy_cmd = req.cmd;
	child_to_parent(M_CTL_REQUEST, 0, c->id, &req, sizeof(req));
	return 1;
}

static void
client_process(struct client *c)
{
	struct pc_msg m;
	int r;

	while (!c->closing && !c->busy && (r = msg_get(&c->mb, &m)) != 0) {
		if (r == -1) {
			client_close(c, "garbled request");
			return;
		}
		if (m.fd >= 0)
			close(m.fd);
		if (client_request(c, &m) == -1)
			return;
	}
}

static void
client_io(evutil_socket_t fd, short ev, void *arg)
{
	struct client *c = arg;
	size_t before;
	ssize_t n;
	int progress = 0;

	if (ev & EV_WRITE) {
		before = msgbuf_pending(&c->mb);
		if (msgbuf_write(&c->mb) == -1) {
			client_close(c, NULL);
			return;
		}
		progress = msgbuf_pending(&c->mb) < before;
		msgbuf_watch(child_base, &c->mb, c->ev, client_io, c);
	}
	if (ev & EV_READ) {
		n = msgbuf_read(&c->mb);
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			client_close(c, n == -1 && errno == ENOBUFS ?
			    "request too large" : NULL);
			return;
		}
		client_process(c);
	}
	client_timer(c, progress);
}

/* Tell a client over a limit why, without waiting: its buffer is empty. */
static void
refuse(int fd, uid_t uid, const char *why)
{
	static time_t last;
	static unsigned refused;
	struct msgbuf mb;
	struct ctl_end e;
	time_t now = time(NULL);

	refused++;
	if (now != last) {	/* one line a second, however fast they come */
		log_warnx("uid %u: connection refused: %s (%u refused)",
		    (unsigned)uid, why, refused);
		last = now;
		refused = 0;
	}
	memset(&e, 0, sizeof(e));
	e.result = CTL_DENIED;
	snprintf(e.message, sizeof(e.message), "control socket busy: %s",
	    why);
	if (msgbuf_init(&mb, fd) == 0) {
		if (msg_compose(&mb, C_END, 0, 0, -1, &e, sizeof(e)) == 0)
			(void)msgbuf_write(&mb);
		msgbuf_clear(&mb);
	}
	close(fd);
}

/* NULL if the client may have a slot, else why not */
/*
 * A client that hung up still counts until its end of file is read, and
 * pptpctl, one connection per request, connects again before that: at
 * the limit, those that are gone (and wait for nothing) go first.
 */
static void
prune_gone(void)
{
	struct client *c, *next;
	char b;

	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->busy && !c->monitor && recv(c->mb.fd, &b, 1,
		    MSG_PEEK | MSG_DONTWAIT) == 0)
			client_close(c, NULL);
	}
}

static const char *
over_limit(const struct client *nc)
{
	const struct client *c;
	int n = 0;

	if (nclients >= CTL_MAX_CLIENTS)
		prune_gone();
	if (nclients >= CTL_MAX_CLIENTS)
		return "too many connections";
	if (nc->uid == 0)
		return NULL;
	TAILQ_FOREACH(c, &clients, entry)
		if (c->uid == nc->uid)
			n++;
	if (n >= CTL_MAX_PER_UID)
		return "too many connections from this user";
	if (!may_change(nc) && nclients >= CTL_MAX_CLIENTS - CTL_RESERVED)
		return "the remaining connections are kept for root and "
		    "the control group";
	return NULL;
}

/*
 * Up to this many waiting connections are taken per turn of the loop:
 * one each let a crowd of busy clients keep the next one in the backlog
 * for seconds.
 */
#define CTL_ACCEPT_BATCH	32

static int	accept_one(int);

static void
listen_cb(evutil_socket_t lfd, short ev, void *arg)
{
	int i;

	for (i = 0; i < CTL_ACCEPT_BATCH && accept_one(lfd) == 0; i++)
		;
}

/* 0: took one (or refused it); -1: none waiting, or accept failed */
static int
accept_one(int lfd)
{
	struct client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	const char *why;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept");
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("SO_PEERCRED");
		close(fd);
		return 0;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	if ((why = over_limit(c)) != NULL) {
		refuse(fd, c->uid, why);
		free(c);
		return 0;
	}
	if (msgbuf_init(&c->mb, fd) == -1) {
		free(c);
		close(fd);
		return -1;
	}
	c->mb.maxqueue = CTL_MAX_QUEUE;
	c->id = next_id++;
	if (next_id == 0)
		next_id = 1;
	c->ev = event_new(child_base, fd, EV_READ | EV_PERSIST, client_io, c);
	c->timer = evtimer_new(child_base, timer_cb, c);
	if (c->ev == NULL || c->timer == NULL)
		fatalx("event_new");
	event_add(c->ev, NULL);
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nclients++;
	client_timer(c, 0);
	return 0;
}

static void
from_parent(struct pc_msg *m)
{
	struct client *c, *next;
	struct ctl_status st;

	switch (m->hdr.type) {
	case M_CTL_CONFIG:
		memcpy(&ctlconf, m->data, sizeof(ctlconf));
		if (ctlconf.id_base != 0 && TAILQ_EMPTY(&clients))
			next_id = ctlconf.id_base;
		return;
	case M_CTL_LISTEN:
		if (ev_listen != NULL) {
			close(m->fd);
			return;
		}
		ev_listen = event_new(child_base, m->fd, EV_READ | EV_PERSIST,
		    listen_cb, NULL);
		event_add(ev_listen, NULL);
		return;
	case M_CTL_EVENT:
		memcpy(&st, m->data, sizeof(st));
		TAILQ_FOREACH_SAFE(c, &clients, entry, next)
			if (c->monitor &&
			    to_client(c, C_EVENT, &st, sizeof(st)) == 0)
				client_timer(c, 0);
		return;
	}
	/* the rest answer one client's request; it may have left */
	if ((c = client_byid(m->hdr.peer)) == NULL)
		return;
	switch (m->hdr.type) {
	case M_CTL_STATUS:
		to_client(c, C_STATUS, m->data, m->hdr.len);
		break;
	case M_CTL_COUNTERS:
		to_client(c, C_COUNTERS, m->data, m->hdr.len);
		break;
	case M_CTL_END:
		if (c->busy_cmd == CTL_MONITOR)
			c->monitor = 1;
		c->busy = 0;
		if (to_client(c, C_END, m->data, m->hdr.len) == 0)
			client_process(c);
		break;
	}
	client_timer(c, 0);
}

void
control_main(const struct pc_opts *opts, int fd)
{
	child_init(opts, fd, PROC_CONTROL, "control", from_parent);
	if ((ev_reap = event_new(child_base, -1, 0, reap_cb, NULL)) == NULL)
		fatalx("event_new");
	child_run(opts, SANDBOX_CONTROL);
}
