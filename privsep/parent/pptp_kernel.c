/*
 * The kernel's PPTP socket and its interface's statistics. See
 * pptp_kernel.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
/* glibc's first: the kernel's headers then leave its definitions alone */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_pppox.h>

#include "privsep/errfmt.h"
#include "privsep/parent/pptp_kernel.h"

/*
 * struct sockaddr_pppox is packed, struct pptp_addr inside it is not:
 * the kernel's own structs, filled by name, never bytes laid out by hand
 * (a wrong layout binds to a garbage address and connect fails with a
 * misleading EHOSTUNREACH).
 */
static void
pptp_sockaddr(struct sockaddr_pppox *sp, struct in_addr a, uint16_t call_id)
{
	memset(sp, 0, sizeof(*sp));
	sp->sa_family = AF_PPPOX;
	sp->sa_protocol = PX_PROTO_PPTP;
	sp->sa_addr.pptp.sin_addr = a;
	sp->sa_addr.pptp.call_id = call_id;
}

enum kpptp_avail
kpptp_available(const char *plugin, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if ((fd = socket(AF_PPPOX, SOCK_STREAM | SOCK_CLOEXEC,
	    PX_PROTO_PPTP)) == -1) {
		err_set(err, errlen, "the kernel has no PPTP sockets (%s; "
		    "modprobe pptp)", strerror(errno));
		return KPPTP_NO_SOCKETS;
	}
	close(fd);
	if (stat(plugin, &st) == -1) {
		err_set(err, errlen, "pppd plugin %s: %s (make install puts it "
		    "there; pppd-plugin in the config names another)", plugin,
		    strerror(errno));
		return KPPTP_NO_PLUGIN;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, errlen, "pppd plugin %s: not a file", plugin);
		return KPPTP_NO_PLUGIN;
	}
	return KPPTP_OK;
}

int
kpptp_open(struct in_addr local, uint16_t *call_id, char *err,
    size_t errlen)
{
	struct sockaddr_pppox sp;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if ((fd = socket(AF_PPPOX, SOCK_STREAM | SOCK_CLOEXEC,
	    PX_PROTO_PPTP)) == -1)
		return err_set(err, errlen, "PPTP socket: %s (modprobe pptp)",
		    strerror(errno));
	pptp_sockaddr(&sp, local, 0);
	if (bind(fd, (struct sockaddr *)(void *)&sp, sizeof(sp)) == -1) {
		err_set(err, errlen, "PPTP socket: bind to %s: %s",
		    inet_ntoa(local), strerror(errno));
		close(fd);
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		err_set(err, errlen, "PPTP socket: getsockname: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(&sp, &ss, sizeof(sp));
	*call_id = sp.sa_addr.pptp.call_id;
	return fd;
}

int
kpptp_connect(int fd, struct in_addr server, uint16_t peer_call_id,
    char *err, size_t errlen)
{
	struct sockaddr_pppox sp;

	pptp_sockaddr(&sp, server, peer_call_id);
	if (connect(fd, (struct sockaddr *)(void *)&sp, sizeof(sp)) == -1)
		return err_set(err, errlen, "PPTP socket: connect to %s call "
		    "%u: %s", inet_ntoa(server), peer_call_id, strerror(errno));
	return 0;
}

static int
read_u64(const char *ifname, const char *what, uint64_t *v)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
	    ifname, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return sscanf(buf, "%" SCNu64, v) == 1 ? 0 : -1;
}

int
kpptp_link_stats(const char *ifname, struct kpptp_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ifname == NULL || *ifname == '\0' || strchr(ifname, '/') != NULL)
		return -1;
	if (read_u64(ifname, "rx_packets", &st->rx_packets) == -1 ||
	    read_u64(ifname, "rx_bytes", &st->rx_bytes) == -1 ||
	    read_u64(ifname, "tx_packets", &st->tx_packets) == -1 ||
	    read_u64(ifname, "tx_bytes", &st->tx_bytes) == -1)
		return -1;
	return 0;
}
