/*
 * Unit tests for proto/hdlc.c: FCS-16 against published values, escaping
 * per ACCM, the deframer under every chunking, and its error counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdlc.h"

/* LCP Configure-Request, id 1, no options, with address and control. */
static const uint8_t lcp[] = { 0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04 };

/* The same frame as pppd writes it with the default ACCM 0xffffffff. */
static const uint8_t lcp_async[] = {
	0x7e,			/* flag */
	0xff,			/* address */
	0x7d, 0x23,		/* control 0x03, escaped */
	0xc0, 0x21,		/* protocol LCP */
	0x7d, 0x21,		/* code 1 */
	0x7d, 0x21,		/* id 1 */
	0x7d, 0x20, 0x7d, 0x24,	/* length 4 */
	0xd1, 0xb5,		/* FCS 0xb5d1, least significant byte first */
	0x7e,			/* flag */
};

/* The same with ACCM 0: nothing but 0x7D/0x7E would be escaped. */
static const uint8_t lcp_accm0[] = {
	0x7e, 0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04, 0xd1, 0xb5, 0x7e,
};

struct frames {
	unsigned	n;
	size_t		len[64];
	uint8_t		data[64][HDLC_MAX_FRAME];
};

static void
collect(void *ctx, const uint8_t *frame, size_t len)
{
	struct frames *f = ctx;

	assert_true(f->n < 64);
	assert_true(len <= HDLC_MAX_FRAME);
	f->len[f->n] = len;
	memcpy(f->data[f->n], frame, len);
	f->n++;
}

struct fix {
	struct pptp_counters	c;
	struct hdlc_rx		rx;
	struct frames		f;
};

static int
setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));

	hdlc_rx_init(&x->rx, &x->c);
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static void
fcs_known_values(void **state)
{
	uint8_t buf[16];
	uint16_t fcs;

	/* CRC-16/X-25 check value: FCS of "123456789" is 0x906E */
	fcs = hdlc_fcs16(HDLC_FCS_INIT, (const uint8_t *)"123456789", 9);
	assert_int_equal(fcs ^ 0xffff, 0x906e);
	/* computed in pieces: the same */
	fcs = hdlc_fcs16(HDLC_FCS_INIT, (const uint8_t *)"1234", 4);
	fcs = hdlc_fcs16(fcs, (const uint8_t *)"56789", 5);
	assert_int_equal(fcs ^ 0xffff, 0x906e);
	assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, lcp, sizeof(lcp)) ^ 0xffff,
	    0xb5d1);

	/* RFC 1662: frame plus its complemented FCS gives the good FCS */
	memcpy(buf, lcp, sizeof(lcp));
	fcs = hdlc_fcs16(HDLC_FCS_INIT, lcp, sizeof(lcp)) ^ 0xffff;
	buf[sizeof(lcp)] = fcs & 0xff;
	buf[sizeof(lcp) + 1] = fcs >> 8;
	assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, buf, sizeof(lcp) + 2),
	    HDLC_FCS_GOOD);
	assert_int_equal(HDLC_FCS_GOOD, 0xf0b8);
}

/* FCS-16 one bit at a time, straight from the polynomial */
static uint16_t
fcs_bitwise(uint16_t fcs, const uint8_t *p, size_t len)
{
	int i;

	while (len-- > 0) {
		fcs ^= *p++;
		for (i = 0; i < 8; i++)
			fcs = fcs & 1 ? (fcs >> 1) ^ 0x8408 : fcs >> 1;
	}
	return fcs;
}

/*
 * hdlc_fcs16 takes eight bytes a step through eight tables. One nonzero
 * byte in an eight-byte block, from a zero register, reads exactly one
 * entry (the zero bytes read entry 0, which is 0): so every entry of
 * every table is checked here against the bitwise FCS.
 */
static void
fcs_every_table_entry(void **state)
{
	uint8_t block[8];
	unsigned k, b;

	for (k = 0; k < 8; k++)
		for (b = 0; b < 256; b++) {
			memset(block, 0, sizeof(block));
			block[k] = (uint8_t)b;
			assert_int_equal(hdlc_fcs16(0, block, 8),
			    fcs_bitwise(0, block, 8));
		}
}

