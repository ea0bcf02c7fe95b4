/*
 * The parent's answers to pptpctl requests that the control process relays
 * (already checked there for permission). Each request ends with exactly
 * one M_CTL_END for its peer; `down` answers once the tunnel has settled,
 * counters once the engine has replied for every tunnel.
 */
#include <stdio.h>
#include <string.h>

#include "pptpd-client/parent.h"
#include "privsep/log.h"

static void
end(uint32_t peer, uint32_t result, const char *fmt, const char *arg)
{
	struct ctl_end e;

	memset(&e, 0, sizeof(e));
	e.result = result;
	if (fmt != NULL)
		snprintf(e.message, sizeof(e.message), fmt, arg);
	parent_send_control(M_CTL_END, peer, &e, sizeof(e));
}

/* `down` requests waiting for their tunnels to settle */
static struct {
	uint32_t	peer;
	int		remaining;
} pend[32];

void
parent_ctl_settled(uint32_t peer)
{
	size_t i;

	for (i = 0; i < sizeof(pend) / sizeof(pend[0]); i++) {
		if (pend[i].peer != peer || pend[i].remaining == 0)
			continue;
		if (--pend[i].remaining == 0) {
			pend[i].peer = 0;
			end(peer, CTL_OK, NULL, NULL);
		}
		return;
	}
}

/*
 * counters requests waiting for the engine: how many tunnels' replies are
 * still owed, and whether the end marker came. The engine answers each
 * request once per tunnel asked, then the marker; more is not an answer.
 */
static struct counting {
	uint32_t	peer;
	int		owed;
	int		ended;
}		counting[CTL_MAX_CLIENTS];	/* one per client at most */

/* peer's slot, or with peer 0 a free one */
static struct counting *
counting_find(uint32_t peer)
{
	size_t i;

	for (i = 0; i < sizeof(counting) / sizeof(counting[0]); i++)
		if (counting[i].peer == peer)
			return &counting[i];
	return NULL;
}

static int
counting_take(uint32_t peer)
{
	struct counting *k;

	if (peer == 0 || (k = counting_find(peer)) == NULL)
		return 0;
	memset(k, 0, sizeof(*k));
	return 1;
}

static struct counting *
counting_add(uint32_t peer)
{
	struct counting *k;

	if ((k = counting_find(0)) == NULL)
		return NULL;
	memset(k, 0, sizeof(*k));
	k->peer = peer;
	return k;
}

/* Is a counters reply from the engine still wanted by someone? */
int
parent_ctl_counting(uint32_t peer)
{
	return peer != 0 && counting_find(peer) != NULL;
}

/* A counters reply (tunnel: for one tunnel, not the end marker) from the
   engine: owed, late, or more than was asked. */
enum engine_verdict
parent_ctl_counters_expected(uint32_t peer, int tunnel)
{
	struct counting *k;

	if (peer == 0 || (k = counting_find(peer)) == NULL)
		return ENGINE_STALE;
	if (k->ended || (tunnel ? k->owed == 0 : k->owed != 0))
		return ENGINE_FORGED;
	if (tunnel)
		k->owed--;
	else
		k->ended = 1;
	return ENGINE_ACCEPT;
}

void
parent_ctl_counters_done(uint32_t peer)
{
	if (counting_take(peer))
		end(peer, CTL_OK, NULL, NULL);
}

/*
 * The end could not be queued behind the firewall reads still owed to
 * peer: an end now would overtake them, so the request fails instead.
 */
void
parent_ctl_counters_busy(uint32_t peer)
{
	if (counting_take(peer))
		end(peer, CTL_FAILED, "%s", "too many counters requests at "
		    "once; try again");
}

/* The engine died: nobody will answer what it was asked. */
void
parent_ctl_engine_lost(void)
{
	size_t i;

	for (i = 0; i < sizeof(counting) / sizeof(counting[0]); i++)
		if (counting[i].peer != 0) {
			end(counting[i].peer, CTL_FAILED, "%s", "the engine "
			    "process died and is being restarted; try again");
			memset(&counting[i], 0, sizeof(counting[i]));
		}
}

