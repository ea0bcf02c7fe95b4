/*
 * What every process of the daemon shares: the options from the command
 * line. Each process has a header of its own besides: parent.h, engine.h,
 * control.h, and child.h for what the engine and control have in common.
 */
#ifndef PPTPD_CLIENT_H
#define PPTPD_CLIENT_H

#include <sys/types.h>

/* Options from the command line that every process sees. */
struct pc_opts {
	int		 foreground;	/* -d */
	int		 verbose;	/* -v, repeatable */
	int		 seccomp_debug;	/* -v -v: trap and log, not kill */
	const char	*conffile;	/* -f */
	const char	*sockpath;	/* -s, overrides the config */
	uid_t		 uid;		/* children: who to become */
	gid_t		 gid;
};

#endif
