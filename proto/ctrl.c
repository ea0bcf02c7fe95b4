/*
 * PPTP control message codec (RFC 2637 section 2). See ctrl.h.
 *
 * Every message is a 12-byte header (length, PPTP message type, magic
 * cookie, control message type, reserved) followed by a body whose size
 * is fixed by the control message type, so the decoder insists on the
 * exact length: anything else means the stream is out of step or the peer
 * is broken, and decoding it would interpret garbage as commands. Whether
 * such a message can be passed over by its header's length is for the
 * caller to decide; the decoder says where it ends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/ctrl.h"

static const struct {
	const char	*name;
	size_t		 len;
} msgtab[PPTP_MSG_MAX + 1] = {
	[PPTP_SCCRQ]	= { "Start-Control-Connection-Request", 156 },
	[PPTP_SCCRP]	= { "Start-Control-Connection-Reply", 156 },
	[PPTP_STOPCCRQ]	= { "Stop-Control-Connection-Request", 16 },
	[PPTP_STOPCCRP]	= { "Stop-Control-Connection-Reply", 16 },
	[PPTP_ECHORQ]	= { "Echo-Request", 16 },
	[PPTP_ECHORP]	= { "Echo-Reply", 20 },
	[PPTP_OCRQ]	= { "Outgoing-Call-Request", 168 },
	[PPTP_OCRP]	= { "Outgoing-Call-Reply", 32 },
	[PPTP_ICRQ]	= { "Incoming-Call-Request", 220 },
	[PPTP_ICRP]	= { "Incoming-Call-Reply", 24 },
	[PPTP_ICCN]	= { "Incoming-Call-Connected", 28 },
	[PPTP_CCRQ]	= { "Call-Clear-Request", 16 },
	[PPTP_CDN]	= { "Call-Disconnect-Notify", 148 },
	[PPTP_WEN]	= { "WAN-Error-Notify", 40 },
	[PPTP_SLI]	= { "Set-Link-Info", 24 },
};

size_t
pptp_msg_len(uint16_t type)
{
	if (type == 0 || type > PPTP_MSG_MAX)
		return 0;
	return msgtab[type].len;
}

const char *
pptp_msg_name(uint16_t type)
{
	if (type == 0 || type > PPTP_MSG_MAX)
		return "unknown message type";
	return msgtab[type].name;
}

/* --- decoding --------------------------------------------------------- */

struct rd {
	const uint8_t	*p;
	size_t		 off;
	size_t		 bad_reserved;	/* first nonzero reserved byte, or 0 */
};

static uint8_t
get8(struct rd *r)
{
	return r->p[r->off++];
}

static uint16_t
get16(struct rd *r)
{
	uint16_t v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);

	r->off += 2;
	return v;
}

static uint32_t
get32(struct rd *r)
{
	const uint8_t *q = r->p + r->off;

	r->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3];
}

/* dst has n + 1 bytes; the extra one keeps the string terminated */
static void
getstr(struct rd *r, char *dst, size_t n)
{
	memcpy(dst, r->p + r->off, n);
	dst[n] = '\0';
	r->off += n;
}

static void
reserved(struct rd *r, size_t n)
{
	for (size_t i = 0; i < n; i++, r->off++)
		if (r->p[r->off] != 0 && r->bad_reserved == 0)
			r->bad_reserved = r->off;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Result, reason and error codes outside RFC 2637's lists are no reason
 * to refuse a message: servers send 0 for success, or codes of their
 * own. They are flagged for the log and shown as numbers.
 */
static void
odd_code(struct pptp_ctrl_msg *m, unsigned v, unsigned lo, unsigned hi)
{
	if (v < lo || v > hi)
		m->odd |= PPTP_ODD_CODE;
}

/* Lengths that do not fit their field do make a message malformed. */
static int
check_len(const char *name, const char *what, unsigned v, unsigned hi,
    char *err, size_t errlen)
{
	if (v > hi)
		return fail(err, errlen, "%s: %s %u, expected 0 to %u",
		    name, what, v, hi);
	return 0;
}

#define CODE(v, lo, hi)	odd_code(m, v, lo, hi)
#define LEN(what, v, hi) do {						\
	if (check_len(name, what, v, hi, err, errlen) == -1)		\
		return -1;						\
} while (0)

