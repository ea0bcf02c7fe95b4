/*
 * The drop-in pptp's command line: pptp-linux's long options, as
 * NetworkManager-pptp and pppd peers files pass them. Pure: no I/O but
 * the --help and --version text, so the unit test calls it directly.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pptpd-client/config.h"
#include "pptpd-client/dropin.h"

enum {
	O_NOLAUNCHPPPD = 256, O_LOGLEVEL, O_LOGSTRING, O_TIMEOUT, O_NOBUFFER,
	O_IDLEWAIT, O_MAXECHOWAIT, O_LOCALBIND, O_NOHOSTROUTE, O_RTMARK,
	O_DEBUG, O_LOGSTDERR, O_HOSTROUTE, O_HELP, O_VERSION, O_UNSUPPORTED,
};

static const struct option longopts[] = {
	{ "nolaunchpppd",	no_argument,		NULL, O_NOLAUNCHPPPD },
	{ "loglevel",		required_argument,	NULL, O_LOGLEVEL },
	{ "logstring",		required_argument,	NULL, O_LOGSTRING },
	{ "timeout",		required_argument,	NULL, O_TIMEOUT },
	{ "nobuffer",		no_argument,		NULL, O_NOBUFFER },
	{ "idle-wait",		required_argument,	NULL, O_IDLEWAIT },
	{ "max-echo-wait",	required_argument,	NULL, O_MAXECHOWAIT },
	{ "localbind",		required_argument,	NULL, O_LOCALBIND },
	{ "nohostroute",	no_argument,		NULL, O_NOHOSTROUTE },
	{ "rtmark",		required_argument,	NULL, O_RTMARK },
	{ "debug",		no_argument,		NULL, O_DEBUG },
	{ "log-stderr",		no_argument,		NULL, O_LOGSTDERR },
	{ "hostroute",		no_argument,		NULL, O_HOSTROUTE },
	{ "help",		no_argument,		NULL, O_HELP },
	{ "version",		no_argument,		NULL, O_VERSION },
	/* pptp-linux's, which this drop-in does not do: said plainly */
	{ "phone",		required_argument,	NULL, O_UNSUPPORTED },
	{ "quirks",		required_argument,	NULL, O_UNSUPPORTED },
	{ "sync",		no_argument,		NULL, O_UNSUPPORTED },
	{ "test-type",		required_argument,	NULL, O_UNSUPPORTED },
	{ "test-rate",		required_argument,	NULL, O_UNSUPPORTED },
	{ NULL, 0, NULL, 0 },
};

void
dropin_usage(FILE *f)
{
	fprintf(f,
	    "usage: " DROPIN_NAME " SERVER --nolaunchpppd [options]\n"
	    "  as pppd's pty: pppd pty \"" DROPIN_NAME " SERVER --nolaunchpppd\" ...\n"
	    "options (pptp-linux's):\n"
	    "  --loglevel N        0 errors, 1 (default) information, 2 debug\n"
	    "  --logstring NAME    syslog name (default pptp)\n"
	    "  --timeout SECS      wait for reordered packets (0.01 to 10)\n"
	    "  --nobuffer          no reordering: deliver at once\n"
	    "  --idle-wait SECS    echo request after this long quiet (0: none)\n"
	    "  --max-echo-wait SECS  give up without an echo reply after this\n"
	    "  --localbind ADDR    connect from this local IPv4 address\n"
	    "  --rtmark N          routing mark (SO_MARK) on every packet\n"
	    "  --nohostroute       no host route to the server (the default)\n"
	    "  --debug             accepted; it always stays in the foreground\n"
	    "and its own:\n"
	    "  --log-stderr        log to standard error, not syslog\n"
	    "  --hostroute         a host route to the server via today's gateway\n"
	    "                      while it runs (pptp-linux's default)\n");
}

/* A number of seconds, decimals allowed, within [min, max]: ms, or -1. */
static long
seconds_ms(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* written so that NaN fails too */
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		return -1;
	return (long)(v * 1000 + 0.5);
}

/* The option as it was written, without a value after '=': "--foo". */
static void
name_of(char *dst, size_t len, const char *arg)
{
	size_t n = strcspn(arg, "=");

	snprintf(dst, len, "%.*s", n > 64 ? 64 : (int)n, arg);
}

static void
defaults(struct dropin_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->loglevel = 1;
	o->logstring = "pptp";
	o->reorder_wait_ms = PC_REORDER_WAIT_DEF;
	o->echo_interval_ms = PC_ECHO_INTERVAL_DEF * 1000;
	o->echo_timeout_ms = PC_ECHO_TIMEOUT_DEF * 1000;
	o->connect_timeout_ms = PC_CONNECT_TIMEOUT_DEF * 1000;
	o->localbind.s_addr = htonl(INADDR_ANY);
}

