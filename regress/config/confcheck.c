/*
 * Stands in for `pptpd-client -n -f FILE` in the golden tests, so that the
 * config grammar is tested even before (or without) the whole daemon:
 * the normalized config on stdout and exit 0, or every error on stderr and
 * exit 1. -P skips the owner and mode checks (PARSE_NO_PERMS), so that a
 * user who is not root can check the grammar with files of their own.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pptpd-client/config.h"

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: confcheck [-nP] [-f file]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct pcconf	*conf;
	const char	*file = PC_DEFAULT_CONF;
	int		 ch, flags = 0;

	while ((ch = getopt(argc, argv, "f:nP")) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			break;
		case 'P':
			flags |= PARSE_NO_PERMS;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((conf = parse_config(file, flags)) == NULL)
		return 1;
	print_config(stdout, conf, 0);
	config_free(conf);
	return fflush(stdout) == 0 ? 0 : 1;
}
