/*
 * The nftables backend's operations (fw_ops_nftables, see firewall.h),
 * run in the parent's own process through libnftables, the library the
 * nft program is built on: no program is started, so a tunnel's rules
 * cost a netlink round trip or two, not a process. Each operation reads
 * our table (JSON), has fw_nftables_text.c write the batch, and runs it
 * as one transaction. Also whether nftables works here and whether the
 * host's ruleset lives in it, for `firewall auto`. See fw_nftables.h.
 */
#include <sys/socket.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_nftables.h"
#include "privsep/parent/tool.h"

static struct nft_ctx	*ctx;
static struct nft_snap	 snap;	/* large: not on the stack */

/* nft's complaint: its first line, and the command it was about. */
static int
nft_error(char *err, size_t errlen)
{
	const char	*e = nft_ctx_get_error_buffer(ctx);
	size_t		 n1 = strcspn(e, "\n"), n2 = 0;

	if (e[n1] == '\n')
		n2 = strcspn(e + n1 + 1, "\n");
	if (n1 == 0)
		return err_set(err, errlen, "nft: failed");
	if (n2 == 0)
		return err_set(err, errlen, "nft: %.*s", (int)n1, e);
	return err_set(err, errlen, "nft: %.*s (in: %.*s)", (int)n1, e,
	    (int)n2, e + n1 + 1);
}

/*
 * Runs cmd, one transaction however many lines it has. *out (may be NULL)
 * is nft's output, valid until the next run.
 */
static int
nft_do(const char *cmd, int json, const char **out, char *err,
    size_t errlen)
{
	const char	*o;
	int		 rc;

	nft_ctx_output_set_flags(ctx, json ? NFT_CTX_OUTPUT_JSON : 0);
	rc = nft_run_cmd_from_buffer(ctx, cmd);
	o = nft_ctx_get_output_buffer(ctx);	/* also rewinds it */
	if (out != NULL)
		*out = o;
	if (rc != 0)
		return nft_error(err, errlen);
	(void)nft_ctx_get_error_buffer(ctx);
	return 0;
}

/* Our table as it is; no table is an empty one. */
static int
snap_take(char *err, size_t errlen)
{
	const char	*out;
	char		 e[256];

	if (nft_do("list table " NFT_FAMILY " " NFT_TABLE "\n", 1, &out, e,
	    sizeof(e)) == -1) {
		memset(&snap, 0, sizeof(snap));
		if (strstr(e, "No such file or directory") != NULL)
			return 0;
		return err_set(err, errlen, "%s", e);
	}
	return nft_snap_parse(out, &snap, err, errlen);
}

static int
run_batch(char *batch, char *err, size_t errlen)
{
	int	 rc = 0;

	if (batch == NULL)
		return err_set(err, errlen, "out of memory");
	if (*batch != '\0')
		rc = nft_do(batch, 0, NULL, err, errlen);
	free(batch);
	return rc;
}

/* ---- the backend operations --------------------------------------------- */

static int
nft_apply(const struct fw_tunnel *t, unsigned want, char *err, size_t errlen)
{
	if (snap_take(err, errlen) == -1)
		return -1;
	return run_batch(nft_batch_apply(&snap, t, want), err, errlen);
}

static int
nft_parts(const struct fw_tunnel *t, unsigned *have, char *err, size_t errlen)
{
	*have = 0;
	if (snap_take(err, errlen) == -1)
		return -1;
	*have = nft_snap_parts(&snap, t->name);
	return 0;
}

static int
nft_purge(const struct fw_tunnel *keep, int nkeep, char *err, size_t errlen)
{
	if (snap_take(err, errlen) == -1)
		return -1;
	return run_batch(nft_batch_purge(&snap, keep, nkeep), err, errlen);
}

static int
nft_set_all(const struct fw_tunnel *t, const unsigned *want, int n,
    char *err, size_t errlen)
{
	if (snap_take(err, errlen) == -1)
		return -1;
	return run_batch(nft_batch_set(&snap, t, want, n), err, errlen);
}

