/*
 * ctlload SOCKET NAME CLIENTS SECONDS [PAUSE_MS]: CLIENTS concurrent
 * pptpctl clients for SECONDS. Each is a thread running pptpctl's own
 * protocol code (pptpctl/client.c): it asks `status NAME` and `show
 * counters NAME` in turn, on a new connection each time as pptpctl does,
 * waiting PAUSE_MS (default 0) between its requests.
 *
 * Threads, not processes: in the lab (one virtual CPU) 200 shells forking
 * pptpctl measure fork and exec, not the daemon.
 *
 * Prints one line, "answered N slowest_ms M mean_ms A", and exits 0. A
 * request that is refused, garbled or unanswered in pptpctl's 10 s ends
 * the whole run with pptpctl's message and exit status: nothing is
 * counted away.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pptpctl/pptpctl.h"

#define MAX_CLIENTS	1024

static const char *sock_path, *tunnel;
static struct timespec end;
static long pause_ms;

struct worker {
	pthread_t	 thread;
	unsigned long	 answered;
	double		 slowest_ms, total_ms;
};

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* A reply must be about the tunnel asked for. */
static int
check_reply(uint16_t type, const void *payload, void *arg)
{
	char name[PC_NAME_MAX + 1];
	int *seen = arg;

	if (type == C_STATUS)
		FIELD(name, ((const struct ctl_status *)payload)->name);
	else
		FIELD(name, ((const struct ctl_counters *)payload)->name);
	if (strcmp(name, tunnel) != 0) {
		fprintf(stderr, "ctlload: a reply about \"%s\", not \"%s\"\n",
		    name, tunnel);
		exit(EX_FAILED);
	}
	(*seen)++;
	return 0;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct timespec t0, t1, nap = { pause_ms / 1000,
	    (pause_ms % 1000) * 1000000 };
	struct ctl_conn *c;
	unsigned i;
	int rc, seen;
	double ms;

	for (i = 0;; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ms_between(&t0, &end) <= 0)
			return NULL;
		seen = 0;
		c = conn_open(sock_path);
		rc = conn_request(c, i % 2 ? CTL_COUNTERS : CTL_STATUS,
		    tunnel, check_reply, &seen);
		conn_close(c);
		if (rc != EX_OK || seen != 1) {
			fprintf(stderr, "ctlload: %s %s: exit %d, %d "
			    "replies\n", i % 2 ? "show counters" : "status",
			    tunnel, rc, seen);
			exit(rc != EX_OK ? rc : EX_FAILED);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = ms_between(&t0, &t1);
		w->answered++;
		w->total_ms += ms;
		if (ms > w->slowest_ms)
			w->slowest_ms = ms;
		if (pause_ms > 0)
			nanosleep(&nap, NULL);
	}
}

int
main(int argc, char **argv)
{
	static struct worker w[MAX_CLIENTS];
	unsigned long answered = 0;
	double slowest = 0, total = 0;
	int n, secs, i;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: ctlload SOCKET NAME CLIENTS SECONDS "
		    "[PAUSE_MS]\n");
		return EX_USAGE;
	}
	sock_path = argv[1];
	tunnel = argv[2];
	n = atoi(argv[3]);
	secs = atoi(argv[4]);
	pause_ms = argc == 6 ? atol(argv[5]) : 0;
	if (n < 1 || n > MAX_CLIENTS || secs < 1 || pause_ms < 0) {
		fprintf(stderr, "ctlload: CLIENTS 1..%d, SECONDS > 0, "
		    "PAUSE_MS >= 0\n", MAX_CLIENTS);
		return EX_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	for (i = 0; i < n; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "ctlload: cannot start client %d\n", i);
			return EX_FAILED;
		}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		answered += w[i].answered;
		total += w[i].total_ms;
		if (w[i].slowest_ms > slowest)
			slowest = w[i].slowest_ms;
	}
	printf("answered %lu slowest_ms %.0f mean_ms %.1f\n", answered,
	    slowest, answered ? total / (double)answered : 0.0);
	return EX_OK;
}