static int
decode_body(struct rd *r, struct pptp_ctrl_msg *m, const char *name,
    char *err, size_t errlen)
{
	switch (m->type) {
	case PPTP_SCCRQ: {
		struct pptp_sccrq *s = &m->u.sccrq;

		s->version = get16(r);
		reserved(r, 2);
		s->framing_caps = get32(r);
		s->bearer_caps = get32(r);
		s->max_channels = get16(r);
		s->firmware_rev = get16(r);
		getstr(r, s->hostname, PPTP_HOSTNAME_LEN);
		getstr(r, s->vendor, PPTP_VENDOR_LEN);
		break;
	}
	case PPTP_SCCRP: {
		struct pptp_sccrp *s = &m->u.sccrp;

		s->version = get16(r);
		s->result = get8(r);
		s->error = get8(r);
		s->framing_caps = get32(r);
		s->bearer_caps = get32(r);
		s->max_channels = get16(r);
		s->firmware_rev = get16(r);
		getstr(r, s->hostname, PPTP_HOSTNAME_LEN);
		getstr(r, s->vendor, PPTP_VENDOR_LEN);
		CODE(s->result, 1, 5);
		CODE(s->error, 0, PPTP_ERR_MAX);
		break;
	}
	case PPTP_STOPCCRQ:
		m->u.stopccrq.reason = get8(r);
		reserved(r, 3);
		CODE(m->u.stopccrq.reason, 1, 3);
		break;
	case PPTP_STOPCCRP:
		m->u.stopccrp.result = get8(r);
		m->u.stopccrp.error = get8(r);
		reserved(r, 2);
		CODE(m->u.stopccrp.result, 1, 2);
		CODE(m->u.stopccrp.error, 0, PPTP_ERR_MAX);
		break;
	case PPTP_ECHORQ:
		m->u.echorq.id = get32(r);
		break;
	case PPTP_ECHORP:
		m->u.echorp.id = get32(r);
		m->u.echorp.result = get8(r);
		m->u.echorp.error = get8(r);
		reserved(r, 2);
		CODE(m->u.echorp.result, 1, 2);
		CODE(m->u.echorp.error, 0, PPTP_ERR_MAX);
		break;
	case PPTP_OCRQ: {
		struct pptp_ocrq *o = &m->u.ocrq;

		o->call_id = get16(r);
		o->call_serial = get16(r);
		o->min_bps = get32(r);
		o->max_bps = get32(r);
		o->bearer_type = get32(r);
		o->framing_type = get32(r);
		o->recv_window = get16(r);
		o->proc_delay = get16(r);
		o->phone_len = get16(r);
		reserved(r, 2);
		getstr(r, o->phone, PPTP_PHONE_LEN);
		getstr(r, o->subaddress, PPTP_SUBADDR_LEN);
		LEN("phone number length", o->phone_len, PPTP_PHONE_LEN);
		break;
	}
	case PPTP_OCRP: {
		struct pptp_ocrp *o = &m->u.ocrp;

		o->call_id = get16(r);
		o->peer_call_id = get16(r);
		o->result = get8(r);
		o->error = get8(r);
		o->cause = get16(r);
		o->connect_speed = get32(r);
		o->recv_window = get16(r);
		o->proc_delay = get16(r);
		o->phys_channel = get32(r);
		CODE(o->result, 1, 7);
		CODE(o->error, 0, PPTP_ERR_MAX);
		break;
	}
	case PPTP_ICRQ: {
		struct pptp_icrq *i = &m->u.icrq;

		i->call_id = get16(r);
		i->call_serial = get16(r);
		i->bearer_type = get32(r);
		i->phys_channel = get32(r);
		i->dialed_len = get16(r);
		i->dialing_len = get16(r);
		getstr(r, i->dialed, PPTP_PHONE_LEN);
		getstr(r, i->dialing, PPTP_PHONE_LEN);
		getstr(r, i->subaddress, PPTP_SUBADDR_LEN);
		LEN("dialed number length", i->dialed_len, PPTP_PHONE_LEN);
		LEN("dialing number length", i->dialing_len, PPTP_PHONE_LEN);
		break;
	}
	case PPTP_ICRP: {
		struct pptp_icrp *i = &m->u.icrp;

		i->call_id = get16(r);
		i->peer_call_id = get16(r);
		i->result = get8(r);
		i->error = get8(r);
		i->recv_window = get16(r);
		i->tx_delay = get16(r);
		reserved(r, 2);
		CODE(i->result, 1, 3);
		CODE(i->error, 0, PPTP_ERR_MAX);
		break;
	}
	case PPTP_ICCN: {
		struct pptp_iccn *i = &m->u.iccn;

		i->peer_call_id = get16(r);
		reserved(r, 2);
		i->connect_speed = get32(r);
		i->recv_window = get16(r);
		i->tx_delay = get16(r);
		i->framing_type = get32(r);
		break;
	}
	case PPTP_CCRQ:
		m->u.ccrq.call_id = get16(r);
		reserved(r, 2);
		break;
	case PPTP_CDN: {
		struct pptp_cdn *c = &m->u.cdn;

		c->call_id = get16(r);
		c->result = get8(r);
		c->error = get8(r);
		c->cause = get16(r);
		reserved(r, 2);
		getstr(r, c->stats, PPTP_STATS_LEN);
		CODE(c->result, 1, 4);
		CODE(c->error, 0, PPTP_ERR_MAX);
		break;
	}
	case PPTP_WEN: {
		struct pptp_wen *w = &m->u.wen;

		w->peer_call_id = get16(r);
		reserved(r, 2);
		w->crc_errors = get32(r);
		w->framing_errors = get32(r);
		w->hw_overruns = get32(r);
		w->buf_overruns = get32(r);
		w->timeout_errors = get32(r);
		w->align_errors = get32(r);
		break;
	}
	case PPTP_SLI:
		m->u.sli.peer_call_id = get16(r);
		reserved(r, 2);
		m->u.sli.send_accm = get32(r);
		m->u.sli.recv_accm = get32(r);
		break;
	}
	if (r->bad_reserved != 0 && !(m->odd & PPTP_ODD_RESERVED)) {
		m->odd |= PPTP_ODD_RESERVED;
		m->odd_offset = (uint16_t)r->bad_reserved;
	}
	return 0;
}

