/*
 * The children's sandbox (privsep/sandbox.c) as a compromised engine or
 * control process meets it: each case forks, enters the sandbox as the
 * daemon's children do (as root: chroot and the user change need it),
 * tries one thing and reports by how it ended: exit 0 if it was allowed,
 * killed by SIGSYS if the filter refused it.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "privsep/sandbox.h"

#define NOBODY	65534

enum attempt { MAP_DATA, MAP_EXEC, SEND_CONNECTED, SEND_ELSEWHERE, OPEN_FILE };

static void
attempt(enum attempt a, int fd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	void *p;

	switch (a) {
	case MAP_DATA:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(p == MAP_FAILED);
	case MAP_EXEC:
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(p == MAP_FAILED ? 2 : 0);
	case SEND_CONNECTED:
		_exit(send(fd, "x", 1, 0) != 1);
	case SEND_ELSEWHERE:
		strlcpy(sun.sun_path, "/elsewhere", sizeof(sun.sun_path));
		(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&sun,
		    sizeof(sun));
		_exit(0);
	case OPEN_FILE:
		(void)open("/etc/passwd", O_RDONLY);
		_exit(0);
	}
	_exit(3);
}

/* How the attempt ended, in the sandbox of the given kind. */
static int
run(enum sandbox_kind kind, enum attempt a)
{
	int sp[2], status;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	assert_int_equal(sandbox_prepare_dir(), 0);
	if ((pid = fork()) == 0) {
		sandbox_enter(kind, NOBODY, NOBODY, 0);
		attempt(a, sp[0]);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(sp[0]);
	close(sp[1]);
	return status;
}

static void
assert_allowed(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
assert_refused(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
test_root(void **state)
{
	/* not a skip: without root the sandbox cannot be entered at all */
	if (geteuid() != 0)
		fail_msg("must run as root (chroot and setresuid)");
}

static void
test_memory_never_executable(void **state)
{
	assert_allowed(run(SANDBOX_ENGINE, MAP_DATA));
	assert_refused(run(SANDBOX_ENGINE, MAP_EXEC));
	assert_refused(run(SANDBOX_CONTROL, MAP_EXEC));
}

static void
test_send_only_where_connected(void **state)
{
	assert_allowed(run(SANDBOX_ENGINE, SEND_CONNECTED));
	assert_refused(run(SANDBOX_ENGINE, SEND_ELSEWHERE));
	assert_refused(run(SANDBOX_CONTROL, SEND_ELSEWHERE));
}

static void
test_no_files(void **state)
{
	assert_refused(run(SANDBOX_ENGINE, OPEN_FILE));
	assert_refused(run(SANDBOX_CONTROL, OPEN_FILE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_memory_never_executable),
		cmocka_unit_test(test_send_only_where_connected),
		cmocka_unit_test(test_no_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
