/*
 * The iptables backend's rules as text and as the kernel's entries, both
 * families, for fw_iptables_tc.c: an entry printed as iptables-save
 * prints it (exactly for the rules fw_iptables_emit.c writes; for the
 * host's own rules, the matches by name only), and the text of one of
 * our rules made into the entry libiptc takes. Pure: no I/O but the
 * FILE it is given. Runs in the parent. See fw_iptables.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_TCPMSS.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "privsep/errfmt.h"
#include "privsep/parent/fw_iptables.h"

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_ACK		0x10

static size_t
hdr_size(enum family fam)
{
	return fam == V4 ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
}

/* ---- a rule, either family, as the text and the entry both say it ------ */

enum { INV_SRC = 1, INV_DST = 2, INV_IN = 4, INV_OUT = 8, INV_PROTO = 16 };

struct rule {
	enum family	 fam;
	unsigned char	 src[16], smsk[16], dst[16], dmsk[16];
	char		 in[IFNAMSIZ], out[IFNAMSIZ];
	unsigned	 proto, inv;
	int		 has_tcp, has_comment, is_goto;
	struct xt_tcp	 tcp;
	char		 comment[XT_MAX_COMMENT_LEN];
	char		 target[XT_EXTENSION_MAXNAMELEN];
	int		 mss;		/* TCPMSS: -1 none */
	char		 other[256];	/* matches we cannot spell out */
	uint64_t	 pkts, bytes;
};

/* Header fields: the entry's view of the two families in one place. */
struct hdr {
	void		*src, *dst, *smsk, *dmsk;
	char		*in, *out;
	unsigned char	*inmask, *outmask;
	uint16_t	*proto;
	uint8_t		*flags, *invflags;
	uint16_t	*target_offset, *next_offset;
	struct xt_counters *counters;
	size_t		 alen;
};

static void
hdr_of(enum family fam, void *e, struct hdr *h)
{
	if (fam == V4) {
		struct ipt_entry *x = e;

		*h = (struct hdr){ &x->ip.src, &x->ip.dst, &x->ip.smsk,
		    &x->ip.dmsk, x->ip.iniface, x->ip.outiface,
		    x->ip.iniface_mask, x->ip.outiface_mask, &x->ip.proto,
		    &x->ip.flags, &x->ip.invflags, &x->target_offset,
		    &x->next_offset, &x->counters, 4 };
	} else {
		struct ip6t_entry *x = e;

		*h = (struct hdr){ &x->ipv6.src, &x->ipv6.dst, &x->ipv6.smsk,
		    &x->ipv6.dmsk, x->ipv6.iniface, x->ipv6.outiface,
		    x->ipv6.iniface_mask, x->ipv6.outiface_mask,
		    &x->ipv6.proto, &x->ipv6.flags, &x->ipv6.invflags,
		    &x->target_offset, &x->next_offset, &x->counters, 16 };
	}
}

/* The inversion flags have the same values in both families. */
static const struct { unsigned ours; uint8_t kernel; } invmap[] = {
	{ INV_SRC, IPT_INV_SRCIP }, { INV_DST, IPT_INV_DSTIP },
	{ INV_IN, IPT_INV_VIA_IN }, { INV_OUT, IPT_INV_VIA_OUT },
	{ INV_PROTO, XT_INV_PROTO },
};

/* ---- entry -> rule --------------------------------------------------------- */

static void
rule_add_other(struct rule *r, const char *name)
{
	size_t	 len = strlen(r->other);

	snprintf(r->other + len, sizeof(r->other) - len, " -m %s", name);
}

static void
rule_match(struct rule *r, const struct xt_entry_match *m)
{
	const char	*name = m->u.user.name;
	size_t		 dlen = m->u.match_size - sizeof(*m);

	if (strcmp(name, "tcp") == 0 && dlen >= sizeof(struct xt_tcp) &&
	    !r->has_tcp) {
		memcpy(&r->tcp, m->data, sizeof(r->tcp));
		r->has_tcp = 1;
	} else if (strcmp(name, "comment") == 0 && !r->has_comment &&
	    dlen >= sizeof(struct xt_comment_info)) {
		memcpy(r->comment, m->data, sizeof(r->comment));
		r->comment[sizeof(r->comment) - 1] = '\0';
		r->has_comment = 1;
	} else
		rule_add_other(r, name);
}

