/*
 * fakepppd: a stand-in for pppd that the daemon's config can name
 * (`pppd "/path/to/fakepppd"`), for host tests and benchmarks where the
 * kernel has no PPP.
 *
 * Started like pppd: stdin/stdout are the tty (a pty slave), argv holds
 * pppd options, which are recorded and otherwise ignored, except
 * `passwordfd N` (the password is read from fd N and discarded; we check
 * it appears in neither argv nor the environment) and `ipparam NAME`.
 *
 * It speaks async HDLC (RFC 1662: flags, escapes, FCS-16) on the tty on
 * its own, independent of proto/: it sends a configurable stream of frames
 * and checks every frame it receives (FCS, payload format, order). The
 * payload format is shared with regress/peer/pptp-peer:
 *
 *	FF 03 7E 21 'F' 'P' 'P' 'D' src 0 0 0 seq(be32) filler...
 *
 * src is 'F' for our frames, 'P' for the peer's own stream, 'X' for poison
 * (a frame the client must never deliver); filler byte i is (seq+i)&0xff.
 *
 * Settings, "key value" per line, from the file named by `fakepppd-conf
 * FILE` in argv, else $FAKEPPPD_CONF, else DIR/<ipparam>.conf with DIR
 * $FAKEPPPD_DIR or /tmp/fakepppd (a missing file means defaults):
 *
 *	tx_frames N		frames to send (default 8; -1: no end)
 *	tx_size N		bytes of PPP frame before FCS (default 64)
 *	tx_interval_ms N	pause between frames (default 10; 0: flat out)
 *	tx_delay_ms N		wait before the first frame (default 0)
 *	start_ms N		like pppd setting up its tty: sleep N ms, then
 *				discard what already waits on it (default 0:
 *				neither)
 *	reflect 0|1		send every good received frame back
 *	accm 0xHEX		async control character map we escape
 *	exit_status N		exit with N after exit_after_ms (pppd codes,
 *	exit_after_ms N		e.g. 19: authentication failed)
 *	stats_interval_ms N	how often the stats file is rewritten (200)
 *
 * Statistics go, as one JSON object, to `fakepppd-stats FILE`,
 * $FAKEPPPD_STATS or DIR/<ipparam>.stats.json: rewritten (atomically)
 * while running when anything changed, at once on SIGUSR1, and on exit,
 * with "done": true. "mono_ms" is when (CLOCK_MONOTONIC), so that a
 * benchmark can take rates between two snapshots.
 *
 * Exit status: exit_status on demand; 5 on SIGTERM/SIGINT/SIGHUP (pppd's
 * "user request"); 16 when the tty hangs up (pppd's "hangup").
 */
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "regress/host/fakepppd/fakepppd.h"

extern char **environ;

struct stream {
	uint64_t	frames, in_order, out_of_order, gaps, missing;
	uint64_t	bad_payload;
	bool		seen;
	uint32_t	first, last;
};

struct settings {
	long long	tx_frames;
	size_t		tx_size;
	long		tx_interval_ms, tx_delay_ms, start_ms;
	bool		reflect;
	uint32_t	accm;
	int		exit_status;
	long		exit_after_ms;
	long		stats_interval_ms;
};

static struct settings set = {
	.tx_frames = 8, .tx_size = 64, .tx_interval_ms = 10,
	.accm = 0xffffffff, .exit_status = -1, .exit_after_ms = -1,
	.stats_interval_ms = 200,
};

static struct {
	uint64_t	tx_frames, tx_bytes, rx_frames, rx_bytes, rx_bad_fcs;
	uint64_t	rx_runts, rx_too_long, rx_other, rx_poison, rx_reflected;
	uint64_t	rx_ctrl_escaped, rx_ctrl_raw;	/* bytes < 0x20 as sent */
	uint64_t	tx_dropped;
	struct stream	f, p;
} st;

