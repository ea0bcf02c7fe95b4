/*
 * The tunnel's state machine (pptpd-client/parent_fsm.c), linked alone
 * with stand-ins for its actions. First every (state, event) pair against
 * a table written out here, independently of the one in the code: which
 * action runs and which state follows. Then whole stories in which the
 * reports arrive in the "wrong" order, with stand-in actions that do what
 * the real ones tell the machine (pppd already gone: go on to the engine),
 * checking the state reached and which cause became last_error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pptpd-client/parent.h"

/* ---- stand-ins ---------------------------------------------------------- */

/* What the stand-ins know of the world, in story mode. */
static struct {
	int	stories;	/* 0: every action returns TE_NONE */
	int	pppd_alive;
	int	fw_removing;	/* a firewall removal would be queued */
	char	calls[64][32];	/* actions run, in order */
	int	ncalls;
	int	announced;
	enum tunnel_state announced_from;
} w;

static enum tunnel_event
called(const char *name)
{
	if (w.ncalls < 64)
		strlcpy(w.calls[w.ncalls++], name, sizeof(w.calls[0]));
	return TE_NONE;
}

enum tunnel_event
act_start(struct tunnel *t)
{
	t->want = WANT_UP;
	t->cause_rank = CAUSE_NONE;
	t->last_error[0] = '\0';
	return called("act_start");
}

enum tunnel_event
act_start_now(struct tunnel *t)
{
	return called("act_start_now");
}

enum tunnel_event
act_retry(struct tunnel *t)
{
	return called("act_retry");
}

enum tunnel_event
act_call(struct tunnel *t)
{
	return called("act_call");
}

enum tunnel_event
act_call_up(struct tunnel *t)
{
	return called("act_call_up");
}

enum tunnel_event
act_routes(struct tunnel *t)
{
	return called("act_routes");
}

enum tunnel_event
act_stop(struct tunnel *t)
{
	called("act_stop");
	return w.stories && !w.pppd_alive ? TE_PPPD_EXITED : TE_NONE;
}

enum tunnel_event
act_down(struct tunnel *t)
{
	called("act_down");
	t->want = WANT_DOWN;
	return w.stories && !w.pppd_alive ? TE_PPPD_EXITED : TE_NONE;
}

/* the real one asks the engine to end the call; pppd's exit follows */
enum tunnel_event
act_link_dead(struct tunnel *t)
{
	return called("act_link_dead");
}

enum tunnel_event
act_kill_pppd(struct tunnel *t)
{
	return called("act_kill_pppd");
}

enum tunnel_event
act_stop_engine(struct tunnel *t)
{
	called("act_stop_engine");
	return w.stories && !t->engine_holds ? TE_ENGINE_CLOSED : TE_NONE;
}

/* the real one kills the engine: its death is the next event */
enum tunnel_event
act_engine_timeout(struct tunnel *t)
{
	return called("act_engine_timeout");
}

enum tunnel_event
act_stop_fw(struct tunnel *t)
{
	called("act_stop_fw");
	if (!w.stories)
		return TE_NONE;
	if (w.fw_removing) {
		w.fw_removing = 0;
		return TE_NONE;
	}
	return TE_STOPPED;
}

enum tunnel_event
act_down_idle(struct tunnel *t)
{
	called("act_down_idle");
	t->want = WANT_DOWN;
	return w.stories && !w.fw_removing ? TE_STOPPED : TE_NONE;
}

enum tunnel_event
act_want_down(struct tunnel *t)
{
	t->want = WANT_DOWN;
	return called("act_want_down");
}

enum tunnel_event
act_want_restart(struct tunnel *t)
{
	t->want = WANT_RESTART;
	return called("act_want_restart");
}

enum tunnel_event
act_settle(struct tunnel *t)
{
	called("act_settle");
	if (t->want == WANT_DOWN) {
		t->last_error[0] = '\0';
		t->cause_rank = CAUSE_NONE;
	}
	return w.stories ? tunnel_settle_next(t->want, t->conf->persist,
	    t->cause_rank) : TE_NONE;
}

