/*
 * Client control connection state machine, driven by a scripted server:
 * the test plays the server's messages into pptp_input and reads back what
 * the client would write to TCP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "proto/pptp.h"

#define OUR_CALL	0x1234
#define SERVER_CALL	0xabcd
#define T0		1000000		/* any clock origin */

struct fx {
	struct pptp		p;
	struct pptp_counters	c;
};

static void
fx_init(struct fx *f, uint64_t now)
{
	struct pptp_params pp;

	pptp_params_default(&pp);
	strlcpy(pp.hostname, "client.example", sizeof(pp.hostname));
	strlcpy(pp.vendor, "pptpd-client", sizeof(pp.vendor));
	pp.call_id = OUR_CALL;
	pp.call_serial = 77;
	memset(&f->c, 0, sizeof(f->c));
	pptp_init(&f->p, &pp, &f->c, now);
}

/* Take the next message the client wrote; fail if there is none. */
static void
take(struct fx *f, uint16_t want, struct pptp_ctrl_msg *m)
{
	char err[160];
	size_t used;
	int r;

	r = pptp_ctrl_decode(pptp_output_data(&f->p),
	    pptp_output_pending(&f->p), m, &used, err, sizeof(err));
	if (r != 1)
		fail_msg("expected %s from the client, decode gave %d (%s), "
		    "%zu bytes pending", pptp_msg_name(want), r, err,
		    pptp_output_pending(&f->p));
	if (m->type != want)
		fail_msg("expected %s from the client, got %s",
		    pptp_msg_name(want), pptp_msg_name(m->type));
	pptp_output_consume(&f->p, used);
}

static void
no_output(struct fx *f)
{
	if (pptp_output_pending(&f->p) != 0)
		fail_msg("client wrote %zu unexpected bytes",
		    pptp_output_pending(&f->p));
}

static void
serve(struct fx *f, const struct pptp_ctrl_msg *m, uint64_t now)
{
	uint8_t buf[256];
	size_t n = pptp_ctrl_encode(m, buf, sizeof(buf));

	assert_true(n > 0);
	pptp_input(&f->p, buf, n, now);
}

static void
error_has(struct fx *f, const char *needle)
{
	if (strstr(f->p.last_error, needle) == NULL)
		fail_msg("last_error \"%s\" does not say \"%s\"",
		    f->p.last_error, needle);
}

static struct pptp_ctrl_msg
sccrp(uint8_t result, uint8_t error)
{
	struct pptp_ctrl_msg m = { .type = PPTP_SCCRP };

	m.u.sccrp.version = PPTP_VERSION;
	m.u.sccrp.result = result;
	m.u.sccrp.error = error;
	m.u.sccrp.framing_caps = 1;
	m.u.sccrp.bearer_caps = 1;
	m.u.sccrp.firmware_rev = 1;
	strlcpy(m.u.sccrp.hostname, "server", sizeof(m.u.sccrp.hostname));
	strlcpy(m.u.sccrp.vendor, "linux", sizeof(m.u.sccrp.vendor));
	return m;
}

static struct pptp_ctrl_msg
ocrp(uint16_t peer, uint8_t result, uint8_t error)
{
	struct pptp_ctrl_msg m = { .type = PPTP_OCRP };

	m.u.ocrp.call_id = SERVER_CALL;
	m.u.ocrp.peer_call_id = peer;
	m.u.ocrp.result = result;
	m.u.ocrp.error = error;
	m.u.ocrp.connect_speed = 100000000;
	m.u.ocrp.recv_window = 16;
	return m;
}

static struct pptp_ctrl_msg
simple(uint16_t type)
{
	struct pptp_ctrl_msg m = { .type = type };

	switch (type) {
	case PPTP_STOPCCRQ:
		m.u.stopccrq.reason = PPTP_STOP_NONE;
		break;
	case PPTP_STOPCCRP:
		m.u.stopccrp.result = PPTP_STOPCCRP_OK;
		break;
	case PPTP_CDN:
		m.u.cdn.call_id = SERVER_CALL;
		m.u.cdn.result = PPTP_CDN_REQUEST;
		break;
	}
	return m;
}

