/*
 * pptpd-client: main(). The same program is all three processes: started
 * by a person or init it is the parent; the parent re-executes it with -P
 * to start the engine and the control process, each on its channel as
 * fd 3 (an option only the parent passes, so it is not in the usage).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/config.h"
#include "pptpd-client/control.h"
#include "pptpd-client/engine.h"
#include "pptpd-client/parent.h"

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: pptpd-client [-dnv] [-f file] [-s socket]\n");
	exit(1);
}

/* -n: check the config and print it normalized (the golden tests diff
   it); the exit status says whether it is good. */
static __attribute__((noreturn)) void
check_only(const char *file)
{
	struct pcconf *conf;

	if ((conf = parse_config(file, 0)) == NULL)
		exit(1);
	print_config(stdout, conf, 0);
	config_free(conf);
	exit(0);
}

int
main(int argc, char *argv[])
{
	struct pc_opts opts;
	const char *proc = NULL, *errstr;
	char *argv0;
	int ch, checkonly = 0;

	/* setproctitle reuses argv's memory: keep our own copy */
	if ((argv0 = strdup(argv[0])) == NULL) {
		perror("strdup");
		exit(1);
	}
	setproctitle_init(argc, argv, environ);
	memset(&opts, 0, sizeof(opts));
	opts.conffile = PC_DEFAULT_CONF;
	while ((ch = getopt(argc, argv, "df:G:nP:s:U:v")) != -1) {
		switch (ch) {
		case 'd': opts.foreground = 1; break;
		case 'f': opts.conffile = optarg; break;
		case 'n': checkonly = 1; break;
		case 's': opts.sockpath = optarg; break;
		case 'v': opts.verbose++; break;
		case 'P': proc = optarg; break;
		case 'U':
			opts.uid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			if (errstr) usage();
			break;
		case 'G':
			opts.gid = strtonum(optarg, 0, UINT32_MAX - 1, &errstr);
			if (errstr) usage();
			break;
		default: usage();
		}
	}
	if (argc != optind)
		usage();
	opts.seccomp_debug = opts.verbose >= 2;

	if (proc != NULL) {
		/* a re-executed child: channel on fd 3 */
		if (opts.uid == 0)
			usage();
		if (strcmp(proc, "engine") == 0)
			engine_main(&opts, 3);
		if (strcmp(proc, "control") == 0)
			control_main(&opts, 3);
		usage();
	}
	if (checkonly)
		check_only(opts.conffile);
	parent_main(&opts, argv0);
}
