/*
 * Shared by the message fuzz targets (fuzz_msg.c, fuzz_ctlreq.c): plays a
 * fuzz input as the byte stream a receiver reads from its socket, through
 * the real msgbuf_read() and msg_get() of privsep/imsg.c.
 *
 * Input: byte 0 is a control byte, the rest is the stream.
 *   bits 0-5  chunk size written per sendmsg (0: everything at once;
 *             bigger when there would be more than 256 chunks)
 *   bits 6-7  descriptors sent along: 0 none, 1 one with the first chunk,
 *             2 one with every chunk, 3 two with every chunk
 * After each chunk the receiver reads what is there and takes every
 * complete message, as the daemon's processes do.
 */
#ifndef REGRESS_FUZZ_STREAM_H
#define REGRESS_FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/imsg.h"

/*
 * Called for each message msg_get() returns; the callback owns m->fd.
 * Returns 0 to go on, -1 to drop the connection as a receiver would.
 */
typedef int	(*stream_msg_fn)(void *arg, struct pc_msg *m);

/*
 * Plays data; aborts if the message layer breaks a promise (a message
 * longer than the limit, a read buffer that fills up, a descriptor left
 * open afterwards). Returns how many messages were delivered.
 */
size_t	 stream_play(const uint8_t *data, size_t size, stream_msg_fn fn,
	    void *arg);

#endif
