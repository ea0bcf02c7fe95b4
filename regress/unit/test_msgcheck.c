/*
 * Every check a receiver makes on a message from another process, driven
 * through msg_check() with bad input: each type from every process that
 * must not send it, to every process that must not receive it, one byte
 * short, one byte long, with and without a descriptor. The parent, the
 * engine, the control process and pptpctl all rely on exactly this
 * function before reading a payload.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "privsep/msg.h"

struct rule {
	uint16_t	type;
	size_t		len;		/* exact, or the maximum */
	int		variable;	/* M_LOG: 1..len */
	unsigned	from, to;	/* allowed, bitmask of enum pc_proc */
	int		fd;
};

#define B(p)	(1u << (p))
static const struct rule rules[] = {
	{ M_LOG, sizeof(struct m_log), 1, B(PROC_ENGINE) | B(PROC_CONTROL),
	    B(PROC_PARENT), 0 },
	{ M_CTL_LISTEN, 0, 0, B(PROC_PARENT), B(PROC_CONTROL), 1 },
	{ M_CTL_CONFIG, sizeof(struct m_ctl_config), 0, B(PROC_PARENT),
	    B(PROC_CONTROL), 0 },
	{ M_CTL_REQUEST, sizeof(struct ctl_request), 0, B(PROC_CONTROL),
	    B(PROC_PARENT), 0 },
	{ M_CTL_STATUS, sizeof(struct ctl_status), 0, B(PROC_PARENT),
	    B(PROC_CONTROL), 0 },
	{ M_CTL_COUNTERS, sizeof(struct ctl_counters), 0, B(PROC_PARENT),
	    B(PROC_CONTROL), 0 },
	{ M_CTL_END, sizeof(struct ctl_end), 0, B(PROC_PARENT),
	    B(PROC_CONTROL), 0 },
	{ M_CTL_EVENT, sizeof(struct ctl_status), 0, B(PROC_PARENT),
	    B(PROC_CONTROL), 0 },
	{ M_TUNNEL_START, sizeof(struct m_tunnel_start), 0, B(PROC_PARENT),
	    B(PROC_ENGINE), 0 },
	{ M_FD_CTRL, 0, 0, B(PROC_PARENT), B(PROC_ENGINE), 1 },
	{ M_FD_GRE, 0, 0, B(PROC_PARENT), B(PROC_ENGINE), 1 },
	{ M_FD_PTY, 0, 0, B(PROC_PARENT), B(PROC_ENGINE), 1 },
	{ M_TUNNEL_STOP, sizeof(struct m_reason), 0, B(PROC_PARENT),
	    B(PROC_ENGINE), 0 },
	{ M_COUNTERS_REQ, 0, 0, B(PROC_PARENT), B(PROC_ENGINE), 0 },
	{ M_COUNTERS_CLEAR, 0, 0, B(PROC_PARENT), B(PROC_ENGINE), 0 },
	{ M_ENGINE_STATE, sizeof(struct m_engine_state), 0, B(PROC_ENGINE),
	    B(PROC_PARENT), 0 },
	{ M_TUNNEL_CLOSED, sizeof(struct m_engine_state), 0, B(PROC_ENGINE),
	    B(PROC_PARENT), 0 },
	{ M_COUNTERS, sizeof(struct pptp_counters), 0, B(PROC_ENGINE),
	    B(PROC_PARENT), 0 },
	{ C_REQUEST, sizeof(struct ctl_request), 0, B(PROC_CLIENT),
	    B(PROC_CONTROL), 0 },
	{ C_STATUS, sizeof(struct ctl_status), 0, B(PROC_CONTROL),
	    B(PROC_CLIENT), 0 },
	{ C_EVENT, sizeof(struct ctl_status), 0, B(PROC_CONTROL),
	    B(PROC_CLIENT), 0 },
	{ C_COUNTERS, sizeof(struct ctl_counters), 0, B(PROC_CONTROL),
	    B(PROC_CLIENT), 0 },
	{ C_END, sizeof(struct ctl_end), 0, B(PROC_CONTROL), B(PROC_CLIENT),
	    0 },
};
#define NRULES	(sizeof(rules) / sizeof(rules[0]))

