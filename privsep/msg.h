/*
 * Every message that crosses a process boundary, who may send it to whom,
 * and its payload. The receiver calls msg_check() before looking at a
 * payload: the type must be known, the sender/receiver pair allowed, the
 * length exact (or within bounds for the few variable ones) and an fd
 * present exactly when the type carries one. A failed check from a child
 * is fatal for that child, never for the parent; from a pptpctl client it
 * closes that client's connection.
 *
 *   type                 from     -> to        payload                 fd
 *   M_LOG                engine,control -> parent  struct m_log (var)   -
 *   M_CTL_LISTEN         parent   -> control   -                       listening socket
 *   M_CTL_CONFIG         parent   -> control   struct m_ctl_config     -
 *   M_CTL_REQUEST        control  -> parent    struct ctl_request      -
 *   M_CTL_STATUS         parent   -> control   struct ctl_status       -
 *   M_CTL_COUNTERS       parent   -> control   struct ctl_counters     -
 *   M_CTL_END            parent   -> control   struct ctl_end          -
 *   M_CTL_EVENT          parent   -> control   struct ctl_status       -
 *   M_TUNNEL_START       parent   -> engine    struct m_tunnel_start   -
 *   M_FD_CTRL            parent   -> engine    -                       TCP 1723 socket
 *   M_FD_GRE             parent   -> engine    -                       raw GRE socket
 *   M_FD_PTY             parent   -> engine    -                       pty master
 *   M_TUNNEL_STOP        parent   -> engine    struct m_reason         -
 *   M_COUNTERS_REQ       parent   -> engine    -                       -
 *   M_COUNTERS_CLEAR     parent   -> engine    -                       -
 *   M_ENGINE_STATE       engine   -> parent    struct m_engine_state   -
 *   M_TUNNEL_CLOSED      engine   -> parent    struct m_engine_state   -
 *   M_COUNTERS           engine   -> parent    struct pptp_counters    -
 *
 * pptpctl <-> control use the same framing with these types:
 *   C_REQUEST            client   -> control   struct ctl_request
 *   C_STATUS, C_EVENT    control  -> client    struct ctl_status
 *   C_COUNTERS           control  -> client    struct ctl_counters
 *   C_END                control  -> client    struct ctl_end (closes a request)
 */
#ifndef PRIVSEP_MSG_H
#define PRIVSEP_MSG_H

#include <netinet/in.h>
#include <stdint.h>

#include "privsep/imsg.h"
#include "proto/counters.h"

enum pc_proc { PROC_PARENT, PROC_ENGINE, PROC_CONTROL, PROC_CLIENT, PROC_MAX };

enum pc_msgtype {
	M_NONE,
	M_LOG,
	M_CTL_LISTEN,
	M_CTL_CONFIG,
	M_CTL_REQUEST,
	M_CTL_STATUS,
	M_CTL_COUNTERS,
	M_CTL_END,
	M_CTL_EVENT,
	M_TUNNEL_START,
	M_FD_CTRL,
	M_FD_GRE,
	M_FD_PTY,
	M_TUNNEL_STOP,
	M_COUNTERS_REQ,
	M_COUNTERS_CLEAR,
	M_ENGINE_STATE,
	M_TUNNEL_CLOSED,
	M_COUNTERS,
	C_REQUEST = 100,
	C_STATUS,
	C_EVENT,
	C_COUNTERS,
	C_END,
};

#define PC_NAME_MAX	32		/* == TUNNEL_NAME_MAX */
#define PC_ERR_MAX	256

/* pptpctl clients the control process serves at once; each has at most one
   request with the parent, so the parent never holds more than this many. */
#define CTL_MAX_CLIENTS	256

/* Version of the pptpctl <-> daemon request format. */
#define CTL_VERSION	1

enum ctl_cmd {
	CTL_STATUS = 1,
	CTL_COUNTERS,
	CTL_MONITOR,
	CTL_UP,
	CTL_DOWN,
	CTL_CLEAR,
	CTL_RELOAD,
	CTL_CMD_MAX
};

/* Tunnel states, as shown by pptpctl status (README.md, Interfaces). */
enum tunnel_state {
	TS_DOWN,
	TS_CONNECTING,
	TS_CALLING,
	TS_PPP,
	TS_UP,
	TS_STOPPING,
	TS_WAITING,
	TS_FAILED,
	TS_MAX
};

