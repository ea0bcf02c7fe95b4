/*
 * pppd for one tunnel: its command line, starting it on a pty, and turning
 * its exit into a reason a person understands.  Runs in the parent.
 *
 * pppd runs with the pty slave as its stdin (no device argument: pppd then
 * uses the terminal on its standard input and does not fork), in a session
 * of its own, with an environment holding only PATH.  The password reaches
 * it through a pipe read by the passwordfd.so plugin, never through argv,
 * the environment or a file.  pppd's stderr and its log (logfd) go to one
 * pipe whose read end the parent gets, so pppd's own words can explain a
 * failure (pppd_log_read, pppd_exit_reason).
 *
 * No function here keeps state between calls or blocks for long: spawn
 * waits only until the exec has happened.
 */
#ifndef PRIVSEP_PARENT_PPPD_H
#define PRIVSEP_PARENT_PPPD_H

#include <sys/types.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

/* Same values as the config's mppe keyword (required, optional, none). */
enum pppd_mppe {
	PPPD_MPPE_REQUIRED = 0,	/* 128-bit MPPE or no link; MS-CHAPv2 only */
	PPPD_MPPE_OPTIONAL = 1,	/* MPPE if the server offers it */
	PPPD_MPPE_NONE = 2	/* never MPPE */
};

/*
 * PPTP's overhead on a 1500-byte path is 20 (IP) + 16 (GRE with sequence
 * and acknowledgement) + 4 (PPP address/control/protocol) + 4 (MPPE) = 44
 * bytes; 1400 also leaves room for PPPoE and the like under the server and
 * is what Windows uses.
 */
/* A path that never exists: pppd runs no script there, and says nothing */
#define PPPD_NO_SCRIPT		"/nonexistent/pptpd-client"
#define PPPD_DEFAULT_MTU	1400

/* The descriptors pppd finds when it starts. */
#define PPPD_FD_PASSWORD	3	/* passwordfd.so reads the password */
#define PPPD_FD_LOG		4	/* logfd: pppd's log lines */
#define PPPD_FD_CHANNEL		5	/* the kernel path's PPTP socket */

#define PPPD_PASSWORD_MAX	255	/* pppd's MAXSECRETLEN less the NUL */

struct pppd_spec {
	const char	*pppd_path;	/* program to execute */
	const char	*tunnel_name;	/* ipparam, for ip-up scripts */
	const char	*ifname;	/* see pppd_ifname() */
	const char	*username;	/* DOMAIN\user allowed */
	int		 mppe;		/* enum pppd_mppe */
	unsigned	 mtu;		/* mtu and mru; 0: PPPD_DEFAULT_MTU */
	const char	*extra_options;	/* split on blanks, appended last */
	int		 debug;		/* pppd's "debug" */
	int		 allow_pap;	/* else "refuse-pap", whatever mppe */
	int		 usepeerdns;	/* ask the peer for DNS servers */
	int		 no_ip_scripts;	/* keep /etc/ppp/ip-up and ip-down
					   from running */
	unsigned	 lcp_echo_interval; /* seconds, 0: no LCP echo */
	unsigned	 lcp_echo_failure;
	/*
	 * The kernel data path: NULL, or our plugin's path, and then
	 * chan_fd, a connected kernel PPTP socket that pppd takes as its
	 * channel (pptp-socket) instead of a terminal; no pty is made.
	 */
	const char	*kernel_plugin;
	int		 chan_fd;
};

/*
 * The interface name we give a tunnel's pppd: "pptp-" and the tunnel name,
 * cut to IFNAMSIZ - 1 bytes, with characters the kernel refuses in a name
 * ('/', ':', blanks, controls) replaced by '_'.  Two tunnels whose names
 * share the first 10 bytes get the same name: the caller must detect that
 * (pppd_ifname_valid() does not).  Returns 0, or -1 if the name is empty.
 */
int	pppd_ifname(const char *tunnel_name, char *buf, size_t buflen);

/* 1 if the kernel would accept name as an interface name. */
int	pppd_ifname_valid(const char *name);

/*
 * Fills argv (maxargv slots, NULL-terminated) with pppd's command line,
 * using storage (storagelen bytes) for the strings it builds; argv points
 * into spec's strings too, so spec must outlive argv.  logfd_num < 0 leaves
 * logfd out.  Returns argc, or -1 with errno EINVAL (bad spec: no username,
 * invalid ifname, unknown mppe) or E2BIG (argv or storage too small).
 */
int	pppd_build_argv(const struct pppd_spec *spec, int passwordfd_num,
	    int logfd_num, char **argv, size_t maxargv, char *storage,
	    size_t storagelen);

/*
 * Starts pppd on a new pty (or, with spec->kernel_plugin, on the kernel
 * socket spec->chan_fd: *master_fd is then -1).  On success returns 0 with
 * *master_fd the pty master (non-blocking, close-on-exec), *log_fd the read end of pppd's log
 * pipe (non-blocking, close-on-exec; may be NULL: then pppd's log is
 * discarded) and *pid pppd's pid; the caller reaps it.  Fails with -1 and
 * err set if anything, including the exec, fails.
 */
int	pppd_spawn(const struct pppd_spec *spec, const char *password,
	    int *master_fd, int *log_fd, pid_t *pid, char *err, size_t errlen);

/*
 * Reading pppd's log pipe line by line.  hint keeps the most telling line
 * seen so far (the ones pppd_log_is_hint() picks), last the latest line;
 * hand hint (or last if hint is empty) to pppd_exit_reason().
 */
struct pppd_log {
	char	buf[1024];
	size_t	len;
	char	last[256];
	char	hint[256];
};

/*
 * Reads what is available; calls cb (may be NULL) once per complete line,
 * without the newline.  Returns 0 when the pipe is drained (EAGAIN), 1 at
 * end of file (pppd is gone; a partial last line has been delivered), -1
 * on a read error.
 */
int	pppd_log_read(int fd, struct pppd_log *log,
	    void (*cb)(const char *line, void *ctx), void *ctx);
int	pppd_log_is_hint(const char *line);
const char	*pppd_log_link_dead(const char *line);
/*
 * pppd's "primary   DNS address A.B.C.D" (index 0) or "secondary DNS
 * address ..." (index 1), said once IPCP is up with usepeerdns: returns
 * the index and fills *addr, or -1 for any other line.
 */
int	pppd_log_dns(const char *line, struct in_addr *addr);

/*
 * Why pppd ended, in words for last_error: from wait_status (as waitpid
 * gives it) and, when given, the hint line, which is more precise.
 * Returns a static string.
 */
const char	*pppd_exit_reason(int wait_status, const char *hint);

/*
 * 1 if trying again cannot help (authentication refused, MPPE refused,
 * pppd rejecting its options, no PPP in the kernel): persist must not
 * retry, the tunnel goes to failed.
 */
int	pppd_exit_is_permanent(int wait_status, const char *hint);

/*
 * 1 if pppd only says the line went away (its exit status 16, or "Modem
 * hangup" as its last word): what it reports when the other side of the
 * pty, the engine, closed first, so the engine knows better why.
 */
int	pppd_exit_is_hangup(int wait_status, const char *hint);

#endif