static void
rule_target(struct rule *r, const void *e, const struct hdr *h,
    const char *name)
{
	const struct xt_entry_target *t;

	strlcpy(r->target, name != NULL ? name : "", sizeof(r->target));
	t = (const void *)((const char *)e + *h->target_offset);
	if (strcmp(r->target, "TCPMSS") == 0 &&
	    t->u.target_size >= sizeof(*t) + sizeof(struct xt_tcpmss_info))
		r->mss = ((const struct xt_tcpmss_info *)t->data)->mss;
}

static void
rule_from_entry(struct rule *r, enum family fam, const void *e,
    const char *target)
{
	struct hdr	 h;
	size_t		 off, i;

	memset(r, 0, sizeof(*r));
	r->fam = fam;
	r->mss = -1;
	hdr_of(fam, (void *)e, &h);
	memcpy(r->src, h.src, h.alen);
	memcpy(r->dst, h.dst, h.alen);
	memcpy(r->smsk, h.smsk, h.alen);
	memcpy(r->dmsk, h.dmsk, h.alen);
	memcpy(r->in, h.in, IFNAMSIZ);
	memcpy(r->out, h.out, IFNAMSIZ);
	r->in[IFNAMSIZ - 1] = r->out[IFNAMSIZ - 1] = '\0';
	r->proto = *h.proto;
	r->is_goto = *h.flags & (fam == V4 ? IPT_F_GOTO : IP6T_F_GOTO);
	for (i = 0; i < sizeof(invmap) / sizeof(invmap[0]); i++)
		if (*h.invflags & invmap[i].kernel)
			r->inv |= invmap[i].ours;
	r->pkts = h.counters->pcnt;
	r->bytes = h.counters->bcnt;
	for (off = hdr_size(fam); off + sizeof(struct xt_entry_match) <=
	    *h.target_offset;) {
		const struct xt_entry_match *m = (const void *)
		    ((const char *)e + off);

		if (m->u.match_size < sizeof(*m))
			break;
		rule_match(r, m);
		off += m->u.match_size;
	}
	rule_target(r, e, &h, target);
}

/* ---- rule -> text ----------------------------------------------------------- */

static int
prefix_len(const unsigned char *m, size_t alen)
{
	int	 n = 0;
	size_t	 i;

	for (i = 0; i < alen; i++)
		n += __builtin_popcount(m[i]);
	return n;
}

static void
put_addr(FILE *f, const char *opt, int inv, enum family fam,
    const unsigned char *a, const unsigned char *m)
{
	char	 buf[INET6_ADDRSTRLEN];
	size_t	 alen = fam == V4 ? 4 : 16;
	int	 len = prefix_len(m, alen);

	if (len == 0 && !inv)
		return;
	inet_ntop(fam == V4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
	fprintf(f, "%s %s %s/%d", inv ? " !" : "", opt, buf, len);
}

static void
put_iface(FILE *f, const char *opt, int inv, const char *name)
{
	if (name[0] != '\0')
		fprintf(f, "%s %s %s", inv ? " !" : "", opt, name);
}

static const char *
proto_name(unsigned p)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "ipv6-icmp";
	default: return NULL;
	}
}

static void
put_flags(FILE *f, uint8_t v)
{
	static const char *const n[6] = { "FIN", "SYN", "RST", "PSH", "ACK",
	    "URG" };
	int	 i, first = 1;

	if (v == 0) {
		fputs("NONE", f);
		return;
	}
	for (i = 0; i < 6; i++)
		if (v & (1 << i)) {
			fprintf(f, "%s%s", first ? "" : ",", n[i]);
			first = 0;
		}
}

static void
put_ports(FILE *f, const char *opt, int inv, const uint16_t *p)
{
	if (p[0] == 0 && p[1] == 0xffff && !inv)
		return;
	fprintf(f, "%s %s %u", inv ? " !" : "", opt, p[0]);
	if (p[1] != p[0])
		fprintf(f, ":%u", p[1]);
}

static void
put_tcp(FILE *f, const struct xt_tcp *t)
{
	fputs(" -m tcp", f);
	put_ports(f, "--sport", t->invflags & XT_TCP_INV_SRCPT, t->spts);
	put_ports(f, "--dport", t->invflags & XT_TCP_INV_DSTPT, t->dpts);
	if (t->option)
		fprintf(f, "%s --tcp-option %u",
		    t->invflags & XT_TCP_INV_OPTION ? " !" : "", t->option);
	if (t->flg_mask || (t->invflags & XT_TCP_INV_FLAGS)) {
		fprintf(f, "%s --tcp-flags ",
		    t->invflags & XT_TCP_INV_FLAGS ? " !" : "");
		put_flags(f, t->flg_mask);
		fputc(' ', f);
		put_flags(f, t->flg_cmp);
	}
}

