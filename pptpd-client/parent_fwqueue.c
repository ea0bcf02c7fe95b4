/*
 * The parent's firewall work, one job at a time, off the event loop. With
 * the iptables backend each change runs iptables programs
 * (privsep/parent/firewall.c), which takes milliseconds on a normal host
 * and seconds in a slow one; the parent must keep answering pptpctl and
 * moving other tunnels meanwhile. Such a job runs in a forked child of
 * the parent that calls the firewall module and writes the result to a
 * pipe. The nftables backend works in-process through libnftables in
 * about a millisecond: its jobs run here and now, and cost no process.
 * Jobs run strictly one at a time: the module reads the ruleset, computes
 * and writes, so two at once could undo each other.
 *
 * Anyone who may read counters can ask for firewall work, so it is kept
 * bounded and it never stands in the way of a tunnel's own changes:
 * changes (a tunnel's rules in, its interface, its rules out) run before
 * any read or counter reset, in their order; reads are bounded in number,
 * and a request that a queued job already covers joins it (one pending
 * reset per tunnel, one pending counters read per tunnel for everyone
 * who asks meanwhile).
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

#define FWQ_READS_MAX	128	/* queued reads and resets, at most */
#define FWQ_WAITERS_MAX	64	/* requests one read answers, at most */

/*
 * A counters read runs the firewall programs, and anyone may ask for
 * counters: a read younger than this answers the requests that follow
 * it, so a crowd of readers costs one read per tunnel per second. Any
 * change or reset since the read started makes it stale.
 */
#define FWQ_FRESH_MS	1000
#define FWQ_CACHED	64

static struct fwcached {
	char		 name[FW_TUNNEL_NAME_MAX];
	struct timespec	 at;		/* when its read started */
	uint64_t	 pkts, bytes;
	unsigned	 epoch;
}		 cached[FWQ_CACHED];
static unsigned	 epoch = 1;	/* grows with every change or reset */

struct fwwaiter {
	fwq_done_fn	 done;
	void		*arg;
};

struct fwjob {
	TAILQ_ENTRY(fwjob) entry;
	enum fwq_op	 op;
	struct fw_tunnel ft;
	int		 keep;
	struct timespec	 started;
	unsigned	 epoch;		/* when it started */
	struct fwwaiter	 w[FWQ_WAITERS_MAX];
	int		 nw;
};
TAILQ_HEAD(fwjobs, fwjob);

static struct fwjobs	 changes = TAILQ_HEAD_INITIALIZER(changes);
static struct fwjobs	 reads = TAILQ_HEAD_INITIALIZER(reads);
static int		 nreads;
static struct fwjob	*running;
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
		/* success with words: the host's ruleset is in the way */
		if (r->rc == 0)
			fw_check_host(&j->ft, r->err, sizeof(r->err));
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
	case FWQ_READS_DONE:
		break;
	}
}

static int64_t
ms_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - then->tv_sec) * 1000 +
	    (now.tv_nsec - then->tv_nsec) / 1000000;
}

static struct fwcached *
cache_find(const char *name)
{
	size_t i;

	for (i = 0; i < FWQ_CACHED; i++)
		if (strcmp(cached[i].name, name) == 0)
			return &cached[i];
	return NULL;
}

/* A good read that no change overtook is kept, in the oldest slot if new. */
static void
cache_store(const struct fwjob *j)
{
	struct fwcached *c;
	size_t i;

	if (j->op != FWQ_COUNTERS || j->epoch != epoch)
		return;
	if ((c = cache_find(j->ft.name)) == NULL)
		for (c = &cached[0], i = 1; i < FWQ_CACHED; i++)
			if (cached[i].at.tv_sec < c->at.tv_sec ||
			    (cached[i].at.tv_sec == c->at.tv_sec &&
			    cached[i].at.tv_nsec < c->at.tv_nsec))
				c = &cached[i];
	strlcpy(c->name, j->ft.name, sizeof(c->name));
	c->at = j->started;
	c->pkts = res.pkts;
	c->bytes = res.bytes;
	c->epoch = j->epoch;
}

static const struct fwcached *
cache_fresh(const char *name)
{
	const struct fwcached *c = cache_find(name);

	if (c == NULL || c->epoch != epoch || ms_since(&c->at) >= FWQ_FRESH_MS)
		return NULL;
	return c;
}

