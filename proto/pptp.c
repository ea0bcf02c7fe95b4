/*
 * PPTP control connection and outgoing call state machine (client side).
 * See pptp.h for the contract with the engine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/pptp.h"

static void	handle(struct pptp *, const struct pptp_ctrl_msg *, uint64_t);

void
pptp_params_default(struct pptp_params *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->echo_interval_ms = PPTP_ECHO_INTERVAL_MS;
	pp->echo_timeout_ms = PPTP_ECHO_TIMEOUT_MS;
	pp->connect_timeout_ms = PPTP_CONNECT_TIMEOUT_MS;
	pp->stop_timeout_ms = PPTP_STOP_TIMEOUT_MS;
	pp->recv_window = PPTP_RECV_WINDOW;
	pp->min_bps = PPTP_MIN_BPS;
	pp->max_bps = PPTP_MAX_BPS;
}

const char *
pptp_state_name(enum pptp_state s)
{
	switch (s) {
	case PPTP_IDLE:		return "idle";
	case PPTP_WAIT_SCCRP:	return "wait-sccrp";
	case PPTP_WAIT_OCRP:	return "wait-ocrp";
	case PPTP_ESTABLISHED:	return "established";
	case PPTP_STOPPING:	return "stopping";
	case PPTP_CLOSED:	return "closed";
	}
	return "unknown";
}

#define DEFAULT(f, d) do { if (p->params.f == 0) p->params.f = (d); } while (0)

void
pptp_init(struct pptp *p, const struct pptp_params *pp,
    struct pptp_counters *c, uint64_t now_ms)
{
	memset(p, 0, sizeof(*p));
	p->params = *pp;
	p->params.hostname[PPTP_HOSTNAME_LEN] = '\0';
	p->params.vendor[PPTP_VENDOR_LEN] = '\0';
	DEFAULT(echo_interval_ms, PPTP_ECHO_INTERVAL_MS);
	DEFAULT(echo_timeout_ms, PPTP_ECHO_TIMEOUT_MS);
	DEFAULT(connect_timeout_ms, PPTP_CONNECT_TIMEOUT_MS);
	DEFAULT(stop_timeout_ms, PPTP_STOP_TIMEOUT_MS);
	DEFAULT(recv_window, PPTP_RECV_WINDOW);
	DEFAULT(min_bps, PPTP_MIN_BPS);
	DEFAULT(max_bps, PPTP_MAX_BPS);
	p->c = c;
	p->state = PPTP_IDLE;
	p->call_id = pp->call_id;
	/* RFC 1662's default until the server says otherwise */
	p->send_accm = 0xffffffff;
	p->recv_accm = 0xffffffff;
	p->last_rx_ms = now_ms;
}

/* --- helpers ---------------------------------------------------------- */

static void
set_state(struct pptp *p, enum pptp_state s)
{
	if (p->state == s)
		return;
	p->state = s;
	p->events |= PPTP_EV_STATE;
	if (s == PPTP_CLOSED) {
		p->events |= PPTP_EV_CLOSED;
		p->deadline = 0;
		p->echo_pending = false;
		p->call_open = false;
	}
}

/* The first error is the cause; later ones are consequences of it. */
static void
set_error(struct pptp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->last_error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
}

/*
 * Something the server did that RFC 2637 does not allow but that does not
 * stop us: tell the engine's log once per connection and kind (a server
 * that does it does it in every message), the counters tell how often.
 */
static void
notice(struct pptp *p, uint32_t kind, const char *fmt, ...)
{
	va_list ap;

	if (p->noted & kind)
		return;
	p->noted |= kind;
	va_start(ap, fmt);
	vsnprintf(p->notice, sizeof(p->notice), fmt, ap);
	va_end(ap);
	p->events |= PPTP_EV_NOTICE;
}

/* "10 s", or "1500 ms" when it is not whole seconds */
static const char *
fmt_ms(char *buf, size_t len, uint32_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%u s", ms / 1000);
	else
		snprintf(buf, len, "%u ms", ms);
	return buf;
}

