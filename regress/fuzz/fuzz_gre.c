/*
 * libFuzzer target for proto/gre.c: the bytes a raw GRE socket hands the
 * engine, and the order and timing they come in.
 *
 * Input: byte 0 picks the receive window and reorder wait; then records of
 * [flags][time step][len hi][len lo][len bytes]. flags bit 0: the packet
 * carries an IPv4 header (run ipv4_payload first); bit 1: poll the reorder
 * timer after it; bit 2: send a data packet after it. The clock only moves
 * forward, by the time step (x4 ms).
 *
 * Checked beyond "no crash": a header that decodes re-encodes to the same
 * bytes; payloads come out in strictly increasing sequence order, each from
 * inside the packet it came in; timers are never in the past after a poll.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/gre.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	struct gre_tx	*tx;
	uint64_t	 now;
	bool		 have_last;
	uint32_t	 last;
	uint64_t	 delivered;
};

static void
deliver(void *arg, uint32_t seq, const uint8_t *p, size_t len)
{
	struct fuzz_ctx *f = arg;
	volatile uint8_t sink = 0;
	size_t i;

	if (f->have_last && (int32_t)(seq - f->last) <= 0)
		abort();	/* out of order or repeated */
	f->have_last = true;
	f->last = seq;
	f->delivered++;
	for (i = 0; i < len; i++)	/* ASan checks every byte is ours */
		sink ^= p[i];
	(void)sink;
	gre_tx_received(f->tx, seq, f->now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gre_rx rx;	/* 130 KB: not on the stack */
	struct pptp_counters c;
	struct gre_tx tx;
	struct fuzz_ctx f;
	struct gre_hdr h;
	uint8_t hdr[GRE_HDR_MAX];
	const uint8_t *gre, *payload, *pkt;
	const char *why;
	size_t grelen, len, hl;
	uint32_t src;
	uint8_t flags;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	gre_rx_init(&rx, 1 + (data[0] & 0x3f), (data[0] >> 6) * 50, &c);
	gre_tx_init(&tx, 0xfffffff0u, data[0] & 0x0f, &c);
	memset(&f, 0, sizeof(f));
	f.tx = &tx;
	f.now = 1000;
	data++;
	size--;

	while (size >= 4) {
		flags = data[0];
		f.now += (uint64_t)data[1] * 4;
		len = (size_t)data[2] << 8 | data[3];
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		pkt = data;
		data += len;
		size -= len;

		gre = pkt;
		grelen = len;
		if ((flags & 1) &&
		    ipv4_payload(pkt, len, &gre, &grelen, &src) != 0) {
			c.gre_rx_malformed++;
			continue;
		}
		if (gre_decode(gre, grelen, &h, &payload, &why) != 0) {
			if (why == NULL)
				abort();
			c.gre_rx_malformed++;
			continue;
		}
		hl = gre_encode(hdr, sizeof(hdr), &h);
		if (hl == 0 || hl > grelen || memcmp(hdr, gre, hl) != 0)
			abort();	/* strict decode must round-trip */
		if (payload + h.payload_len > gre + grelen)
			abort();
		if (h.has_ack)
			gre_tx_peer_ack(&tx, h.ack, f.now);
		gre_rx_input(&rx, &h, payload, f.now, deliver, &f);
		if (flags & 2) {
			gre_rx_poll(&rx, f.now, deliver, &f);
			if (gre_rx_next_timer(&rx) <= f.now)
				abort();
		}
		if (flags & 4)
			(void)gre_tx_data(&tx, hdr, (uint16_t)len, 7, f.now);
		if (gre_tx_ack_due(&tx, f.now)) {
			if (gre_tx_ack_only(&tx, hdr, 7, f.now) != 12)
				abort();
			if (gre_tx_ack_due(&tx, f.now))
				abort();
		}
		if (gre_tx_ato(&tx) < GRE_ATO_MIN_MS ||
		    gre_tx_ato(&tx) > GRE_ATO_MAX_MS)
			abort();
	}
	/* whatever is held comes out once the wait is over */
	gre_rx_poll(&rx, f.now + 1000000, deliver, &f);
	if (rx.held != 0 || gre_rx_next_timer(&rx) != UINT64_MAX)
		abort();
	if (c.gre_rx_packets != f.delivered)
		abort();
	return 0;
}
