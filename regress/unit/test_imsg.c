/*
 * The message layer (privsep/imsg.c) and the message table (privsep/msg.c):
 * framing over a real socketpair, descriptor passing, partial and batched
 * reads, and the checks a receiver relies on before trusting a payload.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "privsep/msg.h"

struct pair {
	int		sv[2];
	struct msgbuf	tx, rx;
};

static int
setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->sv), 0);
	assert_int_equal(msgbuf_init(&p->tx, p->sv[0]), 0);
	assert_int_equal(msgbuf_init(&p->rx, p->sv[1]), 0);
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair *p = *state;

	msgbuf_clear(&p->tx);
	msgbuf_clear(&p->rx);
	close(p->sv[0]);
	close(p->sv[1]);
	free(p);
	return 0;
}

/* Read until one message is complete; fails the test on EOF or error. */
static void
get_one(struct pair *p, struct pc_msg *m)
{
	int r;

	while ((r = msg_get(&p->rx, m)) == 0)
		assert_true(msgbuf_read(&p->rx) > 0);
	assert_int_equal(r, 1);
}

static void
send_raw(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void
test_round_trip(void **state)
{
	struct pair *p = *state;
	struct ctl_request req;
	struct ctl_end end;
	struct pc_msg m;
	char why[128];

	memset(&req, 0, sizeof(req));
	req.version = CTL_VERSION;
	req.cmd = CTL_UP;
	strlcpy(req.name, "lab", sizeof(req.name));
	memset(&end, 0, sizeof(end));
	end.result = CTL_FAILED;
	strlcpy(end.message, "no tunnel named \"x\"", sizeof(end.message));

	assert_int_equal(msg_compose(&p->tx, C_REQUEST, 7, 9, -1, &req,
	    sizeof(req)), 0);
	assert_int_equal(msg_compose(&p->tx, M_COUNTERS_REQ, 3, 0, -1, NULL,
	    0), 0);
	assert_int_equal(msg_compose(&p->tx, C_END, 0, 0, -1, &end,
	    sizeof(end)), 0);
	assert_true(msgbuf_pending(&p->tx) > 0);
	assert_int_equal(msgbuf_flush(&p->tx), 0);
	assert_int_equal(msgbuf_pending(&p->tx), 0);

	get_one(p, &m);
	assert_int_equal(m.hdr.type, C_REQUEST);
	assert_int_equal(m.hdr.tunnel, 7);
	assert_int_equal(m.hdr.peer, 9);
	assert_int_equal(m.fd, -1);
	assert_int_equal(msg_check(&m, PROC_CLIENT, PROC_CONTROL, why,
	    sizeof(why)), 0);
	assert_memory_equal(m.data, &req, sizeof(req));

	get_one(p, &m);
	assert_int_equal(m.hdr.type, M_COUNTERS_REQ);
	assert_int_equal(m.hdr.len, 0);
	assert_int_equal(m.hdr.tunnel, 3);
	assert_int_equal(msg_check(&m, PROC_PARENT, PROC_ENGINE, why,
	    sizeof(why)), 0);

	get_one(p, &m);
	assert_int_equal(m.hdr.type, C_END);
	assert_int_equal(msg_check(&m, PROC_CONTROL, PROC_CLIENT, why,
	    sizeof(why)), 0);
	assert_memory_equal(m.data, &end, sizeof(end));

	/* nothing more, and the peer closing reads as EOF */
	assert_int_equal(msg_get(&p->rx, &m), 0);
	close(p->sv[0]);
	p->sv[0] = -1;
	assert_int_equal(msgbuf_read(&p->rx), 0);
}

static void
test_fd_passing(void **state)
{
	struct pair *p = *state;
	struct pc_msg m;
	char why[128], buf[16];
	int pfd[2];

	assert_int_equal(pipe(pfd), 0);
	/* msg_compose owns the read end from here on */
	assert_int_equal(msg_compose(&p->tx, M_FD_PTY, 1, 0, pfd[0], NULL, 0),
	    0);
	assert_int_equal(msgbuf_flush(&p->tx), 0);
	assert_int_equal(fcntl(pfd[0], F_GETFD), -1);	/* closed once sent */

	get_one(p, &m);
	assert_int_equal(m.hdr.type, M_FD_PTY);
	assert_true(m.hdr.flags & PCM_F_FD);
	assert_true(m.fd >= 0);
	assert_int_equal(msg_check(&m, PROC_PARENT, PROC_ENGINE, why,
	    sizeof(why)), 0);

	send_raw(pfd[1], "through", 7);
	assert_int_equal(read(m.fd, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "through", 7);
	close(m.fd);
	close(pfd[1]);
}

static void
test_partial_reads(void **state)
{
	struct pair *p = *state;
	struct msgbuf side;
	struct m_reason reason;
	struct pc_msg m;
	uint8_t wire[sizeof(struct pc_msghdr) + sizeof(reason)];
	size_t i;
	int other[2];

	/* compose into a buffer of our own to get the exact wire bytes */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
	assert_int_equal(msgbuf_init(&side, other[0]), 0);
	memset(&reason, 0, sizeof(reason));
	strlcpy(reason.reason, "stopped by pptpctl", sizeof(reason.reason));
	assert_int_equal(msg_compose(&side, M_TUNNEL_STOP, 5, 0, -1, &reason,
	    sizeof(reason)), 0);
	assert_int_equal(msgbuf_flush(&side), 0);
	assert_int_equal(read(other[1], wire, sizeof(wire)),
	    (ssize_t)sizeof(wire));
	msgbuf_clear(&side);
	close(other[0]);
	close(other[1]);

	for (i = 0; i < sizeof(wire); i++) {
		assert_int_equal(msg_get(&p->rx, &m), 0);
		send_raw(p->sv[0], wire + i, 1);
		assert_int_equal(msgbuf_read(&p->rx), 1);
	}
	assert_int_equal(msg_get(&p->rx, &m), 1);
	assert_int_equal(m.hdr.type, M_TUNNEL_STOP);
	assert_int_equal(m.hdr.tunnel, 5);
	assert_int_equal(m.hdr.len, sizeof(reason));
	assert_string_equal(((const struct m_reason *)m.data)->reason,
	    "stopped by pptpctl");
	assert_int_equal(msg_get(&p->rx, &m), 0);
}

static void
test_many_in_one_read(void **state)
{
	struct pair *p = *state;
	struct pc_msg m;
	uint32_t i, v;

	for (i = 0; i < 50; i++)
		assert_int_equal(msg_compose(&p->tx, M_LOG, i, 0, -1, &i,
		    sizeof(i)), 0);
	assert_int_equal(msgbuf_flush(&p->tx), 0);
	/* 50 small messages fit the read buffer: one read takes them all */
	assert_int_equal(msgbuf_read(&p->rx), 50 * (sizeof(struct pc_msghdr) +
	    sizeof(i)));
	for (i = 0; i < 50; i++) {
		assert_int_equal(msg_get(&p->rx, &m), 1);
		assert_int_equal(m.hdr.tunnel, i);
		memcpy(&v, m.data, sizeof(v));
		assert_int_equal(v, i);
	}
	assert_int_equal(msg_get(&p->rx, &m), 0);
}

static void
test_wrong_length(void **state)
{
	struct pair *p = *state;
	struct pc_msg m;
	char why[128], junk[12] = { 0 };

	assert_int_equal(msg_compose(&p->tx, M_TUNNEL_START, 1, 0, -1, junk,
	    sizeof(junk)), 0);
	assert_int_equal(msgbuf_flush(&p->tx), 0);
	get_one(p, &m);
	assert_int_equal(msg_check(&m, PROC_PARENT, PROC_ENGINE, why,
	    sizeof(why)), -1);
	char want[128];
	snprintf(want, sizeof(want), "M_TUNNEL_START: length 12, expected %zu",
	    sizeof(struct m_tunnel_start));
	assert_string_equal(why, want);

	/* a variable-length type: M_LOG with an empty line is too short */
	assert_int_equal(msg_compose(&p->tx, M_LOG, 0, 0, -1, junk, 4), 0);
	assert_int_equal(msgbuf_flush(&p->tx), 0);
	get_one(p, &m);
	assert_int_equal(msg_check(&m, PROC_ENGINE, PROC_PARENT, why,
	    sizeof(why)), -1);
	snprintf(want, sizeof(want), "M_LOG: length 4, expected %zu..%zu",
	    offsetof(struct m_log, line) + 1, sizeof(struct m_log));
	assert_string_equal(why, want);
}

static void
test_unknown_type(void **state)
{
	struct pair *p = *state;
	struct pc_msg m;
	char why[128];
	const uint16_t types[] = { M_NONE, M_COUNTERS + 1, C_REQUEST - 1,
	    C_END + 1, 0xffff };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(msg_compose(&p->tx, types[i], 0, 0, -1, NULL,
		    0), 0);
		assert_int_equal(msgbuf_flush(&p->tx), 0);
		get_one(p, &m);
		assert_int_equal(m.hdr.type, types[i]);
		assert_int_equal(msg_check(&m, PROC_PARENT, PROC_ENGINE, why,
		    sizeof(why)), -1);
		char want[64];
		snprintf(want, sizeof(want), "unknown message type %u",
		    types[i]);
		assert_string_equal(why, want);
		assert_string_equal(msg_name(types[i]), "unknown");
	}
}

static void
test_oversize(void **state)
{
	struct pair *p = *state;
	struct pc_msghdr h;
	struct pc_msg m;
	char *big;
	int pfd[2];

	big = calloc(1, PC_MSG_MAXPAYLOAD + 1);
	assert_non_null(big);
	/* the limit itself is fine */
	assert_int_equal(msg_compose(&p->tx, M_LOG, 0, 0, -1, big,
	    PC_MSG_MAXPAYLOAD), 0);
	errno = 0;
	assert_int_equal(msg_compose(&p->tx, M_LOG, 0, 0, -1, big,
	    PC_MSG_MAXPAYLOAD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* refused with an fd: the fd is closed, not leaked */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(msg_compose(&p->tx, M_FD_PTY, 0, 0, pfd[0], big,
	    PC_MSG_MAXPAYLOAD + 1), -1);
	assert_int_equal(fcntl(pfd[0], F_GETFD), -1);
	close(pfd[1]);
	free(big);
	assert_int_equal(msgbuf_flush(&p->tx), 0);
	get_one(p, &m);
	assert_int_equal(m.hdr.len, PC_MSG_MAXPAYLOAD);

	/* forged on the wire: refused as soon as the header is in */
	memset(&h, 0, sizeof(h));
	h.type = M_LOG;
	h.len = PC_MSG_MAXPAYLOAD + 1;
	send_raw(p->sv[0], &h, sizeof(h));
	assert_true(msgbuf_read(&p->rx) > 0);
	errno = 0;
	assert_int_equal(msg_get(&p->rx, &m), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_fd_announced_missing(void **state)
{
	struct pair *p = *state;
	struct pc_msghdr h;
	struct pc_msg m;
	char why[128];

	memset(&h, 0, sizeof(h));
	h.type = M_FD_GRE;
	h.flags = PCM_F_FD;
	send_raw(p->sv[0], &h, sizeof(h));
	assert_true(msgbuf_read(&p->rx) > 0);
	errno = 0;
	assert_int_equal(msg_get(&p->rx, &m), -1);
	assert_int_equal(errno, EBADMSG);

	/* and the reverse: an fd type that came without one fails the check */
	m.hdr.type = M_FD_GRE;
	m.hdr.flags = 0;
	m.hdr.len = 0;
	m.fd = -1;
	assert_int_equal(msg_check(&m, PROC_PARENT, PROC_ENGINE, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "M_FD_GRE: descriptor missing");
	m.hdr.type = M_COUNTERS_REQ;
	m.fd = 0;
	assert_int_equal(msg_check(&m, PROC_PARENT, PROC_ENGINE, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "M_COUNTERS_REQ: unexpected descriptor");
}

static void
check_dir(uint16_t type, size_t len, int fd, enum pc_proc from,
    enum pc_proc to, int want)
{
	struct pc_msg m;
	char why[128], expect[128];

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint32_t)len;
	m.fd = fd;
	assert_int_equal(msg_check(&m, from, to, why, sizeof(why)), want);
	if (want == -1) {
		snprintf(expect, sizeof(expect), "%s: not allowed on this "
		    "channel", msg_name(type));
		assert_string_equal(why, expect);
	}
}

static void
test_direction(void **state)
{
	/* allowed */
	check_dir(M_TUNNEL_START, sizeof(struct m_tunnel_start), -1,
	    PROC_PARENT, PROC_ENGINE, 0);
	check_dir(M_COUNTERS, sizeof(struct pptp_counters), -1, PROC_ENGINE,
	    PROC_PARENT, 0);
	check_dir(C_STATUS, sizeof(struct ctl_status), -1, PROC_CONTROL,
	    PROC_CLIENT, 0);
	check_dir(M_LOG, sizeof(struct m_log), -1, PROC_CONTROL, PROC_PARENT,
	    0);
	/* the reverse or a stranger: refused */
	check_dir(M_TUNNEL_START, sizeof(struct m_tunnel_start), -1,
	    PROC_ENGINE, PROC_PARENT, -1);
	check_dir(M_TUNNEL_START, sizeof(struct m_tunnel_start), -1,
	    PROC_CONTROL, PROC_ENGINE, -1);
	check_dir(M_FD_CTRL, 0, 3, PROC_ENGINE, PROC_PARENT, -1);
	check_dir(M_FD_PTY, 0, 3, PROC_PARENT, PROC_CONTROL, -1);
	check_dir(M_COUNTERS, sizeof(struct pptp_counters), -1, PROC_PARENT,
	    PROC_ENGINE, -1);
	/* a pptpctl client may only send requests, never replies */
	check_dir(C_REQUEST, sizeof(struct ctl_request), -1, PROC_CLIENT,
	    PROC_CONTROL, 0);
	check_dir(C_END, sizeof(struct ctl_end), -1, PROC_CLIENT,
	    PROC_CONTROL, -1);
	check_dir(C_STATUS, sizeof(struct ctl_status), -1, PROC_CLIENT,
	    PROC_CONTROL, -1);
	/* nor reach the parent's internal types */
	check_dir(M_CTL_REQUEST, sizeof(struct ctl_request), -1, PROC_CLIENT,
	    PROC_PARENT, -1);
	check_dir(M_CTL_REQUEST, sizeof(struct ctl_request), -1, PROC_CLIENT,
	    PROC_CONTROL, -1);
}

static void
test_names(void **state)
{
	assert_string_equal(msg_name(C_REQUEST), "C_REQUEST");
	assert_string_equal(msg_name(M_FD_GRE), "M_FD_GRE");
	assert_string_equal(tunnel_state_name(TS_UP), "up");
	assert_string_equal(tunnel_state_name(TS_WAITING), "waiting");
	assert_string_equal(tunnel_state_name(TS_MAX), "unknown");
	assert_int_equal(tunnel_state_from_name("failed"), TS_FAILED);
	assert_int_equal(tunnel_state_from_name("sideways"), -1);
	assert_string_equal(ctl_cmd_name(CTL_COUNTERS), "show counters");
	assert_true(ctl_cmd_privileged(CTL_UP));
	assert_true(ctl_cmd_privileged(CTL_RELOAD));
	assert_false(ctl_cmd_privileged(CTL_STATUS));
	assert_false(ctl_cmd_privileged(CTL_MONITOR));
	assert_false(ctl_cmd_privileged(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fd_passing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_partial_reads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_in_one_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_length, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_type, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fd_announced_missing,
		    setup, teardown),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