/* Every length and start offset, every starting value class */
static void
fcs_lengths_offsets(void **state)
{
	uint8_t buf[96];
	size_t off, len, i;
	uint32_t x = 12345;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (off = 0; off < 8; off++)
		for (len = 0; off + len <= sizeof(buf); len++) {
			assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, buf + off,
			    len), fcs_bitwise(HDLC_FCS_INIT, buf + off, len));
			assert_int_equal(hdlc_fcs16(0x1234, buf + off, len),
			    fcs_bitwise(0x1234, buf + off, len));
		}
}

static void
encode_vectors(void **state)
{
	uint8_t out[64];

	assert_int_equal(hdlc_encode(lcp, sizeof(lcp), HDLC_ACCM_DEFAULT, out,
	    sizeof(out)), sizeof(lcp_async));
	assert_memory_equal(out, lcp_async, sizeof(lcp_async));
	assert_int_equal(hdlc_encode(lcp, sizeof(lcp), 0, out, sizeof(out)),
	    sizeof(lcp_accm0));
	assert_memory_equal(out, lcp_accm0, sizeof(lcp_accm0));
}

static void
encode_escapes(void **state)
{
	static const uint8_t frame[] = { 0x7e, 0x7d, 0x01, 0x41, 0x11 };
	static const uint8_t want_bit1[] = {
		0x7e,
		0x7d, 0x5e,		/* 0x7E always */
		0x7d, 0x5d,		/* 0x7D always */
		0x7d, 0x21,		/* 0x01: bit 1 of ACCM set */
		0x41,			/* not a control character */
		0x11,			/* bit 17 not set */
		0x9c, 0x6e,		/* FCS 0x6e9c */
		0x7e,
	};
	static const uint8_t want_bit17[] = {
		0x7e, 0x7d, 0x5e, 0x7d, 0x5d,
		0x01,			/* bit 1 not set */
		0x41,
		0x7d, 0x31,		/* bit 17 set */
		0x9c, 0x6e, 0x7e,
	};
	uint8_t out[64];

	assert_int_equal(hdlc_encode(frame, sizeof(frame), 1u << 1, out,
	    sizeof(out)), sizeof(want_bit1));
	assert_memory_equal(out, want_bit1, sizeof(want_bit1));
	assert_int_equal(hdlc_encode(frame, sizeof(frame), 1u << 0x11, out,
	    sizeof(out)), sizeof(want_bit17));
	assert_memory_equal(out, want_bit17, sizeof(want_bit17));
}

static void
encode_fcs_escaped(void **state)
{
	uint8_t frame[2], out[16], want[8];
	uint16_t fcs;
	unsigned a, b;
	size_t n;

	/* Find a two-byte frame whose FCS contains 0x7E and check it. */
	for (a = 0x20; a < 0x7d; a++)
		for (b = 0x20; b < 0x7d; b++) {
			frame[0] = (uint8_t)a;
			frame[1] = (uint8_t)b;
			fcs = hdlc_fcs16(HDLC_FCS_INIT, frame, 2) ^ 0xffff;
			if ((fcs & 0xff) == 0x7e && (fcs >> 8) >= 0x20 &&
			    (fcs >> 8) != 0x7d && (fcs >> 8) != 0x7e)
				goto found;
		}
	fail_msg("no frame with FCS low byte 0x7e");
found:
	want[0] = 0x7e;
	want[1] = frame[0];
	want[2] = frame[1];
	want[3] = 0x7d;
	want[4] = 0x5e;
	want[5] = fcs >> 8;
	want[6] = 0x7e;
	n = hdlc_encode(frame, 2, HDLC_ACCM_DEFAULT, out, sizeof(out));
	assert_int_equal(n, 7);
	assert_memory_equal(out, want, 7);
}

static void
encode_capacity(void **state)
{
	uint8_t out[64];
	size_t n;

	memset(out, 0xaa, sizeof(out));
	/* exact room works, one byte less writes nothing */
	n = hdlc_encode(lcp, sizeof(lcp), HDLC_ACCM_DEFAULT, out,
	    sizeof(lcp_async));
	assert_int_equal(n, sizeof(lcp_async));
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(hdlc_encode(lcp, sizeof(lcp), HDLC_ACCM_DEFAULT, out,
	    sizeof(lcp_async) - 1), 0);
	assert_int_equal(out[0], 0xaa);
	assert_int_equal(hdlc_encode(lcp, sizeof(lcp), 0, out, 0), 0);
}

