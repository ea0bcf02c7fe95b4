/*
 * The parent: a tunnel's life as one state machine. Whatever order the
 * events arrive in, the table below decides what happens; a pair that is
 * not in it is ignored (and logged with -v), so a late or stray report
 * (a firewall job finishing after a down, the engine closing a call that
 * is already being stopped) cannot move a tunnel where it should not be.
 *
 * An action may name the event that follows from it (pppd is already
 * gone: go on to the engine). Events that arrive while the machine runs
 * (a firewall job that finishes at once, for instance) wait their turn in
 * the tunnel's small queue, so an action never runs inside another.
 */
#include <stdio.h>
#include <string.h>

#include "pptpd-client/parent.h"
#include "pptpd-client/parent_fsm.h"
#include "privsep/log.h"

#define S(x)		(1u << (x))
#define S_RUNNING	(S(TF_CALLING) | S(TF_PPP) | S(TF_IFACE) | S(TF_UP))
#define S_STOPPING	(S(TF_STOP_PPPD) | S(TF_STOP_ENGINE) | S(TF_STOP_FW))
#define S_IDLE		(S(TF_DOWN) | S(TF_FAILED) | S(TF_WAITING))
#define A(fn)		fn, #fn
#define NOACT		NULL, "-"

static const struct tunnel_transition table[] = {
	/* going up */
	{ S(TF_DOWN) | S(TF_FAILED), TE_UP,	A(act_start),	TF_CONNECTING },
	{ S(TF_WAITING),	TE_UP,		A(act_start_now), TF_CONNECTING },
	{ S(TF_WAITING),	TE_TIMER,	A(act_retry),	TF_CONNECTING },
	{ S(TF_CONNECTING),	TE_CONNECTED,	A(act_call),	TF_CALLING },
	{ S(TF_CALLING),	TE_CALL_UP,	A(act_call_up),	TF_PPP },
	{ S(TF_IFACE),		TE_CALL_UP,	A(act_call_up),	TF_SAME },
	{ S(TF_CALLING) | S(TF_PPP), TE_IFACE_UP, A(act_routes), TF_IFACE },
	{ S(TF_IFACE),		TE_FW_IFACE_DONE, NOACT,	TF_UP },

	/* a fault, or a person's down: the stop begins with pppd, so that
	   its LCP Terminate still reaches the server */
	{ S(TF_CONNECTING) | S_RUNNING, TE_FAIL, A(act_stop),	TF_STOP_PPPD },
	{ S_RUNNING,		TE_ENGINE_CLOSED, A(act_stop),	TF_STOP_PPPD },
	{ S_RUNNING,		TE_ENGINE_LOST,	A(act_stop),	TF_STOP_PPPD },
	/* pppd starts with the connect (user path) */
	{ S(TF_CONNECTING) | S_RUNNING, TE_PPPD_EXITED, A(act_stop), TF_STOP_PPPD },
	{ S_RUNNING,		TE_LINK_DEAD,	A(act_link_dead), TF_STOP_PPPD },
	{ S(TF_CONNECTING) | S_RUNNING, TE_DOWN, A(act_down),	TF_STOP_PPPD },

	/* stopping: pppd, then the engine, then the firewall */
	{ S(TF_STOP_PPPD),	TE_PPPD_EXITED,	A(act_stop_engine), TF_STOP_ENGINE },
	{ S(TF_STOP_PPPD),	TE_TIMER,	A(act_kill_pppd), TF_SAME },
	/* the engine went first: only its cause counts now */
	{ S(TF_STOP_PPPD),	TE_ENGINE_CLOSED, NOACT,	TF_SAME },
	{ S(TF_STOP_PPPD),	TE_ENGINE_LOST,	NOACT,		TF_SAME },
	{ S(TF_STOP_ENGINE),	TE_ENGINE_CLOSED, A(act_stop_fw), TF_STOP_FW },
	{ S(TF_STOP_ENGINE),	TE_ENGINE_LOST,	A(act_stop_fw),	TF_STOP_FW },
	{ S(TF_STOP_ENGINE),	TE_TIMER,	A(act_engine_timeout), TF_SAME },
	{ S(TF_STOP_FW),	TE_FW_DOWN_DONE, A(act_stop_fw), TF_SAME },
	{ S(TF_STOP_FW),	TE_STOPPED,	A(act_settle),	TF_DOWN },
	{ S_STOPPING,		TE_DOWN,	A(act_want_down), TF_SAME },
	{ S_STOPPING,		TE_UP,		A(act_want_restart), TF_SAME },

	/* settled; a down here still lifts a kept kill switch */
	{ S_IDLE,		TE_DOWN,	A(act_down_idle), TF_STOP_FW },
	{ S(TF_DOWN),		TE_RETRY,	A(act_backoff),	TF_WAITING },
	{ S(TF_DOWN),		TE_GIVE_UP,	A(act_fail),	TF_FAILED },
};

