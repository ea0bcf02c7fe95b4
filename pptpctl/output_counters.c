/*
 * `pptpctl show counters`: for people a short block per tunnel in the
 * manner of `wg show` (what matters at a glance, in human units), every
 * counter with -v; for scripts JSON (-j, keys fixed by README.md) or the
 * Prometheus text format that node_exporter's textfile collector reads
 * (-o prometheus).
 */
#include <assert.h>
#include <err.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "pptpctl/pptpctl.h"

/* How a value reads: a count, milliseconds, or a Unix time (0: never). */
enum kind { K_COUNT, K_MS, K_TIME, K_SECONDS };

struct counter_desc {
	const char	*group;		/* -v heading */
	const char	*name;		/* JSON key, metric stem */
	size_t		 off;		/* in struct ctl_counters */
	enum kind	 kind;
	const char	*help;		/* Prometheus HELP */
};

#define E(group, field, kind, help) \
	{ group, #field, offsetof(struct ctl_counters, c.field), kind, help }
#define P(group, field, kind, help) \
	{ group, #field, offsetof(struct ctl_counters, field), kind, help }

/* The engine's, in print order (struct pptp_counters, proto/counters.h). */
static const struct counter_desc engine_descs[] = {
	E("control connection", ctrl_tx, K_COUNT, "Control messages sent."),
	E("control connection", ctrl_rx, K_COUNT,
	    "Control messages received."),
	E("control connection", ctrl_malformed, K_COUNT,
	    "Control messages refused as malformed."),
	E("control connection", ctrl_reserved_set, K_COUNT,
	    "Control messages accepted with a reserved field set."),
	E("control connection", ctrl_last_rx_time, K_TIME,
	    "Unix time of the last control message from the server."),
	E("control connection", echo_tx, K_COUNT, "Echo-Requests sent."),
	E("control connection", echo_rx, K_COUNT, "Echo-Replies received."),
	E("control connection", echo_rtt_ms, K_MS,
	    "Round trip of the last echo."),
	E("control connection", echo_timeouts, K_COUNT,
	    "Echo-Replies that never came."),
	E("control connection", wan_errors, K_COUNT,
	    "WAN-Error-Notify messages received."),
	E("control connection", set_link_info, K_COUNT,
	    "Set-Link-Info messages received."),
	E("GRE", gre_tx_packets, K_COUNT, "GRE packets sent."),
	E("GRE", gre_tx_bytes, K_COUNT, "PPP payload bytes sent in GRE."),
	E("GRE", gre_rx_seen, K_COUNT,
	    "GRE packets read for the call, whatever became of them."),
	E("GRE", gre_rx_packets, K_COUNT,
	    "GRE packets received and passed to pppd."),
	E("GRE", gre_rx_bytes, K_COUNT,
	    "PPP payload bytes received in GRE."),
	E("GRE", gre_rx_out_of_order, K_COUNT,
	    "GRE packets that arrived early and waited for reordering."),
	E("GRE", gre_rx_lost, K_COUNT,
	    "Gaps in the GRE sequence never filled."),
	E("GRE", gre_rx_duplicate, K_COUNT,
	    "Duplicate or too old GRE packets."),
	E("GRE", gre_rx_malformed, K_COUNT, "Malformed GRE packets."),
	E("GRE", gre_rx_wrong_call, K_COUNT,
	    "GRE packets for another call."),
	E("GRE", gre_rx_window_drops, K_COUNT,
	    "GRE packets beyond the receive window."),
	E("GRE", gre_tx_acks, K_COUNT, "Acknowledgement-only packets sent."),
	E("GRE", gre_rx_acks, K_COUNT, "Acknowledgements received."),
	E("GRE", gre_tx_window_full, K_COUNT,
	    "Frames dropped because the server's window was full."),
	E("PPP framing", ppp_rx_frames, K_COUNT, "Frames read from pppd."),
	E("PPP framing", ppp_tx_frames, K_COUNT, "Frames written to pppd."),
	E("PPP framing", ppp_bad_fcs, K_COUNT,
	    "Frames from pppd with a bad checksum."),
	E("PPP framing", ppp_runts, K_COUNT, "Frames from pppd too short."),
	E("PPP framing", ppp_too_long, K_COUNT,
	    "Frames from pppd too long."),
	E("PPP framing", ppp_queue_drops, K_COUNT,
	    "Frames dropped while the call was not up."),
};

/* A field added to proto/counters.h must be added above as well. */
static_assert(sizeof(struct pptp_counters) ==
    sizeof(engine_descs) / sizeof(engine_descs[0]) * sizeof(uint64_t),
    "pptpctl does not print every field of struct pptp_counters");

/* The parent's, after the engine's. */
static const struct counter_desc parent_descs[] = {
	P("firewall", fw_gre_packets, K_COUNT,
	    "GRE packets the firewall rule admitted from the server."),
	P("firewall", fw_gre_bytes, K_COUNT,
	    "GRE bytes the firewall rule admitted from the server."),
	P(NULL, reconnects, K_COUNT, "Reconnections since the daemon started."),
	P(NULL, uptime_s, K_SECONDS, "Seconds the tunnel has been up."),
};
#undef E
#undef P

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static enum counters_format format;
/* -o prometheus: everything is printed at the end, metric by metric */
static struct ctl_counters *kept;
static size_t nkept;
/* the tunnels' states, from the status request made before */
static struct {
	char		name[PC_NAME_MAX + 1];
	uint32_t	state;
} *states;
static size_t nstates;

static uint64_t
value(const struct ctl_counters *cc, const struct counter_desc *d)
{
	uint64_t v;

	memcpy(&v, (const char *)cc + d->off, sizeof(v));
	return v;
}

void
fmt_bytes(char *buf, size_t len, uint64_t n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)n);
		return;
	}
	while (v >= 1024 && u < (int)NELEM(unit) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.2f %s", v, unit[u]);
}

