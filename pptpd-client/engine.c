/*
 * The engine: all of PPTP for every tunnel. It runs as the unprivileged
 * user in an empty chroot under seccomp and opens nothing: the parent hands
 * it the TCP 1723 socket, the raw GRE socket and the pty master of each
 * tunnel. The protocol itself is the pure code in proto/; this file is the
 * event loop around it and the batched data path:
 *
 *   GRE -> pppd: recvmmsg a batch, decode, reorder, HDLC-encode every
 *                deliverable frame into one buffer, one write to the pty.
 *   pppd -> GRE: one large pty read, deframe into many frames, send them
 *                with one sendmmsg; acks ride on data when there is any.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef PC_TEST_SECCOMP_TRIGGER
#include <sys/syscall.h>
#endif

#include "pptpd-client/child.h"
#include "pptpd-client/engine.h"
#include "privsep/log.h"
#include "privsep/sandbox.h"
#include "proto/gre.h"
#include "proto/hdlc.h"
#include "proto/pptp.h"

#define BATCH		32		/* packets per recvmmsg/sendmmsg */
#define PKT_MAX		2048
#define PTY_OUT_MAX	(256 * 1024)	/* HDLC bytes waiting for pppd */
/*
 * While more than this waits for pppd, the GRE socket is not read: what
 * the server sends beyond what pppd takes then waits in the socket's
 * buffer (SOCK_GRE_BUFSIZE, 4 MB, which the kernel doubles: thousands of
 * full-size packets, tens of milliseconds of them) instead of being read,
 * only to be dropped here for want of room. Below it, a whole batch of
 * the largest packets still fits.
 */
#define PTY_OUT_PAUSE	(PTY_OUT_MAX - BATCH * HDLC_ENCODED_MAX(PKT_MAX + 64))
#define PTY_READ	(64 * 1024)
#define PTY_READS	8		/* reads per wakeup, at most */
#define HOLD_MAX	32		/* pppd frames held before the call */
/*
 * pppd starts during the PPTP handshake, so its first LCP
 * Configure-Request exists before the server's pppd does; the server's
 * pppd flushes its tty when it starts and would lose it, costing a 3 s
 * LCP retransmission. Held frames therefore go out when the server's side
 * first speaks (its own Configure-Request), or after this long without.
 */
#define HOLD_RELEASE_MS	1500
/*
 * The other way round: the server's first LCP Configure-Request can come
 * a few ms after its Outgoing-Call-Reply, before our pppd has set up its
 * tty (which discards what waits there) or before we even have the pty;
 * it would be lost and cost the server's 3 s retry. Frames towards pppd
 * therefore wait until pppd has shown it is reading (its own first
 * frame), or this long after the call connected.
 */
#define PPPD_WAIT_MS	3000

struct held {
	uint16_t	len;
	uint8_t		data[HDLC_MAX_FRAME];
};

/* Counters outlive a call: `show counters` spans reconnects. */
struct ctrs {
	LIST_ENTRY(ctrs) entry;
	uint32_t	 id;
	struct pptp_counters c;
};

struct etunnel {
	LIST_ENTRY(etunnel) entry;
	uint32_t	 id;
	struct m_tunnel_start ts;
	struct pptp_counters *c;
	int		 tcp_fd, gre_fd, pty_fd;
	struct event	*ev_tcp, *ev_gre, *ev_pty, *ev_timer;
	int		 started;	/* pptp_start done */
	int		 connected;	/* call established */
	int		 released;	/* held frames sent: the data path is open */
	uint64_t	 release_at;
	int		 pppd_ready;	/* pppd sent a frame: it reads its tty */
	uint64_t	 pppd_wait_until;
	int		 gre_seen;
	int		 reported;	/* last engine_state sent */
	int		 closing;
	uint32_t	 accm;
	struct pptp	 p;
	struct gre_rx	*rx;		/* not zeroed: see gre.h */
	struct gre_tx	 tx;
	struct hdlc_rx	 hrx;
	uint8_t		*pty_out;	/* PTY_OUT_MAX */
	size_t		 pty_outlen;
	size_t		 pty_off;	/* written so far of pty_out */
	short		 pty_events;	/* what the pty's event waits for */
	int		 gre_paused;	/* see PTY_OUT_PAUSE */
	int		 pty_gone;	/* pppd closed its side */
	/*
	 * Towards the server, a full GRE window stops the reading of the
	 * pty instead of losing frames: the frame that found it full waits
	 * in stalled, the rest of that read in pty_in (both allocated the
	 * first time), and pppd's writes wait in the pty until an ack or
	 * the ack timeout (tx_opens_ms) opens the window again.
	 */
	int		 tx_stalled;
	uint64_t	 tx_opens_ms;
	struct held	*stalled;
	uint8_t		*pty_in;	/* PTY_READ */
	size_t		 pty_in_off, pty_in_len;
	struct held	*held;		/* HOLD_MAX */
	int		 nheld;
	uint64_t	 now;
};