static int		 g_argc;
static char		**g_argv;
static const char	*ipparam = "";
static int		 passwordfd = -1;
static char		 password[FAKEPPPD_PASSWORD_MAX];
static size_t		 password_len;
static bool		 password_in_argv, password_in_env;
static char		 stats_path[PATH_MAX];
static bool		 stats_dirty = true;

/* Output: encoded HDLC bytes waiting for the tty. */
static uint8_t		 obuf[1 << 18];
static size_t		 olen, ooff;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_stream(FILE *f, const char *name, const struct stream *s)
{
	fprintf(f, "\"%s\":{\"frames\":%" PRIu64 ",\"in_order\":%" PRIu64
	    ",\"out_of_order\":%" PRIu64 ",\"gaps\":%" PRIu64
	    ",\"missing\":%" PRIu64 ",\"bad_payload\":%" PRIu64, name,
	    s->frames, s->in_order, s->out_of_order, s->gaps, s->missing,
	    s->bad_payload);
	if (s->seen)
		fprintf(f, ",\"first\":%" PRIu32 ",\"last\":%" PRIu32,
		    s->first, s->last);
	fputs("}", f);
}

static void
write_stats(bool done, int status)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int i;

	if (stats_path[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", stats_path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "{\"pid\":%d,\"done\":%s,\"exit_status\":%d,"
	    "\"mono_ms\":%" PRIu64 ",\"argv\":[", (int)getpid(),
	    done ? "true" : "false", status, now_ms());
	for (i = 0; i < g_argc; i++) {
		if (i > 0)
			fputc(',', f);
		json_str(f, g_argv[i]);
	}
	fputs("],\"ipparam\":", f);
	json_str(f, ipparam);
	fprintf(f, ",\"passwordfd\":%d,\"password_len\":%zu,\"password\":",
	    passwordfd, password_len);
	json_str(f, password);
	fprintf(f, ",\"password_in_argv\":%s,\"password_in_env\":%s",
	    password_in_argv ? "true" : "false",
	    password_in_env ? "true" : "false");
	fprintf(f, ",\"tty\":%s", isatty(0) ? "true" : "false");
	fprintf(f, ",\"tx_frames\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
	    ",\"rx_frames\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	    ",\"rx_bad_fcs\":%" PRIu64 ",\"rx_runts\":%" PRIu64
	    ",\"rx_too_long\":%" PRIu64 ",\"rx_other\":%" PRIu64
	    ",\"rx_poison\":%" PRIu64 ",\"rx_reflected\":%" PRIu64
	    ",\"tx_dropped\":%" PRIu64 ",\"rx_ctrl_escaped\":%" PRIu64
	    ",\"rx_ctrl_raw\":%" PRIu64 ",",
	    st.tx_frames, st.tx_bytes, st.rx_frames, st.rx_bytes,
	    st.rx_bad_fcs, st.rx_runts, st.rx_too_long, st.rx_other,
	    st.rx_poison, st.rx_reflected, st.tx_dropped, st.rx_ctrl_escaped,
	    st.rx_ctrl_raw);
	json_stream(f, "rx_F", &st.f);
	fputc(',', f);
	json_stream(f, "rx_P", &st.p);
	fputs("}\n", f);
	if (fclose(f) == 0)
		rename(tmp, stats_path);
	else
		unlink(tmp);
	stats_dirty = false;
}

static void
load_settings(const char *path)
{
	char line[256], key[64];
	long long v;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%63s %lli", key, &v) != 2 || key[0] == '#')
			continue;
		if (strcmp(key, "tx_frames") == 0)
			set.tx_frames = v;
		else if (strcmp(key, "tx_size") == 0)
			set.tx_size = v < FAKEPPPD_HDR_LEN ? FAKEPPPD_HDR_LEN :
			    v > FAKEPPPD_FRAME_MAX ? FAKEPPPD_FRAME_MAX :
			    (size_t)v;
		else if (strcmp(key, "tx_interval_ms") == 0)
			set.tx_interval_ms = (long)v;
		else if (strcmp(key, "tx_delay_ms") == 0)
			set.tx_delay_ms = (long)v;
		else if (strcmp(key, "start_ms") == 0)
			set.start_ms = (long)v;
		else if (strcmp(key, "reflect") == 0)
			set.reflect = v != 0;
		else if (strcmp(key, "accm") == 0)
			set.accm = (uint32_t)v;
		else if (strcmp(key, "exit_status") == 0)
			set.exit_status = (int)v;
		else if (strcmp(key, "exit_after_ms") == 0)
			set.exit_after_ms = (long)v;
		else if (strcmp(key, "stats_interval_ms") == 0)
			set.stats_interval_ms = (long)v;
		else
			fprintf(stderr, "fakepppd: %s: unknown key %s\n",
			    path, key);
	}
	fclose(f);
}