static void
decode_vector(void **state)
{
	struct fix *x = *state;

	hdlc_rx_feed(&x->rx, lcp_async, sizeof(lcp_async), collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->f.len[0], sizeof(lcp));
	assert_memory_equal(x->f.data[0], lcp, sizeof(lcp));
	assert_int_equal(x->c.ppp_rx_frames, 1);
	/* unescaped control characters are taken as they are */
	hdlc_rx_feed(&x->rx, lcp_accm0, sizeof(lcp_accm0), collect, &x->f);
	assert_int_equal(x->f.n, 2);
	assert_memory_equal(x->f.data[1], lcp, sizeof(lcp));
}

static void
decode_split_everywhere(void **state)
{
	struct fix *x = *state;
	uint8_t stream[256];
	size_t n, split, split2;
	static const uint8_t f2[] = { 0x80, 0x21, 0x7e, 0x7d, 0x00, 0x13 };

	n = hdlc_encode(lcp, sizeof(lcp), HDLC_ACCM_DEFAULT, stream,
	    sizeof(stream));
	n += hdlc_encode(f2, sizeof(f2), HDLC_ACCM_DEFAULT, stream + n,
	    sizeof(stream) - n);

	for (split = 0; split <= n; split++)
		for (split2 = split; split2 <= n; split2++) {
			memset(&x->f, 0, sizeof(x->f));
			hdlc_rx_init(&x->rx, &x->c);
			hdlc_rx_feed(&x->rx, stream, split, collect, &x->f);
			hdlc_rx_feed(&x->rx, stream + split, split2 - split,
			    collect, &x->f);
			hdlc_rx_feed(&x->rx, stream + split2, n - split2,
			    collect, &x->f);
			assert_int_equal(x->f.n, 2);
			assert_int_equal(x->f.len[0], sizeof(lcp));
			assert_memory_equal(x->f.data[0], lcp, sizeof(lcp));
			assert_int_equal(x->f.len[1], sizeof(f2));
			assert_memory_equal(x->f.data[1], f2, sizeof(f2));
		}
	/* byte at a time */
	memset(&x->f, 0, sizeof(x->f));
	for (split = 0; split < n; split++)
		hdlc_rx_feed(&x->rx, stream + split, 1, collect, &x->f);
	assert_int_equal(x->f.n, 2);
	assert_int_equal(x->c.ppp_bad_fcs + x->c.ppp_runts +
	    x->c.ppp_too_long, 0);
}

static void
decode_many_in_one(void **state)
{
	struct fix *x = *state;
	uint8_t stream[4096], frame[40];
	size_t n = 0, m;
	unsigned i;

	for (i = 0; i < 50; i++) {
		memset(frame, (int)i, sizeof(frame));
		frame[0] = (uint8_t)i;
		m = hdlc_encode(frame, 4 + i % 30, HDLC_ACCM_DEFAULT,
		    stream + n, sizeof(stream) - n);
		assert_int_not_equal(m, 0);
		n += m;
	}
	hdlc_rx_feed(&x->rx, stream, n, collect, &x->f);
	assert_int_equal(x->f.n, 50);
	assert_int_equal(x->c.ppp_rx_frames, 50);
	for (i = 0; i < 50; i++) {
		assert_int_equal(x->f.len[i], 4 + i % 30);
		assert_int_equal(x->f.data[i][0], i);
	}
}

/* A receiver that takes every 7th frame as the last it can take now. */
static struct hdlc_rx *stop_rx;
static void
collect_stop(void *ctx, const uint8_t *frame, size_t len)
{
	struct frames *f = ctx;

	collect(ctx, frame, len);
	if (f->n % 7 == 0)
		hdlc_rx_stop(stop_rx);
}

/*
 * hdlc_rx_stop: the feed ends right after the frame, says how much it
 * took, and the rest fed later gives every frame once, in order, as if
 * it had never stopped.
 */
