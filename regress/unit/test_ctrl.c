/*
 * PPTP control message codec: hand-made wire vectors from the RFC 2637
 * layouts, round trips, every strict check, and a stream cut anywhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "proto/ctrl.h"

/* header: length, PPTP message type 1, magic 1A2B3C4D, type, reserved 0 */
#define HDR(len, type) \
	(len) >> 8, (len) & 0xff, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, \
	0x00, (type), 0x00, 0x00

static void
put_str(uint8_t *buf, size_t off, const char *s)
{
	memcpy(buf + off, s, strlen(s));
}

static void
expect_decode(const uint8_t *buf, size_t len, struct pptp_ctrl_msg *m)
{
	char err[160];
	size_t used = 0;
	int r;

	r = pptp_ctrl_decode(buf, len, m, &used, err, sizeof(err));
	if (r != 1)
		fail_msg("decode returned %d: %s", r, err);
	assert_int_equal(used, len);
}

static void
expect_reencode(const struct pptp_ctrl_msg *m, const uint8_t *wire,
    size_t len)
{
	uint8_t out[256];

	assert_int_equal(pptp_ctrl_encode(m, out, sizeof(out)), len);
	assert_memory_equal(out, wire, len);
}

static void
expect_malformed(const uint8_t *buf, size_t len, const char *needle)
{
	struct pptp_ctrl_msg m;
	char err[160];
	size_t used = 0;
	int r;

	r = pptp_ctrl_decode(buf, len, &m, &used, err, sizeof(err));
	assert_int_equal(r, -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
}

/* --- vectors ------------------------------------------------------------ */

static void
test_sccrq_vector(void **state)
{
	uint8_t w[156] = {
		HDR(156, 1),
		0x01, 0x00,		/* 12: version 1.0 */
		0x00, 0x00,		/* 14: reserved */
		0x00, 0x00, 0x00, 0x03,	/* 16: framing async|sync */
		0x00, 0x00, 0x00, 0x03,	/* 20: bearer analog|digital */
		0x00, 0x00,		/* 24: max channels */
		0x00, 0x01,		/* 26: firmware revision */
	};				/* 28: host name, 92: vendor */
	struct pptp_ctrl_msg m;

	put_str(w, 28, "client.example");
	put_str(w, 92, "pptpd-client");
	expect_decode(w, sizeof(w), &m);
	assert_int_equal(m.type, PPTP_SCCRQ);
	assert_int_equal(m.u.sccrq.version, 0x0100);
	assert_int_equal(m.u.sccrq.framing_caps, 3);
	assert_int_equal(m.u.sccrq.bearer_caps, 3);
	assert_int_equal(m.u.sccrq.max_channels, 0);
	assert_int_equal(m.u.sccrq.firmware_rev, 1);
	assert_string_equal(m.u.sccrq.hostname, "client.example");
	assert_string_equal(m.u.sccrq.vendor, "pptpd-client");
	expect_reencode(&m, w, sizeof(w));
}

static void
test_sccrp_vector(void **state)
{
	uint8_t w[156] = {
		HDR(156, 2),
		0x01, 0x00,		/* 12: version */
		0x01,			/* 14: result: success */
		0x00,			/* 15: error */
		0x00, 0x00, 0x00, 0x01,	/* 16: framing async */
		0x00, 0x00, 0x00, 0x01,	/* 20: bearer analog */
		0x00, 0x01,		/* 24: max channels 1 */
		0x00, 0x01,		/* 26: firmware 1 */
	};
	struct pptp_ctrl_msg m;
	int i;

	/* a host name filling all 64 bytes, no NUL on the wire */
	for (i = 0; i < 64; i++)
		w[28 + i] = 'a' + i % 26;
	put_str(w, 92, "linux");
	expect_decode(w, sizeof(w), &m);
	assert_int_equal(m.type, PPTP_SCCRP);
	assert_int_equal(m.u.sccrp.result, 1);
	assert_int_equal(m.u.sccrp.error, 0);
	assert_int_equal(m.u.sccrp.framing_caps, 1);
	assert_int_equal(m.u.sccrp.max_channels, 1);
	assert_int_equal(strlen(m.u.sccrp.hostname), 64);
	assert_string_equal(m.u.sccrp.vendor, "linux");
	expect_reencode(&m, w, sizeof(w));
}

static void
test_short_vectors(void **state)
{
	static const uint8_t stopccrq[16] = {
		HDR(16, 3), 0x03, 0x00, 0x00, 0x00,	/* 12: reason 3 */
	};
	static const uint8_t stopccrp[16] = {
		HDR(16, 4), 0x02, 0x04, 0x00, 0x00,	/* result 2, error 4 */
	};
	static const uint8_t echorq[16] = {
		HDR(16, 5), 0xde, 0xad, 0xbe, 0xef,	/* 12: identifier */
	};
	static const uint8_t echorp[20] = {
		HDR(20, 6), 0x00, 0x00, 0x00, 0x07,	/* 12: identifier */
		0x01, 0x00, 0x00, 0x00,			/* 16: result, error */
	};
	static const uint8_t ccrq[16] = {
		HDR(16, 12), 0x12, 0x34, 0x00, 0x00,	/* 12: call id */
	};
	struct pptp_ctrl_msg m;

	expect_decode(stopccrq, sizeof(stopccrq), &m);
	assert_int_equal(m.type, PPTP_STOPCCRQ);
	assert_int_equal(m.u.stopccrq.reason, PPTP_STOP_LOCAL_SHUTDOWN);
	expect_reencode(&m, stopccrq, sizeof(stopccrq));

	expect_decode(stopccrp, sizeof(stopccrp), &m);
	assert_int_equal(m.u.stopccrp.result, 2);
	assert_int_equal(m.u.stopccrp.error, PPTP_ERR_NO_RESOURCE);
	expect_reencode(&m, stopccrp, sizeof(stopccrp));

	expect_decode(echorq, sizeof(echorq), &m);
	assert_int_equal(m.u.echorq.id, 0xdeadbeef);
	expect_reencode(&m, echorq, sizeof(echorq));

	expect_decode(echorp, sizeof(echorp), &m);
	assert_int_equal(m.u.echorp.id, 7);
	assert_int_equal(m.u.echorp.result, 1);
	expect_reencode(&m, echorp, sizeof(echorp));

	expect_decode(ccrq, sizeof(ccrq), &m);
	assert_int_equal(m.u.ccrq.call_id, 0x1234);
	expect_reencode(&m, ccrq, sizeof(ccrq));
}

static void
test_call_vectors(void **state)
{
	uint8_t ocrq[168] = {
		HDR(168, 7),
		0x12, 0x34,		/* 12: call id */
		0x00, 0x2a,		/* 14: serial 42 */
		0x00, 0x00, 0x09, 0x60,	/* 16: min bps 2400 */
		0x05, 0xf5, 0xe1, 0x00,	/* 20: max bps 100000000 */
		0x00, 0x00, 0x00, 0x03,	/* 24: bearer either */
		0x00, 0x00, 0x00, 0x03,	/* 28: framing either */
		0x00, 0x40,		/* 32: recv window 64 */
		0x00, 0x00,		/* 34: processing delay */
		0x00, 0x03,		/* 36: phone number length */
		0x00, 0x00,		/* 38: reserved */
	};				/* 40: phone, 104: subaddress */
	static const uint8_t ocrp[32] = {
		HDR(32, 8),
		0xab, 0xcd,		/* 12: call id (server's) */
		0x12, 0x34,		/* 14: peer's call id (ours) */
		0x04,			/* 16: result busy */
		0x00,			/* 17: error */
		0x00, 0x11,		/* 18: cause 17 */
		0x00, 0x00, 0xfa, 0x00,	/* 20: connect speed 64000 */
		0x00, 0x10,		/* 24: recv window 16 */
		0x00, 0x02,		/* 26: processing delay */
		0x00, 0x00, 0x00, 0x09,	/* 28: physical channel */
	};
	uint8_t icrq[220] = {
		HDR(220, 9),
		0x00, 0x05,		/* 12: call id */
		0x00, 0x06,		/* 14: serial */
		0x00, 0x00, 0x00, 0x01,	/* 16: bearer analog */
		0x00, 0x00, 0x00, 0x02,	/* 20: physical channel */
		0x00, 0x02,		/* 24: dialed length */
		0x00, 0x01,		/* 26: dialing length */
	};			/* 28: dialed, 92: dialing, 156: subaddress */
	static const uint8_t icrp[24] = {
		HDR(24, 10),
		0x00, 0x05, 0x00, 0x06,	/* 12: call id, 14: peer call id */
		0x03, 0x00,		/* 16: result do-not-accept, error */
		0x00, 0x08, 0x00, 0x01,	/* 18: window, 20: tx delay */
		0x00, 0x00,		/* 22: reserved */
	};
	static const uint8_t iccn[28] = {
		HDR(28, 11),
		0x00, 0x06, 0x00, 0x00,	/* 12: peer call id, 14: reserved */
		0x00, 0x00, 0x25, 0x80,	/* 16: connect speed 9600 */
		0x00, 0x08, 0x00, 0x01,	/* 20: window, 22: tx delay */
		0x00, 0x00, 0x00, 0x02,	/* 24: framing sync */
	};
	struct pptp_ctrl_msg m;

	put_str(ocrq, 40, "555");
	put_str(ocrq, 104, "sub");
	expect_decode(ocrq, sizeof(ocrq), &m);
	assert_int_equal(m.u.ocrq.call_id, 0x1234);
	assert_int_equal(m.u.ocrq.call_serial, 42);
	assert_int_equal(m.u.ocrq.min_bps, 2400);
	assert_int_equal(m.u.ocrq.max_bps, 100000000);
	assert_int_equal(m.u.ocrq.bearer_type, 3);
	assert_int_equal(m.u.ocrq.framing_type, 3);
	assert_int_equal(m.u.ocrq.recv_window, 64);
	assert_int_equal(m.u.ocrq.phone_len, 3);
	assert_string_equal(m.u.ocrq.phone, "555");
	assert_string_equal(m.u.ocrq.subaddress, "sub");
	expect_reencode(&m, ocrq, sizeof(ocrq));

	expect_decode(ocrp, sizeof(ocrp), &m);
	assert_int_equal(m.u.ocrp.call_id, 0xabcd);
	assert_int_equal(m.u.ocrp.peer_call_id, 0x1234);
	assert_int_equal(m.u.ocrp.result, PPTP_OCRP_BUSY);
	assert_int_equal(m.u.ocrp.cause, 17);
	assert_int_equal(m.u.ocrp.connect_speed, 64000);
	assert_int_equal(m.u.ocrp.recv_window, 16);
	assert_int_equal(m.u.ocrp.proc_delay, 2);
	assert_int_equal(m.u.ocrp.phys_channel, 9);
	expect_reencode(&m, ocrp, sizeof(ocrp));

	put_str(icrq, 28, "42");
	put_str(icrq, 92, "7");
	put_str(icrq, 156, "x");
	expect_decode(icrq, sizeof(icrq), &m);
	assert_int_equal(m.u.icrq.call_id, 5);
	assert_int_equal(m.u.icrq.phys_channel, 2);
	assert_int_equal(m.u.icrq.dialed_len, 2);
	assert_string_equal(m.u.icrq.dialed, "42");
	assert_string_equal(m.u.icrq.dialing, "7");
	assert_string_equal(m.u.icrq.subaddress, "x");
	expect_reencode(&m, icrq, sizeof(icrq));

	expect_decode(icrp, sizeof(icrp), &m);
	assert_int_equal(m.u.icrp.peer_call_id, 6);
	assert_int_equal(m.u.icrp.result, PPTP_ICRP_DO_NOT_ACCEPT);
	assert_int_equal(m.u.icrp.recv_window, 8);
	expect_reencode(&m, icrp, sizeof(icrp));

	expect_decode(iccn, sizeof(iccn), &m);
	assert_int_equal(m.u.iccn.peer_call_id, 6);
	assert_int_equal(m.u.iccn.connect_speed, 9600);
	assert_int_equal(m.u.iccn.framing_type, 2);
	expect_reencode(&m, iccn, sizeof(iccn));
}

static void
test_link_vectors(void **state)
{
	uint8_t cdn[148] = {
		HDR(148, 13),
		0xab, 0xcd,		/* 12: call id */
		0x03, 0x00,		/* 14: result admin shutdown, error */
		0x00, 0x00,		/* 16: cause */
		0x00, 0x00,		/* 18: reserved */
	};				/* 20: call statistics */
	static const uint8_t wen[40] = {
		HDR(40, 14),
		0x12, 0x34, 0x00, 0x00,	/* 12: peer call id, reserved */
		0x00, 0x00, 0x00, 0x01,	/* 16: CRC errors */
		0x00, 0x00, 0x00, 0x02,	/* 20: framing errors */
		0x00, 0x00, 0x00, 0x03,	/* 24: hardware overruns */
		0x00, 0x00, 0x00, 0x04,	/* 28: buffer overruns */
		0x00, 0x00, 0x00, 0x05,	/* 32: time-out errors */
		0x00, 0x00, 0x01, 0x00,	/* 36: alignment errors 256 */
	};
	static const uint8_t sli[24] = {
		HDR(24, 15),
		0x12, 0x34, 0x00, 0x00,	/* 12: peer call id, reserved */
		0x00, 0x00, 0x00, 0x00,	/* 16: send ACCM */
		0xff, 0xff, 0xff, 0xff,	/* 20: receive ACCM */
	};
	struct pptp_ctrl_msg m;

	put_str(cdn, 20, "rx 10 tx 20");
	expect_decode(cdn, sizeof(cdn), &m);
	assert_int_equal(m.u.cdn.call_id, 0xabcd);
	assert_int_equal(m.u.cdn.result, PPTP_CDN_ADMIN_SHUTDOWN);
	assert_string_equal(m.u.cdn.stats, "rx 10 tx 20");
	expect_reencode(&m, cdn, sizeof(cdn));

	expect_decode(wen, sizeof(wen), &m);
	assert_int_equal(m.u.wen.peer_call_id, 0x1234);
	assert_int_equal(m.u.wen.crc_errors, 1);
	assert_int_equal(m.u.wen.framing_errors, 2);
	assert_int_equal(m.u.wen.hw_overruns, 3);
	assert_int_equal(m.u.wen.buf_overruns, 4);
	assert_int_equal(m.u.wen.timeout_errors, 5);
	assert_int_equal(m.u.wen.align_errors, 256);
	expect_reencode(&m, wen, sizeof(wen));

	expect_decode(sli, sizeof(sli), &m);
	assert_int_equal(m.u.sli.send_accm, 0);
	assert_int_equal(m.u.sli.recv_accm, 0xffffffff);
	expect_reencode(&m, sli, sizeof(sli));
}

/* --- round trips ---------------------------------------------------------- */

/*
 * Compared through their encodings: struct padding is not guaranteed to
 * be zero, so memcmp on structs could fail (or pass) by accident. Every
 * sample field is nonzero, so a field the decoder drops shows up here; a
 * field the encoder drops is caught by the hand-made vectors above.
 */
static int
msg_equal(const struct pptp_ctrl_msg *a, const struct pptp_ctrl_msg *b)
{
	uint8_t wa[256], wb[256];
	size_t na, nb;

	if (a->type != b->type)
		return 0;
	na = pptp_ctrl_encode(a, wa, sizeof(wa));
	nb = pptp_ctrl_encode(b, wb, sizeof(wb));
	return na != 0 && na == nb && memcmp(wa, wb, na) == 0;
}

/* A valid message of each type with every field set to something distinct. */
static void
sample(uint16_t type, struct pptp_ctrl_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case PPTP_SCCRQ:
		m->u.sccrq = (struct pptp_sccrq){ 0x0100, 3, 2, 7, 0x0203,
		    "host", "vendor" };
		break;
	case PPTP_SCCRP:
		m->u.sccrp = (struct pptp_sccrp){ 0x0100, 2, 6, 1, 3, 9, 4,
		    "server", "poptop" };
		break;
	case PPTP_STOPCCRQ:
		m->u.stopccrq.reason = 2;
		break;
	case PPTP_STOPCCRP:
		m->u.stopccrp = (struct pptp_stopccrp){ 1, 3 };
		break;
	case PPTP_ECHORQ:
		m->u.echorq.id = 0x01020304;
		break;
	case PPTP_ECHORP:
		m->u.echorp = (struct pptp_echorp){ 0xfffffffe, 2, 1 };
		break;
	case PPTP_OCRQ:
		m->u.ocrq = (struct pptp_ocrq){ 1, 2, 3, 4, 5, 6, 7, 8, 9,
		    "123456789", "subaddr" };
		break;
	case PPTP_OCRP:
		m->u.ocrp = (struct pptp_ocrp){ 1, 2, 7, 5, 3, 4, 5, 6, 7 };
		break;
	case PPTP_ICRQ:
		m->u.icrq = (struct pptp_icrq){ 1, 2, 3, 4, 5, 6, "dialed",
		    "dialing", "sub" };
		break;
	case PPTP_ICRP:
		m->u.icrp = (struct pptp_icrp){ 1, 2, 3, 4, 5, 6 };
		break;
	case PPTP_ICCN:
		m->u.iccn = (struct pptp_iccn){ 1, 2, 3, 4, 5 };
		break;
	case PPTP_CCRQ:
		m->u.ccrq.call_id = 0xbeef;
		break;
	case PPTP_CDN:
		m->u.cdn = (struct pptp_cdn){ 9, 4, 2, 300, "stats" };
		break;
	case PPTP_WEN:
		m->u.wen = (struct pptp_wen){ 1, 2, 3, 4, 5, 6, 7 };
		break;
	case PPTP_SLI:
		m->u.sli = (struct pptp_sli){ 1, 0xa0000000, 0x0000000a };
		break;
	}
}