/* As iptables-save prints it (after "-A CHAIN"). */
static void
put_rule(FILE *f, const struct rule *r)
{
	const char	*p;

	put_addr(f, "-s", r->inv & INV_SRC, r->fam, r->src, r->smsk);
	put_addr(f, "-d", r->inv & INV_DST, r->fam, r->dst, r->dmsk);
	put_iface(f, "-i", r->inv & INV_IN, r->in);
	put_iface(f, "-o", r->inv & INV_OUT, r->out);
	if (r->proto != 0) {
		fprintf(f, "%s -p ", r->inv & INV_PROTO ? " !" : "");
		if ((p = proto_name(r->proto)) != NULL)
			fputs(p, f);
		else
			fprintf(f, "%u", r->proto);
	}
	if (r->has_tcp)
		put_tcp(f, &r->tcp);
	fputs(r->other, f);
	if (r->has_comment)
		fprintf(f, " -m comment --comment \"%s\"", r->comment);
	if (r->target[0] != '\0')
		fprintf(f, " -%c %s", r->is_goto ? 'g' : 'j', r->target);
	if (r->mss == XT_TCPMSS_CLAMP_PMTU)
		fputs(" --clamp-mss-to-pmtu", f);
	else if (r->mss >= 0)
		fprintf(f, " --set-mss %d", r->mss);
}

/* ---- text -> rule ----------------------------------------------------------- */

struct words {
	char	*v[48];
	int	 n, i;
};

/* Splits in place; "..." is one word without its quotes. */
static int
words_split(struct words *w, char *s)
{
	w->n = w->i = 0;
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			return 0;
		if (w->n == (int)(sizeof(w->v) / sizeof(w->v[0])))
			return -1;
		if (*s == '"') {
			w->v[w->n++] = ++s;
			if ((s = strchr(s, '"')) == NULL)
				return -1;
		} else {
			w->v[w->n++] = s;
			s += strcspn(s, " \t");
			if (*s == '\0')
				return 0;
		}
		*s++ = '\0';
	}
}

static const char *
words_next(struct words *w)
{
	return w->i < w->n ? w->v[w->i++] : NULL;
}

static int
parse_addr(struct rule *r, const char *s, unsigned char *a, unsigned char *m)
{
	char	 buf[INET6_ADDRSTRLEN + 4], *slash;
	int	 len, max = r->fam == V4 ? 32 : 128, i;

	if (s == NULL || strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	len = max;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		if (sscanf(slash + 1, "%d", &len) != 1 || len < 0 || len > max)
			return -1;
	}
	if (inet_pton(r->fam == V4 ? AF_INET : AF_INET6, buf, a) != 1)
		return -1;
	for (i = 0; i < max / 8; i++) {
		int	 bits = len - i * 8;

		m[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : 0xff << (8 - bits);
		a[i] &= m[i];
	}
	return 0;
}

static int
parse_proto(struct rule *r, const char *s)
{
	unsigned	 p;

	if (s == NULL)
		return -1;
	for (p = 1; p < 256; p++)
		if (proto_name(p) != NULL && strcmp(proto_name(p), s) == 0)
			break;
	if (p == 256 && (sscanf(s, "%u", &p) != 1 || p == 0 || p > 255))
		return -1;
	r->proto = p;
	return 0;
}

static int
parse_flags(const char *s, uint8_t *v)
{
	static const char *const n[6] = { "FIN", "SYN", "RST", "PSH", "ACK",
	    "URG" };
	char	 buf[64], *tok, *save;
	int	 i;

	*v = 0;
	if (s == NULL || strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	if (strcmp(buf, "NONE") == 0)
		return 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < 6 && strcmp(tok, n[i]) != 0; i++)
			;
		if (i == 6)
			return -1;
		*v |= 1 << i;
	}
	return 0;
}

static int
parse_ports(const char *s, uint16_t *p)
{
	unsigned	 a, b;
	int		 n;

	if (s == NULL || (n = sscanf(s, "%u:%u", &a, &b)) < 1)
		return -1;
	if (n == 1)
		b = a;
	if (a > 0xffff || b > 0xffff || a > b)
		return -1;
	p[0] = a;
	p[1] = b;
	return 0;
}

