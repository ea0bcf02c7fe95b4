/*
 * Unit tests for proto/gre.c: header vectors worked out by hand from
 * RFC 2637 section 4.1, every check gre_decode makes, the reorder buffer
 * and the acknowledgement logic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/gre.h"

/* Data packet: S and A set, call id 0x1234, seq 1, ack 0x01020304. */
static const uint8_t pkt_seq_ack[] = {
	0x30,			/* 0: C=0 R=0 K=1 S=1 s=0 Recur=0 */
	0x81,			/* 1: A=1 Flags=0 Ver=1 */
	0x88, 0x0b,		/* 2: protocol PPP */
	0x00, 0x04,		/* 4: payload length 4 */
	0x12, 0x34,		/* 6: call id */
	0x00, 0x00, 0x00, 0x01,	/* 8: sequence number */
	0x01, 0x02, 0x03, 0x04,	/* 12: acknowledgement number */
	0xff, 0x03, 0xc0, 0x21,	/* 16: PPP: address, control, LCP */
};

/* Data packet without ack: S set, seq 0xfffffffe, payload 2 bytes. */
static const uint8_t pkt_seq[] = {
	0x30,			/* 0: K=1 S=1 */
	0x01,			/* 1: A=0 Ver=1 */
	0x88, 0x0b,		/* 2: protocol */
	0x00, 0x02,		/* 4: payload length 2 */
	0xbe, 0xef,		/* 6: call id */
	0xff, 0xff, 0xff, 0xfe,	/* 8: sequence number */
	0x80, 0x21,		/* 12: payload (IPCP protocol bytes) */
};

/* Ack-only: no S, A set, payload length 0, ack 7. */
static const uint8_t pkt_ack[] = {
	0x20,			/* 0: K=1 only */
	0x81,			/* 1: A=1 Ver=1 */
	0x88, 0x0b,		/* 2: protocol */
	0x00, 0x00,		/* 4: payload length 0 */
	0x00, 0x2a,		/* 6: call id 42 */
	0x00, 0x00, 0x00, 0x07,	/* 8: acknowledgement number */
};

static void
decode_vectors(void **state)
{
	struct gre_hdr h;
	const uint8_t *pl = NULL;
	const char *why = NULL;

	assert_int_equal(gre_decode(pkt_seq_ack, sizeof(pkt_seq_ack), &h, &pl,
	    &why), 0);
	assert_int_equal(h.payload_len, 4);
	assert_int_equal(h.call_id, 0x1234);
	assert_true(h.has_seq);
	assert_true(h.has_ack);
	assert_int_equal(h.seq, 1);
	assert_int_equal(h.ack, 0x01020304);
	assert_ptr_equal(pl, pkt_seq_ack + 16);

	assert_int_equal(gre_decode(pkt_seq, sizeof(pkt_seq), &h, &pl, &why),
	    0);
	assert_int_equal(h.payload_len, 2);
	assert_int_equal(h.call_id, 0xbeef);
	assert_true(h.has_seq);
	assert_false(h.has_ack);
	assert_int_equal(h.seq, 0xfffffffeu);
	assert_ptr_equal(pl, pkt_seq + 12);

	assert_int_equal(gre_decode(pkt_ack, sizeof(pkt_ack), &h, &pl, &why),
	    0);
	assert_int_equal(h.payload_len, 0);
	assert_int_equal(h.call_id, 42);
	assert_false(h.has_seq);
	assert_true(h.has_ack);
	assert_int_equal(h.ack, 7);
}

static void
decode_trailing_bytes_ignored(void **state)
{
	uint8_t buf[sizeof(pkt_seq) + 3];
	struct gre_hdr h;
	const uint8_t *pl;

	memcpy(buf, pkt_seq, sizeof(pkt_seq));
	memset(buf + sizeof(pkt_seq), 0xaa, 3);
	assert_int_equal(gre_decode(buf, sizeof(buf), &h, &pl, NULL), 0);
	assert_int_equal(h.payload_len, 2);
}