int
pptp_ctrl_decode(const uint8_t *buf, size_t len, struct pptp_ctrl_msg *m,
    size_t *used, char *err, size_t errlen)
{
	struct rd r = { .p = buf };
	uint16_t msglen, pptype, type, rsv;
	uint32_t magic;
	const char *name;
	size_t want;

	if (errlen > 0)
		err[0] = '\0';
	*used = 0;
	m->type = 0;
	if (len < 2)
		return 0;
	msglen = get16(&r);
	/* refuse absurd lengths early: waiting for them would stall */
	if (msglen < PPTP_HDR_LEN || msglen > PPTP_MAX_MSG_LEN)
		return fail(err, errlen, "control message: length %u, "
		    "expected %d to %d", msglen, PPTP_HDR_LEN,
		    PPTP_MAX_MSG_LEN);
	if (len < PPTP_HDR_LEN)
		return 0;
	pptype = get16(&r);
	magic = get32(&r);
	type = get16(&r);
	rsv = get16(&r);
	name = pptp_msg_name(type);
	if (magic != PPTP_MAGIC)
		return fail(err, errlen, "%s: magic cookie 0x%08x, expected "
		    "0x%08x", name, magic, PPTP_MAGIC);
	/*
	 * From here on the header frames the message soundly (a length
	 * within bounds, the magic cookie in place): a caller may pass over
	 * a refused one by its length. If that length lied, the next
	 * message's magic cookie will not be where it should.
	 */
	*used = msglen;
	m->type = pptype == PPTP_MSG_CONTROL ? type : 0;
	if (pptype != PPTP_MSG_CONTROL)
		return fail(err, errlen, "%s: PPTP message type %u, expected "
		    "%d (control)", name, pptype, PPTP_MSG_CONTROL);
	want = pptp_msg_len(type);
	if (want == 0)
		return fail(err, errlen, "control message type %u is not "
		    "defined by RFC 2637", type);
	if (msglen != want)
		return fail(err, errlen, "%s: length %u, expected %zu", name,
		    msglen, want);
	if (len < want)
		return 0;

	memset(m, 0, sizeof(*m));
	m->type = type;
	if (rsv != 0) {
		/* MS-PTPT: ignored on receipt; the caller counts it */
		m->odd |= PPTP_ODD_RESERVED;
		m->odd_offset = (rsv & 0xff00) ? 10 : 11;
	}
	if (decode_body(&r, m, name, err, errlen) == -1) {
		m->type = type;
		*used = want;
		return -1;
	}
	*used = want;
	return 1;
}