static const char *const state_names[TF_MAX] = {
	[TF_DOWN] = "down",		[TF_CONNECTING] = "connecting",
	[TF_CALLING] = "calling",	[TF_PPP] = "ppp",
	[TF_IFACE] = "iface",		[TF_UP] = "up",
	[TF_STOP_PPPD] = "stop-pppd",	[TF_STOP_ENGINE] = "stop-engine",
	[TF_STOP_FW] = "stop-firewall",	[TF_WAITING] = "waiting",
	[TF_FAILED] = "failed",
};

static const char *const event_names[TE_MAX] = {
	[TE_NONE] = "none",		[TE_UP] = "up",
	[TE_DOWN] = "down",		[TE_CONNECTED] = "connected",
	[TE_CALL_UP] = "call up",	[TE_IFACE_UP] = "interface up",
	[TE_FW_IFACE_DONE] = "firewall interface done",
	[TE_FW_DOWN_DONE] = "firewall down done",
	[TE_ENGINE_CLOSED] = "engine closed",
	[TE_PPPD_EXITED] = "pppd exited",
	[TE_LINK_DEAD] = "link dead",
	[TE_ENGINE_LOST] = "engine lost",
	[TE_FAIL] = "fail",		[TE_TIMER] = "timer",
	[TE_STOPPED] = "stopped",	[TE_RETRY] = "retry",
	[TE_GIVE_UP] = "give up",
};

const char *
tunnel_fsm_state_name(enum tunnel_fsm_state s)
{
	return s < TF_MAX ? state_names[s] : "?";
}

const char *
tunnel_event_name(enum tunnel_event e)
{
	return e < TE_MAX ? event_names[e] : "?";
}

enum tunnel_state
tunnel_state_of(enum tunnel_fsm_state s)
{
	switch (s) {
	case TF_DOWN:		return TS_DOWN;
	case TF_CONNECTING:	return TS_CONNECTING;
	case TF_CALLING:	return TS_CALLING;
	case TF_PPP:
	case TF_IFACE:		return TS_PPP;
	case TF_UP:		return TS_UP;
	case TF_WAITING:	return TS_WAITING;
	case TF_FAILED:		return TS_FAILED;
	default:		return TS_STOPPING;
	}
}

const struct tunnel_transition *
tunnel_transition(enum tunnel_fsm_state s, enum tunnel_event e)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((table[i].states & S(s)) && table[i].event == e)
			return &table[i];
	return NULL;
}

/* The rule for last_error (see enum cause_rank): 1 if c became it. */
int
tunnel_cause(struct tunnel *t, const struct cause *c)
{
	if (c->rank <= t->cause_rank || c->text == NULL || c->text[0] == '\0')
		return 0;
	t->cause_rank = c->rank;
	/* the engine's words may carry the server's: nothing unprintable */
	log_vis(t->last_error, sizeof(t->last_error), c->text);
	log_warnx("tunnel %s: %s", t->conf->name, t->last_error);
	return 1;
}

