/*
 * The configuration of pptpd-client, as parse.y reads it from
 * pptpd-client.conf(5) and printconf.c prints it back (`pptpd-client -n`).
 *
 * The parent process owns the config: it is the only one that reads the
 * file, and the only one that ever holds the passwords. Field names are a
 * contract with the rest of the daemon; add fields, never rename them.
 */
#ifndef PPTPD_CLIENT_CONFIG_H
#define PPTPD_CLIENT_CONFIG_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#define TUNNEL_NAME_MAX		32	/* [A-Za-z0-9_.-], 1..31 chars */
#define PC_USERNAME_MAX		256
#define PC_PASSWORD_MAX		256
#define PC_SERVER_MAX		256
#define PC_PPPD_OPTIONS_MAX	1024

#define PC_DEFAULT_CONF		"/etc/pptpd-client.conf"
#define PC_DEFAULT_SOCKET	"/run/pptpd-client.sock"
#define PC_DEFAULT_USER		"_pptp"
#define PC_DEFAULT_PPPD		"/usr/sbin/pppd"
/* the kernel data path's pppd plugin, unless pppd-plugin says: relative
   to the directory of the daemon's program, where make install puts it */
#define PC_PLUGIN_BESIDE	"../lib/pptpd-client/pptpd-client.so"
/* which tunnels are wanted up, beside the default socket (parent_wanted.c) */
#define PC_WANTED_FILE		"/run/pptpd-client/wanted"

/* Defaults and limits of the numeric tunnel options (seconds unless noted). */
#define PC_CONNECT_TIMEOUT_DEF	10
#define PC_CONNECT_TIMEOUT_MIN	1
#define PC_CONNECT_TIMEOUT_MAX	300
#define PC_ECHO_INTERVAL_DEF	60
#define PC_ECHO_INTERVAL_MIN	0	/* 0: no echo requests sent */
#define PC_ECHO_INTERVAL_MAX	3600
#define PC_ECHO_TIMEOUT_DEF	60
#define PC_ECHO_TIMEOUT_MIN	1
#define PC_ECHO_TIMEOUT_MAX	3600
#define PC_REORDER_WAIT_DEF	50	/* milliseconds */
#define PC_REORDER_WAIT_MIN	0	/* 0: no reordering, deliver at once */
#define PC_REORDER_WAIT_MAX	1000
#define PC_RECONNECT_MAX_DEF	300	/* the longest wait between tries */
#define PC_RECONNECT_MAX_MIN	1
#define PC_RECONNECT_MAX_MAX	86400
#define PC_LCP_ECHO_INTERVAL_DEF 20	/* pppd's lcp-echo-interval */
#define PC_LCP_ECHO_INTERVAL_MIN 0	/* 0: pppd sends none */
#define PC_LCP_ECHO_INTERVAL_MAX 3600
#define PC_LCP_ECHO_FAILURE_DEF	3	/* pppd's lcp-echo-failure */
#define PC_LCP_ECHO_FAILURE_MIN	1
#define PC_LCP_ECHO_FAILURE_MAX	100
#define PC_MTU_DEF		1400
#define PC_MTU_MIN		576
#define PC_MTU_MAX		1500

enum mppe_mode { MPPE_REQUIRED, MPPE_OPTIONAL, MPPE_NONE };
enum fw_backend { FW_AUTO, FW_NFTABLES, FW_IPTABLES, FW_NONE };
/* where frames go between pppd and GRE: auto picks kernel where it can */
enum datapath { DP_AUTO, DP_KERNEL, DP_USER };
enum killswitch { KS_NO, KS_YES, KS_ALWAYS };
/* always: retry even what retrying cannot mend (a refused password) */
enum persist { PERSIST_NO, PERSIST_YES, PERSIST_ALWAYS };

/* Host bits are always zero: the parser refuses a prefix that has any. */
struct prefix4 {
	struct in_addr	addr;		/* network byte order */
	uint8_t		len;		/* 0..32 */
};

struct route_conf {
	TAILQ_ENTRY(route_conf) entry;
	int		is_default;	/* `route default`; pfx is then 0.0.0.0/0 */
	struct prefix4	pfx;
};
TAILQ_HEAD(route_head, route_conf);

