/*
 * The engine process (engine.c): all of PPTP, in its sandbox.
 */
#ifndef PPTPD_CLIENT_ENGINE_H
#define PPTPD_CLIENT_ENGINE_H

#include "pptpd-client/pptpd-client.h"

void	 engine_main(const struct pc_opts *, int fd) __attribute__((noreturn));

#endif