/*
 * The outgoing GRE batch: one for all tunnels (64 KB that a tunnel each
 * would cost, idle or not), filled for one tunnel at a time and sent
 * before the engine returns to its loop or turns to another tunnel.
 */
static struct {
	struct etunnel	*owner;
	struct mmsghdr	 smsg[BATCH];
	struct iovec	 siov[BATCH][2];
	uint8_t		 shdr[BATCH][GRE_HDR_MAX];
	uint8_t		 sdata[BATCH][PKT_MAX];
	int		 n;
} out;

static LIST_HEAD(, etunnel) etunnels = LIST_HEAD_INITIALIZER(etunnels);
static LIST_HEAD(, ctrs) counters = LIST_HEAD_INITIALIZER(counters);
/* receive buffers shared by all tunnels: one loop, one batch at a time */
static uint8_t		 rbuf[BATCH][PKT_MAX + 64];
static uint8_t		 ptybuf[PTY_READ];

static void	tunnel_update(struct etunnel *);
static void	pty_flush(struct etunnel *);
static void	release_held(struct etunnel *);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct pptp_counters *
counters_for(uint32_t id)
{
	struct ctrs *k;

	LIST_FOREACH(k, &counters, entry)
		if (k->id == id)
			return &k->c;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		fatal("calloc");
	k->id = id;
	LIST_INSERT_HEAD(&counters, k, entry);
	return &k->c;
}

static struct etunnel *
etunnel_byid(uint32_t id)
{
	struct etunnel *t;

	LIST_FOREACH(t, &etunnels, entry)
		if (t->id == id)
			return t;
	return NULL;
}

static void
report(struct etunnel *t, uint16_t type, uint32_t state)
{
	struct m_engine_state es;

	memset(&es, 0, sizeof(es));
	es.generation = t->ts.generation;
	es.state = state;
	es.gre_seen = t->gre_seen;
	es.peer_call_id = t->connected ? t->p.peer_call_id : 0;
	strlcpy(es.last_error, t->p.last_error, sizeof(es.last_error));
	child_to_parent(type, t->id, 0, &es, sizeof(es));
}

static void
etunnel_free(struct etunnel *t)
{
	struct event *evs[] = { t->ev_tcp, t->ev_gre, t->ev_pty, t->ev_timer };
	size_t i;

	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (t->tcp_fd >= 0)
		close(t->tcp_fd);
	if (t->gre_fd >= 0)
		close(t->gre_fd);
	if (t->pty_fd >= 0)
		close(t->pty_fd);
	if (out.owner == t) {
		out.owner = NULL;
		out.n = 0;
	}
	LIST_REMOVE(t, entry);
	free(t->pty_out);
	free(t->held);
	free(t->stalled);
	free(t->pty_in);
	free(t->rx);
	free(t);
}

static void
etunnel_close(struct etunnel *t)
{
	/* no cause of its own: the parent calls it a plain hang-up, which
	   pppd's own account of the end may outrank */
	log_debug("tunnel %s: closed: %s", t->ts.name, t->p.last_error[0] ?
	    t->p.last_error : "no cause");
	report(t, M_TUNNEL_CLOSED, ES_CLOSED);
	etunnel_free(t);
}

/* ---- GRE out ----------------------------------------------------------- */