/* One option of -m tcp; 1 if opt was one, -1 if its value is bad. */
static int
parse_tcp_opt(struct rule *r, struct words *w, const char *opt, int inv)
{
	struct xt_tcp	*t = &r->tcp;

	if (strcmp(opt, "--sport") == 0) {
		t->invflags |= inv ? XT_TCP_INV_SRCPT : 0;
		return parse_ports(words_next(w), t->spts) == 0 ? 1 : -1;
	}
	if (strcmp(opt, "--dport") == 0) {
		t->invflags |= inv ? XT_TCP_INV_DSTPT : 0;
		return parse_ports(words_next(w), t->dpts) == 0 ? 1 : -1;
	}
	if (strcmp(opt, "--syn") == 0) {
		t->flg_mask = TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK;
		t->flg_cmp = TCP_SYN;
		t->invflags |= inv ? XT_TCP_INV_FLAGS : 0;
		return 1;
	}
	if (strcmp(opt, "--tcp-flags") == 0) {
		t->invflags |= inv ? XT_TCP_INV_FLAGS : 0;
		if (parse_flags(words_next(w), &t->flg_mask) == -1 ||
		    parse_flags(words_next(w), &t->flg_cmp) == -1)
			return -1;
		return 1;
	}
	return 0;
}

static int
parse_target(struct rule *r, struct words *w)
{
	const char	*s = words_next(w), *opt;

	if (s == NULL || strlcpy(r->target, s, sizeof(r->target)) >=
	    sizeof(r->target))
		return -1;
	if (strcmp(s, "TCPMSS") == 0) {
		if ((opt = words_next(w)) == NULL ||
		    strcmp(opt, "--clamp-mss-to-pmtu") != 0)
			return -1;
		r->mss = XT_TCPMSS_CLAMP_PMTU;
	}
	return 0;
}

static int
parse_iface(const char *s, char *out)
{
	if (s == NULL || strlen(s) >= IFNAMSIZ)
		return -1;
	strlcpy(out, s, IFNAMSIZ);
	return 0;
}

/* One word of the rule and its arguments; -1 names it in *bad. */
static int
parse_word(struct rule *r, struct words *w, const char *s, int inv)
{
	int	 rc;

	if (strcmp(s, "-s") == 0) {
		r->inv |= inv ? INV_SRC : 0;
		return parse_addr(r, words_next(w), r->src, r->smsk);
	}
	if (strcmp(s, "-d") == 0) {
		r->inv |= inv ? INV_DST : 0;
		return parse_addr(r, words_next(w), r->dst, r->dmsk);
	}
	if (strcmp(s, "-i") == 0 || strcmp(s, "-o") == 0) {
		r->inv |= inv ? (s[1] == 'i' ? INV_IN : INV_OUT) : 0;
		return parse_iface(words_next(w), s[1] == 'i' ? r->in : r->out);
	}
	if (strcmp(s, "-p") == 0) {
		r->inv |= inv ? INV_PROTO : 0;
		return parse_proto(r, words_next(w));
	}
	if (strcmp(s, "-j") == 0 && !inv)
		return parse_target(r, w);
	if (r->has_tcp && (rc = parse_tcp_opt(r, w, s, inv)) != 0)
		return rc == 1 ? 0 : -1;
	if (strcmp(s, "--comment") == 0 && r->has_comment && !inv) {
		s = words_next(w);
		if (s == NULL || strlcpy(r->comment, s, sizeof(r->comment)) >=
		    sizeof(r->comment))
			return -1;
		return 0;
	}
	if (strcmp(s, "-m") == 0 && !inv) {
		s = words_next(w);
		if (s != NULL && strcmp(s, "tcp") == 0 && !r->has_tcp) {
			r->has_tcp = 1;
			r->tcp.spts[1] = r->tcp.dpts[1] = 0xffff;
			return 0;
		}
		if (s != NULL && strcmp(s, "comment") == 0) {
			r->has_comment = 1;
			return 0;
		}
	}
	return -1;
}

/* The rule after "-A CHAIN" (or "-I CHAIN N"). */
static int
parse_rule(struct rule *r, enum family fam, struct words *w, char *err,
    size_t errlen)
{
	const char	*s;
	int		 inv;

	memset(r, 0, sizeof(*r));
	r->fam = fam;
	r->mss = -1;
	while ((s = words_next(w)) != NULL) {
		inv = strcmp(s, "!") == 0;
		if (inv && (s = words_next(w)) == NULL)
			break;
		if (parse_word(r, w, s, inv) == -1)
			return err_set(err, errlen, "cannot write rule: "
			    "\"%s\" not understood", s);
	}
	if (r->has_tcp && r->proto != IPPROTO_TCP)
		return err_set(err, errlen, "cannot write rule: -m tcp "
		    "without -p tcp");
	return 0;
}