static int
nft_counters(const struct fw_tunnel *t, uint64_t *pkts, uint64_t *bytes,
    char *err, size_t errlen)
{
	const struct nft_tun	*nt;

	*pkts = *bytes = 0;
	if (snap_take(err, errlen) == -1)
		return -1;
	if ((nt = nft_snap_find(&snap, t->name)) != NULL &&
	    (nt->have & NC_GRE)) {
		*pkts = nt->pkts;
		*bytes = nt->bytes;
	}
	return 0;
}

static int
nft_zero(const struct fw_tunnel *t, char *err, size_t errlen)
{
	const struct nft_tun	*nt;
	char			 cmd[128];

	if (snap_take(err, errlen) == -1)
		return -1;
	if ((nt = nft_snap_find(&snap, t->name)) == NULL ||
	    !(nt->have & NC_GRE))
		return 0;
	snprintf(cmd, sizeof(cmd), "reset counter %s %s gre-%s\n",
	    NFT_FAMILY, NFT_TABLE, t->name);
	return nft_do(cmd, 0, NULL, err, errlen);
}

static void
nft_check_host(const struct fw_tunnel *t, char *warn, size_t warnlen)
{
	const char	*out;
	char		 e[256];

	if (warnlen > 0)
		warn[0] = '\0';
	if (nft_do("list ruleset\n", 1, &out, e, sizeof(e)) == 0)
		nft_host_check(out, t->server, warn, warnlen);
}

/* ---- does nftables work, and is the host's ruleset in it? --------------- */

static int
ctx_open(char *err, size_t errlen)
{
	int	 fd;

	if (ctx != NULL)
		return 0;
	/* libnftables exits the process when it cannot open its netlink
	 * socket (a kernel without nfnetlink): find out first */
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_NETFILTER)) == -1)
		return err_set(err, errlen, "nftables: no netfilter netlink "
		    "in this kernel: %s", strerror(errno));
	close(fd);
	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return err_set(err, errlen, "nft: cannot make a context");
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		nft_ctx_free(ctx);
		ctx = NULL;
		return err_set(err, errlen, "nft: cannot buffer its output");
	}
	return 0;
}

/*
 * A change that leaves nothing behind, hooks included: a kernel without
 * nf_tables for IPv4 or IPv6 (the lab's) fails here though it may list.
 */
static int
probe(char *err, size_t errlen)
{
	return nft_do("add table inet pptpd-client-probe\n"
	    "add chain inet pptpd-client-probe in { type filter hook input "
	    "priority 0; policy accept; }\n"
	    "delete table inet pptpd-client-probe\n", 0, NULL, err, errlen);
}

static int
nft_init(int kind, char *err, size_t errlen)
{
	if (ctx_open(err, errlen) == -1)
		return -1;
	if (probe(err, errlen) == -1)
		return -1;
	return 0;
}

/* Tables in nftables that are not ours: the host's, or iptables-nft's. */
static int
host_tables(void)
{
	const char	*out;
	char		 e[256];
	json_object	*doc, *list, *item, *o, *name;
	int		 n = 0;
	size_t		 i;

	if (nft_do("list tables\n", 1, &out, e, sizeof(e)) == -1 ||
	    (doc = json_tokener_parse(out)) == NULL)
		return 0;
	if (json_object_object_get_ex(doc, "nftables", &list))
		for (i = 0; i < json_object_array_length(list); i++) {
			item = json_object_array_get_idx(list, i);
			if (json_object_object_get_ex(item, "table", &o) &&
			    json_object_object_get_ex(o, "name", &name) &&
			    strcmp(json_object_get_string(name),
			    NFT_TABLE) != 0)
				n++;
		}
	json_object_put(doc);
	return n;
}