/* Start through to ESTABLISHED, checking every message on the way. */
static void
establish(struct fx *f, uint64_t now)
{
	struct pptp_ctrl_msg m, r;

	fx_init(f, now);
	assert_int_equal(f->p.state, PPTP_IDLE);
	pptp_start(&f->p, now);
	assert_int_equal(f->p.state, PPTP_WAIT_SCCRP);
	take(f, PPTP_SCCRQ, &m);
	assert_int_equal(m.u.sccrq.version, 0x0100);
	assert_int_equal(m.u.sccrq.framing_caps, 3);
	assert_int_equal(m.u.sccrq.bearer_caps, 3);
	assert_int_equal(m.u.sccrq.max_channels, 0);
	assert_string_equal(m.u.sccrq.hostname, "client.example");
	assert_string_equal(m.u.sccrq.vendor, "pptpd-client");
	no_output(f);

	r = sccrp(PPTP_SCCRP_OK, 0);
	serve(f, &r, now + 10);
	assert_int_equal(f->p.state, PPTP_WAIT_OCRP);
	assert_string_equal(f->p.peer_hostname, "server");
	take(f, PPTP_OCRQ, &m);
	assert_int_equal(m.u.ocrq.call_id, OUR_CALL);
	assert_int_equal(m.u.ocrq.call_serial, 77);
	assert_int_equal(m.u.ocrq.recv_window, PPTP_RECV_WINDOW);
	assert_int_equal(m.u.ocrq.proc_delay, 0);
	assert_int_equal(m.u.ocrq.bearer_type, 3);
	assert_int_equal(m.u.ocrq.framing_type, 3);
	assert_int_equal(m.u.ocrq.min_bps, PPTP_MIN_BPS);
	assert_int_equal(m.u.ocrq.max_bps, PPTP_MAX_BPS);
	no_output(f);

	r = ocrp(OUR_CALL, PPTP_OCRP_CONNECTED, 0);
	serve(f, &r, now + 20);
	assert_int_equal(f->p.state, PPTP_ESTABLISHED);
	assert_int_equal(f->p.peer_call_id, SERVER_CALL);
	assert_int_equal(f->p.peer_recv_window, 16);
	assert_int_equal(f->p.send_accm, 0xffffffff);
	assert_int_equal(f->p.recv_accm, 0xffffffff);
	assert_string_equal(f->p.last_error, "");
	assert_true(pptp_take_events(&f->p) & PPTP_EV_STATE);
	assert_int_equal(pptp_take_events(&f->p), 0);
	no_output(f);
	assert_int_equal(f->c.ctrl_tx, 2);
	assert_int_equal(f->c.ctrl_rx, 2);
}

static void
test_handshake(void **state)
{
	struct fx f;

	establish(&f, T0);
	assert_int_equal(f.c.ctrl_malformed, 0);
}

/* The server's two replies arrive in one piece cut at every byte. */
static void
test_handshake_any_split(void **state)
{
	struct pptp_ctrl_msg a = sccrp(1, 0), b = ocrp(OUR_CALL, 1, 0), m;
	uint8_t wire[512];
	size_t n, chunk;
	struct fx f;

	n = pptp_ctrl_encode(&a, wire, sizeof(wire));
	n += pptp_ctrl_encode(&b, wire + n, sizeof(wire) - n);
	for (chunk = 1; chunk <= n; chunk++) {
		fx_init(&f, T0);
		pptp_start(&f.p, T0);
		take(&f, PPTP_SCCRQ, &m);
		for (size_t off = 0; off < n; off += chunk)
			pptp_input(&f.p, wire + off,
			    off + chunk > n ? n - off : chunk, T0 + 1);
		if (f.p.state != PPTP_ESTABLISHED)
			fail_msg("chunks of %zu: state %s, error \"%s\"",
			    chunk, pptp_state_name(f.p.state),
			    f.p.last_error);
		take(&f, PPTP_OCRQ, &m);
	}
}

static void
test_sccrp_refused(void **state)
{
	static const struct {
		uint8_t result, error;
		const char *text;
	} c[] = {
		{ PPTP_SCCRP_GENERAL, PPTP_ERR_NO_RESOURCE,
		    "general error (no resource)" },
		{ PPTP_SCCRP_EXISTS, 0, "already exists" },
		{ PPTP_SCCRP_NOT_AUTH, 0, "not authorized" },
		{ PPTP_SCCRP_BAD_VERSION, 0, "version 1.0 is not supported" },
	};
	struct pptp_ctrl_msg m, r;
	struct fx f;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fx_init(&f, T0);
		pptp_start(&f.p, T0);
		take(&f, PPTP_SCCRQ, &m);
		r = sccrp(c[i].result, c[i].error);
		serve(&f, &r, T0 + 5);
		assert_int_equal(f.p.state, PPTP_CLOSED);
		error_has(&f, "server refused the control connection: ");
		error_has(&f, c[i].text);
		assert_true(pptp_take_events(&f.p) & PPTP_EV_CLOSED);
		no_output(&f);	/* in particular no Outgoing-Call-Request */
		assert_int_equal(pptp_next_timer(&f.p), UINT64_MAX);
	}
}