static void
encode_vectors(void **state)
{
	uint8_t buf[GRE_HDR_MAX];
	struct gre_hdr h = { .payload_len = 4, .call_id = 0x1234,
	    .has_seq = true, .has_ack = true, .seq = 1, .ack = 0x01020304 };

	assert_int_equal(gre_encode(buf, sizeof(buf), &h), 16);
	assert_memory_equal(buf, pkt_seq_ack, 16);

	h = (struct gre_hdr){ .payload_len = 2, .call_id = 0xbeef,
	    .has_seq = true, .seq = 0xfffffffe };
	assert_int_equal(gre_encode(buf, sizeof(buf), &h), 12);
	assert_memory_equal(buf, pkt_seq, 12);

	h = (struct gre_hdr){ .call_id = 42, .has_ack = true, .ack = 7 };
	assert_int_equal(gre_encode(buf, sizeof(buf), &h), 12);
	assert_memory_equal(buf, pkt_ack, 12);

	/* too small: nothing */
	h.has_seq = true;
	assert_int_equal(gre_encode(buf, 15, &h), 0);
}

struct mutation {
	const char	*name;
	size_t		 off;
	uint8_t		 and, or;
	size_t		 len;		/* 0: whole packet */
};

static void
decode_strict(void **state)
{
	static const struct mutation m[] = {
		{ "C bit", 0, 0xff, 0x80, 0 },
		{ "R bit", 0, 0xff, 0x40, 0 },
		{ "K bit missing", 0, 0xdf, 0x00, 0 },
		{ "s bit", 0, 0xff, 0x08, 0 },
		{ "recursion", 0, 0xff, 0x01, 0 },
		{ "recursion 4", 0, 0xff, 0x04, 0 },
		{ "flag 0x40", 1, 0xff, 0x40, 0 },
		{ "flag 0x08", 1, 0xff, 0x08, 0 },
		{ "version 0", 1, 0xf8, 0x00, 0 },
		{ "version 2", 1, 0xf8, 0x02, 0 },
		{ "version 0 (plain GRE)", 1, 0x00, 0x00, 0 },
		{ "protocol IPv4", 2, 0x00, 0x08, 0 },
		{ "protocol low byte", 3, 0x00, 0x00, 0 },
		{ "payload length 5 > 4", 5, 0x00, 0x05, 0 },
		{ "payload length 0x0104", 4, 0x00, 0x01, 0 },
		{ "short header 7", 0, 0xff, 0x00, 7 },
		{ "empty", 0, 0xff, 0x00, 0xffff },
		{ "truncated ack", 0, 0xff, 0x00, 15 },
		{ "truncated seq", 0, 0xff, 0x00, 11 },
		{ "truncated payload", 0, 0xff, 0x00, 19 },
		{ "payload without S", 0, 0xef, 0x00, 0 },
	};
	uint8_t buf[sizeof(pkt_seq_ack)];
	struct gre_hdr h;
	const uint8_t *pl;
	const char *why;
	size_t i, len;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		memcpy(buf, pkt_seq_ack, sizeof(buf));
		buf[m[i].off] = (buf[m[i].off] & m[i].and) | m[i].or;
		len = m[i].len == 0 ? sizeof(buf) :
		    m[i].len == 0xffff ? 0 : m[i].len;
		why = NULL;
		if (gre_decode(buf, len, &h, &pl, &why) != -1)
			fail_msg("accepted: %s", m[i].name);
		assert_non_null(why);
	}
}

static void
decode_strict_seq_flags(void **state)
{
	uint8_t buf[16];
	struct gre_hdr h;
	const uint8_t *pl;
	const char *why;

	/* S set but payload length 0 */
	memcpy(buf, pkt_seq, 12);
	buf[5] = 0;
	assert_int_equal(gre_decode(buf, 12, &h, &pl, &why), -1);
	/* neither S nor A */
	memcpy(buf, pkt_ack, 12);
	buf[1] = 0x01;
	assert_int_equal(gre_decode(buf, 8, &h, &pl, &why), -1);
	/* ack-only header must be complete */
	assert_int_equal(gre_decode(pkt_ack, 11, &h, &pl, &why), -1);
}

/* IPv4 header, protocol 47, 20 bytes, src 192.0.2.1, total 20 + 12. */
static size_t
make_ip(uint8_t *buf, size_t ihl_words, size_t gre_len)
{
	size_t ihl = ihl_words * 4, total = ihl + gre_len;

	memset(buf, 0, ihl);
	buf[0] = 0x40 | (uint8_t)ihl_words;
	buf[2] = (uint8_t)(total >> 8);
	buf[3] = total & 0xff;
	buf[8] = 64;
	buf[9] = 47;
	buf[12] = 192; buf[13] = 0; buf[14] = 2; buf[15] = 1;
	buf[16] = 192; buf[17] = 0; buf[18] = 2; buf[19] = 2;
	memcpy(buf + ihl, pkt_ack, gre_len);
	return total;
}

