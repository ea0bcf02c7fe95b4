/*
 * The nftables backend: would the host's own tables drop what the server
 * sends us? In nftables a packet passes every base chain on its hook, and
 * a drop in any of them is final, so the accept in our in-T chain cannot
 * help against a host chain that drops by policy (iptables let us insert
 * ahead of the host's rules instead). We cannot fix that without editing
 * the host's table, which is not ours, so we say so, with the rule to add.
 *
 * The check walks each input-hook base chain of the host's (families ip
 * and inet) with two packets in mind: GRE from the server, and a TCP
 * reply from its port 1723 (conntrack state established; GRE is taken as
 * established too, since we send GRE to the server first). It knows the
 * simple matches such chains are made of (addresses, protocol, ports,
 * ct state, nfproto, interface lo); a rule it cannot judge (a jump, a
 * set lookup, a match it does not know) that might accept makes it say
 * nothing about that chain: it errs towards silence, never towards a
 * false alarm. Pure code over nft's JSON listing. Runs in the parent.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_nftables.h"

enum tri { NO = 0, YES = 1, MAYBE = 2 };
enum pkt { P_GRE, P_TCP };

struct probe {
	struct in_addr	 server;
	enum pkt	 kind;
};

static const char *
jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *
jget(json_object *o, const char *key)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* ---- one value against the packet's field -------------------------------- */

static enum tri
addr_in(json_object *right, struct in_addr a)
{
	struct in_addr	 net;
	json_object	*pfx = jget(right, "prefix");
	const char	*s;
	int		 len;

	if (json_object_is_type(right, json_type_string)) {
		s = json_object_get_string(right);
		if (inet_pton(AF_INET, s, &net) != 1)
			return MAYBE;
		return net.s_addr == a.s_addr ? YES : NO;
	}
	if (pfx == NULL || (s = jstr(pfx, "addr")) == NULL ||
	    inet_pton(AF_INET, s, &net) != 1)
		return MAYBE;
	len = json_object_get_int(jget(pfx, "len"));
	if (len < 0 || len > 32)
		return MAYBE;
	if (len == 0)
		return YES;
	return ((net.s_addr ^ a.s_addr) & htonl(~0U << (32 - len))) == 0 ?
	    YES : NO;
}

static enum tri
proto_is(json_object *right, enum pkt kind)
{
	const char	*s;
	int		 n;

	if (json_object_is_type(right, json_type_int)) {
		n = json_object_get_int(right);
		return n == (kind == P_GRE ? 47 : 6) ? YES : NO;
	}
	if ((s = json_object_get_string(right)) == NULL)
		return MAYBE;
	return strcmp(s, kind == P_GRE ? "gre" : "tcp") == 0 ? YES : NO;
}

static enum tri
port_is(json_object *right, int port)
{
	json_object	*range = jget(right, "range");

	if (json_object_is_type(right, json_type_int))
		return json_object_get_int(right) == port ? YES : NO;
	if (range != NULL && json_object_array_length(range) == 2)
		return json_object_get_int(json_object_array_get_idx(range,
		    0)) <= port && port <= json_object_get_int(
		    json_object_array_get_idx(range, 1)) ? YES : NO;
	return MAYBE;
}

static enum tri
ctstate_is(json_object *right)
{
	const char	*s = json_object_get_string(right);

	if (!json_object_is_type(right, json_type_string))
		return MAYBE;
	return strcmp(s, "established") == 0 ? YES : NO;
}

/* The field named by left, compared with one value of right. */
static enum tri
value_matches(json_object *left, json_object *right, const struct probe *p)
{
	json_object	*pl = jget(left, "payload"), *meta = jget(left, "meta"),
			*ct = jget(left, "ct");
	const char	*proto = jstr(pl, "protocol"), *field = jstr(pl, "field"),
			*key = jstr(meta, "key");

	if (proto != NULL && field != NULL) {
		if (strcmp(proto, "ip") == 0 && strcmp(field, "saddr") == 0)
			return addr_in(right, p->server);
		if (strcmp(proto, "ip") == 0 && strcmp(field, "protocol") == 0)
			return proto_is(right, p->kind);
		if (strcmp(proto, "tcp") == 0 && p->kind == P_GRE)
			return NO;	/* a TCP field is no GRE packet's */
		if (strcmp(proto, "tcp") == 0 && strcmp(field, "sport") == 0)
			return port_is(right, 1723);
		if (strcmp(proto, "ip6") == 0 || strcmp(proto, "udp") == 0 ||
		    strcmp(proto, "icmp") == 0 || strcmp(proto, "icmpv6") == 0)
			return NO;
		return MAYBE;
	}
	if (key != NULL && strcmp(key, "l4proto") == 0)
		return proto_is(right, p->kind);
	if (key != NULL && strcmp(key, "nfproto") == 0)
		return strcmp(json_object_get_string(right), "ipv4") == 0 ?
		    YES : NO;
	/* the server's packets never come in on loopback; any other
	 * interface might be the one */
	if (key != NULL && (strcmp(key, "iifname") == 0 ||
	    strcmp(key, "iif") == 0))
		return strcmp(json_object_get_string(right), "lo") == 0 ?
		    NO : MAYBE;
	if (ct != NULL && (key = jstr(ct, "key")) != NULL &&
	    strcmp(key, "state") == 0)
		return ctstate_is(right);
	return MAYBE;
}

/* A value, a set of values ({"set": [...]}) or a list (ct state). */
static enum tri
any_matches(json_object *left, json_object *right, const struct probe *p)
{
	json_object	*set = jget(right, "set");
	enum tri	 r, best = NO;
	size_t		 i;

	if (set == NULL && json_object_is_type(right, json_type_array))
		set = right;
	if (set == NULL)
		return value_matches(left, right, p);
	for (i = 0; i < json_object_array_length(set); i++) {
		r = value_matches(left, json_object_array_get_idx(set, i), p);
		if (r == YES)
			return YES;
		if (r == MAYBE)
			best = MAYBE;
	}
	return best;
}