enum tunnel_event
act_backoff(struct tunnel *t)
{
	return called("act_backoff");
}

enum tunnel_event
act_fail(struct tunnel *t)
{
	return called("act_fail");
}

void
tunnel_announce(struct tunnel *t, enum tunnel_state from)
{
	w.announced++;
	w.announced_from = from;
}

void
tunnel_timer_clear(struct tunnel *t)
{
}

/* ---- fixture ------------------------------------------------------------ */

static struct tunnel_conf conf;
static struct tunnel tun;

static struct tunnel *
fresh(enum tunnel_fsm_state s, int stories)
{
	memset(&w, 0, sizeof(w));
	memset(&tun, 0, sizeof(tun));
	memset(&conf, 0, sizeof(conf));
	strlcpy(conf.name, "lab", sizeof(conf.name));
	tun.conf = &conf;
	tun.fsm = s;
	tun.want = s == TF_DOWN ? WANT_DOWN : WANT_UP;
	w.stories = stories;
	return &tun;
}

static void
ev(struct tunnel *t, enum tunnel_event e, enum cause_rank r,
    const char *text)
{
	struct cause c = { r, text };

	tunnel_fsm(t, e, r == CAUSE_NONE ? NULL : &c);
}

/* ---- every pair ---------------------------------------------------------- */

struct expect {
	const char		*action;	/* NULL: ignored; "-": none */
	enum tunnel_fsm_state	 next;		/* TF_SAME: unchanged */
};

#define IGN	{ NULL, TF_SAME }
#define RUNNING_FAULTS(act)						\
	[TE_FAIL] = { act, TF_STOP_PPPD },				\
	[TE_ENGINE_CLOSED] = { act, TF_STOP_PPPD },			\
	[TE_ENGINE_LOST] = { act, TF_STOP_PPPD },			\
	[TE_PPPD_EXITED] = { act, TF_STOP_PPPD },			\
	[TE_LINK_DEAD] = { "act_link_dead", TF_STOP_PPPD },		\
	[TE_DOWN] = { "act_down", TF_STOP_PPPD }
#define STOPPING_WISHES							\
	[TE_DOWN] = { "act_want_down", TF_SAME },			\
	[TE_UP] = { "act_want_restart", TF_SAME }

/* Unlisted pairs are zero: { NULL, TF_DOWN }, read as "ignored". */
static const struct expect expected[TF_MAX][TE_MAX] = {
	[TF_DOWN] = {
		[TE_UP] = { "act_start", TF_CONNECTING },
		[TE_DOWN] = { "act_down_idle", TF_STOP_FW },
		[TE_RETRY] = { "act_backoff", TF_WAITING },
		[TE_GIVE_UP] = { "act_fail", TF_FAILED },
	},
	[TF_CONNECTING] = {
		[TE_CONNECTED] = { "act_call", TF_CALLING },
		[TE_FAIL] = { "act_stop", TF_STOP_PPPD },
		[TE_PPPD_EXITED] = { "act_stop", TF_STOP_PPPD },
		[TE_DOWN] = { "act_down", TF_STOP_PPPD },
	},
	[TF_CALLING] = {
		[TE_CALL_UP] = { "act_call_up", TF_PPP },
		[TE_IFACE_UP] = { "act_routes", TF_IFACE },
		RUNNING_FAULTS("act_stop"),
	},
	[TF_PPP] = {
		[TE_IFACE_UP] = { "act_routes", TF_IFACE },
		RUNNING_FAULTS("act_stop"),
	},
	[TF_IFACE] = {
		[TE_CALL_UP] = { "act_call_up", TF_SAME },
		[TE_FW_IFACE_DONE] = { "-", TF_UP },
		RUNNING_FAULTS("act_stop"),
	},
	[TF_UP] = {
		RUNNING_FAULTS("act_stop"),
	},
	[TF_STOP_PPPD] = {
		[TE_PPPD_EXITED] = { "act_stop_engine", TF_STOP_ENGINE },
		[TE_TIMER] = { "act_kill_pppd", TF_SAME },
		[TE_ENGINE_CLOSED] = { "-", TF_SAME },
		[TE_ENGINE_LOST] = { "-", TF_SAME },
		STOPPING_WISHES,
	},
	[TF_STOP_ENGINE] = {
		[TE_ENGINE_CLOSED] = { "act_stop_fw", TF_STOP_FW },
		[TE_ENGINE_LOST] = { "act_stop_fw", TF_STOP_FW },
		[TE_TIMER] = { "act_engine_timeout", TF_SAME },
		STOPPING_WISHES,
	},
	[TF_STOP_FW] = {
		[TE_FW_DOWN_DONE] = { "act_stop_fw", TF_SAME },
		[TE_STOPPED] = { "act_settle", TF_DOWN },
		STOPPING_WISHES,
	},
	[TF_WAITING] = {
		[TE_UP] = { "act_start_now", TF_CONNECTING },
		[TE_TIMER] = { "act_retry", TF_CONNECTING },
		[TE_DOWN] = { "act_down_idle", TF_STOP_FW },
	},
	[TF_FAILED] = {
		[TE_UP] = { "act_start", TF_CONNECTING },
		[TE_DOWN] = { "act_down_idle", TF_STOP_FW },
	},
};

