/*
 * The control process: accepts pptpctl clients on the socket the parent
 * bound, learns each peer's uid/gid from the kernel (SO_PEERCRED), refuses
 * changes from anyone but root and the control group, checks every request
 * and relays it to the parent. It runs as the unprivileged user in an
 * empty chroot under seccomp; a client that sends garbage loses its own
 * connection and nothing else.
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
#include <unistd.h>

#include "pptpd-client/child.h"
#include "pptpd-client/control.h"
#include "pptpd-client/control_req.h"
#include "privsep/log.h"
#include "privsep/msg_event.h"
#include "privsep/sandbox.h"

#define CTL_MAX_CLIENTS		64
#define CTL_MAX_QUEUE		(256 * 1024)	/* a stuck monitor is dropped */

struct client {
	TAILQ_ENTRY(client) entry;
	uint32_t	 id;
	uid_t		 uid;
	gid_t		 gid;
	struct msgbuf	 mb;
	struct event	*ev;
	int		 busy;		/* a request is with the parent */
	int		 monitor;	/* wants state changes */
	uint32_t	 busy_cmd;
};

static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);
static struct event	*ev_listen;
static struct m_ctl_config ctlconf;
static int		 nclients;
static uint32_t		 next_id = 1;

static void	client_io(evutil_socket_t, short, void *);
static void	client_process(struct client *);

static void
client_close(struct client *c, const char *why)
{
	if (why != NULL)
		log_warnx("client %u (uid %u): %s; closing its connection",
		    c->id, (unsigned)c->uid, why);
	TAILQ_REMOVE(&clients, c, entry);
	event_free(c->ev);
	close(c->mb.fd);
	msgbuf_clear(&c->mb);
	free(c);
	nclients--;
	if (ev_listen != NULL && nclients == CTL_MAX_CLIENTS - 1)
		event_add(ev_listen, NULL);
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

static int
may_change(const struct client *c)
{
	uint32_t i;

	if (c->uid == 0)
		return 1;
	if (!ctlconf.has_group)
		return 0;
	if (c->gid == ctlconf.gid)
		return 1;
	for (i = 0; i < ctlconf.nuids && i < 64; i++)
		if (ctlconf.uids[i] == c->uid)
			return 1;
	return 0;
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

	while (!c->busy && (r = msg_get(&c->mb, &m)) != 0) {
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
	ssize_t n;

	if (ev & EV_WRITE) {
		if (msgbuf_write(&c->mb) == -1) {
			client_close(c, NULL);
			return;
		}
		msgbuf_watch(child_base, &c->mb, c->ev, client_io, c);
	}
	if (!(ev & EV_READ))
		return;
	n = msgbuf_read(&c->mb);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		client_close(c, n == -1 && errno == ENOBUFS ?
		    "request too large" : NULL);
		return;
	}
	client_process(c);
}

static void
listen_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("SO_PEERCRED");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    msgbuf_init(&c->mb, fd) == -1) {
		free(c);
		close(fd);
		return;
	}
	c->mb.maxqueue = CTL_MAX_QUEUE;
	c->id = next_id++;
	if (next_id == 0)
		next_id = 1;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->ev = event_new(child_base, fd, EV_READ | EV_PERSIST, client_io, c);
	event_add(c->ev, NULL);
	TAILQ_INSERT_TAIL(&clients, c, entry);
	if (++nclients >= CTL_MAX_CLIENTS)
		event_del(ev_listen);	/* until one leaves */
}

static void
from_parent(struct pc_msg *m)
{
	struct client *c, *next;
	struct ctl_status st;

	switch (m->hdr.type) {
	case M_CTL_CONFIG:
		memcpy(&ctlconf, m->data, sizeof(ctlconf));
		if (ctlconf.nuids > 64)
			ctlconf.nuids = 64;
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
			if (c->monitor)
				to_client(c, C_EVENT, &st, sizeof(st));
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
}

void
control_main(const struct pc_opts *opts, int fd)
{
	child_init(opts, fd, PROC_CONTROL, "control", from_parent);
	child_run(opts, SANDBOX_CONTROL);
}
