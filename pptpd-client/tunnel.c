/*
 * The parent's side of each tunnel: resolve the server, firewall rules, the
 * host route, connect TCP 1723, open the GRE socket, start pppd, watch the
 * interface come up, install routes, and undo all of it in the reverse
 * order. The protocol itself runs in the engine; this file never parses a
 * byte from the network.
 *
 * Taking a tunnel down is one path whatever started it (pptpctl down, the
 * server hanging up, pppd exiting, the engine dying): tunnel_stop_step()
 * ends pppd first (so its LCP Terminate still reaches the server), then has
 * the engine clear the call and the control connection, then removes
 * routes and rules, then settles in down, failed or waiting.
 */
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/pptpd-client.h"
#include "privsep/parent/firewall.h"
#include "privsep/log.h"
#include "privsep/parent/route.h"
#include "privsep/parent/sockets.h"

struct tunnel_list	 tunnels = TAILQ_HEAD_INITIALIZER(tunnels);
static int		 nl_fd = -1;
static struct event	*ev_nl;
static int		 fw_ready;

#define PPPD_TERM_WAIT_S	4
#define ENGINE_STOP_WAIT_S	3
#define BACKOFF_MIN_S		2
#define BACKOFF_MAX_S		60

static void	tunnel_stop_step(struct tunnel *);
static void	tunnel_settle(struct tunnel *);
static int	fw_down_submit(struct tunnel *);
static void	fw_down_done(int, const char *, uint64_t, uint64_t, void *);
static void	tunnel_start(struct tunnel *);

static void
set_state(struct tunnel *t, enum tunnel_state s)
{
	struct ctl_status st;

	if (t->state == s)
		return;
	log_info("tunnel %s: %s -> %s%s%s", t->conf->name,
	    tunnel_state_name(t->state), tunnel_state_name(s),
	    (s == TS_FAILED || s == TS_WAITING) && t->last_error[0] ? ": " : "",
	    (s == TS_FAILED || s == TS_WAITING) ? t->last_error : "");
	t->state = s;
	t->since = time(NULL);
	if (s == TS_UP)
		t->up_since = t->since;
	else
		t->up_since = 0;
	tunnel_status(t, &st);
	parent_send_control(M_CTL_EVENT, 0, &st, sizeof(st));
}

static void
set_error(struct tunnel *t, const char *err, int permanent)
{
	/* the first cause is the one a person needs; the rest is fallout */
	if (t->last_error[0] == '\0' || (permanent && !t->permanent)) {
		strlcpy(t->last_error, err, sizeof(t->last_error));
		if (err[0] != '\0')
			log_warnx("tunnel %s: %s", t->conf->name, err);
	}
	if (permanent)
		t->permanent = 1;
}

static void
fw_fill(const struct tunnel *t, struct fw_tunnel *fw)
{
	struct route_conf *r;

	memset(fw, 0, sizeof(*fw));
	strlcpy(fw->name, t->conf->name, sizeof(fw->name));
	fw->server = t->server;
	strlcpy(fw->ifname, t->ifname, sizeof(fw->ifname));
	fw->kill_switch = t->conf->kill_switch;
	fw->forward = t->conf->forward;
	TAILQ_FOREACH(r, &t->conf->allow, entry) {
		if (fw->nallow >= FW_ALLOW_MAX)
			break;
		fw->allow[fw->nallow].addr = r->pfx.addr;
		fw->allow[fw->nallow].len = r->pfx.len;
		fw->nallow++;
	}
}

struct tunnel *
tunnel_byid(uint32_t id)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry)
		if (t->id == id)
			return t;
	return NULL;
}

struct tunnel *
tunnel_byname(const char *name)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry)
		if (strcmp(t->conf->name, name) == 0)
			return t;
	return NULL;
}

static void
timer_set(struct tunnel *t, event_callback_fn cb, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (t->ev_timer != NULL)
		event_free(t->ev_timer);
	t->ev_timer = evtimer_new(evbase, cb, t);
	evtimer_add(t->ev_timer, &tv);
}

