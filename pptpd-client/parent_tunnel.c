/*
 * The parent's work for one tunnel: resolve the server, firewall rules,
 * the host route, connect TCP 1723, open the GRE socket, start pppd,
 * install routes once the interface is up, and undo all of it in reverse.
 * These are the actions of the tunnel's state machine (parent_fsm.c),
 * which alone decides when each runs; the reports that arrive here (the
 * engine, pppd, netlink, the firewall queue, timers) become its events.
 * The protocol itself runs in the engine; this file never parses a byte
 * from the network.
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

#include "pptpd-client/parent.h"
#include "privsep/parent/firewall.h"
#include "privsep/log.h"
#include "privsep/parent/route.h"
#include "privsep/parent/sockets.h"

#define PPPD_TERM_WAIT_S	4
#define PPPD_GRACE_MS		1000	/* see act_stop */
#define ENGINE_STOP_WAIT_S	3
#define STABLE_S		60	/* up this long: the next failure is new */

/* ---- helpers ----------------------------------------------------------- */

static enum tunnel_event
fail(struct tunnel *t, enum cause_rank rank, const char *err)
{
	tunnel_cause(t, &(struct cause){ rank, err });
	return TE_FAIL;
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	tunnel_fsm(arg, TE_TIMER, NULL);
}

static void
timer_set(struct tunnel *t, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	tunnel_timer_clear(t);
	t->ev_timer = evtimer_new(evbase, timer_cb, t);
	evtimer_add(t->ev_timer, &tv);
}

void
tunnel_timer_clear(struct tunnel *t)
{
	if (t->ev_timer != NULL) {
		event_free(t->ev_timer);
		t->ev_timer = NULL;
	}
}

enum tunnel_state
tunnel_state(const struct tunnel *t)
{
	return tunnel_state_of(t->fsm);
}

/* The state pptpctl shows changed: log it, and tell `pptpctl monitor`. */
void
tunnel_announce(struct tunnel *t, enum tunnel_state from)
{
	struct ctl_status st;
	enum tunnel_state s = tunnel_state(t);

	log_info("tunnel %s: %s -> %s%s%s", t->conf->name,
	    tunnel_state_name(from), tunnel_state_name(s),
	    (s == TS_FAILED || s == TS_WAITING) && t->last_error[0] ? ": " : "",
	    (s == TS_FAILED || s == TS_WAITING) ? t->last_error : "");
	t->since = time(NULL);
	if (from == TS_UP && t->up_since > 0)
		t->last_up_s = t->since - t->up_since;
	t->up_since = s == TS_UP ? t->since : 0;
	tunnel_status(t, &st);
	parent_send_control(M_CTL_EVENT, 0, &st, sizeof(st));
	wanted_save();
}

/* A firewall job can outlive its tunnel (a reload frees them all): it
   finds the tunnel again by id. */
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

/* ---- going up ---------------------------------------------------------- */

/*
 * Interface names hold 15 bytes: two tunnels whose names share the first
 * ten would get the same one. The later one takes pptp<id> instead.
 */
static void
ifname_unique(struct tunnel *t)
{
	struct tunnel *o;

	TAILQ_FOREACH(o, &tunnels, entry) {
		if (o == t || tunnel_state(o) == TS_DOWN ||
		    tunnel_state(o) == TS_FAILED ||
		    strcmp(o->ifname, t->ifname) != 0)
			continue;
		snprintf(t->ifname, sizeof(t->ifname), "pptp%u", t->id);
		log_info("tunnel %s: interface %s, as %s is taken",
		    t->conf->name, t->ifname, o->ifname);
		break;
	}
}

/*
 * TCP 1723 is connected and the rules are in: the call goes to the
 * engine, once there is one. After the engine died its restart may come
 * later than a quick retry (a second, for an engine that died young):
 * the attempt waits for it (tunnel_engine_back) instead of handing the
 * call, and pppd's pty, to nobody.
 */
static void
go_call(struct tunnel *t)
{
	if (!parent_engine_up()) {
		log_debug("tunnel %s: waits for the engine", t->conf->name);
		t->tcp_ready = 1;
		return;
	}
	tunnel_fsm(t, TE_CONNECTED, NULL);
}

