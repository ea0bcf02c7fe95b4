/*
 * A message channel (imsg.h) in a libevent loop: every process of the
 * daemon uses this for its channels.
 */
#ifndef PRIVSEP_MSG_EVENT_H
#define PRIVSEP_MSG_EVENT_H

#include <event2/event.h>

#include "privsep/imsg.h"

void	 msgbuf_watch(struct event_base *, struct msgbuf *, struct event *,
	    event_callback_fn, void *);

#endif
