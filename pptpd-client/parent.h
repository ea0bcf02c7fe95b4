/*
 * The parent process: its view of a tunnel (which the engine and control
 * never see) and the entry points of its files.
 */
#ifndef PPTPD_CLIENT_PARENT_H
#define PPTPD_CLIENT_PARENT_H

#include <sys/queue.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdint.h>
#include <time.h>

#include "pptpd-client/config.h"
#include "pptpd-client/parent_fsm.h"
#include "pptpd-client/pptpd-client.h"
#include "privsep/imsg.h"
#include "privsep/msg.h"
#include "privsep/parent/dns.h"
#include "privsep/parent/pppd.h"
#include "privsep/parent/pptp_kernel.h"

struct event;
struct event_base;

/* An event waiting for the tunnel's state machine (parent_fsm.c). */
struct tunnel_pending {
	enum tunnel_event	 event;
	enum cause_rank		 rank;
	char			 text[PC_ERR_MAX];
};
#define TUNNEL_EVQ_MAX	8

/*
 * A tunnel as the parent keeps it. Its life is the one field fsm; the
 * rest is what the person wants, why it last went down, and the things
 * that exist for it (each undone by the stop).
 */
struct tunnel {
	TAILQ_ENTRY(tunnel) entry;
	uint32_t	 id;
	struct tunnel_conf *conf;
	struct tunnel_conf *next_conf;	/* a reload's, once it is down */
	int		 retired;	/* a reload removed it: down, then gone */
	enum tunnel_fsm_state fsm;
	enum tunnel_want want;
	time_t		 since, up_since;	/* of the state pptpctl shows */
	uint32_t	 reconnects;
	unsigned	 failures;	/* tries since it last stayed up */
	time_t		 next_attempt;	/* while waiting */
	time_t		 last_up_s;	/* how long it was last up */
	enum cause_rank	 cause_rank;	/* of last_error */
	char		 last_error[PC_ERR_MAX];

	/* the machine's queue; in_fsm: it is running */
	struct tunnel_pending evq[TUNNEL_EVQ_MAX];
	unsigned	 evq_head, nevq;
	int		 in_fsm;

	struct in_addr	 server;
	int		 tcp_fd;	/* while connecting */
	struct event	*ev_io;		/* connect completion */
	struct event	*ev_timer;	/* the state's deadline, backoff */

	/* the rules are on their way in: the engine gets the connected
	   TCP socket (and GRE can come) only once they are in, so that
	   the firewall's counter sees every GRE packet */
	int		 fw_up_pending;
	int		 tcp_ready;	/* connected, waiting for the rules */
	int		 engine_holds;	/* the engine has its call */
	uint32_t	 generation;	/* of the latest hand-over to it */
	int		 gre_seen;

	/*
	 * The kernel data path (parent_kernel.c): this attempt uses it; its
	 * PPTP socket until pppd has it; the server's call id. The kernel
	 * counts the interface's packets from zero each call: kbase holds
	 * the earlier calls' since the last clear, kzero this call's at
	 * that clear, klast this call's at the latest read; klive: this
	 * call's are counting (connected, not yet folded into kbase).
	 */
	int		 kernel, klive;
	int		 kfd;
	uint16_t	 peer_call_id;
	struct kpptp_stats kbase, kzero, klast;

	pid_t		 pppd_pid;
	int		 pppd_grace;	/* act_stop: a moment before SIGTERM */
	int		 pty_master;	/* pppd's pty, until the engine has it */
	int		 pppd_log_fd;
	struct event	*ev_pppdlog;
	struct pppd_log	 pppd_log;
	char		 ifname[IFNAMSIZ];
	int		 ifindex;
	int		 if_up;		/* IFF_UP seen */
	struct in_addr	 local, remote;
	/* `dns yes`: the peer's servers, as pppd said them; how many are
	   in force now (privsep/parent/dns.h) */
	struct in_addr	 dns[DNS_SERVERS_MAX];
	int		 dns_applied;

	int		 host_route;	/* added a host route to the server */
	struct in_addr	 gw;
	int		 has_gw, gw_ifindex;
	int		 routes_added;
	enum {
		FWR_NONE,		/* no rule of this tunnel's */
		FWR_BLOCK,		/* only its kill switch, kept */
		FWR_FULL		/* its rules, as for a running tunnel */
	}		 fw;		/* once the queued firewall work ran */
	char		 fw_note[PC_ERR_MAX];	/* the host's rules drop ours */

	/* pptpctl requests waiting for this tunnel to settle */
	uint32_t	 down_waiters[8];
	int		 ndown_waiters;
};
TAILQ_HEAD(tunnel_list, tunnel);

/* parent.c, parent_tunnel.c */
extern struct pcconf	*pconf;
extern struct tunnel_list tunnels;
extern struct event_base *evbase;

