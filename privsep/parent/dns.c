/*
 * The parent's DNS (dns.h): which of systemd-resolved, resolvconf and
 * resolv.conf itself manages the host's resolver, and the servers of each
 * tunnel in it. resolved takes them per link, so a tunnel's servers go
 * with its interface; resolvconf keeps one record per interface; the file
 * holds the servers of every tunnel that has some, most recent first.
 */
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/dns.h"
#include "privsep/parent/dns_file.h"
#include "privsep/parent/tool.h"

#define RESOLVED_SOCKET	"/run/systemd/resolve/io.systemd.Resolve"
#define RECORD_SUFFIX	".pptpd-client"	/* resolvconf's record name */
#define FILE_TUNNELS	64		/* tunnels in the file at once */

static enum dns_backend backend = DNS_FILE;
static char tool[256];			/* resolvectl or resolvconf */

/* The file backend's servers, per interface, most recent first. */
static struct {
	char	ifname[16];
	char	servers[DNS_SERVERS_MAX][INET_ADDRSTRLEN];
	int	n;
} held[FILE_TUNNELS];
static int nheld;

const char *
dns_backend_name(void)
{
	switch (backend) {
	case DNS_RESOLVED:
		return "systemd-resolved";
	case DNS_RESOLVCONF:
		return "resolvconf";
	default:
		return "/etc/resolv.conf";
	}
}

enum dns_backend
dns_backend_kind(void)
{
	return backend;
}

int
dns_init(char *const *ifnames, int n, char *err, size_t errlen)
{
	char record[64], e2[256];
	int i;

	if (access(RESOLVED_SOCKET, F_OK) == 0 &&
	    tool_find("resolvectl", tool, sizeof(tool)) == 0)
		backend = DNS_RESOLVED;
	else if (tool_find("resolvconf", tool, sizeof(tool)) == 0)
		backend = DNS_RESOLVCONF;
	else
		backend = DNS_FILE;
	/* a daemon that died left these; none of its tunnels is up now */
	if (backend == DNS_RESOLVCONF)
		for (i = 0; i < n; i++) {
			snprintf(record, sizeof(record), "%s%s", ifnames[i],
			    RECORD_SUFFIX);
			(void)tool_run(tool, (char *[]){ tool, "-d", record,
			    NULL }, NULL, NULL, e2, sizeof(e2));
		}
	return dns_file_restore(err, errlen);
}

static int
resolved_set(const char *ifname, char *const *srv, int n, int route,
    char *err, size_t errlen)
{
	char *argv[4 + DNS_SERVERS_MAX] = { tool, "dns", (char *)ifname };
	int i;

	for (i = 0; i < n; i++)
		argv[3 + i] = srv[i];
	if (tool_run(tool, argv, NULL, NULL, err, errlen) == -1)
		return -1;
	/* "~.": the route for every domain, not a search domain */
	if (route && tool_run(tool, (char *[]){ tool, "domain", (char *)ifname,
	    "~.", NULL }, NULL, NULL, err, errlen) == -1)
		return -1;
	return 0;
}

static int
resolvconf_set(const char *ifname, char *const *srv, int n, char *err,
    size_t errlen)
{
	char record[64], text[DNS_SERVERS_MAX * 32];
	size_t off = 0;
	int i;

	snprintf(record, sizeof(record), "%s%s", ifname, RECORD_SUFFIX);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "nameserver %s\n", srv[i]);
	return tool_run(tool, (char *[]){ tool, "-a", record, NULL }, text,
	    NULL, err, errlen);
}

/* The file with every held tunnel's servers, or the original if none. */
static int
file_sync(char *err, size_t errlen)
{
	char *all[FILE_TUNNELS * DNS_SERVERS_MAX];
	int i, j, n = 0;

	if (nheld == 0)
		return dns_file_restore(err, errlen);
	for (i = 0; i < nheld; i++)
		for (j = 0; j < held[i].n; j++)
			all[n++] = held[i].servers[j];
	return dns_file_write(all, n, err, errlen);
}

static int
held_find(const char *ifname)
{
	int i;

	for (i = 0; i < nheld; i++)
		if (strcmp(held[i].ifname, ifname) == 0)
			return i;
	return -1;
}

static void
held_drop(int i)
{
	memmove(&held[i], &held[i + 1], (size_t)(nheld - i - 1) *
	    sizeof(held[0]));
	nheld--;
}

static int
file_set(const char *ifname, char *const *srv, int n, char *err,
    size_t errlen)
{
	int i;

	if ((i = held_find(ifname)) >= 0)
		held_drop(i);
	if (nheld == FILE_TUNNELS)
		return err_set(err, errlen, "more than %d tunnels with dns",
		    FILE_TUNNELS);
	/* the newest first: a tunnel just up is the one meant */
	memmove(&held[1], &held[0], (size_t)nheld * sizeof(held[0]));
	nheld++;
	memset(&held[0], 0, sizeof(held[0]));
	strlcpy(held[0].ifname, ifname, sizeof(held[0].ifname));
	for (i = 0; i < n; i++)
		strlcpy(held[0].servers[i], srv[i], sizeof(held[0].servers[i]));
	held[0].n = n;
	return file_sync(err, errlen);
}

int
dns_set(const char *ifname, const struct in_addr *servers, int n, int route,
    char *err, size_t errlen)
{
	char text[DNS_SERVERS_MAX][INET_ADDRSTRLEN];
	char *srv[DNS_SERVERS_MAX];
	int i;

	if (n < 1 || n > DNS_SERVERS_MAX || *ifname == '\0')
		return err_set(err, errlen, "no DNS servers to set");
	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &servers[i], text[i], sizeof(text[i]));
		srv[i] = text[i];
	}
	switch (backend) {
	case DNS_RESOLVED:
		return resolved_set(ifname, srv, n, route, err, errlen);
	case DNS_RESOLVCONF:
		return resolvconf_set(ifname, srv, n, err, errlen);
	default:
		return file_set(ifname, srv, n, err, errlen);
	}
}

int
dns_unset(const char *ifname, char *err, size_t errlen)
{
	char record[64];
	int i;

	switch (backend) {
	case DNS_RESOLVED:
		/* the link may be gone, and its settings with it */
		if (tool_run(tool, (char *[]){ tool, "revert", (char *)ifname,
		    NULL }, NULL, NULL, err, errlen) == 0 ||
		    if_nametoindex(ifname) == 0)
			return 0;
		return -1;
	case DNS_RESOLVCONF:
		snprintf(record, sizeof(record), "%s%s", ifname,
		    RECORD_SUFFIX);
		return tool_run(tool, (char *[]){ tool, "-d", record, NULL },
		    NULL, NULL, err, errlen);
	default:
		if ((i = held_find(ifname)) < 0)
			return 0;
		held_drop(i);
		return file_sync(err, errlen);
	}
}