void
tunnel_engine_back(void)
{
	struct tunnel *t, *next;

	TAILQ_FOREACH_SAFE(t, &tunnels, entry, next)
		if (t->fsm == TF_CONNECTING && t->tcp_ready &&
		    !t->fw_up_pending) {
			t->tcp_ready = 0;
			tunnel_fsm(t, TE_CONNECTED, NULL);
		}
}

/* The tunnel's rules are in, or could not be: then it cannot go on. */
static void
fw_up_done(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (t == NULL)
		return;
	t->fw_up_pending = 0;
	if (rc != 0) {
		t->tcp_ready = 0;
		tunnel_fsm(t, TE_FAIL, &(struct cause){ CAUSE_PERMANENT, err });
		return;
	}
	/* each attempt checks again; the log hears of a change, not of
	   every retry */
	if (err[0] != '\0' && strcmp(err, t->fw_note) != 0)
		log_warnx("tunnel %s: firewall: %s", t->conf->name, err);
	strlcpy(t->fw_note, err, sizeof(t->fw_note));
	if (t->tcp_ready) {
		t->tcp_ready = 0;
		go_call(t);
	}
}

static void
connect_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t = arg;
	char err[PC_ERR_MAX];

	event_free(t->ev_io);
	t->ev_io = NULL;
	if (ev & EV_TIMEOUT) {
		snprintf(err, sizeof(err), "no answer from %s:%d within %u s",
		    inet_ntoa(t->server), PPTP_TCP_PORT,
		    t->conf->connect_timeout_ms / 1000);
		tunnel_fsm(t, TE_FAIL, &(struct cause){ CAUSE_LOCAL, err });
	} else if (sock_tcp_connect_result(t->tcp_fd, t->server,
	    PPTP_TCP_PORT, err, sizeof(err)) == -1)
		tunnel_fsm(t, TE_FAIL, &(struct cause){ CAUSE_LOCAL, err });
	else if (t->fw_up_pending)
		t->tcp_ready = 1;	/* fw_up_done goes on */
	else
		go_call(t);
}

static void
connect_cancel(struct tunnel *t)
{
	if (t->ev_io != NULL) {
		event_free(t->ev_io);
		t->ev_io = NULL;
	}
}

/* Keep the server reachable the way it is now, whatever routes the
   tunnel brings, and connect to it. */
static enum tunnel_event
connect_server(struct tunnel *t)
{
	struct timeval tv;
	char err[PC_ERR_MAX];

	if (route_get(t->server, &t->gw, &t->has_gw, &t->gw_ifindex, err,
	    sizeof(err)) == -1)
		return fail(t, CAUSE_LOCAL, err);
	if (t->has_gw) {
		if (route_add_host(t->server, t->gw, t->has_gw, t->gw_ifindex,
		    err, sizeof(err)) == -1)
			log_warnx("tunnel %s: %s", t->conf->name, err);
		else
			t->host_route = 1;
	}
	if ((t->tcp_fd = sock_tcp_connect_nb(t->server, PPTP_TCP_PORT, err,
	    sizeof(err))) == -1)
		return fail(t, CAUSE_LOCAL, err);
	tv.tv_sec = t->conf->connect_timeout_ms / 1000;
	tv.tv_usec = (t->conf->connect_timeout_ms % 1000) * 1000;
	t->ev_io = event_new(evbase, t->tcp_fd, EV_WRITE, connect_cb, t);
	event_add(t->ev_io, &tv);
	return TE_NONE;
}

static int start_pppd(struct tunnel *);

/* Every attempt starts here: a clean slate, pppd, the rules, the
   connection. */
