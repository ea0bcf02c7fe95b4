/*
 * Running programs for the parent (the firewall's iptables tools, the
 * resolver's resolvconf or resolvectl): fork and execve, no shell, a
 * fixed environment, input on a pipe, output collected, and a wait for
 * the exit status. Synchronous on purpose: the programs take
 * milliseconds, and the parent must know a rule is in place before it
 * connects. See tool.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/tool.h"

#define OUT_MAX		(64u << 20)	/* a ruleset larger than this: refuse */
#define RUN_TIMEOUT_MS	30000

static const char	*tool_dir;

void
tool_set_dir(const char *dir)
{
	tool_dir = dir;
}

/* ---- running the programs ------------------------------------------------ */

int
tool_find(const char *name, char *path, size_t pathlen)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin",
	    "/bin" };
	size_t	 i;

	if (tool_dir != NULL) {
		snprintf(path, pathlen, "%s/%s", tool_dir, name);
		return access(path, X_OK);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, pathlen, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return 0;
	}
	return -1;
}

static void
child(const char *path, char *const argv[], int in, int out, int errfd)
{
	static char *const env[] = {
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	sigset_t	 none;

	/* the parent's event loop may block signals; the program must not
	 * inherit that */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(errfd, 2) == -1)
		_exit(127);
	close_range(3, ~0U, 0);
	execve(path, argv, env);
	dprintf(2, "%s: %s", path, strerror(errno));
	_exit(127);
}

struct outbuf {
	char	*p;
	size_t	 len, cap;
};

static int
outbuf_read(int fd, struct outbuf *b, size_t max)
{
	char	 tmp[65536];
	ssize_t	 n;

	n = read(fd, tmp, sizeof(tmp));
	if (n <= 0)
		return n == -1 && errno == EINTR ? 1 : 0;
	if (b->len + n + 1 > max)
		return 1;		/* keep reading, drop the excess */
	if (b->len + n + 1 > b->cap) {
		size_t	 cap = b->cap ? b->cap : 65536;
		char	*p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return 1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, tmp, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 1;
}

static int
msec_since(const struct timespec *t0)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

int
tool_run(const char *path, char *const argv[], const char *input, char **out,
    char *err, size_t errlen)
{
	int		 pin[2], pout[2], perr[2], status, rc = -1;
	struct outbuf	 ob = { 0 }, eb = { 0 };
	size_t		 inlen = input ? strlen(input) : 0, inoff = 0;
	struct timespec	 t0;
	pid_t		 pid;

	if (out != NULL)
		*out = NULL;
	/* a socket, not a pipe, for the input: send() with MSG_NOSIGNAL
	 * cannot raise SIGPIPE in the parent if the program quits early */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pin) == -1)
		return err_set(err, errlen, "socketpair: %s", strerror(errno));
	if (pipe2(pout, O_CLOEXEC) == -1) {
		close(pin[0]);
		close(pin[1]);
		return err_set(err, errlen, "pipe: %s", strerror(errno));
	}
	if (pipe2(perr, O_CLOEXEC) == -1) {
		close(pin[0]); close(pin[1]); close(pout[0]); close(pout[1]);
		return err_set(err, errlen, "pipe: %s", strerror(errno));
	}
	if ((pid = fork()) == -1) {
		close(pin[0]); close(pin[1]); close(pout[0]); close(pout[1]);
		close(perr[0]); close(perr[1]);
		return err_set(err, errlen, "fork: %s", strerror(errno));
	}
	if (pid == 0)
		child(path, argv, pin[0], pout[1], perr[1]);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (inlen == 0) {
		close(pin[1]);
		pin[1] = -1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pout[0] != -1 || perr[0] != -1) {
		struct pollfd	 pfd[3] = {
		    { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 },
		    { pin[1], POLLOUT, 0 } };
		int		 left = RUN_TIMEOUT_MS - msec_since(&t0);

		if (left <= 0 || poll(pfd, 3, left) == 0) {
			kill(pid, SIGKILL);
			snprintf(err, errlen, "%s: timed out", argv[0]);
			break;
		}
		if (pfd[0].revents && !outbuf_read(pout[0], &ob, OUT_MAX)) {
			close(pout[0]);
			pout[0] = -1;
		}
		if (pfd[1].revents && !outbuf_read(perr[0], &eb, 4096)) {
			close(perr[0]);
			perr[0] = -1;
		}
		if (pfd[2].revents) {
			ssize_t n = send(pin[1], input + inoff, inlen - inoff,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				inoff += n;
			if ((n == -1 && errno != EAGAIN && errno != EINTR) ||
			    inoff == inlen) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
	}
	if (pin[1] != -1)
		close(pin[1]);
	if (pout[0] != -1)
		close(pout[0]);
	if (perr[0] != -1)
		close(perr[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			err_set(err, errlen, "waitpid: %s", strerror(errno));
			goto done;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		if (out != NULL) {
			*out = ob.p ? ob.p : strdup("");
			ob.p = NULL;
			if (*out == NULL)
				rc = err_set(err, errlen, "out of memory");
		}
	} else if (eb.len > 0) {
		/* one line of it: the program's own words */
		eb.p[strcspn(eb.p, "\n")] = '\0';
		err_set(err, errlen, "%s: %s", argv[0], eb.p);
	} else if (WIFEXITED(status))
		err_set(err, errlen, "%s: exit %d", argv[0], WEXITSTATUS(status));
	else
		err_set(err, errlen, "%s: killed by signal %d", argv[0],
		    WTERMSIG(status));
 done:
	free(ob.p);
	free(eb.p);
	return rc;
}

