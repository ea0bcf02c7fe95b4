/*
 * Enhanced GRE, RFC 2637 section 4. The header (all fields big endian):
 *
 *	byte 0	C R K S s Recur(3)	we need K=1, C=R=s=Recur=0
 *	byte 1	A Flags(4) Ver(3)	Flags=0, Ver=1
 *	2..3	protocol 0x880B
 *	4..5	payload length		(high half of the "key")
 *	6..7	call id			(low half of the "key")
 *	[4]	sequence number		if S
 *	[4]	acknowledgement number	if A
 */
#include <string.h>

#include "proto/gre.h"

#define GRE_C		0x80
#define GRE_R		0x40
#define GRE_K		0x20
#define GRE_S		0x10
#define GRE_SSR		0x08
#define GRE_RECUR	0x07
#define GRE_A		0x80
#define GRE_FLAGS	0x78
#define GRE_VER		0x07
#define GRE_VERSION	1

#define IPPROTO_GRE_NUM	47

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Serial-number comparison (RFC 1982 style): sign of a - b modulo 2^32. */
static int32_t
seqdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

int
ipv4_payload(const uint8_t *pkt, size_t len, const uint8_t **gre,
    size_t *grelen, uint32_t *src)
{
	size_t ihl, total;

	if (len < 20)
		return -1;
	if ((pkt[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len)
		return -1;
	total = get16(pkt + 2);
	if (total < ihl || total > len)
		return -1;
	/* The kernel reassembles before a raw socket sees it. */
	if ((get16(pkt + 6) & 0x3fff) != 0)
		return -1;
	if (pkt[9] != IPPROTO_GRE_NUM)
		return -1;
	*gre = pkt + ihl;
	*grelen = total - ihl;
	memcpy(src, pkt + 12, sizeof(*src));
	return 0;
}

int
gre_decode(const uint8_t *pkt, size_t len, struct gre_hdr *h,
    const uint8_t **payload, const char **why)
{
	size_t hlen;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (len < GRE_HDR_MIN) {
		*why = "short header";
		return -1;
	}
	if (pkt[0] & (GRE_C | GRE_R)) {
		*why = "checksum or routing bit set";
		return -1;
	}
	if (!(pkt[0] & GRE_K)) {
		*why = "key bit not set";
		return -1;
	}
	if (pkt[0] & (GRE_SSR | GRE_RECUR)) {
		*why = "strict source route or recursion set";
		return -1;
	}
	if (pkt[1] & GRE_FLAGS) {
		*why = "reserved flags set";
		return -1;
	}
	if ((pkt[1] & GRE_VER) != GRE_VERSION) {
		*why = "not version 1";
		return -1;
	}
	if (get16(pkt + 2) != GRE_PROTO_PPP) {
		*why = "protocol not PPP";
		return -1;
	}
	memset(h, 0, sizeof(*h));
	h->payload_len = get16(pkt + 4);
	h->call_id = get16(pkt + 6);
	h->has_seq = (pkt[0] & GRE_S) != 0;
	h->has_ack = (pkt[1] & GRE_A) != 0;
	hlen = GRE_HDR_MIN + (h->has_seq ? 4 : 0) + (h->has_ack ? 4 : 0);
	if (len < hlen) {
		*why = "truncated header";
		return -1;
	}
	if (h->has_seq)
		h->seq = get32(pkt + 8);
	if (h->has_ack)
		h->ack = get32(pkt + hlen - 4);
	if (h->payload_len > len - hlen) {
		*why = "truncated payload";
		return -1;
	}
	/* Data needs a sequence number to be ordered and acked. */
	if (h->payload_len > 0 && !h->has_seq) {
		*why = "payload without sequence number";
		return -1;
	}
	if (h->payload_len == 0 && h->has_seq) {
		*why = "sequence number without payload";
		return -1;
	}
	if (!h->has_seq && !h->has_ack) {
		*why = "neither sequence nor acknowledgement";
		return -1;
	}
	*payload = pkt + hlen;
	return 0;
}

size_t
gre_encode(uint8_t *buf, size_t cap, const struct gre_hdr *h)
{
	size_t hlen = GRE_HDR_MIN + (h->has_seq ? 4 : 0) + (h->has_ack ? 4 : 0);

	if (cap < hlen)
		return 0;
	buf[0] = GRE_K | (h->has_seq ? GRE_S : 0);
	buf[1] = (h->has_ack ? GRE_A : 0) | GRE_VERSION;
	put16(buf + 2, GRE_PROTO_PPP);
	put16(buf + 4, h->payload_len);
	put16(buf + 6, h->call_id);
	if (h->has_seq)
		put32(buf + 8, h->seq);
	if (h->has_ack)
		put32(buf + hlen - 4, h->ack);
	return hlen;
}

/* --- receive side -------------------------------------------------------- */

void
gre_rx_init(struct gre_rx *rx, unsigned window, unsigned reorder_wait_ms,
    struct pptp_counters *c)
{
	unsigned i;

	rx->c = c;
	rx->window = window < 1 ? 1 :
	    window > GRE_RX_SLOTS ? GRE_RX_SLOTS : window;
	rx->wait_ms = reorder_wait_ms;
	rx->started = false;
	rx->next = 0;
	rx->held = 0;
	rx->jumping = false;
	rx->jump_since_ms = 0;
	/* Only the flags: clearing 128 KB of payload space is pointless. */
	for (i = 0; i < GRE_RX_SLOTS; i++)
		rx->slot[i].used = false;
}

static void
rx_deliver(struct gre_rx *rx, uint32_t seq, const uint8_t *p, size_t len,
    gre_deliver_fn fn, void *ctx)
{
	rx->c->gre_rx_packets++;
	rx->c->gre_rx_bytes += len;
	fn(ctx, seq, p, len);
}

/* Deliver held packets that now follow next without a gap. */
static void
rx_flush(struct gre_rx *rx, gre_deliver_fn fn, void *ctx)
{
	struct gre_rx_slot *s;

	while (rx->held > 0) {
		s = &rx->slot[rx->next % GRE_RX_SLOTS];
		if (!s->used || s->seq != rx->next)
			break;
		s->used = false;
		rx->held--;
		rx_deliver(rx, s->seq, rx->data[s->seq % GRE_RX_SLOTS], s->len,
		    fn, ctx);
		rx->next++;
	}
}

/* Give up on the gap before the lowest held packet and deliver from it. */
static void
rx_skip_gap(struct gre_rx *rx, gre_deliver_fn fn, void *ctx)
{
	unsigned d;

	for (d = 1; d < GRE_RX_SLOTS; d++) {
		const struct gre_rx_slot *s =
		    &rx->slot[(rx->next + d) % GRE_RX_SLOTS];
		if (s->used && s->seq == rx->next + d)
			break;
	}
	rx->c->gre_rx_lost += d;
	rx->next += d;
	rx_flush(rx, fn, ctx);
}

static void
rx_beyond_window(struct gre_rx *rx, uint32_t seq, const uint8_t *payload,
    size_t len, uint64_t now_ms, gre_deliver_fn fn, void *ctx)
{
	uint32_t last = rx->jump_seq;

	if (!rx->jumping) {
		rx->jumping = true;
		rx->jump_since_ms = now_ms;
		rx->jump_seq = seq;
		rx->c->gre_rx_window_drops++;
		return;
	}
	/*
	 * A jump of 2^31 - 1 would put seq exactly half the number space
	 * past the last delivered one: neither before nor after it in serial
	 * arithmetic, which would confuse the ack logic. Never follow it.
	 */
	if (seq - rx->next == (uint32_t)INT32_MAX) {
		rx->c->gre_rx_window_drops++;
		return;
	}
	/*
	 * A stray or corrupt sequence number is not followed by its
	 * successor; a stream that lost more than a window (the kernel drops
	 * at a full socket buffer while pppd is slower than the server) is,
	 * and waiting out the reorder wait would then drop everything for
	 * that long. Anything else waits for the reorder wait.
	 */
	rx->jump_seq = seq;
	if (seq != last + 1 && now_ms - rx->jump_since_ms < rx->wait_ms) {
		rx->c->gre_rx_window_drops++;
		return;
	}
	/* The peer has moved on for good: follow it. */
	while (rx->held > 0)
		rx_skip_gap(rx, fn, ctx);
	rx->c->gre_rx_lost += seq - rx->next;
	rx->next = seq + 1;
	rx->jumping = false;
	rx_deliver(rx, seq, payload, len, fn, ctx);
}

void
gre_rx_input(struct gre_rx *rx, const struct gre_hdr *h,
    const uint8_t *payload, uint64_t now_ms, gre_deliver_fn fn, void *ctx)
{
	struct gre_rx_slot *s;
	int32_t d;

	if (!h->has_seq)
		return;
	if (!rx->started) {
		rx->started = true;
		rx->next = h->seq;
	}
	d = seqdiff(h->seq, rx->next);
	if (d < 0) {
		rx->c->gre_rx_duplicate++;
		return;
	}
	if ((uint32_t)d >= rx->window) {
		rx_beyond_window(rx, h->seq, payload, h->payload_len, now_ms,
		    fn, ctx);
		return;
	}
	rx->jumping = false;
	if (d == 0) {
		rx_deliver(rx, h->seq, payload, h->payload_len, fn, ctx);
		rx->next++;
		rx_flush(rx, fn, ctx);
		return;
	}
	if (rx->wait_ms == 0) {
		rx->c->gre_rx_lost += (uint32_t)d;
		rx_deliver(rx, h->seq, payload, h->payload_len, fn, ctx);
		rx->next = h->seq + 1;
		return;
	}
	s = &rx->slot[h->seq % GRE_RX_SLOTS];
	if (s->used) {
		/* Slots map one-to-one onto the window: same seq. */
		rx->c->gre_rx_duplicate++;
		return;
	}
	if (h->payload_len > GRE_RX_SLOT_MAX) {
		/* Cannot be held; it will be a gap like any loss. */
		rx->c->gre_rx_window_drops++;
		return;
	}
	s->used = true;
	s->seq = h->seq;
	s->len = h->payload_len;
	s->arrived_ms = now_ms;
	memcpy(rx->data[h->seq % GRE_RX_SLOTS], payload, h->payload_len);
	rx->held++;
	rx->c->gre_rx_out_of_order++;
}

static uint64_t
rx_oldest(const struct gre_rx *rx)
{
	uint64_t oldest = UINT64_MAX;
	unsigned i;

	for (i = 0; i < GRE_RX_SLOTS; i++)
		if (rx->slot[i].used && rx->slot[i].arrived_ms < oldest)
			oldest = rx->slot[i].arrived_ms;
	return oldest;
}

void
gre_rx_poll(struct gre_rx *rx, uint64_t now_ms, gre_deliver_fn fn, void *ctx)
{
	/* A packet never waits longer than the reorder wait. */
	while (rx->held > 0 && rx_oldest(rx) + rx->wait_ms <= now_ms)
		rx_skip_gap(rx, fn, ctx);
}

uint64_t
gre_rx_next_timer(const struct gre_rx *rx)
{
	if (rx->held == 0)
		return UINT64_MAX;
	return rx_oldest(rx) + rx->wait_ms;
}

/* --- send side ----------------------------------------------------------- */

void
gre_tx_init(struct gre_tx *tx, uint32_t first_seq, uint32_t peer_window,
    struct pptp_counters *c)
{
	memset(tx, 0, sizeof(*tx));
	tx->c = c;
	tx->next_seq = first_seq;
	tx->una = first_seq;
	tx->peer_window = peer_window ? peer_window : 64;
	tx->ato_ms = GRE_ATO_INIT_MS;
}

uint32_t
gre_tx_ato(const struct gre_tx *tx)
{
	return tx->ato_ms;
}

static uint32_t
ack_delay(const struct gre_tx *tx)
{
	uint32_t d = tx->ato_ms / 2;

	return d < GRE_ATO_MIN_MS ? GRE_ATO_MIN_MS : d;
}

/*
 * RFC 2637 appendix A: smoothed RTT with gain 1/8, mean deviation with
 * gain 1/4, timeout = RTT + 4 * deviation, kept within sane bounds.
 */
static void
rtt_sample(struct gre_tx *tx, uint64_t rtt_ms)
{
	int64_t rtt, delta, ato;

	if (rtt_ms > 60000)
		rtt_ms = 60000;
	rtt = (int64_t)rtt_ms;
	if (!tx->have_rtt) {
		tx->have_rtt = true;
		tx->srtt8 = (uint32_t)(rtt * 8);
		tx->rttvar4 = (uint32_t)(rtt * 2);
	} else {
		delta = rtt - (int64_t)tx->srtt8 / 8;
		tx->srtt8 = (uint32_t)((int64_t)tx->srtt8 + delta);
		if (delta < 0)
			delta = -delta;
		tx->rttvar4 = (uint32_t)((int64_t)tx->rttvar4 + delta -
		    (int64_t)tx->rttvar4 / 4);
	}
	ato = (int64_t)tx->srtt8 / 8 + tx->rttvar4;
	if (ato < GRE_ATO_MIN_MS)
		ato = GRE_ATO_MIN_MS;
	if (ato > GRE_ATO_MAX_MS)
		ato = GRE_ATO_MAX_MS;
	tx->ato_ms = (uint32_t)ato;
}

bool
gre_tx_window_open(const struct gre_tx *tx, uint64_t now_ms,
    uint64_t *opens_ms)
{
	if (!tx->peer_acks || tx->next_seq - tx->una < tx->peer_window ||
	    now_ms - tx->una_since_ms >= tx->ato_ms)
		return true;
	*opens_ms = tx->una_since_ms + tx->ato_ms;
	return false;
}

size_t
gre_tx_data(struct gre_tx *tx, uint8_t *hdrbuf, uint16_t payload_len,
    uint16_t peer_call_id, uint64_t now_ms)
{
	struct gre_hdr h;
	uint32_t outstanding = tx->next_seq - tx->una;
	uint64_t opens;
	unsigned i;

	if (!gre_tx_window_open(tx, now_ms, &opens)) {
		tx->c->gre_tx_window_full++;
		return 0;
	}
	if (tx->peer_acks && outstanding >= tx->peer_window) {
		/* open only by the timeout: those packets are gone */
		tx->una = tx->next_seq;
		outstanding = 0;
	}
	if (outstanding == 0)
		tx->una_since_ms = now_ms;
	memset(&h, 0, sizeof(h));
	h.payload_len = payload_len;
	h.call_id = peer_call_id;
	h.has_seq = true;
	h.seq = tx->next_seq++;
	if (tx->ack_owed) {
		h.has_ack = true;
		h.ack = tx->rx_seq;
		tx->ack_owed = false;
	}
	i = h.seq % GRE_TX_TIMES;
	tx->sent_seq[i] = h.seq;
	tx->sent_ms[i] = now_ms;
	tx->c->gre_tx_packets++;
	tx->c->gre_tx_bytes += payload_len;
	return gre_encode(hdrbuf, GRE_HDR_MAX, &h);
}

void
gre_tx_peer_ack(struct gre_tx *tx, uint32_t ack, uint64_t now_ms)
{
	unsigned i;

	tx->c->gre_rx_acks++;
	/* Ignore stale acks and acks for what we never sent. */
	if (seqdiff(ack, tx->una) < 0 || seqdiff(ack, tx->next_seq) >= 0)
		return;
	tx->peer_acks = true;
	i = ack % GRE_TX_TIMES;
	if (tx->sent_seq[i] == ack && now_ms >= tx->sent_ms[i])
		rtt_sample(tx, now_ms - tx->sent_ms[i]);
	tx->una = ack + 1;
	tx->una_since_ms = now_ms;
}

void
gre_tx_received(struct gre_tx *tx, uint32_t seq, uint64_t now_ms)
{
	if (tx->have_rx && seqdiff(seq, tx->rx_seq) <= 0)
		return;
	tx->have_rx = true;
	tx->rx_seq = seq;
	if (!tx->ack_owed) {
		tx->ack_owed = true;
		tx->ack_owed_ms = now_ms;
	}
}

bool
gre_tx_ack_due(const struct gre_tx *tx, uint64_t now_ms)
{
	return tx->ack_owed && now_ms >= tx->ack_owed_ms + ack_delay(tx);
}

uint64_t
gre_tx_next_timer(const struct gre_tx *tx)
{
	if (!tx->ack_owed)
		return UINT64_MAX;
	return tx->ack_owed_ms + ack_delay(tx);
}

size_t
gre_tx_ack_only(struct gre_tx *tx, uint8_t *buf, uint16_t peer_call_id,
    uint64_t now_ms)
{
	struct gre_hdr h;

	if (!tx->have_rx)
		return 0;
	memset(&h, 0, sizeof(h));
	h.call_id = peer_call_id;
	h.has_ack = true;
	h.ack = tx->rx_seq;
	tx->ack_owed = false;
	tx->c->gre_tx_acks++;
	return gre_encode(buf, GRE_HDR_MAX, &h);
}
