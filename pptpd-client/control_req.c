/*
 * The checks of a decoded pptpctl request: version, command and tunnel
 * name. Runs in the control process (control.c calls it for every
 * C_REQUEST that passed msg_check); pure code, no I/O and no globals, so
 * that regress/fuzz/fuzz_ctlreq.c can run it on its own.
 */
#include <stdio.h>
#include <string.h>

#include "pptpd-client/control_req.h"

/* [A-Za-z0-9_.-], NUL-terminated within max bytes; "" means every tunnel */
static int
valid_name(const char *name, size_t max)
{
	size_t i, n = strnlen(name, max);

	if (n == max)
		return 0;
	for (i = 0; i < n; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') &&
		    name[i] != '_' && name[i] != '.' && name[i] != '-')
			return 0;
	return 1;
}

int
ctl_request_check(const struct ctl_request *req, char *why, size_t whylen)
{
	if (req->version != CTL_VERSION) {
		snprintf(why, whylen, "request version %u, this daemon "
		    "speaks %u: pptpctl and pptpd-client do not match",
		    req->version, CTL_VERSION);
		return -1;
	}
	if (req->cmd == 0 || req->cmd >= CTL_CMD_MAX) {
		snprintf(why, whylen, "unknown command %u", req->cmd);
		return -1;
	}
	if (!valid_name(req->name, sizeof(req->name))) {
		snprintf(why, whylen, "invalid tunnel name");
		return -1;
	}
	return 0;
}
