/*
 * Routes and interface addresses through rtnetlink.  Runs in the parent.
 * See route.h.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "privsep/errfmt.h"
#include "privsep/parent/route.h"

/* Room for any single answer, including a full dump batch. */
#define NLBUF	(MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE : 32768)

/*
 * Sends one request on a socket of its own and runs cb over the answer
 * until the kernel says done (or acks).  Returns 0, or -1 with errno (the
 * kernel's error for a refused request).
 */
static int
nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct timeval tmo = { 5, 0 };
	struct mnl_socket *nl;
	char *buf;
	unsigned int portid, seq;
	ssize_t n;
	int rc = -1, saved;

	if ((buf = malloc(NLBUF)) == NULL)
		return -1;
	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL) {
		saved = errno;
		free(buf);
		errno = saved;
		return -1;
	}
	/* The kernel answers at once; never let a lost answer hang us. */
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tmo,
	    sizeof(tmo));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto out;
	portid = mnl_socket_get_portid(nl);
	seq = (unsigned int)time(NULL);
	nlh->nlmsg_seq = seq;
	/* a plain get answers with one message and no DONE: the ack is
	   what ends the loop below */
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		goto out;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, NLBUF);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (rc <= MNL_CB_STOP)
			break;
	}
	rc = rc == MNL_CB_ERROR ? -1 : 0;
out:
	saved = errno;
	mnl_socket_close(nl);
	free(buf);
	errno = saved;
	return rc;
}

static struct nlmsghdr *
route_msg(char *buf, int type, int flags, struct rtmsg **rtmp)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	*rtmp = rtm;
	return nlh;
}

struct getroute {
	struct in_addr	gw;
	int		has_gw, ifindex, type, found;
};