static enum tunnel_event
begin(struct tunnel *t)
{
	struct fw_tunnel fw;
	char err[PC_ERR_MAX];

	t->want = WANT_UP;
	t->last_error[0] = '\0';
	t->cause_rank = CAUSE_NONE;
	t->ifindex = 0;
	t->if_up = 0;
	t->local.s_addr = t->remote.s_addr = 0;
	t->fw_up_pending = t->tcp_ready = 0;
	t->pppd_grace = 0;
	if (pppd_ifname(t->conf->name, t->ifname, sizeof(t->ifname)) == -1 ||
	    sock_resolve4(t->conf->server, &t->server, err, sizeof(err)) == -1)
		return fail(t, CAUSE_LOCAL, err);
	if (tunnel_kernel_pick(t, err, sizeof(err)) == -1)
		return fail(t, CAUSE_PERMANENT, err);
	ifname_unique(t);
	/*
	 * On the user path pppd starts first: its start (a program with its
	 * plugins: tens of milliseconds on a host, most of a second in a
	 * slow one) overlaps the firewall's work, the connect and the
	 * handshake. Its pty waits here until the engine has the call.
	 */
	if (!t->kernel && start_pppd(t) == -1)
		return TE_FAIL;
	if (tunnel_fw_ready()) {
		/*
		 * The rules go in while the connection is made, not before
		 * it: iptables takes milliseconds on a host but seconds in
		 * a slow one, and a host that drops by default without
		 * accepting replies only costs the first SYN-ACK, which TCP
		 * sends again. The PPTP handshake, and so GRE, waits for
		 * them. (In-process backends are done before this returns.)
		 */
		tunnel_fw_fill(t, &fw);
		fw.ifname[0] = '\0';
		t->fw_up_pending = 1;
		if (fwq_submit(FWQ_UP, &fw, 0, fw_up_done, idarg(t)) == -1) {
			t->fw_up_pending = 0;
			return fail(t, CAUSE_LOCAL, "out of memory");
		}
		t->fw = FWR_FULL;
	}
	return connect_server(t);
}

enum tunnel_event
act_start(struct tunnel *t)
{
	t->reconnects = 0;
	t->failures = 0;
	return begin(t);
}

enum tunnel_event
act_start_now(struct tunnel *t)
{
	return begin(t);
}

enum tunnel_event
act_retry(struct tunnel *t)
{
	t->reconnects++;
	return begin(t);
}

static void
pppd_log_line(const char *line, void *arg)
{
	struct tunnel *t = arg;

	log_debug("tunnel %s: pppd: %s", t->conf->name, line);
}

/*
 * `dns yes`: the peer's servers in force once the interface is up (pppd
 * names them and the interface comes up in either order).
 */
static void
dns_sync(struct tunnel *t)
{
	struct in_addr srv[DNS_SERVERS_MAX];
	char err[PC_ERR_MAX], list[64];
	int i, n = 0;

	if (!t->conf->dns || t->ifindex <= 0)
		return;
	list[0] = '\0';
	for (i = 0; i < DNS_SERVERS_MAX; i++)
		if (t->dns[i].s_addr != INADDR_ANY) {
			srv[n++] = t->dns[i];
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
			    "%s%s", n > 1 ? ", " : "", inet_ntoa(t->dns[i]));
		}
	if (n == 0 || n == t->dns_applied)
		return;
	if (dns_set(t->ifname, srv, n, t->conf->dns_route, err,
	    sizeof(err)) == -1) {
		log_warnx("tunnel %s: DNS: %s", t->conf->name, err);
		return;
	}
	t->dns_applied = n;
	log_info("tunnel %s: DNS servers %s (%s)", t->conf->name, list,
	    dns_backend_name());
}

static void
dns_drop(struct tunnel *t)
{
	char err[PC_ERR_MAX];

	if (t->dns_applied && dns_unset(t->ifname, err, sizeof(err)) == -1)
		log_warnx("tunnel %s: DNS: %s", t->conf->name, err);
	t->dns_applied = 0;
	memset(t->dns, 0, sizeof(t->dns));
}

/* A line read while pppd runs: it may say the link is dead, or name a
   DNS server. */
static void
pppd_log_line_live(const char *line, void *arg)
{
	struct tunnel *t = arg;
	struct in_addr a;
	const char *why;
	int i;

	pppd_log_line(line, arg);
	if ((why = pppd_log_link_dead(line)) != NULL)
		tunnel_fsm(t, TE_LINK_DEAD, &(struct cause){ CAUSE_PPPD, why });
	else if (t->conf->dns && (i = pppd_log_dns(line, &a)) >= 0) {
		t->dns[i] = a;
		dns_sync(t);
	}
}