/* The legacy iptables tables this network namespace has in the kernel. */
static int
legacy_in_use(void)
{
	static const char *const f[] = { "/proc/net/ip_tables_names",
	    "/proc/net/ip6_tables_names" };
	FILE	*fp;
	size_t	 i;
	int	 c = EOF;

	for (i = 0; i < 2 && c == EOF; i++) {
		if ((fp = fopen(f[i], "r")) == NULL)
			continue;
		c = fgetc(fp);
		fclose(fp);
	}
	return c != EOF;
}

/* /usr/sbin/iptables is iptables-nft (Debian's alternatives), or absent. */
static int
iptables_means_nft(void)
{
	char	 path[PATH_MAX], real[PATH_MAX];

	if (tool_find("iptables", path, sizeof(path)) == -1)
		return 1;
	return realpath(path, real) != NULL && strstr(real, "nft") != NULL;
}

int
fw_nftables_works(char *why, size_t whylen)
{
	return ctx_open(why, whylen) == 0 && probe(why, whylen) == 0;
}

int
fw_nftables_suits(char *why, size_t whylen)
{
	if (host_tables() > 0) {
		err_set(why, whylen, "the host's ruleset is in nftables");
		return 1;
	}
	if (legacy_in_use()) {
		err_set(why, whylen, "the host's ruleset is in iptables-legacy");
		return 0;
	}
	if (iptables_means_nft()) {
		err_set(why, whylen, "no ruleset yet, iptables means "
		    "iptables-nft");
		return 1;
	}
	err_set(why, whylen, "no ruleset yet, iptables means iptables-legacy");
	return 0;
}

/* ---- what the other backend left ---------------------------------------- */

/* The chain in s (a JSON listing) is one of the iptables backend's. */
static int
has_ipt_chain(const char *json)
{
	json_object	*doc, *list, *o, *name;
	size_t		 i;
	int		 found = 0;

	if ((doc = json_tokener_parse(json)) == NULL)
		return 0;
	if (json_object_object_get_ex(doc, "nftables", &list))
		for (i = 0; !found && i < json_object_array_length(list); i++)
			found = json_object_object_get_ex(
			    json_object_array_get_idx(list, i), "chain", &o) &&
			    json_object_object_get_ex(o, "name", &name) &&
			    strncmp(json_object_get_string(name), "PPTPC-",
			    6) == 0;
	json_object_put(doc);
	return found;
}

/*
 * Where chains of an earlier run with `firewall iptables` may be left:
 * FW_LEFT_NFT when nftables shows some (iptables-nft), FW_LEFT_LEGACY
 * when legacy tables exist (only iptables-legacy-save can list their
 * chains).
 */
unsigned
fw_nftables_ipt_leftovers(void)
{
	const char	*out;
	char		 e[256];
	unsigned	 left = 0;

	if (legacy_in_use())
		left |= FW_LEFT_LEGACY;
	if (ctx != NULL && nft_do("list chains\n", 1, &out, e,
	    sizeof(e)) == 0 && has_ipt_chain(out))
		left |= FW_LEFT_NFT;
	return left;
}

/* The table of an earlier run with nftables, under another backend now. */
void
fw_nftables_remove(void)
{
	char	 e[256];

	if (ctx_open(e, sizeof(e)) == -1 || snap_take(e, sizeof(e)) == -1 ||
	    !snap.table)
		return;
	(void)nft_do("delete table " NFT_FAMILY " " NFT_TABLE "\n", 0, NULL,
	    e, sizeof(e));
}

static int
nft_in_process(void)
{
	return 1;
}

static const char *
nft_describe(void)
{
	return "nftables";
}

const struct fw_ops fw_ops_nftables = {
	.describe = nft_describe,
	.init = nft_init,
	.apply = nft_apply,
	.parts = nft_parts,
	.purge = nft_purge,
	.set_all = nft_set_all,
	.counters = nft_counters,
	.zero = nft_zero,
	.check_host = nft_check_host,
	.in_process = nft_in_process,
};