/* Everything is undone: what now, given the wish and the cause. */
enum tunnel_event
tunnel_settle_next(enum tunnel_want want, int persist, enum cause_rank rank)
{
	switch (want) {
	case WANT_DOWN:
		return TE_NONE;
	case WANT_RESTART:
		return TE_UP;
	default:
		if (persist == PERSIST_ALWAYS ||
		    (persist == PERSIST_YES && rank != CAUSE_PERMANENT))
			return TE_RETRY;
		return TE_GIVE_UP;
	}
}

/*
 * The parent numbers each hand-over of a tunnel to the engine (1, 2, ...):
 * generation is the latest, holds says whether that call is still the
 * engine's. A report about it is an event; about an earlier one, or about
 * the latest after the engine gave it back or missed its deadline, it is
 * stale (it crossed our own message); about a later one, or call 0, it
 * cannot come from an honest engine.
 */
enum engine_verdict
tunnel_engine_verdict(int holds, uint32_t generation, uint32_t reported)
{
	if (reported == 0 || reported > generation)
		return ENGINE_FORGED;
	if (reported == generation && holds)
		return ENGINE_ACCEPT;
	return ENGINE_STALE;
}

static void
evq_push(struct tunnel *t, enum tunnel_event ev, const struct cause *c,
    int front)
{
	struct tunnel_pending *p;
	unsigned i;

	/* a handful is the most one event can bring about: more is a bug */
	if (t->nevq == TUNNEL_EVQ_MAX)
		fatalx("tunnel %s: event queue full at %s", t->conf->name,
		    tunnel_event_name(ev));
	if (front) {
		t->evq_head = (t->evq_head + TUNNEL_EVQ_MAX - 1) %
		    TUNNEL_EVQ_MAX;
		i = t->evq_head;
	} else
		i = (t->evq_head + t->nevq) % TUNNEL_EVQ_MAX;
	t->nevq++;
	p = &t->evq[i];
	p->event = ev;
	p->rank = c != NULL ? c->rank : CAUSE_NONE;
	strlcpy(p->text, c != NULL && c->text != NULL ? c->text : "",
	    sizeof(p->text));
}

static void
fsm_step(struct tunnel *t, const struct tunnel_pending *p)
{
	const struct tunnel_transition *tr;
	enum tunnel_fsm_state from = t->fsm;
	enum tunnel_event follow;
	struct cause c = { p->rank, p->text };

	if ((tr = tunnel_transition(from, p->event)) == NULL) {
		log_debug("tunnel %s: %s ignored in %s", t->conf->name,
		    tunnel_event_name(p->event), tunnel_fsm_state_name(from));
		return;
	}
	if (p->rank != CAUSE_NONE)
		tunnel_cause(t, &c);
	/* a timer belongs to the state that set it */
	if (tr->next != TF_SAME && tr->next != from)
		tunnel_timer_clear(t);
	follow = tr->action != NULL ? tr->action(t) : TE_NONE;
	if (tr->next != TF_SAME)
		t->fsm = tr->next;
	log_debug("tunnel %s: %s in %s: %s, now %s", t->conf->name,
	    tunnel_event_name(p->event), tunnel_fsm_state_name(from),
	    tr->action_name, tunnel_fsm_state_name(t->fsm));
	if (follow != TE_NONE)
		evq_push(t, follow, NULL, 1);
}

/*
 * Feeds one event (with the cause it reports, or NULL) to the tunnel's
 * machine, and everything that follows from it. pptpctl hears of the
 * change once, when the machine rests.
 */
void
tunnel_fsm(struct tunnel *t, enum tunnel_event ev, const struct cause *c)
{
	struct tunnel_pending p;
	enum tunnel_state before;

	evq_push(t, ev, c, 0);
	if (t->in_fsm)
		return;
	t->in_fsm = 1;
	before = tunnel_state_of(t->fsm);
	while (t->nevq > 0) {
		p = t->evq[t->evq_head];
		t->evq_head = (t->evq_head + 1) % TUNNEL_EVQ_MAX;
		t->nevq--;
		fsm_step(t, &p);
	}
	t->in_fsm = 0;
	if (tunnel_state_of(t->fsm) != before)
		tunnel_announce(t, before);
}