/*
 * The password must reach us only through the fd. pppd's passwordfd
 * plugin reads to end of file; so do we, but never wait long for a
 * writer that keeps the pipe open.
 */
static void
read_password(void)
{
	struct pollfd pfd = { .fd = passwordfd, .events = POLLIN };
	ssize_t n;
	int i;

	while (password_len < sizeof(password) - 1 &&
	    poll(&pfd, 1, 2000) > 0) {
		n = read(passwordfd, password + password_len,
		    sizeof(password) - 1 - password_len);
		if (n <= 0)
			break;
		password_len += (size_t)n;
	}
	close(passwordfd);
	while (password_len > 0 && (password[password_len - 1] == '\n' ||
	    password[password_len - 1] == '\r'))
		password_len--;
	password[password_len] = '\0';
	if (password_len == 0)
		return;
	for (i = 0; i < g_argc; i++)
		if (strstr(g_argv[i], password) != NULL)
			password_in_argv = true;
	for (i = 0; environ[i] != NULL; i++)
		if (strstr(environ[i], password) != NULL)
			password_in_env = true;
}

static void
parse_argv(const char **conf, const char **stats)
{
	int i;

	for (i = 1; i + 1 < g_argc; i++) {
		if (strcmp(g_argv[i], "passwordfd") == 0)
			passwordfd = atoi(g_argv[++i]);
		else if (strcmp(g_argv[i], "ipparam") == 0)
			ipparam = g_argv[++i];
		else if (strcmp(g_argv[i], "fakepppd-conf") == 0)
			*conf = g_argv[++i];
		else if (strcmp(g_argv[i], "fakepppd-stats") == 0)
			*stats = g_argv[++i];
	}
}

/* --- HDLC ----------------------------------------------------------------- */

static void
out_byte(uint8_t c)
{
	if (c == 0x7e || c == 0x7d || (c < 0x20 && (set.accm >> c) & 1)) {
		obuf[olen++] = 0x7d;
		obuf[olen++] = c ^ 0x20;
	} else
		obuf[olen++] = c;
}

/* Worst case a frame doubles, plus FCS and two flags. */
static bool
out_room(size_t len)
{
	if (ooff > 0 && olen + 2 * len + 8 > sizeof(obuf)) {
		memmove(obuf, obuf + ooff, olen - ooff);
		olen -= ooff;
		ooff = 0;
	}
	return olen + 2 * len + 8 <= sizeof(obuf);
}

static bool
send_frame(const uint8_t *p, size_t len)
{
	uint16_t fcs;
	size_t i;

	if (!out_room(len))
		return false;
	obuf[olen++] = 0x7e;
	fcs = fakepppd_fcs16(FAKEPPPD_FCS_INIT, p, len) ^ 0xffff;
	for (i = 0; i < len; i++)
		out_byte(p[i]);
	out_byte(fcs & 0xff);
	out_byte(fcs >> 8);
	obuf[olen++] = 0x7e;
	st.tx_frames++;
	st.tx_bytes += len;
	stats_dirty = true;
	return true;
}

