/*
 * The message layer between the daemon's processes and between pptpctl and
 * the control process: framed messages over a SOCK_STREAM unix socket, each
 * a fixed header and a payload, optionally carrying one file descriptor
 * (SCM_RIGHTS). Reading copes with partial reads and with several messages
 * in one read; fds are queued in the order they arrive and handed to the
 * message that announced one (PCM_F_FD).
 *
 * Which types exist, who may send them and how long each payload is lives
 * in msg.h; this file only moves bytes.
 */
#ifndef PRIVSEP_IMSG_H
#define PRIVSEP_IMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PCM_F_FD	0x0001		/* a descriptor travels with it */

struct pc_msghdr {
	uint16_t	type;
	uint16_t	flags;
	uint32_t	len;		/* payload bytes after the header */
	uint32_t	tunnel;		/* tunnel id, 0 for none */
	uint32_t	peer;		/* control client id, 0 for none */
};

#define PC_MSG_MAXPAYLOAD	8192
#define PC_MSG_RBUF		(4 * (sizeof(struct pc_msghdr) + PC_MSG_MAXPAYLOAD))
#define PC_MSG_MAXFDS		16	/* received but not yet claimed */
#define PC_MSG_MAXQFDS		64	/* queued to send: a peer that lets
					   more pile up is not reading */

struct pc_msg {
	struct pc_msghdr hdr;
	const void	*data;		/* valid until the next msgbuf_read */
	int		 fd;		/* -1 if none; the receiver owns it */
};

struct msgbuf_out;			/* queued outgoing messages */

struct msgbuf {
	int		 fd;
	uint8_t		*rbuf;		/* PC_MSG_RBUF bytes */
	size_t		 rlen;		/* bytes in rbuf */
	size_t		 roff;		/* start of the next unread message */
	int		 fds[PC_MSG_MAXFDS];
	int		 nfds;
	struct msgbuf_out *qhead, *qtail;
	size_t		 queued;	/* bytes waiting to be written */
	size_t		 maxqueue;	/* cap; composing past it fails */
	int		 qfds;		/* descriptors queued, not yet sent */
};

int	 msgbuf_init(struct msgbuf *, int fd);
void	 msgbuf_clear(struct msgbuf *);		/* frees, closes queued fds, not fd */

/*
 * Queue one message. The fd (if >= 0) is duplicated by the caller's choice:
 * msg_compose takes ownership and closes it once sent. Returns -1 with errno
 * EMSGSIZE for a payload over the limit, ENOBUFS if the queue is full.
 */
int	 msg_compose(struct msgbuf *, uint16_t type, uint32_t tunnel,
	    uint32_t peer, int fd, const void *data, size_t len);

/* Write as much as the socket takes: 1 all sent, 0 more left, -1 error. */
int	 msgbuf_write(struct msgbuf *);
/* Write everything, blocking in poll(); for short-lived callers. */
int	 msgbuf_flush(struct msgbuf *);
size_t	 msgbuf_pending(const struct msgbuf *);

/* Read what is available: >0 bytes read, 0 EOF, -1 error (errno). */
ssize_t	 msgbuf_read(struct msgbuf *);

/*
 * Take the next complete message: 1 got one, 0 need more bytes, -1 the
 * stream is garbage (errno EBADMSG: length over the limit or a message
 * announcing an fd that never came); the connection should be dropped.
 */
int	 msg_get(struct msgbuf *, struct pc_msg *);

#endif
