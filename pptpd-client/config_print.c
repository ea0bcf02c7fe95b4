/*
 * The normalized configuration, as `pptpd-client -n` shows it: every
 * setting, defaults included, in a fixed order, in a form parse.y reads
 * back to the same configuration. Passwords are never printed.
 */

#include <arpa/inet.h>
#include <stdio.h>

#include "pptpd-client/config.h"

/* Quoted so that parse.y reads back exactly the same bytes. */
static void
print_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
print_kv(FILE *f, const char *indent, const char *key, const char *val)
{
	fprintf(f, "%s%s ", indent, key);
	print_quoted(f, val);
	fputc('\n', f);
}

static void
print_prefixes(FILE *f, const char *key, const struct route_head *h)
{
	const struct route_conf	*r;
	char			 a[INET_ADDRSTRLEN];

	TAILQ_FOREACH(r, h, entry) {
		if (r->is_default) {
			fprintf(f, "\t%s default\n", key);
			continue;
		}
		inet_ntop(AF_INET, &r->pfx.addr, a, sizeof(a));
		fprintf(f, "\t%s %s/%u\n", key, a, r->pfx.len);
	}
}

static void
print_tunnel(FILE *f, const struct tunnel_conf *t)
{
	struct in_addr	 ia;

	fputs("tunnel ", f);
	print_quoted(f, t->name);
	fputs(" {\n", f);
	/* an address needs no quotes; a host name might clash with a keyword */
	if (inet_pton(AF_INET, t->server, &ia) == 1)
		fprintf(f, "\tserver %s\n", t->server);
	else
		print_kv(f, "\t", "server", t->server);
	print_kv(f, "\t", "username", t->username);
	if (t->password_inline)
		print_kv(f, "\t", "password", "********");
	else
		print_kv(f, "\t", "password-file", t->password_file);
	fprintf(f, "\tmppe %s\n", config_mppe_str(t->mppe));
	fprintf(f, "\tallow-pap %s\n", t->allow_pap ? "yes" : "no");
	fprintf(f, "\tdns %s\n", t->dns ? "yes" : "no");
	fprintf(f, "\tdns-route %s\n", t->dns_route ? "yes" : "no");
	fprintf(f, "\tdatapath %s\n", config_datapath_str(t->datapath));
	print_prefixes(f, "route", &t->routes);
	fprintf(f, "\tkill-switch %s\n", config_killswitch_str(t->kill_switch));
	print_prefixes(f, "allow", &t->allow);
	fprintf(f, "\tpersist %s\n", config_persist_str(t->persist));
	fprintf(f, "\treconnect-max %u\n", t->reconnect_max_s);
	fprintf(f, "\tforward %s\n", t->forward ? "yes" : "no");
	fprintf(f, "\tconnect-timeout %u\n", t->connect_timeout_ms / 1000);
	fprintf(f, "\techo-interval %u\n", t->echo_interval_ms / 1000);
	fprintf(f, "\techo-timeout %u\n", t->echo_timeout_ms / 1000);
	fprintf(f, "\treorder-wait %u\n", t->reorder_wait_ms);
	fprintf(f, "\tmtu %u\n", t->mtu);
	fprintf(f, "\tlcp-echo-interval %u\n", t->lcp_echo_interval);
	fprintf(f, "\tlcp-echo-failure %u\n", t->lcp_echo_failure);
	if (t->pppd_options[0] != '\0')
		print_kv(f, "\t", "pppd-options", t->pppd_options);
	fputs("}\n", f);
}

void
print_config(FILE *f, const struct pcconf *c, int flags)
{
	const struct tunnel_conf	*t;

	print_kv(f, "", "user", c->user);
	if (c->control_group[0] != '\0')
		print_kv(f, "", "control-group", c->control_group);
	print_kv(f, "", "control-socket", c->control_socket);
	fprintf(f, "firewall %s\n", config_firewall_str(c->firewall));
	print_kv(f, "", "pppd", c->pppd);
	if (c->pppd_plugin[0] != '\0')
		print_kv(f, "", "pppd-plugin", c->pppd_plugin);
	fprintf(f, "pppd-debug %s\n", c->pppd_debug ? "yes" : "no");
	TAILQ_FOREACH(t, &c->tunnels, entry) {
		fputc('\n', f);
		print_tunnel(f, t);
	}
}