static void
ipv4_strip(void **state)
{
	uint8_t buf[64];
	const uint8_t *gre;
	size_t grelen, n;
	uint32_t src;
	const uint8_t want_src[4] = { 192, 0, 2, 1 };

	n = make_ip(buf, 5, 12);
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), 0);
	assert_ptr_equal(gre, buf + 20);
	assert_int_equal(grelen, 12);
	assert_memory_equal(&src, want_src, 4);

	/* options: IHL 6 */
	n = make_ip(buf, 6, 12);
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), 0);
	assert_ptr_equal(gre, buf + 24);
	assert_int_equal(grelen, 12);

	/* link padding past total length is cut off */
	n = make_ip(buf, 5, 12);
	assert_int_equal(ipv4_payload(buf, n + 6, &gre, &grelen, &src), 0);
	assert_int_equal(grelen, 12);

	/* bad ones */
	assert_int_equal(ipv4_payload(buf, 19, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[0] = 0x65;
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[0] = 0x44;
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[0] = 0x4f;	/* IHL 60 > 32 */
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12);
	assert_int_equal(ipv4_payload(buf, n - 1, &gre, &grelen, &src), -1);
	n = make_ip(buf, 6, 12); buf[3] = 20;	/* total < IHL */
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[9] = 6;
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[6] = 0x20;	/* MF */
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[7] = 0x01;	/* fragment offset */
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), -1);
	n = make_ip(buf, 5, 12); buf[6] = 0x40;	/* DF is fine */
	assert_int_equal(ipv4_payload(buf, n, &gre, &grelen, &src), 0);
}

/* --- reorder buffer ------------------------------------------------------ */

struct sink {
	unsigned	n;
	uint32_t	seq[256];
	uint8_t		first[256];
	size_t		len[256];
};

static void
sink_fn(void *ctx, uint32_t seq, const uint8_t *p, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->n < 256);
	s->seq[s->n] = seq;
	s->len[s->n] = len;
	s->first[s->n] = len ? p[0] : 0;
	s->n++;
}

struct rxfix {
	struct pptp_counters	c;
	struct gre_rx		*rx;
	struct sink		s;
};

static int
rx_setup(void **state)
{
	struct rxfix *f = calloc(1, sizeof(*f));

	f->rx = calloc(1, sizeof(*f->rx));
	gre_rx_init(f->rx, 16, 100, &f->c);
	*state = f;
	return 0;
}

static int
rx_teardown(void **state)
{
	struct rxfix *f = *state;

	free(f->rx);
	free(f);
	return 0;
}

static void
feed(struct rxfix *f, uint32_t seq, uint64_t now)
{
	struct gre_hdr h = { .payload_len = 3, .has_seq = true, .seq = seq };
	uint8_t p[3] = { (uint8_t)seq, 2, 3 };

	gre_rx_input(f->rx, &h, p, now, sink_fn, &f->s);
}

static void
assert_delivered(struct rxfix *f, const uint32_t *want, unsigned n)
{
	unsigned i;

	assert_int_equal(f->s.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(f->s.seq[i], want[i]);
		assert_int_equal(f->s.first[i], (uint8_t)want[i]);
		assert_int_equal(f->s.len[i], 3);
	}
}

static void
rx_in_order(void **state)
{
	struct rxfix *f = *state;
	const uint32_t want[] = { 500, 501, 502 };

	feed(f, 500, 0);
	feed(f, 501, 1);
	feed(f, 502, 2);
	assert_delivered(f, want, 3);
	assert_int_equal(f->c.gre_rx_packets, 3);
	assert_int_equal(f->c.gre_rx_bytes, 9);
	assert_int_equal(f->c.gre_rx_out_of_order, 0);
	assert_int_equal(f->c.gre_rx_lost, 0);
	assert_int_equal(gre_rx_next_timer(f->rx), UINT64_MAX);
}

static void
rx_ack_only_ignored(void **state)
{
	struct rxfix *f = *state;
	struct gre_hdr h = { .has_ack = true, .ack = 3 };

	gre_rx_input(f->rx, &h, NULL, 0, sink_fn, &f->s);
	assert_int_equal(f->s.n, 0);
	assert_int_equal(f->c.gre_rx_packets, 0);
}

