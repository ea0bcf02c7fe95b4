/*
 * The file backend of the parent's DNS (dns.h): /etc/resolv.conf
 * rewritten while tunnels with `dns yes` are up. Before the first
 * rewrite the original is saved under /run, as what it was: a file (its
 * text), a symbolic link (its target; resolvconf and systemd make
 * resolv.conf one) or nothing. The last tunnel down, a clean stop, or
 * the next start after a crash puts exactly that back.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep/errfmt.h"
#include "privsep/parent/dns.h"
#include "privsep/parent/dns_file.h"

#define RESOLV_MAX	(64 * 1024)	/* a longer resolv.conf is not one */

static const char *resolv_path = "/etc/resolv.conf";
static const char *saved_path = "/run/pptpd-client/resolv.conf.saved";

void
dns_set_paths(const char *resolv_conf, const char *saved)
{
	resolv_path = resolv_conf;
	saved_path = saved;
}

static int
slurp(const char *path, char **out, char *err, size_t errlen)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 &&
	    (errno != ELOOP || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1))
		return err_set(err, errlen, "%s: %s", path, strerror(errno));
	if ((buf = malloc(RESOLV_MAX + 1)) == NULL) {
		close(fd);
		return err_set(err, errlen, "out of memory");
	}
	while ((n = read(fd, buf + len, RESOLV_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n == -1 || len == RESOLV_MAX) {
		free(buf);
		return err_set(err, errlen, "%s: %s", path, n == -1 ?
		    strerror(errno) : "too long");
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/*
 * Replaces path's contents: a new file renamed over it, or, where path is
 * a mount point (a container's bind-mounted resolv.conf: EBUSY), written
 * in place.
 */
static int
put(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, e;

	snprintf(tmp, sizeof(tmp), "%s.pptpd-client", path);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) ==
	    -1)
		return err_set(err, errlen, "%s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		return err_set(err, errlen, "%s: %s", tmp, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) == 0)
		return 0;
	e = errno;
	unlink(tmp);
	if (e != EBUSY)
		return err_set(err, errlen, "%s: %s", path, strerror(e));
	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) == -1)
		return err_set(err, errlen, "%s: %s", path, strerror(errno));
	e = write(fd, text, len) == (ssize_t)len ? 0 : errno;
	close(fd);
	return e ? err_set(err, errlen, "%s: %s", path, strerror(e)) : 0;
}

/*
 * The saved form: a first line "file", "link TARGET" or "absent", then
 * (for file and link) the text that was read through it.
 */
static int
save(char *err, size_t errlen)
{
	char target[PATH_MAX], head[PATH_MAX + 16], *text = NULL, *all;
	struct stat st;
	ssize_t n;
	int rc;

	if (lstat(resolv_path, &st) == -1) {
		if (errno != ENOENT)
			return err_set(err, errlen, "%s: %s", resolv_path,
			    strerror(errno));
		return put(saved_path, "absent\n", err, errlen);
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(resolv_path, target, sizeof(target) - 1)) ==
		    -1)
			return err_set(err, errlen, "%s: %s", resolv_path,
			    strerror(errno));
		target[n] = '\0';
		if (strchr(target, '\n') != NULL)
			return err_set(err, errlen, "%s: a link with a newline "
			    "in its target", resolv_path);
		snprintf(head, sizeof(head), "link %s\n", target);
	} else
		snprintf(head, sizeof(head), "file\n");
	/* a dangling link reads as empty: it is restored as a link */
	if (slurp(resolv_path, &text, err, errlen) == -1 &&
	    (text = strdup("")) == NULL)
		return err_set(err, errlen, "out of memory");
	if (asprintf(&all, "%s%s", head, text) == -1) {
		free(text);
		return err_set(err, errlen, "out of memory");
	}
	rc = put(saved_path, all, err, errlen);
	free(text);
	free(all);
	return rc;
}

/* The saved original's text (after its first line), or -1. */
static int
saved_text(char **text, char **head, char *err, size_t errlen)
{
	char *all, *nl;

	if (slurp(saved_path, &all, err, errlen) == -1)
		return -1;
	if ((nl = strchr(all, '\n')) == NULL) {
		free(all);
		return err_set(err, errlen, "%s: garbled", saved_path);
	}
	*nl = '\0';
	*head = all;
	*text = nl + 1;
	return 0;
}

char *
dns_file_compose(const char *original, char *const *servers, int n)
{
	static const char note[] = "# written by pptpd-client while a tunnel "
	    "with `dns yes` is up; the\n# original comes back when it is "
	    "down. Its nameservers are left out.\n";
	const char *p, *eol;
	size_t len = sizeof(note), w;
	char *out, *q;
	int i;

	for (i = 0; i < n; i++)
		len += strlen("nameserver \n") + strlen(servers[i]);
	len += strlen(original) + 1;
	if ((out = malloc(len)) == NULL)
		return NULL;
	q = out;
	q += snprintf(q, len, "%s", note);
	for (i = 0; i < n; i++)
		q += snprintf(q, len - (size_t)(q - out), "nameserver %s\n",
		    servers[i]);
	for (p = original; *p != '\0'; p = eol) {
		eol = p + strcspn(p, "\n");
		w = (size_t)(eol - p);
		if (*eol == '\n')
			eol++;
		/* "nameserver" and blanks before it; glibc's own reading */
		if (strncmp(p + strspn(p, " \t"), "nameserver", 10) == 0 &&
		    strchr(" \t", p[strspn(p, " \t") + 10]) != NULL)
			continue;
		memcpy(q, p, w);
		q += w;
		*q++ = '\n';
	}
	*q = '\0';
	return out;
}

int
dns_file_saved(void)
{
	return access(saved_path, F_OK) == 0;
}

int
dns_file_write(char *const *servers, int n, char *err, size_t errlen)
{
	char *head, *text, *out;
	int rc;

	if (!dns_file_saved() && save(err, errlen) == -1)
		return -1;
	if (saved_text(&text, &head, err, errlen) == -1)
		return -1;
	out = dns_file_compose(text, servers, n);
	free(head);
	if (out == NULL)
		return err_set(err, errlen, "out of memory");
	/* a link is replaced by a file while we hold it */
	rc = put(resolv_path, out, err, errlen);
	free(out);
	return rc;
}

static int
relink(const char *target, char *err, size_t errlen)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.pptpd-client", resolv_path);
	(void)unlink(tmp);
	if (symlink(target, tmp) == -1)
		return err_set(err, errlen, "%s: %s", tmp, strerror(errno));
	if (rename(tmp, resolv_path) == -1) {
		unlink(tmp);
		return err_set(err, errlen, "%s: %s", resolv_path,
		    strerror(errno));
	}
	return 0;
}

int
dns_file_restore(char *err, size_t errlen)
{
	char *head, *text;
	int rc;

	if (!dns_file_saved())
		return 0;
	if (saved_text(&text, &head, err, errlen) == -1)
		return -1;
	if (strcmp(head, "absent") == 0)
		rc = unlink(resolv_path) == 0 || errno == ENOENT ? 0 :
		    err_set(err, errlen, "%s: %s", resolv_path,
		    strerror(errno));
	else if (strncmp(head, "link ", 5) == 0)
		rc = relink(head + 5, err, errlen);
	else if (strcmp(head, "file") == 0)
		rc = put(resolv_path, text, err, errlen);
	else
		rc = err_set(err, errlen, "%s: garbled", saved_path);
	free(head);
	if (rc == 0 && unlink(saved_path) == -1)
		rc = err_set(err, errlen, "%s: %s", saved_path,
		    strerror(errno));
	return rc;
}