static void
send_msg(struct pptp *p, const struct pptp_ctrl_msg *m)
{
	size_t n;

	n = pptp_ctrl_encode(m, p->out + p->outlen,
	    sizeof(p->out) - p->outlen);
	if (n == 0) {
		/*
		 * The server is not reading what we send: it cannot be
		 * talked to any more, and buffering without bound would
		 * let it exhaust us.
		 */
		set_error(p, "server stopped reading the control connection "
		    "(%zu bytes unsent)", p->outlen);
		set_state(p, PPTP_CLOSED);
		return;
	}
	p->outlen += n;
	p->c->ctrl_tx++;
}

static void
send_stopccrq(struct pptp *p, uint8_t reason)
{
	struct pptp_ctrl_msg m = { .type = PPTP_STOPCCRQ };

	m.u.stopccrq.reason = reason;
	send_msg(p, &m);
}

static void
send_ccrq(struct pptp *p)
{
	struct pptp_ctrl_msg m = { .type = PPTP_CCRQ };

	m.u.ccrq.call_id = p->call_id;
	send_msg(p, &m);
	p->call_open = false;
}

/*
 * Stop the control connection and wait for the reply. The RFC lets the
 * Stop-Control-Connection-Request clear calls implicitly, so a pending
 * call is not cleared separately here.
 */
static void
begin_stop(struct pptp *p, uint64_t now_ms, uint8_t reason)
{
	send_stopccrq(p, reason);
	if (p->state == PPTP_CLOSED)
		return;
	set_state(p, PPTP_STOPPING);
	p->echo_pending = false;
	p->deadline = now_ms + p->params.stop_timeout_ms;
}

/*
 * A message that cannot be right: either the bytes do not decode, or a
 * well-formed message arrived that makes no sense now. The first kind
 * leaves the stream out of step, so no reply could be read: close at once.
 */
static void
malformed(struct pptp *p, uint64_t now_ms, bool stream_broken,
    const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	p->c->ctrl_malformed++;
	set_error(p, "malformed control message from server: %s", why);
	if (p->state == PPTP_CLOSED)
		return;
	if (stream_broken) {
		p->input_dead = true;
		p->inlen = 0;
	}
	if (p->state == PPTP_IDLE || p->state == PPTP_WAIT_SCCRP) {
		/* no control connection yet to stop */
		set_state(p, PPTP_CLOSED);
		return;
	}
	if (stream_broken) {
		if (p->state != PPTP_STOPPING)
			send_stopccrq(p, PPTP_STOP_NONE);
		set_state(p, PPTP_CLOSED);
		return;
	}
	if (p->state != PPTP_STOPPING)
		begin_stop(p, now_ms, PPTP_STOP_NONE);
}

/*
 * Whether a refused message of this type, malformed or unexpected, may be
 * passed over instead of ending the connection. Once the control
 * connection exists, what only informs us (echoes, WAN-Error-Notify,
 * Set-Link-Info), what only a PAC receives, incoming-call messages and
 * types we do not know change nothing we depend on: skipping them loses
 * nothing. The replies we wait for and the messages that end the call or
 * the connection do: without them we would be out of step with the
 * server.
 */
static bool
can_skip(const struct pptp *p, uint16_t type)
{
	if (p->state != PPTP_WAIT_OCRP && p->state != PPTP_ESTABLISHED &&
	    p->state != PPTP_STOPPING)
		return false;
	switch (type) {
	case PPTP_SCCRP:
	case PPTP_OCRP:
	case PPTP_STOPCCRQ:
	case PPTP_STOPCCRP:
	case PPTP_CDN:
		return false;
	default:
		return true;
	}
}

/* A refused message that could be passed over: count, log, go on. */
static void
skipped(struct pptp *p, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	p->c->ctrl_malformed++;
	notice(p, PPTP_NOTE_SKIPPED, "ignored a malformed control message "
	    "from server: %s", why);
}

/* --- API -------------------------------------------------------------- */

