/*
 * Framed messages with fd passing over stream sockets; see imsg.h. Runs
 * in all three processes and in pptpctl.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/imsg.h"

struct msgbuf_out {
	struct msgbuf_out *next;
	size_t		 len;
	size_t		 off;
	int		 fd;		/* sent with the first byte */
	uint8_t		 buf[];
};

int
msgbuf_init(struct msgbuf *mb, int fd)
{
	memset(mb, 0, sizeof(*mb));
	mb->fd = fd;
	mb->maxqueue = 4 * 1024 * 1024;
	if ((mb->rbuf = malloc(PC_MSG_RBUF)) == NULL)
		return -1;
	return 0;
}

void
msgbuf_clear(struct msgbuf *mb)
{
	struct msgbuf_out *o, *next;
	int i;

	for (o = mb->qhead; o != NULL; o = next) {
		next = o->next;
		if (o->fd >= 0)
			close(o->fd);
		free(o);
	}
	for (i = 0; i < mb->nfds; i++)
		close(mb->fds[i]);
	free(mb->rbuf);
	memset(mb, 0, sizeof(*mb));
	mb->fd = -1;
}

int
msg_compose(struct msgbuf *mb, uint16_t type, uint32_t tunnel, uint32_t peer,
    int fd, const void *data, size_t len)
{
	struct msgbuf_out *o;
	struct pc_msghdr hdr;
	size_t total = sizeof(hdr) + len;

	if (len > PC_MSG_MAXPAYLOAD) {
		errno = EMSGSIZE;
		goto fail;
	}
	if (mb->queued + total > mb->maxqueue ||
	    (fd >= 0 && mb->qfds >= PC_MSG_MAXQFDS)) {
		errno = ENOBUFS;
		goto fail;
	}
	if ((o = malloc(sizeof(*o) + total)) == NULL)
		goto fail;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.flags = fd >= 0 ? PCM_F_FD : 0;
	hdr.len = (uint32_t)len;
	hdr.tunnel = tunnel;
	hdr.peer = peer;
	memcpy(o->buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(o->buf + sizeof(hdr), data, len);
	o->len = total;
	o->off = 0;
	o->fd = fd;
	o->next = NULL;
	if (mb->qtail != NULL)
		mb->qtail->next = o;
	else
		mb->qhead = o;
	mb->qtail = o;
	mb->queued += total;
	if (fd >= 0)
		mb->qfds++;
	return 0;
fail:
	if (fd >= 0) {
		int save = errno;
		close(fd);
		errno = save;
	}
	return -1;
}

size_t
msgbuf_pending(const struct msgbuf *mb)
{
	return mb->queued;
}

static ssize_t
send_one(int sock, struct msgbuf_out *o)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = o->buf + o->off;
	iov.iov_len = o->len - o->off;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (o->off == 0 && o->fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &o->fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

int
msgbuf_write(struct msgbuf *mb)
{
	struct msgbuf_out *o;
	ssize_t n;

	while ((o = mb->qhead) != NULL) {
		n = send_one(mb->fd, o);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (o->off == 0 && o->fd >= 0) {
			/* the kernel holds its own reference now */
			close(o->fd);
			o->fd = -1;
			mb->qfds--;
		}
		o->off += (size_t)n;
		mb->queued -= (size_t)n;
		if (o->off < o->len)
			continue;
		mb->qhead = o->next;
		if (mb->qhead == NULL)
			mb->qtail = NULL;
		free(o);
	}
	return 1;
}

int
msgbuf_flush(struct msgbuf *mb)
{
	struct pollfd pfd;
	int r;

	for (;;) {
		if ((r = msgbuf_write(mb)) != 0)
			return r == 1 ? 0 : -1;
		pfd.fd = mb->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 5000) <= 0 && errno != EINTR)
			return -1;
	}
}

static void
take_fds(struct msgbuf *mb, struct msghdr *msg)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (mb->nfds < PC_MSG_MAXFDS)
				mb->fds[mb->nfds++] = fd;
			else
				close(fd);	/* a peer flooding us with fds */
		}
	}
}

ssize_t
msgbuf_read(struct msgbuf *mb)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	ssize_t n;

	/* keep unread bytes at the front so a whole message always fits */
	if (mb->roff > 0) {
		memmove(mb->rbuf, mb->rbuf + mb->roff, mb->rlen - mb->roff);
		mb->rlen -= mb->roff;
		mb->roff = 0;
	}
	if (mb->rlen == PC_MSG_RBUF) {
		errno = ENOBUFS;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = mb->rbuf + mb->rlen;
	iov.iov_len = PC_MSG_RBUF - mb->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	do {
		n = recvmsg(mb->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	take_fds(mb, &msg);
	mb->rlen += (size_t)n;
	return n;
}

int
msg_get(struct msgbuf *mb, struct pc_msg *m)
{
	struct pc_msghdr hdr;
	size_t avail = mb->rlen - mb->roff;

	if (avail < sizeof(hdr))
		return 0;
	memcpy(&hdr, mb->rbuf + mb->roff, sizeof(hdr));
	if (hdr.len > PC_MSG_MAXPAYLOAD) {
		errno = EBADMSG;
		return -1;
	}
	if (avail < sizeof(hdr) + hdr.len)
		return 0;
	m->hdr = hdr;
	m->data = mb->rbuf + mb->roff + sizeof(hdr);
	m->fd = -1;
	if (hdr.flags & PCM_F_FD) {
		if (mb->nfds == 0) {
			errno = EBADMSG;
			return -1;
		}
		m->fd = mb->fds[0];
		memmove(mb->fds, mb->fds + 1, (size_t)(mb->nfds - 1) * sizeof(int));
		mb->nfds--;
	}
	mb->roff += sizeof(hdr) + hdr.len;
	return 1;
}
