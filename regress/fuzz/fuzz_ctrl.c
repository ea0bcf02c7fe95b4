/*
 * libFuzzer target for the PPTP control path: the message decoder on its
 * own, then the same bytes played as a server's TCP stream into a client
 * state machine, cut into chunks and mixed with timer ticks and output
 * drains the input itself chooses.
 *
 *	clang -fsanitize=fuzzer,address,undefined -I. \
 *	    regress/fuzz/fuzz_ctrl.c (and every .c file of proto/)
 *
 * The seed corpus (regress/fuzz/corpus/ctrl/) starts with a control byte
 * and then holds valid server messages for call id 0x1234, so the fuzzer
 * reaches the established state early.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctrl.h"
#include "proto/pptp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
decode_all(const uint8_t *data, size_t size)
{
	struct pptp_ctrl_msg m;
	uint8_t again[PPTP_MAX_MSG_LEN];
	char err[160];
	size_t used, n;
	int r;

	while (size > 0) {
		r = pptp_ctrl_decode(data, size, &m, &used, err, sizeof(err));
		if (r != 1)
			return;
		if (used > size || used != pptp_msg_len(m.type))
			abort();
		/* what decodes must encode back to the same length */
		n = pptp_ctrl_encode(&m, again, sizeof(again));
		if (n != used)
			abort();
		data += used;
		size -= used;
	}
}

static void
check(const struct pptp *p)
{
	if (pptp_output_pending(p) > PPTP_BUF_SIZE ||
	    p->inlen > PPTP_BUF_SIZE ||
	    memchr(p->last_error, '\0', sizeof(p->last_error)) == NULL ||
	    p->state > PPTP_CLOSED)
		abort();
	if (p->state == PPTP_CLOSED && pptp_next_timer(p) != UINT64_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pptp_counters c;
	struct pptp_params pp;
	struct pptp p;
	uint64_t now = 1000;
	uint8_t ctl;
	size_t chunk, n;

	decode_all(data, size);
	if (size < 1)
		return 0;

	/*
	 * ctl: low bits pick the chunk size (0 means all at once); bit 6
	 * drains output after every chunk; bit 7 fires the next timer
	 * between chunks.
	 */
	ctl = data[0];
	data++;
	size--;
	chunk = ctl & 0x3f;
	if (chunk == 0)
		chunk = size ? size : 1;

	pptp_params_default(&pp);
	memcpy(pp.hostname, "fuzz", 5);
	pp.call_id = 0x1234;
	pp.call_serial = 1;
	memset(&c, 0, sizeof(c));
	pptp_init(&p, &pp, &c, now);
	pptp_start(&p, now);

	while (size > 0) {
		n = size < chunk ? size : chunk;
		pptp_input(&p, data, n, now);
		check(&p);
		data += n;
		size -= n;
		if (ctl & 0x40)
			pptp_output_consume(&p, pptp_output_pending(&p));
		if ((ctl & 0x80) && pptp_next_timer(&p) != UINT64_MAX) {
			now = pptp_next_timer(&p);
			pptp_timer(&p, now);
			check(&p);
		} else
			now += 7;
	}
	pptp_stop(&p, now, "fuzz");
	check(&p);
	pptp_timer(&p, now + 60000);
	check(&p);
	pptp_peer_closed(&p, now + 60001);
	if (p.state != PPTP_CLOSED)
		abort();
	return 0;
}
