/*
 * Privilege drop and seccomp filters; see sandbox.h. The parent prepares,
 * the engine and control process enter. The lists are grouped by purpose
 * so that a reader can see why each syscall is there.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "privsep/log.h"
#include "privsep/sandbox.h"

#ifndef PC_NO_SANDBOX
/* Memory, time, signals returning, exit: what any libevent loop needs. */
static const int sc_common[] = {
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(getrandom),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(futex), SCMP_SYS(restart_syscall), SCMP_SYS(newfstatat),
	SCMP_SYS(fstat),
	/* the event loop */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	/* i/o on descriptors the parent handed over */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(close), SCMP_SYS(shutdown),
};

/* The engine batches the data path. */
static const int sc_engine[] = {
	SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg),
};

/* The control process accepts pptpctl clients. */
static const int sc_control[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4),
};

static void
sigsys_debug(int sig, siginfo_t *si, void *uctx)
{
	char buf[128], *name;
	ucontext_t *uc = uctx;
	int n;

	(void)sig;
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    si->si_syscall);
	n = snprintf(buf, sizeof(buf), "seccomp: forbidden syscall %d (%s)\n",
	    si->si_syscall, name ? name : "?");
	if (n > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n);
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#else
	(void)uc;
#endif
}

static void
add_list(scmp_filter_ctx ctx, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, list[i], 0) < 0)
			fatalx("seccomp: cannot allow syscall %d", list[i]);
}

static void
load_filter(enum sandbox_kind kind, int debug)
{
	scmp_filter_ctx ctx;
	struct sigaction sa;
	int rc;

	if (debug) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sigsys_debug;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSYS, &sa, NULL);
	}
	ctx = seccomp_init(debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		fatalx("seccomp_init failed");
	add_list(ctx, sc_common, sizeof(sc_common) / sizeof(sc_common[0]));
	if (kind == SANDBOX_ENGINE)
		add_list(ctx, sc_engine, sizeof(sc_engine) / sizeof(sc_engine[0]));
	else
		add_list(ctx, sc_control,
		    sizeof(sc_control) / sizeof(sc_control[0]));

	/*
	 * Memory never executable: no mapping with PROT_EXEC (mprotect is
	 * not allowed at all). sendto only on a connected socket, with no
	 * address of its own. sendmsg and sendmmsg cannot be held to that
	 * (the address is inside a struct the filter cannot read); every
	 * socket a child has is connected, the GRE one to the server.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
	    SCMP_A4(SCMP_CMP_EQ, 0)) < 0)
		fatalx("seccomp: cannot add the mmap and sendto rules");

	/* fcntl only to read and set flags: no F_SETOWN, no locks, no dup */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFL)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFL)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFD)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFD)) < 0)
		fatalx("seccomp: fcntl rules");
	/* getsockopt: SO_ERROR (engine), SO_PEERCRED, SO_PEERGROUPS (control) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, kind == SANDBOX_ENGINE ? SO_ERROR :
	    SO_PEERCRED)) < 0 ||
	    (kind != SANDBOX_ENGINE &&
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_PEERGROUPS)) < 0))
		fatalx("seccomp: getsockopt rule");
	if (kind == SANDBOX_ENGINE &&
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_RCVBUF)) < 0)
		fatalx("seccomp: setsockopt rule");
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

#endif /* !PC_NO_SANDBOX */

/*
 * A user's ids: from /etc/passwd, read here, and where that does not
 * hold the name, from NSS in a child that exits. getpwnam may load NSS
 * modules for good: for a name /etc/passwd does not hold, glibc goes on
 * to libnss_systemd, which maps itself, libcap and libm, some 450 KB of
 * PSS that the parent would carry for its whole life for one answer, and
 * loading them is the slowest part of a start on a slow machine (a fifth
 * of a second in user-mode-linux). Reading the file itself loads nothing.
 */
struct user_answer {
	int	found;
	uid_t	uid;
	gid_t	gid;
};

/* The answer pw gives (NULL: not found). */
static void
answer_set(struct user_answer *a, const struct passwd *pw)
{
	memset(a, 0, sizeof(*a));
	if (pw != NULL) {
		a->found = 1;
		a->uid = pw->pw_uid;
		a->gid = pw->pw_gid;
	}
}

static void
passwd_file_ask(const char *name, struct user_answer *a)
{
	struct passwd	*pw;
	FILE		*f;

	if ((f = fopen("/etc/passwd", "re")) == NULL) {
		answer_set(a, NULL);
		return;
	}
	while ((pw = fgetpwent(f)) != NULL && strcmp(pw->pw_name, name) != 0)
		;
	answer_set(a, pw);
	fclose(f);
}

static void
nss_ask_here(const char *name, struct user_answer *a)
{
	answer_set(a, getpwnam(name));
}

/* If the child cannot be started, the parent asks itself: the same
 * answer, at that cost. */
static void
nss_ask(const char *name, struct user_answer *a)
{
	int	 p[2], status;
	pid_t	 pid;
	ssize_t	 n;

	if (pipe2(p, O_CLOEXEC) == -1) {
		nss_ask_here(name, a);
		return;
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		nss_ask_here(name, a);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		nss_ask_here(name, a);
		_exit(write(p[1], a, sizeof(*a)) == sizeof(*a) ? 0 : 1);
	}
	close(p[1]);
	do
		n = read(p[0], a, sizeof(*a));
	while (n == -1 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n != sizeof(*a))
		nss_ask_here(name, a);
}

static void
user_ask(const char *name, int nss, struct user_answer *a)
{
	passwd_file_ask(name, a);
	if (!a->found && nss)
		nss_ask(name, a);
}

int
sandbox_lookup_user(const char *name, int nss, uid_t *uid, gid_t *gid,
    char *warn, size_t warnlen)
{
	struct user_answer	a;

	warn[0] = '\0';
	user_ask(name, nss, &a);
	if (!a.found) {
		user_ask("nobody", 1, &a);
		if (!a.found)
			return -1;
		snprintf(warn, warnlen, "user \"%s\" does not exist%s (make "
		    "install creates it); running the children as nobody",
		    name, nss ? "" : " in /etc/passwd");
	}
	if (a.uid == 0)
		return -1;
	*uid = a.uid;
	*gid = a.gid;
	return 0;
}

int
sandbox_prepare_dir(void)
{
	struct stat st;

	if (mkdir("/run/pptpd-client", 0755) == -1 && errno != EEXIST)
		return -1;
	if (mkdir(PC_EMPTY_DIR, 0755) == -1 && errno != EEXIST)
		return -1;
	if (stat(PC_EMPTY_DIR, &st) == -1)
		return -1;
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

void
sandbox_enter(enum sandbox_kind kind, uid_t uid, gid_t gid, int debug)
{
#ifndef PC_NO_SANDBOX
	if (chroot(PC_EMPTY_DIR) == -1)
		fatal("chroot %s", PC_EMPTY_DIR);
	if (chdir("/") == -1)
		fatal("chdir /");
#endif
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	/* a core dump of a child must not be possible either */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
#ifdef PC_NO_SANDBOX
	/*
	 * Sanitizer builds: the filter refuses syscalls the sanitizers
	 * need, and a chroot hides the files their reports need; the
	 * child still runs unprivileged.
	 */
	(void)kind;
	(void)debug;
	log_debug("seccomp and chroot disabled in this build");
#else
	load_filter(kind, debug);
#endif
}
