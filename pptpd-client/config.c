/*
 * The config as a data structure: built with defaults, looked up, spelled
 * and freed. parse.y fills it; printconf.c prints it.
 */

#include <stdlib.h>
#include <string.h>

#include "pptpd-client/config.h"

struct pcconf *
config_new(void)
{
	struct pcconf	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	strlcpy(c->user, PC_DEFAULT_USER, sizeof(c->user));
	strlcpy(c->control_socket, PC_DEFAULT_SOCKET, sizeof(c->control_socket));
	strlcpy(c->pppd, PC_DEFAULT_PPPD, sizeof(c->pppd));
	c->firewall = FW_AUTO;
	TAILQ_INIT(&c->tunnels);
	return c;
}

static void
free_routes(struct route_head *h)
{
	struct route_conf	*r;

	while ((r = TAILQ_FIRST(h)) != NULL) {
		TAILQ_REMOVE(h, r, entry);
		free(r);
	}
}

void
config_free(struct pcconf *c)
{
	struct tunnel_conf	*t;

	if (c == NULL)
		return;
	while ((t = TAILQ_FIRST(&c->tunnels)) != NULL) {
		TAILQ_REMOVE(&c->tunnels, t, entry);
		free_routes(&t->routes);
		free_routes(&t->allow);
		explicit_bzero(t->password, sizeof(t->password));
		free(t);
	}
	free(c);
}

struct tunnel_conf *
config_tunnel(struct pcconf *c, const char *name)
{
	struct tunnel_conf	*t;

	TAILQ_FOREACH(t, &c->tunnels, entry)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const char *
config_mppe_str(enum mppe_mode m)
{
	switch (m) {
	case MPPE_REQUIRED:
		return "required";
	case MPPE_OPTIONAL:
		return "optional";
	case MPPE_NONE:
		return "none";
	}
	return "?";
}

const char *
config_persist_str(enum persist p)
{
	switch (p) {
	case PERSIST_NO:
		return "no";
	case PERSIST_YES:
		return "yes";
	case PERSIST_ALWAYS:
		return "always";
	}
	return "?";
}

const char *
config_killswitch_str(enum killswitch k)
{
	switch (k) {
	case KS_NO:
		return "no";
	case KS_YES:
		return "yes";
	case KS_ALWAYS:
		return "always";
	}
	return "?";
}

const char *
config_firewall_str(enum fw_backend f)
{
	switch (f) {
	case FW_AUTO:
		return "auto";
	case FW_NFTABLES:
		return "nftables";
	case FW_IPTABLES:
		return "iptables";
	case FW_NONE:
		return "none";
	}
	return "?";
}

const char *
config_datapath_str(enum datapath d)
{
	switch (d) {
	case DP_AUTO:
		return "auto";
	case DP_KERNEL:
		return "kernel";
	case DP_USER:
		return "user";
	}
	return "?";
}

static int
routes_equal(const struct route_head *a, const struct route_head *b)
{
	const struct route_conf *x, *y;

	for (x = TAILQ_FIRST(a), y = TAILQ_FIRST(b); x != NULL && y != NULL;
	    x = TAILQ_NEXT(x, entry), y = TAILQ_NEXT(y, entry))
		if (x->is_default != y->is_default ||
		    x->pfx.addr.s_addr != y->pfx.addr.s_addr ||
		    x->pfx.len != y->pfx.len)
			return 0;
	return x == NULL && y == NULL;
}

/* Would the tunnel run any differently? (Where it was written does not
   count.) */
int
config_tunnel_equal(const struct tunnel_conf *a, const struct tunnel_conf *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->server, b->server) == 0 &&
	    strcmp(a->username, b->username) == 0 &&
	    strcmp(a->password_file, b->password_file) == 0 &&
	    strcmp(a->password, b->password) == 0 &&
	    a->password_inline == b->password_inline &&
	    a->mppe == b->mppe && a->allow_pap == b->allow_pap &&
	    a->dns == b->dns && a->dns_route == b->dns_route &&
	    a->datapath == b->datapath &&
	    routes_equal(&a->routes, &b->routes) &&
	    a->kill_switch == b->kill_switch &&
	    routes_equal(&a->allow, &b->allow) &&
	    a->persist == b->persist &&
	    a->reconnect_max_s == b->reconnect_max_s &&
	    a->forward == b->forward &&
	    a->connect_timeout_ms == b->connect_timeout_ms &&
	    a->echo_interval_ms == b->echo_interval_ms &&
	    a->echo_timeout_ms == b->echo_timeout_ms &&
	    a->reorder_wait_ms == b->reorder_wait_ms &&
	    a->mtu == b->mtu &&
	    a->lcp_echo_interval == b->lcp_echo_interval &&
	    a->lcp_echo_failure == b->lcp_echo_failure &&
	    strcmp(a->pppd_options, b->pppd_options) == 0;
}