static void
timer_clear(struct tunnel *t)
{
	if (t->ev_timer != NULL) {
		event_free(t->ev_timer);
		t->ev_timer = NULL;
	}
}

/* ---- start ------------------------------------------------------------- */

static void
pppd_log_line(const char *line, void *arg)
{
	struct tunnel *t = arg;

	log_debug("tunnel %s: pppd: %s", t->conf->name, line);
}

static void
pppd_log_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t = arg;

	if (pppd_log_read(fd, &t->pppd_log, pppd_log_line, t) != 0) {
		event_free(t->ev_pppdlog);
		t->ev_pppdlog = NULL;
		close(t->pppd_log_fd);
		t->pppd_log_fd = -1;
	}
}

static int
start_pppd(struct tunnel *t)
{
	struct pppd_spec spec;
	char err[PC_ERR_MAX];
	int master;

	memset(&spec, 0, sizeof(spec));
	spec.pppd_path = pconf->pppd;
	spec.tunnel_name = t->conf->name;
	spec.ifname = t->ifname;
	spec.username = t->conf->username;
	spec.mppe = t->conf->mppe;
	spec.mtu = t->conf->mtu;
	spec.extra_options = t->conf->pppd_options;
	spec.debug = log_getverbose() > 0;
	memset(&t->pppd_log, 0, sizeof(t->pppd_log));
	if (pppd_spawn(&spec, t->conf->password, &master, &t->pppd_log_fd,
	    &t->pppd_pid, err, sizeof(err)) == -1) {
		set_error(t, err, 1);
		return -1;
	}
	t->pppd_term_sent = 0;
	t->ev_pppdlog = event_new(evbase, t->pppd_log_fd, EV_READ | EV_PERSIST,
	    pppd_log_cb, t);
	event_add(t->ev_pppdlog, NULL);
	log_debug("tunnel %s: pppd pid %d on %s", t->conf->name,
	    (int)t->pppd_pid, t->ifname);
	parent_send_engine(M_FD_PTY, t->id, 0, master, NULL, 0);
	return 0;
}

static void
connect_done(struct tunnel *t)
{
	struct m_tunnel_start ts;
	char err[PC_ERR_MAX];
	int gre;

	if ((gre = sock_gre_open(t->server, err, sizeof(err))) == -1) {
		set_error(t, err, 0);
		tunnel_stop_step(t);
		return;
	}
	memset(&ts, 0, sizeof(ts));
	strlcpy(ts.name, t->conf->name, sizeof(ts.name));
	ts.server = t->server;
	ts.connect_timeout_ms = t->conf->connect_timeout_ms;
	ts.echo_interval_ms = t->conf->echo_interval_ms;
	ts.echo_timeout_ms = t->conf->echo_timeout_ms;
	ts.reorder_wait_ms = t->conf->reorder_wait_ms;
	t->engine_active = 1;
	t->engine_stop_sent = 0;
	t->gre_seen = 0;
	parent_send_engine(M_TUNNEL_START, t->id, 0, -1, &ts, sizeof(ts));
	parent_send_engine(M_FD_CTRL, t->id, 0, t->tcp_fd, NULL, 0);
	t->tcp_fd = -1;
	parent_send_engine(M_FD_GRE, t->id, 0, gre, NULL, 0);
	set_state(t, TS_CALLING);
	/* pppd starts now and overlaps the handshake; the engine holds its
	   first frames until the call is connected */
	if (start_pppd(t) == -1)
		tunnel_stop_step(t);
}

static void
connect_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t = arg;
	char err[PC_ERR_MAX];

	event_free(t->ev_io);
	t->ev_io = NULL;
	timer_clear(t);
	if (ev & EV_TIMEOUT) {
		snprintf(err, sizeof(err), "no answer from %s:%d within %u s",
		    inet_ntoa(t->server), PPTP_TCP_PORT,
		    t->conf->connect_timeout_ms / 1000);
		set_error(t, err, 0);
		tunnel_stop_step(t);
		return;
	}
	if (sock_tcp_connect_result(t->tcp_fd, t->server, PPTP_TCP_PORT, err,
	    sizeof(err)) == -1) {
		set_error(t, err, 0);
		tunnel_stop_step(t);
		return;
	}
	connect_done(t);
}

