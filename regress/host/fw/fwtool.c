/*
 * fwtool: drives the parent's firewall module from the command line, so
 * that regress/host/t/20-firewall.t and 22-fw-nft.t can do in a network
 * namespace of their own what the daemon does: fw_init, then one operation.
 *
 *   fwtool [-b auto|legacy|nft|nftables|pick|none] [-T tooldir] COMMAND
 *       TUNNEL...
 *
 * -b: auto is the iptables backend choosing its flavour, legacy and nft
 * force one; nftables is the nftables backend; pick is `firewall auto`
 * (nftables or iptables, as the daemon decides).
 * COMMAND: init (prints the backend or flavour), up, iface, down,
 * down-keep, counters, zero, held, hostcheck (prints the warning about
 * the host's ruleset, if any), cleanup, shutdown. up..hostcheck take one
 * TUNNEL, save4 and save6 none (they print the ruleset as the legacy
 * flavour's in-process reading sees it, iptables-save -c's format),
 * cleanup and shutdown the whole configuration (any number).
 * TUNNEL is name,key=value,... with keys server, if, ks (no|yes|always),
 * forward (0|1) and allow (a.b.c.d/len, repeatable).
 */
#include <arpa/inet.h>
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_iptables.h"
#include "privsep/parent/tool.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: fwtool [-b auto|legacy|nft|nftables|pick|none] "
	    "[-T dir] command tunnel...\n");
	exit(2);
}

static void
parse_tunnel(char *spec, struct fw_tunnel *t)
{
	char	*word, *val, *slash;

	memset(t, 0, sizeof(*t));
	word = strsep(&spec, ",");
	if (strlcpy(t->name, word, sizeof(t->name)) >= sizeof(t->name))
		errx(2, "tunnel name too long: %s", word);
	while ((word = strsep(&spec, ",")) != NULL) {
		if ((val = strchr(word, '=')) == NULL)
			errx(2, "no value: %s", word);
		*val++ = '\0';
		if (strcmp(word, "server") == 0) {
			if (inet_pton(AF_INET, val, &t->server) != 1)
				errx(2, "bad server: %s", val);
		} else if (strcmp(word, "if") == 0)
			strlcpy(t->ifname, val, sizeof(t->ifname));
		else if (strcmp(word, "ks") == 0)
			t->kill_switch = strcmp(val, "always") == 0 ? FW_KS_ALWAYS :
			    strcmp(val, "yes") == 0 ? FW_KS_YES : FW_KS_NO;
		else if (strcmp(word, "forward") == 0)
			t->forward = atoi(val);
		else if (strcmp(word, "allow") == 0) {
			if (t->nallow == FW_ALLOW_MAX)
				errx(2, "too many allow");
			if ((slash = strchr(val, '/')) == NULL)
				errx(2, "allow needs /len: %s", val);
			*slash++ = '\0';
			if (inet_pton(AF_INET, val, &t->allow[t->nallow].addr)
			    != 1)
				errx(2, "bad allow: %s", val);
			t->allow[t->nallow++].len = atoi(slash);
		} else
			errx(2, "unknown key: %s", word);
	}
}

/* What fw_iptables_tc.c reads, for comparing with iptables-legacy-save. */
static int
save(enum family fam)
{
	char	*out, emsg[512];

	if (ipt_tc_save(fam, 1, &out, emsg, sizeof(emsg)) == -1)
		errx(1, "save: %s", emsg);
	fputs(out, stdout);
	free(out);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct fw_tunnel	*ts;
	char			 emsg[512] = "";
	const char		*cmd;
	int			 ch, kind = FW_BACKEND_IPTABLES, i, n, rc = 0;
	uint64_t		 pkts, bytes;

	while ((ch = getopt(argc, argv, "b:T:")) != -1) {
		switch (ch) {
		case 'b':
			if (strcmp(optarg, "auto") == 0)
				kind = FW_BACKEND_IPTABLES;
			else if (strcmp(optarg, "legacy") == 0)
				kind = FW_BACKEND_IPTABLES_LEGACY;
			else if (strcmp(optarg, "nft") == 0)
				kind = FW_BACKEND_IPTABLES_NFT;
			else if (strcmp(optarg, "nftables") == 0)
				kind = FW_BACKEND_NFTABLES;
			else if (strcmp(optarg, "pick") == 0)
				kind = FW_BACKEND_AUTO;
			else if (strcmp(optarg, "none") == 0)
				kind = FW_BACKEND_NONE;
			else
				usage();
			break;
		case 'T':
			tool_set_dir(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd = argv[0];
	n = argc - 1;
	if ((ts = calloc(n + 1, sizeof(*ts))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++)
		parse_tunnel(argv[i + 1], &ts[i]);
	if (strcmp(cmd, "save4") == 0 || strcmp(cmd, "save6") == 0) {
		free(ts);
		return save(cmd[4] == '4' ? V4 : V6);
	}

	if (fw_init(kind, emsg, sizeof(emsg)) == -1)
		errx(1, "fw_init: %s", emsg);
	if (strcmp(cmd, "init") == 0) {
		printf("%s\n", fw_backend_name());
		free(ts);
		return 0;
	}
	if (strcmp(cmd, "cleanup") == 0)
		rc = fw_cleanup_stale(ts, n, NULL, emsg, sizeof(emsg));
	else if (strcmp(cmd, "shutdown") == 0)
		rc = fw_shutdown_all(ts, n, emsg, sizeof(emsg));
	else if (n != 1)
		usage();
	else if (strcmp(cmd, "up") == 0)
		rc = fw_tunnel_up(ts, emsg, sizeof(emsg));
	else if (strcmp(cmd, "iface") == 0)
		rc = fw_tunnel_iface(ts, emsg, sizeof(emsg));
	else if (strcmp(cmd, "down") == 0)
		rc = fw_tunnel_down(ts, 0, emsg, sizeof(emsg));
	else if (strcmp(cmd, "down-keep") == 0)
		rc = fw_tunnel_down(ts, 1, emsg, sizeof(emsg));
	else if (strcmp(cmd, "zero") == 0)
		rc = fw_zero_counters(ts, emsg, sizeof(emsg));
	else if (strcmp(cmd, "counters") == 0) {
		rc = fw_counters(ts, &pkts, &bytes, emsg, sizeof(emsg));
		if (rc == 0)
			printf("fw_gre_packets %" PRIu64 "\nfw_gre_bytes %"
			    PRIu64 "\n", pkts, bytes);
	} else if (strcmp(cmd, "hostcheck") == 0) {
		fw_check_host(ts, emsg, sizeof(emsg));
		printf("%s\n", emsg);
	} else if (strcmp(cmd, "held") == 0) {
		rc = fw_kill_switch_held(ts, &i, emsg, sizeof(emsg));
		if (rc == 0)
			printf("held %d\n", i);
	} else
		usage();
	if (rc == -1)
		errx(1, "%s: %s", cmd, emsg);
	free(ts);
	return 0;
}