static int
check(uint16_t type, size_t len, int fd, enum pc_proc from, enum pc_proc to,
    char *why, size_t whylen)
{
	struct pc_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint32_t)len;
	m.fd = fd ? 7 : -1;
	why[0] = '\0';
	return msg_check(&m, from, to, why, whylen);
}

/* The one allowed shape of each type passes. */
static void
test_valid(void **state)
{
	char why[256];
	size_t i;
	int f, t;

	for (i = 0; i < NRULES; i++)
		for (f = 0; f < PROC_MAX; f++)
			for (t = 0; t < PROC_MAX; t++) {
				if (!(rules[i].from & B(f)) ||
				    !(rules[i].to & B(t)))
					continue;
				assert_int_equal(check(rules[i].type,
				    rules[i].len, rules[i].fd, f, t, why,
				    sizeof(why)), 0);
			}
}

/* Every other sender or receiver is refused, saying so. */
static void
test_direction(void **state)
{
	char why[256];
	size_t i;
	int f, t, refused = 0;

	for (i = 0; i < NRULES; i++)
		for (f = 0; f < PROC_MAX; f++)
			for (t = 0; t < PROC_MAX; t++) {
				if ((rules[i].from & B(f)) &&
				    (rules[i].to & B(t)))
					continue;
				assert_int_equal(check(rules[i].type,
				    rules[i].len, rules[i].fd, f, t, why,
				    sizeof(why)), -1);
				assert_non_null(strstr(why, "not allowed"));
				refused++;
			}
	assert_true(refused > (int)NRULES * 10);
}

static int
first_allowed(unsigned mask)
{
	int p;

	for (p = 0; p < PROC_MAX; p++)
		if (mask & B(p))
			return p;
	return -1;
}

/* One byte short and one byte long are refused with both lengths named. */
static void
test_length(void **state)
{
	char why[256], want[64];
	size_t i;
	int f, t;

	for (i = 0; i < NRULES; i++) {
		f = first_allowed(rules[i].from);
		t = first_allowed(rules[i].to);
		assert_int_equal(check(rules[i].type, rules[i].len + 1,
		    rules[i].fd, f, t, why, sizeof(why)), -1);
		snprintf(want, sizeof(want), "length %zu", rules[i].len + 1);
		assert_non_null(strstr(why, want));
		if (rules[i].len == 0)
			continue;
		if (rules[i].variable) {
			/* shorter is fine down to a one-byte line */
			assert_int_equal(check(rules[i].type,
			    offsetof(struct m_log, line), 0, f, t, why,
			    sizeof(why)), -1);
			continue;
		}
		assert_int_equal(check(rules[i].type, rules[i].len - 1,
		    rules[i].fd, f, t, why, sizeof(why)), -1);
		snprintf(want, sizeof(want), "expected %zu", rules[i].len);
		assert_non_null(strstr(why, want));
	}
}

/* A descriptor where none belongs, or none where one must come. */
static void
test_descriptor(void **state)
{
	char why[256];
	size_t i;
	int f, t;

	for (i = 0; i < NRULES; i++) {
		f = first_allowed(rules[i].from);
		t = first_allowed(rules[i].to);
		assert_int_equal(check(rules[i].type, rules[i].len,
		    !rules[i].fd, f, t, why, sizeof(why)), -1);
		assert_non_null(strstr(why, rules[i].fd ? "missing" :
		    "unexpected descriptor"));
	}
}

/* Types that do not exist, including the gaps and the edges. */
static void
test_unknown(void **state)
{
	static const uint16_t bad[] = { 0, M_COUNTERS + 1, 99, C_END + 1,
	    0xffff };
	char why[256];
	size_t i;
	int f, t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (f = 0; f < PROC_MAX; f++)
			for (t = 0; t < PROC_MAX; t++) {
				assert_int_equal(check(bad[i], 0, 0, f, t,
				    why, sizeof(why)), -1);
				assert_non_null(strstr(why, "unknown"));
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