static void
rx_early_then_filled(void **state)
{
	struct rxfix *f = *state;
	const uint32_t want[] = { 10, 11, 12, 13 };

	feed(f, 10, 0);
	feed(f, 12, 5);
	feed(f, 13, 6);
	assert_int_equal(f->s.n, 1);
	assert_int_equal(f->c.gre_rx_out_of_order, 2);
	assert_int_equal(gre_rx_next_timer(f->rx), 105);
	feed(f, 11, 50);		/* within the 100 ms wait */
	assert_delivered(f, want, 4);
	assert_int_equal(f->c.gre_rx_lost, 0);
	assert_int_equal(gre_rx_next_timer(f->rx), UINT64_MAX);
	gre_rx_poll(f->rx, 1000, sink_fn, &f->s);
	assert_int_equal(f->s.n, 4);
}

static void
rx_duplicate_and_too_old(void **state)
{
	struct rxfix *f = *state;

	feed(f, 10, 0);
	feed(f, 10, 1);
	assert_int_equal(f->c.gre_rx_duplicate, 1);
	feed(f, 11, 2);
	feed(f, 12, 3);
	feed(f, 9, 4);			/* older than the start */
	feed(f, 11, 5);
	assert_int_equal(f->c.gre_rx_duplicate, 3);
	/* a held early packet sent twice */
	feed(f, 14, 6);
	feed(f, 14, 7);
	assert_int_equal(f->c.gre_rx_duplicate, 4);
	assert_int_equal(f->c.gre_rx_out_of_order, 1);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->c.gre_rx_packets, 3);
}

static void
rx_gap_times_out(void **state)
{
	struct rxfix *f = *state;
	const uint32_t want[] = { 10, 12, 13, 17 };

	feed(f, 10, 0);
	feed(f, 12, 20);
	feed(f, 13, 30);
	feed(f, 17, 60);
	assert_int_equal(gre_rx_next_timer(f->rx), 120);
	gre_rx_poll(f->rx, 119, sink_fn, &f->s);
	assert_int_equal(f->s.n, 1);
	gre_rx_poll(f->rx, 120, sink_fn, &f->s);
	/* 11 given up; 17 has only waited 60 ms */
	assert_delivered(f, want, 3);
	assert_int_equal(f->c.gre_rx_lost, 1);
	assert_int_equal(gre_rx_next_timer(f->rx), 160);
	gre_rx_poll(f->rx, 160, sink_fn, &f->s);
	assert_delivered(f, want, 4);
	assert_int_equal(f->c.gre_rx_lost, 1 + 3);	/* 14, 15, 16 */
	assert_int_equal(gre_rx_next_timer(f->rx), UINT64_MAX);
	/* the lost one turns up late: too old now */
	feed(f, 11, 200);
	assert_int_equal(f->c.gre_rx_duplicate, 1);
	assert_int_equal(f->s.n, 4);
	feed(f, 18, 210);
	assert_int_equal(f->s.n, 5);
}

static void
rx_window_drop(void **state)
{
	struct rxfix *f = *state;

	feed(f, 10, 0);
	feed(f, 27, 1);			/* 27 - 11 = 16 = window: dropped */
	assert_int_equal(f->c.gre_rx_window_drops, 1);
	feed(f, 26, 2);			/* d = 15: held */
	assert_int_equal(f->c.gre_rx_out_of_order, 1);
	assert_int_equal(f->c.gre_rx_window_drops, 1);
	assert_int_equal(f->s.n, 1);
	gre_rx_poll(f->rx, 102, sink_fn, &f->s);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.seq[1], 26);
	assert_int_equal(f->c.gre_rx_lost, 15);	/* 11..25 */
}

static void
rx_peer_jump_resyncs(void **state)
{
	struct rxfix *f = *state;

	/* strays beyond the window, none the successor of the one before */
	feed(f, 10, 0);
	feed(f, 1000, 10);
	feed(f, 1003, 60);
	assert_int_equal(f->s.n, 1);
	assert_int_equal(f->c.gre_rx_window_drops, 2);
	feed(f, 1002, 110);		/* 100 ms of nothing but the jump */
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.seq[1], 1002);
	assert_int_equal(f->c.gre_rx_lost, 1002 - 11);
	feed(f, 1003, 111);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->c.gre_rx_window_drops, 2);
}