static void
gre_flush(struct etunnel *t)
{
	int sent = 0, n;

	if (out.owner != t)
		return;
	while (sent < out.n) {
		n = sendmmsg(t->gre_fd, out.smsg + sent, out.n - sent, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* a full socket buffer drops, like a full link */
			if (errno != EAGAIN && errno != ENOBUFS)
				log_debug("tunnel %s: GRE send: %s", t->ts.name,
				    strerror(errno));
			break;
		}
		sent += n;
	}
	out.n = 0;
	out.owner = NULL;
}

static void
gre_queue(struct etunnel *t, const uint8_t *frame, size_t len)
{
	struct mmsghdr *m;
	size_t hl;
	int i;

	if (len > PKT_MAX)
		return;
	if (out.owner != NULL && (out.owner != t || out.n == BATCH))
		gre_flush(out.owner);
	out.owner = t;
	i = out.n;
	hl = gre_tx_data(&t->tx, out.shdr[i], (uint16_t)len, t->p.peer_call_id,
	    t->now);
	if (hl == 0)
		return;		/* peer's window is full: counted */
	memcpy(out.sdata[i], frame, len);
	out.siov[i][0].iov_base = out.shdr[i];
	out.siov[i][0].iov_len = hl;
	out.siov[i][1].iov_base = out.sdata[i];
	out.siov[i][1].iov_len = len;
	m = &out.smsg[i];
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_iov = out.siov[i];
	m->msg_hdr.msg_iovlen = 2;
	out.n++;
}

static void
pty_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct etunnel *t = arg;

	if (!t->pppd_ready) {
		/* pppd is reading: what waited for it can go now */
		t->pppd_ready = 1;
		pty_flush(t);
	}
	if (len > HDLC_MAX_FRAME) {
		t->c->ppp_queue_drops++;
		return;
	}
	if (!t->released && t->nheld < HOLD_MAX) {
		/* pppd started early: keep its first frames for the call */
		t->held[t->nheld].len = (uint16_t)len;
		memcpy(t->held[t->nheld].data, frame, len);
		t->nheld++;
		return;
	}
	if (!t->released ||
	    !gre_tx_window_open(&t->tx, t->now, &t->tx_opens_ms)) {
		/* no room until the call is open, or an ack comes: the
		   rest waits unread in the pty */
		if (t->stalled == NULL &&
		    (t->stalled = malloc(sizeof(*t->stalled))) == NULL)
			fatal("frame buffer");
		t->stalled->len = (uint16_t)len;
		memcpy(t->stalled->data, frame, len);
		t->tx_stalled = 1;
		hdlc_rx_stop(&t->hrx);
		return;
	}
	gre_queue(t, frame, len);
}

/* What a read brought beyond a full window waits for the window. */
static void
pty_keep(struct etunnel *t, const uint8_t *rest, size_t len)
{
	if (t->pty_in == NULL && (t->pty_in = malloc(PTY_READ)) == NULL)
		fatal("pty buffer");
	memcpy(t->pty_in, rest, len);
	t->pty_in_off = 0;
	t->pty_in_len = len;
}

/* The call opened, or the window did: the frame that waited, then the
   rest of its read. */
static void
tx_resume(struct etunnel *t)
{
	size_t used;

	if (!t->tx_stalled || !t->released ||
	    !gre_tx_window_open(&t->tx, t->now, &t->tx_opens_ms))
		return;
	t->tx_stalled = 0;
	gre_queue(t, t->stalled->data, t->stalled->len);
	while (!t->tx_stalled && t->pty_in_off < t->pty_in_len) {
		used = hdlc_rx_feed(&t->hrx, t->pty_in + t->pty_in_off,
		    t->pty_in_len - t->pty_in_off, pty_frame, t);
		if (used == 0)
			break;
		t->pty_in_off += used;
	}
	if (t->pty_in_off >= t->pty_in_len)
		t->pty_in_off = t->pty_in_len = 0;
	gre_flush(t);
}