static void
pppd_log_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t = arg;

	if (pppd_log_read(fd, &t->pppd_log, pppd_log_line_live, t) != 0) {
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
	spec.debug = pconf->pppd_debug;
	spec.allow_pap = t->conf->allow_pap;
	spec.usepeerdns = t->conf->dns;
	/* the file is the parent's to rewrite, not pppd's scripts' */
	spec.no_ip_scripts = t->conf->dns && dns_backend_kind() == DNS_FILE;
	spec.lcp_echo_interval = t->conf->lcp_echo_interval;
	spec.lcp_echo_failure = t->conf->lcp_echo_failure;
	if (t->kernel) {
		spec.kernel_plugin = tunnel_kernel_plugin();
		spec.chan_fd = t->kfd;
	}
	memset(&t->pppd_log, 0, sizeof(t->pppd_log));
	if (pppd_spawn(&spec, t->conf->password, &master, &t->pppd_log_fd,
	    &t->pppd_pid, err, sizeof(err)) == -1) {
		tunnel_cause(t, &(struct cause){ CAUSE_PERMANENT, err });
		return -1;
	}
	t->ev_pppdlog = event_new(evbase, t->pppd_log_fd, EV_READ | EV_PERSIST,
	    pppd_log_cb, t);
	event_add(t->ev_pppdlog, NULL);
	log_debug("tunnel %s: pppd pid %d on %s", t->conf->name,
	    (int)t->pppd_pid, t->ifname);
	if (t->kernel)
		tunnel_kernel_close(t);	/* pppd has it */
	else
		t->pty_master = master;	/* the engine's once it has the call */
	return 0;
}

/* pppd's pty that never reached the engine: closed, pppd exits at once
 * (it has no call to say goodbye on) */
static void
pty_master_drop(struct tunnel *t)
{
	if (t->pty_master >= 0) {
		close(t->pty_master);
		t->pty_master = -1;
	}
}

/*
 * TCP 1723 is connected: the engine takes the call. On the user path
 * pppd is already starting (begin) and its pty goes to the engine now;
 * on the kernel path the call's socket is made now (its id goes into the
 * request) and pppd starts once the call is up.
 */
enum tunnel_event
act_call(struct tunnel *t)
{
	struct m_tunnel_start ts;
	char err[PC_ERR_MAX];
	uint16_t call_id = 0;
	int gre = -1;

	if (t->kernel ? tunnel_kernel_open(t, t->tcp_fd, &call_id, err,
	    sizeof(err)) == -1 :
	    (gre = sock_gre_open(t->server, err, sizeof(err))) == -1)
		return fail(t, CAUSE_LOCAL, err);
	memset(&ts, 0, sizeof(ts));
	ts.datapath = t->kernel ? MD_KERNEL : MD_USER;
	ts.call_id = call_id;
	strlcpy(ts.name, t->conf->name, sizeof(ts.name));
	ts.server = t->server;
	ts.connect_timeout_ms = t->conf->connect_timeout_ms;
	ts.echo_interval_ms = t->conf->echo_interval_ms;
	ts.echo_timeout_ms = t->conf->echo_timeout_ms;
	ts.reorder_wait_ms = t->conf->reorder_wait_ms;
	ts.generation = ++t->generation;
	t->engine_holds = 1;
	t->gre_seen = 0;
	parent_send_engine(M_TUNNEL_START, t->id, 0, -1, &ts, sizeof(ts));
	parent_send_engine(M_FD_CTRL, t->id, 0, t->tcp_fd, NULL, 0);
	t->tcp_fd = -1;
	if (t->kernel)
		return TE_NONE;
	parent_send_engine(M_FD_GRE, t->id, 0, gre, NULL, 0);
	/* pppd has been starting since the connect began (begin); the engine
	   holds its first frames until the call is connected */
	parent_send_engine(M_FD_PTY, t->id, 0, t->pty_master, NULL, 0);
	t->pty_master = -1;
	return TE_NONE;
}

/* The call is up (or, on the user path, GRE came): the kernel's socket
   joins the server's call and pppd takes it. */
enum tunnel_event
act_call_up(struct tunnel *t)
{
	char err[PC_ERR_MAX];

	if (!t->kernel || t->kfd < 0)
		return TE_NONE;
	if (tunnel_kernel_connect(t, err, sizeof(err)) == -1)
		return fail(t, CAUSE_LOCAL, err);
	return start_pppd(t) == -1 ? TE_FAIL : TE_NONE;
}

