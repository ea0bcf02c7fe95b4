/*
 * Writes the seed corpora of fuzz_msg and fuzz_ctlreq (see stream.h for
 * their format: a control byte, then the stream). Run by mkseeds, which
 * says how; the output is committed, so this runs only when the seeds
 * should change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/msg.h"

static unsigned char	buf[65536];
static size_t		len;

static void
start(unsigned char ctl)
{
	len = 0;
	buf[len++] = ctl;
}

static void
add(uint16_t type, int fd, const void *data, size_t n)
{
	struct pc_msghdr h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.flags = fd ? PCM_F_FD : 0;
	h.len = (uint32_t)n;
	h.tunnel = 1;
	h.peer = 0;
	memcpy(buf + len, &h, sizeof(h));
	len += sizeof(h);
	if (n > 0)
		memcpy(buf + len, data, n);
	len += n;
}

/* a payload of n bytes: zeroes and a recognisable tail */
static void
addz(uint16_t type, int fd, size_t n)
{
	static unsigned char z[PC_MSG_MAXPAYLOAD];

	memset(z, 0, sizeof(z));
	add(type, fd, z, n);
}

static void
save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
request(uint32_t version, uint32_t cmd, const char *name)
{
	struct ctl_request r;

	memset(&r, 0, sizeof(r));
	r.version = version;
	r.cmd = cmd;
	strncpy(r.name, name, sizeof(r.name));
	add(C_REQUEST, 0, &r, sizeof(r));
}

int
main(int argc, char *argv[])
{
	struct m_log lg;
	const char *msg, *req;

	if (argc != 3) {
		fprintf(stderr, "usage: mkseeds msg-dir ctlreq-dir\n");
		return 2;
	}
	msg = argv[1];
	req = argv[2];

	/* parent -> control: the socket, then the config; one fd, at once */
	start(0x40);
	add(M_CTL_LISTEN, 1, NULL, 0);
	addz(M_CTL_CONFIG, 0, sizeof(struct m_ctl_config));
	addz(M_CTL_STATUS, 0, sizeof(struct ctl_status));
	addz(M_CTL_END, 0, sizeof(struct ctl_end));
	save(msg, "parent-control");

	/* parent -> engine: a tunnel and its three descriptors */
	start(0x80 | 40);
	addz(M_TUNNEL_START, 0, sizeof(struct m_tunnel_start));
	add(M_FD_CTRL, 1, NULL, 0);
	add(M_FD_GRE, 1, NULL, 0);
	add(M_FD_PTY, 1, NULL, 0);
	addz(M_COUNTERS_REQ, 0, 0);
	addz(M_TUNNEL_STOP, 0, sizeof(struct m_reason));
	save(msg, "parent-engine");

	/* engine and control -> parent, one byte at a time */
	start(0x01);
	memset(&lg, 0, sizeof(lg));
	lg.priority = 6;
	strcpy(lg.line, "engine: hello");
	add(M_LOG, 0, &lg, offsetof(struct m_log, line) + 14);
	addz(M_ENGINE_STATE, 0, sizeof(struct m_engine_state));
	addz(M_COUNTERS, 0, sizeof(struct pptp_counters));
	addz(M_CTL_REQUEST, 0, sizeof(struct ctl_request));
	addz(M_TUNNEL_CLOSED, 0, sizeof(struct m_engine_state));
	save(msg, "to-parent");

	/* control <-> pptpctl */
	start(0x00);
	request(CTL_VERSION, CTL_STATUS, "");
	addz(C_STATUS, 0, sizeof(struct ctl_status));
	addz(C_COUNTERS, 0, sizeof(struct ctl_counters));
	addz(C_EVENT, 0, sizeof(struct ctl_status));
	addz(C_END, 0, sizeof(struct ctl_end));
	save(msg, "client");

	/* a payload over the limit, after a good message */
	start(0x00);
	addz(M_COUNTERS_CLEAR, 0, 0);
	addz(M_LOG, 0, PC_MSG_MAXPAYLOAD);	/* framed, but not an M_LOG */
	add(M_LOG, 0, NULL, 0);
	/* and a header announcing one byte more than the limit */
	buf[len - 12] = (PC_MSG_MAXPAYLOAD + 1) & 0xff;
	buf[len - 11] = (PC_MSG_MAXPAYLOAD + 1) >> 8;
	save(msg, "too-long");

	/* pptpctl -> control */
	start(0x00);
	request(CTL_VERSION, CTL_UP, "office");
	save(req, "up");
	start(0x03);
	request(CTL_VERSION, CTL_STATUS, "");
	request(CTL_VERSION, CTL_COUNTERS, "lab-2.test_x");
	request(CTL_VERSION, CTL_MONITOR, "");
	save(req, "several");
	start(0x00);
	request(CTL_VERSION + 1, CTL_DOWN, "office");
	request(CTL_VERSION, CTL_CMD_MAX, "office");
	request(CTL_VERSION, CTL_CLEAR, "bad name");
	request(CTL_VERSION, CTL_RELOAD, "");
	save(req, "refused");
	start(0x40);
	add(C_REQUEST, 1, NULL, 0);
	save(req, "with-fd");
	return 0;
}