static void
pty_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct etunnel *t = arg;
	uint64_t bad;
	ssize_t n;
	size_t used;
	int i;

	t->now = now_ms();
	if (ev & EV_WRITE)
		pty_flush(t);
	if (!(ev & EV_READ)) {
		tunnel_update(t);
		return;
	}
	/*
	 * The pty hands over at most its line discipline's 4 KB a read,
	 * refilled by a kernel worker meanwhile: reading again at once
	 * takes what it refilled, a few frames more per wakeup.
	 */
	for (i = 0; i < PTY_READS && !t->tx_stalled; i++) {
		n = read(fd, ptybuf, sizeof(ptybuf));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			/* pppd is gone; the parent sees it exit and stops
			   the call */
			event_del(t->ev_pty);
			t->pty_gone = 1;
			break;
		}
		bad = t->c->ppp_bad_fcs;
		used = hdlc_rx_feed(&t->hrx, ptybuf, (size_t)n, pty_frame, t);
		if (used < (size_t)n)
			pty_keep(t, ptybuf + used, (size_t)n - used);
		if (t->c->ppp_bad_fcs != bad)
			log_debug("tunnel %s: bad FCS from pppd in a read of "
			    "%zd bytes: %02x %02x %02x %02x %02x %02x %02x "
			    "%02x ...", t->ts.name, n, ptybuf[0], ptybuf[1],
			    ptybuf[2], ptybuf[3], ptybuf[4], ptybuf[5],
			    ptybuf[6], ptybuf[7]);
	}
	gre_flush(t);
	if (!t->pty_gone)
		tunnel_update(t);
}

/* ---- GRE in ------------------------------------------------------------ */

static void
pty_flush(struct etunnel *t)
{
	ssize_t n;
	size_t len;

	if (!t->pppd_ready)
		return;		/* held until pppd reads: see PPPD_WAIT_MS */
	while (t->pty_outlen > t->pty_off && t->pty_fd >= 0) {
		len = t->pty_outlen - t->pty_off;
		n = write(t->pty_fd, t->pty_out + t->pty_off, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;		/* EAGAIN: the pty is full; wait for room */
		}
		t->pty_off += (size_t)n;
		/* a pty takes what its buffer has room for: a short write
		   means it is full, and another would only fail */
		if ((size_t)n < len)
			break;
	}
	if (t->pty_off == t->pty_outlen)
		t->pty_off = t->pty_outlen = 0;
}

static void
gre_deliver(void *arg, uint32_t seq, const uint8_t *payload, size_t len)
{
	struct etunnel *t = arg;
	size_t n;

	/* acknowledge what arrived in order, as RFC 2637 asks */
	gre_tx_received(&t->tx, seq, t->now);
	/* without the pty yet, the frame waits in pty_out like the rest */
	if (t->pty_outlen + HDLC_ENCODED_MAX(len) > PTY_OUT_MAX &&
	    t->pty_off > 0) {
		/* what was written makes room, moved once, not per write */
		memmove(t->pty_out, t->pty_out + t->pty_off,
		    t->pty_outlen - t->pty_off);
		t->pty_outlen -= t->pty_off;
		t->pty_off = 0;
	}
	if (t->pty_outlen + HDLC_ENCODED_MAX(len) > PTY_OUT_MAX) {
		t->c->ppp_queue_drops++;
		return;
	}
	n = hdlc_encode(payload, len, t->accm, t->pty_out + t->pty_outlen,
	    PTY_OUT_MAX - t->pty_outlen);
	if (n == 0) {
		t->c->ppp_queue_drops++;
		return;
	}
	t->pty_outlen += n;
	t->c->ppp_tx_frames++;
}

static void
gre_packet(struct etunnel *t, const uint8_t *pkt, size_t len)
{
	const uint8_t *gre, *payload;
	const char *why;
	struct gre_hdr h;
	size_t grelen;
	uint32_t src;

	t->c->gre_rx_seen++;
	if (ipv4_payload(pkt, len, &gre, &grelen, &src) == -1 ||
	    src != t->ts.server.s_addr ||
	    gre_decode(gre, grelen, &h, &payload, &why) == -1) {
		t->c->gre_rx_malformed++;
		return;
	}
	if (!t->connected || h.call_id != t->p.call_id) {
		t->c->gre_rx_wrong_call++;
		return;
	}
	if (!t->gre_seen) {
		t->gre_seen = 1;
		report(t, M_ENGINE_STATE, ES_CONNECTED);
	}
	if (!t->released)
		release_held(t);
	if (h.has_ack)
		gre_tx_peer_ack(&t->tx, h.ack, t->now);
	if (h.has_seq)
		gre_rx_input(t->rx, &h, payload, t->now, gre_deliver, t);
}

