/*
 * The parent's building blocks report failures as text for last_error and
 * the log: a caller passes a buffer, the callee fills it. Pure and
 * unprivileged, so it lives with what every process may use, though today
 * only the parent's modules call it.
 */
#ifndef PRIVSEP_ERRFMT_H
#define PRIVSEP_ERRFMT_H

#include <stddef.h>

/* Formats into err (if any room) and returns -1, for `return err_set()`. */
int	err_set(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
