/*
 * The parent: a reload applies the difference between the running config
 * and the new one, tunnel by tunnel, by name. A tunnel whose settings did
 * not change is not touched (its call, its counters, its packets go on);
 * one that changed is taken down with its old settings and, if it was
 * wanted up, brought up again with the new ones; one that is gone from
 * the config is taken down, kill switch and all, and forgotten; a new one
 * is added, down.
 *
 * A tunnel that is still going down points into the config it started
 * with, so a replaced config is kept until no tunnel points into it.
 */
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pptpd-client/parent.h"
#include "privsep/parent/firewall.h"
#include "privsep/log.h"

struct oldconf {
	TAILQ_ENTRY(oldconf) entry;
	struct pcconf	*conf;
};
static TAILQ_HEAD(, oldconf) oldconfs = TAILQ_HEAD_INITIALIZER(oldconfs);
static struct event *ev_sweep;

static void
fw_logged(int rc, const char *err, uint64_t p, uint64_t b, void *arg)
{
	if (rc != 0)
		log_warnx("reload: firewall: %s", err);
}

static int
settled(const struct tunnel *t)
{
	return t->fsm == TF_DOWN || t->fsm == TF_FAILED;
}

/*
 * A tunnel at rest takes its new settings. What the firewall holds for it
 * at rest (the block of `always`, a `yes` block kept from before) is made
 * to match them in one job.
 */
void
tunnel_conf_swap(struct tunnel *t, struct tunnel_conf *nt)
{
	struct fw_tunnel fw;
	int keep;

	t->conf = nt;
	t->next_conf = NULL;
	if (!tunnel_fw_ready() || (t->fw == FWR_NONE &&
	    nt->kill_switch != KS_ALWAYS))
		return;
	keep = t->fw == FWR_BLOCK && nt->kill_switch == KS_YES;
	tunnel_fw_fill(t, &fw);
	if (fwq_submit(FWQ_DOWN, &fw, keep, fw_logged, NULL) == 0)
		t->fw = keep || nt->kill_switch == KS_ALWAYS ? FWR_BLOCK :
		    FWR_NONE;
}

static int
conf_used(const struct pcconf *c)
{
	struct tunnel_conf *tc;
	struct tunnel *t;

	TAILQ_FOREACH(t, &tunnels, entry)
		TAILQ_FOREACH(tc, &c->tunnels, entry)
			if (t->conf == tc || t->next_conf == tc)
				return 1;
	return 0;
}

/* Forgotten tunnels that are down go; so do configs nobody uses. */
static void
sweep_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tunnel *t, *tn;
	struct oldconf *o, *on;

	TAILQ_FOREACH_SAFE(t, &tunnels, entry, tn)
		if (t->retired && t->fsm == TF_DOWN && !t->in_fsm) {
			log_info("tunnel %s: removed from the config",
			    t->conf->name);
			tunnel_free(t);
		}
	TAILQ_FOREACH_SAFE(o, &oldconfs, entry, on)
		if (!conf_used(o->conf)) {
			TAILQ_REMOVE(&oldconfs, o, entry);
			config_free(o->conf);
			free(o);
		}
}

/* After the machine rests, never inside it: a tunnel is freed there. */
void
tunnels_sweep_soon(void)
{
	struct timeval tv = { 0, 0 };

	if (ev_sweep == NULL)
		ev_sweep = evtimer_new(evbase, sweep_cb, NULL);
	evtimer_add(ev_sweep, &tv);
}

static void
reload_one(struct tunnel *t, struct tunnel_conf *nt)
{
	int restart;

	if (nt == NULL) {
		log_info("tunnel %s: no longer in the config; taking it down",
		    t->conf->name);
		t->retired = 1;
		t->next_conf = NULL;
		tunnel_down(t, 0);
		return;
	}
	if (config_tunnel_equal(t->conf, nt) && t->next_conf == NULL) {
		t->conf = nt;
		return;
	}
	if (settled(t) && t->next_conf == NULL) {
		tunnel_conf_swap(t, nt);
		return;
	}
	log_info("tunnel %s: settings changed; restarting it",
	    t->conf->name);
	restart = t->want != WANT_DOWN;
	t->next_conf = nt;
	tunnel_down(t, 0);
	if (restart)
		tunnel_up(t);
}

/* nconf replaces pconf; its tunnels meet the running ones by name. */
void
tunnels_reload(struct pcconf *nconf)
{
	struct tunnel *t, *tn;
	struct tunnel_conf *tc;
	struct oldconf *o;

	TAILQ_FOREACH_SAFE(t, &tunnels, entry, tn)
		if (!t->retired)
			reload_one(t, config_tunnel(nconf, t->conf->name));
	TAILQ_FOREACH(tc, &nconf->tunnels, entry)
		if (tunnel_byname(tc->name) == NULL) {
			log_info("tunnel %s: new in the config", tc->name);
			t = tunnel_new(tc);
			tunnel_conf_swap(t, tc);	/* an `always` block */
		}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		fatal("calloc");
	o->conf = pconf;
	TAILQ_INSERT_TAIL(&oldconfs, o, entry);
	pconf = nconf;
	tunnels_sweep_soon();
	wanted_save();
}

/* Exiting: the configs still kept go too. */
void
tunnels_reload_final(void)
{
	struct oldconf *o;

	while ((o = TAILQ_FIRST(&oldconfs)) != NULL) {
		TAILQ_REMOVE(&oldconfs, o, entry);
		config_free(o->conf);
		free(o);
	}
	if (ev_sweep != NULL)
		event_free(ev_sweep);
	ev_sweep = NULL;
}
