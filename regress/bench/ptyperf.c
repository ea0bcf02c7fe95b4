/*
 * ptyperf: what a pty itself carries, without any PPTP client, under the
 * conditions of regress/bench/bench. Not a test; see regress/bench/README.
 *
 *	ptyperf [-d down|up] [-t SECONDS] [-w WRITE] [-r READ] [-b BUSY]
 *	        [-f FRAMEBYTES] [-p FAKEPPPD [-s SIZE]]
 *
 * down (default): the direction GRE->pty. A writer on the pty master
 * writes WRITE bytes at a time (default 65536), non-blocking, waiting in
 * poll(POLLOUT) when the pty is full, as the engine does; a reader on the
 * slave, set raw with cfmakeraw() and non-blocking exactly as
 * regress/host/fakepppd does, polls and reads READ bytes at a time
 * (default 65536, fakepppd's buffer).
 *
 * up: pty->GRE. The writer is on the slave (fakepppd's side), the
 * reader on the master (the client's side).
 *
 * BUSY: that many extra processes spinning on the CPU beside it (as
 * greperf, sending flat out, keeps one of the bench machine's two CPUs
 * busy). Writer and reader are separate processes.
 *
 * It prints bytes per second through the pty, reads and writes per
 * second and their mean size, the reader's and writer's CPU time, and
 * the rate in frames per second for FRAMEBYTES bytes per frame on the
 * tty (default 1590: a 1400-byte PPP frame with its FCS, flag and the
 * escapes of fakepppd's filler under the default ACCM), so that it can
 * be set beside the bench's figures.
 *
 * -p: regress/host/fakepppd itself on the slave instead of ptyperf's own
 * side there, started as the bench starts it; frames of SIZE bytes (default
 * 1400) in its payload format, HDLC-encoded once beforehand with every
 * control character escaped. down: the writer writes them round and
 * round into the master; fakepppd reads, decodes and checks them, and
 * its frames received are the rate. up: fakepppd writes SIZE-byte frames
 * flat out, ptyperf reads the master, fakepppd's frames sent are the rate.
 * This is what a client that cost nothing could carry through the pty
 * with fakepppd on the other side: the bench's ceiling for either client.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "regress/host/fakepppd/fakepppd.h"

struct shared {
	volatile uint64_t	rbytes, reads, wbytes, writes, wwaits;
	volatile int		stop;
	double			rcpu, wcpu;
};

static uint8_t	*ring;		/* -p down: encoded frames, written round */
static size_t	 ringlen;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
reader(int fd, size_t rsize, struct shared *sh)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t *buf;
	ssize_t n;

	if ((buf = malloc(rsize)) == NULL)
		exit(1);
	while (!sh->stop) {
		/* as fakepppd: one poll, one read per wakeup */
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, rsize);
		if (n > 0) {
			sh->rbytes += (uint64_t)n;
			sh->reads++;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	sh->rcpu = cpu_self();
	exit(0);
}

static void
writer(int fd, size_t wsize, struct shared *sh)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	uint8_t *buf;
	ssize_t n;
	size_t i;

	size_t off = 0;

	if ((buf = malloc(wsize)) == NULL)
		exit(1);
	/* bytes like HDLC frames: no flag or escape inside, a flag now and
	   then; the line discipline is raw, so they only need to be bytes */
	for (i = 0; i < wsize; i++)
		buf[i] = (i % 1590) == 0 ? 0x7e : (uint8_t)(0x20 + i % 90);
	while (!sh->stop) {
		if (ring != NULL)
			n = write(fd, ring + off, ringlen - off < wsize ?
			    ringlen - off : wsize);
		else
			n = write(fd, buf, wsize);
		if (n > 0) {
			sh->wbytes += (uint64_t)n;
			sh->writes++;
			if (ring != NULL && (off += (size_t)n) == ringlen)
				off = 0;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			break;
		/* full: wait for room, as the engine does with EV_WRITE */
		sh->wwaits++;
		poll(&pfd, 1, 100);
	}
	sh->wcpu = cpu_self();
	exit(0);
}