static void
test_every_pair(void **state)
{
	const struct expect *x;
	struct tunnel *t;
	int s, e, checked = 0;
	char where[96];

	for (s = 0; s < TF_MAX; s++) {
		for (e = 0; e < TE_MAX; e++) {
			x = &expected[s][e];
			snprintf(where, sizeof(where), "%s + %s",
			    tunnel_fsm_state_name(s), tunnel_event_name(e));
			t = fresh(s, 0);
			ev(t, e, CAUSE_NONE, NULL);
			if (x->action == NULL) {
				if (tunnel_transition(s, e) != NULL)
					fail_msg("%s: expected ignored", where);
				if (w.ncalls != 0 || t->fsm != (unsigned)s)
					fail_msg("%s: ignored, yet it acted",
					    where);
			} else {
				if (tunnel_transition(s, e) == NULL)
					fail_msg("%s: expected a transition",
					    where);
				if (strcmp(x->action, "-") == 0 ?
				    w.ncalls != 0 : (w.ncalls != 1 ||
				    strcmp(w.calls[0], x->action) != 0))
					fail_msg("%s: ran %s, expected %s",
					    where, w.ncalls ? w.calls[0] :
					    "nothing", x->action);
				if (t->fsm != (x->next == TF_SAME ?
				    (unsigned)s : x->next))
					fail_msg("%s: now %s, expected %s",
					    where, tunnel_fsm_state_name(t->fsm),
					    tunnel_fsm_state_name(x->next ==
					    TF_SAME ? (unsigned)s : x->next));
			}
			checked++;
		}
	}
	assert_int_equal(checked, TF_MAX * TE_MAX);
}

/* What pptpctl shows: fewer states than the machine has. */
static void
test_visible_states(void **state)
{
	assert_int_equal(tunnel_state_of(TF_IFACE), TS_PPP);
	assert_int_equal(tunnel_state_of(TF_STOP_PPPD), TS_STOPPING);
	assert_int_equal(tunnel_state_of(TF_STOP_ENGINE), TS_STOPPING);
	assert_int_equal(tunnel_state_of(TF_STOP_FW), TS_STOPPING);
	assert_int_equal(tunnel_state_of(TF_WAITING), TS_WAITING);
	assert_int_equal(tunnel_state_of(TF_UP), TS_UP);
}

/* ---- the cause rule ------------------------------------------------------ */

