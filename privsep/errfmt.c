/*
 * err_set(); see errfmt.h. Linked wherever a module reports failures as
 * text: today the parent's (privsep/parent/) and their test tools.
 */
#include <stdarg.h>
#include <stdio.h>

#include "privsep/errfmt.h"

int
err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
