/*
 * The programs the parent runs and waits for: the iptables tools of the
 * firewall backend, and resolvconf or resolvectl for DNS. Runs in the
 * parent. See tool.c.
 */
#ifndef PRIVSEP_PARENT_TOOL_H
#define PRIVSEP_PARENT_TOOL_H

#include <stddef.h>

/*
 * Runs path with argv (no shell), input on its stdin, its stdout into
 * *out (NUL terminated, caller frees; out may be NULL), and waits for it.
 * Fails with the program's first line of stderr as the message unless it
 * exits 0.
 */
int	tool_run(const char *path, char *const argv[], const char *input,
	    char **out, char *err, size_t errlen);
/* Finds name in the system's sbin/bin directories (or the test dir). */
int	tool_find(const char *name, char *path, size_t pathlen);
/* Tests only: look for the programs in dir, not in the system. */
void	tool_set_dir(const char *dir);

#endif
