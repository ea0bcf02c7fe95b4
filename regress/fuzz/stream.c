/*
 * See stream.h. A socketpair stands in for the channel; the descriptors
 * sent along are duplicates of /dev/null, opened read-only.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regress/fuzz/stream.h"

#define STREAM_MAX	(64 * 1024)	/* fits a socket buffer at once */
#define STREAM_CHUNKS	256		/* at most, longer ones are cut */
#define FD_WATCH	64		/* descriptors checked for leaks */

static int devnull = -1;

static void
open_fds(uint8_t *map)
{
	int fd;

	for (fd = 0; fd < FD_WATCH; fd++)
		map[fd] = fcntl(fd, F_GETFD) != -1;
}

static void
send_chunk(int sock, const uint8_t *p, size_t n, int nfds)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct cmsghdr *c;
	int fds[2] = { devnull, devnull };
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)p;
	iov.iov_len = n;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	if (r < 0 || (size_t)r != n)
		abort();	/* the socket buffer holds STREAM_MAX */
}

/* 0 go on, -1 the connection is dropped */
static int
drain(struct msgbuf *mb, stream_msg_fn fn, void *arg, size_t *count)
{
	struct pc_msg m;
	ssize_t n;
	int r;

	for (;;) {
		n = msgbuf_read(mb);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		/* EOF cannot come yet; ENOBUFS would mean a message that
		   fits the limit does not fit the buffer */
		if (n <= 0)
			abort();
		while ((r = msg_get(mb, &m)) == 1) {
			if (m.hdr.len > PC_MSG_MAXPAYLOAD ||
			    (m.fd >= 0) != ((m.hdr.flags & PCM_F_FD) != 0) ||
			    (const uint8_t *)m.data < mb->rbuf ||
			    (const uint8_t *)m.data + m.hdr.len >
			    mb->rbuf + mb->rlen)
				abort();
			(*count)++;
			if (fn(arg, &m) == -1)
				return -1;
		}
		if (r == -1)
			return -1;
	}
}

size_t
stream_play(const uint8_t *data, size_t size, stream_msg_fn fn, void *arg)
{
	uint8_t before[FD_WATCH], after[FD_WATCH];
	struct msgbuf mb;
	size_t chunk, n, count = 0;
	uint8_t ctl;
	int sv[2], fdmode, first = 1;

	if (devnull == -1 &&
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	if (size < 1)
		return 0;
	ctl = data[0];
	data++;
	size--;
	if (size > STREAM_MAX)
		size = STREAM_MAX;
	chunk = ctl & 0x3f;
	if (chunk == 0)
		chunk = size ? size : 1;
	if (size / chunk > STREAM_CHUNKS)	/* bounds the syscalls per run */
		chunk = size / STREAM_CHUNKS + 1;
	fdmode = ctl >> 6;

	open_fds(before);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1 || msgbuf_init(&mb, sv[1]) == -1)
		abort();
	while (size > 0) {
		n = size < chunk ? size : chunk;
		send_chunk(sv[0], data, n, fdmode == 3 ? 2 :
		    fdmode == 2 || (fdmode == 1 && first) ? 1 : 0);
		first = 0;
		data += n;
		size -= n;
		if (drain(&mb, fn, arg, &count) == -1)
			break;
	}
	close(sv[0]);
	msgbuf_clear(&mb);
	close(sv[1]);
	open_fds(after);
	if (memcmp(before, after, sizeof(before)) != 0)
		abort();	/* a descriptor leaked */
	return count;
}
