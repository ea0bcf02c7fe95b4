/*
 * Per-tunnel counters kept by the engine. The names are a contract: they
 * are the JSON keys of `pptpctl -j show counters` (README.md,
 * Interfaces), so a field is never renamed. Plain data, no functions:
 * proto/ fills them, the engine copies them into messages, pptpctl prints
 * them.
 */
#ifndef PROTO_COUNTERS_H
#define PROTO_COUNTERS_H

#include <stdint.h>

struct pptp_counters {
	/* control connection */
	uint64_t ctrl_tx;		/* control messages sent */
	uint64_t ctrl_rx;		/* control messages received */
	uint64_t ctrl_malformed;	/* control messages refused as malformed */
	uint64_t echo_tx;		/* Echo-Requests sent */
	uint64_t echo_rx;		/* Echo-Replies received */
	uint64_t echo_rtt_ms;		/* round trip of the last echo */
	uint64_t echo_timeouts;		/* echo replies that never came */
	uint64_t wan_errors;		/* WAN-Error-Notify received */
	uint64_t set_link_info;		/* Set-Link-Info received */

	/* enhanced GRE */
	uint64_t gre_tx_packets;
	uint64_t gre_tx_bytes;		/* PPP payload bytes */
	uint64_t gre_rx_packets;	/* accepted and delivered to pppd */
	uint64_t gre_rx_bytes;
	uint64_t gre_rx_out_of_order;	/* arrived early, held in reorder buffer */
	uint64_t gre_rx_lost;		/* gaps that did not fill in time */
	uint64_t gre_rx_duplicate;	/* duplicates and too-old packets */
	uint64_t gre_rx_malformed;	/* bad version, flags, length */
	uint64_t gre_rx_wrong_call;	/* key call id is not ours */
	uint64_t gre_rx_window_drops;	/* beyond the receive window */
	uint64_t gre_tx_acks;		/* ack-only packets sent */
	uint64_t gre_rx_acks;		/* acknowledgements received */
	uint64_t gre_tx_window_full;	/* frames dropped, peer window full */

	/* PPP framing towards pppd */
	uint64_t ppp_rx_frames;		/* frames read from pppd */
	uint64_t ppp_tx_frames;		/* frames written to pppd */
	uint64_t ppp_bad_fcs;
	uint64_t ppp_runts;
	uint64_t ppp_too_long;
	uint64_t ppp_queue_drops;	/* frames dropped while the call was not up */

	/* added later, kept at the end; printed with the control connection */
	uint64_t ctrl_reserved_set;	/* accepted with a reserved field not 0 */
	/*
	 * Unix time of the last control message from the server, 0 when
	 * there is no connection: not a count, filled in when asked (the
	 * engine's clock, not proto's), and not zeroed by a clear.
	 */
	uint64_t ctrl_last_rx_time;
	/* every GRE packet read for the call, whatever became of it: what
	   the firewall's GRE counter admitted, seen from here */
	uint64_t gre_rx_seen;
};

#endif