static void
rx_peer_jump_run_followed(void **state)
{
	struct rxfix *f = *state;

	/* more than a window lost, the stream goes on: followed at its
	   second packet, without the reorder wait */
	feed(f, 10, 0);
	feed(f, 1000, 10);
	assert_int_equal(f->s.n, 1);
	feed(f, 1001, 11);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.seq[1], 1001);
	assert_int_equal(f->c.gre_rx_lost, 1001 - 11);
	assert_int_equal(f->c.gre_rx_window_drops, 1);
	feed(f, 1002, 12);
	assert_int_equal(f->s.n, 3);
	/* a stray, then a run: the run is followed */
	feed(f, 5000, 13);
	feed(f, 3000, 14);
	feed(f, 3001, 15);
	assert_int_equal(f->s.n, 4);
	assert_int_equal(f->s.seq[3], 3001);
	assert_int_equal(f->c.gre_rx_window_drops, 3);
	/* the same packet twice is no run */
	feed(f, 4000, 16);
	feed(f, 4000, 17);
	assert_int_equal(f->s.n, 4);
	assert_int_equal(f->c.gre_rx_window_drops, 5);
}

static void
rx_half_space_jump_not_followed(void **state)
{
	struct rxfix *f = *state;

	/* 11 + 2^31 - 1 is neither before nor after 10: never delivered */
	feed(f, 10, 0);
	feed(f, 11u + 0x7fffffffu, 0);
	feed(f, 11u + 0x7fffffffu, 500);
	assert_int_equal(f->s.n, 1);
	assert_int_equal(f->c.gre_rx_window_drops, 2);
	feed(f, 11u + 0x7ffffffeu, 600);	/* one less: followed */
	assert_int_equal(f->s.n, 2);
}

static void
rx_in_window_stops_jump(void **state)
{
	struct rxfix *f = *state;

	feed(f, 10, 0);
	feed(f, 1000, 10);
	feed(f, 11, 20);		/* the stream goes on normally */
	feed(f, 1001, 200);		/* a new stray: starts a new wait */
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->c.gre_rx_window_drops, 2);
}

static void
rx_wrap(void **state)
{
	struct rxfix *f = *state;
	const uint32_t want[] = { 0xfffffffe, 0xffffffff, 0, 1, 2 };

	feed(f, 0xfffffffe, 0);
	feed(f, 0, 1);			/* early, across the wrap */
	feed(f, 0xffffffff, 2);
	feed(f, 2, 3);
	feed(f, 1, 4);
	assert_delivered(f, want, 5);
	assert_int_equal(f->c.gre_rx_out_of_order, 2);
	feed(f, 0xffffffff, 5);		/* before the wrap: old */
	assert_int_equal(f->c.gre_rx_duplicate, 1);
}

static void
rx_wrap_gap_lost(void **state)
{
	struct rxfix *f = *state;

	feed(f, 0xfffffffd, 0);
	feed(f, 1, 0);
	gre_rx_poll(f->rx, 100, sink_fn, &f->s);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->c.gre_rx_lost, 3);	/* fffffffe, ffffffff, 0 */
}

static void
rx_no_wait(void **state)
{
	struct rxfix *f = *state;
	const uint32_t want[] = { 10, 13, 14 };

	gre_rx_init(f->rx, 16, 0, &f->c);
	feed(f, 10, 0);
	feed(f, 13, 0);
	feed(f, 12, 0);			/* came too late: gap already lost */
	feed(f, 14, 0);
	assert_delivered(f, want, 3);
	assert_int_equal(f->c.gre_rx_lost, 2);
	assert_int_equal(f->c.gre_rx_out_of_order, 0);
	assert_int_equal(f->c.gre_rx_duplicate, 1);
	assert_int_equal(gre_rx_next_timer(f->rx), UINT64_MAX);
}

static void
rx_window_clamped(void **state)
{
	struct rxfix *f = *state;

	gre_rx_init(f->rx, 100000, 100, &f->c);
	assert_int_equal(f->rx->window, GRE_RX_SLOTS);
	gre_rx_init(f->rx, 0, 100, &f->c);
	assert_int_equal(f->rx->window, 1);
	feed(f, 5, 0);
	feed(f, 7, 0);			/* window 1: anything early is out */
	assert_int_equal(f->c.gre_rx_window_drops, 1);
}