/* --- encoding --------------------------------------------------------- */

struct wr {
	uint8_t		*p;
	size_t		 off;
};

static void
put8(struct wr *w, uint8_t v)
{
	w->p[w->off++] = v;
}

static void
put16(struct wr *w, uint16_t v)
{
	w->p[w->off++] = (uint8_t)(v >> 8);
	w->p[w->off++] = (uint8_t)v;
}

static void
put32(struct wr *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

static void
putzero(struct wr *w, size_t n)
{
	memset(w->p + w->off, 0, n);
	w->off += n;
}

/* NUL-padded to n bytes, as the RFC's fixed fields want */
static void
putstr(struct wr *w, const char *s, size_t n)
{
	size_t l = strnlen(s, n);

	memcpy(w->p + w->off, s, l);
	memset(w->p + w->off + l, 0, n - l);
	w->off += n;
}

static void
encode_body(struct wr *w, const struct pptp_ctrl_msg *m)
{
	switch (m->type) {
	case PPTP_SCCRQ: {
		const struct pptp_sccrq *s = &m->u.sccrq;

		put16(w, s->version);
		putzero(w, 2);
		put32(w, s->framing_caps);
		put32(w, s->bearer_caps);
		put16(w, s->max_channels);
		put16(w, s->firmware_rev);
		putstr(w, s->hostname, PPTP_HOSTNAME_LEN);
		putstr(w, s->vendor, PPTP_VENDOR_LEN);
		break;
	}
	case PPTP_SCCRP: {
		const struct pptp_sccrp *s = &m->u.sccrp;

		put16(w, s->version);
		put8(w, s->result);
		put8(w, s->error);
		put32(w, s->framing_caps);
		put32(w, s->bearer_caps);
		put16(w, s->max_channels);
		put16(w, s->firmware_rev);
		putstr(w, s->hostname, PPTP_HOSTNAME_LEN);
		putstr(w, s->vendor, PPTP_VENDOR_LEN);
		break;
	}
	case PPTP_STOPCCRQ:
		put8(w, m->u.stopccrq.reason);
		putzero(w, 3);
		break;
	case PPTP_STOPCCRP:
		put8(w, m->u.stopccrp.result);
		put8(w, m->u.stopccrp.error);
		putzero(w, 2);
		break;
	case PPTP_ECHORQ:
		put32(w, m->u.echorq.id);
		break;
	case PPTP_ECHORP:
		put32(w, m->u.echorp.id);
		put8(w, m->u.echorp.result);
		put8(w, m->u.echorp.error);
		putzero(w, 2);
		break;
	case PPTP_OCRQ: {
		const struct pptp_ocrq *o = &m->u.ocrq;

		put16(w, o->call_id);
		put16(w, o->call_serial);
		put32(w, o->min_bps);
		put32(w, o->max_bps);
		put32(w, o->bearer_type);
		put32(w, o->framing_type);
		put16(w, o->recv_window);
		put16(w, o->proc_delay);
		put16(w, o->phone_len);
		putzero(w, 2);
		putstr(w, o->phone, PPTP_PHONE_LEN);
		putstr(w, o->subaddress, PPTP_SUBADDR_LEN);
		break;
	}
	case PPTP_OCRP: {
		const struct pptp_ocrp *o = &m->u.ocrp;

		put16(w, o->call_id);
		put16(w, o->peer_call_id);
		put8(w, o->result);
		put8(w, o->error);
		put16(w, o->cause);
		put32(w, o->connect_speed);
		put16(w, o->recv_window);
		put16(w, o->proc_delay);
		put32(w, o->phys_channel);
		break;
	}
	case PPTP_ICRQ: {
		const struct pptp_icrq *i = &m->u.icrq;

		put16(w, i->call_id);
		put16(w, i->call_serial);
		put32(w, i->bearer_type);
		put32(w, i->phys_channel);
		put16(w, i->dialed_len);
		put16(w, i->dialing_len);
		putstr(w, i->dialed, PPTP_PHONE_LEN);
		putstr(w, i->dialing, PPTP_PHONE_LEN);
		putstr(w, i->subaddress, PPTP_SUBADDR_LEN);
		break;
	}
	case PPTP_ICRP: {
		const struct pptp_icrp *i = &m->u.icrp;

		put16(w, i->call_id);
		put16(w, i->peer_call_id);
		put8(w, i->result);
		put8(w, i->error);
		put16(w, i->recv_window);
		put16(w, i->tx_delay);
		putzero(w, 2);
		break;
	}
	case PPTP_ICCN: {
		const struct pptp_iccn *i = &m->u.iccn;

		put16(w, i->peer_call_id);
		putzero(w, 2);
		put32(w, i->connect_speed);
		put16(w, i->recv_window);
		put16(w, i->tx_delay);
		put32(w, i->framing_type);
		break;
	}
	case PPTP_CCRQ:
		put16(w, m->u.ccrq.call_id);
		putzero(w, 2);
		break;
	case PPTP_CDN: {
		const struct pptp_cdn *c = &m->u.cdn;

		put16(w, c->call_id);
		put8(w, c->result);
		put8(w, c->error);
		put16(w, c->cause);
		putzero(w, 2);
		putstr(w, c->stats, PPTP_STATS_LEN);
		break;
	}
	case PPTP_WEN: {
		const struct pptp_wen *e = &m->u.wen;

		put16(w, e->peer_call_id);
		putzero(w, 2);
		put32(w, e->crc_errors);
		put32(w, e->framing_errors);
		put32(w, e->hw_overruns);
		put32(w, e->buf_overruns);
		put32(w, e->timeout_errors);
		put32(w, e->align_errors);
		break;
	}
	case PPTP_SLI:
		put16(w, m->u.sli.peer_call_id);
		putzero(w, 2);
		put32(w, m->u.sli.send_accm);
		put32(w, m->u.sli.recv_accm);
		break;
	}
}

size_t
pptp_ctrl_encode(const struct pptp_ctrl_msg *m, uint8_t *buf, size_t cap)
{
	struct wr w = { .p = buf };
	size_t len = pptp_msg_len(m->type);

	if (len == 0 || cap < len)
		return 0;
	put16(&w, (uint16_t)len);
	put16(&w, PPTP_MSG_CONTROL);
	put32(&w, PPTP_MAGIC);
	put16(&w, m->type);
	putzero(&w, 2);
	encode_body(&w, m);
	return w.off;
}

/* --- text ------------------------------------------------------------- */

#define PICK(tab, v) \
	((v) < sizeof(tab) / sizeof(tab[0]) && tab[v] != NULL ? tab[v] : \
	    "unknown result code")

const char *
pptp_sccrp_result_str(uint8_t result)
{
	static const char *const t[] = {
		[1] = "success",
		[2] = "general error",
		[3] = "a control connection from this host already exists",
		[4] = "this client is not authorized to connect",
		[5] = "PPTP protocol version 1.0 is not supported",
	};

	return PICK(t, result);
}

const char *
pptp_stopccrq_reason_str(uint8_t reason)
{
	static const char *const t[] = {
		[1] = "no reason given",
		[2] = "protocol version not supported",
		[3] = "local shutdown",
	};

	return PICK(t, reason);
}

const char *
pptp_stopccrp_result_str(uint8_t result)
{
	static const char *const t[] = {
		[1] = "OK",
		[2] = "general error",
	};

	return PICK(t, result);
}

const char *
pptp_echorp_result_str(uint8_t result)
{
	return pptp_stopccrp_result_str(result);
}

const char *
pptp_ocrp_result_str(uint8_t result)
{
	static const char *const t[] = {
		[1] = "connected",
		[2] = "general error",
		[3] = "no carrier",
		[4] = "busy",
		[5] = "no dial tone",
		[6] = "timed out",
		[7] = "call not accepted",
	};

	return PICK(t, result);
}

const char *
pptp_icrp_result_str(uint8_t result)
{
	static const char *const t[] = {
		[1] = "connect",
		[2] = "general error",
		[3] = "call not accepted",
	};

	return PICK(t, result);
}

const char *
pptp_cdn_result_str(uint8_t result)
{
	static const char *const t[] = {
		[1] = "lost carrier",
		[2] = "general error",
		[3] = "administrative shutdown",
		[4] = "cleared on request",
	};

	return PICK(t, result);
}

const char *
pptp_error_str(uint8_t error)
{
	static const char *const t[] = {
		[0] = "no error",
		[1] = "no control connection exists yet",
		[2] = "bad format",
		[3] = "bad value",
		[4] = "no resource",
		[5] = "bad call id",
		[6] = "PAC error",
	};

	return error < sizeof(t) / sizeof(t[0]) ? t[error] :
	    "unknown error code";
}

static int
known(const char *s)
{
	return strcmp(s, "unknown result code") != 0;
}

const char *
pptp_result_describe(char *buf, size_t len, uint16_t type, uint8_t result,
    uint8_t error, uint16_t cause)
{
	const char *r;
	char num[32];
	int general = result == 2;	/* "general error" in every reply */
	int n;

	switch (type) {
	case PPTP_SCCRP:	r = pptp_sccrp_result_str(result); break;
	case PPTP_STOPCCRP:	r = pptp_stopccrp_result_str(result); break;
	case PPTP_ECHORP:	r = pptp_echorp_result_str(result); break;
	case PPTP_OCRP:		r = pptp_ocrp_result_str(result); break;
	case PPTP_ICRP:		r = pptp_icrp_result_str(result); break;
	case PPTP_CDN:		r = pptp_cdn_result_str(result); break;
	default:		r = "unknown result code"; general = 0; break;
	}
	if (len == 0)
		return buf;
	/* a code the RFC does not list is shown as what it is: a number */
	if (!known(r)) {
		snprintf(num, sizeof(num), "result code %u", result);
		r = num;
	}
	if (general && error != PPTP_ERR_NONE && error <= PPTP_ERR_MAX)
		n = snprintf(buf, len, "%s (%s)", r, pptp_error_str(error));
	else if (error > PPTP_ERR_MAX)
		n = snprintf(buf, len, "%s (error code %u)", r, error);
	else
		n = snprintf(buf, len, "%s", r);
	if (cause != 0 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (cause code %u)", cause);
	return buf;
}

const char *
pptp_reason_describe(char *buf, size_t len, uint8_t reason)
{
	const char *r = pptp_stopccrq_reason_str(reason);

	if (known(r))
		snprintf(buf, len, "%s", r);
	else
		snprintf(buf, len, "reason code %u", reason);
	return buf;
}
