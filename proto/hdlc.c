/*
 * PPP framing towards pppd: RFC 1662 async HDLC-like framing, and the
 * trivial sync mode. This is the per-packet hot path in both directions:
 * the FCS takes eight bytes a step over the whole frame, escaping and
 * unescaping look at eight bytes at a time and copy runs that need
 * nothing, and the encoder checks the output capacity once per frame, not
 * per byte.
 */
#include <string.h>

#include "proto/hdlc.h"
#include "proto/hdlc_fcstab.h"

#define FCS_STEP(fcs, b) \
	((uint16_t)(((fcs) >> 8) ^ fcstab[0][((fcs) ^ (b)) & 0xff]))

/*
 * Eight bytes per step ("slicing by 8"): the two bytes that meet the
 * register and the six behind them are looked up independently, so the
 * loads overlap instead of waiting on each other byte by byte.
 */
uint16_t
hdlc_fcs16(uint16_t fcs, const uint8_t *buf, size_t len)
{
	while (len >= 8) {
		fcs ^= (uint16_t)(buf[0] | buf[1] << 8);
		fcs = fcstab[7][fcs & 0xff] ^ fcstab[6][fcs >> 8] ^
		    fcstab[5][buf[2]] ^ fcstab[4][buf[3]] ^
		    fcstab[3][buf[4]] ^ fcstab[2][buf[5]] ^
		    fcstab[1][buf[6]] ^ fcstab[0][buf[7]];
		buf += 8;
		len -= 8;
	}
	while (len--)
		fcs = FCS_STEP(fcs, *buf++);
	return fcs;
}

/*
 * Word at a time: does any byte of w fall below n (n <= 128)? Exact as a
 * yes or no for the word; which byte it was is found byte by byte.
 */
#define ONES		0x0101010101010101ULL
#define HIGHS		0x8080808080808080ULL
#define HAS_LESS(w, n)	(((w) - ONES * (n)) & ~(w) & HIGHS)
/* 0x7D and 0x7E become 1 and 2 (and 0x7C 0, a harmless false alarm) */
#define HAS_FLAG_ESC(w)	HAS_LESS((w) ^ (ONES * 0x7c), 3)

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Which of the 256 byte values must be escaped: bit b of map[b / 32]. */
static void
esc_map(uint32_t map[8], uint32_t accm)
{
	memset(map + 1, 0, 7 * sizeof(map[0]));
	map[0] = accm;
	map[HDLC_FLAG / 32] |= 1u << (HDLC_FLAG % 32);
	map[HDLC_ESC / 32] |= 1u << (HDLC_ESC % 32);
}

static inline bool
is_esc(const uint32_t map[8], uint8_t b)
{
	return (map[b >> 5] >> (b & 31)) & 1;
}

/*
 * Escape src into dst, which the caller has checked is big enough. A word
 * with no byte that might need escaping (a control character, if the ACCM
 * asks for any, 0x7D, 0x7E) is copied whole; the others byte by byte.
 */
static inline uint8_t *
put_escaped(uint8_t *dst, const uint8_t *src, size_t len,
    const uint32_t map[8])
{
	const uint8_t *end = src + len;
	uint64_t w, ctl = map[0] != 0 ? 0x20 : 0;
	size_t i;

	while (end - src >= 8) {
		w = load64(src);
		if ((HAS_LESS(w, ctl) | HAS_FLAG_ESC(w)) == 0) {
			memcpy(dst, &w, sizeof(w));
			dst += 8;
			src += 8;
			continue;
		}
		for (i = 0; i < 8; i++) {
			uint8_t b = *src++;

			if (is_esc(map, b)) {
				*dst++ = HDLC_ESC;
				b ^= HDLC_TRANS;
			}
			*dst++ = b;
		}
	}
	while (src < end) {
		uint8_t b = *src++;

		if (is_esc(map, b)) {
			*dst++ = HDLC_ESC;
			b ^= HDLC_TRANS;
		}
		*dst++ = b;
	}
	return dst;
}

static size_t
escaped_len(const uint8_t *src, size_t len, const uint32_t map[8])
{
	size_t i, n = len;

	for (i = 0; i < len; i++)
		n += is_esc(map, src[i]);
	return n;
}

size_t
hdlc_encode(const uint8_t *frame, size_t len, uint32_t accm, uint8_t *out,
    size_t cap)
{
	uint32_t map[8];
	uint16_t fcs;
	uint8_t trailer[2];
	uint8_t *p = out;

	if (len > SIZE_MAX / 2 - 4)
		return 0;
	esc_map(map, accm);
	fcs = hdlc_fcs16(HDLC_FCS_INIT, frame, len) ^ 0xffff;
	trailer[0] = fcs & 0xff;		/* least significant first */
	trailer[1] = fcs >> 8;
	/* Only near the end of the caller's buffer: count exactly. */
	if (cap < HDLC_ENCODED_MAX(len) && cap < 2 +
	    escaped_len(frame, len, map) + escaped_len(trailer, 2, map))
		return 0;
	*p++ = HDLC_FLAG;
	p = put_escaped(p, frame, len, map);
	p = put_escaped(p, trailer, 2, map);
	*p++ = HDLC_FLAG;
	return (size_t)(p - out);
}