static void
test_roundtrip_all(void **state)
{
	struct pptp_ctrl_msg in, out;
	uint8_t buf[256];
	size_t n;

	for (uint16_t t = 1; t <= PPTP_MSG_MAX; t++) {
		sample(t, &in);
		n = pptp_ctrl_encode(&in, buf, sizeof(buf));
		assert_int_equal(n, pptp_msg_len(t));
		assert_int_equal(buf[0] << 8 | buf[1], n);
		expect_decode(buf, n, &out);
		if (!msg_equal(&in, &out))
			fail_msg("%s does not survive a round trip",
			    pptp_msg_name(t));
	}
}

static void
test_lengths_and_names(void **state)
{
	static const size_t want[] = { 0, 156, 156, 16, 16, 16, 20, 168, 32,
	    220, 24, 28, 16, 148, 40, 24 };

	for (uint16_t t = 0; t <= PPTP_MSG_MAX; t++)
		assert_int_equal(pptp_msg_len(t), want[t]);
	assert_int_equal(pptp_msg_len(16), 0);
	assert_string_equal(pptp_msg_name(PPTP_OCRP), "Outgoing-Call-Reply");
	assert_string_equal(pptp_msg_name(PPTP_SLI), "Set-Link-Info");
	assert_string_equal(pptp_msg_name(99), "unknown message type");
}

