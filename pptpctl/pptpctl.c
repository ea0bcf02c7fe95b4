/*
 * pptpctl [-j] [-s socket] command: start, stop and query the tunnels of
 * pptpd-client through its control socket. The exit status is a contract
 * with scripts: 0 success, 1 the operation failed, 2 usage, 3 the daemon is
 * not reachable or refused us.
 */
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pptpctl/pptpctl.h"

#define WAIT_MAX	86400		/* -w: a day is plenty */

static const char *sockpath = DEFAULT_SOCKET;
static volatile int stop_flag;

static void __attribute__((noreturn))
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "pptpctl: %s\n", why);
	fprintf(stderr,
	    "usage: pptpctl [-j] [-s socket] command\n"
	    "commands: up [-w seconds] [name ...] | down [name ...] |"
	    " status [name] |\n"
	    "          show counters [-v] [-o text|json|prometheus] [name] |\n"
	    "          clear counters [name] | reload | monitor | check [name]\n");
	exit(EX_USAGE);
}

static void
check_name(const char *name)
{
	char why[128];

	if (*name == '\0')
		usage("empty tunnel name");
	if (strlen(name) >= PC_NAME_MAX) {
		snprintf(why, sizeof(why), "tunnel name too long (at most %d "
		    "characters)", PC_NAME_MAX - 1);
		usage(why);
	}
}

/* Commands that take at most one name: argv holds what follows them. */
static const char *
opt_name(int argc, char **argv, const char *cmd)
{
	char why[128];

	if (argc > 1) {
		snprintf(why, sizeof(why), "%s: too many arguments", cmd);
		usage(why);
	}
	if (argc == 0)
		return "";
	check_name(argv[0]);
	return argv[0];
}

static void
no_args(int argc, const char *cmd)
{
	char why[128];

	if (argc > 0) {
		snprintf(why, sizeof(why), "%s: too many arguments", cmd);
		usage(why);
	}
}

static int
status_cb(uint16_t type, const void *p, void *arg)
{
	int *n = arg;

	(*n)++;
	out_status(p);
	return 0;
}

static int
counters_cb(uint16_t type, const void *p, void *arg)
{
	int *n = arg;

	(*n)++;
	out_counters(p);
	return 0;
}

static int
counters_state_cb(uint16_t type, const void *p, void *arg)
{
	out_counters_state(p);
	return 0;
}

static int
cmd_status(struct ctl_conn *c, const char *name)
{
	int n = 0, r;

	out_status_begin();
	if ((r = conn_request(c, CTL_STATUS, name, status_cb, &n)) != EX_OK)
		return r;
	out_status_end();
	if (n == 0 && !json_output)
		warnx("no tunnels configured");
	return EX_OK;
}

/* The short text and Prometheus also say whether each tunnel is up. */
static int
cmd_counters(struct ctl_conn *c, const char *name, enum counters_format f)
{
	int n = 0, r;

	out_counters_begin(f);
	if ((f == CF_TEXT || f == CF_PROMETHEUS) && (r = conn_request(c,
	    CTL_STATUS, name, counters_state_cb, NULL)) != EX_OK)
		return r;
	if ((r = conn_request(c, CTL_COUNTERS, name, counters_cb, &n)) !=
	    EX_OK)
		return r;
	out_counters_end();
	if (n == 0 && !json_output)
		warnx("no tunnels configured");
	return EX_OK;
}

/* Apply cmd to every name (or to every tunnel if none); the worst result. */
static int
cmd_each(struct ctl_conn *c, uint32_t cmd, int argc, char **argv, int *ok)
{
	int i, r, worst = EX_OK;

	if (argc == 0) {
		r = conn_request(c, cmd, "", NULL, NULL);
		if (ok != NULL)
			ok[0] = r == EX_OK;
		return r;
	}
	for (i = 0; i < argc; i++) {
		r = conn_request(c, cmd, argv[i], NULL, NULL);
		if (ok != NULL)
			ok[i] = r == EX_OK;
		if (r == EX_UNREACH)
			return r;	/* the rest would be refused alike */
		if (r != EX_OK)
			worst = r;
	}
	return worst;
}

/* What `up -w` waits for. */
struct waiter {
	int			 all;	/* no names given: every tunnel */
	int			 n;
	struct wait_slot {
		char		 name[PC_NAME_MAX + 1];
		int		 seen;
		struct ctl_status st;
	}			*slot;
};

