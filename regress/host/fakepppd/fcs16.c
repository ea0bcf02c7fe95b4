/*
 * FCS-16 of RFC 1662 (reflected CRC-CCITT, polynomial 0x8408), table
 * driven. The table is computed rather than written out so that it cannot
 * carry a typo.
 */
#include "regress/host/fakepppd/fakepppd.h"

static uint16_t	table[256];
static int	table_ready;

static void
make_table(void)
{
	unsigned b, i;
	uint16_t v;

	for (b = 0; b < 256; b++) {
		v = (uint16_t)b;
		for (i = 0; i < 8; i++)
			v = v & 1 ? (v >> 1) ^ 0x8408 : v >> 1;
		table[b] = v;
	}
	table_ready = 1;
}

uint16_t
fakepppd_fcs16(uint16_t fcs, const uint8_t *p, size_t len)
{
	if (!table_ready)
		make_table();
	while (len-- > 0)
		fcs = (fcs >> 8) ^ table[(fcs ^ *p++) & 0xff];
	return fcs;
}
