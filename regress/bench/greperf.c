/*
 * greperf: the server's GRE side for `make bench` (regress/bench/bench).
 * It runs in the server's network namespace beside pptp-peer, which does
 * the control connection with --gre-mode off, and takes the GRE itself:
 *
 *   - it receives what the client sends (fakepppd's stream, src 'F' in
 *     the payload format of regress/peer/pptp-peer), counts packets and
 *     bytes, and the highest stream sequence seen, so that a gap shows as
 *     loss; it acknowledges what it read with an ack-only packet after
 *     every ACK_EVERY packets and at the end of each batch, as a server
 *     would (the client's send window needs acks);
 *   - on request it sends its own stream (src 'P') of frames of a given
 *     size to the client, flat out or at a given rate, with sequence
 *     numbers, for fakepppd to count and check.
 *
 *	greperf -l LOCAL -r REMOTE -c CTLFILE -o STATSFILE
 *
 * It starts idle (receiving only). SIGUSR2 makes it read CTLFILE, one
 * line of four numbers: the client's call id (the key of every packet we
 * send), the PPP frame size, packets per second (0: flat out), and 1 to
 * send or 0 not to. Once it has a call id it sends one frame of its stream at
 * once, as the server's pppd would. SIGUSR1 writes the counters as one JSON object to STATSFILE
 * (atomically), with the CLOCK_MONOTONIC time in ms they were taken at;
 * so does SIGTERM, which then ends it. Independent of proto/ on purpose,
 * like fakepppd: it checks our GRE against code written apart.
 */
#include <sys/socket.h>
#include <sys/signalfd.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define PKT_MAX		4096
#define GRE_PPP		0x880b
#define ACK_EVERY	8	/* received packets per ack, at most */

static struct {
	uint64_t	rx_packets, rx_bytes, rx_other, rx_acks_only;
	uint64_t	tx_packets, tx_bytes, tx_errors, acks_sent;
	uint32_t	rx_max_pseq;
	bool		rx_seen;
} st;

static struct {
	uint16_t	callid;
	size_t		size;
	uint64_t	pps;
	bool		send;
} ctl = { .size = 64 };

static uint32_t		gre_rx_max_seq;	/* the client's GRE sequence, to ack */
static bool		gre_rx_any, ack_owed;
static uint32_t		tx_seq, tx_pseq;
static struct sockaddr_in remote;

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
write_stats(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "{\"mono_ms\":%.3f,\"rx_packets\":%" PRIu64
	    ",\"rx_bytes\":%" PRIu64 ",\"rx_other\":%" PRIu64
	    ",\"rx_acks_only\":%" PRIu64 ",\"rx_max_pseq\":%" PRIu32
	    ",\"rx_seen\":%s,\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
	    ",\"tx_errors\":%" PRIu64 ",\"acks_sent\":%" PRIu64 "}\n",
	    (double)mono_ns() / 1e6, st.rx_packets, st.rx_bytes, st.rx_other,
	    st.rx_acks_only, st.rx_max_pseq, st.rx_seen ? "true" : "false",
	    st.tx_packets, st.tx_bytes, st.tx_errors, st.acks_sent);
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* CTLFILE: one line, "callid size pps send" */
static void
read_ctl(const char *path)
{
	unsigned long long pps;
	unsigned callid, send;
	size_t size;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fscanf(f, "%u %zu %llu %u", &callid, &size, &pps, &send) == 4) {
		ctl.callid = (uint16_t)callid;
		ctl.size = size < 16 ? 16 : size > PKT_MAX - 64 ?
		    PKT_MAX - 64 : size;
		ctl.pps = pps;
		ctl.send = send != 0;
	}
	fclose(f);
}

