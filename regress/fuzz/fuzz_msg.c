/*
 * libFuzzer target for the message layer between the daemon's processes
 * (and pptpctl): arbitrary bytes, with descriptors sent along, read by
 * msgbuf_read() and cut by msg_get() (privsep/imsg.c), and every message
 * judged by msg_check() (privsep/msg.c) for every (from, to) pair of
 * enum pc_proc.
 *
 * Input: see stream.h (a control byte, then the stream). Checked beyond
 * "no crash": a message that passes msg_check() for a pair has the payload
 * its receiver copies out (each receiver copies sizeof(struct) bytes, and
 * ASan sees a payload copied to a buffer of exactly its own length), is
 * never allowed from a process to itself, carries a descriptor exactly
 * when its type says so, and a refused one always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/msg.h"
#include "regress/fuzz/stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * What a receiver reads of each payload, from msg.h's table; 0 for the
 * types without one. Written here again on purpose: an independent oracle.
 */
static size_t
payload_size(uint16_t type, int *fd, int *variable)
{
	*fd = 0;
	*variable = 0;
	switch (type) {
	case M_LOG:
		*variable = 1;
		return sizeof(struct m_log);
	case M_CTL_LISTEN:
	case M_FD_CTRL:
	case M_FD_GRE:
	case M_FD_PTY:
		*fd = 1;
		return 0;
	case M_CTL_CONFIG:
		return sizeof(struct m_ctl_config);
	case M_CTL_REQUEST:
	case C_REQUEST:
		return sizeof(struct ctl_request);
	case M_CTL_STATUS:
	case M_CTL_EVENT:
	case C_STATUS:
	case C_EVENT:
		return sizeof(struct ctl_status);
	case M_CTL_COUNTERS:
	case C_COUNTERS:
		return sizeof(struct ctl_counters);
	case M_CTL_END:
	case C_END:
		return sizeof(struct ctl_end);
	case M_TUNNEL_START:
		return sizeof(struct m_tunnel_start);
	case M_TUNNEL_STOP:
		return sizeof(struct m_reason);
	case M_COUNTERS_REQ:
	case M_COUNTERS_CLEAR:
		return 0;
	case M_ENGINE_STATE:
	case M_TUNNEL_CLOSED:
		return sizeof(struct m_engine_state);
	case M_COUNTERS:
		return sizeof(struct pptp_counters);
	}
	*fd = -1;		/* unknown type */
	return 0;
}

/* Copies the payload out as its receiver does. */
static void
receive(const struct pc_msg *m, size_t want, int variable)
{
	static union {
		struct m_log		lg;
		struct ctl_status	st;
		struct ctl_counters	cc;
		struct m_ctl_config	cf;
		uint8_t			b[16384];
	} u;
	uint8_t *copy;

	if ((copy = malloc(m->hdr.len ? m->hdr.len : 1)) == NULL)
		abort();
	memcpy(copy, m->data, m->hdr.len);
	memset(&u, 0, sizeof(u));
	if (variable) {
		/* the parent's M_LOG: what came, in a zeroed struct */
		memcpy(&u, copy, m->hdr.len);
		u.lg.line[sizeof(u.lg.line) - 1] = '\0';
		if (strlen(u.lg.line) >= sizeof(u.lg.line))
			abort();
	} else if (want > 0)
		memcpy(&u, copy, want);
	free(copy);
}

static int
one_message(void *arg, struct pc_msg *m)
{
	struct pc_msg alt;
	char why[PC_ERR_MAX];
	size_t want;
	int from, to, fd, variable, ok;

	(void)arg;
	want = payload_size(m->hdr.type, &fd, &variable);
	for (from = 0; from < PROC_MAX; from++)
		for (to = 0; to < PROC_MAX; to++) {
			memset(why, 'X', sizeof(why));
			ok = msg_check(m, from, to, why, sizeof(why)) == 0;
			if (!ok) {
				if (why[0] == '\0' ||
				    memchr(why, '\0', sizeof(why)) == NULL)
					abort();
				continue;
			}
			if (from == to || fd == -1 ||
			    (fd == 1) != (m->fd >= 0) ||
			    (variable ? m->hdr.len > want || m->hdr.len == 0 :
			    m->hdr.len != want))
				abort();
			/* the same message with the descriptor toggled */
			alt = *m;
			alt.fd = m->fd >= 0 ? -1 : 0;
			if (msg_check(&alt, from, to, why, sizeof(why)) == 0)
				abort();
			if (strcmp(msg_name(m->hdr.type), "unknown") == 0)
				abort();
			receive(m, want, variable);
		}
	if (m->fd >= 0)
		close(m->fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stream_play(data, size, one_message, NULL);
	return 0;
}