static void
test_cause_rank(void **state)
{
	struct tunnel *t = fresh(TF_CALLING, 0);

	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_HANGUP,
	    "server closed the call" }), 1);
	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_PPPD,
	    "peer not responding" }), 1);
	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_HANGUP,
	    "control connection closed" }), 0);
	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_PROTOCOL,
	    "malformed control message from server: short" }), 1);
	/* the same rank again: the first stays */
	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_PROTOCOL,
	    "server disconnected the call" }), 0);
	assert_string_equal(t->last_error,
	    "malformed control message from server: short");
	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_PERMANENT,
	    "authentication failed" }), 1);
	assert_string_equal(t->last_error, "authentication failed");
	/* an empty text is no cause */
	t = fresh(TF_CALLING, 0);
	assert_int_equal(tunnel_cause(t, &(struct cause){ CAUSE_LOCAL, "" }),
	    0);
	assert_string_equal(t->last_error, "");
}

static void
test_settle_next(void **state)
{
	assert_int_equal(tunnel_settle_next(WANT_DOWN, 1, CAUSE_PROTOCOL),
	    TE_NONE);
	assert_int_equal(tunnel_settle_next(WANT_RESTART, 0, CAUSE_PERMANENT),
	    TE_UP);
	assert_int_equal(tunnel_settle_next(WANT_UP, 1, CAUSE_PROTOCOL),
	    TE_RETRY);
	assert_int_equal(tunnel_settle_next(WANT_UP, 1, CAUSE_PERMANENT),
	    TE_GIVE_UP);
	assert_int_equal(tunnel_settle_next(WANT_UP, 0, CAUSE_HANGUP),
	    TE_GIVE_UP);
	/* persist always: even a refused password is tried again */
	assert_int_equal(tunnel_settle_next(WANT_UP, PERSIST_ALWAYS,
	    CAUSE_PERMANENT), TE_RETRY);
}

/* ---- stories: reports in either order ------------------------------------ */

#define PROTO_ERR "server did not answer Start-Control-Connection-Request " \
		  "within 2 s"

/* pppd hangs up first (the engine closed its pty), the engine's reason
   comes after: the engine's reason is what the person reads. */
static void
test_pppd_exits_before_engine_reports(void **state)
{
	struct tunnel *t = fresh(TF_CALLING, 1);

	t->engine_holds = 1;
	w.pppd_alive = 0;
	ev(t, TE_PPPD_EXITED, CAUSE_HANGUP, "server closed the call");
	assert_int_equal(t->fsm, TF_STOP_ENGINE);
	assert_int_equal(w.announced, 1);
	assert_int_equal(w.announced_from, TS_CALLING);
	t->engine_holds = 0;
	ev(t, TE_ENGINE_CLOSED, CAUSE_PROTOCOL, PROTO_ERR);
	assert_int_equal(t->fsm, TF_FAILED);
	assert_string_equal(t->last_error, PROTO_ERR);
	/* once per change pptpctl can see, not per step */
	assert_int_equal(w.announced, 2);
	assert_int_equal(w.announced_from, TS_STOPPING);
}

static void
test_engine_reports_before_pppd_exits(void **state)
{
	struct tunnel *t = fresh(TF_CALLING, 1);

	w.pppd_alive = 1;
	ev(t, TE_ENGINE_CLOSED, CAUSE_PROTOCOL, PROTO_ERR);
	assert_int_equal(t->fsm, TF_STOP_PPPD);
	w.pppd_alive = 0;
	ev(t, TE_PPPD_EXITED, CAUSE_HANGUP, "server closed the call");
	assert_int_equal(t->fsm, TF_FAILED);
	assert_string_equal(t->last_error, PROTO_ERR);
}