static void
test_encode_limits(void **state)
{
	struct pptp_ctrl_msg m;
	uint8_t buf[256];

	sample(PPTP_OCRQ, &m);
	assert_int_equal(pptp_ctrl_encode(&m, buf, 167), 0);
	assert_int_equal(pptp_ctrl_encode(&m, buf, 168), 168);
	m.type = 0;
	assert_int_equal(pptp_ctrl_encode(&m, buf, sizeof(buf)), 0);
	m.type = 16;
	assert_int_equal(pptp_ctrl_encode(&m, buf, sizeof(buf)), 0);
}

/* --- strict checks -------------------------------------------------------- */

static size_t
sample_wire(uint16_t type, uint8_t *buf)
{
	struct pptp_ctrl_msg m;

	sample(type, &m);
	return pptp_ctrl_encode(&m, buf, 256);
}

static void
test_wrong_length(void **state)
{
	uint8_t buf[300];
	char needle[64];
	size_t n;

	for (uint16_t t = 1; t <= PPTP_MSG_MAX; t++) {
		n = sample_wire(t, buf);
		memset(buf + n, 0, sizeof(buf) - n);
		buf[0] = 0;
		buf[1] = (uint8_t)(n - 4);
		snprintf(needle, sizeof(needle), "%s: length %zu, expected %zu",
		    pptp_msg_name(t), n - 4, n);
		expect_malformed(buf, n, needle);
		if (n + 4 <= PPTP_MAX_MSG_LEN) {
			buf[1] = (uint8_t)(n + 4);
			snprintf(needle, sizeof(needle), "length %zu, "
			    "expected %zu", n + 4, n);
			expect_malformed(buf, n + 4, needle);
		}
	}
	n = sample_wire(PPTP_ECHORQ, buf);
	buf[1] = 11;
	expect_malformed(buf, 2, "length 11");	/* refused from 2 bytes on */
	buf[0] = 0x01;
	buf[1] = 0x00;
	expect_malformed(buf, 2, "length 256");
}