static void
test_sccrp_wrong_version(void **state)
{
	struct pptp_ctrl_msg m, r;
	struct fx f;

	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(PPTP_SCCRP_OK, 0);
	r.u.sccrp.version = 0x0200;
	serve(&f, &r, T0 + 5);
	assert_string_equal(f.p.last_error,
	    "server speaks PPTP version 2.0, we speak 1.0");
	assert_int_equal(f.p.state, PPTP_STOPPING);
	take(&f, PPTP_STOPCCRQ, &m);
	assert_int_equal(m.u.stopccrq.reason, PPTP_STOP_PROTOCOL);
	no_output(&f);	/* no call attempted */
}

static void
test_ocrp_refused(void **state)
{
	struct pptp_ctrl_msg m, r;
	struct fx f;

	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(1, 0);
	serve(&f, &r, T0 + 1);
	take(&f, PPTP_OCRQ, &m);
	r = ocrp(OUR_CALL, PPTP_OCRP_BUSY, 0);
	serve(&f, &r, T0 + 2);
	assert_string_equal(f.p.last_error, "server refused the call: busy");
	assert_int_equal(f.p.state, PPTP_STOPPING);
	take(&f, PPTP_STOPCCRQ, &m);
	assert_int_equal(m.u.stopccrq.reason, PPTP_STOP_NONE);
	no_output(&f);
	r = simple(PPTP_STOPCCRP);
	serve(&f, &r, T0 + 3);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "server refused the call: busy");

	/* general error with its error code */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	r = sccrp(1, 0);
	serve(&f, &r, T0 + 1);
	r = ocrp(OUR_CALL, PPTP_OCRP_GENERAL, PPTP_ERR_NO_RESOURCE);
	serve(&f, &r, T0 + 2);
	assert_string_equal(f.p.last_error,
	    "server refused the call: general error (no resource)");
}

static void
test_echo(void **state)
{
	struct pptp_ctrl_msg m, r;
	uint64_t t, now = T0 + 20;	/* OCRP arrived at T0 + 20 */
	struct fx f;

	establish(&f, T0);
	t = pptp_next_timer(&f.p);
	assert_int_equal(t, now + PPTP_ECHO_INTERVAL_MS);
	pptp_timer(&f.p, t - 1);
	no_output(&f);

	pptp_timer(&f.p, t);
	take(&f, PPTP_ECHORQ, &m);
	assert_int_equal(f.c.echo_tx, 1);
	assert_int_equal(pptp_next_timer(&f.p), t + PPTP_ECHO_TIMEOUT_MS);
	r.type = PPTP_ECHORP;
	r.u.echorp = (struct pptp_echorp){ .id = m.u.echorq.id,
	    .result = PPTP_ECHORP_OK };
	serve(&f, &r, t + 35);
	assert_int_equal(f.c.echo_rx, 1);
	assert_int_equal(f.c.echo_rtt_ms, 35);
	assert_true(pptp_take_events(&f.p) & PPTP_EV_ECHO);

	/* the next one carries a new identifier */
	t = pptp_next_timer(&f.p);
	assert_int_equal(t, now + PPTP_ECHO_INTERVAL_MS + 35 +
	    PPTP_ECHO_INTERVAL_MS);
	pptp_timer(&f.p, t);
	{
		uint32_t first = r.u.echorp.id;

		take(&f, PPTP_ECHORQ, &m);
		assert_int_not_equal(m.u.echorq.id, first);
	}
	/* a reply with a stale identifier does not count */
	r.u.echorp.id = m.u.echorq.id + 100;
	serve(&f, &r, t + 1);
	assert_int_equal(f.c.echo_rx, 1);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
}

/* echo-interval 0 in the config: the client never sends Echo-Request,
   and still answers the server's. */
static void
test_echo_off(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_ECHORQ }, m;
	struct fx f;

	establish(&f, T0);
	f.p.params.echo_interval_ms = PPTP_ECHO_OFF;
	assert_int_equal(pptp_next_timer(&f.p), UINT64_MAX);
	pptp_timer(&f.p, T0 + 10 * PPTP_ECHO_INTERVAL_MS);
	no_output(&f);
	assert_int_equal(f.c.echo_tx, 0);
	r.u.echorq.id = 9;
	serve(&f, &r, T0 + 11 * PPTP_ECHO_INTERVAL_MS);
	take(&f, PPTP_ECHORP, &m);
	assert_int_equal(m.u.echorp.id, 9);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
}