static void
rx_full_window_held(void **state)
{
	struct rxfix *f = *state;
	uint32_t s;

	gre_rx_init(f->rx, GRE_RX_SLOTS, 100, &f->c);
	feed(f, 1000, 0);
	for (s = 1000 + GRE_RX_SLOTS - 1; s > 1001; s--)
		feed(f, s, 1);
	assert_int_equal(f->c.gre_rx_out_of_order, GRE_RX_SLOTS - 2);
	feed(f, 1001, 2);
	assert_int_equal(f->s.n, GRE_RX_SLOTS);
	for (s = 0; s < GRE_RX_SLOTS; s++)
		assert_int_equal(f->s.seq[s], 1000 + s);
}

/* --- send side ----------------------------------------------------------- */

static void
tx_data_headers(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];
	struct gre_hdr h;
	const uint8_t *pl;

	gre_tx_init(&tx, 0xffffffff, 64, &c);
	assert_int_equal(gre_tx_data(&tx, buf, 100, 0x4321, 0), 12);
	assert_int_equal(buf[0], 0x30);
	assert_int_equal(buf[1], 0x01);	/* no ack owed yet */
	assert_int_equal(buf[4], 0);
	assert_int_equal(buf[5], 100);
	assert_int_equal(buf[6], 0x43);
	assert_int_equal(buf[7], 0x21);
	assert_memory_equal(buf + 8, "\xff\xff\xff\xff", 4);
	assert_int_equal(gre_tx_data(&tx, buf, 50, 0x4321, 1), 12);
	assert_memory_equal(buf + 8, "\0\0\0\0", 4);	/* wrapped */
	assert_int_equal(c.gre_tx_packets, 2);
	assert_int_equal(c.gre_tx_bytes, 150);

	/* what we build, we decode */
	gre_tx_received(&tx, 77, 2);
	{
		uint8_t pkt[GRE_HDR_MAX + 10] = { 0 };
		size_t n = gre_tx_data(&tx, pkt, 10, 9, 3);

		assert_int_equal(n, 16);
		assert_int_equal(gre_decode(pkt, n + 10, &h, &pl, NULL), 0);
		assert_true(h.has_seq && h.has_ack);
		assert_int_equal(h.seq, 1);
		assert_int_equal(h.ack, 77);
		assert_int_equal(h.call_id, 9);
		assert_int_equal(h.payload_len, 10);
	}
}

static void
tx_piggyback(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];

	gre_tx_init(&tx, 0, 64, &c);
	gre_tx_received(&tx, 5, 0);
	assert_true(tx.ack_owed);
	assert_int_equal(gre_tx_data(&tx, buf, 10, 1, 1), 16);
	assert_int_equal(buf[1], 0x81);
	assert_memory_equal(buf + 12, "\0\0\0\5", 4);
	/* paid: the next data packet carries none, no ack-only timer */
	assert_int_equal(gre_tx_data(&tx, buf, 10, 1, 2), 12);
	assert_int_equal(gre_tx_next_timer(&tx), UINT64_MAX);
	assert_false(gre_tx_ack_due(&tx, 100000));
	/* an older or repeated seq owes nothing new */
	gre_tx_received(&tx, 5, 3);
	gre_tx_received(&tx, 4, 3);
	assert_int_equal(gre_tx_next_timer(&tx), UINT64_MAX);
	/* the highest wins, also across the wrap */
	gre_tx_init(&tx, 0, 64, &c);
	gre_tx_received(&tx, 0xffffffff, 0);
	gre_tx_received(&tx, 1, 0);
	gre_tx_received(&tx, 0, 0);
	assert_int_equal(gre_tx_data(&tx, buf, 10, 1, 1), 16);
	assert_memory_equal(buf + 12, "\0\0\0\1", 4);
	assert_int_equal(c.gre_tx_acks, 0);
}