static void
gre_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct etunnel *t = arg;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int i, n;

	t->now = now_ms();
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = rbuf[i];
		iov[i].iov_len = sizeof(rbuf[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			t->c->gre_rx_malformed++;
			continue;
		}
		gre_packet(t, rbuf[i], msgs[i].msg_len);
	}
	pty_flush(t);
	tunnel_update(t);
}

/* ---- control connection ------------------------------------------------ */

static void
tcp_write(struct etunnel *t)
{
	ssize_t n;

	while (pptp_output_pending(&t->p) > 0) {
		n = write(t->tcp_fd, pptp_output_data(&t->p),
		    pptp_output_pending(&t->p));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				pptp_peer_closed(&t->p, t->now);
			return;
		}
		pptp_output_consume(&t->p, (size_t)n);
	}
}

static void
tcp_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct etunnel *t = arg;
	uint8_t buf[4096];
	ssize_t n;

	t->now = now_ms();
	if (ev & EV_READ) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0)
			pptp_input(&t->p, buf, (size_t)n, t->now);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			pptp_peer_closed(&t->p, t->now);
	}
	tunnel_update(t);
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct etunnel *t = arg;

	t->now = now_ms();
	pptp_timer(&t->p, t->now);
	if (t->connected && !t->released && t->now >= t->release_at)
		release_held(t);
	if (t->connected && !t->pppd_ready && t->now >= t->pppd_wait_until) {
		log_debug("tunnel %s: pppd silent %d ms after the call "
		    "connected; writing to it all the same", t->ts.name,
		    PPPD_WAIT_MS);
		t->pppd_ready = 1;
	}
	if (t->connected) {
		gre_rx_poll(t->rx, t->now, gre_deliver, t);
		pty_flush(t);
	}
	tunnel_update(t);
}

static void
release_held(struct etunnel *t)
{
	int i;

	t->released = 1;
	for (i = 0; i < t->nheld; i++)
		gre_queue(t, t->held[i].data, t->held[i].len);
	t->nheld = 0;
	gre_flush(t);
}

static void
call_connected(struct etunnel *t)
{
	t->connected = 1;
	t->release_at = t->now + HOLD_RELEASE_MS;
	t->pppd_wait_until = t->now + PPPD_WAIT_MS;
	gre_rx_init(t->rx, t->p.params.recv_window, t->ts.reorder_wait_ms,
	    t->c);
	gre_tx_init(&t->tx, 0, t->p.peer_recv_window, t->c);
	log_debug("tunnel %s: call connected, peer call id %u, window %u",
	    t->ts.name, t->p.peer_call_id, t->p.peer_recv_window);
	if (t->ts.datapath == MD_KERNEL) {
		/* the kernel's socket carries the data: nothing to hold or
		   wait for here */
		t->released = 1;
		t->pppd_ready = 1;
	}
	report(t, M_ENGINE_STATE, ES_CONNECTED);
}

/*
 * After anything happened to a tunnel: act on the state machine's events,
 * write what it queued, send an ack nobody else carried, re-arm the timer.
 */
/*
 * The pty's event asks for room only while frames wait for pppd, and
 * reads only while the GRE window has room for what pppd sends.
 */
static void
pty_watch(struct etunnel *t)
{
	short want = 0;

	if (t->ev_pty == NULL || t->pty_gone)
		return;
	if (!t->tx_stalled && t->pty_in_len == 0)
		want |= EV_READ;
	if (t->pty_outlen > t->pty_off && t->pppd_ready)
		want |= EV_WRITE;
	if (want == t->pty_events)
		return;
	event_del(t->ev_pty);
	event_assign(t->ev_pty, child_base, t->pty_fd, want | EV_PERSIST,
	    pty_cb, t);
	if (want != 0)
		event_add(t->ev_pty, NULL);
	t->pty_events = want;
}

/*
 * The GRE socket is read while pppd's queue has room for a batch, or when
 * it cannot drain (pppd not reading yet, or gone): then the batch is read
 * and what does not fit is dropped, as before, so that acks and the
 * call's first frames are still seen.
 */