static void	tunnel_connect(struct tunnel *);

/*
 * Interface names hold 15 bytes: two tunnels whose names share the first
 * ten would get the same one. The later one takes pptp<id> instead.
 */
static int
ifname_unique(struct tunnel *t)
{
	struct tunnel *o;

	TAILQ_FOREACH(o, &tunnels, entry) {
		if (o == t || o->state == TS_DOWN || o->state == TS_FAILED ||
		    strcmp(o->ifname, t->ifname) != 0)
			continue;
		snprintf(t->ifname, sizeof(t->ifname), "pptp%u", t->id);
		log_info("tunnel %s: interface %s, as %s is taken",
		    t->conf->name, t->ifname, o->ifname);
		break;
	}
	return 0;
}

static void *
idarg(const struct tunnel *t)
{
	return (void *)(uintptr_t)t->id;
}

static struct tunnel *
argid(void *arg)
{
	return tunnel_byid((uint32_t)(uintptr_t)arg);
}

/* The tunnel's rules are in, or could not be: then it cannot go on. */
static void
fw_up_done(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (t == NULL || t->stopping || rc == 0)
		return;
	set_error(t, err, 1);
	tunnel_stop_step(t);
}

static void
tunnel_start(struct tunnel *t)
{
	struct fw_tunnel fw;
	char err[PC_ERR_MAX];

	timer_clear(t);
	t->last_error[0] = '\0';
	t->permanent = 0;
	t->stopping = 0;
	t->user_down = 0;
	t->up_after_stop = 0;
	t->ifname[0] = '\0';
	t->ifindex = 0;
	t->if_up = 0;
	t->iface_pending = 0;
	t->local.s_addr = t->remote.s_addr = 0;
	set_state(t, TS_CONNECTING);
	if (pppd_ifname(t->conf->name, t->ifname, sizeof(t->ifname)) == -1 ||
	    ifname_unique(t) == -1 ||
	    sock_resolve4(t->conf->server, &t->server, err, sizeof(err)) == -1) {
		set_error(t, err, 0);
		tunnel_stop_step(t);
		return;
	}
	if (fw_ready) {
		/*
		 * The rules go in while the connection is made, not before
		 * it: iptables takes milliseconds on a host but seconds in
		 * a slow one, and a host that drops by default without
		 * accepting replies only costs the first SYN-ACK, which TCP
		 * sends again.
		 */
		fw_fill(t, &fw);
		fw.ifname[0] = '\0';
		t->fw_added = 1;
		if (fwq_submit(FWQ_UP, &fw, 0, fw_up_done, idarg(t)) == -1) {
			set_error(t, "out of memory", 0);
			tunnel_stop_step(t);
			return;
		}
	}
	tunnel_connect(t);
}

static void
tunnel_connect(struct tunnel *t)
{
	struct timeval tv;
	char err[PC_ERR_MAX];

	/* keep the server reachable the way it is now, whatever routes the
	   tunnel brings */
	if (route_get(t->server, &t->gw, &t->has_gw, &t->gw_ifindex, err,
	    sizeof(err)) == -1) {
		set_error(t, err, 0);
		tunnel_stop_step(t);
		return;
	}
	if (t->has_gw) {
		if (route_add_host(t->server, t->gw, t->has_gw, t->gw_ifindex,
		    err, sizeof(err)) == -1)
			log_warnx("tunnel %s: %s", t->conf->name, err);
		else
			t->host_route = 1;
	}
	if ((t->tcp_fd = sock_tcp_connect_nb(t->server, PPTP_TCP_PORT, err,
	    sizeof(err))) == -1) {
		set_error(t, err, 0);
		tunnel_stop_step(t);
		return;
	}
	tv.tv_sec = t->conf->connect_timeout_ms / 1000;
	tv.tv_usec = (t->conf->connect_timeout_ms % 1000) * 1000;
	t->ev_io = event_new(evbase, t->tcp_fd, EV_WRITE, connect_cb, t);
	event_add(t->ev_io, &tv);
}