static void
tx_ack_only_timer(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];
	struct gre_hdr h;
	const uint8_t *pl;
	uint64_t due;

	gre_tx_init(&tx, 0, 64, &c);
	assert_int_equal(gre_tx_ack_only(&tx, buf, 1, 0), 0);
	assert_int_equal(gre_tx_next_timer(&tx), UINT64_MAX);

	gre_tx_received(&tx, 41, 1000);
	gre_tx_received(&tx, 42, 1010);	/* timer runs from the first */
	due = gre_tx_next_timer(&tx);
	assert_int_equal(due, 1000 + GRE_ATO_INIT_MS / 2);
	assert_false(gre_tx_ack_due(&tx, due - 1));
	assert_true(gre_tx_ack_due(&tx, due));
	assert_int_equal(gre_tx_ack_only(&tx, buf, 0x55aa, due), 12);
	assert_int_equal(c.gre_tx_acks, 1);
	assert_int_equal(gre_decode(buf, 12, &h, &pl, NULL), 0);
	assert_false(h.has_seq);
	assert_true(h.has_ack);
	assert_int_equal(h.ack, 42);
	assert_int_equal(h.call_id, 0x55aa);
	assert_int_equal(h.payload_len, 0);
	assert_false(gre_tx_ack_due(&tx, due + 10000));
	assert_int_equal(gre_tx_next_timer(&tx), UINT64_MAX);
	assert_int_equal(c.gre_tx_packets, 0);
}

static void
tx_rtt_estimator(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];
	int i;

	gre_tx_init(&tx, 100, 64, &c);
	assert_int_equal(gre_tx_ato(&tx), GRE_ATO_INIT_MS);
	gre_tx_data(&tx, buf, 1, 1, 1000);		/* seq 100 */
	gre_tx_peer_ack(&tx, 100, 1040);
	/* first sample 40: srtt 40, dev 20, timeout 40 + 4 * 20 */
	assert_int_equal(gre_tx_ato(&tx), 120);
	assert_int_equal(c.gre_rx_acks, 1);
	/* steady 40 ms: the deviation decays, timeout approaches 40 */
	for (i = 0; i < 40; i++) {
		gre_tx_data(&tx, buf, 1, 1, 2000 + i * 100);
		gre_tx_peer_ack(&tx, 101 + i, 2040 + i * 100);
	}
	assert_in_range(gre_tx_ato(&tx), 40, 45);
	/* the ack-only delay follows: half the timeout */
	gre_tx_received(&tx, 1, 9000);
	assert_int_equal(gre_tx_next_timer(&tx), 9000 + gre_tx_ato(&tx) / 2);
	/* huge RTT: capped */
	gre_tx_data(&tx, buf, 1, 1, 10000);
	gre_tx_peer_ack(&tx, 141, 70000);
	assert_int_equal(gre_tx_ato(&tx), GRE_ATO_MAX_MS);
	/* zero RTT for long: floored */
	for (i = 0; i < 200; i++) {
		gre_tx_data(&tx, buf, 1, 1, 80000 + i);
		gre_tx_peer_ack(&tx, 142 + i, 80000 + i);
	}
	assert_int_equal(gre_tx_ato(&tx), GRE_ATO_MIN_MS);
	/* the data packets carried the ack owed since 9000 */
	assert_int_equal(gre_tx_next_timer(&tx), UINT64_MAX);
	gre_tx_received(&tx, 2, 90000);
	assert_int_equal(gre_tx_next_timer(&tx), 90000 + GRE_ATO_MIN_MS);
}

static void
tx_stale_acks(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];

	gre_tx_init(&tx, 10, 64, &c);
	gre_tx_data(&tx, buf, 1, 1, 0);		/* 10 */
	gre_tx_data(&tx, buf, 1, 1, 0);		/* 11 */
	gre_tx_peer_ack(&tx, 12, 5);		/* never sent */
	assert_false(tx.peer_acks);
	gre_tx_peer_ack(&tx, 9, 5);		/* before anything we sent */
	assert_false(tx.peer_acks);
	assert_int_equal(gre_tx_ato(&tx), GRE_ATO_INIT_MS);
	gre_tx_peer_ack(&tx, 11, 30);
	assert_int_equal(tx.una, 12);
	gre_tx_peer_ack(&tx, 10, 31);		/* late, older */
	assert_int_equal(tx.una, 12);
	assert_int_equal(c.gre_rx_acks, 4);
}

