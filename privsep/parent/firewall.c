/*
 * The firewall, backend-independent: which parts of a tunnel's rules
 * should exist at each point of its life, and which backend makes them
 * exist (fw_nftables.c or fw_iptables.c). The backend does so reading the ruleset each time, so every call here is
 * idempotent and a crash between two calls leaves nothing a later call
 * cannot put right. Runs in the parent and in the helpers it forks for
 * firewall jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "privsep/errfmt.h"
#include "privsep/parent/firewall.h"

static const struct fw_ops *backend;	/* NULL: firewall none */
static int initialised;
static char why[128];			/* why auto chose the backend */

static int
fw_fail(char *err, size_t errlen, const char *msg)
{
	if (errlen > 0)
		strlcpy(err, msg, errlen);
	return -1;
}

int
fw_name_valid(const char *name)
{
	size_t	 len = strnlen(name, FW_TUNNEL_NAME_MAX);
	size_t	 i;

	/* names go into iptables-restore input and nft identifiers: nothing
	 * that could split a line or a word may pass */
	if (len == 0 || len >= FW_TUNNEL_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int
ifname_valid(const char *ifname)
{
	size_t	 len = strnlen(ifname, FW_IFNAME_MAX);
	size_t	 i;

	if (len >= FW_IFNAME_MAX || ifname[0] == '-' || ifname[0] == '!')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = ifname[i];
		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' ||
		    c == '\\' || c == '/' || c == '+')
			return 0;
	}
	return 1;
}

