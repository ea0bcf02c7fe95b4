/*
 * The parent's set of tunnels: made from the config at start and reload,
 * with what a killed predecessor left behind removed first; looked up by
 * id and name; taken down when the daemon stops; and the firewall's side
 * of each (its rules described for the backend, its counters read and
 * zeroed). One tunnel's life is parent_tunnel.c and parent_fsm.c.
 */
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

struct tunnel_list	 tunnels = TAILQ_HEAD_INITIALIZER(tunnels);
static int		 nl_fd = -1;
static struct event	*ev_nl;
static int		 fw_ready;
static uint32_t		 next_id = 1;	/* ids are never used twice */

int
tunnel_fw_ready(void)
{
	return fw_ready;
}

void
tunnel_fw_fill(const struct tunnel *t, struct fw_tunnel *fw)
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

/* Was this id ever a tunnel's (perhaps of a config a reload replaced)? */
int
tunnel_id_issued(uint32_t id)
{
	return id != 0 && id < next_id;
}

struct tunnel *
tunnel_byname(const char *name)
{
	struct tunnel *t;

	/* one a reload removed is going, and is nobody's by name */
	TAILQ_FOREACH(t, &tunnels, entry)
		if (!t->retired && strcmp(t->conf->name, name) == 0)
			return t;
	return NULL;
}

static void
fw_logged(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	struct tunnel *t = tunnel_byid((uint32_t)(uintptr_t)arg);

	if (rc != 0)
		log_warnx("tunnel %s: firewall: %s", t != NULL ?
		    t->conf->name : "?", err);
}

static void
nl_cb(evutil_socket_t fd, short ev, void *arg)
{
	tunnel_netlink_read(fd);
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

	if (!fw_ready || t->fw == FWR_NONE || (cj = malloc(sizeof(*cj))) == NULL) {
		parent_send_control(M_CTL_COUNTERS, peer, cc, sizeof(*cc));
		return;
	}
	cj->peer = peer;
	cj->cc = *cc;
	tunnel_fw_fill(t, &fw);
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
	if (!fwq_busy())
		parent_ctl_counters_done(peer);
	else if (fwq_submit(FWQ_READS_DONE, NULL, 0, counters_end,
	    (void *)(uintptr_t)peer) == -1)
		parent_ctl_counters_busy(peer);
}

void
tunnel_fw_zero(struct tunnel *t)
{
	struct fw_tunnel fw;

	if (!fw_ready || t->fw == FWR_NONE)
		return;
	tunnel_fw_fill(t, &fw);
	fwq_submit(FWQ_ZERO, &fw, 0, fw_logged,
	    (void *)(uintptr_t)t->id);
}

static void
fw_configured(struct fw_tunnel *all, int *n)
{
	struct tunnel *t;

	*n = 0;
	TAILQ_FOREACH(t, &tunnels, entry) {
		if (*n >= 64)
			break;
		tunnel_fw_fill(t, &all[*n]);
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

/* The configured backend. One that cannot start means no rules at all,
   which only a config without a kill switch may run with. */
static void
firewall_start(void)
{
	struct tunnel *t;
	char err[PC_ERR_MAX];
	int kind;

	switch (pconf->firewall) {
	case FW_NFTABLES:
		kind = FW_BACKEND_NFTABLES;
		break;
	case FW_IPTABLES:
		kind = FW_BACKEND_IPTABLES;
		break;
	default:
		kind = FW_BACKEND_AUTO;
		break;
	}
	if (fw_init(kind, err, sizeof(err)) == -1) {
		/* a kill switch that cannot hold must not look like one
		   that does: fail closed by not starting */
		TAILQ_FOREACH(t, &tunnels, entry)
			if (t->conf->kill_switch != KS_NO)
				fatalx("firewall: %s; tunnel %s has a kill "
				    "switch, refusing to run without it", err,
				    t->conf->name);
		log_warnx("firewall: %s; continuing without firewall rules",
		    err);
		return;
	}
	fw_ready = 1;
	if (*fw_backend_why() != '\0')
		log_info("firewall: %s (firewall %s: %s)", fw_backend_name(),
		    config_firewall_str(pconf->firewall), fw_backend_why());
	else
		log_info("firewall: %s", fw_backend_name());
}

/* A tunnel of the config, down, at the end of the list. */
struct tunnel *
tunnel_new(struct tunnel_conf *tc)
{
	struct tunnel *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		fatal("calloc");
	t->id = next_id++;
	t->conf = tc;
	t->fsm = TF_DOWN;
	t->want = WANT_DOWN;
	t->since = time(NULL);
	t->tcp_fd = t->pppd_log_fd = t->kfd = t->pty_master = -1;
	t->pppd_pid = -1;
	TAILQ_INSERT_TAIL(&tunnels, t, entry);
	return t;
}

/* The DNS backend, and what a daemon that died left in it. */
static void
dns_start(void)
{
	static int done;
	struct tunnel *t;
	char names[64][IFNAMSIZ], *ifnames[64], err[PC_ERR_MAX];
	int n = 0;

	if (done++)
		return;
	TAILQ_FOREACH(t, &tunnels, entry)
		if (t->conf->dns && n < 64 &&
		    pppd_ifname(t->conf->name, names[n], IFNAMSIZ) == 0) {
			ifnames[n] = names[n];
			n++;
		}
	if (dns_init(ifnames, n, err, sizeof(err)) == -1)
		log_warnx("DNS: %s", err);
	else if (n > 0)
		log_info("DNS: %s", dns_backend_name());
}

void
tunnels_init(void)
{
	struct tunnel_conf *tc;
	struct tunnel *t;
	struct fw_tunnel all[64];
	char err[PC_ERR_MAX];
	int n, i, removed, held[64];

	TAILQ_FOREACH(tc, &pconf->tunnels, entry)
		tunnel_new(tc);
	/* what a killed predecessor left behind goes first */
	if (route_flush_ours(&removed, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	else if (removed > 0)
		log_info("removed %d stale route(s) of ours", removed);
	if (!fw_ready && pconf->firewall != FW_NONE)
		firewall_start();
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
				t->fw = FWR_BLOCK;
			i++;
		}
	}
	dns_start();
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
		if (t->fsm != TF_DOWN)
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
		tunnel_cleanup(t);
	}
	if (fw_ready) {
		fw_configured(all, &n);
		if (fw_shutdown_all(all, n, err, sizeof(err)) == -1)
			log_warnx("firewall: %s", err);
	}
	if (route_flush_ours(&removed, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	tunnels_reload_final();
}

/* A tunnel with nothing of it left running goes from the list. */
void
tunnel_free(struct tunnel *t)
{
	TAILQ_REMOVE(&tunnels, t, entry);
	tunnel_timer_clear(t);
	if (t->ev_io != NULL)
		event_free(t->ev_io);
	if (t->ev_pppdlog != NULL)
		event_free(t->ev_pppdlog);
	free(t);
}

int
tunnels_all_down(void)
{
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry)
		if (tunnel_state(t) != TS_DOWN && tunnel_state(t) != TS_FAILED)
			return 0;
	return 1;
}
