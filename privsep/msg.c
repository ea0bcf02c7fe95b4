/*
 * The table behind msg.h: per type, the payload size, its bounds, who may
 * send it to whom, and whether it carries a descriptor. Every receiver
 * consults it: the three processes and pptpctl.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "privsep/msg.h"

#define P(x)	(1u << (x))

struct msgdesc {
	const char	*name;
	size_t		 minlen, maxlen;
	unsigned	 from, to;	/* bitmasks of enum pc_proc */
	int		 fd;		/* 1 must carry one, 0 must not */
};

#define FIXED(t, n, s, f, d, fd) [t] = { n, sizeof(s), sizeof(s), f, d, fd }
#define EMPTY(t, n, f, d, fd)    [t] = { n, 0, 0, f, d, fd }

static const struct msgdesc msgtab[] = {
	[M_LOG] = { "M_LOG", offsetof(struct m_log, line) + 1,
	    sizeof(struct m_log), P(PROC_ENGINE) | P(PROC_CONTROL),
	    P(PROC_PARENT), 0 },
	EMPTY(M_CTL_LISTEN, "M_CTL_LISTEN", P(PROC_PARENT), P(PROC_CONTROL), 1),
	FIXED(M_CTL_CONFIG, "M_CTL_CONFIG", struct m_ctl_config,
	    P(PROC_PARENT), P(PROC_CONTROL), 0),
	FIXED(M_CTL_REQUEST, "M_CTL_REQUEST", struct ctl_request,
	    P(PROC_CONTROL), P(PROC_PARENT), 0),
	FIXED(M_CTL_STATUS, "M_CTL_STATUS", struct ctl_status,
	    P(PROC_PARENT), P(PROC_CONTROL), 0),
	FIXED(M_CTL_COUNTERS, "M_CTL_COUNTERS", struct ctl_counters,
	    P(PROC_PARENT), P(PROC_CONTROL), 0),
	FIXED(M_CTL_END, "M_CTL_END", struct ctl_end,
	    P(PROC_PARENT), P(PROC_CONTROL), 0),
	FIXED(M_CTL_EVENT, "M_CTL_EVENT", struct ctl_status,
	    P(PROC_PARENT), P(PROC_CONTROL), 0),
	FIXED(M_TUNNEL_START, "M_TUNNEL_START", struct m_tunnel_start,
	    P(PROC_PARENT), P(PROC_ENGINE), 0),
	EMPTY(M_FD_CTRL, "M_FD_CTRL", P(PROC_PARENT), P(PROC_ENGINE), 1),
	EMPTY(M_FD_GRE, "M_FD_GRE", P(PROC_PARENT), P(PROC_ENGINE), 1),
	EMPTY(M_FD_PTY, "M_FD_PTY", P(PROC_PARENT), P(PROC_ENGINE), 1),
	FIXED(M_TUNNEL_STOP, "M_TUNNEL_STOP", struct m_reason,
	    P(PROC_PARENT), P(PROC_ENGINE), 0),
	EMPTY(M_COUNTERS_REQ, "M_COUNTERS_REQ", P(PROC_PARENT), P(PROC_ENGINE), 0),
	EMPTY(M_COUNTERS_CLEAR, "M_COUNTERS_CLEAR", P(PROC_PARENT),
	    P(PROC_ENGINE), 0),
	FIXED(M_ENGINE_STATE, "M_ENGINE_STATE", struct m_engine_state,
	    P(PROC_ENGINE), P(PROC_PARENT), 0),
	FIXED(M_TUNNEL_CLOSED, "M_TUNNEL_CLOSED", struct m_engine_state,
	    P(PROC_ENGINE), P(PROC_PARENT), 0),
	FIXED(M_COUNTERS, "M_COUNTERS", struct pptp_counters,
	    P(PROC_ENGINE), P(PROC_PARENT), 0),
};

static const struct msgdesc ctltab[] = {
	FIXED(C_REQUEST - C_REQUEST, "C_REQUEST", struct ctl_request,
	    P(PROC_CLIENT), P(PROC_CONTROL), 0),
	FIXED(C_STATUS - C_REQUEST, "C_STATUS", struct ctl_status,
	    P(PROC_CONTROL), P(PROC_CLIENT), 0),
	FIXED(C_EVENT - C_REQUEST, "C_EVENT", struct ctl_status,
	    P(PROC_CONTROL), P(PROC_CLIENT), 0),
	FIXED(C_COUNTERS - C_REQUEST, "C_COUNTERS", struct ctl_counters,
	    P(PROC_CONTROL), P(PROC_CLIENT), 0),
	FIXED(C_END - C_REQUEST, "C_END", struct ctl_end,
	    P(PROC_CONTROL), P(PROC_CLIENT), 0),
};

static const struct msgdesc *
lookup(uint16_t type)
{
	const struct msgdesc *d = NULL;

	if (type < sizeof(msgtab) / sizeof(msgtab[0]))
		d = &msgtab[type];
	else if (type >= C_REQUEST &&
	    type - C_REQUEST < (int)(sizeof(ctltab) / sizeof(ctltab[0])))
		d = &ctltab[type - C_REQUEST];
	return d != NULL && d->name != NULL ? d : NULL;
}

const char *
msg_name(uint16_t type)
{
	const struct msgdesc *d = lookup(type);

	return d != NULL ? d->name : "unknown";
}

int
msg_check(const struct pc_msg *m, enum pc_proc from, enum pc_proc to,
    char *why, size_t whylen)
{
	const struct msgdesc *d = lookup(m->hdr.type);

	if (d == NULL) {
		snprintf(why, whylen, "unknown message type %u", m->hdr.type);
		return -1;
	}
	if (!(d->from & P(from)) || !(d->to & P(to))) {
		snprintf(why, whylen, "%s: not allowed on this channel",
		    d->name);
		return -1;
	}
	if (m->hdr.len < d->minlen || m->hdr.len > d->maxlen) {
		if (d->minlen == d->maxlen)
			snprintf(why, whylen, "%s: length %u, expected %zu",
			    d->name, m->hdr.len, d->minlen);
		else
			snprintf(why, whylen, "%s: length %u, expected "
			    "%zu..%zu", d->name, m->hdr.len, d->minlen,
			    d->maxlen);
		return -1;
	}
	if (d->fd != (m->fd >= 0)) {
		snprintf(why, whylen, "%s: %s", d->name, d->fd ?
		    "descriptor missing" : "unexpected descriptor");
		return -1;
	}
	return 0;
}

static const char *const state_names[TS_MAX] = {
	"down", "connecting", "calling", "ppp", "up", "stopping", "waiting",
	"failed",
};

const char *
tunnel_state_name(uint32_t s)
{
	return s < TS_MAX ? state_names[s] : "unknown";
}

int
tunnel_state_from_name(const char *name)
{
	int i;

	for (i = 0; i < TS_MAX; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

static const char *const cmd_names[CTL_CMD_MAX] = {
	[CTL_STATUS] = "status", [CTL_COUNTERS] = "show counters",
	[CTL_MONITOR] = "monitor", [CTL_UP] = "up", [CTL_DOWN] = "down",
	[CTL_CLEAR] = "clear counters", [CTL_RELOAD] = "reload",
};

const char *
ctl_cmd_name(uint32_t c)
{
	return c > 0 && c < CTL_CMD_MAX ? cmd_names[c] : "unknown";
}

int
ctl_cmd_privileged(uint32_t c)
{
	return c == CTL_UP || c == CTL_DOWN || c == CTL_CLEAR ||
	    c == CTL_RELOAD;
}