static int
getroute_attr(const struct nlattr *a, void *data)
{
	struct getroute *g = data;

	switch (mnl_attr_get_type(a)) {
	case RTA_GATEWAY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			memcpy(&g->gw, mnl_attr_get_payload(a), 4);
			g->has_gw = 1;
		}
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			g->ifindex = (int)mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int
getroute_cb(const struct nlmsghdr *nlh, void *data)
{
	struct getroute *g = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	g->found = 1;
	g->type = rtm->rtm_type;
	mnl_attr_parse(nlh, sizeof(*rtm), getroute_attr, g);
	return MNL_CB_OK;
}

int
route_get(struct in_addr dst, struct in_addr *gw, int *has_gw, int *ifindex,
    char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], a[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct getroute g;

	inet_ntop(AF_INET, &dst, a, sizeof(a));
	memset(&g, 0, sizeof(g));
	/* The ack ends the answer: a lone reply has no NLMSG_DONE. */
	nlh = route_msg(buf, RTM_GETROUTE, NLM_F_ACK, &rtm);
	rtm->rtm_table = 0;
	rtm->rtm_dst_len = 32;
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	if (nl_talk(nlh, getroute_cb, &g) == -1) {
		err_set(err, errlen, "no route to %s: %s", a, strerror(errno));
		return -1;
	}
	if (!g.found || g.ifindex == 0) {
		err_set(err, errlen, "no route to %s", a);
		return -1;
	}
	if (g.type == RTN_LOCAL) {
		err_set(err, errlen, "%s is an address of this host", a);
		return -1;
	}
	if (g.type != RTN_UNICAST) {
		err_set(err, errlen, "no route to %s (route type %d)", a,
		    g.type);
		return -1;
	}
	*gw = g.gw;
	*has_gw = g.has_gw;
	*ifindex = g.ifindex;
	return 0;
}

static int
ack_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

/*
 * One route change.  For RTM_NEWROUTE, EEXIST becomes 1; for
 * RTM_DELROUTE, a missing route (ESRCH) becomes 0.
 */
static int
route_change(int type, struct in_addr dst, int plen, const struct in_addr *gw,
    int ifindex, uint32_t metric, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], a[INET_ADDRSTRLEN];
	char g[INET_ADDRSTRLEN], ifn[IF_NAMESIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (plen < 0 || plen > 32) {
		errno = EINVAL;
		err_set(err, errlen, "bad prefix length %d", plen);
		return -1;
	}
	nlh = route_msg(buf, type, NLM_F_ACK |
	    (type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0), &rtm);
	rtm->rtm_dst_len = (unsigned char)plen;
	rtm->rtm_protocol = RTPROT_PPTPD_CLIENT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = gw != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	if (plen > 0)
		mnl_attr_put(nlh, RTA_DST, 4, &dst);
	if (gw != NULL)
		mnl_attr_put(nlh, RTA_GATEWAY, 4, gw);
	if (ifindex > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (metric != 0)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	if (nl_talk(nlh, ack_cb, NULL) == 0)
		return 0;
	if (type == RTM_NEWROUTE && errno == EEXIST)
		return 1;
	/* Gone already, or gone with its interface. */
	if (type == RTM_DELROUTE && (errno == ESRCH || errno == ENODEV))
		return 0;
	inet_ntop(AF_INET, &dst, a, sizeof(a));
	if (ifindex <= 0 || if_indextoname((unsigned)ifindex, ifn) == NULL)
		snprintf(ifn, sizeof(ifn), "#%d", ifindex);
	if (gw != NULL)
		inet_ntop(AF_INET, gw, g, sizeof(g));
	err_set(err, errlen, "%s route %s/%d%s%s dev %s: %s",
	    type == RTM_NEWROUTE ? "cannot add" : "cannot delete", a, plen,
	    gw != NULL ? " via " : "", gw != NULL ? g : "", ifn,
	    strerror(errno));
	return -1;
}

int
route_add_host(struct in_addr dst, struct in_addr gw, int has_gw,
    int ifindex, char *err, size_t errlen)
{
	return route_change(RTM_NEWROUTE, dst, 32, has_gw ? &gw : NULL,
	    ifindex, 0, err, errlen);
}

int
route_del_host(struct in_addr dst, char *err, size_t errlen)
{
	return route_change(RTM_DELROUTE, dst, 32, NULL, 0, 0, err, errlen);
}

int
route_add_dev(struct in_addr prefix, int plen, int ifindex, uint32_t metric,
    char *err, size_t errlen)
{
	return route_change(RTM_NEWROUTE, prefix, plen, NULL, ifindex, metric,
	    err, errlen);
}

int
route_del_dev(struct in_addr prefix, int plen, int ifindex, uint32_t metric,
    char *err, size_t errlen)
{
	return route_change(RTM_DELROUTE, prefix, plen, NULL, ifindex, metric,
	    err, errlen);
}

int
route_add_default_dev(int ifindex, uint32_t metric, char *err, size_t errlen)
{
	struct in_addr lo = { htonl(0x00000000) }, hi = { htonl(0x80000000) };
	char e2[128];
	int r;

	if ((r = route_add_dev(lo, 1, ifindex, metric, err, errlen)) == -1)
		return -1;
	if (route_add_dev(hi, 1, ifindex, metric, err, errlen) == -1) {
		/* Half a default route is worse than none. */
		if (r == 0)
			(void)route_del_dev(lo, 1, ifindex, metric, e2,
			    sizeof(e2));
		return -1;
	}
	return 0;
}

int
route_del_default_dev(int ifindex, uint32_t metric, char *err, size_t errlen)
{
	struct in_addr lo = { htonl(0x00000000) }, hi = { htonl(0x80000000) };
	int r1, r2;

	r1 = route_del_dev(lo, 1, ifindex, metric, err, errlen);
	r2 = route_del_dev(hi, 1, ifindex, metric, err, errlen);
	return r1 == -1 || r2 == -1 ? -1 : 0;
}

/* Copies of our routes seen in a dump, to be deleted after it. */
struct flush {
	struct nlmsghdr	**msgs;
	size_t		  n, cap;
	int		  oom;
};

static int
flush_cb(const struct nlmsghdr *nlh, void *data)
{
	struct flush *f = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlmsghdr **m, *copy;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    rtm->rtm_family != AF_INET ||
	    rtm->rtm_protocol != RTPROT_PPTPD_CLIENT)
		return MNL_CB_OK;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;

		if ((m = reallocarray(f->msgs, cap, sizeof(*m))) == NULL) {
			f->oom = 1;
			return MNL_CB_OK;
		}
		f->msgs = m;
		f->cap = cap;
	}
	if ((copy = malloc(nlh->nlmsg_len)) == NULL) {
		f->oom = 1;
		return MNL_CB_OK;
	}
	memcpy(copy, nlh, nlh->nlmsg_len);
	f->msgs[f->n++] = copy;
	return MNL_CB_OK;
}

int
route_flush_ours(int *removed, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct flush f;
	size_t i;
	int count = 0, rc = 0;

	memset(&f, 0, sizeof(f));
	nlh = route_msg(buf, RTM_GETROUTE, NLM_F_DUMP, &rtm);
	rtm->rtm_table = 0;
	if (nl_talk(nlh, flush_cb, &f) == -1) {
		err_set(err, errlen, "listing routes: %s", strerror(errno));
		rc = -1;
	} else if (f.oom) {
		err_set(err, errlen, "listing routes: out of memory");
		rc = -1;
	}
	/*
	 * The kernel takes its own description of a route back as the
	 * request to delete exactly that route (table, metric, gateway and
	 * all).
	 */
	for (i = 0; rc == 0 && i < f.n; i++) {
		nlh = f.msgs[i];
		nlh->nlmsg_type = RTM_DELROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_pid = 0;
		if (nl_talk(nlh, ack_cb, NULL) == 0)
			count++;
		else if (errno != ESRCH) {
			err_set(err, errlen, "deleting an old route: %s",
			    strerror(errno));
			rc = -1;
		}
	}
	for (i = 0; i < f.n; i++)
		free(f.msgs[i]);
	free(f.msgs);
	if (removed != NULL)
		*removed = count;
	return rc;
}