/* ---- interface comes up ------------------------------------------------ */

static void
fw_logged(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (rc != 0)
		log_warnx("tunnel %s: firewall: %s", t != NULL ?
		    t->conf->name : "?", err);
}

static void
fw_iface_done(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (t == NULL)
		return;
	t->iface_pending = 0;
	if (rc != 0)
		log_warnx("tunnel %s: firewall: %s", t->conf->name, err);
	if (!t->stopping && (t->state == TS_PPP || t->state == TS_CALLING))
		set_state(t, TS_UP);
}

static void
install_routes(struct tunnel *t)
{
	struct route_conf *r;
	struct fw_tunnel fw;
	char err[PC_ERR_MAX];

	TAILQ_FOREACH(r, &t->conf->routes, entry) {
		if ((r->is_default ? route_add_default_dev(t->ifindex, 0, err,
		    sizeof(err)) : route_add_dev(r->pfx.addr, r->pfx.len,
		    t->ifindex, 0, err, sizeof(err))) == -1)
			log_warnx("tunnel %s: %s", t->conf->name, err);
	}
	t->routes_added = 1;
	if (fw_ready) {
		/*
		 * Up only once the firewall is done: the tunnel's rules went
		 * in during the handshake, and a kill switch must let the
		 * interface through. Only a kill switch and forwarding have
		 * rules that name the interface; otherwise the queue's order
		 * is all that is needed.
		 */
		fw_fill(t, &fw);
		t->iface_pending = 1;
		if (fwq_submit(t->conf->kill_switch != KS_NO ||
		    t->conf->forward ? FWQ_IFACE : FWQ_NOP, &fw, 0,
		    fw_iface_done, idarg(t)) == 0)
			return;
		t->iface_pending = 0;
	}
	set_state(t, TS_UP);
}

/*
 * pppd sets the address, then the peer address (two netlink events), and
 * brings the link up: the tunnel is up, and its routes can go in, once the
 * interface has both addresses and is up, in whatever order that came.
 */
static void
ifaddr_event(const struct ifaddr_event *e, void *arg)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry) {
		if (e->ifname[0] != '\0' ? strcmp(t->ifname, e->ifname) != 0 :
		    (t->ifindex == 0 || t->ifindex != e->ifindex))
			continue;
		if (t->stopping || (t->state != TS_PPP &&
		    t->state != TS_CALLING))
			continue;
		switch (e->type) {
		case RTM_NEWLINK:
			t->ifindex = e->ifindex;
			t->if_up = e->up;
			break;
		case RTM_NEWADDR:
			t->ifindex = e->ifindex;
			if (e->local.s_addr != 0)
				t->local = e->local;
			if (e->peer.s_addr != 0)
				t->remote = e->peer;
			break;
		default:
			continue;
		}
		if (t->if_up && t->local.s_addr != 0 &&
		    t->remote.s_addr != 0 && !t->iface_pending)
			install_routes(t);
	}
}

static void
nl_cb(evutil_socket_t fd, short ev, void *arg)
{
	if (ifaddr_watch_read(fd, ifaddr_event, NULL) == -1)
		log_warn("netlink");
}

/* ---- stop -------------------------------------------------------------- */

static void
stop_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t = arg;

	timer_clear(t);
	if (t->pppd_pid > 0) {
		log_warnx("tunnel %s: pppd %d did not exit; killing it",
		    t->conf->name, (int)t->pppd_pid);
		kill(t->pppd_pid, SIGKILL);
		/* its reaping continues the stop */
	} else if (t->engine_active) {
		log_warnx("tunnel %s: engine did not close the call in time",
		    t->conf->name);
		t->engine_active = 0;
		tunnel_stop_step(t);
	}
}

static void
backoff_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t = arg;

	t->reconnects++;
	tunnel_start(t);
}

static void
answer_waiters(struct tunnel *t)
{
	int i;

	for (i = 0; i < t->ndown_waiters; i++)
		parent_ctl_settled(t->down_waiters[i]);
	t->ndown_waiters = 0;
}