/* One option with its value: 0, or -1 with err set. */
static int
take(struct dropin_opts *o, int ch, const char *arg, const char *name,
    char *err, size_t errlen)
{
	char *end;
	long ms;
	unsigned long ul;

	switch (ch) {
	case O_NOLAUNCHPPPD: o->nolaunchpppd = 1; return 0;
	case O_NOBUFFER: o->reorder_wait_ms = 0; return 0;
	case O_NOHOSTROUTE: o->nohostroute = 1; return 0;
	case O_DEBUG: return 0;
	case O_LOGSTDERR: o->log_stderr = 1; return 0;
	case O_HOSTROUTE: o->hostroute = 1; return 0;
	case O_LOGSTRING:
		if (*arg == '\0')
			break;
		o->logstring = arg;
		return 0;
	case O_LOGLEVEL:
		if (strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0 &&
		    strcmp(arg, "2") != 0)
			break;
		o->loglevel = arg[0] - '0';
		return 0;
	case O_TIMEOUT:
		if ((ms = seconds_ms(arg, 0.01, 10)) == -1)
			break;
		/* the engine's reorder buffer waits at most a second */
		o->reorder_wait_ms = ms > PC_REORDER_WAIT_MAX ?
		    PC_REORDER_WAIT_MAX : (uint32_t)ms;
		return 0;
	case O_IDLEWAIT:
		if ((ms = seconds_ms(arg, 0, PC_ECHO_INTERVAL_MAX)) == -1)
			break;
		o->echo_interval_ms = (uint32_t)ms;
		return 0;
	case O_MAXECHOWAIT:
		if ((ms = seconds_ms(arg, 1, PC_ECHO_TIMEOUT_MAX)) == -1)
			break;
		o->echo_timeout_ms = (uint32_t)ms;
		return 0;
	case O_LOCALBIND:
		if (inet_pton(AF_INET, arg, &o->localbind) != 1)
			break;
		return 0;
	case O_RTMARK:
		errno = 0;
		ul = strtoul(arg, &end, 0);
		if (errno != 0 || end == arg || *end != '\0' || *arg == '-' ||
		    ul > UINT32_MAX)
			break;
		o->rtmark = (uint32_t)ul;
		return 0;
	default:
		snprintf(err, errlen, "%s: a pptp-linux option this drop-in "
		    "does not support", name);
		return -1;
	}
	snprintf(err, errlen, "%s: bad value '%s'", name, arg);
	return -1;
}

enum dropin_parse
dropin_parse_args(int argc, char *argv[], struct dropin_opts *o, char *err,
    size_t errlen, FILE *out)
{
	char name[80];
	int ch, idx;

	defaults(o);
	err[0] = '\0';
	optind = 0;		/* a fresh scan, also when called again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, &idx)) != -1) {
		switch (ch) {
		case O_HELP:
			dropin_usage(out);
			return DROPIN_EXIT_OK;
		case O_VERSION:
			fprintf(out, DROPIN_NAME ": pptp-linux's command line "
			    "in front of pptpd-client's sandboxed engine\n");
			return DROPIN_EXIT_OK;
		case ':':
			name_of(name, sizeof(name), argv[optind - 1]);
			snprintf(err, errlen, "%s: needs a value", name);
			return DROPIN_USAGE;
		case '?':
			if (optopt != 0 && optopt < 256)
				snprintf(name, sizeof(name), "-%c", optopt);
			else
				name_of(name, sizeof(name), argv[optind - 1]);
			snprintf(err, errlen, "unknown option %s", name);
			return DROPIN_USAGE;
		default:
			snprintf(name, sizeof(name), "--%s",
			    longopts[idx].name);
			if (take(o, ch, optarg, name, err, errlen) == -1)
				return DROPIN_USAGE;
		}
	}
	if (optind >= argc) {
		snprintf(err, errlen, "no server given");
		return DROPIN_USAGE;
	}
	o->server = argv[optind++];
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (pppd options "
		    "belong to pppd: this program never starts pppd)",
		    argv[optind]);
		return DROPIN_USAGE;
	}
	if (o->hostroute && o->nohostroute) {
		snprintf(err, errlen, "--hostroute and --nohostroute contradict "
		    "each other");
		return DROPIN_USAGE;
	}
	if (!o->nolaunchpppd) {
		snprintf(err, errlen, "--nolaunchpppd is required: this "
		    "program only runs as pppd's pty (pppd pty \"" DROPIN_NAME
		    " %s --nolaunchpppd\"); for tunnels of their own use "
		    "pptpd-client and pptpctl", o->server);
		return DROPIN_USAGE;
	}
	return DROPIN_RUN;
}
