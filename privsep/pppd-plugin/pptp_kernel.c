/*
 * pppd plugin for the kernel data path (`datapath kernel`): it runs inside
 * pppd, which the parent starts. The parent has already created the
 * kernel's PPTP socket (AF_PPPOX, PX_PROTO_PPTP), bound it to our address
 * and call id and connected it to the server's, and hands it to pppd as
 * an open descriptor:
 *
 *	pppd plugin .../pptpd-client.so pptp-socket 5 ...
 *
 * The plugin makes that socket pppd's channel: pppd attaches it to a PPP
 * unit and from then on every data frame goes between the interface and
 * GRE inside the kernel; only LCP, authentication, CCP and IPCP reach
 * pppd. The plugin opens nothing and parses nothing from the network.
 *
 * Built against pppd 2.4.9's plugin API (Debian's ppp-dev); pppd refuses
 * a plugin whose pppd_version differs from its own.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_pppox.h>

#include <pppd/pppd.h>
#include <pppd/fsm.h>
#include <pppd/lcp.h>

char pppd_version[] = VERSION;

static int	chan_fd = -1;
static char	*chan_fd_str;	/* for pppd's own listing of options */
static struct channel pptp_channel;

/*
 * pptp-socket N: the descriptor must be a PPTP socket, so that a wrong
 * number fails here, in words, rather than later as a puzzling ioctl
 * error.
 */
static int
opt_socket(char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_pppox sp;
	socklen_t len = sizeof(ss);
	static char buf[16];

	if (!int_option(*argv, &chan_fd) || chan_fd < 0) {
		option_error("pptp-socket: %s is not a descriptor", *argv);
		return 0;
	}
	memset(&ss, 0, sizeof(ss));
	if (getsockname(chan_fd, (struct sockaddr *)&ss, &len) == -1) {
		option_error("pptp-socket %d: %s", chan_fd, strerror(errno));
		return 0;
	}
	memcpy(&sp, &ss, sizeof(sp));
	if (sp.sa_family != AF_PPPOX || sp.sa_protocol != PX_PROTO_PPTP) {
		option_error("pptp-socket %d: not a PPTP socket", chan_fd);
		return 0;
	}
	strlcpy(buf, *argv, sizeof(buf));
	chan_fd_str = buf;
	the_channel = &pptp_channel;
	modem = 0;
	/*
	 * The kernel's PPTP transmit adds address/control and the full
	 * protocol field unless the channel is told otherwise; we never
	 * ask for either compression and refuse the peer's request, so
	 * both directions carry full headers, which every server accepts.
	 * An async map means nothing on a packet channel: not asked for.
	 */
	lcp_wantoptions[0].neg_accompression = 0;
	lcp_allowoptions[0].neg_accompression = 0;
	lcp_wantoptions[0].neg_pcompression = 0;
	lcp_allowoptions[0].neg_pcompression = 0;
	lcp_wantoptions[0].neg_asyncmap = 0;
	return 1;
}

static option_t options[] = {
	{ .name = "pptp-socket", .type = o_special, .addr = (void *)opt_socket,
	  .description = "descriptor of a connected kernel PPTP socket",
	  .flags = OPT_DEVNAM | OPT_A2STRVAL, .addr2 = &chan_fd_str },
	{ .name = NULL }
};

static void
chan_check(void)
{
	if (chan_fd < 0)
		fatal("pptp-socket: no descriptor given");
}

static int
chan_connect(void)
{
	return chan_fd;
}

static void
chan_disconnect(void)
{
	if (chan_fd >= 0) {
		close(chan_fd);
		chan_fd = -1;
	}
}

/*
 * The interface's MTU: what the server can take (its MRU), but never more
 * than pppd's own `mtu` (lcp_allowoptions' mru), which the daemon sets so
 * that a full packet still fits the path with PPTP's 44 bytes around it;
 * pppd has just set the interface to the smaller of the two, and a larger
 * one here would have the kernel fragment every full-size GRE packet. The
 * channel itself has no other settings.
 */
static void
send_config(int mtu, u_int32_t asyncmap, int pcomp, int accomp)
{
	if (lcp_allowoptions[0].mru > 0 && mtu > lcp_allowoptions[0].mru)
		mtu = lcp_allowoptions[0].mru;
	netif_set_mtu(ifunit, mtu);
}

static void
recv_config(int mru, u_int32_t asyncmap, int pcomp, int accomp)
{
	/* the PPTP socket has no MRU setting (no PPPIOCSMRU) */
}

static struct channel pptp_channel = {
	.options = options,
	.check_options = chan_check,
	.connect = chan_connect,
	.disconnect = chan_disconnect,
	.establish_ppp = generic_establish_ppp,
	.disestablish_ppp = generic_disestablish_ppp,
	.send_config = send_config,
	.recv_config = recv_config,
	.cleanup = chan_disconnect,
};

void	plugin_init(void);

void
plugin_init(void)
{
	add_options(options);
}
