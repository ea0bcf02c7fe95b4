/*
 * PPP framing towards pppd: RFC 1662 async HDLC-like framing, and the
 * trivial sync mode. This is the per-packet hot path in both directions,
 * so the FCS is table driven and computed in the same pass that escapes or
 * unescapes, and the encoder checks the output capacity once per frame,
 * not per byte.
 */
#include <string.h>

#include "proto/hdlc.h"

/*
 * FCS-16 lookup table for the reflected polynomial 0x8408 (x^16 + x^12 +
 * x^5 + 1), generated once by the usual bitwise loop.
 */
static const uint16_t fcstab[256] = {
	0x0000, 0x1189, 0x2312, 0x329b, 0x4624, 0x57ad, 0x6536, 0x74bf,
	0x8c48, 0x9dc1, 0xaf5a, 0xbed3, 0xca6c, 0xdbe5, 0xe97e, 0xf8f7,
	0x1081, 0x0108, 0x3393, 0x221a, 0x56a5, 0x472c, 0x75b7, 0x643e,
	0x9cc9, 0x8d40, 0xbfdb, 0xae52, 0xdaed, 0xcb64, 0xf9ff, 0xe876,
	0x2102, 0x308b, 0x0210, 0x1399, 0x6726, 0x76af, 0x4434, 0x55bd,
	0xad4a, 0xbcc3, 0x8e58, 0x9fd1, 0xeb6e, 0xfae7, 0xc87c, 0xd9f5,
	0x3183, 0x200a, 0x1291, 0x0318, 0x77a7, 0x662e, 0x54b5, 0x453c,
	0xbdcb, 0xac42, 0x9ed9, 0x8f50, 0xfbef, 0xea66, 0xd8fd, 0xc974,
	0x4204, 0x538d, 0x6116, 0x709f, 0x0420, 0x15a9, 0x2732, 0x36bb,
	0xce4c, 0xdfc5, 0xed5e, 0xfcd7, 0x8868, 0x99e1, 0xab7a, 0xbaf3,
	0x5285, 0x430c, 0x7197, 0x601e, 0x14a1, 0x0528, 0x37b3, 0x263a,
	0xdecd, 0xcf44, 0xfddf, 0xec56, 0x98e9, 0x8960, 0xbbfb, 0xaa72,
	0x6306, 0x728f, 0x4014, 0x519d, 0x2522, 0x34ab, 0x0630, 0x17b9,
	0xef4e, 0xfec7, 0xcc5c, 0xddd5, 0xa96a, 0xb8e3, 0x8a78, 0x9bf1,
	0x7387, 0x620e, 0x5095, 0x411c, 0x35a3, 0x242a, 0x16b1, 0x0738,
	0xffcf, 0xee46, 0xdcdd, 0xcd54, 0xb9eb, 0xa862, 0x9af9, 0x8b70,
	0x8408, 0x9581, 0xa71a, 0xb693, 0xc22c, 0xd3a5, 0xe13e, 0xf0b7,
	0x0840, 0x19c9, 0x2b52, 0x3adb, 0x4e64, 0x5fed, 0x6d76, 0x7cff,
	0x9489, 0x8500, 0xb79b, 0xa612, 0xd2ad, 0xc324, 0xf1bf, 0xe036,
	0x18c1, 0x0948, 0x3bd3, 0x2a5a, 0x5ee5, 0x4f6c, 0x7df7, 0x6c7e,
	0xa50a, 0xb483, 0x8618, 0x9791, 0xe32e, 0xf2a7, 0xc03c, 0xd1b5,
	0x2942, 0x38cb, 0x0a50, 0x1bd9, 0x6f66, 0x7eef, 0x4c74, 0x5dfd,
	0xb58b, 0xa402, 0x9699, 0x8710, 0xf3af, 0xe226, 0xd0bd, 0xc134,
	0x39c3, 0x284a, 0x1ad1, 0x0b58, 0x7fe7, 0x6e6e, 0x5cf5, 0x4d7c,
	0xc60c, 0xd785, 0xe51e, 0xf497, 0x8028, 0x91a1, 0xa33a, 0xb2b3,
	0x4a44, 0x5bcd, 0x6956, 0x78df, 0x0c60, 0x1de9, 0x2f72, 0x3efb,
	0xd68d, 0xc704, 0xf59f, 0xe416, 0x90a9, 0x8120, 0xb3bb, 0xa232,
	0x5ac5, 0x4b4c, 0x79d7, 0x685e, 0x1ce1, 0x0d68, 0x3ff3, 0x2e7a,
	0xe70e, 0xf687, 0xc41c, 0xd595, 0xa12a, 0xb0a3, 0x8238, 0x93b1,
	0x6b46, 0x7acf, 0x4854, 0x59dd, 0x2d62, 0x3ceb, 0x0e70, 0x1ff9,
	0xf78f, 0xe606, 0xd49d, 0xc514, 0xb1ab, 0xa022, 0x92b9, 0x8330,
	0x7bc7, 0x6a4e, 0x58d5, 0x495c, 0x3de3, 0x2c6a, 0x1ef1, 0x0f78,
};

