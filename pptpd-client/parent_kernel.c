/*
 * The parent: the kernel data path of a tunnel (`datapath kernel`, or
 * `auto` where the host can). The engine still runs the whole control
 * connection in its sandbox; here the parent gives the call the kernel's
 * PPTP socket (its id goes into the engine's Outgoing-Call-Request),
 * connects it to the server's call once the engine reports it, and pppd
 * takes it as its channel through our plugin: no frame crosses user space.
 * The packet counters are then the kernel interface's.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pptpd-client/parent.h"
#include "privsep/errfmt.h"
#include "privsep/log.h"

/*
 * pppd-plugin, or where make install puts the plugin: lib/pptpd-client
 * beside the daemon's own sbin directory, whatever the PREFIX (found
 * once: the program does not move).
 */
const char *
tunnel_kernel_plugin(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (pconf->pppd_plugin[0] != '\0')
		return pconf->pppd_plugin;
	if (path[0] != '\0')
		return path;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return PC_PLUGIN_BESIDE;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	if (strlcpy(path, exe, sizeof(path)) >= sizeof(path) ||
	    strlcat(path, "/" PC_PLUGIN_BESIDE, sizeof(path)) >= sizeof(path)) {
		path[0] = '\0';
		return PC_PLUGIN_BESIDE;
	}
	return path;
}

/*
 * A kernel without PPTP sockets, as found, is kept a minute: asking
 * again costs a module request each time (a modprobe process, a quarter
 * of a second in the lab). Loading pptp.ko shows in /sys/module, and
 * then the next attempt asks at once.
 */
#define KPPTP_RECHECK_S	60

static int
kernel_available(char *why, size_t whylen)
{
	static time_t none_since;
	static char none_why[PC_ERR_MAX];
	time_t now = time(NULL);
	struct stat st;
	enum kpptp_avail rc;

	if (none_since != 0 && now >= none_since &&
	    now - none_since < KPPTP_RECHECK_S &&
	    stat("/sys/module/pptp", &st) == -1) {
		strlcpy(why, none_why, whylen);
		return -1;
	}
	none_since = 0;
	if ((rc = kpptp_available(tunnel_kernel_plugin(), why, whylen)) ==
	    KPPTP_OK)
		return 0;
	if (rc == KPPTP_NO_SOCKETS) {
		none_since = now;
		strlcpy(none_why, why, sizeof(none_why));
	}
	return -1;
}

/*
 * Which path this attempt takes. `kernel` that cannot be had is a fault
 * of the host that retrying does not mend; `auto` then takes the user
 * path, and says why once.
 */
int
tunnel_kernel_pick(struct tunnel *t, char *err, size_t errlen)
{
	char why[PC_ERR_MAX];
	int was = t->kernel;

	t->kernel = 0;
	if (t->conf->datapath == DP_USER)
		return 0;
	if (kernel_available(why, sizeof(why)) == -1) {
		if (t->conf->datapath == DP_KERNEL)
			return err_set(err, errlen, "datapath kernel: %s", why);
		if (t->reconnects == 0)
			log_info("tunnel %s: user data path: %s",
			    t->conf->name, why);
		return 0;
	}
	t->kernel = 1;
	if (!was && t->reconnects == 0)
		log_info("tunnel %s: kernel data path", t->conf->name);
	return 0;
}

/* The socket, bound where TCP 1723 leaves from: the server answers there. */
int
tunnel_kernel_open(struct tunnel *t, int tcp_fd, uint16_t *call_id,
    char *err, size_t errlen)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	if (getsockname(tcp_fd, (struct sockaddr *)&sin, &len) == -1)
		return err_set(err, errlen, "TCP 1723: getsockname: %s",
		    strerror(errno));
	tunnel_kernel_close(t);
	if ((t->kfd = kpptp_open(sin.sin_addr, call_id, err, errlen)) == -1)
		return -1;
	log_debug("tunnel %s: kernel PPTP socket, call id %u", t->conf->name,
	    *call_id);
	return 0;
}

int
tunnel_kernel_connect(struct tunnel *t, char *err, size_t errlen)
{
	if (kpptp_connect(t->kfd, t->server, t->peer_call_id, err,
	    errlen) == -1)
		return -1;
	/* this call's counts start at zero */
	memset(&t->kzero, 0, sizeof(t->kzero));
	memset(&t->klast, 0, sizeof(t->klast));
	t->klive = 1;
	return 0;
}

void
tunnel_kernel_close(struct tunnel *t)
{
	if (t->kfd >= 0) {
		close(t->kfd);
		t->kfd = -1;
	}
}

static void
read_now(struct tunnel *t)
{
	struct kpptp_stats st;

	if (t->klive && kpptp_link_stats(t->ifname, &st) == 0)
		t->klast = st;
}

#define KADD(a, b, c) do {						\
	(a).rx_packets += (b).rx_packets - (c).rx_packets;		\
	(a).rx_bytes += (b).rx_bytes - (c).rx_bytes;			\
	(a).tx_packets += (b).tx_packets - (c).tx_packets;		\
	(a).tx_bytes += (b).tx_bytes - (c).tx_bytes;			\
} while (0)

/* The call ends (its interface goes with pppd): its counts join the rest. */
void
tunnel_kernel_fold(struct tunnel *t)
{
	if (!t->klive)
		return;
	read_now(t);
	KADD(t->kbase, t->klast, t->kzero);
	memset(&t->kzero, 0, sizeof(t->kzero));
	memset(&t->klast, 0, sizeof(t->klast));
	t->klive = 0;
}

void
tunnel_kernel_clear(struct tunnel *t)
{
	memset(&t->kbase, 0, sizeof(t->kbase));
	read_now(t);
	t->kzero = t->klast;
}

/*
 * Whether anything came from the server over this call's GRE: the PPP
 * unit counts every frame it receives, LCP included, so a count of zero
 * while PPP negotiates means no GRE gets through.
 */
int
tunnel_kernel_rx_seen(const struct tunnel *t)
{
	struct kpptp_stats st;

	if (!t->klive)
		return 0;
	return kpptp_link_stats(t->ifname, &st) == 0 && st.rx_packets > 0;
}

/*
 * The kernel's counts added to the engine's (which has none for a kernel
 * call, but may have some from user-path calls before a reload): data
 * packets and bytes as the interface counts them.
 */
void
tunnel_kernel_counters(struct tunnel *t, struct pptp_counters *c)
{
	struct kpptp_stats sum = t->kbase;

	read_now(t);
	if (t->klive)
		KADD(sum, t->klast, t->kzero);
	c->gre_rx_packets += sum.rx_packets;
	c->gre_rx_bytes += sum.rx_bytes;
	c->gre_tx_packets += sum.tx_packets;
	c->gre_tx_bytes += sum.tx_bytes;
}