/* One received datagram: IPv4 header, then GRE from the client. */
static void
rx_packet(const uint8_t *p, size_t len)
{
	size_t ihl, off = 8, plen;
	const uint8_t *g, *d;
	uint32_t seq;

	if (len < 20 || (p[0] >> 4) != 4)
		goto other;
	ihl = (size_t)(p[0] & 15) * 4;
	if (ihl + 8 > len || memcmp(p + 12, &remote.sin_addr, 4) != 0)
		goto other;
	g = p + ihl;
	len -= ihl;
	if ((g[1] & 7) != 1 || (g[2] << 8 | g[3]) != GRE_PPP)
		goto other;
	plen = (size_t)(g[4] << 8 | g[5]);
	if (g[0] & 0x10) {
		if (len < off + 4)
			goto other;
		seq = get32(g + off);
		off += 4;
		if (!gre_rx_any || (int32_t)(seq - gre_rx_max_seq) > 0)
			gre_rx_max_seq = seq;
		gre_rx_any = ack_owed = true;
	}
	if (g[1] & 0x80)
		off += 4;
	if (plen == 0) {
		st.rx_acks_only++;
		return;
	}
	if (len < off + plen)
		goto other;
	d = g + off;
	st.rx_packets++;
	st.rx_bytes += plen;
	/* FF 03 7E 21 F P P D src 0 0 0 seq: the stream's own sequence */
	if (plen >= 16 && memcmp(d + 4, "FPPD", 4) == 0 && d[8] == 'F') {
		seq = get32(d + 12);
		if (!st.rx_seen || (int32_t)(seq - st.rx_max_pseq) > 0)
			st.rx_max_pseq = seq;
		st.rx_seen = true;
	}
	return;
other:
	st.rx_other++;
}

static void
send_ack(int s)
{
	uint8_t h[12];

	if (!ack_owed || ctl.callid == 0)
		return;
	h[0] = 0x20;		/* K */
	h[1] = 0x81;		/* A, version 1 */
	h[2] = GRE_PPP >> 8;
	h[3] = GRE_PPP & 0xff;
	h[4] = h[5] = 0;
	h[6] = ctl.callid >> 8;
	h[7] = ctl.callid & 0xff;
	put32(h + 8, gre_rx_max_seq);
	if (sendto(s, h, sizeof(h), MSG_DONTWAIT, (struct sockaddr *)&remote,
	    sizeof(remote)) == (ssize_t)sizeof(h))
		st.acks_sent++;
	ack_owed = false;
}

static void
rx_batch(int s)
{
	static uint8_t buf[BATCH][PKT_MAX];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int i, n;

	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = PKT_MAX;
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(s, m, BATCH, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		rx_packet(buf[i], m[i].msg_len);
		/* the client's window (64 with pptp-peer) must not wait for
		   the end of a large batch */
		if (i % ACK_EVERY == ACK_EVERY - 1)
			send_ack(s);
	}
	if (n > 0)
		send_ack(s);
}

/*
 * Send up to `want` packets of the 'P' stream in one sendmmsg; returns how
 * many the kernel took. The filler follows pptp-peer's payload() so that
 * fakepppd checks it.
 */
