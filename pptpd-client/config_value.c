/*
 * Values of pptpd-client.conf(5) that need more than the grammar: a server
 * address or host name, an IPv4 prefix, a password file. Pure functions
 * for parse.y (and for the config tests): each says what is wrong in
 * words, without the file and line, which the parser adds.
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/config.h"

static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_dotted_quad(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return 0;
	return 1;
}

/* RFC 1123 labels, plus the underscore that real names carry. */
static int
check_hostname(const char *s)
{
	size_t	 label = 0;
	char	 prev = '.';

	for (; *s != '\0'; prev = *s++) {
		if (*s == '.') {
			if (label == 0 || prev == '-')
				return -1;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return -1;
		if (*s == '-' && label == 0)
			return -1;
		if (++label > 63)
			return -1;
	}
	return prev == '-' ? -1 : 0;
}

int
config_check_server(const char *s, char *err, size_t errlen)
{
	struct in_addr	 ia;
	uint32_t	 a;

	if (*s == '\0' || strlen(s) >= PC_SERVER_MAX)
		return bad(err, errlen, "server: bad host name (1 to %d "
		    "characters)", PC_SERVER_MAX - 1);
	if (!is_dotted_quad(s))
		return check_hostname(s) == -1 ? bad(err, errlen,
		    "server \"%.64s\": bad host name", s) : 0;
	if (inet_pton(AF_INET, s, &ia) != 1)
		return bad(err, errlen, "server \"%s\": bad address", s);
	a = ntohl(ia.s_addr);
	if (a == 0 || a == 0xffffffff || (a >> 28) == 0xe)
		return bad(err, errlen, "server \"%s\": not a unicast "
		    "address", s);
	return 0;
}

/* "a.b.c.d" or "a.b.c.d/len", host bits zero. */
int
config_parse_prefix(const char *s, struct prefix4 *p, const char *what,
    char *err, size_t errlen)
{
	char		 addr[INET_ADDRSTRLEN], want[INET_ADDRSTRLEN];
	const char	*slash, *d;
	uint32_t	 a, mask;
	size_t		 alen;
	long		 len = 32;

	if ((slash = strchr(s, '/')) != NULL) {
		for (d = slash + 1; isdigit((unsigned char)*d); d++)
			;
		if (slash[1] == '\0' || *d != '\0' || d - slash > 3)
			return bad(err, errlen, "%s \"%.64s\": bad prefix "
			    "length", what, s);
		len = strtol(slash + 1, NULL, 10);
		if (len > 32)
			return bad(err, errlen, "%s \"%s\": prefix length "
			    "must be 0..32", what, s);
	}
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(addr))
		return bad(err, errlen, "%s \"%.64s\": bad address", what, s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &p->addr) != 1)
		return bad(err, errlen, "%s \"%s\": bad address", what, s);
	p->len = len;
	a = ntohl(p->addr.s_addr);
	mask = len == 0 ? 0 : 0xffffffffU << (32 - len);
	if ((a & ~mask) != 0) {
		struct in_addr net = { .s_addr = htonl(a & mask) };

		inet_ntop(AF_INET, &net, want, sizeof(want));
		return bad(err, errlen, "%s \"%s\": host bits set (did you "
		    "mean %s/%ld?)", what, s, want, len);
	}
	return 0;
}

/* The first line, without its end: `echo secret > file` leaves one. */
static int
first_line(int fd, const char *path, char *dst, size_t dstsz, char *err,
    size_t errlen)
{
	char		 buf[PC_PASSWORD_MAX + 2];
	size_t		 n = 0;
	ssize_t		 r;
	int		 rv = -1;

	while (n < sizeof(buf) && memchr(buf, '\n', n) == NULL) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			bad(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += r;
	}
	n = strcspn(buf, "\n") < n ? strcspn(buf, "\n") : n;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (memchr(buf, '\0', n) != NULL)
		bad(err, errlen, "%s: password contains a NUL byte", path);
	else if (n == 0)
		bad(err, errlen, "%s: password file is empty", path);
	else if (n >= dstsz)
		bad(err, errlen, "%s: password too long (at most %zu "
		    "characters)", path, dstsz - 1);
	else {
		memcpy(dst, buf, n);
		dst[n] = '\0';
		rv = 0;
	}
out:
	explicit_bzero(buf, sizeof(buf));
	return rv;
}

int
config_read_password(const char *path, char *dst, size_t dstsz,
    int check_perms, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1)
		return bad(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1)
		bad(err, errlen, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		bad(err, errlen, "%s: password file is not a regular file",
		    path);
	else if (check_perms && (st.st_uid != 0 || (st.st_mode & 077) != 0))
		bad(err, errlen, "%s: password file must be owned by root "
		    "and not accessible by group or others (mode %04o)", path,
		    (unsigned)(st.st_mode & 07777));
	else
		rv = first_line(fd, path, dst, dstsz, err, errlen);
	close(fd);
	return rv;
}

/* What the checks below say is wrong goes to report (parse.y's yyerror,
   which adds the file and line). */
int
config_check_printable(const char *what, const char *s, config_report report)
{
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s)) {
			report("%s: control characters are not allowed", what);
			return -1;
		}
	return 0;
}

/* User and group names, tunnel names: a safe, portable character set. */
int
config_check_name(const char *what, const char *s, size_t size,
    config_report report)
{
	size_t	 len = strlen(s), i;

	if (len == 0) {
		report("%s must not be empty", what);
		return -1;
	}
	if (len >= size) {
		report("%s too long (%zu characters, at most %zu)", what, len,
		    size - 1);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_.-", s[i]) == NULL) {
			report("%s \"%s\": only letters, digits, '_', '.' and "
			    "'-' are allowed", what, s);
			return -1;
		}
	return 0;
}

int
config_check_path(const char *what, const char *s, size_t size,
    config_report report)
{
	size_t	 len = strlen(s);

	if (s[0] != '/') {
		report("%s \"%.64s\": must be an absolute path", what, s);
		return -1;
	}
	if (len >= size) {
		report("%s too long (%zu characters, at most %zu)", what, len,
		    size - 1);
		return -1;
	}
	return config_check_printable(what, s, report);
}