/* "12 seconds ago", "3 minutes, 4 seconds ago": the two largest units. */
void
fmt_ago(char *buf, size_t len, uint64_t s)
{
	static const struct { const char *name; uint64_t secs; } u[] = {
		{ "day", 86400 }, { "hour", 3600 }, { "minute", 60 },
		{ "second", 1 },
	};
	char part[2][32];
	uint64_t n;
	size_t i;
	int np = 0;

	for (i = 0; i < NELEM(u) && np < 2; i++) {
		n = s / u[i].secs;
		s %= u[i].secs;
		if (n == 0) {
			if (np > 0)	/* "3 minutes ago", not "..., 0 s" */
				break;
			if (i + 1 < NELEM(u))
				continue;
		}
		snprintf(part[np++], sizeof(part[0]), "%llu %s%s",
		    (unsigned long long)n, u[i].name, n == 1 ? "" : "s");
	}
	if (np == 2)
		snprintf(buf, len, "%s, %s ago", part[0], part[1]);
	else
		snprintf(buf, len, "%s ago", part[0]);
}

void
out_counters_begin(enum counters_format f)
{
	format = f;
	if (format == CF_JSON)
		json_output = 1;
	list_begin();
}

void
out_counters_state(const struct ctl_status *st)
{
	void *p;

	if ((p = reallocarray(states, nstates + 1, sizeof(*states))) == NULL)
		err(EX_FAILED, NULL);
	states = p;
	FIELD(states[nstates].name, st->name);
	states[nstates++].state = st->state;
}

static const char *
state_of(const char *name)
{
	size_t i;

	for (i = 0; i < nstates; i++)
		if (strcmp(states[i].name, name) == 0)
			return tunnel_state_name(states[i].state);
	return NULL;
}

static void
counters_json(const struct ctl_counters *cc, const char *name)
{
	struct json_object *o;
	size_t i;

	if ((o = json_object_new_object()) == NULL)
		errx(EX_FAILED, "out of memory");
	jadd_str(o, "name", name);
	for (i = 0; i < NELEM(engine_descs); i++)
		jadd_u64(o, engine_descs[i].name, value(cc, &engine_descs[i]));
	for (i = 0; i < NELEM(parent_descs); i++)
		jadd_u64(o, parent_descs[i].name, value(cc, &parent_descs[i]));
	json_object_array_add(jlist, o);
}

