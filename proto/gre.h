/*
 * Enhanced GRE (RFC 2637 section 4): header codec, receive reorder buffer,
 * send-side sequence/acknowledgement state with the adaptive ack timer.
 *
 * Pure code: no I/O, no globals; time comes in as now_ms (any monotonic
 * millisecond clock). Counters are bumped in the struct pptp_counters the
 * caller hands to the init functions.
 *
 * What the engine does with it, per received raw-socket datagram:
 *
 *	ipv4_payload() -> gre_decode()       (-1: count gre_rx_malformed)
 *	h.call_id != our call id             (count gre_rx_wrong_call, drop)
 *	h.has_ack -> gre_tx_peer_ack()
 *	h.has_seq -> gre_rx_input()          (delivers in order via callback;
 *	                                      the callback calls gre_tx_received)
 * and on its timer: gre_rx_poll(), and if gre_tx_ack_due() an ack-only
 * packet from gre_tx_ack_only(). Both next_timer functions give the
 * absolute time to wake up.
 */
#ifndef PROTO_GRE_H
#define PROTO_GRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/counters.h"

#define GRE_PROTO_PPP		0x880b
#define GRE_HDR_MIN		8	/* no sequence, no ack */
#define GRE_HDR_MAX		16	/* sequence and ack */

struct gre_hdr {
	uint16_t	payload_len;
	uint16_t	call_id;	/* the receiver's call id (the key) */
	bool		has_seq, has_ack;
	uint32_t	seq, ack;
};

/*
 * Strip the IPv4 header a raw IPPROTO_GRE socket delivers. Checks version,
 * IHL, total length against len and the protocol (47). Trailing bytes past
 * the IP total length (link padding) are cut off. *src gets the source
 * address in network byte order. 0 on success, -1 if malformed.
 */
int	ipv4_payload(const uint8_t *pkt, size_t len, const uint8_t **gre,
	    size_t *grelen, uint32_t *src);

/*
 * Decode the enhanced GRE header at pkt. On success returns 0, fills *h and
 * points *payload at the PPP frame (h->payload_len bytes; bytes after it
 * are ignored). On failure returns -1 and *why names the check that failed
 * (a static string, for a debug log). Ack-only packets (no S bit,
 * payload_len 0) are valid.
 */
int	gre_decode(const uint8_t *pkt, size_t len, struct gre_hdr *h,
	    const uint8_t **payload, const char **why);

/*
 * Write the header for h into buf (8, 12 or 16 bytes) and return its
 * length, or 0 if cap is too small. payload_len is written as given.
 */
size_t	gre_encode(uint8_t *buf, size_t cap, const struct gre_hdr *h);

/* --- receive side: ordering -------------------------------------------- */

#define GRE_RX_SLOTS		64	/* upper bound for the receive window */
#define GRE_RX_SLOT_MAX		2048	/* largest payload we can hold early */

/* Called for each payload, in sequence order. */
typedef void (*gre_deliver_fn)(void *ctx, uint32_t seq,
    const uint8_t *payload, size_t len);

struct gre_rx_slot {
	bool		used;
	uint16_t	len;
	uint32_t	seq;
	uint64_t	arrived_ms;
};

/*
 * The reorder buffer lives inside the struct (about 130 KB): no allocation,
 * so allocate the struct itself once per call (calloc) rather than on the
 * stack.
 */
struct gre_rx {
	struct pptp_counters	*c;
	unsigned		 window;	/* 1..GRE_RX_SLOTS */
	unsigned		 wait_ms;	/* reorder wait, 0: none */
	bool			 started;
	uint32_t		 next;		/* next sequence to deliver */
	unsigned		 held;		/* used slots */
	bool			 jumping;	/* beyond-window packets seen */
	uint64_t		 jump_since_ms;
	uint32_t		 jump_seq;	/* the last of them */
	struct gre_rx_slot	 slot[GRE_RX_SLOTS];
	/*
	 * The payloads, apart from the slots: initializing the slots then
	 * touches one kilobyte, and these 128 KB stay untouched (no memory
	 * in use, where the struct is not zeroed) until packets arrive
	 * out of order.
	 */
	uint8_t			 data[GRE_RX_SLOTS][GRE_RX_SLOT_MAX];
};

/*
 * window: our receive window (what we advertised in the call request),
 * clamped to 1..GRE_RX_SLOTS. reorder_wait_ms: how long a gap may stay open
 * before the packets behind it are delivered and the gap counted lost; 0
 * delivers everything at once and counts every gap lost.
 */
void	gre_rx_init(struct gre_rx *rx, unsigned window,
	    unsigned reorder_wait_ms, struct pptp_counters *c);