static void
decode_stop(void **state)
{
	struct fix *x = *state;
	uint8_t stream[4096], frame[40];
	size_t n = 0, m, off = 0, used;
	unsigned i, feeds = 0;

	for (i = 0; i < 50; i++) {
		memset(frame, (int)i, sizeof(frame));
		m = hdlc_encode(frame, 4 + i % 30, HDLC_ACCM_DEFAULT,
		    stream + n, sizeof(stream) - n);
		assert_int_not_equal(m, 0);
		n += m;
	}
	stop_rx = &x->rx;
	while (off < n) {
		used = hdlc_rx_feed(&x->rx, stream + off, n - off,
		    collect_stop, &x->f);
		assert_int_not_equal(used, 0);
		off += used;
		feeds++;
		/* a stop leaves the read just past a frame's closing flag */
		if (off < n)
			assert_int_equal(stream[off - 1], HDLC_FLAG);
	}
	assert_int_equal(off, n);
	assert_int_equal(feeds, 50 / 7 + 1);
	assert_int_equal(x->f.n, 50);
	assert_int_equal(x->c.ppp_rx_frames, 50);
	for (i = 0; i < 50; i++) {
		assert_int_equal(x->f.len[i], 4 + i % 30);
		assert_int_equal(x->f.data[i][0], i);
	}
	/* without a stop it takes everything, garbage before a flag too */
	assert_int_equal(hdlc_rx_feed(&x->rx, stream, 3, collect, &x->f), 3);
}

/* What comes before the first flag is no frame and no error: pppd's tty
   can hold leftovers when the engine starts reading. */
static void
decode_leading_garbage(void **state)
{
	struct fix *x = *state;
	static const uint8_t junk[] = { 0x41, 0x54, 0x0d, 0x7d, 0x03 };

	hdlc_rx_feed(&x->rx, junk, sizeof(junk), collect, &x->f);
	hdlc_rx_feed(&x->rx, lcp_async, sizeof(lcp_async), collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->c.ppp_rx_frames, 1);
	assert_int_equal(x->c.ppp_bad_fcs, 0);
	assert_int_equal(x->c.ppp_runts, 0);
	/* once in step, a broken frame between flags still counts */
	hdlc_rx_feed(&x->rx, junk, sizeof(junk) - 2, collect, &x->f);
	hdlc_rx_feed(&x->rx, lcp_async, 1, collect, &x->f);
	assert_int_equal(x->c.ppp_runts, 1);
}

static void
decode_bad_fcs(void **state)
{
	struct fix *x = *state;
	uint8_t bad[sizeof(lcp_accm0)];

	memcpy(bad, lcp_accm0, sizeof(bad));
	bad[5] ^= 0x04;		/* one bit flipped in the payload */
	hdlc_rx_feed(&x->rx, bad, sizeof(bad), collect, &x->f);
	assert_int_equal(x->f.n, 0);
	assert_int_equal(x->c.ppp_bad_fcs, 1);
	memcpy(bad, lcp_accm0, sizeof(bad));
	bad[9] ^= 0x80;		/* in the FCS */
	hdlc_rx_feed(&x->rx, bad, sizeof(bad), collect, &x->f);
	assert_int_equal(x->c.ppp_bad_fcs, 2);
	/* a good frame right after still goes through */
	hdlc_rx_feed(&x->rx, lcp_accm0, sizeof(lcp_accm0), collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->c.ppp_rx_frames, 1);
}

static void
decode_abort(void **state)
{
	struct fix *x = *state;
	static const uint8_t aborted[] = { 0x7e, 0xff, 0x03, 0xc0, 0x21, 0x7d,
	    0x7e };

	hdlc_rx_feed(&x->rx, aborted, sizeof(aborted), collect, &x->f);
	hdlc_rx_feed(&x->rx, lcp_async + 1, sizeof(lcp_async) - 1, collect,
	    &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->c.ppp_bad_fcs, 1);
}

