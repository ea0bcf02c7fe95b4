/*
 * privsep/log.c as the parent uses it on what its children send: a child
 * may be compromised, so its lines are escaped (no forged line after a
 * newline), prefixed with its name, and its priority clamped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "privsep/log.h"

/* What log_child wrote to stderr (the parent in the foreground). */
static char *
capture_child(const char *child, int priority, const char *line)
{
	static char out[8192];
	FILE *f = tmpfile();
	int save = dup(2);
	size_t n;

	assert_non_null(f);
	dup2(fileno(f), 2);
	log_child(child, priority, line);
	fflush(stderr);
	dup2(save, 2);
	close(save);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
test_vis(void **state)
{
	char buf[64];

	log_vis(buf, sizeof(buf), "a\nb\tc\033[2J\302\233x\377");
	assert_string_equal(buf, "a\\nb\\tc\\033[2J\\302\\233x\\377");
	log_vis(buf, sizeof(buf), "plain text: 1-2_3 (ok)");
	assert_string_equal(buf, "plain text: 1-2_3 (ok)");
	/* truncation keeps it terminated */
	log_vis(buf, 5, "\n\n\n\n");
	assert_true(strlen(buf) < 5);
}

static void
test_child_line_escaped_and_named(void **state)
{
	const char *out;

	out = capture_child("engine", LOG_WARNING,
	    "engine: tunnel lab: x\nparent: tunnel lab: connecting -> up");
	assert_string_equal(out, "engine: tunnel lab: x\\nparent: tunnel "
	    "lab: connecting -> up\n");
	/* a line that does not name its sender gets the sender's name */
	out = capture_child("control", LOG_INFO, "parent: started");
	assert_string_equal(out, "control: parent: started\n");
	out = capture_child("engine", LOG_INFO, "engineX: no");
	assert_string_equal(out, "engine: engineX: no\n");
}

static void
test_child_priority_clamped(void **state)
{
	assert_int_equal(log_child_priority(LOG_AUTH | LOG_EMERG), LOG_CRIT);
	assert_int_equal(log_child_priority(LOG_ALERT), LOG_CRIT);
	assert_int_equal(log_child_priority(LOG_LOCAL7 | LOG_DEBUG),
	    LOG_DEBUG);
	assert_int_equal(log_child_priority(LOG_WARNING), LOG_WARNING);
	assert_int_equal(log_child_priority(-1), LOG_DEBUG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vis),
		cmocka_unit_test(test_child_line_escaped_and_named),
		cmocka_unit_test(test_child_priority_clamped),
	};

	log_init(1, 0, "test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
