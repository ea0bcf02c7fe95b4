/*
 * The checks of a pptpctl request that need nothing but the request itself
 * (control_req.c). Runs in the control process.
 */
#ifndef PPTPD_CLIENT_CONTROL_REQ_H
#define PPTPD_CLIENT_CONTROL_REQ_H

#include <stddef.h>

#include "privsep/msg.h"

/*
 * 0 if the request's version, command and tunnel name are acceptable;
 * otherwise -1 and why, for a C_END with CTL_BADREQ. Who may send the
 * command is not checked here.
 */
int	 ctl_request_check(const struct ctl_request *, char *why,
	    size_t whylen);

#endif