/* A refused password is final, whatever the server said after it. */
static void
test_auth_refused_not_retried(void **state)
{
	struct tunnel *t = fresh(TF_PPP, 1);

	conf.persist = 1;
	t->engine_holds = 1;
	w.pppd_alive = 0;
	ev(t, TE_PPPD_EXITED, CAUSE_PERMANENT, "authentication failed");
	t->engine_holds = 0;
	ev(t, TE_ENGINE_CLOSED, CAUSE_PROTOCOL,
	    "server disconnected the call: admin shutdown");
	assert_int_equal(t->fsm, TF_FAILED);
	assert_string_equal(t->last_error, "authentication failed");
}

/*
 * pppd's LCP echo found the link dead: the engine ends the call, pppd
 * then hangs up and the engine reports the call cleared by us. The
 * echo is what the person reads, and a persist tunnel waits to retry.
 */
static void
test_link_dead_names_lcp_echo(void **state)
{
	struct tunnel *t = fresh(TF_UP, 1);

	conf.persist = 1;
	t->engine_holds = 1;
	w.pppd_alive = 1;
	ev(t, TE_LINK_DEAD, CAUSE_PPPD,
	    "peer not responding to LCP echo requests");
	assert_int_equal(t->fsm, TF_STOP_PPPD);
	assert_string_equal(w.calls[w.ncalls - 1], "act_link_dead");
	t->engine_holds = 0;
	ev(t, TE_ENGINE_CLOSED, CAUSE_HANGUP, "call cleared");
	assert_int_equal(t->fsm, TF_STOP_PPPD);
	w.pppd_alive = 0;
	ev(t, TE_PPPD_EXITED, CAUSE_HANGUP, "server closed the call");
	assert_int_equal(t->fsm, TF_WAITING);
	assert_string_equal(t->last_error,
	    "peer not responding to LCP echo requests");
}

static void
test_persist_waits_then_retries(void **state)
{
	struct tunnel *t = fresh(TF_UP, 1);

	conf.persist = 1;
	ev(t, TE_ENGINE_LOST, CAUSE_LOCAL, "the engine process died");
	assert_int_equal(t->fsm, TF_WAITING);
	assert_string_equal(t->last_error, "the engine process died");
	ev(t, TE_TIMER, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_CONNECTING);
	assert_string_equal(w.calls[w.ncalls - 1], "act_retry");
}

static void
test_down_while_connecting(void **state)
{
	struct tunnel *t = fresh(TF_CONNECTING, 1);

	conf.persist = 1;
	ev(t, TE_DOWN, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_DOWN);
	assert_int_equal(t->want, WANT_DOWN);
	/* a connect that completes after the down changes nothing */
	ev(t, TE_CONNECTED, CAUSE_NONE, NULL);
	ev(t, TE_FAIL, CAUSE_LOCAL, "Connection refused");
	assert_int_equal(t->fsm, TF_DOWN);
	assert_string_equal(t->last_error, "");
}

static void
test_up_while_stopping(void **state)
{
	struct tunnel *t = fresh(TF_UP, 1);

	w.pppd_alive = 1;
	ev(t, TE_DOWN, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_STOP_PPPD);
	ev(t, TE_UP, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_STOP_PPPD);
	w.pppd_alive = 0;
	ev(t, TE_PPPD_EXITED, CAUSE_NONE, NULL);
	/* down was finished, then up again at once */
	assert_int_equal(t->fsm, TF_CONNECTING);
	assert_string_equal(w.calls[w.ncalls - 1], "act_start");
}

/* The interface's rules finish after a down began: it is not up. */
static void
test_firewall_done_after_down(void **state)
{
	struct tunnel *t = fresh(TF_IFACE, 1);

	w.pppd_alive = 1;
	ev(t, TE_DOWN, CAUSE_NONE, NULL);
	ev(t, TE_FW_IFACE_DONE, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_STOP_PPPD);
	assert_int_equal(tunnel_state_of(t->fsm), TS_STOPPING);
}

/* A down that arrives while a removal keeping the kill switch runs is
   heard when that removal is done, whichever came first. */