int
ifaddr_watch_open(void)
{
	struct sockaddr_nl snl;
	int fd, sz = 1024 * 1024, saved;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd == -1)
		return -1;
	/* A burst (many tunnels coming up) must not overflow it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_LINK;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

struct addrparse {
	struct ifaddr_event	*ev;
	int			 has_local, has_addr;
	struct in_addr		 addr;
};

static int
addr_attr(const struct nlattr *a, void *data)
{
	struct addrparse *p = data;

	switch (mnl_attr_get_type(a)) {
	case IFA_LOCAL:
		if (mnl_attr_get_payload_len(a) == 4) {
			memcpy(&p->ev->local, mnl_attr_get_payload(a), 4);
			p->has_local = 1;
		}
		break;
	case IFA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 4) {
			memcpy(&p->addr, mnl_attr_get_payload(a), 4);
			p->has_addr = 1;
		}
		break;
	case IFA_LABEL:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			strlcpy(p->ev->ifname, mnl_attr_get_str(a),
			    sizeof(p->ev->ifname));
		break;
	}
	return MNL_CB_OK;
}

static int
link_attr(const struct nlattr *a, void *data)
{
	struct ifaddr_event *ev = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		strlcpy(ev->ifname, mnl_attr_get_str(a), sizeof(ev->ifname));
	return MNL_CB_OK;
}

/*
 * Fills ev from an address or link message.  Returns 1 if it is one we
 * report (IPv4 addresses, links), else 0.
 */
static int
parse_event(const struct nlmsghdr *nlh, struct ifaddr_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = nlh->nlmsg_type;
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
		struct addrparse p = { ev, 0, 0, { 0 } };

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
		    ifa->ifa_family != AF_INET)
			return 0;
		ev->ifindex = (int)ifa->ifa_index;
		mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, &p);
		/*
		 * On a point-to-point link IFA_LOCAL is ours and IFA_ADDRESS
		 * the peer; elsewhere they are equal or LOCAL is absent.
		 */
		if (!p.has_local)
			ev->local = p.addr;
		else if (p.has_addr && p.addr.s_addr != ev->local.s_addr)
			ev->peer = p.addr;
		return 1;
	}
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
			return 0;
		ev->ifindex = ifi->ifi_index;
		ev->up = nlh->nlmsg_type == RTM_NEWLINK &&
		    (ifi->ifi_flags & IFF_UP) != 0;
		mnl_attr_parse(nlh, sizeof(*ifi), link_attr, ev);
		return 1;
	}
	default:
		return 0;
	}
}

struct watch {
	void	(*cb)(const struct ifaddr_event *, void *);
	void	 *ctx;
};

static int
watch_cb(const struct nlmsghdr *nlh, void *data)
{
	struct watch *w = data;
	struct ifaddr_event ev;

	if (parse_event(nlh, &ev))
		w->cb(&ev, w->ctx);
	return MNL_CB_OK;
}

int
ifaddr_watch_read(int fd, void (*cb)(const struct ifaddr_event *, void *),
    void *ctx)
{
	struct watch w = { cb, ctx };
	struct sockaddr_nl from;
	socklen_t fromlen;
	char *buf;
	ssize_t n;
	int rc = 0, saved = 0;

	if ((buf = malloc(NLBUF)) == NULL)
		return -1;
	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, NLBUF, 0, (struct sockaddr *)&from,
		    &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				saved = errno;
				rc = -1;
			}
			break;
		}
		/* Only the kernel speaks on this socket. */
		if (fromlen != sizeof(from) || from.nl_pid != 0)
			continue;
		/* seq and portid 0: take every multicast message. */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, watch_cb, &w) ==
		    MNL_CB_ERROR && errno != ENOENT) {
			saved = errno;
			rc = -1;
			break;
		}
	}
	free(buf);
	if (rc == -1)
		errno = saved;
	return rc;
}

struct query {
	int			 ifindex, found;
	struct ifaddr_event	 ev;
};

static int
query_cb(const struct nlmsghdr *nlh, void *data)
{
	struct query *q = data;
	struct ifaddr_event ev;

	if (q->found || nlh->nlmsg_type != RTM_NEWADDR ||
	    !parse_event(nlh, &ev) || ev.ifindex != q->ifindex)
		return MNL_CB_OK;
	q->ev = ev;
	q->found = 1;
	return MNL_CB_OK;
}

int
ifaddr_query(const char *ifname, struct in_addr *local, struct in_addr *peer,
    int *ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct query q;
	unsigned idx;

	if ((idx = if_nametoindex(ifname)) == 0) {
		errno = ENODEV;
		return -1;
	}
	if (ifindex != NULL)
		*ifindex = (int)idx;
	memset(&q, 0, sizeof(q));
	q.ifindex = (int)idx;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (nl_talk(nlh, query_cb, &q) == -1)
		return -1;
	if (!q.found) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	*local = q.ev.local;
	*peer = q.ev.peer;
	return 0;
}