static void
gre_watch(struct etunnel *t)
{
	int pause;

	if (t->ev_gre == NULL)
		return;
	pause = t->pppd_ready && !t->pty_gone && t->pty_fd >= 0 &&
	    t->pty_outlen - t->pty_off > PTY_OUT_PAUSE;
	if (pause == t->gre_paused)
		return;
	if (pause)
		event_del(t->ev_gre);
	else
		event_add(t->ev_gre, NULL);
	t->gre_paused = pause;
}

static void
tunnel_update(struct etunnel *t)
{
	uint8_t ack[GRE_HDR_MAX];
	uint64_t next, x;
	uint32_t evs;
	size_t n;
	struct timeval tv;

	evs = pptp_take_events(&t->p);
	if (evs & PPTP_EV_NOTICE)
		log_info("tunnel %s: %s", t->ts.name, t->p.notice);
	if ((evs & PPTP_EV_STATE) && t->p.state == PPTP_ESTABLISHED &&
	    !t->connected)
		call_connected(t);
	if ((evs & PPTP_EV_STATE) && t->p.state == PPTP_WAIT_OCRP)
		report(t, M_ENGINE_STATE, ES_CALLING);
	/*
	 * Set-Link-Info's Receive ACCM is what the PPP end of the line
	 * (pppd, to us) expects escaped; the server takes it from the LCP
	 * our pppd negotiated. Until one arrives every control character is
	 * escaped, which any receiver understands.
	 */
	if (evs & PPTP_EV_ACCM) {
		t->accm = t->p.recv_accm;
		log_debug("tunnel %s: Set-Link-Info: escaping ACCM %08x "
		    "towards pppd", t->ts.name, t->accm);
	}
	if (t->tcp_fd >= 0)
		tcp_write(t);
	if (t->p.state == PPTP_CLOSED || (evs & PPTP_EV_CLOSED)) {
		etunnel_close(t);
		return;
	}
	if (t->connected)
		tx_resume(t);
	if (t->connected && gre_tx_ack_due(&t->tx, t->now) && t->gre_fd >= 0) {
		n = gre_tx_ack_only(&t->tx, ack, t->p.peer_call_id, t->now);
		if (n > 0 && send(t->gre_fd, ack, n, MSG_DONTWAIT) == -1)
			log_debug("tunnel %s: ack: %s", t->ts.name,
			    strerror(errno));
	}
	if (t->tcp_fd >= 0 && pptp_output_pending(&t->p) > 0) {
		event_del(t->ev_tcp);
		event_assign(t->ev_tcp, child_base, t->tcp_fd, EV_READ | EV_WRITE |
		    EV_PERSIST, tcp_cb, t);
		event_add(t->ev_tcp, NULL);
	} else if (t->tcp_fd >= 0 && (event_get_events(t->ev_tcp) & EV_WRITE)) {
		event_del(t->ev_tcp);
		event_assign(t->ev_tcp, child_base, t->tcp_fd, EV_READ | EV_PERSIST,
		    tcp_cb, t);
		event_add(t->ev_tcp, NULL);
	}
	next = pptp_next_timer(&t->p);
	if (t->connected) {
		if ((x = gre_rx_next_timer(t->rx)) < next)
			next = x;
		if ((x = gre_tx_next_timer(&t->tx)) < next)
			next = x;
	}
	if (t->connected && !t->released && t->release_at < next)
		next = t->release_at;
	if (t->connected && !t->pppd_ready && t->pppd_wait_until < next)
		next = t->pppd_wait_until;
	if (t->tx_stalled && t->released && t->tx_opens_ms < next)
		next = t->tx_opens_ms;
	pty_watch(t);
	gre_watch(t);
	evtimer_del(t->ev_timer);
	if (next != UINT64_MAX) {
		x = next > t->now ? next - t->now : 0;
		tv.tv_sec = x / 1000;
		tv.tv_usec = (x % 1000) * 1000;
		evtimer_add(t->ev_timer, &tv);
	}
}