static void
test_wrong_header(void **state)
{
	uint8_t buf[256];
	size_t n;

	n = sample_wire(PPTP_SCCRP, buf);
	buf[7] = 0x4e;					/* magic */
	expect_malformed(buf, n, "magic cookie 0x1a2b3c4e");
	expect_malformed(buf, PPTP_HDR_LEN, "magic cookie");	/* early */

	n = sample_wire(PPTP_SCCRP, buf);
	buf[3] = 2;					/* management */
	expect_malformed(buf, n, "PPTP message type 2");

	n = sample_wire(PPTP_ECHORQ, buf);
	buf[9] = 0;					/* type 0 */
	expect_malformed(buf, n, "type 0 is not defined");
	buf[9] = 16;
	expect_malformed(buf, n, "type 16 is not defined");
	buf[8] = 0xff;
	buf[9] = 0xff;
	expect_malformed(buf, n, "type 65535 is not defined");
}

/*
 * Reserved fields must be sent as 0 (RFC 2637) and ignored on receipt
 * (MS-PTPT): a nonzero one, in the header or the body, decodes all the
 * same, with every other field intact, and is flagged for counting.
 */
static void
test_reserved_fields(void **state)
{
	/* offsets of reserved bytes, per type; 10 and 11: the header's */
	static const struct {
		uint16_t type;
		size_t off;
	} rsv[] = {
		{ PPTP_ECHORQ, 10 }, { PPTP_SCCRP, 11 }, { PPTP_CDN, 10 },
		{ PPTP_SCCRQ, 14 }, { PPTP_SCCRQ, 15 },
		{ PPTP_STOPCCRQ, 13 }, { PPTP_STOPCCRQ, 15 },
		{ PPTP_STOPCCRP, 14 }, { PPTP_STOPCCRP, 15 },
		{ PPTP_ECHORP, 18 }, { PPTP_ECHORP, 19 },
		{ PPTP_OCRQ, 38 }, { PPTP_OCRQ, 39 },
		{ PPTP_ICRP, 22 }, { PPTP_ICRP, 23 },
		{ PPTP_ICCN, 14 }, { PPTP_CCRQ, 14 }, { PPTP_CCRQ, 15 },
		{ PPTP_CDN, 18 }, { PPTP_CDN, 19 },
		{ PPTP_WEN, 14 }, { PPTP_WEN, 15 },
		{ PPTP_SLI, 14 }, { PPTP_SLI, 15 },
	};
	struct pptp_ctrl_msg want, got;
	uint8_t buf[256];
	size_t n;

	for (size_t i = 0; i < sizeof(rsv) / sizeof(rsv[0]); i++) {
		n = sample_wire(rsv[i].type, buf);
		sample(rsv[i].type, &want);
		assert_int_equal(buf[rsv[i].off], 0);
		buf[rsv[i].off] = 0x80;
		expect_decode(buf, n, &got);
		if (!msg_equal(&got, &want))
			fail_msg("%s with reserved byte %zu set decodes "
			    "differently", pptp_msg_name(rsv[i].type),
			    rsv[i].off);
		assert_int_equal(got.odd, PPTP_ODD_RESERVED);
		assert_int_equal(got.odd_offset, rsv[i].off);
	}
	/* both header bytes and a body byte: the first is reported */
	n = sample_wire(PPTP_SLI, buf);
	buf[10] = 0xff;
	buf[11] = 0xff;
	buf[14] = 1;
	expect_decode(buf, n, &got);
	assert_int_equal(got.odd, PPTP_ODD_RESERVED);
	assert_int_equal(got.odd_offset, 10);
	/* and a clean message has nothing flagged */
	n = sample_wire(PPTP_SLI, buf);
	expect_decode(buf, n, &got);
	assert_int_equal(got.odd, 0);
	/* what we send has them all 0, whatever the struct held */
	sample(PPTP_SLI, &want);
	want.odd = PPTP_ODD_RESERVED;
	want.odd_offset = 14;
	n = pptp_ctrl_encode(&want, buf, sizeof(buf));
	assert_int_equal(buf[10] | buf[11] | buf[14] | buf[15], 0);
}