static void
fw_iface_done(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (t == NULL)
		return;
	if (rc != 0)
		log_warnx("tunnel %s: firewall: %s", t->conf->name, err);
	tunnel_fsm(t, TE_FW_IFACE_DONE, NULL);
}

/* The config's routes through the tunnel's interface, in or out. */
static void
routes_apply(struct tunnel *t, int add)
{
	struct route_conf *r;
	char err[PC_ERR_MAX];
	int rc;

	TAILQ_FOREACH(r, &t->conf->routes, entry) {
		if (r->is_default)
			rc = add ? route_add_default_dev(t->ifindex, 0, err,
			    sizeof(err)) : route_del_default_dev(t->ifindex, 0,
			    err, sizeof(err));
		else
			rc = add ? route_add_dev(r->pfx.addr, r->pfx.len,
			    t->ifindex, 0, err, sizeof(err)) :
			    route_del_dev(r->pfx.addr, r->pfx.len, t->ifindex,
			    0, err, sizeof(err));
		/* a route already gone with its interface is no news */
		if (rc == -1 && add)
			log_warnx("tunnel %s: %s", t->conf->name, err);
	}
}

/* The interface is up: its routes, then (the firewall) it is up. */
enum tunnel_event
act_routes(struct tunnel *t)
{
	struct fw_tunnel fw;

	routes_apply(t, 1);
	t->routes_added = 1;
	dns_sync(t);
	if (!tunnel_fw_ready())
		return TE_FW_IFACE_DONE;
	/*
	 * Up only once the firewall is done: the tunnel's rules went in
	 * during the handshake, and a kill switch must let the interface
	 * through. Only a kill switch and forwarding have rules that name
	 * the interface; otherwise the queue's order is all that is needed.
	 */
	tunnel_fw_fill(t, &fw);
	if (fwq_submit(t->conf->kill_switch != KS_NO || t->conf->forward ?
	    FWQ_IFACE : FWQ_NOP, &fw, 0, fw_iface_done, idarg(t)) == -1)
		return TE_FW_IFACE_DONE;
	return TE_NONE;
}

/*
 * pppd sets the address, then the peer address (two netlink events), and
 * brings the link up: the interface is up once it has both addresses and
 * IFF_UP, in whatever order that came.
 */
static void
ifaddr_event(const struct ifaddr_event *e, void *arg)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry) {
		if (e->ifname[0] != '\0' ? strcmp(t->ifname, e->ifname) != 0 :
		    (t->ifindex == 0 || t->ifindex != e->ifindex))
			continue;
		if (t->fsm != TF_CALLING && t->fsm != TF_PPP)
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
		if (t->if_up && t->local.s_addr != 0 && t->remote.s_addr != 0)
			tunnel_fsm(t, TE_IFACE_UP, NULL);
	}
}

void
tunnel_netlink_read(int fd)
{
	if (ifaddr_watch_read(fd, ifaddr_event, NULL) == -1)
		log_warn("netlink");
}

/* ---- stopping ---------------------------------------------------------- */

/* The stop begins with pppd, so that its LCP Terminate reaches the server. */
enum tunnel_event
act_stop(struct tunnel *t)
{
	connect_cancel(t);
	tunnel_kernel_fold(t);	/* the interface goes with pppd */
	pty_master_drop(t);
	if (t->pppd_pid <= 0)
		return TE_PPPD_EXITED;
	/*
	 * The server hung up while PPP negotiated, on the kernel path: why
	 * (a refused password, MPPE) is in a PPP packet the kernel handed
	 * pppd just before, which pppd may not have read yet, and after a
	 * SIGTERM it would not take it in. pppd gets a moment to read and
	 * say it first. (On the user path the engine's closing of the pty
	 * does that: pppd reads what is in it before the hang-up.)
	 */
	if (t->kernel && !t->engine_holds && t->fsm == TF_PPP &&
	    t->want == WANT_UP) {
		t->pppd_grace = 1;
		timer_set(t, PPPD_GRACE_MS);
		return TE_NONE;
	}
	kill(t->pppd_pid, SIGTERM);
	timer_set(t, PPPD_TERM_WAIT_S * 1000);
	return TE_NONE;
}

