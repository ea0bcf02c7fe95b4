/*
 * Logging for all three processes. The parent writes to syslog, or to
 * stderr when running in the foreground (-d). Children hand every line to
 * the parent over their message channel so that one process owns the
 * output; each line names the process it came from.
 */
#ifndef PRIVSEP_LOG_H
#define PRIVSEP_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

struct msgbuf;

void	log_init(int foreground, int verbose, const char *procname);
void	log_procname(const char *);
void	log_to_parent(struct msgbuf *);		/* children */
int	log_getverbose(void);
/* Parent: write a line that arrived from a child. */
void	log_emit(int priority, const char *line);
/*
 * Parent: a line from a child, which may be lying: its priority clamped
 * to what a child may use, no facility of its choosing, every byte that
 * is not printable ASCII escaped (a newline cannot start a forged line),
 * and prefixed with the child's name unless it already starts with it.
 */
void	log_child(const char *child, int priority, const char *line);
int	log_child_priority(int);
/*
 * Text from elsewhere (the network, a child) made safe for a log line or
 * last_error: printable ASCII stays, the rest becomes \n, \t, \ooo.
 * dst is always terminated; it holds at most dstlen - 1 bytes.
 */
void	log_vis(char *dst, size_t dstlen, const char *src);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