void
pptp_start(struct pptp *p, uint64_t now_ms)
{
	struct pptp_ctrl_msg m = { .type = PPTP_SCCRQ };
	struct pptp_sccrq *s = &m.u.sccrq;

	if (p->state != PPTP_IDLE)
		return;
	s->version = PPTP_VERSION;
	s->framing_caps = PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC;
	s->bearer_caps = PPTP_BEARER_ANALOG | PPTP_BEARER_DIGITAL;
	s->max_channels = 0;
	s->firmware_rev = PPTP_FIRMWARE_REV;
	memcpy(s->hostname, p->params.hostname, sizeof(s->hostname));
	memcpy(s->vendor, p->params.vendor, sizeof(s->vendor));
	send_msg(p, &m);
	if (p->state == PPTP_CLOSED)
		return;
	set_state(p, PPTP_WAIT_SCCRP);
	p->deadline = now_ms + p->params.connect_timeout_ms;
	p->last_rx_ms = now_ms;
}

void
pptp_input(struct pptp *p, const uint8_t *data, size_t len, uint64_t now_ms)
{
	struct pptp_ctrl_msg m;
	char err[160];
	size_t n, off, used;
	int r;

	while (len > 0 && p->state != PPTP_CLOSED && !p->input_dead) {
		n = sizeof(p->in) - p->inlen;
		if (n > len)
			n = len;
		memcpy(p->in + p->inlen, data, n);
		p->inlen += n;
		data += n;
		len -= n;

		off = 0;
		while (p->state != PPTP_CLOSED && !p->input_dead) {
			if (p->skip > 0) {
				n = p->inlen - off;
				if (n > p->skip)
					n = p->skip;
				off += n;
				p->skip -= n;
				if (p->skip > 0)
					break;
			}
			r = pptp_ctrl_decode(p->in + off, p->inlen - off, &m,
			    &used, err, sizeof(err));
			if (r == 0)
				break;
			if (r == -1 && used > 0 && can_skip(p, m.type)) {
				/* the next magic cookie checks the length */
				skipped(p, "%s", err);
				p->last_rx_ms = now_ms;
				p->skip = used;
				continue;
			}
			if (r == -1) {
				malformed(p, now_ms, true, "%s", err);
				return;
			}
			off += used;
			p->c->ctrl_rx++;
			p->last_rx_ms = now_ms;
			if (m.odd & PPTP_ODD_RESERVED) {
				p->c->ctrl_reserved_set++;
				notice(p, PPTP_NOTE_RESERVED, "%s from server "
				    "has a nonzero reserved field (byte %u); "
				    "ignored", pptp_msg_name(m.type),
				    m.odd_offset);
			}
			if (m.odd & PPTP_ODD_CODE)
				notice(p, PPTP_NOTE_CODE, "%s from server "
				    "has a result, reason or error code that "
				    "RFC 2637 does not list; taken as it is",
				    pptp_msg_name(m.type));
			handle(p, &m, now_ms);
		}
		if (p->state == PPTP_CLOSED || p->input_dead)
			return;
		memmove(p->in, p->in + off, p->inlen - off);
		p->inlen -= off;
	}
}

void
pptp_stop(struct pptp *p, uint64_t now_ms, const char *reason)
{
	if (reason != NULL && reason[0] != '\0')
		set_error(p, "%s", reason);
	switch (p->state) {
	case PPTP_IDLE:
	case PPTP_WAIT_SCCRP:
		/* nothing established to tear down: closing TCP is enough */
		set_state(p, PPTP_CLOSED);
		break;
	case PPTP_WAIT_OCRP:
	case PPTP_ESTABLISHED:
		if (p->call_open)
			send_ccrq(p);
		if (p->state != PPTP_CLOSED)
			begin_stop(p, now_ms, PPTP_STOP_NONE);
		break;
	case PPTP_STOPPING:
	case PPTP_CLOSED:
		break;
	}
}

