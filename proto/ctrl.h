/*
 * PPTP control messages (RFC 2637 section 2): a codec between the wire
 * format on TCP port 1723 and host-order structs.
 *
 * Pure code, run by the engine: no I/O, no globals. The decoder looks only at the front of the
 * caller's buffer, so a TCP stream that splits or joins messages anywhere
 * is handled by calling it again once more bytes have arrived.
 *
 * Strings (host name, vendor, phone numbers, statistics) are fixed-size,
 * NUL-padded fields on the wire and need not be NUL-terminated there; the
 * structs keep one extra byte so the decoded string always is.
 */
#ifndef PROTO_CTRL_H
#define PROTO_CTRL_H

#include <stddef.h>
#include <stdint.h>

#define PPTP_TCP_PORT		1723
#define PPTP_MAGIC		0x1A2B3C4DU
#define PPTP_MSG_CONTROL	1	/* the only PPTP message type in use */
#define PPTP_VERSION		0x0100	/* 1.0 */
#define PPTP_HDR_LEN		12
#define PPTP_MAX_MSG_LEN	220	/* Incoming-Call-Request, the largest */

#define PPTP_HOSTNAME_LEN	64
#define PPTP_VENDOR_LEN		64
#define PPTP_PHONE_LEN		64
#define PPTP_SUBADDR_LEN	64
#define PPTP_STATS_LEN		128

/* control message types */
#define PPTP_SCCRQ	1	/* Start-Control-Connection-Request */
#define PPTP_SCCRP	2	/* Start-Control-Connection-Reply */
#define PPTP_STOPCCRQ	3	/* Stop-Control-Connection-Request */
#define PPTP_STOPCCRP	4	/* Stop-Control-Connection-Reply */
#define PPTP_ECHORQ	5	/* Echo-Request */
#define PPTP_ECHORP	6	/* Echo-Reply */
#define PPTP_OCRQ	7	/* Outgoing-Call-Request */
#define PPTP_OCRP	8	/* Outgoing-Call-Reply */
#define PPTP_ICRQ	9	/* Incoming-Call-Request */
#define PPTP_ICRP	10	/* Incoming-Call-Reply */
#define PPTP_ICCN	11	/* Incoming-Call-Connected */
#define PPTP_CCRQ	12	/* Call-Clear-Request */
#define PPTP_CDN	13	/* Call-Disconnect-Notify */
#define PPTP_WEN	14	/* WAN-Error-Notify */
#define PPTP_SLI	15	/* Set-Link-Info */
#define PPTP_MSG_MAX	15

/* capability and type bits */
#define PPTP_FRAMING_ASYNC	1
#define PPTP_FRAMING_SYNC	2
#define PPTP_BEARER_ANALOG	1
#define PPTP_BEARER_DIGITAL	2

/* Stop-Control-Connection-Request reasons */
#define PPTP_STOP_NONE		1
#define PPTP_STOP_PROTOCOL	2	/* cannot support the peer's version */
#define PPTP_STOP_LOCAL_SHUTDOWN 3

/* general error codes (section 2.16 of the RFC, "General Error Codes") */
#define PPTP_ERR_NONE		0
#define PPTP_ERR_NOT_CONNECTED	1
#define PPTP_ERR_BAD_FORMAT	2
#define PPTP_ERR_BAD_VALUE	3
#define PPTP_ERR_NO_RESOURCE	4
#define PPTP_ERR_BAD_CALL_ID	5
#define PPTP_ERR_PAC_ERROR	6
#define PPTP_ERR_MAX		6

/* result codes that mean success, per reply */
#define PPTP_SCCRP_OK		1
#define PPTP_SCCRP_GENERAL	2
#define PPTP_SCCRP_EXISTS	3
#define PPTP_SCCRP_NOT_AUTH	4
#define PPTP_SCCRP_BAD_VERSION	5
#define PPTP_STOPCCRP_OK	1
#define PPTP_STOPCCRP_GENERAL	2
#define PPTP_ECHORP_OK		1
#define PPTP_ECHORP_GENERAL	2
#define PPTP_OCRP_CONNECTED	1
#define PPTP_OCRP_GENERAL	2
#define PPTP_OCRP_NO_CARRIER	3
#define PPTP_OCRP_BUSY		4
#define PPTP_OCRP_NO_DIALTONE	5
#define PPTP_OCRP_TIMEOUT	6
#define PPTP_OCRP_DO_NOT_ACCEPT	7
#define PPTP_ICRP_CONNECT	1
#define PPTP_ICRP_GENERAL	2
#define PPTP_ICRP_DO_NOT_ACCEPT	3
#define PPTP_CDN_LOST_CARRIER	1
#define PPTP_CDN_GENERAL	2
#define PPTP_CDN_ADMIN_SHUTDOWN	3
#define PPTP_CDN_REQUEST	4