static struct wait_slot *
wait_find(struct waiter *w, const char *name)
{
	struct wait_slot *s;
	int i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->slot[i].name, name) == 0)
			return &w->slot[i];
	if (!w->all)
		return NULL;
	if ((s = reallocarray(w->slot, w->n + 1, sizeof(*s))) == NULL)
		err(EX_FAILED, NULL);
	w->slot = s;
	s = &w->slot[w->n++];
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	return s;
}

static int
wait_done(const struct waiter *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (!w->slot[i].seen || (w->slot[i].st.state != TS_UP &&
		    w->slot[i].st.state != TS_FAILED))
			return 0;
	return 1;
}

static int
wait_cb(uint16_t type, const void *p, void *arg)
{
	const struct ctl_status *st = p;
	struct waiter *w = arg;
	struct wait_slot *s;
	char name[PC_NAME_MAX + 1];

	FIELD(name, st->name);
	if ((s = wait_find(w, name)) == NULL)
		return 0;
	s->st = *st;
	s->seen = 1;
	/* the snapshot ends with C_END; stop early only on events */
	return type == C_EVENT && wait_done(w);
}

static int
wait_report(const struct waiter *w, int timeout)
{
	const struct wait_slot *s;
	char err_[PC_ERR_MAX + 1], ifname[17], name[PC_NAME_MAX + 1];
	char local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN];
	int i, r = EX_OK;

	if (json_output)
		out_status_begin();
	for (i = 0; i < w->n; i++) {
		s = &w->slot[i];
		strlcpy(name, s->name, sizeof(name));
		printable(name);
		if (!s->seen) {
			warnx("%s: not reported by the daemon", name);
			r = EX_FAILED;
			continue;
		}
		if (s->st.state != TS_UP)
			r = EX_FAILED;
		if (json_output) {
			out_status(&s->st);
			continue;
		}
		FIELD(err_, s->st.last_error);
		FIELD(ifname, s->st.ifname);
		printable(err_);
		printable(ifname);
		if (s->st.state == TS_UP) {
			inet_ntop(AF_INET, &s->st.local, local, sizeof(local));
			inet_ntop(AF_INET, &s->st.remote, remote,
			    sizeof(remote));
			printf("%s: up (%s %s -> %s)\n", name,
			    ifname[0] ? ifname : "?", local, remote);
		} else if (s->st.state == TS_FAILED)
			printf("%s: failed%s%s\n", name, err_[0] ? ": " : "",
			    err_);
		else
			printf("%s: %s, not up after %d s%s%s\n", name,
			    tunnel_state_name(s->st.state), timeout,
			    err_[0] ? "; last error: " : "", err_);
	}
	if (json_output)
		out_status_end();
	return r;
}

/* Parse "show counters [-v] [-o format] [name]"; argv[0] is "counters". */
static const char *
counters_options(int argc, char **argv, enum counters_format *f)
{
	char why[128];
	int ch;

	*f = json_output ? CF_JSON : CF_TEXT;
	optind = 0;	/* glibc: start afresh on the sub-command's argv */
	while ((ch = getopt(argc, argv, "+o:v")) != -1) {
		switch (ch) {
		case 'v':
			if (*f == CF_TEXT)
				*f = CF_VERBOSE;
			break;
		case 'o':
			if (strcmp(optarg, "text") == 0)
				*f = CF_TEXT;
			else if (strcmp(optarg, "json") == 0)
				*f = CF_JSON;
			else if (strcmp(optarg, "prometheus") == 0)
				*f = CF_PROMETHEUS;
			else {
				snprintf(why, sizeof(why), "show counters -o "
				    "%s: not text, json or prometheus", optarg);
				usage(why);
			}
			break;
		default:
			usage("usage: show counters [-v] [-o text|json|"
			    "prometheus] [name]");
		}
	}
	return opt_name(argc - optind, argv + optind, "show counters");
}

/* Parse "up [-w seconds] [name ...]"; returns the index of the first name. */
static int
up_options(int argc, char **argv, int *timeout)
{
	const char *errstr;
	char why[128];
	int ch, i;

	*timeout = -1;
	optind = 0;	/* glibc: start afresh on the sub-command's argv */
	while ((ch = getopt(argc, argv, "w:")) != -1) {
		switch (ch) {
		case 'w':
			*timeout = (int)strtonum(optarg, 1, WAIT_MAX, &errstr);
			if (errstr != NULL) {
				snprintf(why, sizeof(why), "-w %s: %s (1..%d "
				    "seconds)", optarg, errstr, WAIT_MAX);
				usage(why);
			}
			break;
		default:
			usage(NULL);
		}
	}
	for (i = optind; i < argc; i++)
		check_name(argv[i]);
	return optind;
}

