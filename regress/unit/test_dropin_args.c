/*
 * The drop-in pptp's command line (pptpd-client/dropin_args.c): what
 * NetworkManager-pptp and peers files pass is taken, each pptp-linux
 * option lands where the engine reads it, and every mistake is refused
 * with a message that names the option.
 */
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pptpd-client/config.h"
#include "pptpd-client/dropin.h"

static struct dropin_opts o;
static char err[256];
static FILE *out;		/* what --help and --version print */

/* parse("a", "b", NULL): argv[0] is the program */
static enum dropin_parse
parse(const char *first, ...)
{
	char *argv[32];
	const char *a;
	va_list ap;
	int argc = 0;

	argv[argc++] = (char *)"pptp";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return dropin_parse_args(argc, argv, &o, err, sizeof(err), out);
}

static void
test_networkmanager_line(void **state)
{
	assert_int_equal(parse("192.0.2.1", "--nolaunchpppd", "--loglevel",
	    "0", "--logstring", "nm-pptp-service-42", NULL), DROPIN_RUN);
	assert_string_equal(o.server, "192.0.2.1");
	assert_int_equal(o.loglevel, 0);
	assert_string_equal(o.logstring, "nm-pptp-service-42");
	assert_false(o.log_stderr);
	/* the daemon's defaults where pptp-linux's options are absent */
	assert_int_equal(o.reorder_wait_ms, PC_REORDER_WAIT_DEF);
	assert_int_equal(o.echo_interval_ms, PC_ECHO_INTERVAL_DEF * 1000);
	assert_int_equal(o.echo_timeout_ms, PC_ECHO_TIMEOUT_DEF * 1000);
	assert_int_equal(o.localbind.s_addr, htonl(INADDR_ANY));
	assert_int_equal(o.rtmark, 0);
	/* NetworkManager adds its own host route: none of ours */
	assert_false(o.hostroute);
}

static void
test_peers_file_line(void **state)
{
	/* options may come before the server, as getopt_long permutes */
	assert_int_equal(parse("--nolaunchpppd", "vpn.example.com", NULL),
	    DROPIN_RUN);
	assert_string_equal(o.server, "vpn.example.com");
	assert_int_equal(o.loglevel, 1);
	assert_string_equal(o.logstring, "pptp");
}

static void
test_every_option(void **state)
{
	struct in_addr a;

	assert_int_equal(parse("192.0.2.1", "--nolaunchpppd", "--timeout",
	    "0.3", "--idle-wait", "30", "--max-echo-wait=7", "--localbind",
	    "192.0.2.2", "--rtmark", "0x10", "--nohostroute", "--debug",
	    "--log-stderr", "--loglevel", "2", NULL), DROPIN_RUN);
	assert_int_equal(o.reorder_wait_ms, 300);
	assert_int_equal(o.echo_interval_ms, 30000);
	assert_int_equal(o.echo_timeout_ms, 7000);
	inet_pton(AF_INET, "192.0.2.2", &a);
	assert_int_equal(o.localbind.s_addr, a.s_addr);
	assert_int_equal(o.rtmark, 16);
	assert_true(o.nohostroute);
	assert_true(o.log_stderr);
	assert_int_equal(o.loglevel, 2);

	assert_int_equal(parse("s", "--nolaunchpppd", "--hostroute", NULL),
	    DROPIN_RUN);
	assert_true(o.hostroute);
	assert_int_equal(parse("s", "--nolaunchpppd", "--nobuffer", NULL),
	    DROPIN_RUN);
	assert_int_equal(o.reorder_wait_ms, 0);
	/* the engine waits a second at most for a reordered packet */
	assert_int_equal(parse("s", "--nolaunchpppd", "--timeout", "10",
	    NULL), DROPIN_RUN);
	assert_int_equal(o.reorder_wait_ms, PC_REORDER_WAIT_MAX);
	/* no echo requests at all */
	assert_int_equal(parse("s", "--nolaunchpppd", "--idle-wait", "0",
	    NULL), DROPIN_RUN);
	assert_int_equal(o.echo_interval_ms, 0);
}

/* Each: the arguments after argv[0], and what the message must hold. */
static const struct mistake {
	const char	*args[6];
	const char	*want;
} mistakes[] = {
	{ { "s", "--nolaunchpppd", "--frobnicate" },
	    "unknown option --frobnicate" },
	{ { "s", "--nolaunchpppd", "--frobnicate=3" },
	    "unknown option --frobnicate" },
	{ { "s", "-x", "--nolaunchpppd" }, "unknown option -x" },
	{ { "s", "--nolaunchpppd", "--phone", "123" },
	    "--phone: a pptp-linux option this drop-in does not support" },
	{ { "s", "--nolaunchpppd", "--sync" }, "--sync" },
	{ { "s", "--nolaunchpppd", "--loglevel" }, "--loglevel: needs a value" },
	{ { "s", "--nolaunchpppd", "--loglevel", "3" },
	    "--loglevel: bad value '3'" },
	{ { "s", "--nolaunchpppd", "--timeout", "0" },
	    "--timeout: bad value '0'" },
	{ { "s", "--nolaunchpppd", "--timeout", "nan" },
	    "--timeout: bad value 'nan'" },
	{ { "s", "--nolaunchpppd", "--idle-wait", "-1" },
	    "--idle-wait: bad value '-1'" },
	{ { "s", "--nolaunchpppd", "--max-echo-wait", "0" },
	    "--max-echo-wait: bad value '0'" },
	{ { "s", "--nolaunchpppd", "--localbind", "here" },
	    "--localbind: bad value 'here'" },
	{ { "s", "--nolaunchpppd", "--rtmark", "-1" },
	    "--rtmark: bad value '-1'" },
	{ { "s", "--nolaunchpppd", "--rtmark", "4294967296" },
	    "--rtmark: bad value '4294967296'" },
	{ { "s", "--nolaunchpppd", "--logstring", "" },
	    "--logstring: bad value ''" },
	{ { "--nolaunchpppd" }, "no server given" },
	{ { "s", "--nolaunchpppd", "noauth" }, "unexpected argument 'noauth'" },
	{ { "s" }, "--nolaunchpppd is required" },
	{ { "s", "--nolaunchpppd", "--hostroute", "--nohostroute" },
	    "--hostroute and --nohostroute contradict" },
};

static void
test_mistakes_named(void **state)
{
	const struct mistake *m;
	size_t i;
	enum dropin_parse r;

	for (i = 0; i < sizeof(mistakes) / sizeof(mistakes[0]); i++) {
		m = &mistakes[i];
		r = parse(m->args[0], m->args[1], m->args[2], m->args[3],
		    m->args[4], m->args[5], NULL);
		if (r != DROPIN_USAGE || strstr(err, m->want) == NULL)
			fail_msg("mistake %zu: result %d, message '%s', not "
			    "'%s'", i, (int)r, err, m->want);
	}
}

/* the text printed since the last call */
static const char *
printed(void)
{
	static char buf[4096];
	size_t n;

	fflush(out);
	rewind(out);
	n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = '\0';
	rewind(out);
	return buf;
}

static void
test_help_and_version(void **state)
{
	assert_int_equal(parse("--help", NULL), DROPIN_EXIT_OK);
	assert_non_null(strstr(printed(), "--nolaunchpppd"));
	assert_int_equal(parse("--version", NULL), DROPIN_EXIT_OK);
	assert_non_null(strstr(printed(), DROPIN_NAME));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_networkmanager_line),
		cmocka_unit_test(test_peers_file_line),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_mistakes_named),
		cmocka_unit_test(test_help_and_version),
	};

	if ((out = tmpfile()) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
