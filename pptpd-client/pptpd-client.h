/*
 * The daemon's shared declarations: the parent's view of a tunnel and the
 * entry points of the three processes.
 */
#ifndef PPTPD_CLIENT_H
#define PPTPD_CLIENT_H

#include <sys/queue.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdint.h>
#include <time.h>

#include "pptpd-client/config.h"
#include "privsep/imsg.h"
#include "privsep/msg.h"
#include "privsep/parent/pppd.h"

struct event;
struct event_base;

/* Options from the command line that every process sees. */
struct pc_opts {
	int		 foreground;	/* -d */
	int		 verbose;	/* -v, repeatable */
	int		 seccomp_debug;	/* -v -v: trap and log, not kill */
	const char	*conffile;	/* -f */
	const char	*sockpath;	/* -s, overrides the config */
	uid_t		 uid;		/* children: who to become */
	gid_t		 gid;
};

/* A tunnel as the parent keeps it. */
struct tunnel {
	TAILQ_ENTRY(tunnel) entry;
	uint32_t	 id;
	struct tunnel_conf *conf;
	enum tunnel_state state;
	time_t		 since, up_since;
	uint32_t	 reconnects;
	unsigned	 backoff_s;
	char		 last_error[PC_ERR_MAX];

	int		 user_down;	/* explicit down: end in `down` */
	int		 permanent;	/* last_error cannot be retried */
	int		 stopping;

	struct in_addr	 server;
	int		 tcp_fd;	/* while connecting */
	struct event	*ev_io;		/* connect completion */
	struct event	*ev_timer;	/* connect timeout, backoff, stop */

	int		 engine_active;
	int		 engine_stop_sent;
	int		 gre_seen;

	pid_t		 pppd_pid;
	int		 pppd_term_sent;
	int		 pppd_log_fd;
	struct event	*ev_pppdlog;
	struct pppd_log	 pppd_log;
	char		 ifname[IFNAMSIZ];
	int		 ifindex;
	int		 if_up;		/* IFF_UP seen */
	int		 iface_pending;	/* routes in, firewall coming */
	struct in_addr	 local, remote;

	int		 host_route;	/* added a host route to the server */
	struct in_addr	 gw;
	int		 has_gw, gw_ifindex;
	int		 routes_added;
	int		 fw_added;	/* rules of ours may exist */
	int		 fw_wait;	/* a firewall down is running */
	int		 fw_keep;	/* ...keeping the kill switch */
	int		 up_after_stop;	/* up asked while stopping */

	/* pptpctl requests waiting for this tunnel to settle */
	uint32_t	 down_waiters[8];
	int		 ndown_waiters;
};
TAILQ_HEAD(tunnel_list, tunnel);

/* parent (pptpd-client.c, tunnel.c) */
extern struct pcconf	*pconf;
extern struct tunnel_list tunnels;
extern struct event_base *evbase;

int	 parent_send_engine(uint16_t, uint32_t, uint32_t, int, const void *,
	    size_t);
int	 parent_send_control(uint16_t, uint32_t, const void *, size_t);
void	 parent_ctl_request(uint32_t peer, const struct ctl_request *);
void	 parent_ctl_settled(uint32_t peer);
void	 parent_ctl_counters_done(uint32_t peer);
int	 parent_ctl_counting(uint32_t peer);
void	 parent_ctl_engine_lost(void);
void	 parent_ctl_control_lost(void);

void	 tunnels_init(void);
void	 tunnels_shutdown(void);
void	 tunnels_final(void);
void	 tunnels_free(void);
int	 tunnels_all_down(void);
struct tunnel *tunnel_byid(uint32_t);
struct tunnel *tunnel_byname(const char *);
void	 tunnel_up(struct tunnel *);
void	 tunnel_down(struct tunnel *, uint32_t waiter_peer);
void	 tunnel_status(const struct tunnel *, struct ctl_status *);
void	 tunnel_engine_state(struct tunnel *, const struct m_engine_state *);
void	 tunnel_engine_closed(struct tunnel *, const struct m_engine_state *);
void	 tunnel_engine_lost(void);
int	 tunnel_child_exited(pid_t, int status);
void	 tunnel_counters_reply(struct tunnel *, uint32_t peer,
	    const struct ctl_counters *);
void	 tunnel_counters_end(uint32_t peer);
void	 tunnel_fw_zero(struct tunnel *);

/* fwqueue.c: firewall changes off the event loop, one at a time */
struct fw_tunnel;
enum fwq_op { FWQ_UP, FWQ_IFACE, FWQ_DOWN, FWQ_COUNTERS, FWQ_ZERO, FWQ_NOP };
typedef void (*fwq_done_fn)(int rc, const char *err, uint64_t pkts,
    uint64_t bytes, void *arg);
int	 fwq_submit(enum fwq_op, const struct fw_tunnel *, int keep,
	    fwq_done_fn, void *arg);
int	 fwq_busy(void);
void	 fwq_drain(void);

/* child.c: what the engine and the control process share */
#include "privsep/sandbox.h"
extern struct event_base *child_base;
void	 msgbuf_watch(struct event_base *, struct msgbuf *, struct event *,
	    void (*)(int, short, void *), void *);
void	 child_init(const struct pc_opts *, int fd, enum pc_proc,
	    const char *name, void (*dispatch)(struct pc_msg *));
void	 child_to_parent(uint16_t type, uint32_t tunnel, uint32_t peer,
	    const void *data, size_t len);
void	 child_run(const struct pc_opts *, enum sandbox_kind)
	    __attribute__((noreturn));

/* engine.c, control.c: child mains, never return */
void	 engine_main(const struct pc_opts *, int fd) __attribute__((noreturn));
void	 control_main(const struct pc_opts *, int fd) __attribute__((noreturn));

#endif
