/*
 * PPP framing between the engine and pppd on the pty.
 *
 * Async (RFC 1662, what pppd speaks on a tty by default): frames between
 * 0x7E flags, 0x7D escapes, FCS-16 at the end. The PPTP side (GRE payload)
 * carries the bare frame: no flags, no escapes, no FCS.
 *
 * Sync (pppd's "sync" option, ppp_synctty): the frame goes over the pty as
 * it is, with no flags, escapes or FCS. There is no delimiter, so this mode
 * relies on one frame per write() by pppd and one frame per read() by us;
 * the engine must read with a buffer of at least HDLC_MAX_FRAME bytes and
 * write each frame with its own write(). A pty may merge two writes into one
 * read under load, which is why async is the default.
 *
 * Pure code: no I/O, no globals. The encoders count nothing (they have no
 * counters): the engine counts ppp_tx_frames for what it writes.
 */
#ifndef PROTO_HDLC_H
#define PROTO_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/counters.h"

#define HDLC_FLAG		0x7e
#define HDLC_ESC		0x7d
#define HDLC_TRANS		0x20
#define HDLC_FCS_INIT		0xffff
#define HDLC_FCS_GOOD		0xf0b8	/* FCS over frame plus its FCS */
#define HDLC_ACCM_DEFAULT	0xffffffffu

/* Largest frame we accept, without FCS (MRU 1500 + headers, with room). */
#define HDLC_MAX_FRAME		2048

/* Worst case encoded size of a frame of len bytes: all escaped, 2 flags. */
#define HDLC_ENCODED_MAX(len)	(2 * ((len) + 2) + 2)

/* FCS-16 (RFC 1662 appendix C) of buf, continuing from fcs. */
uint16_t hdlc_fcs16(uint16_t fcs, const uint8_t *buf, size_t len);

/*
 * Append one frame to out: flag, frame and its FCS escaped per accm (a
 * control character c < 0x20 is escaped if bit c of accm is set; 0x7D and
 * 0x7E always), flag. Returns the bytes written, or 0 (out untouched past
 * what was written, nothing counted as written) if cap is too small. Call it
 * repeatedly with out += n, cap -= n to pack many frames into one write.
 */
size_t	hdlc_encode(const uint8_t *frame, size_t len, uint32_t accm,
	    uint8_t *out, size_t cap);

/* Called with each good frame, FCS removed. */
typedef void (*hdlc_frame_fn)(void *ctx, const uint8_t *frame, size_t len);

struct hdlc_rx {
	struct pptp_counters	*c;
	size_t			 len;
	bool			 esc;		/* last byte was 0x7D */
	bool			 overflow;	/* frame exceeded the buffer */
	bool			 synced;	/* a flag has been seen */
	bool			 stop;		/* hdlc_rx_stop() was called */
	uint8_t			 buf[HDLC_MAX_FRAME + 2];
};

void	hdlc_rx_init(struct hdlc_rx *rx, struct pptp_counters *c);
/* From within fn: no more frames in this hdlc_rx_feed(). */
void	hdlc_rx_stop(struct hdlc_rx *rx);

/*
 * Feed bytes read from the pty, in any chunking: a frame may span many
 * calls and a call may hold many frames. Good frames go to fn and count in
 * ppp_rx_frames; bad FCS (and frames aborted by 0x7D 0x7E) count in
 * ppp_bad_fcs, frames shorter than 4 bytes with FCS in ppp_runts, longer
 * than HDLC_MAX_FRAME in ppp_too_long. Empty frames (back-to-back flags)
 * are not counted: they are how frames are separated.
 *
 * Returns how many bytes it took: all of them, unless fn called
 * hdlc_rx_stop(), which ends the feed right after that frame (the caller
 * keeps the rest and feeds it later, so that a sender that cannot take
 * more frames leaves them unread instead of losing them).
 */
size_t	hdlc_rx_feed(struct hdlc_rx *rx, const uint8_t *data, size_t len,
	    hdlc_frame_fn fn, void *ctx);

/*
 * Sync mode. hdlc_sync_encode copies the frame (0 if cap is too small).
 * hdlc_sync_feed takes one read() as one frame: runts (< 2 bytes) and
 * frames over HDLC_MAX_FRAME are counted and dropped, good ones counted in
 * ppp_rx_frames and passed to fn.
 */
size_t	hdlc_sync_encode(const uint8_t *frame, size_t len, uint8_t *out,
	    size_t cap);
void	hdlc_sync_feed(struct hdlc_rx *rx, const uint8_t *data, size_t len,
	    hdlc_frame_fn fn, void *ctx);

#endif