enum tunnel_event
act_down(struct tunnel *t)
{
	t->want = WANT_DOWN;
	return act_stop(t);
}

/*
 * pppd found the link dead and would wait 6 s for its Terminate-Request
 * to be answered. The engine ends the call instead (the server hears of
 * it over TCP, which may still work), and the closed pty makes pppd exit
 * at once, cleaning up after itself.
 */
enum tunnel_event
act_link_dead(struct tunnel *t)
{
	connect_cancel(t);
	tunnel_kernel_fold(t);
	if (act_stop_engine(t) == TE_ENGINE_CLOSED && t->pppd_pid > 0)
		kill(t->pppd_pid, SIGTERM);
	timer_set(t, PPPD_TERM_WAIT_S * 1000);
	return TE_NONE;
}

enum tunnel_event
act_kill_pppd(struct tunnel *t)
{
	if (t->pppd_grace) {
		/* its moment to read is over (act_stop): now the stop */
		t->pppd_grace = 0;
		kill(t->pppd_pid, SIGTERM);
		timer_set(t, PPPD_TERM_WAIT_S * 1000);
		return TE_NONE;
	}
	log_warnx("tunnel %s: pppd %d did not exit; killing it",
	    t->conf->name, (int)t->pppd_pid);
	kill(t->pppd_pid, SIGKILL);
	/* its reaping is the event that goes on */
	return TE_NONE;
}

enum tunnel_event
act_stop_engine(struct tunnel *t)
{
	struct m_reason r;

	if (!t->engine_holds)
		return TE_ENGINE_CLOSED;
	memset(&r, 0, sizeof(r));
	r.generation = t->generation;
	strlcpy(r.reason, t->want == WANT_DOWN ? "down requested" :
	    t->last_error, sizeof(r.reason));
	if (parent_send_engine(M_TUNNEL_STOP, t->id, 0, -1, &r,
	    sizeof(r)) == -1) {
		t->engine_holds = 0;
		return TE_ENGINE_CLOSED;
	}
	timer_set(t, ENGINE_STOP_WAIT_S * 1000);
	return TE_NONE;
}

/*
 * The engine did not end the call in time: it is killed and restarted,
 * so that nothing the parent passed it (the TCP connection, the GRE
 * socket, the pty) outlives the tunnel. Its death is the event that goes
 * on, for this tunnel and for every other it carried.
 */
enum tunnel_event
act_engine_timeout(struct tunnel *t)
{
	char why[PC_ERR_MAX];

	snprintf(why, sizeof(why), "it did not close tunnel %s's call within "
	    "%d s", t->conf->name, ENGINE_STOP_WAIT_S);
	procs_engine_kill(why);
	return TE_NONE;
}

