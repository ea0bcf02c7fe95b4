/*
 * libFuzzer target for the config grammar: pptpd-client/parse.y's
 * parse_config() with PARSE_NO_PERMS on arbitrary text, then, when it
 * parses, the normalized form print_config() prints parsed again: it must
 * parse without an error and print the same text (`pptpd-client -n` is
 * meant to print a config that means the same).
 *
 * Nothing touches the disk. The parser opens its files with open(2),
 * which this program replaces at link time (-Wl,--wrap=open, see
 * module.mk) while parse_config() runs: the config itself and two
 * password files come from memfds, every other path fails with ENOENT,
 * so no input can make the fuzzer open, let alone write, a host file.
 *   /fuzz/pptpd-client.conf           the input
 *   /etc/pptpd-client/office.secret   "fuzz-secret\n"
 *   /etc/pptpd-client/empty.secret    empty (an error)
 * Every error message must name the config file.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pptpd-client/config.h"

#define CONF_PATH	"/fuzz/pptpd-client.conf"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	__wrap_open(const char *, int, ...);
int	__real_open(const char *, int, ...);

static int	in_parse;
static int	conf_fd = -1, secret_fd = -1, empty_fd = -1;
static size_t	nerrors;

static int
memfd(const char *name, const void *data, size_t len)
{
	int fd;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) == -1 ||
	    (len > 0 && write(fd, data, len) != (ssize_t)len))
		abort();
	return fd;
}

/*
 * A fresh descriptor reading fd from its start, with an offset of its own:
 * a password-file that names the config itself must not move the parser's
 * place in it (dup shares the offset, and the parser then read the config
 * again from the start, for ever: a harness bug, the daemon's files are
 * opened anew).
 */
static int
reopen(int fd)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((nfd = __real_open(path, O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	return nfd;
}

int
__wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;

	if (!in_parse) {
		if (flags & (O_CREAT | O_TMPFILE)) {
			va_start(ap, flags);
			mode = (mode_t)va_arg(ap, int);
			va_end(ap);
		}
		return __real_open(path, flags, mode);
	}
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
		abort();	/* the parser only ever reads */
	if (strcmp(path, CONF_PATH) == 0)
		return reopen(conf_fd);
	if (strcmp(path, "/etc/pptpd-client/office.secret") == 0)
		return reopen(secret_fd);
	if (strcmp(path, "/etc/pptpd-client/empty.secret") == 0)
		return reopen(empty_fd);
	errno = ENOENT;
	return -1;
}

static void
on_error(const char *msg)
{
	if (strncmp(msg, CONF_PATH ":", sizeof(CONF_PATH)) != 0)
		abort();
	nerrors++;
}

static struct pcconf *
parse(const void *text, size_t len)
{
	struct pcconf *conf;

	if (ftruncate(conf_fd, 0) == -1 ||
	    (len > 0 && pwrite(conf_fd, text, len, 0) != (ssize_t)len))
		abort();
	nerrors = 0;
	in_parse = 1;
	conf = parse_config(CONF_PATH, PARSE_NO_PERMS);
	in_parse = 0;
	/* NULL exactly when something was reported */
	if ((conf == NULL) != (nerrors > 0))
		abort();
	return conf;
}

static char *
print(const struct pcconf *conf, size_t *len)
{
	FILE *f;
	char *buf = NULL;

	if ((f = open_memstream(&buf, len)) == NULL)
		abort();
	print_config(f, conf, 0);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcconf *conf;
	char *once, *twice;
	size_t len1, len2;

	if (conf_fd == -1) {
		conf_fd = memfd("conf", NULL, 0);
		secret_fd = memfd("secret", "fuzz-secret\n", 12);
		empty_fd = memfd("empty", NULL, 0);
		config_set_error_handler(on_error);
	}
	if ((conf = parse(data, size)) == NULL)
		return 0;
	once = print(conf, &len1);
	config_free(conf);

	if ((conf = parse(once, len1)) == NULL)
		abort();	/* the normalized form does not parse */
	twice = print(conf, &len2);
	config_free(conf);
	if (len1 != len2 || memcmp(once, twice, len1) != 0)
		abort();	/* nor means the same */
	free(once);
	free(twice);
	return 0;
}