/* The control process died: its clients, and their requests, are gone. */
void
parent_ctl_control_lost(void)
{
	struct tunnel *t;

	memset(counting, 0, sizeof(counting));
	memset(pend, 0, sizeof(pend));
	TAILQ_FOREACH(t, &tunnels, entry)
		t->ndown_waiters = 0;
}

static int
needs_down(const struct tunnel *t)
{
	return t->fsm != TF_DOWN || t->fw != FWR_NONE;
}

static int
match(const struct tunnel *t, const char *name)
{
	return name[0] == '\0' || strcmp(t->conf->name, name) == 0;
}

void
parent_ctl_request(uint32_t peer, const struct ctl_request *req)
{
	struct ctl_status st;
	struct counting *k;
	struct tunnel *t;
	char err[PC_ERR_MAX];
	int waiting = 0;
	size_t i;

	if (req->name[0] != '\0' && tunnel_byname(req->name) == NULL) {
		end(peer, CTL_FAILED, "no tunnel named \"%s\"", req->name);
		return;
	}
	switch (req->cmd) {
	case CTL_STATUS:
	case CTL_MONITOR:
		TAILQ_FOREACH(t, &tunnels, entry) {
			if (!match(t, req->name))
				continue;
			tunnel_status(t, &st);
			parent_send_control(M_CTL_STATUS, peer, &st,
			    sizeof(st));
		}
		end(peer, CTL_OK, NULL, NULL);
		break;
	case CTL_COUNTERS:
		/* the engine answers each in order; the END follows them */
		if ((k = counting_add(peer)) == NULL) {
			end(peer, CTL_FAILED, "%s", "too many counters requests "
			    "at once; try again");
			return;
		}
		TAILQ_FOREACH(t, &tunnels, entry) {
			if (!match(t, req->name))
				continue;
			k->owed++;
			if (parent_send_engine(M_COUNTERS_REQ, t->id, peer, -1,
			    NULL, 0) == -1) {
				counting_take(peer);
				end(peer, CTL_FAILED, "%s", "the engine is "
				    "restarting; try again");
				return;
			}
		}
		/* the engine echoes this END back through a counters
		   request with no tunnel: see engine.c */
		parent_send_engine(M_COUNTERS_REQ, 0, peer, -1, NULL, 0);
		break;
	case CTL_CLEAR:
		TAILQ_FOREACH(t, &tunnels, entry) {
			if (!match(t, req->name))
				continue;
			parent_send_engine(M_COUNTERS_CLEAR, t->id, 0, -1,
			    NULL, 0);
			tunnel_kernel_clear(t);
			tunnel_fw_zero(t);
		}
		end(peer, CTL_OK, NULL, NULL);
		break;
	case CTL_UP:
		TAILQ_FOREACH(t, &tunnels, entry)
			if (match(t, req->name))
				tunnel_up(t);
		end(peer, CTL_OK, NULL, NULL);
		break;
	case CTL_DOWN:
		/* a tunnel that is down may still hold a kept kill switch */
		for (i = 0; i < sizeof(pend) / sizeof(pend[0]); i++)
			if (pend[i].remaining == 0)
				break;
		TAILQ_FOREACH(t, &tunnels, entry)
			if (match(t, req->name) && needs_down(t))
				waiting++;
		if (waiting == 0 || i == sizeof(pend) / sizeof(pend[0])) {
			/* nothing to wait for, or too many waiting already:
			   answer now, the tunnels still go down */
			TAILQ_FOREACH(t, &tunnels, entry)
				if (match(t, req->name) && needs_down(t))
					tunnel_down(t, 0);
			end(peer, CTL_OK, NULL, NULL);
			break;
		}
		pend[i].peer = peer;
		pend[i].remaining = waiting;
		TAILQ_FOREACH(t, &tunnels, entry)
			if (match(t, req->name) && needs_down(t))
				tunnel_down(t, peer);
		break;
	case CTL_RELOAD:
		if (parent_reload(err, sizeof(err)) == -1)
			end(peer, CTL_FAILED, "%s", err);
		else
			end(peer, CTL_OK, NULL, NULL);
		break;
	default:
		end(peer, CTL_BADREQ, "unknown command %s", "");
		break;
	}
}
