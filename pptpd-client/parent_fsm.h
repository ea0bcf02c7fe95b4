/*
 * The parent's state machine of a tunnel's life (parent_fsm.c) and the
 * actions it runs (parent_tunnel.c). Everything that happens to a tunnel
 * (a person's up or down, the TCP connection, the engine, pppd, netlink,
 * the firewall queue, a timer) is an event; one table says, for each
 * state and event, what to do and which state follows.
 */
#ifndef PPTPD_CLIENT_PARENT_FSM_H
#define PPTPD_CLIENT_PARENT_FSM_H

#include <stdint.h>

#include "privsep/msg.h"

struct tunnel;

/*
 * The states of the machine. pptpctl shows fewer (enum tunnel_state in
 * msg.h): tunnel_state_of() maps these onto them.
 */
enum tunnel_fsm_state {
	TF_DOWN,		/* nothing of it exists (but a kept block) */
	TF_CONNECTING,		/* resolving, host route, TCP 1723 */
	TF_CALLING,		/* the engine has the call; pppd started */
	TF_PPP,			/* call connected; PPP negotiating */
	TF_IFACE,		/* interface up, routes in, firewall next */
	TF_UP,
	TF_STOP_PPPD,		/* pppd told to end; waiting for its exit */
	TF_STOP_ENGINE,		/* engine told to clear the call */
	TF_STOP_FW,		/* routes out; the rules going out */
	TF_WAITING,		/* backoff before trying again */
	TF_FAILED,
	TF_MAX,
	TF_SAME = TF_MAX	/* in the table: the state does not change */
};

enum tunnel_event {
	TE_NONE,		/* an action's "nothing follows" */
	TE_UP,			/* pptpctl up (or a restart asked for) */
	TE_DOWN,		/* pptpctl down, or the daemon stopping */
	TE_CONNECTED,		/* TCP 1723 connected */
	TE_CALL_UP,		/* engine: the call is connected */
	TE_IFACE_UP,		/* netlink: addresses and link up */
	TE_FW_IFACE_DONE,	/* firewall: the interface's rules are in */
	TE_FW_DOWN_DONE,	/* firewall: the tunnel's rules are out */
	TE_ENGINE_CLOSED,	/* engine: the call and connection are gone */
	TE_PPPD_EXITED,
	TE_LINK_DEAD,		/* pppd: no answer to its LCP echoes */
	TE_ENGINE_LOST,		/* the engine process died */
	TE_FAIL,		/* something of ours failed (cause given) */
	TE_TIMER,		/* the state's deadline or backoff ran out */
	TE_STOPPED,		/* everything is undone */
	TE_RETRY,		/* settled: try again after a backoff */
	TE_GIVE_UP,		/* settled: failed for good */
	TE_MAX
};

/*
 * Why a tunnel went down, ranked: when several reports arrive, in any
 * order, the most specific one becomes last_error; of two of the same
 * rank the first stays. A refused password or a broken setup outranks
 * everything (and is not retried, see tunnel_settle_next()); then our
 * own failures (resolving, connecting, the engine dying); then the
 * engine's protocol reason, which includes what the server said; then
 * pppd's exit; last a plain hang-up, which is what pppd and the engine
 * say when the other one went first.
 */
enum cause_rank {
	CAUSE_NONE,
	CAUSE_HANGUP,
	CAUSE_PPPD,
	CAUSE_PROTOCOL,
	CAUSE_LOCAL,
	CAUSE_PERMANENT
};

struct cause {
	enum cause_rank	 rank;
	const char	*text;
};

/* What the person wants of the tunnel. */
enum tunnel_want {
	WANT_DOWN,
	WANT_UP,
	WANT_RESTART		/* up asked while it was stopping */
};

/* What a report from the engine is worth (tunnel_engine_verdict()). */
enum engine_verdict {
	ENGINE_ACCEPT,		/* about the call it holds: an event */
	ENGINE_STALE,		/* about an earlier call: dropped */
	ENGINE_FORGED		/* about a call never handed over */
};

typedef enum tunnel_event (*tunnel_action)(struct tunnel *);

struct tunnel_transition {
	unsigned		 states;	/* mask of 1 << TF_* */
	enum tunnel_event	 event;
	tunnel_action		 action;	/* NULL: none */
	const char		*action_name;
	enum tunnel_fsm_state	 next;		/* or TF_SAME */
};

/* parent_fsm.c */
void	 tunnel_fsm(struct tunnel *, enum tunnel_event, const struct cause *);
const struct tunnel_transition *tunnel_transition(enum tunnel_fsm_state,
	    enum tunnel_event);
enum tunnel_state tunnel_state_of(enum tunnel_fsm_state);
const char *tunnel_fsm_state_name(enum tunnel_fsm_state);
const char *tunnel_event_name(enum tunnel_event);
int	 tunnel_cause(struct tunnel *, const struct cause *);
enum tunnel_event tunnel_settle_next(enum tunnel_want, int persist,
	    enum cause_rank);	/* persist: enum persist (config.h) */
enum engine_verdict tunnel_engine_verdict(int holds, uint32_t generation,
	    uint32_t reported);

/* parent_tunnel.c: the actions the table names */
enum tunnel_event act_start(struct tunnel *);
enum tunnel_event act_start_now(struct tunnel *);
enum tunnel_event act_retry(struct tunnel *);
enum tunnel_event act_call(struct tunnel *);
enum tunnel_event act_call_up(struct tunnel *);
enum tunnel_event act_routes(struct tunnel *);
enum tunnel_event act_stop(struct tunnel *);
enum tunnel_event act_down(struct tunnel *);
enum tunnel_event act_link_dead(struct tunnel *);
enum tunnel_event act_kill_pppd(struct tunnel *);
enum tunnel_event act_stop_engine(struct tunnel *);
enum tunnel_event act_engine_timeout(struct tunnel *);
enum tunnel_event act_stop_fw(struct tunnel *);
enum tunnel_event act_down_idle(struct tunnel *);
enum tunnel_event act_want_down(struct tunnel *);
enum tunnel_event act_want_restart(struct tunnel *);
enum tunnel_event act_settle(struct tunnel *);
enum tunnel_event act_backoff(struct tunnel *);
enum tunnel_event act_fail(struct tunnel *);
/* parent_tunnel.c: what the machine does on a change pptpctl can see */
void	 tunnel_announce(struct tunnel *, enum tunnel_state from);
void	 tunnel_timer_clear(struct tunnel *);

#endif