static void
test_down_during_firewall_removal(void **state)
{
	struct tunnel *t = fresh(TF_STOP_ENGINE, 1);

	w.fw_removing = 1;
	ev(t, TE_ENGINE_CLOSED, CAUSE_HANGUP, "control connection closed");
	assert_int_equal(t->fsm, TF_STOP_FW);
	ev(t, TE_DOWN, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_STOP_FW);
	ev(t, TE_FW_DOWN_DONE, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_DOWN);
	assert_string_equal(t->last_error, "");
}

/* A report from an engine that no longer holds the call moves nothing. */
static void
test_late_engine_close_when_down(void **state)
{
	struct tunnel *t = fresh(TF_DOWN, 1);

	ev(t, TE_ENGINE_CLOSED, CAUSE_PROTOCOL, "forged");
	ev(t, TE_CALL_UP, CAUSE_NONE, NULL);
	ev(t, TE_IFACE_UP, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_DOWN);
	assert_string_equal(t->last_error, "");
	assert_int_equal(w.ncalls, 0);
	assert_int_equal(w.announced, 0);
}

/* The engine misses the stop deadline: killed, its death ends the stop. */
static void
test_engine_deadline(void **state)
{
	struct tunnel *t = fresh(TF_STOP_ENGINE, 1);

	t->engine_holds = 1;
	ev(t, TE_TIMER, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_STOP_ENGINE);
	assert_string_equal(w.calls[0], "act_engine_timeout");
	t->engine_holds = 0;
	ev(t, TE_ENGINE_LOST, CAUSE_LOCAL, "the engine process died");
	assert_int_equal(t->fsm, TF_FAILED);
}

/* Which engine reports become events: only about the call it holds. */
static void
test_engine_verdict(void **state)
{
	assert_int_equal(tunnel_engine_verdict(1, 3, 3), ENGINE_ACCEPT);
	/* an earlier call, or the latest once given back: stale */
	assert_int_equal(tunnel_engine_verdict(1, 3, 2), ENGINE_STALE);
	assert_int_equal(tunnel_engine_verdict(0, 3, 3), ENGINE_STALE);
	assert_int_equal(tunnel_engine_verdict(0, 3, 1), ENGINE_STALE);
	/* a call never handed over: forged */
	assert_int_equal(tunnel_engine_verdict(1, 3, 4), ENGINE_FORGED);
	assert_int_equal(tunnel_engine_verdict(0, 0, 1), ENGINE_FORGED);
	assert_int_equal(tunnel_engine_verdict(0, 0, 0), ENGINE_FORGED);
	assert_int_equal(tunnel_engine_verdict(1, 3, 0), ENGINE_FORGED);
}

/* Down on a tunnel with nothing to undo: no change anyone can see. */
static void
test_down_when_down_is_quiet(void **state)
{
	struct tunnel *t = fresh(TF_DOWN, 1);

	ev(t, TE_DOWN, CAUSE_NONE, NULL);
	assert_int_equal(t->fsm, TF_DOWN);
	assert_int_equal(w.announced, 0);
	assert_string_equal(w.calls[w.ncalls - 1], "act_settle");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_visible_states),
		cmocka_unit_test(test_cause_rank),
		cmocka_unit_test(test_settle_next),
		cmocka_unit_test(test_pppd_exits_before_engine_reports),
		cmocka_unit_test(test_engine_reports_before_pppd_exits),
		cmocka_unit_test(test_auth_refused_not_retried),
		cmocka_unit_test(test_link_dead_names_lcp_echo),
		cmocka_unit_test(test_persist_waits_then_retries),
		cmocka_unit_test(test_down_while_connecting),
		cmocka_unit_test(test_up_while_stopping),
		cmocka_unit_test(test_firewall_done_after_down),
		cmocka_unit_test(test_down_during_firewall_removal),
		cmocka_unit_test(test_late_engine_close_when_down),
		cmocka_unit_test(test_down_when_down_is_quiet),
		cmocka_unit_test(test_engine_deadline),
		cmocka_unit_test(test_engine_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
