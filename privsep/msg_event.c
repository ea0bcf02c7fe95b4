/*
 * Used by every process: keeps a message channel's event in step with its
 * send queue.
 */
#include <event2/event.h>

#include "privsep/msg_event.h"

/*
 * A channel is watched for writing only while its queue holds something:
 * an always-writable socket would otherwise wake the loop for nothing.
 * Used for the parent's channels to its children, the children's to the
 * parent, and control's to its clients.
 */
void
msgbuf_watch(struct event_base *base, struct msgbuf *mb, struct event *ev,
    event_callback_fn cb, void *arg)
{
	short what = EV_READ | EV_PERSIST;

	if (msgbuf_pending(mb) > 0)
		what |= EV_WRITE;
	if (event_get_events(ev) == what)
		return;
	event_del(ev);
	event_assign(ev, base, mb->fd, what, cb, arg);
	event_add(ev, NULL);
}
