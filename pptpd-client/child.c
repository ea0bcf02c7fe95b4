/*
 * What the engine and the control process share: starting up as a child
 * of the parent, the message channel to it, and the sandboxed event loop.
 * A child trusts its parent, but still checks every message against
 * msg.h; anything wrong on that channel ends the child, and the parent
 * starts a fresh one.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "pptpd-client/child.h"
#include "privsep/log.h"
#include "privsep/msg_event.h"

static struct msgbuf	 chan;
static struct event	*ev_chan;
static enum pc_proc	 self;
static void		(*dispatch)(struct pc_msg *);
struct event_base	*child_base;

static void	chan_io(evutil_socket_t, short, void *);

static void
chan_events(void)
{
	msgbuf_watch(child_base, &chan, ev_chan, chan_io, NULL);
}

void
child_to_parent(uint16_t type, uint32_t tunnel, uint32_t peer,
    const void *data, size_t len)
{
	if (msg_compose(&chan, type, tunnel, peer, -1, data, len) == -1)
		fatal("to parent");
	chan_events();
}

static void
chan_io(evutil_socket_t fd, short ev, void *arg)
{
	struct pc_msg m;
	char why[PC_ERR_MAX];
	ssize_t n;
	int r;

	if (ev & EV_WRITE) {
		if (msgbuf_write(&chan) == -1)
			fatal("write to parent");
		chan_events();
	}
	if (!(ev & EV_READ))
		return;
	if ((n = msgbuf_read(&chan)) == 0)
		fatalx("parent went away");
	if (n == -1) {
		if (errno == EAGAIN)
			return;
		fatal("read from parent");
	}
	while ((r = msg_get(&chan, &m)) == 1) {
		if (msg_check(&m, PROC_PARENT, self, why, sizeof(why)) == -1)
			fatalx("from parent: %s", why);
		dispatch(&m);
	}
	if (r == -1)
		fatalx("garbled stream from parent");
}

/* Logging, title, signals, the channel on fd and the event base. */
void
child_init(const struct pc_opts *opts, int fd, enum pc_proc proc,
    const char *name, void (*fn)(struct pc_msg *))
{
	self = proc;
	dispatch = fn;
	log_init(opts->foreground, opts->verbose, name);
	if (msgbuf_init(&chan, fd) == -1)
		fatal("msgbuf");
	log_to_parent(&chan);
	setproctitle("%s", name);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	if ((child_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	ev_chan = event_new(child_base, fd, EV_READ | EV_PERSIST, chan_io,
	    NULL);
	event_add(ev_chan, NULL);
}

/* Drop privileges (after everything that needs them is open) and run. */
void
child_run(const struct pc_opts *opts, enum sandbox_kind kind)
{
	sandbox_enter(kind, opts->uid, opts->gid, opts->seccomp_debug);
	/*
	 * Building the seccomp filter wrote and freed some tens of KB of
	 * heap that would stay resident for the child's life: give the
	 * pages back (madvise and brk, both in the filter).
	 */
	malloc_trim(0);
	event_base_dispatch(child_base);
	exit(0);
}
