/*
 * pptpctl: the command line client of pptpd-client's control socket.
 * client.c talks the protocol, output.c prints, pptpctl.c is the command
 * line.
 */
#ifndef PPTPCTL_PPTPCTL_H
#define PPTPCTL_PPTPCTL_H

#include <stdint.h>
#include <time.h>

#include "privsep/msg.h"

/* Exit statuses, a contract with scripts (README.md, Interfaces). */
#define EX_OK		0
#define EX_FAILED	1
#define EX_USAGE	2
#define EX_UNREACH	3

#define DEFAULT_SOCKET	"/run/pptpd-client.sock"

struct ctl_conn;

/*
 * Called for each C_STATUS, C_EVENT or C_COUNTERS reply; the payload has
 * passed msg_check, so its length is exact, but its strings are not
 * trusted to be terminated. Returning nonzero stops reading (the request
 * is then treated as finished with that value as exit status).
 */
typedef int (*reply_cb)(uint16_t type, const void *payload, void *arg);

/* Connect or exit EX_UNREACH with a message naming the path. */
struct ctl_conn	*conn_open(const char *path);
void		 conn_close(struct ctl_conn *);

/*
 * Send one request and read its replies until C_END. Returns an exit
 * status: EX_OK, EX_FAILED (with the daemon's message printed), or
 * EX_UNREACH (denied). A broken or garbled stream exits EX_FAILED.
 */
int		 conn_request(struct ctl_conn *, uint32_t cmd, const char *name,
		    reply_cb, void *arg);

/*
 * After a CTL_MONITOR request has ended, read C_EVENTs until the callback
 * returns nonzero (its value is returned), the deadline passes (returns
 * -1; a NULL deadline is none), or a signal set *stop (returns EX_OK).
 * The daemon closing the connection exits EX_FAILED.
 */
int		 conn_events(struct ctl_conn *, const struct timespec *deadline,
		    volatile int *stop, reply_cb, void *arg);

/* Copy a fixed-size field that may lack its NUL. */
void		 field_copy(char *dst, size_t dstlen, const char *src,
		    size_t srclen);
#define FIELD(dst, src)	field_copy((dst), sizeof(dst), (src), sizeof(src))

/* output.c */
extern int	 json_output;
void		 out_status_begin(void);
void		 out_status(const struct ctl_status *);
void		 out_status_end(void);
void		 out_event(const struct ctl_status *, int initial);
void		 printable(char *);	/* control characters become '?' */
void		 fmt_duration(char *, size_t, uint64_t seconds);
uint64_t	 status_uptime(const struct ctl_status *, time_t now);
/* output.c, for output_counters.c: the list being printed */
struct json_object;
extern struct json_object *jlist;	/* -j: the "tunnels" array */
extern int	 nblocks;		/* text: blocks printed so far */
void		 list_begin(void);
void		 list_end(void);
void		 json_print(struct json_object *);
void		 jadd_str(struct json_object *, const char *, const char *);
void		 jadd_u64(struct json_object *, const char *, uint64_t);

/* check.c: pptpctl check [name]; opens its own connections */
int		 cmd_check(const char *sock, const char *name);

/* output_counters.c: show counters as text (short or -v), JSON or for
   Prometheus (node_exporter's textfile collector) */
enum counters_format { CF_TEXT, CF_VERBOSE, CF_JSON, CF_PROMETHEUS };
void		 out_counters_begin(enum counters_format);
void		 out_counters_state(const struct ctl_status *);	/* before */
void		 out_counters(const struct ctl_counters *);
void		 out_counters_end(void);
void		 fmt_bytes(char *, size_t, uint64_t);
void		 fmt_ago(char *, size_t, uint64_t seconds);

#endif