static void
cleanup_resources(struct tunnel *t)
{
	struct tunnel *o;
	struct route_conf *r;
	char err[PC_ERR_MAX];

	if (t->ev_io != NULL) {
		event_free(t->ev_io);
		t->ev_io = NULL;
	}
	if (t->tcp_fd >= 0) {
		close(t->tcp_fd);
		t->tcp_fd = -1;
	}
	if (t->ev_pppdlog != NULL) {
		event_free(t->ev_pppdlog);
		t->ev_pppdlog = NULL;
	}
	if (t->pppd_log_fd >= 0) {
		close(t->pppd_log_fd);
		t->pppd_log_fd = -1;
	}
	if (t->routes_added && t->ifindex > 0) {
		/* the interface is usually gone with pppd, and its routes
		   with it; deleting again is harmless */
		TAILQ_FOREACH(r, &t->conf->routes, entry) {
			if (r->is_default)
				route_del_default_dev(t->ifindex, 0, err,
				    sizeof(err));
			else
				route_del_dev(r->pfx.addr, r->pfx.len,
				    t->ifindex, 0, err, sizeof(err));
		}
	}
	t->routes_added = 0;
	if (t->host_route) {
		t->host_route = 0;
		/* tunnels to one server share its host route: the last one
		   down removes it */
		TAILQ_FOREACH(o, &tunnels, entry)
			if (o != t && o->host_route &&
			    o->server.s_addr == t->server.s_addr)
				break;
		if (o == NULL && route_del_host(t->server, err,
		    sizeof(err)) == -1)
			log_warnx("tunnel %s: %s", t->conf->name, err);
	}
	t->ifindex = 0;
	t->local.s_addr = t->remote.s_addr = 0;
}

static void
tunnel_stop_step(struct tunnel *t)
{
	struct m_reason r;

	t->stopping = 1;
	if (t->pppd_pid > 0) {
		if (!t->pppd_term_sent) {
			t->pppd_term_sent = 1;
			kill(t->pppd_pid, SIGTERM);
			timer_set(t, stop_timeout_cb, PPPD_TERM_WAIT_S * 1000);
		}
		return;
	}
	if (t->engine_active) {
		if (!t->engine_stop_sent) {
			memset(&r, 0, sizeof(r));
			strlcpy(r.reason, t->user_down ? "down requested" :
			    t->last_error, sizeof(r.reason));
			t->engine_stop_sent = 1;
			if (parent_send_engine(M_TUNNEL_STOP, t->id, 0, -1, &r,
			    sizeof(r)) == -1)
				t->engine_active = 0;
			else {
				timer_set(t, stop_timeout_cb,
				    ENGINE_STOP_WAIT_S * 1000);
				return;
			}
		} else
			return;
	}
	if (t->fw_wait)
		return;		/* already on the last step */
	timer_clear(t);
	cleanup_resources(t);
	if (t->fw_added && fw_ready && fw_down_submit(t) == 0)
		return;
	tunnel_settle(t);
}

/* Settle once the rules are out: a `down` that returned must leave the
   ruleset as it was. */
static int
fw_down_submit(struct tunnel *t)
{
	struct fw_tunnel fw;

	fw_fill(t, &fw);
	t->fw_keep = !t->user_down;
	if (fwq_submit(FWQ_DOWN, &fw, t->fw_keep, fw_down_done,
	    idarg(t)) == -1)
		return -1;
	t->fw_wait = 1;
	return 0;
}

static void
fw_down_done(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (t == NULL)
		return;
	if (rc != 0)
		log_warnx("tunnel %s: firewall: %s", t->conf->name, err);
	t->fw_wait = 0;
	/* `down` came while the kill switch was being kept: lift it too */
	if (t->fw_keep && t->user_down && fw_down_submit(t) == 0)
		return;
	/* a kept kill switch is still ours to lift on an explicit down */
	t->fw_added = t->conf->kill_switch == KS_ALWAYS ||
	    (t->conf->kill_switch == KS_YES && t->fw_keep);
	tunnel_settle(t);
}