/* p: the frame from the magic on; filler starts 12 bytes after it */
static void
check_stream(struct stream *s, const uint8_t *p, size_t len, uint32_t seq)
{
	size_t i;

	s->frames++;
	for (i = 12; i < len; i++)
		if (p[i] != (uint8_t)(seq + (i - 12))) {
			s->bad_payload++;
			break;
		}
	if (!s->seen) {
		s->seen = true;
		s->first = s->last = seq;
		s->in_order++;
		return;
	}
	if (seq == s->last + 1) {
		s->in_order++;
		s->last = seq;
	} else if ((int32_t)(seq - s->last) > 1) {
		s->gaps++;
		s->missing += seq - s->last - 1;
		s->last = seq;
	} else
		s->out_of_order++;	/* behind or equal: reordered or dup */
}

static void
frame_in(const uint8_t *f, size_t len)
{
	const uint8_t *p = f;
	uint32_t seq;

	if (len < 4) {
		st.rx_runts++;
		return;
	}
	if (fakepppd_fcs16(FAKEPPPD_FCS_INIT, f, len) != FAKEPPPD_FCS_GOOD) {
		st.rx_bad_fcs++;
		return;
	}
	len -= 2;
	st.rx_frames++;
	st.rx_bytes += len;
	if (set.reflect) {
		if (send_frame(f, len))
			st.rx_reflected++;
		else
			st.tx_dropped++;
	}
	/*
	 * Address and control may have been compressed away (ACFC), and the
	 * protocol field to one byte (PFC): find the magic either way.
	 */
	if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		len -= 2;
	}
	if (len >= 14 && memcmp(p + 2, "FPPD", 4) == 0) {
		p += 2;
		len -= 2;
	} else if (len >= 13 && memcmp(p + 1, "FPPD", 4) == 0) {
		p += 1;
		len -= 1;
	} else {
		st.rx_other++;
		return;
	}
	seq = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | p[11];
	switch (p[4]) {
	case 'F':
		check_stream(&st.f, p, len, seq);
		break;
	case 'P':
		check_stream(&st.p, p, len, seq);
		break;
	case 'X':
		st.rx_poison++;
		break;
	default:
		st.rx_other++;
	}
}

static struct {
	uint8_t	buf[FAKEPPPD_FRAME_MAX + 2];
	size_t	len;
	bool	esc, toolong;
} rx;

static void
hdlc_input(const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == 0x7e) {
			if (rx.toolong)
				st.rx_too_long++;
			else if (rx.esc)
				st.rx_bad_fcs++;	/* aborted frame */
			else if (rx.len > 0)
				frame_in(rx.buf, rx.len);
			rx.len = 0;
			rx.esc = rx.toolong = false;
			stats_dirty = true;
			continue;
		}
		if (c == 0x7d) {
			rx.esc = true;
			continue;
		}
		if (rx.esc) {
			c ^= 0x20;
			rx.esc = false;
			if (c < 0x20)
				st.rx_ctrl_escaped++;
		} else if (c < 0x20)
			st.rx_ctrl_raw++;
		if (rx.len == sizeof(rx.buf))
			rx.toolong = true;
		else
			rx.buf[rx.len++] = c;
	}
}

static void
set_raw(void)
{
	struct termios t;

	if (!isatty(0) || tcgetattr(0, &t) == -1)
		return;
	cfmakeraw(&t);
	tcsetattr(0, TCSANOW, &t);
}

