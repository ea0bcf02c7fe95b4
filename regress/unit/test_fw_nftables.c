/*
 * The nftables backend's pure parts: reading our table from nft's JSON
 * (privsep/parent/fw_nftables_text.c), the batches written for each kind
 * of change, and the check of the host's ruleset (fw_nftables_host.c).
 * The JSON here is what nft 1.0.6 prints for the rulesets named.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_nftables.h"

#define HEAD	"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, "
#define OURS	"\"family\": \"inet\", \"table\": \"pptpd-client\", "
#define CHAIN(n) "{\"chain\": {" OURS "\"name\": \"" n "\"}}"

/* Tunnel lab with every part, tunnel work with its kill switch only. */
static const char listing[] = HEAD
    "{\"table\": {\"family\": \"inet\", \"name\": \"pptpd-client\"}}, "
    "{\"counter\": {\"family\": \"inet\", \"name\": \"gre-lab\", "
    "\"table\": \"pptpd-client\", \"packets\": 5, \"bytes\": 500}}, "
    CHAIN("in-lab") ", " CHAIN("ks-out-lab") ", " CHAIN("ks-fwd-lab") ", "
    CHAIN("nat-lab") ", " CHAIN("mss-lab") ", "
    CHAIN("ks-out-work") ", " CHAIN("ks-fwd-work") ", "
    CHAIN("killswitch-out") ", " CHAIN("killswitch-fwd") ", "
    /* not ours to name: another program's, or a name that is no
     * tunnel's; neither may reach a batch */
    CHAIN("in-a b") ", " CHAIN("whatever") ", "
    "{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", "
    "\"name\": \"in-host\"}}]}";

static struct nft_snap	 s;

static struct fw_tunnel
tunnel(const char *name, const char *server, int ks, const char *ifname)
{
	struct fw_tunnel	 t;

	memset(&t, 0, sizeof(t));
	strlcpy(t.name, name, sizeof(t.name));
	inet_pton(AF_INET, server, &t.server);
	t.kill_switch = ks;
	strlcpy(t.ifname, ifname, sizeof(t.ifname));
	return t;
}

static void
test_parse(void **state)
{
	char		 err[256];
	const struct nft_tun *t;

	assert_int_equal(nft_snap_parse(listing, &s, err, sizeof(err)), 0);
	assert_true(s.table);
	assert_true(s.base_out && s.base_fwd);
	assert_int_equal(s.n, 2);
	assert_int_equal(nft_snap_parts(&s, "lab"),
	    FW_PART_IN | FW_PART_KS | FW_PART_FWD);
	assert_int_equal(nft_snap_parts(&s, "work"), FW_PART_KS);
	assert_int_equal(nft_snap_parts(&s, "host"), 0);
	assert_non_null(t = nft_snap_find(&s, "lab"));
	assert_int_equal(t->pkts, 5);
	assert_int_equal(t->bytes, 500);
	assert_null(nft_snap_find(&s, "a b"));

	assert_int_equal(nft_snap_parse("", &s, err, sizeof(err)), 0);
	assert_false(s.table);
	assert_int_equal(nft_snap_parse("[1, 2", &s, err, sizeof(err)), -1);
}

/* From nothing: the table, lab's GRE and 1723 accepts, its kill switch. */
static void
test_first_up(void **state)
{
	struct fw_tunnel t = tunnel("lab", "192.0.2.1", FW_KS_YES, "");
	char		*b;

	memset(&s, 0, sizeof(s));
	t.allow[0].addr.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	t.allow[0].len = 24;
	t.nallow = 1;
	assert_non_null(b = nft_batch_apply(&s, &t, FW_PART_IN | FW_PART_KS));
	assert_memory_equal(b, "add table inet pptpd-client\n", 28);
	assert_non_null(strstr(b, "add counter inet pptpd-client gre-lab\n"));
	assert_non_null(strstr(b, "add rule inet pptpd-client in-lab ip saddr "
	    "192.0.2.1 ip protocol gre counter name gre-lab accept\n"));
	assert_non_null(strstr(b, "tcp sport 1723 tcp flags & (fin | syn | "
	    "rst | ack) != syn accept\n"));
	assert_non_null(strstr(b, "ks-out-lab ip daddr 198.51.100.0/24 "
	    "accept\n"));
	assert_non_null(strstr(b, "add rule inet pptpd-client killswitch-out "
	    "jump ks-out-lab\nadd rule inet pptpd-client killswitch-out "
	    "counter drop\n"));
	assert_non_null(strstr(b, "killswitch-fwd jump ks-fwd-lab\n"));
	/* no interface yet: nothing may leave by one, and no forwarding */
	assert_null(strstr(b, "oifname \"\""));
	assert_null(strstr(b, "nat-lab"));
	assert_null(strstr(b, "delete"));
	free(b);
}