/*
 * Feed one decoded packet. Packets without a sequence number (ack-only)
 * are ignored here. Delivers through fn whatever became deliverable.
 *
 * Ordering rules (serial-number arithmetic, d = seq - next):
 *	first packet	sets next = seq
 *	d < 0		duplicate or too old: dropped, gre_rx_duplicate
 *	d == 0		delivered, then any held packets that now follow
 *	0 < d < window	held (gre_rx_out_of_order), or, with reorder wait 0,
 *			delivered at once and the gap counted in gre_rx_lost
 *	d >= window	dropped, gre_rx_window_drops. A peer that keeps
 *			sending beyond the window for the reorder wait
 *			(without anything in-window arriving) has jumped:
 *			we resynchronise on it, counting the gap lost, so a
 *			misbehaving peer cannot wedge the call. So has one
 *			whose next packet beyond the window follows the
 *			last one there (seq == previous + 1): more than a
 *			window of its packets was lost (a full socket
 *			buffer, a burst on the way), and its stream goes
 *			on; that is followed at once. A peer that
 *			restarts its numbering backwards is not followed:
 *			its packets count as duplicates.
 */
void	gre_rx_input(struct gre_rx *rx, const struct gre_hdr *h,
	    const uint8_t *payload, uint64_t now_ms, gre_deliver_fn fn,
	    void *ctx);

/* Skip gaps that have been open for the reorder wait. */
void	gre_rx_poll(struct gre_rx *rx, uint64_t now_ms, gre_deliver_fn fn,
	    void *ctx);

/* Absolute time gre_rx_poll() has work, or UINT64_MAX. */
uint64_t gre_rx_next_timer(const struct gre_rx *rx);

/* --- send side: sequence numbers, window, acknowledgements ------------- */

#define GRE_ATO_MIN_MS		10
#define GRE_ATO_MAX_MS		500
#define GRE_ATO_INIT_MS		100	/* before the first RTT sample */
#define GRE_TX_TIMES		64	/* send times kept for RTT samples */

struct gre_tx {
	struct pptp_counters	*c;
	uint32_t		 next_seq;	/* next sequence to send */
	uint32_t		 una;		/* oldest not acked by peer */
	uint64_t		 una_since_ms;	/* una last moved */
	uint32_t		 peer_window;
	bool			 peer_acks;	/* peer has acked anything */

	/* what we owe the peer */
	bool			 have_rx;
	uint32_t		 rx_seq;	/* highest peer seq received */
	bool			 ack_owed;
	uint64_t		 ack_owed_ms;	/* since when */

	/* RFC 2637 appendix A estimator, scaled: srtt x8, rttvar x4 */
	bool			 have_rtt;
	uint32_t		 srtt8, rttvar4;
	uint32_t		 ato_ms;	/* adaptive ack timeout */

	uint32_t		 sent_seq[GRE_TX_TIMES];
	uint64_t		 sent_ms[GRE_TX_TIMES];
};

/*
 * first_seq: our first sequence number (0 is fine; a random one is fine).
 * peer_window: the Packet Recv Window Size from the peer's
 * Outgoing-Call-Reply (0 is taken as 64).
 */
void	gre_tx_init(struct gre_tx *tx, uint32_t first_seq,
	    uint32_t peer_window, struct pptp_counters *c);

/*
 * Build the header for one data packet (hdrbuf holds GRE_HDR_MAX bytes)
 * and return its length, with an ack piggy-backed if one is owed. Returns
 * 0 and counts gre_tx_window_full if the peer's window is full: drop the
 * frame. Counts gre_tx_packets and gre_tx_bytes.
 *
 * The window is only enforced once the peer has acknowledged something
 * (some peers never ack; they would otherwise stall after one window), and
 * packets unacked for longer than the ack timeout count as lost and leave
 * the window (PPTP never retransmits), so a lost ack cannot wedge us.
 */
size_t	gre_tx_data(struct gre_tx *tx, uint8_t *hdrbuf, uint16_t payload_len,
	    uint16_t peer_call_id, uint64_t now_ms);

/*
 * Whether gre_tx_data() would send now rather than refuse for a full
 * window; if not, *opens_ms is when the ack timeout frees the window at
 * the latest (an ack may free it sooner). A sender that can wait asks
 * first and holds its frames instead of losing them.
 */
bool	gre_tx_window_open(const struct gre_tx *tx, uint64_t now_ms,
	    uint64_t *opens_ms);

/* The peer acknowledged our sequence number ack (gre_rx_acks, RTT). */
void	gre_tx_peer_ack(struct gre_tx *tx, uint32_t ack, uint64_t now_ms);

/* We received (delivered) peer sequence seq: we owe it an ack. */
void	gre_tx_received(struct gre_tx *tx, uint32_t seq, uint64_t now_ms);

/*
 * The ack-only timer: an ack that no data packet carried within the ack
 * delay is due. The delay is half the adaptive ack timeout, so the peer,
 * running the same estimator, sees our ack before it gives up on its
 * packets.
 */
bool	gre_tx_ack_due(const struct gre_tx *tx, uint64_t now_ms);
uint64_t gre_tx_next_timer(const struct gre_tx *tx);

/*
 * Build an ack-only packet (12 bytes, into buf of at least GRE_HDR_MAX)
 * for what we owe; returns its length, or 0 if nothing was ever received.
 * Counts gre_tx_acks.
 */
size_t	gre_tx_ack_only(struct gre_tx *tx, uint8_t *buf, uint16_t peer_call_id,
	    uint64_t now_ms);

/* The current adaptive ack timeout, GRE_ATO_MIN_MS..GRE_ATO_MAX_MS. */
uint32_t gre_tx_ato(const struct gre_tx *tx);

#endif
