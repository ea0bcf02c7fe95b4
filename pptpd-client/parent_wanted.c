/*
 * The parent: which tunnels a person wants up, kept in a small file under
 * /run so that a daemon that was killed (or crashed, or is being upgraded)
 * and is started again brings those tunnels back, and leaves down what
 * was taken down. It is not the config: it says nothing a person wrote,
 * only what they last asked for. /run is emptied at boot, which is right:
 * after a reboot, rc.local or the unit decides.
 *
 * The file holds one line per tunnel wanted up, "up NAME". It is written
 * whole to a temporary file and renamed, so a reader sees the old or the
 * new one, never half; it is read with the same care as the config: owned
 * by root, not writable by others, bounded in size, every line checked.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/parent.h"
#include "privsep/log.h"

#define WANTED_MAX	(64 * 1024)	/* far more than any config names */

static char	 path[PATH_MAX + 16];
static char	 written[WANTED_MAX];	/* what the file holds now */
static int	 frozen;

/* Beside the control socket: two daemons never share one. */
static void
wanted_path(void)
{
	if (strcmp(pconf->control_socket, PC_DEFAULT_SOCKET) == 0)
		strlcpy(path, PC_WANTED_FILE, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s.wanted",
		    pconf->control_socket);
}

/* Up, waiting, anything on the way: all but down, failed and a down
   that was asked for. */
static int
wanted_up(const struct tunnel *t)
{
	return t->want != WANT_DOWN && t->fsm != TF_FAILED;
}

static size_t
wanted_text(char *buf, size_t len)
{
	struct tunnel *t;
	size_t n = 0;
	int r;

	buf[0] = '\0';
	TAILQ_FOREACH(t, &tunnels, entry) {
		if (!wanted_up(t))
			continue;
		r = snprintf(buf + n, len - n, "up %s\n", t->conf->name);
		if (r < 0 || (size_t)r >= len - n)
			break;
		n += (size_t)r;
	}
	return n;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* After any change a person could care about: write the file if what it
   should say changed. */
void
wanted_save(void)
{
	char buf[WANTED_MAX], tmp[sizeof(path) + 8];
	size_t n;
	int fd;

	if (frozen || path[0] == '\0')
		return;
	n = wanted_text(buf, sizeof(buf));
	if (strcmp(buf, written) == 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", tmp);
		return;
	}
	if (write_all(fd, buf, n) == -1 || fsync(fd) == -1) {
		log_warn("%s", tmp);
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		log_warn("rename %s", path);
		unlink(tmp);
		return;
	}
	strlcpy(written, buf, sizeof(written));
}

/* The daemon is stopping: its own downs are not a person's wish. */
void
wanted_freeze(void)
{
	frozen = 1;
}

static int
wanted_read(char *buf, size_t len)
{
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0 || st.st_size >= (off_t)len) {
		log_warnx("%s: not a root-owned file that only root may write, "
		    "or too large; ignored", path);
		close(fd);
		return -1;
	}
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_warn("%s", path);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

/*
 * At start (and after a reload): the tunnels the file names are brought
 * up. A line that is not "up NAME" for a configured tunnel is logged and
 * skipped; the file is then written anew from what is true now.
 */
void
wanted_restore(void)
{
	char buf[WANTED_MAX], *line, *next;
	struct tunnel *t;
	int lineno = 0;

	wanted_path();
	frozen = 0;
	written[0] = '\0';
	if (wanted_read(buf, sizeof(buf)) == -1)
		return;
	strlcpy(written, buf, sizeof(written));
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "up ", 3) != 0 ||
		    (t = tunnel_byname(line + 3)) == NULL) {
			log_warnx("%s:%d: not \"up\" and a tunnel of the config; "
			    "skipped", path, lineno);
			continue;
		}
		log_info("tunnel %s: was wanted up before the restart",
		    t->conf->name);
		tunnel_up(t);
	}
	wanted_save();
}
