/*
 * libFuzzer target for what the control process does with a pptpctl
 * client's bytes: msgbuf_read() and msg_get() (privsep/imsg.c) cut the
 * stream, msg_check() from PROC_CLIENT to PROC_CONTROL (privsep/msg.c)
 * judges each message, and ctl_request_check() (pptpd-client/
 * control_req.c) the request in it, as pptpd-client/control.c does. Like
 * control.c, a message that fails msg_check() or a garbled stream drops
 * the client; a request refused by ctl_request_check() does not.
 *
 * Input: see stream.h (a control byte, then the stream). Checked beyond
 * "no crash": an accepted request has the version this daemon speaks, a
 * known command and a tunnel name of [A-Za-z0-9_.-] NUL-terminated in
 * its field; a refused one says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/control_req.h"
#include "privsep/msg.h"
#include "regress/fuzz/stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
one_request(void *arg, struct pc_msg *m)
{
	struct ctl_request req;
	char why[PC_ERR_MAX];
	uint8_t *copy;
	size_t i, n;

	(void)arg;
	if (m->fd >= 0)
		close(m->fd);	/* control.c closes it unread */
	if (msg_check(m, PROC_CLIENT, PROC_CONTROL, why, sizeof(why)) == -1)
		return -1;
	if (m->hdr.type != C_REQUEST || m->hdr.len != sizeof(req) ||
	    m->fd >= 0)
		abort();
	/* a payload of exactly its length, so ASan sees any overread */
	if ((copy = malloc(m->hdr.len)) == NULL)
		abort();
	memcpy(copy, m->data, m->hdr.len);
	memcpy(&req, copy, sizeof(req));
	free(copy);

	memset(why, 'X', sizeof(why));
	if (ctl_request_check(&req, why, sizeof(why)) == -1) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
			abort();
		return 0;
	}
	if (req.version != CTL_VERSION || req.cmd == 0 ||
	    req.cmd >= CTL_CMD_MAX ||
	    strcmp(ctl_cmd_name(req.cmd), "unknown") == 0)
		abort();
	n = strnlen(req.name, sizeof(req.name));
	if (n == sizeof(req.name))
		abort();
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", req.name[i]) == NULL)
			abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stream_play(data, size, one_request, NULL);
	return 0;
}