static void
maybe_start(struct etunnel *t)
{
	struct pptp_params pp;

	if (t->started || t->tcp_fd < 0)
		return;
	pptp_params_default(&pp);
	if (t->ts.connect_timeout_ms)
		pp.connect_timeout_ms = t->ts.connect_timeout_ms;
	/* echo-interval 0 in the config: no keepalive from our side */
	pp.echo_interval_ms = t->ts.echo_interval_ms ? t->ts.echo_interval_ms :
	    PPTP_ECHO_OFF;
	if (t->ts.echo_timeout_ms)
		pp.echo_timeout_ms = t->ts.echo_timeout_ms;
	strlcpy(pp.hostname, "pptpd-client", sizeof(pp.hostname));
	strlcpy(pp.vendor, "pptpd-client", sizeof(pp.vendor));
	/* the kernel's socket already has its id; ours is random */
	pp.call_id = t->ts.datapath == MD_KERNEL ? (uint16_t)t->ts.call_id :
	    (uint16_t)(1 + arc4random_uniform(0xfffe));
	pp.call_serial = (uint16_t)arc4random_uniform(0x10000);
	t->now = now_ms();
	pptp_init(&t->p, &pp, t->c, t->now);
	pptp_start(&t->p, t->now);
	t->started = 1;
	report(t, M_ENGINE_STATE, ES_CONNECTING);
	tunnel_update(t);
}

/* ---- messages from the parent ----------------------------------------- */

static void
tunnel_new(uint32_t id, const struct m_tunnel_start *ts)
{
	struct etunnel *t;

	if ((t = etunnel_byid(id)) != NULL) {
		log_warnx("tunnel %s: started twice; dropping the old call",
		    ts->name);
		etunnel_free(t);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->pty_out = malloc(PTY_OUT_MAX)) == NULL ||
	    (t->held = malloc(HOLD_MAX * sizeof(*t->held))) == NULL ||
	    (t->rx = malloc(sizeof(*t->rx))) == NULL)
		fatal("tunnel allocation");
	t->id = id;
	t->ts = *ts;
	t->ts.name[sizeof(t->ts.name) - 1] = '\0';
	t->c = counters_for(id);
	t->tcp_fd = t->gre_fd = t->pty_fd = -1;
	t->accm = HDLC_ACCM_DEFAULT;
	hdlc_rx_init(&t->hrx, t->c);
	t->ev_timer = evtimer_new(child_base, timer_cb, t);
	LIST_INSERT_HEAD(&etunnels, t, entry);
}

static void
tunnel_fd(struct etunnel *t, uint16_t type, int fd)
{
	int *slot = type == M_FD_CTRL ? &t->tcp_fd : type == M_FD_GRE ?
	    &t->gre_fd : &t->pty_fd;

	if (*slot >= 0) {
		log_warnx("tunnel %s: %s twice", t->ts.name, msg_name(type));
		close(fd);
		return;
	}
	*slot = fd;
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	switch (type) {
	case M_FD_CTRL:
		t->ev_tcp = event_new(child_base, fd, EV_READ | EV_PERSIST, tcp_cb,
		    t);
		event_add(t->ev_tcp, NULL);
		maybe_start(t);
		break;
	case M_FD_GRE:
		t->ev_gre = event_new(child_base, fd, EV_READ | EV_PERSIST,
		    gre_read_cb, t);
		event_add(t->ev_gre, NULL);
		break;
	case M_FD_PTY:
		t->ev_pty = event_new(child_base, fd, EV_READ | EV_PERSIST,
		    pty_cb, t);
		event_add(t->ev_pty, NULL);
		t->pty_events = EV_READ;
		pty_flush(t);	/* if pppd was given up on before its pty came */
		break;
	}
}

/* A tunnel's counters, with the time the server was last heard from. */
static void
counters_reply(uint32_t id, const struct etunnel *t, uint32_t peer)
{
	struct pptp_counters c = *counters_for(id);
	struct timespec wall;
	uint64_t age_ms;

	c.ctrl_last_rx_time = 0;
	if (t != NULL && t->started && t->p.last_rx_ms > 0) {
		age_ms = now_ms() - t->p.last_rx_ms;
		clock_gettime(CLOCK_REALTIME, &wall);
		if ((uint64_t)wall.tv_sec > age_ms / 1000)
			c.ctrl_last_rx_time = (uint64_t)wall.tv_sec -
			    age_ms / 1000;
	}
	child_to_parent(M_COUNTERS, id, peer, &c, sizeof(c));
}