static int
tx_batch(int s, int want)
{
	static uint8_t pkt[BATCH][PKT_MAX];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint8_t *g, *d;
	size_t i, k, len = ctl.size;
	int n;

	for (k = 0; k < (size_t)want; k++) {
		g = pkt[k];
		g[0] = 0x30;		/* K, S */
		g[1] = 0x01;		/* version 1, no ack */
		g[2] = GRE_PPP >> 8;
		g[3] = GRE_PPP & 0xff;
		g[4] = len >> 8;
		g[5] = len & 0xff;
		g[6] = ctl.callid >> 8;
		g[7] = ctl.callid & 0xff;
		put32(g + 8, tx_seq + (uint32_t)k);
		d = g + 12;
		memcpy(d, "\xff\x03\x7e\x21" "FPPD" "P\0\0\0", 12);
		put32(d + 12, tx_pseq + (uint32_t)k);
		for (i = 16; i < len; i++)
			d[i] = (uint8_t)(tx_pseq + k + (i - 16));
		iov[k].iov_base = g;
		iov[k].iov_len = 12 + len;
		memset(&m[k], 0, sizeof(m[k]));
		m[k].msg_hdr.msg_name = &remote;
		m[k].msg_hdr.msg_namelen = sizeof(remote);
		m[k].msg_hdr.msg_iov = &iov[k];
		m[k].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(s, m, (unsigned)want, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == -1 && errno != EAGAIN && errno != ENOBUFS)
			st.tx_errors++;
		return 0;
	}
	tx_seq += (uint32_t)n;
	tx_pseq += (uint32_t)n;
	st.tx_packets += (uint64_t)n;
	st.tx_bytes += (uint64_t)n * len;
	return n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: greperf -l local -r remote -c ctlfile "
	    "-o statsfile\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *ctlpath = NULL, *statspath = NULL;
	struct sockaddr_in local = { .sin_family = AF_INET };
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	uint64_t start = 0, now, due;
	sigset_t ss;
	int c, s, sfd, want, timeout, bufsz = 32 << 20;

	remote.sin_family = AF_INET;
	while ((c = getopt(argc, argv, "c:l:o:r:")) != -1) {
		switch (c) {
		case 'c': ctlpath = optarg; break;
		case 'l':
			if (inet_pton(AF_INET, optarg, &local.sin_addr) != 1)
				usage();
			break;
		case 'o': statspath = optarg; break;
		case 'r':
			if (inet_pton(AF_INET, optarg, &remote.sin_addr) != 1)
				usage();
			break;
		default: usage();
		}
	}
	if (ctlpath == NULL || statspath == NULL ||
	    remote.sin_addr.s_addr == 0)
		usage();
	if ((s = socket(AF_INET, SOCK_RAW, IPPROTO_GRE)) == -1 ||
	    bind(s, (struct sockaddr *)&local, sizeof(local)) == -1) {
		perror("greperf: raw GRE socket");
		return 1;
	}
	/* root: past the sysctl limits, so that a burst from the client is
	   not lost here, in the measuring instrument */
	(void)setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz));
	(void)setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	sigaddset(&ss, SIGUSR2);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((sfd = signalfd(-1, &ss, SFD_NONBLOCK)) == -1) {
		perror("greperf: signalfd");
		return 1;
	}
	write_stats(statspath);

	for (;;) {
		timeout = 1000;
		want = 0;
		if (ctl.send && ctl.callid != 0) {
			now = mono_ns();
			if (ctl.pps == 0)
				want = BATCH;
			else {
				/* paced: what is due since the stream began */
				due = (now - start) / 1000 * ctl.pps / 1000000;
				if (due > st.tx_packets)
					want = due - st.tx_packets > BATCH ?
					    BATCH : (int)(due - st.tx_packets);
				else
					timeout = 1;
			}
		}
		pfd[0] = (struct pollfd){ .fd = s,
		    .events = POLLIN | (want > 0 ? POLLOUT : 0) };
		pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (poll(pfd, 2, want > 0 ? 0 : timeout) == -1 &&
		    errno != EINTR)
			return 1;
		if (pfd[0].revents & POLLIN)
			rx_batch(s);
		if (want > 0)
			tx_batch(s, want);
		if (!(pfd[1].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGUSR1:
			write_stats(statspath);
			break;
		case SIGUSR2:
			c = ctl.callid;
			read_ctl(ctlpath);
			/*
			 * Speak first, as the server's pppd does with its LCP
			 * request: our engine holds pppd's frames until the
			 * server's side has said something (or 1.5 s).
			 */
			if (c == 0 && ctl.callid != 0)
				tx_batch(s, 1);
			/* a paced stream counts its schedule from now */
			start = mono_ns();
			st.tx_packets = 0;
			st.tx_bytes = 0;
			break;
		default:
			write_stats(statspath);
			return 0;
		}
	}
}
