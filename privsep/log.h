/*
 * Logging for all three processes. The parent writes to syslog, or to
 * stderr when running in the foreground (-d). Children hand every line to
 * the parent over their message channel so that one process owns the
 * output; each line names the process it came from.
 */
#ifndef PRIVSEP_LOG_H
#define PRIVSEP_LOG_H

#include <stdarg.h>
#include <syslog.h>

struct msgbuf;

void	log_init(int foreground, int verbose, const char *procname);
void	log_procname(const char *);
void	log_to_parent(struct msgbuf *);		/* children */
int	log_getverbose(void);
/* Parent: write a line that arrived from a child. */
void	log_emit(int priority, const char *line);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