#ifdef PC_TEST_FORGE
/*
 * Test builds only (regress/unit/module.mk): a tunnel named forge-WHAT
 * makes the engine send its parent a message it must refuse, so that a
 * test sees the parent kill it: a report about a call it was never given
 * (generation), about another tunnel (tunnel), counters nobody asked for
 * (counters), a report of the wrong length (length).
 */
static void
forge(uint32_t id, const struct m_tunnel_start *ts)
{
	struct m_engine_state es;
	struct pptp_counters c;
	const char *what = ts->name + strlen("forge-");

	memset(&es, 0, sizeof(es));
	es.generation = ts->generation;
	es.state = ES_CONNECTED;
	memset(&c, 0, sizeof(c));
	if (strcmp(what, "generation") == 0) {
		es.generation++;
		child_to_parent(M_ENGINE_STATE, id, 0, &es, sizeof(es));
	} else if (strcmp(what, "tunnel") == 0)
		child_to_parent(M_ENGINE_STATE, id + 1, 0, &es, sizeof(es));
	else if (strcmp(what, "counters") == 0)
		child_to_parent(M_COUNTERS, id, 0, &c, sizeof(c));
	else if (strcmp(what, "length") == 0)
		child_to_parent(M_ENGINE_STATE, id, 0, &es, sizeof(es) - 1);
}
#endif

static void
from_parent(struct pc_msg *m)
{
	struct etunnel *t = etunnel_byid(m->hdr.tunnel);
	struct m_tunnel_start ts;
	struct m_reason r;
	struct pptp_counters zero;

	switch (m->hdr.type) {
	case M_TUNNEL_START:
		memcpy(&ts, m->data, sizeof(ts));
#ifdef PC_TEST_SECCOMP_TRIGGER
		/*
		 * Test builds only (regress/lab/module.mk): a tunnel named
		 * seccomp-trigger makes the engine call a syscall its filter
		 * refuses, so that a test sees the kernel kill it.
		 */
		if (strcmp(ts.name, "seccomp-trigger") == 0)
			(void)syscall(SYS_ptrace, 0, 0, 0, 0);
#endif
		tunnel_new(m->hdr.tunnel, &ts);
#ifdef PC_TEST_FORGE
		if (strncmp(ts.name, "forge-", strlen("forge-")) == 0)
			forge(m->hdr.tunnel, &ts);
#endif
		return;
	case M_COUNTERS_REQ:
		if (m->hdr.tunnel == 0) {
			/* marks the end of a request's batch */
			memset(&zero, 0, sizeof(zero));
			child_to_parent(M_COUNTERS, 0, m->hdr.peer, &zero,
			    sizeof(zero));
			return;
		}
		counters_reply(m->hdr.tunnel, t, m->hdr.peer);
		return;
	case M_COUNTERS_CLEAR:
		memset(counters_for(m->hdr.tunnel), 0,
		    sizeof(struct pptp_counters));
		return;
	}
	if (t == NULL) {
		/* the call already ended; the parent learns it from
		   M_TUNNEL_CLOSED, which crossed this message */
		if (m->fd >= 0)
			close(m->fd);
		if (m->hdr.type == M_TUNNEL_STOP) {
			memcpy(&r, m->data, sizeof(r));
			child_to_parent(M_TUNNEL_CLOSED, m->hdr.tunnel, 0,
			    &(struct m_engine_state){ .state = ES_CLOSED,
			    .generation = r.generation },
			    sizeof(struct m_engine_state));
		}
		return;
	}
	switch (m->hdr.type) {
	case M_FD_CTRL:
	case M_FD_GRE:
	case M_FD_PTY:
		tunnel_fd(t, m->hdr.type, m->fd);
		break;
	case M_TUNNEL_STOP:
		memcpy(&r, m->data, sizeof(r));
		r.reason[sizeof(r.reason) - 1] = '\0';
		t->now = now_ms();
		if (!t->started) {
			etunnel_close(t);
			return;
		}
		pptp_stop(&t->p, t->now, r.reason);
		tunnel_update(t);
		break;
	}
}

void
engine_main(const struct pc_opts *opts, int fd)
{
	child_init(opts, fd, PROC_ENGINE, "engine", from_parent);
	(void)arc4random();	/* seeded before the sandbox closes */
	child_run(opts, SANDBOX_ENGINE);
}