/*
 * Codes outside the RFC's lists, 0 included, decode as they came and are
 * flagged; only lengths that do not fit their field are malformed.
 */
static void
test_codes(void **state)
{
	static const struct {
		uint16_t type;
		size_t off;
		uint8_t odd;
	} odd[] = {
		{ PPTP_SCCRP, 14, 0 }, { PPTP_SCCRP, 14, 6 },
		{ PPTP_SCCRP, 15, 7 }, { PPTP_STOPCCRQ, 12, 0 },
		{ PPTP_STOPCCRQ, 12, 4 }, { PPTP_STOPCCRP, 12, 3 },
		{ PPTP_ECHORP, 16, 0 }, { PPTP_OCRP, 16, 8 },
		{ PPTP_OCRP, 17, 200 }, { PPTP_ICRP, 16, 4 },
		{ PPTP_CDN, 14, 0 }, { PPTP_CDN, 14, 5 },
	};
	static const struct {
		uint16_t type;
		size_t off;
		uint8_t bad;
		const char *needle;
	} bad[] = {
		{ PPTP_OCRQ, 37, 65, "phone number length 65" },
		{ PPTP_ICRQ, 25, 65, "dialed number length 65" },
		{ PPTP_ICRQ, 27, 65, "dialing number length 65" },
	};
	struct pptp_ctrl_msg m;
	uint8_t buf[256];
	size_t n;

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		n = sample_wire(odd[i].type, buf);
		buf[odd[i].off] = odd[i].odd;
		expect_decode(buf, n, &m);
		if (m.odd != PPTP_ODD_CODE)
			fail_msg("%s: code %u at %zu not flagged",
			    pptp_msg_name(odd[i].type), odd[i].odd,
			    odd[i].off);
		assert_int_equal(buf[odd[i].off], m.type == PPTP_STOPCCRQ ?
		    m.u.stopccrq.reason : m.type == PPTP_SCCRP ?
		    (odd[i].off == 14 ? m.u.sccrp.result : m.u.sccrp.error) :
		    m.type == PPTP_STOPCCRP ? m.u.stopccrp.result :
		    m.type == PPTP_ECHORP ? m.u.echorp.result :
		    m.type == PPTP_OCRP ? (odd[i].off == 16 ? m.u.ocrp.result :
		    m.u.ocrp.error) : m.type == PPTP_ICRP ? m.u.icrp.result :
		    m.u.cdn.result);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = sample_wire(bad[i].type, buf);
		buf[bad[i].off] = bad[i].bad;
		expect_malformed(buf, n, bad[i].needle);
	}
}