void
pptp_peer_closed(struct pptp *p, uint64_t now_ms)
{
	switch (p->state) {
	case PPTP_CLOSED:
		return;
	case PPTP_STOPPING:
		/* an acceptable answer to our stop request */
		break;
	case PPTP_IDLE:
	case PPTP_WAIT_SCCRP:
		set_error(p, "server closed the connection without answering "
		    "Start-Control-Connection-Request");
		break;
	case PPTP_WAIT_OCRP:
		set_error(p, "server closed the connection without answering "
		    "Outgoing-Call-Request");
		break;
	case PPTP_ESTABLISHED:
		set_error(p, "server closed the control connection");
		break;
	}
	set_state(p, PPTP_CLOSED);
}

static void
send_echo(struct pptp *p, uint64_t now_ms)
{
	struct pptp_ctrl_msg m = { .type = PPTP_ECHORQ };

	m.u.echorq.id = ++p->echo_id;
	send_msg(p, &m);
	p->echo_pending = true;
	p->echo_sent_ms = now_ms;
	p->c->echo_tx++;
}

void
pptp_timer(struct pptp *p, uint64_t now_ms)
{
	char t[32];

	if (p->deadline != 0 && now_ms >= p->deadline) {
		switch (p->state) {
		case PPTP_WAIT_SCCRP:
			set_error(p, "server did not answer "
			    "Start-Control-Connection-Request within %s",
			    fmt_ms(t, sizeof(t), p->params.connect_timeout_ms));
			set_state(p, PPTP_CLOSED);
			return;
		case PPTP_WAIT_OCRP:
			set_error(p, "server did not answer "
			    "Outgoing-Call-Request within %s",
			    fmt_ms(t, sizeof(t), p->params.connect_timeout_ms));
			send_stopccrq(p, PPTP_STOP_NONE);
			set_state(p, PPTP_CLOSED);
			return;
		case PPTP_STOPPING:
			/* the server's silence changes nothing: we are down */
			set_state(p, PPTP_CLOSED);
			return;
		default:
			p->deadline = 0;
			break;
		}
	}
	if (p->state != PPTP_ESTABLISHED)
		return;
	if (p->echo_pending) {
		if (now_ms - p->echo_sent_ms >= p->params.echo_timeout_ms) {
			p->c->echo_timeouts++;
			set_error(p, "server stopped answering echo requests "
			    "(no reply within %s)",
			    fmt_ms(t, sizeof(t), p->params.echo_timeout_ms));
			send_stopccrq(p, PPTP_STOP_NONE);
			set_state(p, PPTP_CLOSED);
		}
	} else if (p->params.echo_interval_ms != PPTP_ECHO_OFF &&
	    now_ms - p->last_rx_ms >= p->params.echo_interval_ms)
		send_echo(p, now_ms);
}

uint64_t
pptp_next_timer(const struct pptp *p)
{
	uint64_t t = UINT64_MAX;

	if (p->state == PPTP_IDLE || p->state == PPTP_CLOSED)
		return t;
	if (p->deadline != 0)
		t = p->deadline;
	if (p->state == PPTP_ESTABLISHED && (p->echo_pending ||
	    p->params.echo_interval_ms != PPTP_ECHO_OFF)) {
		uint64_t e = p->echo_pending ?
		    p->echo_sent_ms + p->params.echo_timeout_ms :
		    p->last_rx_ms + p->params.echo_interval_ms;
		if (e < t)
			t = e;
	}
	return t;
}

size_t
pptp_output_pending(const struct pptp *p)
{
	return p->outlen;
}

const uint8_t *
pptp_output_data(const struct pptp *p)
{
	return p->out;
}

void
pptp_output_consume(struct pptp *p, size_t n)
{
	if (n > p->outlen)
		n = p->outlen;
	memmove(p->out, p->out + n, p->outlen - n);
	p->outlen -= n;
}

uint32_t
pptp_take_events(struct pptp *p)
{
	uint32_t e = p->events;

	p->events = 0;
	return e;
}

/* --- received messages ------------------------------------------------ */