static enum tri
match(json_object *m, const struct probe *p)
{
	const char	*op = jstr(m, "op");
	enum tri	 r;

	r = any_matches(jget(m, "left"), jget(m, "right"), p);
	if (op != NULL && strcmp(op, "!=") == 0 && r != MAYBE)
		return r == YES ? NO : YES;
	if (op != NULL && strcmp(op, "==") != 0 && strcmp(op, "in") != 0 &&
	    strcmp(op, "!=") != 0)
		return MAYBE;
	return r;
}

/* ---- one rule, one chain -------------------------------------------------- */

enum verdict { V_NONE, V_ACCEPT, V_DROP, V_MAYBE_ACCEPT };

static enum verdict
rule_verdict(json_object *expr, const struct probe *p)
{
	json_object	*e;
	enum tri	 all = YES, r;
	size_t		 i;

	for (i = 0; i < json_object_array_length(expr); i++) {
		e = json_object_array_get_idx(expr, i);
		if (jget(e, "match") != NULL) {
			if ((r = match(jget(e, "match"), p)) == NO)
				return V_NONE;
			if (r == MAYBE)
				all = MAYBE;
		} else if (json_object_object_get_ex(e, "accept", NULL))
			return all == YES ? V_ACCEPT : V_MAYBE_ACCEPT;
		else if (json_object_object_get_ex(e, "drop", NULL) ||
		    json_object_object_get_ex(e, "reject", NULL))
			return all == YES ? V_DROP : V_NONE;
		else if (!json_object_object_get_ex(e, "counter", NULL) &&
		    !json_object_object_get_ex(e, "log", NULL))
			/* a jump, a set, a statement we do not know: it
			 * may let the packet through */
			return V_MAYBE_ACCEPT;
	}
	return V_NONE;
}

/* Whether the chain surely drops the packet. */
static int
chain_drops(json_object *list, json_object *chain, const struct probe *p)
{
	const char	*family = jstr(chain, "family"), *table, *name;
	const char	*policy = jstr(chain, "policy");
	json_object	*rule;
	enum verdict	 v;
	size_t		 i;

	table = jstr(chain, "table");
	name = jstr(chain, "name");
	for (i = 0; i < json_object_array_length(list); i++) {
		rule = jget(json_object_array_get_idx(list, i), "rule");
		if (rule == NULL || jstr(rule, "family") == NULL ||
		    strcmp(jstr(rule, "family"), family) != 0 ||
		    strcmp(jstr(rule, "table"), table) != 0 ||
		    strcmp(jstr(rule, "chain"), name) != 0)
			continue;
		v = rule_verdict(jget(rule, "expr"), p);
		if (v == V_ACCEPT || v == V_MAYBE_ACCEPT)
			return 0;
		if (v == V_DROP)
			return 1;
	}
	return policy != NULL && strcmp(policy, "drop") == 0;
}

/* A base chain of the host's that input packets of IPv4 pass. */
static int
host_input_chain(json_object *chain)
{
	const char	*family = jstr(chain, "family"), *hook = jstr(chain, "hook");
	const char	*table = jstr(chain, "table");

	if (family == NULL || hook == NULL || table == NULL ||
	    jstr(chain, "name") == NULL || strcmp(hook, "input") != 0)
		return 0;
	if (strcmp(family, "inet") == 0 && strcmp(table, NFT_TABLE) == 0)
		return 0;
	return strcmp(family, "ip") == 0 || strcmp(family, "inet") == 0;
}

static void
warn_chain(json_object *chain, int gre, int tcp, struct in_addr server,
    char *warn, size_t warnlen)
{
	char	 a[INET_ADDRSTRLEN], where[160], rgre[256], rtcp[256];

	inet_ntop(AF_INET, &server, a, sizeof(a));
	snprintf(where, sizeof(where), "%s %s %s", jstr(chain, "family"),
	    jstr(chain, "table"), jstr(chain, "name"));
	snprintf(rgre, sizeof(rgre), " nft insert rule %s ip saddr %s "
	    "ip protocol gre accept", where, a);
	snprintf(rtcp, sizeof(rtcp), " nft insert rule %s ip saddr %s "
	    "tcp sport 1723 accept", where, a);
	snprintf(warn, warnlen, "the host's nftables chain %s drops %s from "
	    "%s; add:%s%s%s", where, gre && tcp ? "GRE and TCP 1723 replies" :
	    gre ? "GRE" : "TCP 1723 replies", a, gre ? rgre : "",
	    gre && tcp ? ";" : "", tcp ? rtcp : "");
}

void
nft_host_check(const char *json, struct in_addr server, char *warn,
    size_t warnlen)
{
	json_object	*doc, *list, *chain;
	struct probe	 gre = { server, P_GRE }, tcp = { server, P_TCP };
	int		 dg, dt;
	size_t		 i;

	if (warnlen > 0)
		warn[0] = '\0';
	if (json == NULL || (doc = json_tokener_parse(json)) == NULL)
		return;
	if ((list = jget(doc, "nftables")) == NULL ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(doc);
		return;
	}
	for (i = 0; i < json_object_array_length(list); i++) {
		chain = jget(json_object_array_get_idx(list, i), "chain");
		if (chain == NULL || !host_input_chain(chain))
			continue;
		dg = chain_drops(list, chain, &gre);
		dt = chain_drops(list, chain, &tcp);
		if (dg || dt) {
			warn_chain(chain, dg, dt, server, warn, warnlen);
			break;
		}
	}
	json_object_put(doc);
}