/*
 * A refused message says where it ends when its header frames it (length
 * in bounds, magic cookie right), so the caller may pass over it; and
 * nothing when the stream is out of step.
 */
static size_t
refused_used(const uint8_t *buf, size_t len, uint16_t *type)
{
	struct pptp_ctrl_msg m;
	char err[160];
	size_t used = 12345;

	assert_int_equal(pptp_ctrl_decode(buf, len, &m, &used, err,
	    sizeof(err)), -1);
	*type = m.type;
	return used;
}

static void
test_refused_framing(void **state)
{
	uint8_t buf[300];
	uint16_t type;
	size_t n;

	n = sample_wire(PPTP_ECHORQ, buf);
	buf[1] = 20;				/* too long for its type */
	assert_int_equal(refused_used(buf, PPTP_HDR_LEN, &type), 20);
	assert_int_equal(type, PPTP_ECHORQ);

	n = sample_wire(PPTP_ECHORQ, buf);
	buf[9] = 99;				/* undefined type */
	assert_int_equal(refused_used(buf, n, &type), 16);
	assert_int_equal(type, 99);

	n = sample_wire(PPTP_ECHORQ, buf);
	buf[3] = 2;				/* not a control message */
	assert_int_equal(refused_used(buf, n, &type), 16);
	assert_int_equal(type, 0);

	n = sample_wire(PPTP_OCRQ, buf);
	buf[37] = 65;				/* phone number length */
	assert_int_equal(refused_used(buf, n, &type), n);
	assert_int_equal(type, PPTP_OCRQ);

	/* out of step: nothing to go by */
	n = sample_wire(PPTP_ECHORQ, buf);
	buf[7] ^= 1;				/* magic cookie */
	assert_int_equal(refused_used(buf, n, &type), 0);
	n = sample_wire(PPTP_ECHORQ, buf);
	buf[1] = 8;				/* shorter than the header */
	assert_int_equal(refused_used(buf, n, &type), 0);
}