static void
on_sccrp(struct pptp *p, const struct pptp_sccrp *s, uint64_t now_ms)
{
	struct pptp_ctrl_msg m = { .type = PPTP_OCRQ };
	struct pptp_ocrq *o = &m.u.ocrq;
	char why[128];

	p->peer_version = s->version;
	p->peer_firmware_rev = s->firmware_rev;
	memcpy(p->peer_hostname, s->hostname, sizeof(p->peer_hostname));
	memcpy(p->peer_vendor, s->vendor, sizeof(p->peer_vendor));
	/* some ADSL modems say 0 for success (pptp-linux takes it too) */
	if (s->result != PPTP_SCCRP_OK && s->result != 0) {
		set_error(p, "server refused the control connection: %s",
		    pptp_result_describe(why, sizeof(why), PPTP_SCCRP,
		    s->result, s->error, 0));
		set_state(p, PPTP_CLOSED);
		return;
	}
	if (s->version != PPTP_VERSION) {
		set_error(p, "server speaks PPTP version %u.%u, we speak 1.0",
		    s->version >> 8, s->version & 0xff);
		begin_stop(p, now_ms, PPTP_STOP_PROTOCOL);
		return;
	}

	o->call_id = p->call_id;
	o->call_serial = p->params.call_serial;
	o->min_bps = p->params.min_bps;
	o->max_bps = p->params.max_bps;
	o->bearer_type = PPTP_BEARER_ANALOG | PPTP_BEARER_DIGITAL;
	o->framing_type = PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC;
	o->recv_window = p->params.recv_window;
	o->proc_delay = 0;
	send_msg(p, &m);
	if (p->state == PPTP_CLOSED)
		return;
	p->call_open = true;
	set_state(p, PPTP_WAIT_OCRP);
	p->deadline = now_ms + p->params.connect_timeout_ms;
}

static void
on_ocrp(struct pptp *p, const struct pptp_ocrp *o, uint64_t now_ms)
{
	char why[128];

	if (o->peer_call_id != p->call_id) {
		malformed(p, now_ms, false, "Outgoing-Call-Reply for call id "
		    "%u, ours is %u", o->peer_call_id, p->call_id);
		return;
	}
	if (o->result != PPTP_OCRP_CONNECTED) {
		p->call_open = false;
		set_error(p, "server refused the call: %s",
		    pptp_result_describe(why, sizeof(why), PPTP_OCRP,
		    o->result, o->error, o->cause));
		begin_stop(p, now_ms, PPTP_STOP_NONE);
		return;
	}
	p->peer_call_id = o->call_id;
	p->peer_recv_window = o->recv_window;
	p->peer_proc_delay = o->proc_delay;
	p->connect_speed = o->connect_speed;
	p->deadline = 0;
	p->echo_pending = false;
	set_state(p, PPTP_ESTABLISHED);
}

static void
on_cdn(struct pptp *p, const struct pptp_cdn *d, uint64_t now_ms)
{
	char why[128];

	if (p->state == PPTP_STOPPING)
		return;		/* the answer to our Call-Clear-Request */
	/*
	 * The RFC has the server put its own call id here; some put ours.
	 * Either way it can only mean our one call: the server ended it.
	 */
	if (p->state == PPTP_ESTABLISHED && d->call_id == p->call_id &&
	    d->call_id != p->peer_call_id)
		notice(p, PPTP_NOTE_CDN_ID, "Call-Disconnect-Notify from "
		    "server carries our call id %u, not its own %u; taken as "
		    "ending our call", d->call_id, p->peer_call_id);
	else if (p->state == PPTP_ESTABLISHED &&
	    d->call_id != p->peer_call_id) {
		malformed(p, now_ms, false, "Call-Disconnect-Notify for call "
		    "id %u, the server's is %u", d->call_id, p->peer_call_id);
		return;
	}
	p->call_open = false;
	pptp_result_describe(why, sizeof(why), PPTP_CDN, d->result, d->error,
	    d->cause);
	if (d->stats[0] != '\0')
		set_error(p, "server disconnected the call: %s; call "
		    "statistics: %.128s", why, d->stats);
	else
		set_error(p, "server disconnected the call: %s", why);
	begin_stop(p, now_ms, PPTP_STOP_NONE);
}

