/*
 * Libraries loaded when first needed, not at the program's start: see
 * lazylib.c for why. Runs in the parent.
 */
#ifndef PRIVSEP_PARENT_LAZYLIB_H
#define PRIVSEP_PARENT_LAZYLIB_H

#include <stddef.h>

/* a symbol to find, and where to put its address */
struct lazysym {
	const char	*name;
	void		**addr;
};

struct lazylib {
	const char		*soname;
	const struct lazysym	*syms;
	size_t			 nsyms;
	int			 state;		/* 0 not tried, 1 loaded, -1 failed */
};

/* 0 once every symbol is found; tried once (a failure is logged), and a
 * library once loaded stays. */
int	lazy_load(struct lazylib *);

#endif