static void
test_partial(void **state)
{
	struct pptp_ctrl_msg m;
	uint8_t buf[256];
	char err[160];
	size_t n, used;

	for (uint16_t t = 1; t <= PPTP_MSG_MAX; t++) {
		n = sample_wire(t, buf);
		for (size_t k = 0; k < n; k++)
			if (pptp_ctrl_decode(buf, k, &m, &used, err,
			    sizeof(err)) != 0)
				fail_msg("%s: %zu of %zu bytes not \"need "
				    "more\"", pptp_msg_name(t), k, n);
	}
}

/* --- streams ---------------------------------------------------------- */

struct reader {
	uint8_t		buf[4096];
	size_t		len;
	struct pptp_ctrl_msg got[64];
	int		ngot;
};

/* What a caller does: append, decode from the front, keep the rest. */
static void
reader_feed(struct reader *r, const uint8_t *p, size_t n)
{
	char err[160];
	size_t used;
	int rc;

	memcpy(r->buf + r->len, p, n);
	r->len += n;
	for (;;) {
		rc = pptp_ctrl_decode(r->buf, r->len, &r->got[r->ngot], &used,
		    err, sizeof(err));
		if (rc == 0)
			break;
		if (rc == -1)
			fail_msg("valid stream refused: %s", err);
		r->ngot++;
		memmove(r->buf, r->buf + used, r->len - used);
		r->len -= used;
	}
}

