/*
 * What the engine and the control process share (child.c): starting up as
 * a child of the parent, the channel to it, and the sandboxed event loop.
 */
#ifndef PPTPD_CLIENT_CHILD_H
#define PPTPD_CLIENT_CHILD_H

#include <stdint.h>

#include "pptpd-client/pptpd-client.h"
#include "privsep/msg.h"
#include "privsep/sandbox.h"

struct event_base;

extern struct event_base *child_base;
void	 child_init(const struct pc_opts *, int fd, enum pc_proc,
	    const char *name, void (*dispatch)(struct pc_msg *));
void	 child_to_parent(uint16_t type, uint32_t tunnel, uint32_t peer,
	    const void *data, size_t len);
void	 child_run(const struct pc_opts *, enum sandbox_kind)
	    __attribute__((noreturn));

#endif