int	 parent_engine_up(void);	/* running, its channel open */
int	 parent_send_engine(uint16_t, uint32_t, uint32_t, int, const void *,
	    size_t);
int	 parent_send_control(uint16_t, uint32_t, const void *, size_t);
void	 parent_ctl_request(uint32_t peer, const struct ctl_request *);
void	 parent_ctl_settled(uint32_t peer);
void	 parent_ctl_counters_done(uint32_t peer);
void	 parent_ctl_counters_busy(uint32_t peer);
int	 parent_ctl_counting(uint32_t peer);
enum engine_verdict parent_ctl_counters_expected(uint32_t peer, int tunnel);
void	 parent_ctl_engine_lost(void);
void	 parent_ctl_control_lost(void);

void	 tunnels_init(void);
void	 tunnels_shutdown(void);
void	 tunnels_final(void);
int	 tunnels_all_down(void);
struct tunnel *tunnel_byid(uint32_t);
int	 tunnel_id_issued(uint32_t);
struct tunnel *tunnel_byname(const char *);
void	 tunnel_up(struct tunnel *);
void	 tunnel_down(struct tunnel *, uint32_t waiter_peer);
void	 tunnel_status(const struct tunnel *, struct ctl_status *);

/* parent_kernel.c: the kernel data path */
const char *tunnel_kernel_plugin(void);
int	 tunnel_kernel_pick(struct tunnel *, char *err, size_t errlen);
int	 tunnel_kernel_open(struct tunnel *, int tcp_fd, uint16_t *call_id,
	    char *err, size_t errlen);
int	 tunnel_kernel_connect(struct tunnel *, char *err, size_t errlen);
void	 tunnel_kernel_close(struct tunnel *);
void	 tunnel_kernel_fold(struct tunnel *);
void	 tunnel_kernel_clear(struct tunnel *);
void	 tunnel_kernel_counters(struct tunnel *, struct pptp_counters *);
int	 tunnel_kernel_rx_seen(const struct tunnel *);
void	 tunnel_engine_state(struct tunnel *, const struct m_engine_state *);
void	 tunnel_engine_closed(struct tunnel *, const struct m_engine_state *);
void	 tunnel_engine_lost(void);
void	 tunnel_engine_back(void);
enum tunnel_state tunnel_state(const struct tunnel *);
int	 tunnel_child_exited(pid_t, int status);
void	 tunnel_counters_reply(struct tunnel *, uint32_t peer,
	    const struct ctl_counters *);
void	 tunnel_counters_end(uint32_t peer);
void	 tunnel_fw_zero(struct tunnel *);
void	 tunnel_cleanup(struct tunnel *);
void	 tunnel_netlink_read(int fd);
int	 tunnel_fw_ready(void);
struct fw_tunnel;
void	 tunnel_fw_fill(const struct tunnel *, struct fw_tunnel *);

/* parent_fwqueue.c: firewall changes off the event loop, one at a time */
struct fw_tunnel;
/* FWQ_NOP: a barrier after the changes queued so far; FWQ_READS_DONE:
   one after the reads queued so far */
enum fwq_op { FWQ_UP, FWQ_IFACE, FWQ_DOWN, FWQ_NOP, FWQ_COUNTERS, FWQ_ZERO,
	FWQ_READS_DONE };
/* err with rc 0 (FWQ_UP only): a warning, the host's ruleset is in the way */
typedef void (*fwq_done_fn)(int rc, const char *err, uint64_t pkts,
    uint64_t bytes, void *arg);
int	 fwq_submit(enum fwq_op, const struct fw_tunnel *, int keep,
	    fwq_done_fn, void *arg);
int	 fwq_busy(void);
void	 fwq_drain(void);

/* parent_proc.c: the engine and the control process, from this side */
void	 procs_start(const struct pc_opts *, const char *argv0,
	    const char *path, int listen_fd);
int	 procs_reaped(pid_t, int status);
void	 procs_quit(void);
void	 procs_stop(void);
void	 procs_engine_kill(const char *why);

/* parent_reload.c: a reload applies the difference */
void	 tunnels_reload(struct pcconf *);
void	 tunnels_reload_final(void);
void	 tunnels_sweep_soon(void);
void	 tunnel_conf_swap(struct tunnel *, struct tunnel_conf *);
struct tunnel *tunnel_new(struct tunnel_conf *);
void	 tunnel_free(struct tunnel *);

/* parent_wanted.c: the tunnels a person wants up, across restarts */
void	 wanted_restore(void);
void	 wanted_save(void);
void	 wanted_freeze(void);

/* parent.c */
int	 parent_reload(char *err, size_t errlen);
void	 parent_main(const struct pc_opts *, char *argv0)
	    __attribute__((noreturn));

#endif