/* Everything is undone: down, failed, or waiting to try again. */
static void
tunnel_settle(struct tunnel *t)
{
	t->stopping = 0;
	if (t->user_down) {
		t->last_error[0] = '\0';
		set_state(t, TS_DOWN);
	} else if (t->conf->persist && !t->permanent) {
		t->backoff_s = t->backoff_s ? t->backoff_s * 2 : BACKOFF_MIN_S;
		if (t->backoff_s > BACKOFF_MAX_S)
			t->backoff_s = BACKOFF_MAX_S;
		set_state(t, TS_WAITING);
		timer_set(t, backoff_cb, t->backoff_s * 1000);
	} else {
		if (t->last_error[0] == '\0')
			strlcpy(t->last_error, "tunnel ended",
			    sizeof(t->last_error));
		set_state(t, TS_FAILED);
	}
	answer_waiters(t);
	if (t->up_after_stop) {
		t->up_after_stop = 0;
		tunnel_up(t);
	}
}

/* ---- events from the engine and from pppd ------------------------------ */

void
tunnel_engine_state(struct tunnel *t, const struct m_engine_state *es)
{
	t->gre_seen = es->gre_seen;
	if (es->state == ES_CONNECTED && t->state == TS_CALLING) {
		t->backoff_s = 0;
		set_state(t, TS_PPP);
	}
}

void
tunnel_engine_closed(struct tunnel *t, const struct m_engine_state *es)
{
	t->engine_active = 0;
	if (es->last_error[0] != '\0')
		set_error(t, es->last_error, 0);
	if (t->stopping && t->pppd_pid <= 0)
		tunnel_stop_step(t);
	else if (!t->stopping)
		tunnel_stop_step(t);
}

int
tunnel_child_exited(pid_t pid, int status)
{
	struct tunnel *t;
	const char *hint;

	TAILQ_FOREACH(t, &tunnels, entry) {
		if (t->pppd_pid != pid)
			continue;
		/* drain what pppd said last: it explains the exit */
		if (t->pppd_log_fd >= 0)
			pppd_log_read(t->pppd_log_fd, &t->pppd_log,
			    pppd_log_line, t);
		hint = t->pppd_log.hint[0] ? t->pppd_log.hint :
		    t->pppd_log.last;
		t->pppd_pid = -1;
		/* pppd ending because we told it to is a consequence, not
		   a cause, unless it says why PPP itself failed (a refused
		   password outranks the server hanging up on it) */
		if (!t->pppd_term_sent ||
		    pppd_exit_is_permanent(status, hint))
			set_error(t, pppd_exit_reason(status, hint),
			    pppd_exit_is_permanent(status, hint));
		log_debug("tunnel %s: pppd exited (status 0x%x)",
		    t->conf->name, status);
		timer_clear(t);
		tunnel_stop_step(t);
		return 1;
	}
	return 0;
}

void
tunnel_engine_lost(void)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry) {
		if (!t->engine_active)
			continue;
		t->engine_active = 0;
		set_error(t, "the engine process died", 0);
		tunnel_stop_step(t);
	}
}

/* ---- public entry points ----------------------------------------------- */

void
tunnel_up(struct tunnel *t)
{
	switch (t->state) {
	case TS_DOWN:
	case TS_FAILED:
		if (t->fw_wait) {
			t->up_after_stop = 1;
			break;
		}
		t->reconnects = 0;
		t->backoff_s = 0;
		tunnel_start(t);
		break;
	case TS_WAITING:
		timer_clear(t);
		tunnel_start(t);
		break;
	case TS_STOPPING:
		/* down then up at once: up as soon as down is done */
		t->up_after_stop = 1;
		break;
	default:
		break;		/* already on its way */
	}
}

void
tunnel_down(struct tunnel *t, uint32_t waiter)
{
	t->up_after_stop = 0;
	if (waiter && t->ndown_waiters < 8)
		t->down_waiters[t->ndown_waiters++] = waiter;
	else if (waiter)
		parent_ctl_settled(waiter);
	t->user_down = 1;
	if (t->fw_wait)
		return;		/* settles when the firewall is done */
	if (t->state == TS_DOWN && !t->fw_added) {
		answer_waiters(t);
		return;
	}
	if (t->state == TS_FAILED || t->state == TS_WAITING ||
	    t->state == TS_DOWN)
		timer_clear(t);
	set_state(t, TS_STOPPING);
	if (t->ev_io != NULL) {
		event_free(t->ev_io);
		t->ev_io = NULL;
	}
	tunnel_stop_step(t);
}