static void
row(const char *key, const char *val)
{
	char k[64];

	snprintf(k, sizeof(k), "%s:", key);
	printf("  %-19s %s\n", k, val);
}

/* The server's last word, as "12 seconds ago", or "never". */
static void
last_heard(char *buf, size_t len, uint64_t t)
{
	time_t now = time(NULL);

	if (t == 0)
		snprintf(buf, len, "never");
	else
		fmt_ago(buf, len, (uint64_t)now > t ? (uint64_t)now - t : 0);
}

/* What matters at a glance; -v for the rest. */
static void
counters_short(const struct ctl_counters *cc, const char *name)
{
	const struct pptp_counters *c = &cc->c;
	char a[32], b[32], buf[160];
	const char *st = state_of(name);

	printf("tunnel: %s\n", name);
	if (cc->uptime_s > 0) {
		fmt_duration(a, sizeof(a), cc->uptime_s);
		row("uptime", a);
	} else {
		snprintf(buf, sizeof(buf), "not up%s%s%s", st ? " (" : "",
		    st ? st : "", st ? ")" : "");
		row("state", buf);
	}
	fmt_bytes(a, sizeof(a), c->gre_rx_bytes);
	fmt_bytes(b, sizeof(b), c->gre_tx_bytes);
	snprintf(buf, sizeof(buf), "%s received, %s sent", a, b);
	row("transfer", buf);
	snprintf(buf, sizeof(buf), "%llu received, %llu sent",
	    (unsigned long long)c->gre_rx_packets,
	    (unsigned long long)c->gre_tx_packets);
	row("packets", buf);
	snprintf(buf, sizeof(buf), "%llu lost, %llu reordered, %llu duplicate",
	    (unsigned long long)c->gre_rx_lost,
	    (unsigned long long)c->gre_rx_out_of_order,
	    (unsigned long long)c->gre_rx_duplicate);
	row("loss", buf);
	if (c->echo_rx > 0)
		snprintf(buf, sizeof(buf), "%llu ms round trip, %llu of %llu "
		    "answered", (unsigned long long)c->echo_rtt_ms,
		    (unsigned long long)c->echo_rx,
		    (unsigned long long)c->echo_tx);
	else
		snprintf(buf, sizeof(buf), "none answered yet (%llu sent)",
		    (unsigned long long)c->echo_tx);
	row("echo", buf);
	last_heard(a, sizeof(a), c->ctrl_last_rx_time);
	row("server last heard", a);
	fmt_bytes(a, sizeof(a), cc->fw_gre_bytes);
	snprintf(buf, sizeof(buf), "%llu GRE packets (%s) admitted, %llu "
	    "read", (unsigned long long)cc->fw_gre_packets, a,
	    (unsigned long long)c->gre_rx_seen);
	row("firewall", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cc->reconnects);
	row("reconnects", buf);
}

static void
verbose_value(char *buf, size_t len, const struct counter_desc *d,
    uint64_t v)
{
	char h[48];

	switch (d->kind) {
	case K_TIME:
		if (v == 0)
			snprintf(buf, len, "0 (never)");
		else {
			last_heard(h, sizeof(h), v);
			snprintf(buf, len, "%llu (%s)", (unsigned long long)v,
			    h);
		}
		return;
	case K_SECONDS:
		fmt_duration(h, sizeof(h), v);
		snprintf(buf, len, "%llu (%s)", (unsigned long long)v, h);
		return;
	default:
		if (strstr(d->name, "_bytes") != NULL && v >= 1024) {
			fmt_bytes(h, sizeof(h), v);
			snprintf(buf, len, "%llu (%s)", (unsigned long long)v,
			    h);
		} else
			snprintf(buf, len, "%llu", (unsigned long long)v);
	}
}

