/*
 * The control process (control.c): pptpctl's side of the daemon.
 */
#ifndef PPTPD_CLIENT_CONTROL_H
#define PPTPD_CLIENT_CONTROL_H

#include "pptpd-client/pptpd-client.h"

void	 control_main(const struct pc_opts *, int fd) __attribute__((noreturn));

#endif