static void
test_traffic_delays_echo(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_ECHORQ }, m;
	struct fx f;

	establish(&f, T0);
	r.u.echorq.id = 1;
	serve(&f, &r, T0 + 30000);
	take(&f, PPTP_ECHORP, &m);
	assert_int_equal(pptp_next_timer(&f.p), T0 + 30000 +
	    PPTP_ECHO_INTERVAL_MS);
	pptp_timer(&f.p, T0 + 20 + PPTP_ECHO_INTERVAL_MS);
	no_output(&f);
}

static void
test_echo_timeout(void **state)
{
	struct pptp_ctrl_msg m;
	uint64_t t;
	struct fx f;

	establish(&f, T0);
	t = pptp_next_timer(&f.p);
	pptp_timer(&f.p, t);
	take(&f, PPTP_ECHORQ, &m);
	pptp_timer(&f.p, t + PPTP_ECHO_TIMEOUT_MS - 1);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	pptp_timer(&f.p, t + PPTP_ECHO_TIMEOUT_MS);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "server stopped answering echo requests");
	assert_int_equal(f.c.echo_timeouts, 1);
	assert_int_equal(f.c.echo_rx, 0);
	take(&f, PPTP_STOPCCRQ, &m);	/* a courtesy, if it gets through */
	assert_int_equal(pptp_next_timer(&f.p), UINT64_MAX);
}

static void
test_echo_reply_from_us(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_ECHORQ }, m;
	struct fx f;

	establish(&f, T0);
	r.u.echorq.id = 0xdeadbeef;
	serve(&f, &r, T0 + 100);
	take(&f, PPTP_ECHORP, &m);
	assert_int_equal(m.u.echorp.id, 0xdeadbeef);
	assert_int_equal(m.u.echorp.result, PPTP_ECHORP_OK);
	assert_int_equal(m.u.echorp.error, 0);
	no_output(&f);
	assert_int_equal(f.c.echo_tx, 0);	/* replies are not our echoes */
	assert_int_equal(f.c.ctrl_tx, 3);
	assert_int_equal(f.c.ctrl_rx, 3);
}

static void
test_server_stop(void **state)
{
	struct pptp_ctrl_msg r = simple(PPTP_STOPCCRQ), m;
	struct fx f;

	establish(&f, T0);
	r.u.stopccrq.reason = PPTP_STOP_LOCAL_SHUTDOWN;
	serve(&f, &r, T0 + 100);
	take(&f, PPTP_STOPCCRP, &m);
	assert_int_equal(m.u.stopccrp.result, PPTP_STOPCCRP_OK);
	no_output(&f);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "server closed the control "
	    "connection (reason: local shutdown)");
	assert_true(pptp_take_events(&f.p) & PPTP_EV_CLOSED);
}

static void
test_cdn(void **state)
{
	struct pptp_ctrl_msg r = simple(PPTP_CDN), m;
	struct fx f;

	establish(&f, T0);
	r.u.cdn.result = PPTP_CDN_ADMIN_SHUTDOWN;
	strlcpy(r.u.cdn.stats, "rx 12 tx 34", sizeof(r.u.cdn.stats));
	serve(&f, &r, T0 + 100);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	error_has(&f, "server disconnected the call: administrative "
	    "shutdown");
	error_has(&f, "rx 12 tx 34");
	take(&f, PPTP_STOPCCRQ, &m);
	no_output(&f);	/* the call is gone: no Call-Clear-Request */
	r = simple(PPTP_STOPCCRP);
	serve(&f, &r, T0 + 200);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "administrative shutdown");
}

/*
 * A Call-Disconnect-Notify that carries our call id instead of the
 * server's still ends our call: not malformed. Any other id is.
 */
static void
test_cdn_our_call_id(void **state)
{
	struct pptp_ctrl_msg r = simple(PPTP_CDN), m;
	struct fx f;

	establish(&f, T0);
	r.u.cdn.call_id = OUR_CALL;
	r.u.cdn.result = PPTP_CDN_ADMIN_SHUTDOWN;
	serve(&f, &r, T0 + 100);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	assert_string_equal(f.p.last_error, "server disconnected the call: "
	    "administrative shutdown");
	assert_int_equal(f.c.ctrl_malformed, 0);
	assert_true(pptp_take_events(&f.p) & PPTP_EV_NOTICE);
	take(&f, PPTP_STOPCCRQ, &m);
	no_output(&f);

	establish(&f, T0);
	r.u.cdn.call_id = 0x7777;
	serve(&f, &r, T0 + 100);
	assert_int_equal(f.c.ctrl_malformed, 1);
	error_has(&f, "Call-Disconnect-Notify for call id 30583");
}