static void
on_stopccrq(struct pptp *p, const struct pptp_stopccrq *s)
{
	struct pptp_ctrl_msg m = { .type = PPTP_STOPCCRP };
	bool ours = p->state == PPTP_STOPPING;
	char why[64];

	m.u.stopccrp.result = PPTP_STOPCCRP_OK;
	send_msg(p, &m);
	if (!ours)
		set_error(p, "server closed the control connection (reason: "
		    "%s)", pptp_reason_describe(why, sizeof(why), s->reason));
	set_state(p, PPTP_CLOSED);
}

static void
on_echorq(struct pptp *p, const struct pptp_echorq *e)
{
	struct pptp_ctrl_msg m = { .type = PPTP_ECHORP };

	m.u.echorp.id = e->id;
	m.u.echorp.result = PPTP_ECHORP_OK;
	send_msg(p, &m);
}

static void
on_echorp(struct pptp *p, const struct pptp_echorp *e, uint64_t now_ms)
{
	/* a stale or unsolicited reply proves liveness but says no more */
	if (!p->echo_pending || e->id != p->echo_id)
		return;
	p->echo_pending = false;
	p->c->echo_rx++;
	p->c->echo_rtt_ms = now_ms - p->echo_sent_ms;
	p->events |= PPTP_EV_ECHO;
}

static void
on_sli(struct pptp *p, const struct pptp_sli *s, uint64_t now_ms)
{
	p->c->set_link_info++;
	if (p->state == PPTP_STOPPING)
		return;
	/* it only informs: one that makes no sense is passed over */
	if (p->state != PPTP_ESTABLISHED) {
		skipped(p, "Set-Link-Info before the call is connected");
		return;
	}
	if (s->peer_call_id != p->call_id) {
		skipped(p, "Set-Link-Info for call id %u, ours is %u",
		    s->peer_call_id, p->call_id);
		return;
	}
	if (s->send_accm != p->send_accm || s->recv_accm != p->recv_accm)
		p->events |= PPTP_EV_ACCM;
	p->send_accm = s->send_accm;
	p->recv_accm = s->recv_accm;
}

static void
handle(struct pptp *p, const struct pptp_ctrl_msg *m, uint64_t now_ms)
{
	bool stopping = p->state == PPTP_STOPPING;

	switch (m->type) {
	case PPTP_SCCRP:
		if (p->state != PPTP_WAIT_SCCRP)
			break;
		on_sccrp(p, &m->u.sccrp, now_ms);
		return;
	case PPTP_OCRP:
		if (stopping)
			return;
		if (p->state != PPTP_WAIT_OCRP)
			break;
		on_ocrp(p, &m->u.ocrp, now_ms);
		return;
	case PPTP_STOPCCRQ:
		on_stopccrq(p, &m->u.stopccrq);
		return;
	case PPTP_STOPCCRP:
		if (!stopping)
			break;
		set_state(p, PPTP_CLOSED);
		return;
	case PPTP_ECHORQ:
		on_echorq(p, &m->u.echorq);
		return;
	case PPTP_ECHORP:
		on_echorp(p, &m->u.echorp, now_ms);
		return;
	case PPTP_CDN:
		if (p->state != PPTP_WAIT_OCRP &&
		    p->state != PPTP_ESTABLISHED && !stopping)
			break;
		on_cdn(p, &m->u.cdn, now_ms);
		return;
	case PPTP_WEN:
		p->c->wan_errors++;
		p->wan_error = m->u.wen;
		p->events |= PPTP_EV_WAN_ERROR;
		return;
	case PPTP_SLI:
		on_sli(p, &m->u.sli, now_ms);
		return;
	default:
		/* requests only a PAC receives, or incoming-call messages */
		break;
	}
	if (stopping)
		return;		/* crossing messages are normal while stopping */
	if (can_skip(p, m->type)) {
		skipped(p, "unexpected %s in state %s",
		    pptp_msg_name(m->type), pptp_state_name(p->state));
		return;
	}
	malformed(p, now_ms, false, "unexpected %s in state %s",
	    pptp_msg_name(m->type), pptp_state_name(p->state));
}
