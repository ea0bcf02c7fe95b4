/*
 * What the golden files cannot see: the values the daemon gets from
 * parse_config(), above all the passwords, which are never printed.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pptpd-client/config.h"

static char	 dir[] = "/tmp/test_config.XXXXXX";
static char	 errors[4096];

static void
collect(const char *msg)
{
	strlcat(errors, msg, sizeof(errors));
	strlcat(errors, "\n", sizeof(errors));
}

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char	 path[PATH_MAX];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static struct pcconf *
parse_text(const char *text, mode_t mode, int flags)
{
	char		 conf[PATH_MAX];

	strlcpy(conf, write_file("t.conf", text, mode), sizeof(conf));
	errors[0] = '\0';
	return parse_config(conf, flags);
}

static void
test_password_file_first_line(void **state)
{
	struct pcconf		*c;
	struct tunnel_conf	*t;
	char			 text[1024];

	write_file("p.secret", "s3cret pass\r\nsecond line\n", 0600);
	snprintf(text, sizeof(text), "tunnel \"lab\" {\n server 192.0.2.1\n"
	    " username \"D\\\\u\"\n password-file \"%s/p.secret\"\n}\n", dir);
	assert_non_null(c = parse_text(text, 0600, 0));
	assert_non_null(t = config_tunnel(c, "lab"));
	assert_null(config_tunnel(c, "nope"));
	assert_true(t->has_password);
	assert_false(t->password_inline);
	assert_string_equal(t->password, "s3cret pass");
	assert_string_equal(t->username, "D\\u");
	config_free(c);
}

static void
test_password_file_without_newline(void **state)
{
	struct pcconf	*c;
	char		 text[1024];

	write_file("n.secret", "nonl", 0400);
	snprintf(text, sizeof(text), "tunnel \"lab\" {\n server 192.0.2.1\n"
	    " username \"u\"\n password-file \"%s/n.secret\"\n}\n", dir);
	assert_non_null(c = parse_text(text, 0600, 0));
	assert_string_equal(TAILQ_FIRST(&c->tunnels)->password, "nonl");
	config_free(c);
}

static void
test_inline_password_and_defaults(void **state)
{
	struct pcconf		*c;
	struct tunnel_conf	*t;

	assert_non_null(c = parse_text("tunnel x {\n server h.example\n"
	    " username u\n password \"a\\\"b\\\\c\"\n route 10.0.0.0/8\n}\n",
	    0600, 0));
	assert_string_equal(c->user, "_pptp");
	assert_string_equal(c->control_socket, "/run/pptpd-client.sock");
	assert_string_equal(c->pppd, "/usr/sbin/pppd");
	assert_string_equal(c->control_group, "");
	assert_int_equal(c->firewall, FW_AUTO);
	assert_int_equal(c->ntunnels, 1);
	t = TAILQ_FIRST(&c->tunnels);
	assert_string_equal(t->password, "a\"b\\c");
	assert_true(t->password_inline);
	assert_int_equal(t->mppe, MPPE_REQUIRED);
	assert_int_equal(t->kill_switch, KS_NO);
	assert_int_equal(t->connect_timeout_ms, 10000);
	assert_int_equal(t->echo_interval_ms, 60000);
	assert_int_equal(t->echo_timeout_ms, 60000);
	assert_int_equal(t->reorder_wait_ms, 50);
	assert_int_equal(t->mtu, 1400);
	assert_false(TAILQ_FIRST(&t->routes)->is_default);
	assert_int_equal(TAILQ_FIRST(&t->routes)->pfx.len, 8);
	assert_int_equal(TAILQ_FIRST(&t->routes)->pfx.addr.s_addr,
	    htonl(0x0a000000));
	config_free(c);
}

static void
test_error_handler_gets_every_error(void **state)
{
	config_set_error_handler(collect);
	assert_null(parse_text("foo\nbar\ntunnel t {\n mtu 1\n}\n", 0600, 0));
	config_set_error_handler(NULL);
	assert_non_null(strstr(errors, "t.conf:1: unknown keyword \"foo\"\n"));
	assert_non_null(strstr(errors, "t.conf:2: unknown keyword \"bar\"\n"));
	assert_non_null(strstr(errors, "t.conf:4: mtu 1: out of range"));
	assert_non_null(strstr(errors, "t.conf:3: tunnel \"t\": no server\n"));
}

static void
test_no_perms_flag(void **state)
{
	struct pcconf	*c;

	config_set_error_handler(collect);
	assert_null(parse_text("firewall none\n", 0666, 0));
	assert_non_null(strstr(errors, "mode 0666"));
	assert_non_null(c = parse_text("firewall none\n", 0666,
	    PARSE_NO_PERMS));
	config_set_error_handler(NULL);
	assert_int_equal(c->firewall, FW_NONE);
	assert_int_equal(c->ntunnels, 0);
	config_free(c);
}

/* Each word of `firewall` and the default, which `-n` prints as is. */
static void
test_firewall_words(void **state)
{
	static const struct {
		const char	*text;
		enum fw_backend	 want;
	} cases[] = {
		{ "", FW_AUTO },
		{ "firewall auto\n", FW_AUTO },
		{ "firewall nftables\n", FW_NFTABLES },
		{ "firewall \"iptables\"\n", FW_IPTABLES },
		{ "firewall none\n", FW_NONE },
	};
	struct pcconf	*c;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(c = parse_text(cases[i].text, 0600, 0));
		assert_int_equal(c->firewall, cases[i].want);
		config_free(c);
	}
	assert_string_equal(config_firewall_str(FW_AUTO), "auto");
	assert_string_equal(config_firewall_str(FW_NFTABLES), "nftables");
	config_set_error_handler(collect);
	assert_null(parse_text("firewall pf\n", 0600, 0));
	config_set_error_handler(NULL);
	assert_non_null(strstr(errors, "\"pf\": expected auto, nftables, "
	    "iptables or none"));
}