/* The running job is done: everyone it answers hears, in order. */
static void
finish(int rc, const char *err)
{
	struct fwjob *j = running;
	int i;

	running = NULL;
	if (rc == 0)
		cache_store(j);
	if (rc != 0 && err[0] == '\0')
		err = "firewall helper failed";
	for (i = 0; i < j->nw; i++)
		if (j->w[i].done != NULL)
			j->w[i].done(rc, err, res.pkts, res.bytes, j->w[i].arg);
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

/* The next job to run: the oldest change, else the oldest read. */
static struct fwjob *
take_next(void)
{
	struct fwjob *j;

	if ((j = TAILQ_FIRST(&changes)) != NULL)
		TAILQ_REMOVE(&changes, j, entry);
	else if ((j = TAILQ_FIRST(&reads)) != NULL) {
		TAILQ_REMOVE(&reads, j, entry);
		nreads--;
	}
	return j;
}

static void
fwq_next(void)
{
	struct fwjob *j;
	int p[2] = { -1, -1 };

	if (draining || running != NULL || (j = take_next()) == NULL)
		return;
	running = j;
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	j->epoch = epoch;
	if (j->op == FWQ_NOP || j->op == FWQ_READS_DONE) {
		memset(&res, 0, sizeof(res));
		finish(0, "");
		fwq_next();
		return;
	}
	if (fw_in_process()) {
		run_op(j, &res);
		finish(res.rc, res.err);
		fwq_next();
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (worker = fork()) == -1) {
		log_warn("firewall helper");
		if (p[0] >= 0) {
			close(p[0]);
			close(p[1]);
		}
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

static int
is_read(enum fwq_op op)
{
	return op == FWQ_COUNTERS || op == FWQ_ZERO || op == FWQ_READS_DONE;
}

/*
 * A queued read or reset that this request can join: the latest one of
 * the same tunnel, if it is of the same kind (a reset after a read must
 * stay after it). A barrier joins a barrier at the end of the queue: it
 * comes after the same reads, so many clients' counters requests cost
 * one slot, not one each.
 */
static struct fwjob *
joinable(enum fwq_op op, const struct fw_tunnel *ft)
{
	struct fwjob *j;

	if (op == FWQ_READS_DONE) {
		j = TAILQ_LAST(&reads, fwjobs);
		return j != NULL && j->op == op && j->nw < FWQ_WAITERS_MAX ? j :
		    NULL;
	}
	if (op != FWQ_COUNTERS && op != FWQ_ZERO)
		return NULL;
	TAILQ_FOREACH_REVERSE(j, &reads, fwjobs, entry) {
		if (j->op == FWQ_READS_DONE || strcmp(j->ft.name, ft->name))
			continue;
		/* a reset is one however many ask: it takes no more room */
		return j->op == op && (j->nw < FWQ_WAITERS_MAX ||
		    op == FWQ_ZERO) ? j : NULL;
	}
	return NULL;
}

/*
 * Queues a job; done(arg) is called when it has run (perhaps at once, for
 * a barrier with nothing before it, or a counters read a fresh one
 * answers), except for a reset that joins one already told as many as
 * it can tell. -1: out of memory, or too many reads
 * waiting already (the caller answers without the firewall's part).
 */
int
fwq_submit(enum fwq_op op, const struct fw_tunnel *ft, int keep,
    fwq_done_fn done, void *arg)
{
	struct fwjob *j;
	const struct fwcached *c;

	if (op != FWQ_COUNTERS && op != FWQ_READS_DONE && op != FWQ_NOP)
		epoch++;
	if (op == FWQ_COUNTERS && ft != NULL &&
	    (c = cache_fresh(ft->name)) != NULL) {
		done(0, "", c->pkts, c->bytes, arg);
		return 0;
	}
	if ((ft != NULL || op == FWQ_READS_DONE) &&
	    (j = joinable(op, ft)) != NULL) {
		if (j->nw < FWQ_WAITERS_MAX)
			j->w[j->nw++] = (struct fwwaiter){ done, arg };
		return 0;
	}
	if (is_read(op) && nreads >= FWQ_READS_MAX)
		return -1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->op = op;
	if (ft != NULL)
		j->ft = *ft;
	j->keep = keep;
	j->w[0] = (struct fwwaiter){ done, arg };
	j->nw = 1;
	if (is_read(op)) {
		TAILQ_INSERT_TAIL(&reads, j, entry);
		nreads++;
	} else
		TAILQ_INSERT_TAIL(&changes, j, entry);
	fwq_next();
	return 0;
}

int
fwq_busy(void)
{
	return running != NULL || !TAILQ_EMPTY(&changes) ||
	    !TAILQ_EMPTY(&reads);
}

/* Exiting: run what is queued here and now, callbacks included. */
void
fwq_drain(void)
{
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
	while ((running = take_next()) != NULL) {
		run_op(running, &res);
		finish(res.rc, res.err);
	}
	draining = 0;
}