void
tunnel_status(const struct tunnel *t, struct ctl_status *st)
{
	memset(st, 0, sizeof(*st));
	strlcpy(st->name, t->conf->name, sizeof(st->name));
	st->state = t->state;
	st->reconnects = t->reconnects;
	strlcpy(st->server, t->conf->server, sizeof(st->server));
	st->server_addr = t->server;
	if (t->state == TS_CALLING || t->state == TS_PPP || t->state == TS_UP)
		strlcpy(st->ifname, t->ifname, sizeof(st->ifname));
	st->local = t->local;
	st->remote = t->remote;
	st->since = t->since;
	st->up_since = t->up_since;
	strlcpy(st->last_error, t->last_error, sizeof(st->last_error));
	if (t->state == TS_PPP && !t->gre_seen && time(NULL) - t->since >= 3)
		snprintf(st->note, sizeof(st->note), "TCP 1723 to %s works "
		    "and the call is connected, but no GRE has arrived from "
		    "the server: a firewall or NAT on the way drops protocol "
		    "47", inet_ntoa(t->server));
}

struct counters_job {
	uint32_t		peer;
	struct ctl_counters	cc;
};

static void
fw_counters_done(int rc, const char *err, uint64_t pkts, uint64_t bytes,
    void *arg)
{
	struct counters_job *cj = arg;

	if (rc == 0) {
		cj->cc.fw_gre_packets = pkts;
		cj->cc.fw_gre_bytes = bytes;
	} else
		log_debug("firewall counters: %s", err);
	if (parent_ctl_counting(cj->peer))
		parent_send_control(M_CTL_COUNTERS, cj->peer, &cj->cc,
		    sizeof(cj->cc));
	free(cj);
}

/* The engine's counters for one tunnel: add the firewall's and send. */
void
tunnel_counters_reply(struct tunnel *t, uint32_t peer,
    const struct ctl_counters *cc)
{
	struct counters_job *cj;
	struct fw_tunnel fw;

	if (!fw_ready || !t->fw_added || (cj = malloc(sizeof(*cj))) == NULL) {
		parent_send_control(M_CTL_COUNTERS, peer, cc, sizeof(*cc));
		return;
	}
	cj->peer = peer;
	cj->cc = *cc;
	fw_fill(t, &fw);
	if (fwq_submit(FWQ_COUNTERS, &fw, 0, fw_counters_done, cj) == -1) {
		parent_send_control(M_CTL_COUNTERS, peer, cc, sizeof(*cc));
		free(cj);
	}
}

static void
counters_end(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	parent_ctl_counters_done((uint32_t)(uintptr_t)arg);
}

/* After the last tunnel's counters: the end, behind queued firewall reads. */
void
tunnel_counters_end(uint32_t peer)
{
	if (!fwq_busy() || fwq_submit(FWQ_NOP, NULL, 0, counters_end,
	    (void *)(uintptr_t)peer) == -1)
		parent_ctl_counters_done(peer);
}

void
tunnel_fw_zero(struct tunnel *t)
{
	struct fw_tunnel fw;

	if (!fw_ready || !t->fw_added)
		return;
	fw_fill(t, &fw);
	fwq_submit(FWQ_ZERO, &fw, 0, fw_logged, idarg(t));
}

static void
fw_configured(struct fw_tunnel *all, int *n)
{
	struct tunnel *t;

	*n = 0;
	TAILQ_FOREACH(t, &tunnels, entry) {
		if (*n >= 64)
			break;
		fw_fill(t, &all[*n]);
		/* the address may not be resolved yet: resolve it now so the
		   kill switch can let the server through */
		if (all[*n].server.s_addr == 0 && t->conf->kill_switch) {
			char err[PC_ERR_MAX];
			if (sock_resolve4(t->conf->server, &all[*n].server,
			    err, sizeof(err)) == -1)
				log_warnx("tunnel %s: %s", t->conf->name, err);
		}
		(*n)++;
	}
}

