/*
 * The parent's DNS: the servers a tunnel's PPP peer offered (pppd's
 * usepeerdns), in force while the tunnel is up, through whatever manages
 * the host's resolver: systemd-resolved per link, else resolvconf, else
 * /etc/resolv.conf itself, whose original is kept under /run and put
 * back when the last tunnel goes (or, after a crash, at the next start).
 *
 * Plain synchronous functions: resolvectl and resolvconf take
 * milliseconds. Each returns 0, or -1 with a message in err.
 */
#ifndef PRIVSEP_PARENT_DNS_H
#define PRIVSEP_PARENT_DNS_H

#include <netinet/in.h>
#include <stddef.h>

#define DNS_SERVERS_MAX	2	/* IPCP offers a primary and a secondary */

enum dns_backend { DNS_RESOLVED, DNS_RESOLVCONF, DNS_FILE };

/*
 * Once, at daemon start: picks the backend and undoes what a daemon that
 * died left (a rewritten resolv.conf is restored; resolvconf's entries of
 * the interfaces named in ifnames, n of them, are removed).
 */
int	dns_init(char *const *ifnames, int n, char *err, size_t errlen);
const char *dns_backend_name(void);
enum dns_backend dns_backend_kind(void);

/* The tunnel on ifname uses these n servers, all queries if route. */
int	dns_set(const char *ifname, const struct in_addr *servers, int n,
	    int route, char *err, size_t errlen);
/* ... and no longer (its interface may be gone already). */
int	dns_unset(const char *ifname, char *err, size_t errlen);

/*
 * The resolv.conf to write while servers (count n, dotted quads) are in
 * force over the original text: a note, those servers, then the
 * original's lines but its nameservers. A pure function (dns_file.c);
 * returns a malloc'ed string or NULL.
 */
char	*dns_file_compose(const char *original, char *const *servers, int n);

/* Where the file backend keeps the original; tests may move both. */
void	dns_set_paths(const char *resolv_conf, const char *saved);

#endif