static void
test_malformed_mid_session(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_ECHORQ }, m;
	uint8_t buf[32];
	size_t n;
	struct fx f;

	establish(&f, T0);
	n = pptp_ctrl_encode(&r, buf, sizeof(buf));
	buf[4] ^= 0xff;				/* magic cookie */
	pptp_input(&f.p, buf, n, T0 + 100);
	assert_int_equal(f.c.ctrl_malformed, 1);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "malformed control message from server: ");
	error_has(&f, "magic cookie");
	take(&f, PPTP_STOPCCRQ, &m);
	no_output(&f);

	/* nothing more is read once the stream is out of step */
	r.u.echorq.id = 5;
	serve(&f, &r, T0 + 200);
	no_output(&f);
	assert_int_equal(f.c.ctrl_rx, 2);
}

/* Feed bytes one at a time: a skip must work across reads. */
static void
feed_bytewise(struct fx *f, const uint8_t *b, size_t n, uint64_t now)
{
	for (size_t i = 0; i < n; i++)
		pptp_input(&f->p, b + i, 1, now);
}

/*
 * Mid-session, a malformed message whose header still frames it (length
 * in bounds, magic cookie right) and whose type changes nothing we depend
 * on is counted and passed over; the next message is read as usual.
 */
static void
test_malformed_skippable(void **state)
{
	struct pptp_ctrl_msg e = { .type = PPTP_ECHORQ }, m;
	uint8_t buf[128];
	size_t n, k;
	struct fx f;

	for (int kind = 0; kind < 3; kind++) {
		establish(&f, T0);
		e.u.echorq.id = 1;
		n = pptp_ctrl_encode(&e, buf, sizeof(buf));
		switch (kind) {
		case 0:		/* an Echo-Request 4 bytes too long */
			buf[1] = 20;
			memset(buf + n, 0xee, 4);
			n += 4;
			break;
		case 1:		/* a control message type nobody defined */
			buf[9] = 99;
			break;
		case 2:		/* PPTP message type 2 (management) */
			buf[3] = 2;
			break;
		}
		e.u.echorq.id = 2;
		k = pptp_ctrl_encode(&e, buf + n, sizeof(buf) - n);
		feed_bytewise(&f, buf, n + k, T0 + 100);
		assert_int_equal(f.c.ctrl_malformed, 1);
		assert_int_equal(f.p.state, PPTP_ESTABLISHED);
		assert_string_equal(f.p.last_error, "");
		take(&f, PPTP_ECHORP, &m);
		assert_int_equal(m.u.echorp.id, 2);
		no_output(&f);
		assert_true(pptp_take_events(&f.p) & PPTP_EV_NOTICE);
		if (strstr(f.p.notice, "ignored a malformed control message")
		    == NULL)
			fail_msg("notice \"%s\"", f.p.notice);
	}

	/* a length that lies (20, but 16 sent): the next header is not
	   where it should be (here its length reads 0x1a2b, the magic
	   cookie's first half), and that ends the connection */
	establish(&f, T0);
	e.u.echorq.id = 1;
	n = pptp_ctrl_encode(&e, buf, sizeof(buf));
	buf[1] = 20;
	n += pptp_ctrl_encode(&e, buf + n, sizeof(buf) - n);
	pptp_input(&f.p, buf, n, T0 + 100);
	assert_int_equal(f.c.ctrl_malformed, 2);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "malformed control message from server: control "
	    "message: length 6699");
	take(&f, PPTP_STOPCCRQ, &m);
	no_output(&f);
}

/*
 * What cannot be passed over: a malformed message of a type that ends
 * the call or the connection, or one before the control connection
 * exists.
 */
static void
test_malformed_not_skippable(void **state)
{
	struct pptp_ctrl_msg r = simple(PPTP_CDN), m;
	uint8_t buf[256];
	size_t n;
	struct fx f;

	establish(&f, T0);
	n = pptp_ctrl_encode(&r, buf, sizeof(buf));
	buf[1] = (uint8_t)(n + 4);		/* CDN of 152 bytes */
	memset(buf + n, 0, 4);
	pptp_input(&f.p, buf, n + 4, T0 + 100);
	assert_int_equal(f.c.ctrl_malformed, 1);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "Call-Disconnect-Notify: length 152, expected 148");
	take(&f, PPTP_STOPCCRQ, &m);

	/* an Echo-Request too long before the Start-Control-Connection-Reply */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r.type = PPTP_ECHORQ;
	n = pptp_ctrl_encode(&r, buf, sizeof(buf));
	buf[1] = 20;
	memset(buf + n, 0, 4);
	pptp_input(&f.p, buf, n + 4, T0 + 1);
	assert_int_equal(f.c.ctrl_malformed, 1);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "Echo-Request: length 20, expected 16");
	no_output(&f);
}

