/*
 * The parent's firewall work, one job at a time, off the event loop. Each
 * change runs iptables programs (privsep/parent/firewall.c), which takes
 * milliseconds on a normal host and seconds in a slow one; the parent
 * must keep answering pptpctl and moving other tunnels meanwhile. A job
 * runs in a forked child of the parent that calls the firewall module and
 * writes the result to a pipe. Jobs run strictly in order: the module
 * reads the ruleset, computes and restores, so two at once could undo
 * each other.
 */
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/parent.h"
#include "privsep/parent/firewall.h"
#include "privsep/log.h"

struct fwresult {
	int32_t		 rc;
	uint64_t	 pkts, bytes;
	char		 err[PC_ERR_MAX];
};

struct fwjob {
	TAILQ_ENTRY(fwjob) entry;
	enum fwq_op	 op;
	struct fw_tunnel ft;
	int		 keep;
	fwq_done_fn	 done;
	void		*arg;
};

static TAILQ_HEAD(, fwjob) jobs = TAILQ_HEAD_INITIALIZER(jobs);
static struct event	*ev_result;
static int		 result_fd = -1;
static pid_t		 worker = -1;
static struct fwresult	 res;
static size_t		 resoff;

static void	fwq_next(void);

static void
run_op(const struct fwjob *j, struct fwresult *r)
{
	memset(r, 0, sizeof(*r));
	switch (j->op) {
	case FWQ_UP:
		r->rc = fw_tunnel_up(&j->ft, r->err, sizeof(r->err));
		break;
	case FWQ_IFACE:
		r->rc = fw_tunnel_iface(&j->ft, r->err, sizeof(r->err));
		break;
	case FWQ_DOWN:
		r->rc = fw_tunnel_down(&j->ft, j->keep, r->err, sizeof(r->err));
		break;
	case FWQ_COUNTERS:
		r->rc = fw_counters(&j->ft, &r->pkts, &r->bytes, r->err,
		    sizeof(r->err));
		break;
	case FWQ_ZERO:
		r->rc = fw_zero_counters(&j->ft, r->err, sizeof(r->err));
		break;
	case FWQ_NOP:
		break;
	}
}

static void
finish(int rc, const char *err)
{
	struct fwjob *j = TAILQ_FIRST(&jobs);

	if (rc != 0 && err[0] == '\0')
		err = "firewall helper failed";
	TAILQ_REMOVE(&jobs, j, entry);
	if (j->done != NULL)
		j->done(rc, err, res.pkts, res.bytes, j->arg);
	free(j);
}

static int draining;

/* The worker's pipe is complete or closed: hand its result on. */
static void
worker_done(void)
{
	int status;

	if (ev_result != NULL) {
		event_free(ev_result);
		ev_result = NULL;
	}
	close(result_fd);
	result_fd = -1;
	if (worker > 0 && waitpid(worker, &status, 0) == -1 &&
	    errno != ECHILD)
		log_warn("firewall helper");
	worker = -1;
	if (resoff < sizeof(res)) {
		memset(&res, 0, sizeof(res));
		finish(-1, "firewall helper died before answering");
	} else {
		res.err[sizeof(res.err) - 1] = '\0';
		finish(res.rc, res.err);
	}
}

static void
result_cb(evutil_socket_t fd, short ev, void *arg)
{
	ssize_t n;

	n = read(fd, (char *)&res + resoff, sizeof(res) - resoff);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0 && (resoff += (size_t)n) < sizeof(res))
		return;
	worker_done();
	fwq_next();
}

static void
fwq_next(void)
{
	struct fwjob *j;
	int p[2];

	if (draining || worker != -1 || (j = TAILQ_FIRST(&jobs)) == NULL)
		return;
	if (j->op == FWQ_NOP) {
		memset(&res, 0, sizeof(res));
		finish(0, "");
		fwq_next();
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (worker = fork()) == -1) {
		log_warn("firewall helper");
		memset(&res, 0, sizeof(res));
		worker = -1;
		finish(-1, "cannot start the firewall helper");
		fwq_next();
		return;
	}
	if (worker == 0) {
		struct fwresult r;

		/* only the firewall module runs here, then we are gone */
		signal(SIGCHLD, SIG_DFL);
		close(p[0]);
		run_op(j, &r);
		(void)!write(p[1], &r, sizeof(r));
		_exit(0);
	}
	close(p[1]);
	result_fd = p[0];
	resoff = 0;
	ev_result = event_new(evbase, result_fd, EV_READ | EV_PERSIST,
	    result_cb, NULL);
	event_add(ev_result, NULL);
}

int
fwq_submit(enum fwq_op op, const struct fw_tunnel *ft, int keep,
    fwq_done_fn done, void *arg)
{
	struct fwjob *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->op = op;
	if (ft != NULL)
		j->ft = *ft;
	j->keep = keep;
	j->done = done;
	j->arg = arg;
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	fwq_next();
	return 0;
}

int
fwq_busy(void)
{
	return !TAILQ_EMPTY(&jobs);
}

/* Exiting: run what is queued here and now, callbacks included. */
void
fwq_drain(void)
{
	struct fwjob *j;
	ssize_t n;

	draining = 1;
	if (worker > 0) {
		/* the running job's result must not be lost */
		while (resoff < sizeof(res)) {
			n = read(result_fd, (char *)&res + resoff,
			    sizeof(res) - resoff);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			resoff += (size_t)n;
		}
		worker_done();
	}
	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		run_op(j, &res);
		finish(res.rc, res.err);
	}
	draining = 0;
}