static int
signal_fd(void)
{
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int
finish(int status)
{
	/* a final flush of what is queued, without blocking for long */
	struct pollfd pfd = { .fd = 1, .events = POLLOUT };
	ssize_t n;

	while (ooff < olen && poll(&pfd, 1, 100) > 0) {
		if ((n = write(1, obuf + ooff, olen - ooff)) <= 0)
			break;
		ooff += (size_t)n;
	}
	write_stats(true, status);
	return status;
}

static void
setup_paths(void)
{
	const char *conf = NULL, *stats = NULL, *dir, *name;
	char path[PATH_MAX];

	parse_argv(&conf, &stats);
	if ((dir = getenv("FAKEPPPD_DIR")) == NULL)
		dir = "/tmp/fakepppd";
	name = ipparam[0] != '\0' ? ipparam : "default";
	if (conf == NULL)
		conf = getenv("FAKEPPPD_CONF");
	if (conf == NULL) {
		snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
		conf = path;
	}
	load_settings(conf);
	if (stats == NULL)
		stats = getenv("FAKEPPPD_STATS");
	if (stats != NULL)
		snprintf(stats_path, sizeof(stats_path), "%s", stats);
	else
		snprintf(stats_path, sizeof(stats_path), "%s/%s.stats.json",
		    dir, name);
}

int
main(int argc, char *argv[])
{
	static uint8_t ibuf[1 << 16], frame[FAKEPPPD_FRAME_MAX];
	struct pollfd pfd[3];
	uint64_t start, next_tx, next_stats, t;
	long long sent = 0;
	struct signalfd_siginfo si;
	ssize_t n;
	int sfd, timeout;

	g_argc = argc;
	g_argv = argv;
	setup_paths();
	if (passwordfd >= 0)
		read_password();
	if (set.start_ms > 0) {
		struct timespec ts = { set.start_ms / 1000,
		    (set.start_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
		/* a frame written to the tty before this is lost, as with
		   pppd, whose tty set-up flushes its input */
		tcflush(0, TCIFLUSH);
	}
	set_raw();
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	sfd = signal_fd();
	start = now_ms();
	next_tx = start + (uint64_t)set.tx_delay_ms;
	next_stats = start;
	write_stats(false, -1);

	for (;;) {
		t = now_ms();
		if (set.exit_status >= 0 && set.exit_after_ms >= 0 &&
		    t >= start + (uint64_t)set.exit_after_ms)
			return finish(set.exit_status);
		/* queue what is due; flat out means "while there is room" */
		while ((set.tx_frames < 0 || sent < set.tx_frames) &&
		    t >= next_tx) {
			fakepppd_frame(frame, set.tx_size, (uint32_t)sent, 'F');
			if (!send_frame(frame, set.tx_size))
				break;
			sent++;
			next_tx = set.tx_interval_ms > 0 ?
			    t + (uint64_t)set.tx_interval_ms : t;
			if (set.tx_interval_ms > 0)
				break;
		}
		if (stats_dirty && t >= next_stats) {
			write_stats(false, -1);
			next_stats = t + (uint64_t)set.stats_interval_ms;
		}

		timeout = 1000;
		if ((set.tx_frames < 0 || sent < set.tx_frames) &&
		    olen - ooff < sizeof(obuf) / 2)
			timeout = next_tx > t ? (int)(next_tx - t) : 0;
		if (stats_dirty && (int)(next_stats - t) < timeout)
			timeout = next_stats > t ? (int)(next_stats - t) : 0;
		if (set.exit_after_ms >= 0 && set.exit_status >= 0) {
			uint64_t e = start + (uint64_t)set.exit_after_ms;
			if (e > t && (int)(e - t) < timeout)
				timeout = (int)(e - t);
		}
		pfd[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = 1,
		    .events = ooff < olen ? POLLOUT : 0 };
		pfd[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (poll(pfd, 3, timeout) == -1 && errno != EINTR)
			return finish(1);

		if (pfd[2].revents & POLLIN &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGUSR1)
				write_stats(false, -1);
			else
				return finish(FAKEPPPD_EXIT_USER_REQUEST);
		}
		if (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP) &&
		    ooff < olen) {
			n = write(1, obuf + ooff, olen - ooff);
			if (n > 0) {
				ooff += (size_t)n;
				if (ooff == olen)
					ooff = olen = 0;
			} else if (n == -1 && errno != EAGAIN && errno != EINTR)
				return finish(FAKEPPPD_EXIT_HANGUP);
		}
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			n = read(0, ibuf, sizeof(ibuf));
			if (n > 0)
				hdlc_input(ibuf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				return finish(FAKEPPPD_EXIT_HANGUP);
		}
	}
}