struct pptp_sccrq {
	uint16_t	version;
	uint32_t	framing_caps;
	uint32_t	bearer_caps;
	uint16_t	max_channels;
	uint16_t	firmware_rev;
	char		hostname[PPTP_HOSTNAME_LEN + 1];
	char		vendor[PPTP_VENDOR_LEN + 1];
};

struct pptp_sccrp {
	uint16_t	version;
	uint8_t		result;
	uint8_t		error;
	uint32_t	framing_caps;
	uint32_t	bearer_caps;
	uint16_t	max_channels;
	uint16_t	firmware_rev;
	char		hostname[PPTP_HOSTNAME_LEN + 1];
	char		vendor[PPTP_VENDOR_LEN + 1];
};

struct pptp_stopccrq {
	uint8_t		reason;
};

struct pptp_stopccrp {
	uint8_t		result;
	uint8_t		error;
};

struct pptp_echorq {
	uint32_t	id;
};

struct pptp_echorp {
	uint32_t	id;
	uint8_t		result;
	uint8_t		error;
};

struct pptp_ocrq {
	uint16_t	call_id;
	uint16_t	call_serial;
	uint32_t	min_bps;
	uint32_t	max_bps;
	uint32_t	bearer_type;
	uint32_t	framing_type;
	uint16_t	recv_window;
	uint16_t	proc_delay;
	uint16_t	phone_len;
	char		phone[PPTP_PHONE_LEN + 1];
	char		subaddress[PPTP_SUBADDR_LEN + 1];
};

struct pptp_ocrp {
	uint16_t	call_id;	/* the server's */
	uint16_t	peer_call_id;	/* ours, echoed back */
	uint8_t		result;
	uint8_t		error;
	uint16_t	cause;
	uint32_t	connect_speed;
	uint16_t	recv_window;
	uint16_t	proc_delay;
	uint32_t	phys_channel;
};

struct pptp_icrq {
	uint16_t	call_id;
	uint16_t	call_serial;
	uint32_t	bearer_type;
	uint32_t	phys_channel;
	uint16_t	dialed_len;
	uint16_t	dialing_len;
	char		dialed[PPTP_PHONE_LEN + 1];
	char		dialing[PPTP_PHONE_LEN + 1];
	char		subaddress[PPTP_SUBADDR_LEN + 1];
};

struct pptp_icrp {
	uint16_t	call_id;
	uint16_t	peer_call_id;
	uint8_t		result;
	uint8_t		error;
	uint16_t	recv_window;
	uint16_t	tx_delay;
};

struct pptp_iccn {
	uint16_t	peer_call_id;
	uint32_t	connect_speed;
	uint16_t	recv_window;
	uint16_t	tx_delay;
	uint32_t	framing_type;
};

struct pptp_ccrq {
	uint16_t	call_id;
};

struct pptp_cdn {
	uint16_t	call_id;	/* the sender's */
	uint8_t		result;
	uint8_t		error;
	uint16_t	cause;
	char		stats[PPTP_STATS_LEN + 1];
};

struct pptp_wen {
	uint16_t	peer_call_id;
	uint32_t	crc_errors;
	uint32_t	framing_errors;
	uint32_t	hw_overruns;
	uint32_t	buf_overruns;
	uint32_t	timeout_errors;
	uint32_t	align_errors;
};

struct pptp_sli {
	uint16_t	peer_call_id;
	uint32_t	send_accm;
	uint32_t	recv_accm;
};

/*
 * pptp_ctrl_msg.odd: what a decoded message did not do as RFC 2637 says
 * but is accepted all the same (MS-PTPT: reserved fields "MUST be ignored
 * on receipt"; real servers set them, Cisco PIX its header's Reserved0).
 */