static void
test_wrong_for_state(void **state)
{
	struct pptp_ctrl_msg r, m;
	struct fx f;

	/* an Outgoing-Call-Reply for somebody else's call */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(1, 0);
	serve(&f, &r, T0 + 1);
	take(&f, PPTP_OCRQ, &m);
	r = ocrp(OUR_CALL + 1, PPTP_OCRP_CONNECTED, 0);
	serve(&f, &r, T0 + 2);
	assert_int_equal(f.c.ctrl_malformed, 1);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	error_has(&f, "Outgoing-Call-Reply for call id 4661, ours is 4660");
	take(&f, PPTP_STOPCCRQ, &m);
	no_output(&f);

	/* an Incoming-Call-Request: a client takes no calls; it changes
	   nothing, so it is counted, logged and passed over */
	establish(&f, T0);
	memset(&r, 0, sizeof(r));
	r.type = PPTP_ICRQ;
	serve(&f, &r, T0 + 50);
	assert_int_equal(f.c.ctrl_malformed, 1);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	assert_string_equal(f.p.last_error, "");
	assert_true(pptp_take_events(&f.p) & PPTP_EV_NOTICE);
	if (strstr(f.p.notice, "unexpected Incoming-Call-Request in state "
	    "established") == NULL)
		fail_msg("notice \"%s\"", f.p.notice);
	no_output(&f);

	/* a second Start-Control-Connection-Reply */
	establish(&f, T0);
	r = sccrp(1, 0);
	serve(&f, &r, T0 + 50);
	assert_int_equal(f.c.ctrl_malformed, 1);
	error_has(&f, "unexpected Start-Control-Connection-Reply");
}

static void
test_handshake_timeout(void **state)
{
	struct pptp_ctrl_msg m, r;
	struct fx f;

	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	assert_int_equal(pptp_next_timer(&f.p), T0 + PPTP_CONNECT_TIMEOUT_MS);
	pptp_timer(&f.p, T0 + PPTP_CONNECT_TIMEOUT_MS - 1);
	assert_int_equal(f.p.state, PPTP_WAIT_SCCRP);
	pptp_timer(&f.p, T0 + PPTP_CONNECT_TIMEOUT_MS);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "server did not answer "
	    "Start-Control-Connection-Request within 10 s");
	no_output(&f);

	/* the call request times out on its own clock */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(1, 0);
	serve(&f, &r, T0 + 9000);
	take(&f, PPTP_OCRQ, &m);
	assert_int_equal(pptp_next_timer(&f.p),
	    T0 + 9000 + PPTP_CONNECT_TIMEOUT_MS);
	pptp_timer(&f.p, T0 + 9000 + PPTP_CONNECT_TIMEOUT_MS);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "server did not answer "
	    "Outgoing-Call-Request within 10 s");
	take(&f, PPTP_STOPCCRQ, &m);
}

static void
test_user_stop(void **state)
{
	struct pptp_ctrl_msg m, r;
	struct fx f;

	establish(&f, T0);
	pptp_stop(&f.p, T0 + 100, NULL);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	take(&f, PPTP_CCRQ, &m);
	assert_int_equal(m.u.ccrq.call_id, OUR_CALL);
	take(&f, PPTP_STOPCCRQ, &m);
	assert_int_equal(m.u.stopccrq.reason, PPTP_STOP_NONE);
	no_output(&f);
	assert_int_equal(pptp_next_timer(&f.p), T0 + 100 +
	    PPTP_STOP_TIMEOUT_MS);
	/* the server answers both, and may cross messages with us */
	r = simple(PPTP_CDN);
	serve(&f, &r, T0 + 110);
	r = ocrp(OUR_CALL, 1, 0);
	serve(&f, &r, T0 + 111);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	r = simple(PPTP_STOPCCRP);
	serve(&f, &r, T0 + 120);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "");
	assert_int_equal(f.c.ctrl_malformed, 0);

	/* no reply: closed after stop_timeout all the same */
	establish(&f, T0);
	pptp_stop(&f.p, T0 + 100, "stopped by pptpctl");
	pptp_timer(&f.p, T0 + 100 + PPTP_STOP_TIMEOUT_MS - 1);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	pptp_timer(&f.p, T0 + 100 + PPTP_STOP_TIMEOUT_MS);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "stopped by pptpctl");

	/* before the control connection exists there is nothing to send */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	pptp_stop(&f.p, T0 + 1, NULL);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	no_output(&f);
}

