/*
 * fakepppd: the stand-in pppd of the host tests (see fakepppd.c). Kept
 * apart from proto/hdlc.c on purpose: the tests check our HDLC against an
 * implementation written independently.
 */
#ifndef FAKEPPPD_H
#define FAKEPPPD_H

#include <stddef.h>
#include <stdint.h>

#define FAKEPPPD_FRAME_MAX		4096	/* PPP frame, FCS included */
#define FAKEPPPD_HDR_LEN		16	/* FF 03 7E 21 FPPD src 0 0 0 seq */
#define FAKEPPPD_PASSWORD_MAX		512

/* RFC 1662 FCS-16: start value, and the residue over a frame + its FCS */
#define FAKEPPPD_FCS_INIT		0xffff
#define FAKEPPPD_FCS_GOOD		0xf0b8

/* pppd's exit codes that fakepppd uses itself */
#define FAKEPPPD_EXIT_USER_REQUEST	5
#define FAKEPPPD_EXIT_HANGUP		16

uint16_t	fakepppd_fcs16(uint16_t fcs, const uint8_t *p, size_t len);
/* frame.c: a test frame of len bytes (FCS not included), before HDLC */
void		fakepppd_frame(uint8_t *p, size_t len, uint32_t seq, char sender);

#endif