struct ctl_request {
	uint32_t	version;	/* CTL_VERSION */
	uint32_t	cmd;		/* enum ctl_cmd */
	uint32_t	flags;
	char		name[PC_NAME_MAX];	/* "" = every tunnel */
};

struct ctl_status {
	char		name[PC_NAME_MAX];
	uint32_t	state;		/* enum tunnel_state */
	uint32_t	reconnects;
	char		server[256];	/* as configured */
	struct in_addr	server_addr;
	char		ifname[16];
	struct in_addr	local;
	struct in_addr	remote;
	int64_t		since;		/* time of the last state change */
	int64_t		up_since;	/* 0 unless up */
	int64_t		next_attempt;	/* 0 unless waiting: when */
	char		last_error[PC_ERR_MAX];
	char		note[PC_ERR_MAX];	/* a hint in words, may be empty */
	char		datapath[8];	/* "kernel" or "user" while a call
					   runs, else "" */
};

struct ctl_counters {
	char		name[PC_NAME_MAX];
	struct pptp_counters c;
	uint64_t	fw_gre_packets;
	uint64_t	fw_gre_bytes;
	uint64_t	reconnects;
	uint64_t	uptime_s;
};

enum ctl_result { CTL_OK, CTL_FAILED, CTL_DENIED, CTL_BADREQ };

struct ctl_end {
	uint32_t	result;		/* enum ctl_result */
	char		message[PC_ERR_MAX];
};

struct m_log {
	int32_t		priority;	/* syslog priority */
	char		line[1024];	/* NUL-terminated, may be shorter */
};

struct m_ctl_config {
	uint32_t	has_group;
	uint32_t	gid;		/* control checks the peer's groups */
	uint32_t	id_base;	/* first client id: differs per
					   control process, so a late reply
					   never reaches a stranger */
};

/*
 * generation: the parent numbers each hand-over of a tunnel to the engine
 * (an attempt to connect); every message about that call carries it, so
 * the parent can tell a late report about an earlier call (ignored) from
 * one about a call it never handed over (the engine is not to be trusted).
 */
struct m_tunnel_start {
	uint32_t	generation;
	char		name[PC_NAME_MAX];
	struct in_addr	server;
	uint32_t	connect_timeout_ms;
	uint32_t	echo_interval_ms;
	uint32_t	echo_timeout_ms;
	uint32_t	reorder_wait_ms;
	/*
	 * kernel: the kernel's PPTP socket carries the data (the parent
	 * holds it): the engine gets no GRE socket and no pty, and its
	 * Outgoing-Call-Request carries call_id, the id the kernel gave
	 * that socket. user: the engine picks its own call id.
	 */
	uint32_t	datapath;	/* enum m_datapath */
	uint32_t	call_id;	/* kernel only */
};

enum m_datapath { MD_USER, MD_KERNEL };

struct m_reason {
	uint32_t	generation;
	char		reason[PC_ERR_MAX];
};

/* Engine's view of a call, mapped onto tunnel states by the parent. */
enum engine_state { ES_CONNECTING, ES_CALLING, ES_CONNECTED, ES_STOPPING, ES_CLOSED };

struct m_engine_state {
	uint32_t	generation;	/* of the call it reports on */
	uint32_t	state;		/* enum engine_state */
	uint32_t	gre_seen;	/* any GRE from the server yet */
	uint32_t	peer_call_id;	/* the server's, once ES_CONNECTED */
	char		last_error[PC_ERR_MAX];
};

/*
 * 0 if m may travel from -> to; otherwise -1 and why (e.g. "M_TUNNEL_START:
 * length 12, expected 64").
 */
int		 msg_check(const struct pc_msg *m, enum pc_proc from,
		    enum pc_proc to, char *why, size_t whylen);
const char	*msg_name(uint16_t type);
const char	*tunnel_state_name(uint32_t);
int		 tunnel_state_from_name(const char *);
const char	*ctl_cmd_name(uint32_t);
/* Commands that change something: root or the control group only. */
int		 ctl_cmd_privileged(uint32_t);

#endif