static void
test_set_link_info(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_SLI };
	struct fx f;

	establish(&f, T0);
	r.u.sli = (struct pptp_sli){ OUR_CALL, 0x000a0000, 0 };
	serve(&f, &r, T0 + 100);
	assert_int_equal(f.p.send_accm, 0x000a0000);
	assert_int_equal(f.p.recv_accm, 0);
	assert_int_equal(f.c.set_link_info, 1);
	assert_true(pptp_take_events(&f.p) & PPTP_EV_ACCM);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	no_output(&f);

	/* for another call: counted and passed over */
	r.u.sli.peer_call_id = 99;
	r.u.sli.recv_accm = 0xffff;
	serve(&f, &r, T0 + 200);
	assert_int_equal(f.c.ctrl_malformed, 1);
	assert_int_equal(f.p.recv_accm, 0);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	assert_string_equal(f.p.last_error, "");
	if (strstr(f.p.notice, "Set-Link-Info for call id 99") == NULL)
		fail_msg("notice \"%s\"", f.p.notice);
	no_output(&f);
}

/*
 * Nonzero reserved fields (Cisco PIX sets the header's Reserved0) are
 * ignored and counted; the connection goes on, and the log hears of it
 * once.
 */
static void
test_reserved_nonzero(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_ECHORQ }, m;
	uint8_t buf[64];
	size_t n;
	struct fx f;

	establish(&f, T0);
	r.u.echorq.id = 0x55;
	n = pptp_ctrl_encode(&r, buf, sizeof(buf));
	buf[10] = 0x12;				/* header Reserved0 */
	buf[11] = 0x34;
	pptp_input(&f.p, buf, n, T0 + 100);
	take(&f, PPTP_ECHORP, &m);
	assert_int_equal(m.u.echorp.id, 0x55);
	assert_int_equal(f.c.ctrl_reserved_set, 1);
	assert_true(pptp_take_events(&f.p) & PPTP_EV_NOTICE);
	if (strstr(f.p.notice, "Echo-Request") == NULL ||
	    strstr(f.p.notice, "reserved") == NULL)
		fail_msg("notice \"%s\"", f.p.notice);

	r.type = PPTP_SLI;
	r.u.sli = (struct pptp_sli){ OUR_CALL, 0, 0x000a0000 };
	n = pptp_ctrl_encode(&r, buf, sizeof(buf));
	buf[15] = 0x01;				/* body reserved */
	pptp_input(&f.p, buf, n, T0 + 200);
	assert_int_equal(f.p.recv_accm, 0x000a0000);
	assert_int_equal(f.c.ctrl_reserved_set, 2);
	/* once per connection in the log */
	assert_false(pptp_take_events(&f.p) & PPTP_EV_NOTICE);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	assert_int_equal(f.c.ctrl_malformed, 0);
	assert_string_equal(f.p.last_error, "");
	no_output(&f);
}

/*
 * Codes outside RFC 2637's lists: a Start-Control-Connection-Reply with
 * result 0 is success (some ADSL modems), a Stop-Control-Connection-
 * Request with reason 0 is answered, other codes appear as numbers in
 * last_error; none is malformed.
 */
static void
test_odd_codes(void **state)
{
	struct pptp_ctrl_msg r, m;
	struct fx f;

	/* SCCRP result 0: go on with the call */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(0, 0);
	serve(&f, &r, T0 + 1);
	assert_int_equal(f.p.state, PPTP_WAIT_OCRP);
	take(&f, PPTP_OCRQ, &m);
	assert_true(pptp_take_events(&f.p) & PPTP_EV_NOTICE);
	r = ocrp(OUR_CALL, PPTP_OCRP_CONNECTED, 0);
	serve(&f, &r, T0 + 2);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	assert_int_equal(f.c.ctrl_malformed, 0);

	/* StopCCRQ reason 0: replied, the reason shown as a number */
	r = simple(PPTP_STOPCCRQ);
	r.u.stopccrq.reason = 0;
	serve(&f, &r, T0 + 100);
	take(&f, PPTP_STOPCCRP, &m);
	assert_int_equal(m.u.stopccrp.result, PPTP_STOPCCRP_OK);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "server closed the control "
	    "connection (reason: reason code 0)");
	assert_int_equal(f.c.ctrl_malformed, 0);

	/* an SCCRP refusal with a code of the server's own */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(9, 0);
	serve(&f, &r, T0 + 1);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error, "server refused the control "
	    "connection: result code 9");

	/* an OCRP with result 0 is no success: only 1 is "connected" */
	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	take(&f, PPTP_SCCRQ, &m);
	r = sccrp(1, 0);
	serve(&f, &r, T0 + 1);
	take(&f, PPTP_OCRQ, &m);
	r = ocrp(OUR_CALL, 0, 77);
	serve(&f, &r, T0 + 2);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	assert_string_equal(f.p.last_error, "server refused the call: "
	    "result code 0 (error code 77)");

	/* a CDN with result 0 ends the call like any other */
	establish(&f, T0);
	r = simple(PPTP_CDN);
	r.u.cdn.result = 0;
	serve(&f, &r, T0 + 100);
	assert_int_equal(f.p.state, PPTP_STOPPING);
	assert_string_equal(f.p.last_error, "server disconnected the call: "
	    "result code 0");
	assert_int_equal(f.c.ctrl_malformed, 0);

	/* an Echo-Reply with result 0 still proves the server alive */
	establish(&f, T0);
	pptp_timer(&f.p, T0 + 20 + PPTP_ECHO_INTERVAL_MS);
	take(&f, PPTP_ECHORQ, &m);
	r.type = PPTP_ECHORP;
	r.u.echorp = (struct pptp_echorp){ m.u.echorq.id, 0, 0 };
	serve(&f, &r, T0 + 30 + PPTP_ECHO_INTERVAL_MS);
	assert_int_equal(f.c.echo_rx, 1);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	assert_int_equal(f.c.ctrl_malformed, 0);
}