#define PPTP_ODD_RESERVED	0x01	/* a reserved field is not zero */
#define PPTP_ODD_CODE		0x02	/* a result, reason or error code
					   that RFC 2637 does not list */

struct pptp_ctrl_msg {
	uint16_t	type;		/* PPTP_SCCRQ ... PPTP_SLI */
	uint8_t		odd;		/* PPTP_ODD_* (decoding only) */
	uint16_t	odd_offset;	/* of the first nonzero reserved byte */
	union {
		struct pptp_sccrq	sccrq;
		struct pptp_sccrp	sccrp;
		struct pptp_stopccrq	stopccrq;
		struct pptp_stopccrp	stopccrp;
		struct pptp_echorq	echorq;
		struct pptp_echorp	echorp;
		struct pptp_ocrq	ocrq;
		struct pptp_ocrp	ocrp;
		struct pptp_icrq	icrq;
		struct pptp_icrp	icrp;
		struct pptp_iccn	iccn;
		struct pptp_ccrq	ccrq;
		struct pptp_cdn		cdn;
		struct pptp_wen		wen;
		struct pptp_sli		sli;
	} u;
};

/*
 * Decode the message at the front of buf. Returns 1 and sets *used when a
 * whole valid message was decoded into *m; 0 when buf holds only the start
 * of one (call again with more bytes); -1 when the bytes cannot be a valid
 * message, with err (if errlen > 0) saying which message and why. Errors in
 * the fixed header are reported as soon as the header is in, without
 * waiting for the rest. On -1, *used is the message's length if its header
 * frames it soundly (length 12 to 220, magic cookie right), so that the
 * caller may pass over it once that many bytes are in, and m->type its
 * control message type (0 if it is not a control message); *used is 0
 * when the stream cannot be resynchronised.
 */
int	pptp_ctrl_decode(const uint8_t *buf, size_t len,
	    struct pptp_ctrl_msg *m, size_t *used, char *err, size_t errlen);

/*
 * A nonzero reserved field (in the header or the body) is no error: it is
 * ignored and flagged in m->odd; so is a result, reason or error code
 * outside the RFC's lists (0 included), which is kept as it came.
 *
 * Encode m into buf, header included. Reserved fields are always sent as 0. Returns the bytes written, or 0 if
 * cap is too small or m->type is unknown. Strings longer than their field
 * are cut at the field's size.
 */
size_t	pptp_ctrl_encode(const struct pptp_ctrl_msg *m, uint8_t *buf,
	    size_t cap);

/* Exact wire length of a message type, 0 if the type is unknown. */
size_t	pptp_msg_len(uint16_t type);

/* "Outgoing-Call-Reply", or "unknown message type" */
const char *pptp_msg_name(uint16_t type);

/*
 * Text for result codes, for last_error and logs. Each returns a constant
 * string; unknown codes give "unknown result code".
 */
const char *pptp_sccrp_result_str(uint8_t result);
const char *pptp_stopccrq_reason_str(uint8_t reason);
const char *pptp_stopccrp_result_str(uint8_t result);
const char *pptp_echorp_result_str(uint8_t result);
const char *pptp_ocrp_result_str(uint8_t result);
const char *pptp_icrp_result_str(uint8_t result);
const char *pptp_cdn_result_str(uint8_t result);
const char *pptp_error_str(uint8_t error);

/*
 * The whole story of a reply's result in one phrase, into buf:
 * "busy", or for a general error "general error (bad call id)", or
 * "no carrier (cause code 17)" when the reply carries a nonzero cause.
 * Codes the RFC does not list are given as numbers: "result code 9",
 * "general error (error code 40)".
 * type is the reply's message type (SCCRP, STOPCCRP, ECHORP, OCRP, ICRP,
 * CDN). Returns buf.
 */
const char *pptp_result_describe(char *buf, size_t len, uint16_t type,
	    uint8_t result, uint8_t error, uint16_t cause);
/* A Stop-Control-Connection-Request's reason: "local shutdown", or
   "reason code 0" for one the RFC does not list. Returns buf. */
const char *pptp_reason_describe(char *buf, size_t len, uint8_t reason);

#endif
