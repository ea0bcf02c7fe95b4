/*
 * The frames fakepppd sends, for fakepppd and for regress/bench/ptyperf,
 * which writes the same stream into a pty with no client in the way:
 * FF 03 7E 21, "FPPD", the sender's letter and three zero bytes, a
 * 32-bit sequence number, then filler counting up from it, which the
 * reader checks.
 */
#include <string.h>

#include "regress/host/fakepppd/fakepppd.h"

void
fakepppd_frame(uint8_t *p, size_t len, uint32_t seq, char sender)
{
	size_t i;

	memcpy(p, "\xff\x03\x7e\x21" "FPPD" "?\0\0\0", 12);
	p[8] = (uint8_t)sender;
	p[12] = seq >> 24;
	p[13] = seq >> 16;
	p[14] = seq >> 8;
	p[15] = seq;
	for (i = FAKEPPPD_HDR_LEN; i < len; i++)
		p[i] = (uint8_t)(seq + (i - FAKEPPPD_HDR_LEN));
}