/* What exists for a running tunnel (but pppd and the rules) goes. */
void
tunnel_cleanup(struct tunnel *t)
{
	struct tunnel *o;
	char err[PC_ERR_MAX];

	connect_cancel(t);
	t->tcp_ready = 0;
	tunnel_kernel_fold(t);
	tunnel_kernel_close(t);
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
	dns_drop(t);
	/* the interface is usually gone with pppd, and its routes with
	   it; deleting again is harmless */
	if (t->routes_added && t->ifindex > 0)
		routes_apply(t, 0);
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
fw_down_done(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = argid(arg);

	if (t == NULL)
		return;
	if (rc != 0)
		log_warnx("tunnel %s: firewall: %s", t->conf->name, err);
	tunnel_fsm(t, TE_FW_DOWN_DONE, NULL);
}

/*
 * pppd and the engine are done: the routes go, then the rules that
 * should. A kill switch stays while the tunnel is meant to be up (a fault,
 * a retry) and with `always`; an explicit down lifts a `yes` one, also one
 * kept from before, also one that a removal now running is keeping. Runs
 * again when each removal is done, until nothing is left to remove.
 */
enum tunnel_event
act_stop_fw(struct tunnel *t)
{
	/* a tunnel a reload removed keeps no kill switch, not even always */
	enum killswitch ks = t->retired ? KS_NO : t->conf->kill_switch;
	struct fw_tunnel fw;
	int keep;

	tunnel_cleanup(t);
	if (t->fw != FWR_FULL && !(t->fw == FWR_BLOCK && ks != KS_ALWAYS &&
	    t->want == WANT_DOWN))
		return TE_STOPPED;
	keep = t->want != WANT_DOWN;
	tunnel_fw_fill(t, &fw);
	fw.kill_switch = ks;
	if (fwq_submit(FWQ_DOWN, &fw, keep, fw_down_done, idarg(t)) == -1)
		return TE_STOPPED;
	/* what is left once the queue has run this */
	t->fw = ks == KS_ALWAYS || (ks == KS_YES && keep) ? FWR_BLOCK :
	    FWR_NONE;
	return TE_NONE;
}

enum tunnel_event
act_down_idle(struct tunnel *t)
{
	t->want = WANT_DOWN;
	return act_stop_fw(t);
}

enum tunnel_event
act_want_down(struct tunnel *t)
{
	t->want = WANT_DOWN;
	return TE_NONE;
}

enum tunnel_event
act_want_restart(struct tunnel *t)
{
	t->want = WANT_RESTART;
	return TE_NONE;
}

static void
answer_waiters(struct tunnel *t)
{
	int i;

	for (i = 0; i < t->ndown_waiters; i++)
		parent_ctl_settled(t->down_waiters[i]);
	t->ndown_waiters = 0;
}

/* Everything is undone: down, or on to waiting, failed or up again. */
enum tunnel_event
act_settle(struct tunnel *t)
{
	answer_waiters(t);
	/* a reload's new settings, or its removal, take effect at rest */
	if (t->next_conf != NULL)
		tunnel_conf_swap(t, t->next_conf);
	if (t->retired)
		tunnels_sweep_soon();
	if (t->want == WANT_DOWN) {
		t->last_error[0] = '\0';
		t->cause_rank = CAUSE_NONE;
	}
	return tunnel_settle_next(t->want, t->conf->persist, t->cause_rank);
}

/*
 * The wait before the next try: 1 s, doubling with each failure up to
 * reconnect-max, and only half of it fixed: the other half is random, so
 * that many clients of one server that went away do not all come back at
 * the same moment. A tunnel that had stayed up a minute starts again at
 * 1 s.
 */
enum tunnel_event
act_backoff(struct tunnel *t)
{
	uint64_t ms;

	if (t->last_up_s >= STABLE_S)
		t->failures = 0;
	t->last_up_s = 0;
	ms = t->failures < 20 ? 1000ULL << t->failures : UINT32_MAX;
	if (ms > (uint64_t)t->conf->reconnect_max_s * 1000)
		ms = (uint64_t)t->conf->reconnect_max_s * 1000;
	ms = ms / 2 + arc4random_uniform(ms / 2 + 1);
	t->failures++;
	t->next_attempt = time(NULL) + (time_t)((ms + 999) / 1000);
	log_info("tunnel %s: next attempt in %llu.%03llu s", t->conf->name,
	    (unsigned long long)ms / 1000, (unsigned long long)ms % 1000);
	timer_set(t, (unsigned)ms);
	return TE_NONE;
}

enum tunnel_event
act_fail(struct tunnel *t)
{
	if (t->last_error[0] == '\0')
		strlcpy(t->last_error, "tunnel ended", sizeof(t->last_error));
	return TE_NONE;
}

/* ---- reports from the engine and from pppd ----------------------------- */

void
tunnel_engine_state(struct tunnel *t, const struct m_engine_state *es)
{
	t->gre_seen = es->gre_seen;
	if (es->state == ES_CONNECTED && t->kernel)
		t->peer_call_id = (uint16_t)es->peer_call_id;
	if (es->state == ES_CONNECTED)
		tunnel_fsm(t, TE_CALL_UP, NULL);
}

void
tunnel_engine_closed(struct tunnel *t, const struct m_engine_state *es)
{
	struct cause c = { CAUSE_PROTOCOL, es->last_error };

	t->engine_holds = 0;
	if (es->last_error[0] == '\0')
		c = (struct cause){ CAUSE_HANGUP, "control connection closed" };
	if (t->want != WANT_UP)
		c.rank = CAUSE_NONE;	/* it only did what it was told */
	tunnel_fsm(t, TE_ENGINE_CLOSED, &c);
}

void
tunnel_engine_lost(void)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry) {
		if (!t->engine_holds)
			continue;
		t->engine_holds = 0;
		tunnel_fsm(t, TE_ENGINE_LOST, &(struct cause){ CAUSE_LOCAL,
		    "the engine process died" });
	}
}