/* lab goes down; work's kill switch stays, and its jump with it. */
static void
test_down_keeps_other(void **state)
{
	struct fw_tunnel t = tunnel("lab", "192.0.2.1", FW_KS_YES, "");
	char		 err[256], *b, *jump, *del;

	assert_int_equal(nft_snap_parse(listing, &s, err, sizeof(err)), 0);
	assert_non_null(b = nft_batch_apply(&s, &t, 0));
	assert_null(strstr(b, "delete table"));
	assert_null(strstr(b, "jump ks-out-lab"));
	assert_non_null(jump = strstr(b, "killswitch-out jump ks-out-work\n"));
	assert_non_null(del = strstr(b, "delete chain inet pptpd-client "
	    "ks-out-lab\n"));
	/* the jump to it goes before the chain can */
	assert_true(jump < del);
	assert_non_null(strstr(b, "delete chain inet pptpd-client in-lab\n"));
	assert_non_null(strstr(b, "delete chain inet pptpd-client nat-lab\n"));
	assert_non_null(strstr(b, "delete chain inet pptpd-client mss-lab\n"));
	assert_true(strstr(b, "delete chain inet pptpd-client in-lab\n") <
	    strstr(b, "delete counter inet pptpd-client gre-lab\n"));
	assert_null(strstr(b, "a b"));
	free(b);
}

/* The last of ours goes: the table with it, and nothing else. */
static void
test_last_down_deletes_table(void **state)
{
	struct fw_tunnel keep = tunnel("lab", "192.0.2.1", FW_KS_YES, "");
	char		 err[256], *b;

	assert_int_equal(nft_snap_parse(listing, &s, err, sizeof(err)), 0);
	assert_non_null(b = nft_batch_purge(&s, NULL, 0));
	assert_string_equal(b, "delete table inet pptpd-client\n");
	free(b);
	assert_non_null(b = nft_batch_purge(&s, &keep, 1));
	assert_non_null(strstr(b, "delete chain inet pptpd-client "
	    "ks-out-work\n"));
	assert_null(strstr(b, "delete chain inet pptpd-client in-lab"));
	assert_null(strstr(b, "jump ks-out-work"));
	free(b);
	/* nothing there, nothing wanted: nothing to do */
	memset(&s, 0, sizeof(s));
	assert_non_null(b = nft_batch_apply(&s, &keep, 0));
	assert_string_equal(b, "");
	free(b);
}

/* A restart after a crash: one batch sets every tunnel of the config. */
static void
test_set_all(void **state)
{
	struct fw_tunnel t[2] = { tunnel("lab", "192.0.2.1", FW_KS_YES, ""),
	    tunnel("new", "192.0.2.9", FW_KS_ALWAYS, "") };
	unsigned	 want[2] = { FW_PART_KS, FW_PART_KS }, none[2] = { 0, 0 };
	char		 err[256], *b;

	assert_int_equal(nft_snap_parse(listing, &s, err, sizeof(err)), 0);
	assert_non_null(b = nft_batch_set(&s, t, want, 2));
	assert_non_null(strstr(b, "killswitch-out jump ks-out-lab\n"
	    "add rule inet pptpd-client killswitch-out jump ks-out-new\n"));
	/* work is no longer configured; lab is not up */
	assert_null(strstr(b, "jump ks-out-work"));
	assert_non_null(strstr(b, "delete chain inet pptpd-client ks-out-work\n"));
	assert_non_null(strstr(b, "delete chain inet pptpd-client in-lab\n"));
	assert_non_null(strstr(b, "delete chain inet pptpd-client nat-lab\n"));
	assert_null(strstr(b, "delete table"));
	free(b);
	/* a clean stop with no `always`: no trace */
	assert_non_null(b = nft_batch_set(&s, t, none, 2));
	assert_string_equal(b, "delete table inet pptpd-client\n");
	free(b);
}