static void
test_missing_config(void **state)
{
	config_set_error_handler(collect);
	errors[0] = '\0';
	assert_null(parse_config("/nonexistent/pptpd-client.conf", 0));
	config_set_error_handler(NULL);
	assert_string_equal(errors,
	    "/nonexistent/pptpd-client.conf: No such file or directory\n");
}

/* The example that `make install` puts in place must be a valid config. */
static void
test_example_config(void **state)
{
	static const char	 secret[] = "\"/etc/pptpd-client/office.secret\"";
	struct pcconf		*c;
	struct tunnel_conf	*t;
	char			 text[16384], conf[16384 + PATH_MAX], *p;
	FILE			*f;
	size_t			 n;

	f = fopen("etc/pptpd-client.conf", "r");
	if (f == NULL)
		fail_msg("etc/pptpd-client.conf: %s (run from the top of the "
		    "source tree)", strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* point it at a password file of our own */
	assert_non_null(p = strstr(text, secret));
	*p = '\0';
	snprintf(conf, sizeof(conf), "%s\"%s/o.secret\"%s", text, dir,
	    p + strlen(secret));
	write_file("o.secret", "pw\n", 0600);
	config_set_error_handler(collect);
	c = parse_text(conf, 0600, 0);
	config_set_error_handler(NULL);
	if (c == NULL)
		fail_msg("example config refused:\n%s", errors);
	assert_non_null(t = config_tunnel(c, "office"));
	assert_string_equal(t->password, "pw");
	assert_true(TAILQ_FIRST(&t->routes)->is_default);
	config_free(c);
}

static int
setup(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_config needs root: the config checks "
		    "want root-owned files\n");
		return -1;
	}
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_file_first_line),
		cmocka_unit_test(test_password_file_without_newline),
		cmocka_unit_test(test_inline_password_and_defaults),
		cmocka_unit_test(test_error_handler_gets_every_error),
		cmocka_unit_test(test_no_perms_flag),
		cmocka_unit_test(test_firewall_words),
		cmocka_unit_test(test_missing_config),
		cmocka_unit_test(test_example_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