void
fw_short_name(const char *name, size_t max, char *out, size_t outlen)
{
	uint32_t	 h = 2166136261u;	/* FNV-1a */
	const char	*p;

	if (strlen(name) <= max) {
		strlcpy(out, name, outlen);
		return;
	}
	for (p = name; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	snprintf(out, outlen, "%.*s~%08x", (int)(max - 9), name, h);
}

static int
check_tunnel(const struct fw_tunnel *t, char *err, size_t errlen)
{
	int	 i;

	if (!initialised)
		return fw_fail(err, errlen, "firewall: fw_init not called");
	if (!fw_name_valid(t->name))
		return fw_fail(err, errlen, "firewall: invalid tunnel name");
	if (!ifname_valid(t->ifname))
		return fw_fail(err, errlen, "firewall: invalid interface name");
	if (t->kill_switch < FW_KS_NO || t->kill_switch > FW_KS_ALWAYS)
		return fw_fail(err, errlen, "firewall: invalid kill-switch");
	if (t->nallow < 0 || t->nallow > FW_ALLOW_MAX)
		return fw_fail(err, errlen, "firewall: too many allow prefixes");
	for (i = 0; i < t->nallow; i++)
		if (t->allow[i].len > 32)
			return fw_fail(err, errlen,
			    "firewall: invalid allow prefix length");
	return 0;
}

static int
check_all(const struct fw_tunnel *ts, int n, char *err, size_t errlen)
{
	int	 i;

	if (n < 0 || (n > 0 && ts == NULL))
		return fw_fail(err, errlen, "firewall: invalid tunnel list");
	for (i = 0; i < n; i++) {
		if (check_tunnel(&ts[i], err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * nftables where the host's ruleset lives there and a change works (not
 * in the lab, whose kernel lacks it), else iptables, which picks its
 * flavour itself.
 */
static int
init_auto(char *err, size_t errlen)
{
	char	 nerr[256];

	if (!fw_nftables_works(why, sizeof(why)))
		fw_iptables_no_nftables();
	else if (fw_nftables_suits(why, sizeof(why))) {
		if (fw_ops_nftables.init(FW_BACKEND_NFTABLES, nerr,
		    sizeof(nerr)) == 0) {
			backend = &fw_ops_nftables;
			return 0;
		}
		strlcpy(why, nerr, sizeof(why));
	}
	if (fw_ops_iptables.init(FW_BACKEND_IPTABLES, nerr, sizeof(nerr)) == -1)
		return err_set(err, errlen, "neither works here: nftables: %s; "
		    "iptables: %s", why, nerr);
	backend = &fw_ops_iptables;
	return 0;
}

int
fw_init(int kind, char *err, size_t errlen)
{
	initialised = 0;
	backend = NULL;
	why[0] = '\0';
	switch (kind) {
	case FW_BACKEND_NONE:
		break;
	case FW_BACKEND_AUTO:
		if (init_auto(err, errlen) == -1)
			return -1;
		break;
	case FW_BACKEND_NFTABLES:
		if (fw_ops_nftables.init(kind, err, errlen) == -1)
			return -1;
		backend = &fw_ops_nftables;
		break;
	case FW_BACKEND_IPTABLES:
	case FW_BACKEND_IPTABLES_LEGACY:
	case FW_BACKEND_IPTABLES_NFT:
		if (fw_ops_iptables.init(kind, err, errlen) == -1)
			return -1;
		backend = &fw_ops_iptables;
		break;
	default:
		return fw_fail(err, errlen, "firewall: unknown backend");
	}
	initialised = 1;
	return 0;
}

const char *
fw_backend_name(void)
{
	return backend == NULL ? "none" : backend->describe();
}

const char *
fw_backend_why(void)
{
	return why;
}

int
fw_in_process(void)
{
	return backend != NULL && backend->in_process != NULL &&
	    backend->in_process();
}

/* The kill switch without an interface: the tunnel is not (or no longer)
 * up, so nothing may leave but to the server and the allowed prefixes. */
static int
apply_detached(const struct fw_tunnel *t, unsigned want, char *err,
    size_t errlen)
{
	struct fw_tunnel	 copy = *t;

	copy.ifname[0] = '\0';
	return backend->apply(&copy, want, err, errlen);
}

static unsigned
parts_while_up(const struct fw_tunnel *t)
{
	unsigned	 want = FW_PART_IN;

	if (t->kill_switch != FW_KS_NO)
		want |= FW_PART_KS;
	if (t->forward && t->ifname[0] != '\0')
		want |= FW_PART_FWD;
	return want;
}

int
fw_tunnel_up(const struct fw_tunnel *t, char *err, size_t errlen)
{
	if (check_tunnel(t, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	return backend->apply(t, parts_while_up(t), err, errlen);
}

int
fw_tunnel_iface(const struct fw_tunnel *t, char *err, size_t errlen)
{
	unsigned	 want;

	if (check_tunnel(t, err, errlen) == -1)
		return -1;
	if (t->ifname[0] == '\0')
		return fw_fail(err, errlen, "firewall: no interface name");
	/* only the kill switch and forwarding name the interface: without
	 * them there is nothing to change, and nothing to read (a listing
	 * is a process, or a slow kernel call, on the way to `up`) */
	want = parts_while_up(t);
	if (backend == NULL || want == FW_PART_IN)
		return 0;
	return backend->apply(t, want, err, errlen);
}

int
fw_tunnel_down(const struct fw_tunnel *t, int keep_killswitch, char *err,
    size_t errlen)
{
	unsigned	 want = 0;

	if (check_tunnel(t, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	if (t->kill_switch == FW_KS_ALWAYS ||
	    (t->kill_switch == FW_KS_YES && keep_killswitch))
		want = FW_PART_KS;
	return apply_detached(t, want, err, errlen);
}

/*
 * What the other backend left, from a run before the config or the
 * host's ruleset changed the choice: it would otherwise stay forever, a
 * kill switch included. Best effort; only at start, so the iptables
 * programs this may run cost no `up` anything.
 */
static void
purge_other(void)
{
	static const struct fw_tunnel	 none[1];	/* keep no tunnel */
	static const int	 kinds[2] = { FW_BACKEND_IPTABLES_LEGACY,
				     FW_BACKEND_IPTABLES_NFT };
	char		 e[256];
	unsigned	 left;
	int		 i;

	if (backend == &fw_ops_iptables) {
		fw_nftables_remove();
		return;
	}
	/* each flavour named, so that none is probed (which would leave
	 * an empty table) where nothing of ours is */
	left = fw_nftables_ipt_leftovers();
	for (i = 0; i < 2; i++)
		if ((left & (i == 0 ? FW_LEFT_LEGACY : FW_LEFT_NFT)) &&
		    fw_ops_iptables.init(kinds[i], e, sizeof(e)) == 0)
			(void)fw_ops_iptables.purge(none, 0, e, sizeof(e));
}

static void
batch(int on)
{
	if (backend->batch != NULL)
		backend->batch(on);
}

/*
 * Every configured tunnel detached (no interface) with exactly want[i],
 * and nothing of any other tunnel: one transaction where the backend can
 * (nftables), else a purge and a change per tunnel.
 */
static int
set_all(const struct fw_tunnel *ts, const unsigned *want, int n, char *err,
    size_t errlen)
{
	struct fw_tunnel	 copy[FW_SET_MAX];
	int			 i;

	if (backend->set_all != NULL && n <= FW_SET_MAX) {
		for (i = 0; i < n; i++) {
			copy[i] = ts[i];
			copy[i].ifname[0] = '\0';
		}
		return backend->set_all(copy, want, n, err, errlen);
	}
	if (backend->purge(ts, n, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (apply_detached(&ts[i], want[i], err, errlen) == -1)
			return -1;
	return 0;
}

int
fw_cleanup_stale(const struct fw_tunnel *ts, int n, int *held, char *err,
    size_t errlen)
{
	unsigned	*want;
	unsigned	 have;
	int		 i, rc;

	if (held != NULL)
		for (i = 0; i < n; i++)
			held[i] = 0;
	if (check_all(ts, n, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	purge_other();
	if ((want = calloc(n + 1, sizeof(*want))) == NULL)
		return fw_fail(err, errlen, "firewall: out of memory");
	batch(1);
	for (i = 0; i < n; i++) {
		if (backend->parts(&ts[i], &have, err, errlen) == -1) {
			batch(0);
			free(want);
			return -1;
		}
		/* a `yes` kill switch found in place held from an `up` that
		 * no `down` ended before the daemon died: fail closed */
		if (ts[i].kill_switch == FW_KS_ALWAYS ||
		    (ts[i].kill_switch == FW_KS_YES && (have & FW_PART_KS)))
			want[i] = FW_PART_KS;
	}
	rc = set_all(ts, want, n, err, errlen);
	batch(0);
	for (i = 0; rc == 0 && held != NULL && i < n; i++)
		held[i] = want[i] == FW_PART_KS;
	free(want);
	return rc;
}

int
fw_shutdown_all(const struct fw_tunnel *ts, int n, char *err, size_t errlen)
{
	unsigned	*want;
	int		 i, rc;

	if (check_all(ts, n, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	if ((want = calloc(n + 1, sizeof(*want))) == NULL)
		return fw_fail(err, errlen, "firewall: out of memory");
	for (i = 0; i < n; i++)
		want[i] = ts[i].kill_switch == FW_KS_ALWAYS ? FW_PART_KS : 0;
	batch(1);
	rc = set_all(ts, want, n, err, errlen);
	batch(0);
	free(want);
	return rc;
}

int
fw_counters(const struct fw_tunnel *t, uint64_t *pkts, uint64_t *bytes,
    char *err, size_t errlen)
{
	*pkts = *bytes = 0;
	if (check_tunnel(t, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	return backend->counters(t, pkts, bytes, err, errlen);
}

int
fw_zero_counters(const struct fw_tunnel *t, char *err, size_t errlen)
{
	if (check_tunnel(t, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	return backend->zero(t, err, errlen);
}

int
fw_kill_switch_held(const struct fw_tunnel *t, int *held, char *err,
    size_t errlen)
{
	unsigned	 have;

	*held = 0;
	if (check_tunnel(t, err, errlen) == -1)
		return -1;
	if (backend == NULL)
		return 0;
	if (backend->parts(t, &have, err, errlen) == -1)
		return -1;
	*held = (have & FW_PART_KS) != 0;
	return 0;
}

void
fw_check_host(const struct fw_tunnel *t, char *warn, size_t warnlen)
{
	if (warnlen > 0)
		warn[0] = '\0';
	if (backend == NULL || backend->check_host == NULL ||
	    check_tunnel(t, warn, warnlen) == -1) {
		if (warnlen > 0)
			warn[0] = '\0';
		return;
	}
	backend->check_host(t, warn, warnlen);
}