static void
test_wan_error(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_WEN };
	struct fx f;

	establish(&f, T0);
	r.u.wen = (struct pptp_wen){ OUR_CALL, 1, 2, 3, 4, 5, 6 };
	serve(&f, &r, T0 + 100);
	assert_int_equal(f.c.wan_errors, 1);
	assert_int_equal(f.p.wan_error.crc_errors, 1);
	assert_int_equal(f.p.wan_error.align_errors, 6);
	assert_true(pptp_take_events(&f.p) & PPTP_EV_WAN_ERROR);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
	assert_string_equal(f.p.last_error, "");
}

/* More bytes in one call than the input buffer holds. */
static void
test_big_input(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_WEN };
	static uint8_t wire[250 * 40];
	size_t n = 0;
	struct fx f;

	establish(&f, T0);
	r.u.wen.peer_call_id = OUR_CALL;
	for (int i = 0; i < 250; i++)
		n += pptp_ctrl_encode(&r, wire + n, sizeof(wire) - n);
	assert_true(n > PPTP_BUF_SIZE);
	pptp_input(&f.p, wire, n, T0 + 100);
	assert_int_equal(f.c.wan_errors, 250);
	assert_int_equal(f.p.state, PPTP_ESTABLISHED);
}

/* A server that sends but never reads cannot make us buffer forever. */
static void
test_output_full(void **state)
{
	struct pptp_ctrl_msg r = { .type = PPTP_ECHORQ };
	struct fx f;

	establish(&f, T0);
	for (int i = 0; i < 300 && f.p.state != PPTP_CLOSED; i++)
		serve(&f, &r, T0 + 100);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	error_has(&f, "server stopped reading");
	assert_true(pptp_output_pending(&f.p) <= PPTP_BUF_SIZE);
}

static void
test_peer_closed(void **state)
{
	struct fx f;

	establish(&f, T0);
	pptp_peer_closed(&f.p, T0 + 5);
	assert_int_equal(f.p.state, PPTP_CLOSED);
	assert_string_equal(f.p.last_error,
	    "server closed the control connection");

	fx_init(&f, T0);
	pptp_start(&f.p, T0);
	pptp_peer_closed(&f.p, T0 + 5);
	error_has(&f, "without answering Start-Control-Connection-Request");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_handshake_any_split),
		cmocka_unit_test(test_sccrp_refused),
		cmocka_unit_test(test_sccrp_wrong_version),
		cmocka_unit_test(test_ocrp_refused),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_echo_off),
		cmocka_unit_test(test_traffic_delays_echo),
		cmocka_unit_test(test_echo_timeout),
		cmocka_unit_test(test_echo_reply_from_us),
		cmocka_unit_test(test_server_stop),
		cmocka_unit_test(test_cdn),
		cmocka_unit_test(test_malformed_mid_session),
		cmocka_unit_test(test_wrong_for_state),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_user_stop),
		cmocka_unit_test(test_set_link_info),
		cmocka_unit_test(test_reserved_nonzero),
		cmocka_unit_test(test_odd_codes),
		cmocka_unit_test(test_cdn_our_call_id),
		cmocka_unit_test(test_malformed_skippable),
		cmocka_unit_test(test_malformed_not_skippable),
		cmocka_unit_test(test_wan_error),
		cmocka_unit_test(test_big_input),
		cmocka_unit_test(test_output_full),
		cmocka_unit_test(test_peer_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
