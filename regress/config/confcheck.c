/*
 * Stands in for `pptpd-client -n -f FILE` in the golden tests, so that the
 * config grammar is tested even before (or without) the whole daemon:
 * the normalized config on stdout and exit 0, or every error on stderr and
 * exit 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pptpd-client/config.h"

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: confcheck [-n] [-f file]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct pcconf	*conf;
	const char	*file = PC_DEFAULT_CONF;
	int		 ch;

	while ((ch = getopt(argc, argv, "f:n")) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((conf = parse_config(file, 0)) == NULL)
		return 1;
	print_config(stdout, conf, 0);
	config_free(conf);
	return fflush(stdout) == 0 ? 0 : 1;
}