static void
spin(struct shared *sh)
{
	volatile uint64_t x = 0;

	while (!sh->stop)
		x++;
	exit(0);
}

/* FF 03 7E 21 'F' 'P' 'P' 'D' src 0 0 0 seq filler, as fakepppd checks */
static size_t
encode_frame(uint8_t *out, size_t size, uint32_t seq)
{
	uint8_t f[FAKEPPPD_FRAME_MAX + 2];
	uint16_t fcs;
	size_t i, o = 0;

	fakepppd_frame(f, size, seq, 'P');
	fcs = ~fakepppd_fcs16(FAKEPPPD_FCS_INIT, f, size);
	f[size] = fcs & 0xff;
	f[size + 1] = fcs >> 8;
	out[o++] = 0x7e;
	for (i = 0; i < size + 2; i++) {
		if (f[i] < 0x20 || f[i] == 0x7e || f[i] == 0x7d) {
			out[o++] = 0x7d;
			out[o++] = f[i] ^ 0x20;
		} else
			out[o++] = f[i];
	}
	return o;
}

static void
build_ring(size_t size)
{
	size_t n = 256, i;	/* the filler repeats every 256 sequence numbers */

	if ((ring = malloc(n * (2 * (size + 2) + 1))) == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		ringlen += encode_frame(ring + ringlen, size, (uint32_t)i);
}

static char	statsfile[64], conffile[64];

static pid_t
start_fakepppd(const char *prog, int fd, int up, size_t size)
{
	FILE *f;
	pid_t pid;

	snprintf(conffile, sizeof(conffile), "/tmp/ptyperf.%d.conf", getpid());
	snprintf(statsfile, sizeof(statsfile), "/tmp/ptyperf.%d.json",
	    getpid());
	if ((f = fopen(conffile, "w")) == NULL)
		exit(1);
	if (up)
		fprintf(f, "tx_frames -1\ntx_size %zu\ntx_interval_ms 0\n",
		    size);
	else
		fprintf(f, "tx_frames 0\n");
	fprintf(f, "stats_interval_ms 1000\n");
	fclose(f);
	if ((pid = fork()) == 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		execl(prog, prog, "fakepppd-conf", conffile, "fakepppd-stats",
		    statsfile, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* fakepppd's counter key, and its clock, after a SIGUSR1 */
static int
fake_snap(pid_t pid, const char *key, double *count, double *ms)
{
	char buf[8192], pat[64];
	const char *p;
	FILE *f;
	size_t n;

	kill(pid, SIGUSR1);
	usleep(50000);
	if ((f = fopen(statsfile, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(buf, pat)) == NULL)
		return -1;
	*count = atof(p + strlen(pat));
	if ((p = strstr(buf, "\"mono_ms\":")) == NULL)
		return -1;
	*ms = atof(p + strlen("\"mono_ms\":"));
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ptyperf [-d down|up] [-t seconds] "
	    "[-w writesize] [-r readsize] [-b busy] [-f framebytes]\n"
	    "               [-p fakepppd [-s size]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct shared *sh;
	struct termios tio;
	pid_t pids[64];
	int c, m, s, np = 0, i, up = 0, busy = 0, st;
	size_t wsize = 65536, rsize = 65536;
	double secs = 5, fbytes = 1590, t0, t1;
	uint64_t rb0, r0, wb0, w0, ww0;
	const char *fake = NULL;
	size_t size = 1400;
	pid_t fpid = -1;
	double fc0 = 0, fc1 = 0, fm0 = 0, fm1 = 0;

	while ((c = getopt(argc, argv, "d:t:w:r:b:f:p:s:")) != -1) {
		switch (c) {
		case 'd':
			if (strcmp(optarg, "up") == 0)
				up = 1;
			else if (strcmp(optarg, "down") != 0)
				usage();
			break;
		case 't': secs = atof(optarg); break;
		case 'w': wsize = strtoul(optarg, NULL, 0); break;
		case 'r': rsize = strtoul(optarg, NULL, 0); break;
		case 'b': busy = atoi(optarg); break;
		case 'f': fbytes = atof(optarg); break;
		case 'p': fake = optarg; break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (secs <= 0 || wsize == 0 || rsize == 0 || busy < 0 || busy > 32 ||
	    fbytes <= 0 || size < FAKEPPPD_HDR_LEN ||
	    size > FAKEPPPD_FRAME_MAX - 2)
		usage();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || openpty(&m, &s, NULL, NULL, NULL) == -1) {
		perror("ptyperf");
		return 1;
	}
	/* the slave as fakepppd sets it: raw, non-blocking */
	tcgetattr(s, &tio);
	cfmakeraw(&tio);
	tcsetattr(s, TCSANOW, &tio);
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);

	for (i = 0; i < busy; i++)
		if ((pids[np] = fork()) == 0)
			spin(sh);
		else
			np++;
	if (fake != NULL) {
		/* fakepppd on the slave: ptyperf is only the client's side */
		if (!up)
			build_ring(size);
		fpid = start_fakepppd(fake, s, up, size);
		if ((pids[np] = fork()) == 0) {
			if (up)
				reader(m, rsize, sh);
			else
				writer(m, wsize, sh);
		}
		np++;
	} else {
		if ((pids[np] = fork()) == 0)
			reader(up ? m : s, rsize, sh);
		np++;
		if ((pids[np] = fork()) == 0)
			writer(up ? s : m, wsize, sh);
		np++;
	}

	/* one second to settle, then the window */
	sleep(1);
	rb0 = sh->rbytes; r0 = sh->reads; wb0 = sh->wbytes; w0 = sh->writes;
	ww0 = sh->wwaits;
	if (fpid > 0 && fake_snap(fpid, up ? "tx_frames" : "rx_frames", &fc0,
	    &fm0) == -1)
		fprintf(stderr, "ptyperf: no stats from %s\n", fake);
	t0 = now();
	usleep((useconds_t)(secs * 1e6));
	t1 = now() - t0;
	if (fpid > 0 && fake_snap(fpid, up ? "tx_frames" : "rx_frames", &fc1,
	    &fm1) == -1)
		fprintf(stderr, "ptyperf: no stats from %s\n", fake);
	rb0 = sh->rbytes - rb0; r0 = sh->reads - r0; wb0 = sh->wbytes - wb0;
	w0 = sh->writes - w0; ww0 = sh->wwaits - ww0;
	sh->stop = 1;
	for (i = 0; i < np; i++)
		waitpid(pids[i], &st, 0);
	if (fpid > 0) {
		kill(fpid, SIGTERM);
		waitpid(fpid, &st, 0);
		unlink(conffile);
		unlink(statsfile);
		if (fm1 > fm0)
			printf("fakepppd %s %.0f frames/s of %zu B\n",
			    up ? "wrote" : "read and checked",
			    (fc1 - fc0) * 1000 / (fm1 - fm0), size);
	}

	printf("%s, write %zu, read %zu, %d busy: %.1f MB/s, %.0f frames/s "
	    "of %.0f B; %.0f reads/s of %.0f B, %.0f writes/s of %.0f B, "
	    "%.0f waits for room/s; cpu (incl. 1 s settling) reader %.2f s, "
	    "writer %.2f s\n",
	    up ? "up (slave->master, pty->GRE)" :
	    "down (master->slave, GRE->pty)", wsize, rsize, busy,
	    rb0 / t1 / 1e6, rb0 / t1 / fbytes, fbytes, r0 / t1,
	    r0 ? (double)rb0 / r0 : 0, w0 / t1, w0 ? (double)wb0 / w0 : 0,
	    ww0 / t1, sh->rcpu, sh->wcpu);
	return 0;
}