void
tunnels_init(void)
{
	struct tunnel_conf *tc;
	struct tunnel *t;
	struct fw_tunnel all[64];
	static uint32_t next_id = 1;
	char err[PC_ERR_MAX];
	int n, i, removed, held[64];

	TAILQ_FOREACH(tc, &pconf->tunnels, entry) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			fatal("calloc");
		t->id = next_id++;
		t->conf = tc;
		t->state = TS_DOWN;
		t->since = time(NULL);
		t->tcp_fd = t->pppd_log_fd = -1;
		t->pppd_pid = -1;
		TAILQ_INSERT_TAIL(&tunnels, t, entry);
	}
	/* what a killed predecessor left behind goes first */
	if (route_flush_ours(&removed, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	else if (removed > 0)
		log_info("removed %d stale route(s) of ours", removed);
	if (!fw_ready && pconf->firewall == FW_IPTABLES) {
		if (fw_init(FW_BACKEND_IPTABLES, err, sizeof(err)) == -1) {
			/* a kill switch that cannot hold must not look like
			   one that does: fail closed by not starting */
			TAILQ_FOREACH(t, &tunnels, entry)
				if (t->conf->kill_switch != KS_NO)
					fatalx("firewall: %s; tunnel %s has a "
					    "kill switch, refusing to run "
					    "without it", err, t->conf->name);
			log_warnx("firewall: %s; continuing without firewall "
			    "rules", err);
		} else {
			fw_ready = 1;
			log_info("firewall: %s", fw_backend_name());
		}
	}
	if (fw_ready) {
		fw_configured(all, &n);
		if (fw_cleanup_stale(all, n, held, err, sizeof(err)) == -1)
			log_warnx("firewall: %s", err);
		/* a block kept from before a crash is ours to lift on down
		   (fw_configured lists the tunnels in this order) */
		i = 0;
		TAILQ_FOREACH(t, &tunnels, entry) {
			if (i < n && (held[i] ||
			    t->conf->kill_switch == KS_ALWAYS))
				t->fw_added = 1;
			i++;
		}
	}
	if (nl_fd == -1) {
		if ((nl_fd = ifaddr_watch_open()) == -1)
			fatal("netlink");
		ev_nl = event_new(evbase, nl_fd, EV_READ | EV_PERSIST, nl_cb,
		    NULL);
		event_add(ev_nl, NULL);
	}
}

void
tunnels_shutdown(void)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry)
		if (t->state != TS_DOWN)
			tunnel_down(t, 0);
}

/* The daemon is exiting: only `kill-switch always` blocks may stay. */
void
tunnels_final(void)
{
	struct tunnel *t;
	struct fw_tunnel all[64];
	char err[PC_ERR_MAX];
	int n, removed;

	fwq_drain();
	TAILQ_FOREACH(t, &tunnels, entry) {
		if (t->pppd_pid > 0)
			kill(t->pppd_pid, SIGKILL);
		cleanup_resources(t);
	}
	if (fw_ready) {
		fw_configured(all, &n);
		if (fw_shutdown_all(all, n, err, sizeof(err)) == -1)
			log_warnx("firewall: %s", err);
	}
	if (route_flush_ours(&removed, err, sizeof(err)) == -1)
		log_warnx("%s", err);
}

/* Reload: the tunnels of the old config go, all of them settled. */
void
tunnels_free(void)
{
	struct tunnel *t;

	while ((t = TAILQ_FIRST(&tunnels)) != NULL) {
		TAILQ_REMOVE(&tunnels, t, entry);
		timer_clear(t);
		if (t->ev_io != NULL)
			event_free(t->ev_io);
		if (t->ev_pppdlog != NULL)
			event_free(t->ev_pppdlog);
		free(t);
	}
}

int
tunnels_all_down(void)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry)
		if (t->state != TS_DOWN && t->state != TS_FAILED)
			return 0;
	return 1;
}