void
hdlc_rx_init(struct hdlc_rx *rx, struct pptp_counters *c)
{
	rx->c = c;
	rx->len = 0;
	rx->esc = false;
	rx->overflow = false;
	rx->synced = false;
	rx->stop = false;
}

static void
rx_end_frame(struct hdlc_rx *rx, hdlc_frame_fn fn, void *ctx)
{
	if (rx->esc) {
		/* 0x7D 0x7E: the sender aborted the frame. */
		if (rx->len > 0 || rx->overflow)
			rx->c->ppp_bad_fcs++;
	} else if (rx->overflow)
		rx->c->ppp_too_long++;
	else if (rx->len == 0)
		;	/* flag between frames */
	else if (rx->len < 4)
		rx->c->ppp_runts++;
	else if (hdlc_fcs16(HDLC_FCS_INIT, rx->buf, rx->len) != HDLC_FCS_GOOD)
		rx->c->ppp_bad_fcs++;
	else {
		rx->c->ppp_rx_frames++;
		fn(ctx, rx->buf, rx->len - 2);
	}
	rx->len = 0;
	rx->esc = false;
	rx->overflow = false;
}

/* The first 0x7D or 0x7E in [p, end), or end. */
static const uint8_t *
find_flag_esc(const uint8_t *p, const uint8_t *end)
{
	while (end - p >= 8 && HAS_FLAG_ESC(load64(p)) == 0)
		p += 8;
	while (p < end && *p != HDLC_FLAG && *p != HDLC_ESC)
		p++;
	return p;
}

/* Append to the frame; what does not fit marks it too long. */
static inline void
rx_put(struct hdlc_rx *rx, const uint8_t *p, size_t n)
{
	size_t room = sizeof(rx->buf) - rx->len;

	if (n > room) {
		n = room;
		rx->overflow = true;
	}
	memcpy(rx->buf + rx->len, p, n);
	rx->len += n;
}

/*
 * Runs of plain bytes are copied whole; only flags and escapes are looked
 * at one by one. The FCS is checked over the whole frame at its end.
 */
void
hdlc_rx_stop(struct hdlc_rx *rx)
{
	rx->stop = true;
}

size_t
hdlc_rx_feed(struct hdlc_rx *rx, const uint8_t *data, size_t len,
    hdlc_frame_fn fn, void *ctx)
{
	const uint8_t *start = data, *end = data + len, *q;
	uint8_t b;

	/*
	 * Hunt for the first flag: whatever comes before it (a tty's
	 * leftovers, the tail of a frame from before we listened) is no
	 * frame, and no error either.
	 */
	if (!rx->synced) {
		const uint8_t *f = memchr(data, HDLC_FLAG, len);

		if (f == NULL)
			return len;
		data = f;
		rx->synced = true;
		rx->len = 0;
		rx->esc = false;
		rx->overflow = false;
	}
	while (data < end) {
		if (rx->esc) {
			b = *data;
			if (b != HDLC_FLAG && b != HDLC_ESC) {
				b ^= HDLC_TRANS;
				rx_put(rx, &b, 1);
				rx->esc = false;
				data++;
				continue;
			}
		} else {
			q = find_flag_esc(data, end);
			if (q > data)
				rx_put(rx, data, (size_t)(q - data));
			if ((data = q) == end)
				break;
		}
		if (*data++ != HDLC_FLAG)
			rx->esc = true;
		else {
			rx_end_frame(rx, fn, ctx);
			if (rx->stop) {
				rx->stop = false;
				break;
			}
		}
	}
	return (size_t)(data - start);
}

size_t
hdlc_sync_encode(const uint8_t *frame, size_t len, uint8_t *out, size_t cap)
{
	if (len > cap)
		return 0;
	memcpy(out, frame, len);
	return len;
}

void
hdlc_sync_feed(struct hdlc_rx *rx, const uint8_t *data, size_t len,
    hdlc_frame_fn fn, void *ctx)
{
	if (len < 2) {
		if (len > 0)
			rx->c->ppp_runts++;
		return;
	}
	if (len > HDLC_MAX_FRAME) {
		rx->c->ppp_too_long++;
		return;
	}
	rx->c->ppp_rx_frames++;
	fn(ctx, data, len);
}