static void
tx_peer_window(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];
	uint32_t ato;
	int i;

	gre_tx_init(&tx, 0, 4, &c);
	assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 0), 0);	/* 0 */
	gre_tx_peer_ack(&tx, 0, 10);		/* rtt 10: ato 30 */
	assert_int_equal(gre_tx_ato(&tx), 30);
	for (i = 1; i <= 4; i++)
		assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 11), 0);
	assert_int_equal(gre_tx_data(&tx, buf, 1, 1, 12), 0);
	assert_int_equal(c.gre_tx_window_full, 1);
	assert_int_equal(c.gre_tx_packets, 5);
	gre_tx_peer_ack(&tx, 2, 20);		/* two slots free */
	ato = gre_tx_ato(&tx);
	assert_in_range(ato, GRE_ATO_MIN_MS, 30);
	assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 21), 0);
	assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 21), 0);
	assert_int_equal(gre_tx_data(&tx, buf, 1, 1, 22), 0);
	assert_int_equal(c.gre_tx_window_full, 2);
	/* no ack within the timeout: the outstanding ones count as lost */
	assert_int_equal(gre_tx_data(&tx, buf, 1, 1, 20 + ato - 1), 0);
	assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 20 + ato), 0);
	assert_int_equal(c.gre_tx_window_full, 3);
}

/* gre_tx_window_open() says beforehand what gre_tx_data() will do. */
static void
tx_window_open(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];
	uint64_t opens = 0, t;
	uint32_t ato;
	int i;

	gre_tx_init(&tx, 0, 4, &c);
	/* a peer that never acked: always open */
	for (i = 0; i < 10; i++) {
		assert_true(gre_tx_window_open(&tx, 0, &opens));
		assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 0), 0);
	}
	gre_tx_peer_ack(&tx, 9, 10);
	ato = gre_tx_ato(&tx);
	for (i = 0; i < 4; i++) {
		assert_true(gre_tx_window_open(&tx, 11, &opens));
		assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 11), 0);
	}
	assert_false(gre_tx_window_open(&tx, 12, &opens));
	assert_int_equal(opens, 11 + ato);
	for (t = 12; t < opens; t++)
		assert_false(gre_tx_window_open(&tx, t, &opens));
	assert_int_equal(c.gre_tx_window_full, 0);	/* asking counts nothing */
	/* an ack opens it at once */
	gre_tx_peer_ack(&tx, 10, 13);
	assert_true(gre_tx_window_open(&tx, 13, &opens));
	assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 13), 0);
	assert_false(gre_tx_window_open(&tx, 14, &opens));
	/* and so does the ack timeout, when gre_tx_data gives them up */
	assert_true(gre_tx_window_open(&tx, opens, &opens));
	assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, opens), 0);
}

static void
tx_window_needs_acking_peer(void **state)
{
	struct pptp_counters c = { 0 };
	struct gre_tx tx;
	uint8_t buf[GRE_HDR_MAX];
	int i;

	gre_tx_init(&tx, 0, 4, &c);
	for (i = 0; i < 100; i++)
		assert_int_not_equal(gre_tx_data(&tx, buf, 1, 1, 0), 0);
	assert_int_equal(c.gre_tx_window_full, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_vectors),
		cmocka_unit_test(decode_trailing_bytes_ignored),
		cmocka_unit_test(encode_vectors),
		cmocka_unit_test(decode_strict),
		cmocka_unit_test(decode_strict_seq_flags),
		cmocka_unit_test(ipv4_strip),
		cmocka_unit_test_setup_teardown(rx_in_order, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_ack_only_ignored, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_early_then_filled, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_duplicate_and_too_old,
		    rx_setup, rx_teardown),
		cmocka_unit_test_setup_teardown(rx_gap_times_out, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_window_drop, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_peer_jump_resyncs, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_peer_jump_run_followed,
		    rx_setup, rx_teardown),
		cmocka_unit_test_setup_teardown(rx_half_space_jump_not_followed,
		    rx_setup, rx_teardown),
		cmocka_unit_test_setup_teardown(rx_in_window_stops_jump,
		    rx_setup, rx_teardown),
		cmocka_unit_test_setup_teardown(rx_wrap, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_wrap_gap_lost, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_no_wait, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_window_clamped, rx_setup,
		    rx_teardown),
		cmocka_unit_test_setup_teardown(rx_full_window_held, rx_setup,
		    rx_teardown),
		cmocka_unit_test(tx_data_headers),
		cmocka_unit_test(tx_piggyback),
		cmocka_unit_test(tx_ack_only_timer),
		cmocka_unit_test(tx_rtt_estimator),
		cmocka_unit_test(tx_stale_acks),
		cmocka_unit_test(tx_peer_window),
		cmocka_unit_test(tx_window_open),
		cmocka_unit_test(tx_window_needs_acking_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
