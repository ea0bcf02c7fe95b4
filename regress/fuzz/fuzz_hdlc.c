/*
 * libFuzzer target for proto/hdlc.c: whatever pppd (or anything else on
 * the pty) writes, read in arbitrary chunks.
 *
 * Input: byte 0 seeds the chunk sizes and picks an ACCM, the rest is the
 * pty stream. Checked beyond "no crash": every frame delivered re-encodes
 * and decodes to itself; the frame counters add up; sync mode takes the
 * whole input as one frame or counts why not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdlc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	uint32_t		 accm;
	uint64_t		 frames;
	struct pptp_counters	 c2;
	struct hdlc_rx		 rx2;
	const uint8_t		*want;
	size_t			 want_len;
	unsigned		 got;
};

static void
check_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct fuzz_ctx *f = arg;

	if (len != f->want_len || memcmp(frame, f->want, len) != 0)
		abort();
	f->got++;
}

static void
frame_fn(void *arg, const uint8_t *frame, size_t len)
{
	struct fuzz_ctx *f = arg;
	static uint8_t out[HDLC_ENCODED_MAX(HDLC_MAX_FRAME)];
	size_t n;

	if (len < 2 || len > HDLC_MAX_FRAME)
		abort();
	f->frames++;
	n = hdlc_encode(frame, len, f->accm, out, sizeof(out));
	if (n == 0 || n > HDLC_ENCODED_MAX(len) || out[0] != HDLC_FLAG ||
	    out[n - 1] != HDLC_FLAG || memchr(out + 1, HDLC_FLAG, n - 2))
		abort();
	f->want = frame;
	f->want_len = len;
	f->got = 0;
	hdlc_rx_feed(&f->rx2, out, n, check_frame, f);
	if (f->got != 1)
		abort();
}

static void
sync_fn(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)frame;
	if (len < 2 || len > HDLC_MAX_FRAME)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t accms[4] = { 0, 0xffffffff, 0x000a0000, 1 };
	static struct hdlc_rx rx;
	static struct fuzz_ctx f;
	struct pptp_counters c;
	const uint8_t *all;
	uint32_t seed;
	size_t chunk, before, all_len;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	memset(&f, 0, sizeof(f));
	f.accm = accms[data[0] & 3];
	seed = data[0];
	hdlc_rx_init(&rx, &c);
	hdlc_rx_init(&f.rx2, &f.c2);
	data++;
	size--;
	all = data;
	all_len = size;

	while (size > 0) {
		seed = seed * 1103515245u + 12345u;
		chunk = 1 + (seed >> 16) % 97;
		if (chunk > size)
			chunk = size;
		before = c.ppp_rx_frames;
		hdlc_rx_feed(&rx, data, chunk, frame_fn, &f);
		if (c.ppp_rx_frames - before > chunk)
			abort();
		data += chunk;
		size -= chunk;
	}
	if (c.ppp_rx_frames != f.frames || f.c2.ppp_bad_fcs != 0 ||
	    f.c2.ppp_runts != 0 || f.c2.ppp_too_long != 0)
		abort();

	memset(&c, 0, sizeof(c));
	hdlc_sync_feed(&rx, all, all_len, sync_fn, NULL);
	if (all_len > 0 &&
	    c.ppp_rx_frames + c.ppp_runts + c.ppp_too_long != 1)
		abort();
	return 0;
}
