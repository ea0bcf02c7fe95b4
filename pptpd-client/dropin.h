/*
 * The drop-in pptp (pptp-pptpd-client): pptp-linux's command line, as
 * pppd's pty option and NetworkManager-pptp run it, in front of our
 * sandboxed engine. dropin.c is its main() and its root side;
 * dropin_args.c reads the command line (pure, unit-tested).
 */
#ifndef PPTPD_CLIENT_DROPIN_H
#define PPTPD_CLIENT_DROPIN_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DROPIN_NAME	"pptp-pptpd-client"

struct dropin_opts {
	const char	*server;	/* name or dotted quad */
	int		 nolaunchpppd;	/* required: we never start pppd */
	int		 loglevel;	/* 0 errors, 1 (default) info, 2 debug */
	const char	*logstring;	/* syslog ident */
	int		 log_stderr;	/* --log-stderr, ours: not syslog */
	uint32_t	 reorder_wait_ms;	/* --timeout, --nobuffer (0) */
	uint32_t	 echo_interval_ms;	/* --idle-wait (0: none sent) */
	uint32_t	 echo_timeout_ms;	/* --max-echo-wait */
	uint32_t	 connect_timeout_ms;
	struct in_addr	 localbind;	/* INADDR_ANY unless --localbind */
	uint32_t	 rtmark;	/* 0 unless --rtmark */
	int		 nohostroute;	/* accepted: no host route is the default */
	int		 hostroute;	/* --hostroute, ours: add one, remove it */
};

enum dropin_parse { DROPIN_RUN, DROPIN_EXIT_OK, DROPIN_USAGE };

/*
 * Reads argv into o. DROPIN_RUN: go on; DROPIN_EXIT_OK: --help or
 * --version was answered on out; DROPIN_USAGE: err says what is wrong
 * (naming the option), exit 2.
 */
enum dropin_parse dropin_parse_args(int argc, char *argv[],
		    struct dropin_opts *o, char *err, size_t errlen,
		    FILE *out);
void		 dropin_usage(FILE *);

#endif