static void
test_forward_needs_interface(void **state)
{
	struct fw_tunnel t = tunnel("lab", "192.0.2.1", FW_KS_NO, "pptp-lab");
	char		*b;

	memset(&s, 0, sizeof(s));
	assert_non_null(b = nft_batch_apply(&s, &t, FW_PART_IN | FW_PART_FWD));
	assert_non_null(strstr(b, "add rule inet pptpd-client nat-lab meta "
	    "nfproto ipv4 oifname \"pptp-lab\" masquerade\n"));
	assert_non_null(strstr(b, "mss-lab iifname \"pptp-lab\" tcp flags & "
	    "(syn | rst) == syn tcp option maxseg size set rt mtu\n"));
	assert_null(strstr(b, "killswitch"));
	free(b);
}

/* ---- the host's ruleset -------------------------------------------------- */

#define HOSTCHAIN(policy) \
    "{\"chain\": {\"family\": \"inet\", \"table\": \"filter\", " \
    "\"name\": \"input\", \"type\": \"filter\", \"hook\": \"input\", " \
    "\"prio\": 0, \"policy\": \"" policy "\"}}"
#define RULE(expr) \
    "{\"rule\": {\"family\": \"inet\", \"table\": \"filter\", " \
    "\"chain\": \"input\", \"expr\": [" expr "]}}"
#define IIF_LO	"{\"match\": {\"op\": \"==\", \"left\": {\"meta\": " \
    "{\"key\": \"iif\"}}, \"right\": \"lo\"}}, {\"accept\": null}"
#define CT_EST	"{\"match\": {\"op\": \"in\", \"left\": {\"ct\": " \
    "{\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, " \
    "{\"accept\": null}"
#define TCP_1723 "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": " \
    "{\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": {\"prefix\": " \
    "{\"addr\": \"192.0.2.0\", \"len\": 24}}}}, {\"match\": {\"op\": \"==\", " \
    "\"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": " \
    "\"sport\"}}, \"right\": {\"set\": [22, 1723]}}}, {\"accept\": null}"
#define GRE_ANY	"{\"match\": {\"op\": \"==\", \"left\": {\"meta\": " \
    "{\"key\": \"l4proto\"}}, \"right\": \"gre\"}}, {\"accept\": null}"
#define JUMP	"{\"jump\": {\"target\": \"other\"}}"

static const char *
check(const char *json)
{
	static char	 warn[256];
	struct in_addr	 server;

	inet_pton(AF_INET, "192.0.2.1", &server);
	nft_host_check(json, server, warn, sizeof(warn));
	return warn;
}

static void
test_host_drops(void **state)
{
	const char	*w;

	/* only loopback accepted: both dropped, and the rules said */
	w = check(HEAD HOSTCHAIN("drop") ", " RULE(IIF_LO) "]}");
	assert_non_null(strstr(w, "inet filter input drops GRE and TCP 1723 "
	    "replies from 192.0.2.1"));
	assert_non_null(strstr(w, "nft insert rule inet filter input ip saddr "
	    "192.0.2.1 ip protocol gre accept"));
	assert_non_null(strstr(w, "tcp sport 1723 accept"));
	/* port 1723 accepted by a prefix and a set: GRE alone */
	w = check(HEAD HOSTCHAIN("drop") ", " RULE(IIF_LO) ", " RULE(TCP_1723)
	    "]}");
	assert_non_null(strstr(w, "drops GRE from"));
	assert_null(strstr(w, "tcp sport"));
	/* GRE from anyone, and 1723: nothing to say */
	assert_string_equal(check(HEAD HOSTCHAIN("drop") ", " RULE(TCP_1723)
	    ", " RULE(GRE_ANY) "]}"), "");
	/* established (GRE counts as such once we sent some): silence */
	assert_string_equal(check(HEAD HOSTCHAIN("drop") ", " RULE(CT_EST)
	    "]}"), "");
}

static void
test_host_silent_when_unsure(void **state)
{
	/* a jump could accept: no false alarm */
	assert_string_equal(check(HEAD HOSTCHAIN("drop") ", " RULE(IIF_LO)
	    ", " RULE(JUMP) "]}"), "");
	/* accepting by policy */
	assert_string_equal(check(HEAD HOSTCHAIN("accept") ", " RULE(IIF_LO)
	    "]}"), "");
	/* no host table at all, or nothing JSON */
	assert_string_equal(check(HEAD "{\"table\": {\"family\": \"inet\", "
	    "\"name\": \"pptpd-client\"}}]}"), "");
	assert_string_equal(check("not json"), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_first_up),
		cmocka_unit_test(test_down_keeps_other),
		cmocka_unit_test(test_last_down_deletes_table),
		cmocka_unit_test(test_set_all),
		cmocka_unit_test(test_forward_needs_interface),
		cmocka_unit_test(test_host_drops),
		cmocka_unit_test(test_host_silent_when_unsure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