/* Every counter, under its heading, with its JSON key. */
static void
counters_verbose(const struct ctl_counters *cc, const char *name)
{
	const struct counter_desc *d;
	const char *group = NULL;
	char k[64], v[96];
	size_t i, n = NELEM(engine_descs) + NELEM(parent_descs);

	printf("tunnel: %s\n", name);
	for (i = 0; i < n; i++) {
		d = i < NELEM(engine_descs) ? &engine_descs[i] :
		    &parent_descs[i - NELEM(engine_descs)];
		if (d->group != NULL && (group == NULL ||
		    strcmp(group, d->group) != 0)) {
			group = d->group;
			printf("  %s:\n", group);
		}
		snprintf(k, sizeof(k), "%s:", d->name);
		verbose_value(v, sizeof(v), d, value(cc, d));
		printf("%s%-21s %s\n", d->group != NULL ? "    " : "  ", k, v);
	}
}

void
out_counters(const struct ctl_counters *cc)
{
	char name[PC_NAME_MAX + 1];
	void *p;

	FIELD(name, cc->name);
	switch (format) {
	case CF_JSON:
		counters_json(cc, name);
		return;
	case CF_PROMETHEUS:
		if ((p = reallocarray(kept, nkept + 1, sizeof(*kept))) == NULL)
			err(EX_FAILED, NULL);
		kept = p;
		kept[nkept++] = *cc;
		return;
	default:
		break;
	}
	printable(name);
	if (nblocks++ > 0)
		printf("\n");
	if (format == CF_VERBOSE)
		counters_verbose(cc, name);
	else
		counters_short(cc, name);
}

/* A label value: backslash, double quote and newline escaped. */
static void
label(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

static void
metric(const struct counter_desc *d)
{
	char name[PC_NAME_MAX + 1], stem[64];
	const char *type = d->kind == K_COUNT ? "counter" : "gauge";
	uint64_t v;
	size_t i;

	if (d->kind == K_COUNT)
		snprintf(stem, sizeof(stem), "pptp_%s_total", d->name);
	else if (d->kind == K_MS)	/* base units: seconds */
		snprintf(stem, sizeof(stem), "pptp_%.*s_seconds",
		    (int)(strlen(d->name) - 3), d->name);
	else if (d->kind == K_TIME)
		snprintf(stem, sizeof(stem), "pptp_%.*s_timestamp_seconds",
		    (int)(strlen(d->name) - 5), d->name);
	else
		snprintf(stem, sizeof(stem), "pptp_%.*s_seconds",
		    (int)(strlen(d->name) - 2), d->name);
	printf("# HELP %s %s\n# TYPE %s %s\n", stem, d->help, stem, type);
	for (i = 0; i < nkept; i++) {
		FIELD(name, kept[i].name);
		printable(name);
		v = value(&kept[i], d);
		printf("%s{tunnel=\"", stem);
		label(name);
		if (d->kind == K_MS)
			printf("\"} %llu.%03llu\n", (unsigned long long)v / 1000,
			    (unsigned long long)v % 1000);
		else
			printf("\"} %llu\n", (unsigned long long)v);
	}
}

static void
prometheus(void)
{
	char name[PC_NAME_MAX + 1];
	const char *st;
	size_t i;

	printf("# HELP pptp_up Whether the tunnel is up (1) or not (0).\n"
	    "# TYPE pptp_up gauge\n");
	for (i = 0; i < nkept; i++) {
		FIELD(name, kept[i].name);
		printable(name);
		st = state_of(name);
		printf("pptp_up{tunnel=\"");
		label(name);
		printf("\"} %d\n", st != NULL && strcmp(st, "up") == 0);
	}
	for (i = 0; i < NELEM(engine_descs); i++)
		metric(&engine_descs[i]);
	for (i = 0; i < NELEM(parent_descs); i++)
		metric(&parent_descs[i]);
}

void
out_counters_end(void)
{
	if (format == CF_PROMETHEUS)
		prometheus();
	else
		list_end();
	free(kept);
	kept = NULL;
	nkept = 0;
	free(states);
	states = NULL;
	nstates = 0;
}