struct tunnel_conf {
	TAILQ_ENTRY(tunnel_conf) entry;
	char		name[TUNNEL_NAME_MAX];
	char		server[PC_SERVER_MAX];	/* hostname or dotted quad, as written */
	char		username[PC_USERNAME_MAX]; /* DOMAIN\user allowed */
	char		password_file[PATH_MAX]; /* empty if the password is inline */
	char		password[PC_PASSWORD_MAX]; /* from password-file or inline */
	int		has_password;	/* password[] is filled (always, after a
					   successful parse_config) */
	int		password_inline; /* `password "..."` was used */
	enum mppe_mode	mppe;		/* default MPPE_REQUIRED */
	int		allow_pap;	/* PAP, the password in clear: default 0 */
	int		dns;		/* the peer's DNS servers while up */
	int		dns_route;	/* every query through the tunnel */
	enum datapath	datapath;	/* default DP_AUTO */
	struct route_head routes;	/* `route`, in config order */
	enum killswitch	kill_switch;	/* default KS_NO */
	struct route_head allow;	/* kill-switch exceptions, in order;
					   never is_default */
	enum persist	persist;	/* default PERSIST_NO */
	uint32_t	reconnect_max_s; /* longest backoff */
	uint32_t	lcp_echo_interval; /* seconds, 0: none */
	uint32_t	lcp_echo_failure;
	int		forward;	/* masquerade + MSS clamp, default 0 */
	uint32_t	connect_timeout_ms;
	uint32_t	echo_interval_ms; /* 0: no echo requests */
	uint32_t	echo_timeout_ms;
	uint32_t	reorder_wait_ms;
	uint32_t	mtu;		/* pppd mtu and mru */
	char		pppd_options[PC_PPPD_OPTIONS_MAX]; /* extra pppd words,
					   space separated, appended to argv */
	int		lineno;		/* where `tunnel` was written */
};
TAILQ_HEAD(tunnel_head, tunnel_conf);

struct pcconf {
	char		user[64];	/* default "_pptp" */
	char		control_group[64]; /* empty: only root may change */
	char		control_socket[PATH_MAX];
	enum fw_backend	firewall;	/* default FW_AUTO */
	char		pppd[PATH_MAX];	/* absolute path */
	char		pppd_plugin[PATH_MAX]; /* the kernel path's plugin; empty:
					   PC_PLUGIN_BESIDE */
	int		pppd_debug;	/* pppd's debug: default 0 (it logs the
					   authentication exchange) */
	struct tunnel_head tunnels;	/* in config order */
	int		ntunnels;
};

/*
 * parse_config() flags.
 *
 * PARSE_NO_PERMS skips the owner and mode checks on the config file and
 * on password files (the files are still read). Only for tests that cannot
 * run as root; the daemon and `pptpd-client -n` never pass it.
 */
#define PARSE_NO_PERMS		0x01

/*
 * print_config() flags: none yet, pass 0. print_config() always prints
 * every setting, defaults included, in a fixed order, so that its output
 * is a stable normalized form; it never prints a password.
 */

/* A config with every default and no tunnel. NULL only if out of memory. */
struct pcconf	*config_new(void);
/* Frees everything; password buffers are wiped first. NULL is fine. */
void		 config_free(struct pcconf *);
/*
 * Reads, checks and loads `file`, password files included. On any error
 * every problem found is reported as "file:line: message" (or "file:
 * message" for whole-file problems) and NULL is returned.
 */
struct pcconf	*parse_config(const char *file, int flags);
void		 print_config(FILE *, const struct pcconf *, int flags);
struct tunnel_conf *config_tunnel(struct pcconf *, const char *name);
/* 1 if the two would run a tunnel the same way (reload keeps it running) */
int		 config_tunnel_equal(const struct tunnel_conf *,
		    const struct tunnel_conf *);

/*
 * Where parse_config() reports errors: by default one line each on stderr.
 * The daemon, once it logs to syslog, can pass log_warnx-like function
 * for `reload`; NULL restores stderr. `msg` has no trailing newline.
 */
void		 config_set_error_handler(void (*)(const char *msg));

/*
 * config_value.c: values that need more than the grammar, for parse.y.
 * Each returns 0, or -1 with what is wrong in err (no file or line).
 */
#define PC_ERR_TEXT	512
int		 config_check_server(const char *, char *err, size_t errlen);
int		 config_parse_prefix(const char *, struct prefix4 *,
		    const char *what, char *err, size_t errlen);
int		 config_read_password(const char *path, char *dst,
		    size_t dstsz, int check_perms, char *err, size_t errlen);
/* These report through a printf-like function instead. */
typedef void	(*config_report)(const char *, ...);
int		 config_check_printable(const char *what, const char *,
		    config_report);
int		 config_check_name(const char *what, const char *, size_t,
		    config_report);
int		 config_check_path(const char *what, const char *, size_t,
		    config_report);

/* Keyword spellings, as the config and pptpctl show them. */
const char	*config_mppe_str(enum mppe_mode);
const char	*config_killswitch_str(enum killswitch);
const char	*config_persist_str(enum persist);
const char	*config_firewall_str(enum fw_backend);
const char	*config_datapath_str(enum datapath);

#endif /* PPTPD_CLIENT_CONFIG_H */