#define FCS_STEP(fcs, b) \
	((uint16_t)(((fcs) >> 8) ^ fcstab[((fcs) ^ (b)) & 0xff]))

uint16_t
hdlc_fcs16(uint16_t fcs, const uint8_t *buf, size_t len)
{
	while (len--)
		fcs = FCS_STEP(fcs, *buf++);
	return fcs;
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

/* Escape src into dst, which the caller has checked is big enough. */
static inline uint8_t *
put_escaped(uint8_t *dst, const uint8_t *src, size_t len,
    const uint32_t map[8], uint16_t *fcsp)
{
	uint16_t fcs = *fcsp;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = src[i];

		fcs = FCS_STEP(fcs, b);
		if (is_esc(map, b)) {
			*dst++ = HDLC_ESC;
			b ^= HDLC_TRANS;
		}
		*dst++ = b;
	}
	*fcsp = fcs;
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
	uint16_t fcs = HDLC_FCS_INIT, dummy = 0;
	uint8_t trailer[2];
	uint8_t *p = out;

	if (len > SIZE_MAX / 2 - 4)
		return 0;
	esc_map(map, accm);
	if (cap < HDLC_ENCODED_MAX(len)) {
		/* Only near the end of the caller's buffer: count exactly. */
		fcs = hdlc_fcs16(HDLC_FCS_INIT, frame, len) ^ 0xffff;
		trailer[0] = fcs & 0xff;
		trailer[1] = fcs >> 8;
		if (cap < 2 + escaped_len(frame, len, map) +
		    escaped_len(trailer, 2, map))
			return 0;
		fcs = HDLC_FCS_INIT;
	}
	*p++ = HDLC_FLAG;
	p = put_escaped(p, frame, len, map, &fcs);
	fcs ^= 0xffff;
	trailer[0] = fcs & 0xff;		/* least significant first */
	trailer[1] = fcs >> 8;
	p = put_escaped(p, trailer, 2, map, &dummy);
	*p++ = HDLC_FLAG;
	return (size_t)(p - out);
}

void
hdlc_rx_init(struct hdlc_rx *rx, struct pptp_counters *c)
{
	rx->c = c;
	rx->len = 0;
	rx->fcs = HDLC_FCS_INIT;
	rx->esc = false;
	rx->overflow = false;
	rx->synced = false;
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
	else if (rx->fcs != HDLC_FCS_GOOD)
		rx->c->ppp_bad_fcs++;
	else {
		rx->c->ppp_rx_frames++;
		fn(ctx, rx->buf, rx->len - 2);
	}
	rx->len = 0;
	rx->fcs = HDLC_FCS_INIT;
	rx->esc = false;
	rx->overflow = false;
}

/*
 * The state lives in locals inside the loop: stores into buf (uint8_t) may
 * alias anything, which would make the compiler reload rx->len and rx->fcs
 * after every byte.
 */
void
hdlc_rx_feed(struct hdlc_rx *rx, const uint8_t *data, size_t len,
    hdlc_frame_fn fn, void *ctx)
{
	const uint8_t *end = data + len;
	uint8_t *buf = rx->buf;
	size_t n = rx->len;
	uint16_t fcs = rx->fcs;
	bool esc = rx->esc;

	/*
	 * Hunt for the first flag: whatever comes before it (a tty's
	 * leftovers, the tail of a frame from before we listened) is no
	 * frame, and no error either.
	 */
	if (!rx->synced) {
		const uint8_t *f = memchr(data, HDLC_FLAG, len);

		if (f == NULL)
			return;
		data = f;
		rx->synced = true;
		n = 0;
		fcs = HDLC_FCS_INIT;
		esc = false;
	}
	while (data < end) {
		uint8_t b = *data++;

		if (b == HDLC_FLAG) {
			rx->len = n;
			rx->fcs = fcs;
			rx->esc = esc;
			rx_end_frame(rx, fn, ctx);
			n = 0;
			fcs = HDLC_FCS_INIT;
			esc = false;
			continue;
		}
		if (b == HDLC_ESC) {
			esc = true;
			continue;
		}
		if (esc) {
			b ^= HDLC_TRANS;
			esc = false;
		}
		if (n == sizeof(rx->buf)) {
			/* Keep n at the limit: only the next flag resets. */
			rx->overflow = true;
			continue;
		}
		buf[n++] = b;
		fcs = FCS_STEP(fcs, b);
	}
	rx->len = n;
	rx->fcs = fcs;
	rx->esc = esc;
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
