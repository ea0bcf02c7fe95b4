/*
 * The parent's DNS, file backend (privsep/parent/dns.c, dns_file.c), on
 * a resolv.conf and a saved copy in a temporary directory: what is
 * written while tunnels hold servers, and that exactly the original
 * (a file, a symbolic link, or nothing) comes back after the last one,
 * or at the next start after a crash. No resolvectl or resolvconf is
 * looked for (an empty tool directory), so the file backend is the one
 * in use whatever the machine has.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "privsep/parent/dns.h"
#include "privsep/parent/tool.h"

#define ORIGINAL "# the host's own\nsearch example.org\n" \
		 "nameserver 192.0.2.53\noptions edns0\n"

static char dir[64], conf[PATH_MAX], saved[PATH_MAX];

static char *
read_all(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char empty[PATH_MAX];

	snprintf(dir, sizeof(dir), "/tmp/test_dns.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(conf, sizeof(conf), "%s/resolv.conf", dir);
	snprintf(saved, sizeof(saved), "%s/resolv.conf.saved", dir);
	snprintf(empty, sizeof(empty), "%s/tools", dir);
	mkdir(empty, 0700);
	tool_set_dir(empty);
	dns_set_paths(conf, saved);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct in_addr
a(const char *s)
{
	struct in_addr x;

	inet_pton(AF_INET, s, &x);
	return x;
}

static void
test_compose(void **state)
{
	char *servers[] = { "198.51.100.53", "198.51.100.54" };
	char *out = dns_file_compose(ORIGINAL " nameserver\t192.0.2.54\n"
	    "nameservers are listed above\nsearch x", servers, 2);

	assert_non_null(out);
	assert_non_null(strstr(out, "nameserver 198.51.100.53\n"
	    "nameserver 198.51.100.54\n# the host's own\nsearch example.org\n"
	    "options edns0\n"));
	/* the original's servers are left out, however indented */
	assert_null(strstr(out, "192.0.2.53"));
	assert_null(strstr(out, "192.0.2.54"));
	/* a line that only starts with the word stays; the last gets its
	   newline */
	assert_non_null(strstr(out, "nameservers are listed above\n"));
	assert_non_null(strstr(out, "search x\n"));
	assert_true(out[0] == '#');
	free(out);
}

static void
test_file_two_tunnels(void **state)
{
	struct in_addr one[] = { a("198.51.100.53"), a("198.51.100.54") };
	struct in_addr two[] = { a("203.0.113.53") };
	char err[256], *text;

	write_all(conf, ORIGINAL);
	assert_int_equal(dns_init(NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(dns_backend_name(), "/etc/resolv.conf");
	assert_int_equal(dns_set("pptp-a", one, 2, 0, err, sizeof(err)), 0);
	text = read_all(conf);
	assert_non_null(strstr(text, "nameserver 198.51.100.53\n"
	    "nameserver 198.51.100.54\n"));
	assert_null(strstr(text, "192.0.2.53"));
	assert_non_null(strstr(text, "search example.org\n"));
	assert_int_equal(access(saved, F_OK), 0);
	/* the newest tunnel's servers come first */
	assert_int_equal(dns_set("pptp-b", two, 1, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(read_all(conf), "nameserver 203.0.113.53\n"
	    "nameserver 198.51.100.53\nnameserver 198.51.100.54\n"));
	assert_int_equal(dns_unset("pptp-a", err, sizeof(err)), 0);
	text = read_all(conf);
	assert_null(strstr(text, "198.51.100.53"));
	assert_non_null(strstr(text, "nameserver 203.0.113.53\n"));
	/* an interface that holds nothing is no error */
	assert_int_equal(dns_unset("pptp-a", err, sizeof(err)), 0);
	assert_int_equal(dns_unset("pptp-b", err, sizeof(err)), 0);
	assert_string_equal(read_all(conf), ORIGINAL);
	assert_int_equal(access(saved, F_OK), -1);
}

static void
test_link_comes_back(void **state)
{
	struct in_addr one[] = { a("198.51.100.53") };
	char err[256], target[128], got[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(target, sizeof(target), "%s/real-resolv.conf", dir);
	write_all(target, ORIGINAL);
	unlink(conf);
	assert_int_equal(symlink(target, conf), 0);
	assert_int_equal(dns_set("pptp-a", one, 1, 0, err, sizeof(err)), 0);
	/* replaced by a file, the link's target untouched */
	assert_int_equal(lstat(conf, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(read_all(target), ORIGINAL);
	assert_int_equal(dns_unset("pptp-a", err, sizeof(err)), 0);
	assert_int_equal(lstat(conf, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlink(conf, got, sizeof(got) - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, target);
	unlink(conf);
}

static void
test_absent_comes_back_absent(void **state)
{
	struct in_addr one[] = { a("198.51.100.53") };
	char err[256];

	unlink(conf);
	assert_int_equal(dns_set("pptp-a", one, 1, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(read_all(conf), "nameserver 198.51.100.53\n"));
	assert_int_equal(dns_unset("pptp-a", err, sizeof(err)), 0);
	assert_int_equal(access(conf, F_OK), -1);
}

/* A daemon killed while a tunnel held servers: the next start puts the
   original back before anything else. */
static void
test_crash_then_start(void **state)
{
	struct in_addr one[] = { a("198.51.100.53") };
	char err[256];

	write_all(conf, ORIGINAL);
	assert_int_equal(dns_set("pptp-a", one, 1, 0, err, sizeof(err)), 0);
	assert_string_not_equal(read_all(conf), ORIGINAL);
	/* what survives a SIGKILL: the two files, not our memory */
	assert_int_equal(dns_init(NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(read_all(conf), ORIGINAL);
	assert_int_equal(access(saved, F_OK), -1);
	/* a second start finds nothing to do */
	assert_int_equal(dns_init(NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(read_all(conf), ORIGINAL);
	(void)dns_unset("pptp-a", err, sizeof(err));
}

static void
test_bad_calls(void **state)
{
	struct in_addr one[] = { a("198.51.100.53") };
	char err[256];

	assert_int_equal(dns_set("pptp-a", one, 0, 0, err, sizeof(err)), -1);
	assert_int_equal(dns_set("pptp-a", one, DNS_SERVERS_MAX + 1, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(dns_set("", one, 1, 0, err, sizeof(err)), -1);
	/* a garbled saved copy is not written over the file */
	write_all(conf, ORIGINAL);
	write_all(saved, "garbage");
	assert_int_equal(dns_init(NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "garbled"));
	assert_string_equal(read_all(conf), ORIGINAL);
	unlink(saved);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_file_two_tunnels),
		cmocka_unit_test(test_link_comes_back),
		cmocka_unit_test(test_absent_comes_back_absent),
		cmocka_unit_test(test_crash_then_start),
		cmocka_unit_test(test_bad_calls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
