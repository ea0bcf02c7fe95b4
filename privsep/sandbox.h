/*
 * Privilege drop for the children: the parent prepares (the user, the
 * empty directory), the engine and the control process each enter it,
 * in the order README.md gives: chroot to an empty directory, chdir("/"),
 * setgroups, setresgid, setresuid, PR_SET_NO_NEW_PRIVS, then a libseccomp
 * allow-list. A syscall outside the list kills the process
 * (SCMP_ACT_KILL_PROCESS); with debug set it traps instead, logs the
 * syscall's name on stderr and fails it with ENOSYS, so a missing entry
 * can be found.
 */
#ifndef PRIVSEP_SANDBOX_H
#define PRIVSEP_SANDBOX_H

#include <sys/types.h>

enum sandbox_kind { SANDBOX_ENGINE, SANDBOX_CONTROL };

#define PC_EMPTY_DIR	"/run/pptpd-client/empty"

/*
 * Parent: the unprivileged user (name, else nobody with a warning), from
 * /etc/passwd, and if it is not there and nss is set, from NSS.
 */
int	sandbox_lookup_user(const char *name, int nss, uid_t *, gid_t *,
	    char *warn, size_t warnlen);
/* Parent: make sure the empty chroot directory exists, root-owned. */
int	sandbox_prepare_dir(void);
/* Child: drop everything; fatal on any failure. */
void	sandbox_enter(enum sandbox_kind, uid_t, gid_t, int debug);

#endif