/* ---- rule -> entry ---------------------------------------------------------- */

static void *
entry_add(unsigned char *buf, size_t *len, const char *name, uint8_t rev,
    const void *data, size_t dlen)
{
	struct xt_entry_match	*m = (void *)(buf + *len);
	size_t			 size = XT_ALIGN(sizeof(*m) + dlen);

	/* a match and a target share their header's layout */
	memset(m, 0, size);
	m->u.user.match_size = size;
	strlcpy(m->u.user.name, name, sizeof(m->u.user.name));
	m->u.user.revision = rev;
	memcpy(m->data, data, dlen);
	*len += size;
	return m;
}

static void
entry_header(const struct rule *r, unsigned char *buf)
{
	struct hdr	 h;
	size_t		 i, n;

	hdr_of(r->fam, buf, &h);
	memcpy(h.src, r->src, h.alen);
	memcpy(h.dst, r->dst, h.alen);
	memcpy(h.smsk, r->smsk, h.alen);
	memcpy(h.dmsk, r->dmsk, h.alen);
	memcpy(h.in, r->in, IFNAMSIZ);
	memcpy(h.out, r->out, IFNAMSIZ);
	/* the name and its NUL must match exactly, as iptables sets it */
	if ((n = strlen(r->in)) > 0)
		memset(h.inmask, 0xff, n + 1);
	if ((n = strlen(r->out)) > 0)
		memset(h.outmask, 0xff, n + 1);
	*h.proto = r->proto;
	if (r->fam == V6 && r->proto != 0)
		*h.flags |= IP6T_F_PROTO;
	for (i = 0; i < sizeof(invmap) / sizeof(invmap[0]); i++)
		if (r->inv & invmap[i].ours)
			*h.invflags |= invmap[i].kernel;
}

/* The entry libiptc takes, in buf (IPT_ENTRY_MAX bytes). */
static void
entry_build(const struct rule *r, unsigned char *buf)
{
	struct hdr	 h;
	size_t		 len = hdr_size(r->fam);

	memset(buf, 0, IPT_ENTRY_MAX);
	entry_header(r, buf);
	hdr_of(r->fam, buf, &h);
	if (r->has_tcp)
		entry_add(buf, &len, "tcp", 0, &r->tcp, sizeof(r->tcp));
	if (r->has_comment)
		entry_add(buf, &len, "comment", 0, r->comment,
		    sizeof(r->comment));
	*h.target_offset = len;
	if (strcmp(r->target, "TCPMSS") == 0) {
		struct xt_tcpmss_info	 i = { .mss = r->mss };

		entry_add(buf, &len, "TCPMSS", 0, &i, sizeof(i));
	} else if (strcmp(r->target, "MASQUERADE") == 0) {
		struct nf_nat_ipv4_multi_range_compat mr = { .rangesize = 1 };

		entry_add(buf, &len, "MASQUERADE", 0, &mr, sizeof(mr));
	} else {
		int	 verdict = 0;	/* libiptc fills it in from the name */

		entry_add(buf, &len, r->target, 0, &verdict, sizeof(verdict));
	}
	*h.next_offset = len;
}

/* ---- what fw_iptables_tc.c calls ------------------------------------------ */

void
ipt_entry_print(FILE *f, enum family fam, const void *e, const char *target)
{
	struct rule	 r;

	rule_from_entry(&r, fam, e, target);
	put_rule(f, &r);
}

void
ipt_entry_counters(enum family fam, const void *e, uint64_t *pkts,
    uint64_t *bytes)
{
	struct hdr	 h;

	hdr_of(fam, (void *)e, &h);
	*pkts = h.counters->pcnt;
	*bytes = h.counters->bcnt;
}

int
ipt_entry_parse(enum family fam, char *spec, void *buf, char *err,
    size_t errlen)
{
	struct words	 w;
	struct rule	 r;

	if (words_split(&w, spec) == -1)
		return err_set(err, errlen, "cannot write rule: too long");
	if (parse_rule(&r, fam, &w, err, errlen) == -1)
		return -1;
	entry_build(&r, buf);
	return 0;
}
