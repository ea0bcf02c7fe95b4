/*
 * The client side of a PPTP control connection with one outgoing call
 * (RFC 2637 sections 2 and 3), as a pure state machine.
 *
 * No I/O, no clock, no randomness: the engine feeds it the bytes read from
 * TCP (pptp_input), the time (now_ms, any monotonic millisecond clock) and
 * the random call id and serial (in the params); it writes out what
 * pptp_output_data() holds, wakes it at pptp_next_timer(), and reacts to
 * the bits in p->events (read and clear them with pptp_take_events()).
 *
 *	IDLE --start--> WAIT_SCCRP --SCCRP ok--> WAIT_OCRP --OCRP ok-->
 *	ESTABLISHED --stop/CDN/error--> STOPPING --StopCCRP/timeout--> CLOSED
 *
 * Every failure ends in CLOSED with p->last_error saying why in words a
 * user can act on. When the state becomes CLOSED, output may still be
 * pending (a last Stop-Control-Connection-Request or -Reply): the engine
 * should try once to write it before closing the socket.
 */
#ifndef PROTO_PPTP_H
#define PROTO_PPTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/counters.h"
#include "proto/ctrl.h"

#define PPTP_BUF_SIZE		4096
#define PPTP_FIRMWARE_REV	0x0001

/* defaults, used for any timing parameter given as 0 */
#define PPTP_ECHO_INTERVAL_MS	60000	/* RFC 2637: 60 s of silence */
#define PPTP_ECHO_OFF		UINT32_MAX /* echo_interval_ms: never send */
#define PPTP_ECHO_TIMEOUT_MS	60000	/* RFC 2637: 60 s for the reply */
#define PPTP_CONNECT_TIMEOUT_MS	10000
#define PPTP_STOP_TIMEOUT_MS	5000
#define PPTP_RECV_WINDOW	64
#define PPTP_MIN_BPS		2400
#define PPTP_MAX_BPS		100000000

enum pptp_state {
	PPTP_IDLE,
	PPTP_WAIT_SCCRP,	/* sent Start-Control-Connection-Request */
	PPTP_WAIT_OCRP,		/* sent Outgoing-Call-Request */
	PPTP_ESTABLISHED,	/* call connected: GRE may flow */
	PPTP_STOPPING,		/* sent Stop-Control-Connection-Request */
	PPTP_CLOSED,		/* done; the engine closes the socket */
};

/* p->events bits */
#define PPTP_EV_STATE		0x01	/* p->state changed */
#define PPTP_EV_ACCM		0x02	/* Set-Link-Info changed the ACCMs */
#define PPTP_EV_CLOSED		0x04	/* reached PPTP_CLOSED */
#define PPTP_EV_WAN_ERROR	0x08	/* WAN-Error-Notify in p->wan_error */
#define PPTP_EV_ECHO		0x10	/* an echo round trip was measured */
#define PPTP_EV_NOTICE		0x20	/* p->notice: a server oddity, tolerated */

/* p->noted bits: each oddity is put in p->notice once per connection */
#define PPTP_NOTE_RESERVED	0x01
#define PPTP_NOTE_CODE		0x02
#define PPTP_NOTE_CDN_ID	0x04
#define PPTP_NOTE_SKIPPED	0x08

struct pptp_params {
	uint32_t	echo_interval_ms;
	uint32_t	echo_timeout_ms;
	uint32_t	connect_timeout_ms;	/* for each of SCCRP and OCRP */
	uint32_t	stop_timeout_ms;
	uint16_t	recv_window;		/* our GRE receive window */
	uint32_t	min_bps, max_bps;
	char		hostname[PPTP_HOSTNAME_LEN + 1];
	char		vendor[PPTP_VENDOR_LEN + 1];
	uint16_t	call_id;		/* random, from the caller */
	uint16_t	call_serial;		/* random, from the caller */
};

struct pptp {
	struct pptp_params	 params;
	struct pptp_counters	*c;
	enum pptp_state		 state;
	uint32_t		 events;
	char			 last_error[256];
	char			 notice[200];	/* for the log, with PPTP_EV_NOTICE */
	uint32_t		 noted;		/* PPTP_NOTE_* already told */

	/* what the server told us */
	uint16_t		 peer_version;
	uint16_t		 peer_firmware_rev;
	char			 peer_hostname[PPTP_HOSTNAME_LEN + 1];
	char			 peer_vendor[PPTP_VENDOR_LEN + 1];
	uint16_t		 call_id;	/* ours: the GRE key the server uses */
	uint16_t		 peer_call_id;	/* the server's: our GRE key */
	uint16_t		 peer_recv_window;
	uint16_t		 peer_proc_delay;
	uint32_t		 connect_speed;
	uint32_t		 send_accm;	/* from Set-Link-Info */
	uint32_t		 recv_accm;
	struct pptp_wen		 wan_error;	/* the last WAN-Error-Notify */

	/* timers */
	uint64_t		 deadline;	/* handshake or stop; 0 = none */
	uint64_t		 last_rx_ms;	/* last control message received */
	uint64_t		 echo_sent_ms;
	uint32_t		 echo_id;	/* of the last Echo-Request sent */
	bool			 echo_pending;
	bool			 call_open;	/* OCRQ sent, not yet cleared */
	bool			 input_dead;	/* stream failed to decode */
	size_t			 skip;		/* bytes of a refused message
						   still to pass over */

	uint8_t			 in[PPTP_BUF_SIZE];
	size_t			 inlen;
	uint8_t			 out[PPTP_BUF_SIZE];
	size_t			 outlen;
};

/* Fill params with the defaults above and empty names. */
void		pptp_params_default(struct pptp_params *pp);

void		pptp_init(struct pptp *p, const struct pptp_params *pp,
		    struct pptp_counters *c, uint64_t now_ms);
/* Queue Start-Control-Connection-Request; call once TCP is connected. */
void		pptp_start(struct pptp *p, uint64_t now_ms);
/* Bytes read from TCP, split or joined anywhere. */
void		pptp_input(struct pptp *p, const uint8_t *data, size_t len,
		    uint64_t now_ms);
void		pptp_timer(struct pptp *p, uint64_t now_ms);
/* Absolute time of the next pptp_timer() call, UINT64_MAX for none. */
uint64_t	pptp_next_timer(const struct pptp *p);
/*
 * The user's `down`: clear the call, stop the control connection, CLOSED
 * once the server replied or stop_timeout passed. reason, if not NULL and
 * last_error is still empty, becomes last_error (NULL for a plain down).
 */
void		pptp_stop(struct pptp *p, uint64_t now_ms, const char *reason);
/* TCP EOF or error. */
void		pptp_peer_closed(struct pptp *p, uint64_t now_ms);

size_t		pptp_output_pending(const struct pptp *p);
const uint8_t	*pptp_output_data(const struct pptp *p);
void		pptp_output_consume(struct pptp *p, size_t n);

uint32_t	pptp_take_events(struct pptp *p);
const char	*pptp_state_name(enum pptp_state s);

#endif