static void
decode_runts(void **state)
{
	struct fix *x = *state;
	static const uint8_t runts[] = {
		0x7e, 0x01, 0x7e,		/* 1 byte */
		0x7e, 0x01, 0x02, 0x7e,		/* 2 */
		0x7e, 0x01, 0x02, 0x03, 0x7e,	/* 3 */
		0x7e, 0x7e, 0x7e,		/* empty: just flags */
	};
	uint8_t ok4[8];
	size_t n;

	hdlc_rx_feed(&x->rx, runts, sizeof(runts), collect, &x->f);
	assert_int_equal(x->c.ppp_runts, 3);
	assert_int_equal(x->c.ppp_bad_fcs, 0);
	assert_int_equal(x->f.n, 0);
	/* 2 bytes + FCS is the shortest frame accepted */
	n = hdlc_encode((const uint8_t *)"\xc0\x21", 2, 0, ok4, sizeof(ok4));
	hdlc_rx_feed(&x->rx, ok4, n, collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->f.len[0], 2);
}

static void
decode_too_long(void **state)
{
	struct fix *x = *state;
	static uint8_t frame[HDLC_MAX_FRAME + 1];
	static uint8_t out[HDLC_ENCODED_MAX(HDLC_MAX_FRAME + 1)];
	size_t n;

	memset(frame, 0x55, sizeof(frame));
	/* the largest frame is accepted */
	n = hdlc_encode(frame, HDLC_MAX_FRAME, 0, out, sizeof(out));
	hdlc_rx_feed(&x->rx, out, n, collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->f.len[0], HDLC_MAX_FRAME);
	/* one more byte is not */
	n = hdlc_encode(frame, HDLC_MAX_FRAME + 1, 0, out, sizeof(out));
	hdlc_rx_feed(&x->rx, out, n, collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_int_equal(x->c.ppp_too_long, 1);
	/* and the deframer recovers at the next flag */
	hdlc_rx_feed(&x->rx, lcp_async, sizeof(lcp_async), collect, &x->f);
	assert_int_equal(x->f.n, 2);
	assert_int_equal(x->c.ppp_rx_frames, 2);
	/* endless garbage without a flag never overruns */
	memset(out, 0x41, sizeof(out));
	hdlc_rx_feed(&x->rx, out, sizeof(out), collect, &x->f);
	hdlc_rx_feed(&x->rx, out, sizeof(out), collect, &x->f);
	hdlc_rx_feed(&x->rx, (const uint8_t *)"\x7e", 1, collect, &x->f);
	assert_int_equal(x->c.ppp_too_long, 2);
}

/* RFC 1662 encoding one byte at a time, as the reference */
static size_t
encode_bytewise(const uint8_t *f, size_t len, uint32_t accm, uint8_t *out)
{
	uint8_t all[HDLC_MAX_FRAME + 2], b;
	uint16_t fcs;
	size_t i, n = 0;

	memcpy(all, f, len);
	fcs = fcs_bitwise(HDLC_FCS_INIT, f, len) ^ 0xffff;
	all[len] = fcs & 0xff;
	all[len + 1] = fcs >> 8;
	out[n++] = 0x7e;
	for (i = 0; i < len + 2; i++) {
		b = all[i];
		if (b == 0x7e || b == 0x7d || (b < 0x20 && (accm >> b) & 1)) {
			out[n++] = 0x7d;
			b ^= 0x20;
		}
		out[n++] = b;
	}
	out[n++] = 0x7e;
	return n;
}

/* The word-at-a-time encoder writes exactly what the bytewise one does. */
static void
encode_matches_bytewise(void **state)
{
	static uint8_t frame[HDLC_MAX_FRAME];
	static uint8_t got[HDLC_ENCODED_MAX(HDLC_MAX_FRAME)];
	static uint8_t want[HDLC_ENCODED_MAX(HDLC_MAX_FRAME)];
	static const uint32_t accms[] = { 0, 0xffffffff, 0x000a0000,
	    0x80000001, 0x00000001 };
	unsigned iter, i, a;
	size_t len, n, m;

	srandom(2637);
	for (iter = 0; iter < 2000; iter++) {
		len = (size_t)random() % (iter % 20 == 0 ? HDLC_MAX_FRAME : 40);
		for (i = 0; i < len; i++)	/* now and then plain runs */
			frame[i] = iter % 3 == 0 ? (uint8_t)(0x30 + i % 64) :
			    random() % 4 == 0 ? (uint8_t)(0x7c + random() % 3) :
			    (uint8_t)random();
		for (a = 0; a < sizeof(accms) / sizeof(accms[0]); a++) {
			m = encode_bytewise(frame, len, accms[a], want);
			n = hdlc_encode(frame, len, accms[a], got, sizeof(got));
			assert_int_equal(n, m);
			assert_memory_equal(got, want, n);
			/* and with exactly the room it needs, not one less */
			assert_int_equal(hdlc_encode(frame, len, accms[a], got,
			    m), m);
			assert_int_equal(hdlc_encode(frame, len, accms[a], got,
			    m - 1), 0);
		}
	}
}

/*
 * RFC 1662 deframing one byte at a time, as the reference: the frames it
 * delivers (their FCS-less lengths, summed) and its counters.
 */
struct ref_rx {
	uint8_t		buf[HDLC_MAX_FRAME + 2];
	size_t		len;
	int		esc, over, synced;
	uint64_t	frames, bytes, bad, runts, toolong;
};

static void
ref_feed(struct ref_rx *r, const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t b;

	for (i = 0; i < n; i++) {
		b = p[i];
		if (!r->synced && b != 0x7e)
			continue;
		r->synced = 1;
		if (b == 0x7e) {
			if (r->esc) {
				if (r->len > 0 || r->over)
					r->bad++;
			} else if (r->over)
				r->toolong++;
			else if (r->len == 0)
				;
			else if (r->len < 4)
				r->runts++;
			else if (fcs_bitwise(HDLC_FCS_INIT, r->buf, r->len) !=
			    HDLC_FCS_GOOD)
				r->bad++;
			else {
				r->frames++;
				r->bytes += r->len - 2;
			}
			r->len = 0;
			r->esc = r->over = 0;
		} else if (b == 0x7d)
			r->esc = 1;
		else {
			if (r->esc)
				b ^= 0x20;
			r->esc = 0;
			if (r->len == sizeof(r->buf))
				r->over = 1;
			else
				r->buf[r->len++] = b;
		}
	}
}

static void
count_bytes(void *ctx, const uint8_t *frame, size_t len)
{
	*(uint64_t *)ctx += len;
}

/* Any stream, in any chunks: the same frames and counts as bytewise. */
static void
decode_matches_bytewise(void **state)
{
	static uint8_t stream[16384], frame[2200];
	static struct ref_rx ref;
	struct pptp_counters c;
	struct hdlc_rx rx;
	uint64_t bytes;
	unsigned iter;
	size_t i, n, off, chunk, flen;

	srandom(1661);
	for (iter = 0; iter < 400; iter++) {
		/* good frames, junk, escapes, aborts, long runs, all mixed */
		for (n = 0; n < sizeof(stream) - HDLC_ENCODED_MAX(2200);) {
			switch (random() % 4) {
			case 0:		/* junk, heavy in specials */
				flen = (size_t)random() % 100;
				for (i = 0; i < flen; i++)
					stream[n++] = random() % 3 == 0 ?
					    (uint8_t)(0x7c + random() % 3) :
					    (uint8_t)random();
				break;
			case 1:		/* a frame, sometimes too long */
				flen = (size_t)random() % (iter % 8 == 0 ?
				    2200 : 100);
				for (i = 0; i < flen; i++)
					frame[i] = i % 5 == 0 ?
					    (uint8_t)random() : (uint8_t)(0x30 + i);
				n += hdlc_encode(frame, flen, (uint32_t)random(),
				    stream + n, sizeof(stream) - n);
				break;
			default:
				stream[n++] = random() % 2 ? 0x7e : 0x7d;
			}
		}
		memset(&ref, 0, sizeof(ref));
		memset(&c, 0, sizeof(c));
		hdlc_rx_init(&rx, &c);
		bytes = 0;
		for (off = 0; off < n; off += chunk) {
			chunk = 1 + (size_t)random() % (iter % 2 ? 9 : 3000);
			if (chunk > n - off)
				chunk = n - off;
			hdlc_rx_feed(&rx, stream + off, chunk, count_bytes,
			    &bytes);
			ref_feed(&ref, stream + off, chunk);
		}
		assert_int_equal(c.ppp_rx_frames, ref.frames);
		assert_int_equal(bytes, ref.bytes);
		assert_int_equal(c.ppp_bad_fcs, ref.bad);
		assert_int_equal(c.ppp_runts, ref.runts);
		assert_int_equal(c.ppp_too_long, ref.toolong);
	}
}

static void
round_trip_random(void **state)
{
	struct fix *x = *state;
	static uint8_t frame[HDLC_MAX_FRAME];
	static uint8_t out[HDLC_ENCODED_MAX(HDLC_MAX_FRAME) * 4];
	static const uint32_t accms[] = { 0, 0xffffffff, 0x000a0000,
	    0x80000001 };
	unsigned iter, i;
	size_t len, n, off, chunk;

	srandom(1662);
	for (iter = 0; iter < 300; iter++) {
		len = 2 + (size_t)random() % (iter % 10 == 0 ?
		    HDLC_MAX_FRAME - 1 : 64);
		for (i = 0; i < len; i++)	/* bias to the special bytes */
			frame[i] = random() % 4 == 0 ?
			    (uint8_t)(0x7c + random() % 3) :
			    (uint8_t)random();
		n = hdlc_encode(frame, len, accms[iter % 4], out, sizeof(out));
		assert_int_not_equal(n, 0);
		assert_true(n <= HDLC_ENCODED_MAX(len));
		/* no flag inside the frame; no escaped control char left */
		assert_null(memchr(out + 1, 0x7e, n - 2));
		for (i = 1; i + 1 < n; i++)
			if (out[i] < 0x20)
				assert_false((accms[iter % 4] >> out[i]) & 1);
		x->f.n = 0;
		for (off = 0; off < n; off += chunk) {
			chunk = 1 + (size_t)random() % 700;
			if (chunk > n - off)
				chunk = n - off;
			hdlc_rx_feed(&x->rx, out + off, chunk, collect, &x->f);
		}
		assert_int_equal(x->f.n, 1);
		assert_int_equal(x->f.len[0], len);
		assert_memory_equal(x->f.data[0], frame, len);
	}
	assert_int_equal(x->c.ppp_rx_frames, 300);
	assert_int_equal(x->c.ppp_bad_fcs, 0);
}

static void
sync_mode(void **state)
{
	struct fix *x = *state;
	uint8_t out[16];
	static uint8_t big[HDLC_MAX_FRAME + 1];

	assert_int_equal(hdlc_sync_encode(lcp, sizeof(lcp), out, sizeof(out)),
	    sizeof(lcp));
	assert_memory_equal(out, lcp, sizeof(lcp));
	assert_int_equal(hdlc_sync_encode(lcp, sizeof(lcp), out, 7), 0);

	hdlc_sync_feed(&x->rx, lcp, sizeof(lcp), collect, &x->f);
	assert_int_equal(x->f.n, 1);
	assert_memory_equal(x->f.data[0], lcp, sizeof(lcp));
	/* flag bytes are data here */
	hdlc_sync_feed(&x->rx, lcp_async, sizeof(lcp_async), collect, &x->f);
	assert_int_equal(x->f.len[1], sizeof(lcp_async));
	hdlc_sync_feed(&x->rx, lcp, 1, collect, &x->f);
	assert_int_equal(x->c.ppp_runts, 1);
	hdlc_sync_feed(&x->rx, big, sizeof(big), collect, &x->f);
	assert_int_equal(x->c.ppp_too_long, 1);
	assert_int_equal(x->f.n, 2);
	assert_int_equal(x->c.ppp_rx_frames, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fcs_known_values),
		cmocka_unit_test(fcs_every_table_entry),
		cmocka_unit_test(fcs_lengths_offsets),
		cmocka_unit_test(encode_vectors),
		cmocka_unit_test(encode_escapes),
		cmocka_unit_test(encode_fcs_escaped),
		cmocka_unit_test(encode_capacity),
		cmocka_unit_test(encode_matches_bytewise),
		cmocka_unit_test_setup_teardown(decode_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(decode_split_everywhere, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(decode_many_in_one, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(decode_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(decode_leading_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(decode_bad_fcs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(decode_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(decode_runts, setup, teardown),
		cmocka_unit_test_setup_teardown(decode_too_long, setup,
		    teardown),
		cmocka_unit_test(decode_matches_bytewise),
		cmocka_unit_test_setup_teardown(round_trip_random, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(sync_mode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