/*
 * How much pppd's exit says. Ended by us, it says nothing, unless PPP
 * itself failed (a refused password outranks the server hanging up); a
 * hang-up is what pppd reports when the engine closed first.
 */
static enum cause_rank
pppd_exit_rank(const struct tunnel *t, int status, const char *hint)
{
	if (pppd_exit_is_permanent(status, hint))
		return CAUSE_PERMANENT;
	if (t->fsm == TF_STOP_PPPD)
		return CAUSE_NONE;
	if (pppd_exit_is_hangup(status, hint))
		return CAUSE_HANGUP;
	return CAUSE_PPPD;
}

/* A signal we did not send is someone else's doing: say which. */
static const char *
pppd_exit_text(const struct tunnel *t, int status, const char *hint,
    char *buf, size_t len)
{
	if (!WIFSIGNALED(status) || t->fsm == TF_STOP_PPPD)
		return pppd_exit_reason(status, hint);
	snprintf(buf, len, "pppd was killed by signal %d (%s)",
	    WTERMSIG(status), strsignal(WTERMSIG(status)));
	return buf;
}

int
tunnel_child_exited(pid_t pid, int status)
{
	struct tunnel *t;
	const char *hint;
	char why[PC_ERR_MAX];

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
		log_debug("tunnel %s: pppd exited (status 0x%x)",
		    t->conf->name, status);
		tunnel_fsm(t, TE_PPPD_EXITED, &(struct cause){
		    pppd_exit_rank(t, status, hint),
		    pppd_exit_text(t, status, hint, why, sizeof(why)) });
		return 1;
	}
	return 0;
}

/* ---- what pptpctl asks ------------------------------------------------- */

void
tunnel_up(struct tunnel *t)
{
	tunnel_fsm(t, TE_UP, NULL);
	wanted_save();
}

/* waiter: the pptpctl request answered once the tunnel has settled */
void
tunnel_down(struct tunnel *t, uint32_t waiter)
{
	if (waiter && t->ndown_waiters < 8)
		t->down_waiters[t->ndown_waiters++] = waiter;
	else if (waiter)
		parent_ctl_settled(waiter);
	tunnel_fsm(t, TE_DOWN, NULL);
	wanted_save();
}

void
tunnel_status(const struct tunnel *t, struct ctl_status *st)
{
	enum tunnel_state s = tunnel_state(t);

	memset(st, 0, sizeof(*st));
	strlcpy(st->name, t->conf->name, sizeof(st->name));
	st->state = s;
	st->reconnects = t->reconnects;
	strlcpy(st->server, t->conf->server, sizeof(st->server));
	st->server_addr = t->server;
	if (s == TS_CALLING || s == TS_PPP || s == TS_UP) {
		strlcpy(st->ifname, t->ifname, sizeof(st->ifname));
		strlcpy(st->datapath, t->kernel ? "kernel" : "user",
		    sizeof(st->datapath));
	}
	st->local = t->local;
	st->remote = t->remote;
	st->since = t->since;
	st->up_since = t->up_since;
	st->next_attempt = s == TS_WAITING ? t->next_attempt : 0;
	strlcpy(st->last_error, t->last_error, sizeof(st->last_error));
	/* the cause, where the host's rules are known to be in the way */
	if (s != TS_DOWN && t->fw_note[0] != '\0')
		strlcpy(st->note, t->fw_note, sizeof(st->note));
	else if (s == TS_PPP && !(t->kernel ? tunnel_kernel_rx_seen(t) :
	    t->gre_seen) && time(NULL) - t->since >= 3)
		snprintf(st->note, sizeof(st->note), "TCP 1723 to %s works "
		    "and the call is connected, but no GRE has arrived from "
		    "the server: a firewall or NAT on the way drops protocol "
		    "47", inet_ntoa(t->server));
}