static int
cmd_up(struct ctl_conn *c, int argc, char **argv, int timeout)
{
	struct waiter w;
	struct timespec deadline;
	int i, r, r2, *ok;

	if ((ok = calloc(argc + 1, sizeof(*ok))) == NULL)
		err(EX_FAILED, NULL);
	r = cmd_each(c, CTL_UP, argc, argv, ok);
	if (timeout < 0 || r == EX_UNREACH) {
		free(ok);
		return r;
	}

	memset(&w, 0, sizeof(w));
	w.all = argc == 0;
	for (i = 0; i < argc; i++) {
		/* a name the daemon refused has nothing to wait for */
		if (!ok[i])
			continue;
		w.all = 1;
		wait_find(&w, argv[i]);
		w.all = 0;
	}
	free(ok);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	if ((r2 = conn_request(c, CTL_MONITOR, "", wait_cb, &w)) != EX_OK)
		return r2;
	if (!wait_done(&w) && w.n > 0)
		conn_events(c, &deadline, NULL, wait_cb, &w);
	r2 = wait_report(&w, timeout);
	free(w.slot);
	return r != EX_OK ? r : r2;
}

static int
event_cb(uint16_t type, const void *p, void *arg)
{
	out_event(p, type == C_STATUS);
	return 0;
}

static void
on_signal(int sig)
{
	stop_flag = 1;
}

static int
cmd_monitor(struct ctl_conn *c)
{
	struct sigaction sa;
	sigset_t block;
	int r;

	if ((r = conn_request(c, CTL_MONITOR, "", event_cb, NULL)) != EX_OK)
		return r;
	/* from here on an interrupt is the normal end; conn_events lets
	   the blocked signals in only while it waits */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the wait must end */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return conn_events(c, NULL, &stop_flag, event_cb, NULL);
}

/* Usage errors are found before connecting, so they never reach the daemon. */
static int
run(int argc, char **argv)
{
	struct ctl_conn *c;
	const char *cmd = argv[0], *name = "";
	enum counters_format format = CF_TEXT;
	int r, first = 0, timeout = -1;

	argc--;
	argv++;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "check") == 0)
		name = opt_name(argc, argv, cmd);
	else if (strcmp(cmd, "show") == 0 || strcmp(cmd, "clear") == 0) {
		if (argc == 0 || strcmp(argv[0], "counters") != 0)
			usage(strcmp(cmd, "show") == 0 ? "usage: show counters "
			    "[-v] [-o text|json|prometheus] [name]" :
			    "usage: clear counters [name]");
		if (strcmp(cmd, "show") == 0)
			name = counters_options(argc, argv, &format);
		else
			name = opt_name(argc - 1, argv + 1, cmd);
	} else if (strcmp(cmd, "down") == 0) {
		for (r = 0; r < argc; r++)
			check_name(argv[r]);
	} else if (strcmp(cmd, "reload") == 0 || strcmp(cmd, "monitor") == 0)
		no_args(argc, cmd);
	else if (strcmp(cmd, "up") != 0) {
		char why[128];

		snprintf(why, sizeof(why), "unknown command: %s", cmd);
		usage(why);
	}

	if (strcmp(cmd, "up") == 0)
		first = up_options(argc + 1, argv - 1, &timeout);

	if (strcmp(cmd, "check") == 0)
		return cmd_check(sockpath, name);
	c = conn_open(sockpath);
	if (strcmp(cmd, "up") == 0)
		r = cmd_up(c, argc + 1 - first, argv - 1 + first, timeout);
	else if (strcmp(cmd, "status") == 0)
		r = cmd_status(c, name);
	else if (strcmp(cmd, "show") == 0)
		r = cmd_counters(c, name, format);
	else if (strcmp(cmd, "clear") == 0)
		r = conn_request(c, CTL_CLEAR, name, NULL, NULL);
	else if (strcmp(cmd, "down") == 0)
		r = cmd_each(c, CTL_DOWN, argc, argv, NULL);
	else if (strcmp(cmd, "reload") == 0)
		r = conn_request(c, CTL_RELOAD, "", NULL, NULL);
	else
		r = cmd_monitor(c);
	conn_close(c);
	return r;
}

int
main(int argc, char **argv)
{
	int ch, r;

	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			json_output = 1;
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage("no command given");
	r = run(argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_FAILED, "stdout");
	return r;
}