static size_t
all_messages(uint8_t *buf, struct pptp_ctrl_msg *msgs)
{
	size_t n = 0;

	for (uint16_t t = 1; t <= PPTP_MSG_MAX; t++) {
		sample(t, &msgs[t - 1]);
		n += pptp_ctrl_encode(&msgs[t - 1], buf + n, 256);
	}
	return n;
}

static void
check_reader(const struct reader *r, const struct pptp_ctrl_msg *msgs,
    size_t split)
{
	if (r->ngot != PPTP_MSG_MAX)
		fail_msg("split at %zu: %d messages, expected %d", split,
		    r->ngot, PPTP_MSG_MAX);
	assert_int_equal(r->len, 0);
	for (int i = 0; i < PPTP_MSG_MAX; i++)
		if (!msg_equal(&r->got[i], &msgs[i]))
			fail_msg("split at %zu: %s differs", split,
			    pptp_msg_name(msgs[i].type));
}

static void
test_stream_split_everywhere(void **state)
{
	static uint8_t wire[PPTP_MSG_MAX * 256];
	static struct pptp_ctrl_msg msgs[PPTP_MSG_MAX];
	static struct reader r;
	size_t n = all_messages(wire, msgs);

	/* all fifteen in one buffer, then two pieces cut at every byte */
	for (size_t split = 0; split <= n; split++) {
		memset(&r, 0, sizeof(r));
		reader_feed(&r, wire, split);
		reader_feed(&r, wire + split, n - split);
		check_reader(&r, msgs, split);
	}
	/* and one byte at a time */
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < n; i++)
		reader_feed(&r, wire + i, 1);
	check_reader(&r, msgs, 1);
}

/* --- text ----------------------------------------------------------------- */

static void
test_result_text(void **state)
{
	char b[128];

	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_OCRP,
	    PPTP_OCRP_BUSY, 0, 0), "busy");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_OCRP,
	    PPTP_OCRP_GENERAL, PPTP_ERR_BAD_CALL_ID, 0),
	    "general error (bad call id)");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_OCRP,
	    PPTP_OCRP_NO_CARRIER, 0, 17), "no carrier (cause code 17)");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_SCCRP,
	    PPTP_SCCRP_NOT_AUTH, 0, 0),
	    "this client is not authorized to connect");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_CDN,
	    PPTP_CDN_ADMIN_SHUTDOWN, 0, 0), "administrative shutdown");
	assert_string_equal(pptp_stopccrq_reason_str(3), "local shutdown");
	assert_string_equal(pptp_ocrp_result_str(0), "unknown result code");
	assert_string_equal(pptp_ocrp_result_str(255), "unknown result code");
	assert_string_equal(pptp_error_str(9), "unknown error code");
	/* codes the RFC does not list: numbers, not "unknown" */
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_OCRP,
	    9, 0, 0), "result code 9");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_CDN,
	    0, 0, 3), "result code 0 (cause code 3)");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_OCRP,
	    PPTP_OCRP_GENERAL, 40, 0), "general error (error code 40)");
	assert_string_equal(pptp_result_describe(b, sizeof(b), PPTP_SCCRP,
	    7, 200, 0), "result code 7 (error code 200)");
	assert_string_equal(pptp_reason_describe(b, sizeof(b), 0),
	    "reason code 0");
	assert_string_equal(pptp_reason_describe(b, sizeof(b), 3),
	    "local shutdown");
	assert_string_equal(pptp_error_str(PPTP_ERR_NO_RESOURCE),
	    "no resource");
	/* a tiny buffer is cut, not overrun */
	assert_string_equal(pptp_result_describe(b, 5, PPTP_OCRP,
	    PPTP_OCRP_NO_DIALTONE, 0, 0), "no d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sccrq_vector),
		cmocka_unit_test(test_sccrp_vector),
		cmocka_unit_test(test_short_vectors),
		cmocka_unit_test(test_call_vectors),
		cmocka_unit_test(test_link_vectors),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_lengths_and_names),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_wrong_header),
		cmocka_unit_test(test_reserved_fields),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_refused_framing),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_stream_split_everywhere),
		cmocka_unit_test(test_result_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
