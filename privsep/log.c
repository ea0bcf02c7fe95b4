/*
 * See log.h; runs in all three processes. Process-wide state is unavoidable here: logging is called from
 * everywhere, including signal-free fatal paths.
 */
#define LIBBSD_OPENBSD_VIS	/* vis.h's choice of strnvis: not used */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "privsep/imsg.h"
#include "privsep/log.h"
#include "privsep/msg.h"

static int		 log_foreground = 1;
static int		 log_verbose;
static const char	*log_proc = "pptpd-client";
static struct msgbuf	*log_parent;

void
log_init(int foreground, int verbose, const char *procname)
{
	log_foreground = foreground;
	log_verbose = verbose;
	log_proc = procname;
	if (!foreground)
		openlog("pptpd-client", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_procname(const char *name)
{
	log_proc = name;
}

/* A child's lines go to the parent; the syslog socket it may have opened
   before the sandbox is of no use to it and is closed. */
void
log_to_parent(struct msgbuf *mb)
{
	log_parent = mb;
	closelog();
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_emit(int priority, const char *line)
{
	if (priority == LOG_DEBUG && log_verbose < 1)
		return;
	if (log_foreground) {
		/* with -v, times to the millisecond: where did the second go */
		if (log_verbose > 0) {
			struct timespec ts;
			struct tm tm;

			clock_gettime(CLOCK_REALTIME, &ts);
			localtime_r(&ts.tv_sec, &tm);
			fprintf(stderr, "%02d:%02d:%02d.%03ld ", tm.tm_hour,
			    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
		}
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	} else
		syslog(priority, "%s", line);
}

void
log_vis(char *dst, size_t dstlen, const char *src)
{
	char *v;

	if (dstlen == 0)
		return;
	/* not strnvis: libbsd's writes one byte past dstlen when it fills
	   it. Truncating may leave half an escape, which stays harmless. */
	if (stravis(&v, src, VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL |
	    VIS_NOLOCALE) == -1) {
		strlcpy(dst, "(unprintable)", dstlen);
		return;
	}
	strlcpy(dst, v, dstlen);
	free(v);
}

/* No facility of the child's choosing; fatal() is the most it has to say. */
int
log_child_priority(int priority)
{
	priority &= LOG_PRIMASK;
	return priority < LOG_CRIT ? LOG_CRIT : priority;
}

void
log_child(const char *child, int priority, const char *line)
{
	char safe[4 * 1024 + 64], out[sizeof(safe) + 32];
	size_t n = strlen(child);

	priority = log_child_priority(priority);
	log_vis(safe, sizeof(safe), line);
	if (strncmp(safe, child, n) == 0 && safe[n] == ':')
		log_emit(priority, safe);
	else {
		snprintf(out, sizeof(out), "%s: %s", child, safe);
		log_emit(priority, out);
	}
}

static void
vlog(int priority, const char *fmt, va_list ap, const char *errstr)
{
	struct m_log m;
	char msg[900];
	int n;

	if (priority == LOG_DEBUG && log_verbose < 1)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	memset(&m, 0, sizeof(m));
	m.priority = priority;
	if (errstr != NULL)
		n = snprintf(m.line, sizeof(m.line), "%s: %s: %s", log_proc,
		    msg, errstr);
	else
		n = snprintf(m.line, sizeof(m.line), "%s: %s", log_proc, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(m.line))
		n = sizeof(m.line) - 1;
	if (log_parent != NULL) {
		/* only the used part of the line travels */
		if (msg_compose(log_parent, M_LOG, 0, 0, -1, &m,
		    offsetof(struct m_log, line) + (size_t)n + 1) == 0 &&
		    msgbuf_write(log_parent) != -1)
			return;
		/* the parent is gone: stderr is all that is left */
		fprintf(stderr, "%s\n", m.line);
		return;
	}
	log_emit(priority, m.line);
}

#define LOGFN(fn, pri, witherr)						\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list ap;							\
	int save = errno;						\
									\
	va_start(ap, fmt);						\
	vlog(pri, fmt, ap, witherr ? strerror(save) : NULL);		\
	va_end(ap);							\
	errno = save;							\
}

LOGFN(log_warn, LOG_WARNING, 1)
LOGFN(log_warnx, LOG_WARNING, 0)
LOGFN(log_info, LOG_INFO, 0)
LOGFN(log_debug, LOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int save = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(save));
	va_end(ap);
	if (log_parent != NULL)
		msgbuf_flush(log_parent);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	if (log_parent != NULL)
		msgbuf_flush(log_parent);
	exit(1);
}
