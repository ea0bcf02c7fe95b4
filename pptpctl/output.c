/*
 * How pptpctl prints: for people, one block per tunnel in the manner of
 * `wg show`; for scripts (-j), JSON built with json-c. The JSON key names
 * are a contract (README.md, Interfaces). Counters are printed by
 * output_counters.c with the helpers here.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "pptpctl/pptpctl.h"

int json_output;

struct json_object *jlist;	/* the "tunnels" array being built */
int nblocks;			/* blocks printed, for the blank lines */

/* Terminal output must not carry the daemon's control characters. */
void
printable(char *s)
{
	/* the daemon sends ASCII; anything else (C0 and C1 controls, bytes
	   of UTF-8 or not) could steer a terminal, and is shown as '?' */
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static void
addr_str(char *buf, size_t len, struct in_addr a)
{
	if (a.s_addr == INADDR_ANY || inet_ntop(AF_INET, &a, buf, len) == NULL)
		buf[0] = '\0';
}

void
fmt_duration(char *buf, size_t len, uint64_t s)
{
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d > 0)
		snprintf(buf, len, "%llud %lluh %llum %llus",
		    (unsigned long long)d, (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)(s % 60));
	else if (h > 0)
		snprintf(buf, len, "%lluh %llum %llus", (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)(s % 60));
	else if (m > 0)
		snprintf(buf, len, "%llum %llus", (unsigned long long)m,
		    (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
}

uint64_t
status_uptime(const struct ctl_status *st, time_t now)
{
	if (st->state != TS_UP || st->up_since <= 0 || st->up_since > now)
		return 0;
	return (uint64_t)(now - st->up_since);
}

/* The daemon's strings, terminated and ready to print. */
struct status_text {
	char	name[PC_NAME_MAX + 1];
	char	server[256 + 1];
	char	ifname[16 + 1];
	char	last_error[PC_ERR_MAX + 1];
	char	note[PC_ERR_MAX + 1];
	char	datapath[8 + 1];
	char	server_addr[INET_ADDRSTRLEN];
	char	local[INET_ADDRSTRLEN];
	char	remote[INET_ADDRSTRLEN];
};

static void
status_text(const struct ctl_status *st, struct status_text *t)
{
	FIELD(t->name, st->name);
	FIELD(t->server, st->server);
	FIELD(t->ifname, st->ifname);
	FIELD(t->last_error, st->last_error);
	FIELD(t->note, st->note);
	FIELD(t->datapath, st->datapath);
	addr_str(t->server_addr, sizeof(t->server_addr), st->server_addr);
	addr_str(t->local, sizeof(t->local), st->local);
	addr_str(t->remote, sizeof(t->remote), st->remote);
}

/* JSON must be UTF-8: a byte that is not printable ASCII becomes '?' here
   too (json-c would pass it through as it is) */
void
jadd_str(struct json_object *o, const char *k, const char *v)
{
	char buf[1024];

	strlcpy(buf, v, sizeof(buf));
	printable(buf);
	json_object_object_add(o, k, json_object_new_string(buf));
}

void
jadd_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static struct json_object *
status_json(const struct ctl_status *st)
{
	struct json_object *o;
	struct status_text t;

	status_text(st, &t);
	if ((o = json_object_new_object()) == NULL)
		errx(EX_FAILED, "out of memory");
	jadd_str(o, "name", t.name);
	jadd_str(o, "state", tunnel_state_name(st->state));
	jadd_str(o, "interface", t.ifname);
	jadd_str(o, "datapath", t.datapath);
	jadd_str(o, "local", t.local);
	jadd_str(o, "remote", t.remote);
	jadd_str(o, "server", t.server);
	jadd_str(o, "server_address", t.server_addr);
	jadd_u64(o, "uptime_s", status_uptime(st, time(NULL)));
	json_object_object_add(o, "since", json_object_new_int64(st->since));
	json_object_object_add(o, "next_attempt",
	    json_object_new_int64(st->next_attempt));
	jadd_u64(o, "reconnects", st->reconnects);
	jadd_str(o, "last_error", t.last_error);
	jadd_str(o, "note", t.note);
	return o;
}

void
json_print(struct json_object *o)
{
	const char *s;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		errx(EX_FAILED, "out of memory");
	printf("%s\n", s);
}

void
list_begin(void)
{
	nblocks = 0;
	if (json_output && (jlist = json_object_new_array()) == NULL)
		errx(EX_FAILED, "out of memory");
}

void
list_end(void)
{
	struct json_object *top;

	if (!json_output)
		return;
	if ((top = json_object_new_object()) == NULL)
		errx(EX_FAILED, "out of memory");
	json_object_object_add(top, "tunnels", jlist);
	json_print(top);
	json_object_put(top);
	jlist = NULL;
}

void
out_status_begin(void)
{
	list_begin();
}

void
out_status_end(void)
{
	list_end();
}

static void
line(const char *key, const char *value)
{
	if (*value != '\0')
		printf("  %-11s %s\n", key, value);
}

void
out_status(const struct ctl_status *st)
{
	struct status_text t;
	char buf[512], dur[64];
	time_t now = time(NULL);

	if (json_output) {
		json_object_array_add(jlist, status_json(st));
		return;
	}
	status_text(st, &t);
	printable(t.name);
	printable(t.server);
	printable(t.ifname);
	printable(t.last_error);
	printable(t.note);
	if (nblocks++ > 0)
		printf("\n");
	printf("tunnel: %s\n", t.name);
	if (st->since > 0 && st->since <= now && st->state != TS_UP) {
		fmt_duration(dur, sizeof(dur), (uint64_t)(now - st->since));
		snprintf(buf, sizeof(buf), "%s (for %s)",
		    tunnel_state_name(st->state), dur);
	} else
		snprintf(buf, sizeof(buf), "%s", tunnel_state_name(st->state));
	line("state:", buf);
	if (t.datapath[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s (%s data path)", t.ifname,
		    t.datapath);
		line("interface:", buf);
	} else
		line("interface:", t.ifname);
	if (t.local[0] != '\0' || t.remote[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s -> %s",
		    t.local[0] ? t.local : "?", t.remote[0] ? t.remote : "?");
		line("addresses:", buf);
	}
	if (t.server_addr[0] != '\0' && strcmp(t.server, t.server_addr) != 0)
		snprintf(buf, sizeof(buf), "%s (%s)", t.server, t.server_addr);
	else
		snprintf(buf, sizeof(buf), "%s", t.server);
	line("server:", buf);
	if (st->state == TS_UP) {
		fmt_duration(dur, sizeof(dur), status_uptime(st, now));
		line("uptime:", dur);
	}
	if (st->reconnects > 0) {
		snprintf(buf, sizeof(buf), "%u", st->reconnects);
		line("reconnects:", buf);
	}
	if (st->state == TS_WAITING && st->next_attempt > 0) {
		fmt_duration(dur, sizeof(dur), st->next_attempt > now ?
		    (uint64_t)(st->next_attempt - now) : 0);
		snprintf(buf, sizeof(buf), "in %s", dur);
		line("next attempt:", buf);
	}
	line("last error:", t.last_error);
	line("note:", t.note);
}

void
out_event(const struct ctl_status *st, int initial)
{
	struct json_object *o;
	struct status_text t;
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (json_output) {
		o = status_json(st);
		jadd_str(o, "event", initial ? "snapshot" : "change");
		json_object_object_add(o, "time", json_object_new_int64(now));
		json_print(o);
		json_object_put(o);
		fflush(stdout);
		return;
	}
	status_text(st, &t);
	printable(t.name);
	printable(t.ifname);
	printable(t.last_error);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s %s %s", stamp, t.name, tunnel_state_name(st->state));
	if (st->state == TS_UP)
		printf(" %s %s -> %s", t.ifname[0] ? t.ifname : "?",
		    t.local[0] ? t.local : "?", t.remote[0] ? t.remote : "?");
	if (t.last_error[0] != '\0' && st->state != TS_UP)
		printf(": %s", t.last_error);
	printf("\n");
	fflush(stdout);
}
