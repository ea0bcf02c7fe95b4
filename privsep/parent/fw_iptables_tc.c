/*
 * The iptables backend without processes, for the legacy flavour: the
 * ruleset read and changed in the parent through libiptc (libip4tc and
 * libip6tc, the library iptables-legacy-save and -restore are built on),
 * instead of by those programs. Each program costs a process start, which
 * is milliseconds on a host but hundreds of them in a slow or loaded
 * machine (user-mode-linux: about a second for iptables-legacy-restore),
 * and a tunnel's change needs two or more.
 *
 * The rest of the backend speaks iptables-save and iptables-restore text,
 * so this file does too: tc_save prints the ruleset as iptables-save does
 * (exactly for the rules we write; for the host's own, enough for what
 * the backend looks at: chain, matches' names, comment, target), and
 * tc_restore carries out the restore input fw_iptables_emit.c writes,
 * whose rules are a small fixed set; fw_iptables_entry.c turns rules into
 * text and back. A rule to delete is found by printing each rule of the
 * chain and comparing, so "-D" works for any rule this file printed, the
 * host's included.
 *
 * Runs in the parent. See fw_iptables.h.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>

#include "privsep/errfmt.h"
#include "privsep/parent/fw_iptables.h"
#include "privsep/parent/lazylib.h"

#define LOCK_PATH	"/run/xtables.lock"	/* what iptables -w takes */
#define LOCK_WAIT_MS	10000

/* ---- the two families behind one face ----------------------------------- */

/*
 * libiptc's entry functions differ by family only in the entry's type;
 * the rest are in its own xtc_ops. Entries are kept as bytes here.
 *
 * The libraries are loaded when a family is first found usable, as
 * lazylib.c does for libnftables: linked, they would be mapped and
 * relocated in all three processes, and loaded at each one's start.
 */
struct fam {
	const struct xtc_ops	*ops;
	const void	*(*first_rule)(const char *, struct xtc_handle *);
	const void	*(*next_rule)(const void *, struct xtc_handle *);
	const char	*(*target)(const void *, struct xtc_handle *);
	int		 (*append)(const char *, const void *,
			    struct xtc_handle *);
	int		 (*insert)(const char *, const void *, unsigned,
			    struct xtc_handle *);
	int		 (*delete_num)(const char *, unsigned,
			    struct xtc_handle *);
	int		 (*delete_chain)(const char *, struct xtc_handle *);
	int		 (*zero)(const char *, struct xtc_handle *);
};

static struct fam fams[2];	/* filled in by lazy_load */

#define FAM_SYMS(fam, p) {						\
	{ p "ops",		(void **)&fams[fam].ops },		\
	{ p "first_rule",	(void **)&fams[fam].first_rule },	\
	{ p "next_rule",	(void **)&fams[fam].next_rule },	\
	{ p "get_target",	(void **)&fams[fam].target },		\
	{ p "append_entry",	(void **)&fams[fam].append },		\
	{ p "insert_entry",	(void **)&fams[fam].insert },		\
	{ p "delete_num_entry",	(void **)&fams[fam].delete_num },	\
	{ p "delete_chain",	(void **)&fams[fam].delete_chain },	\
	{ p "zero_entries",	(void **)&fams[fam].zero },		\
}
static const struct lazysym syms4[] = FAM_SYMS(V4, "iptc_");
static const struct lazysym syms6[] = FAM_SYMS(V6, "ip6tc_");

static struct lazylib libs[2] = {
	[V4] = { "libip4tc.so.2", syms4, sizeof(syms4) / sizeof(syms4[0]), 0 },
	[V6] = { "libip6tc.so.2", syms6, sizeof(syms6) / sizeof(syms6[0]), 0 },
};

/* /proc/net/..._names: there once the kernel's iptables is loaded */
static const char *const names_path[2] = {
	[V4] = "/proc/net/ip_tables_names",
	[V6] = "/proc/net/ip6_tables_names",
};

/* the family's functions, or -1 (with a message) if its library is not
 * to be had */
static int
fam_load(enum family fam, char *err, size_t errlen)
{
	if (lazy_load(&libs[fam]) == 0)
		return 0;
	err_set(err, errlen, "cannot load %s", libs[fam].soname);
	return -1;
}

/* ---- the lock iptables -w takes ------------------------------------------- */

static int
lock_take(char *err, size_t errlen)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	int		 fd, waited;

	if ((fd = open(LOCK_PATH, O_CREAT | O_RDWR | O_CLOEXEC, 0600)) == -1)
		return err_set(err, errlen, "%s: %s", LOCK_PATH,
		    strerror(errno));
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; waited += 20) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			close(fd);
			return err_set(err, errlen, "%s: another program "
			    "holds it", LOCK_PATH);
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

int
ipt_tc_usable(enum flavour fl, enum family fam)
{
	return fl == FL_LEGACY && access(names_path[fam], F_OK) == 0 &&
	    lazy_load(&libs[fam]) == 0;
}

/* ---- a read and the write after it, under one lock ------------------------- */

/*
 * Between ipt_tc_hold and ipt_tc_release the lock is ours, so nobody
 * changes the tables between our reading and our writing, and the
 * handles a save read are kept for the restore that follows: reading a
 * table is two kernel calls, and a kernel built with bpfilter (Debian's)
 * asks modprobe for that module at each IPv4 one until it is loaded,
 * which where it cannot be (no module, modules locked) is a process
 * start every time.
 */
#define HELD_MAX	8
static struct {
	struct xtc_handle	*h;
	enum family		 fam;
	char			 table[XT_TABLE_MAXNAMELEN];
}		 held[HELD_MAX];
static int	 nheld, held_lock = -1;

int
ipt_tc_hold(char *err, size_t errlen)
{
	if (held_lock == -1 && (held_lock = lock_take(err, errlen)) == -1)
		return -1;
	return 0;
}

void
ipt_tc_release(void)
{
	while (nheld > 0) {
		nheld--;
		fams[held[nheld].fam].ops->free(held[nheld].h);
	}
	if (held_lock != -1)
		close(held_lock);
	held_lock = -1;
}

/* A save's handle, kept if a write may follow; else freed. */
static void
handle_done(enum family fam, const char *table, struct xtc_handle *h)
{
	if (held_lock == -1 || nheld == HELD_MAX) {
		fams[fam].ops->free(h);
		return;
	}
	held[nheld].h = h;
	held[nheld].fam = fam;
	strlcpy(held[nheld].table, table, sizeof(held[nheld].table));
	nheld++;
}

/* The kept handle of table (now the caller's), or a fresh one. */
static struct xtc_handle *
handle_get(enum family fam, const char *table)
{
	struct xtc_handle	*h;
	int			 i;

	for (i = nheld - 1; i >= 0; i--)
		if (held[i].fam == fam && strcmp(held[i].table, table) == 0) {
			h = held[i].h;
			held[i] = held[--nheld];
			return h;
		}
	return fams[fam].ops->init(table);
}

/* ---- save --------------------------------------------------------------------- */

static void
save_chains(FILE *f, const struct fam *F, struct xtc_handle *h)
{
	struct xt_counters	 c;
	const char		*chain, *pol;

	for (chain = F->ops->first_chain(h); chain != NULL;
	    chain = F->ops->next_chain(h)) {
		if (F->ops->builtin(chain, h) &&
		    (pol = F->ops->get_policy(chain, &c, h)) != NULL)
			fprintf(f, ":%s %s [%llu:%llu]\n", chain, pol,
			    (unsigned long long)c.pcnt,
			    (unsigned long long)c.bcnt);
		else
			fprintf(f, ":%s - [0:0]\n", chain);
	}
}

static void
save_rules(FILE *f, enum family fam, struct xtc_handle *h, int counters)
{
	const struct fam	*F = &fams[fam];
	const char		*chain;
	const void		*e;
	uint64_t		 p, b;

	for (chain = F->ops->first_chain(h); chain != NULL;
	    chain = F->ops->next_chain(h))
		for (e = F->first_rule(chain, h); e != NULL;
		    e = F->next_rule(e, h)) {
			ipt_entry_counters(fam, e, &p, &b);
			if (counters)
				fprintf(f, "[%llu:%llu] ",
				    (unsigned long long)p,
				    (unsigned long long)b);
			fprintf(f, "-A %s", chain);
			ipt_entry_print(f, fam, e, F->target(e, h));
			fputc('\n', f);
		}
}

static int
save_table(FILE *f, enum family fam, const char *table, int counters,
    char *err, size_t errlen)
{
	const struct fam	*F = &fams[fam];
	struct xtc_handle	*h;

	if ((h = F->ops->init(table)) == NULL)
		return err_set(err, errlen, "%s: %s", table,
		    F->ops->strerror(errno));
	fprintf(f, "*%s\n", table);
	save_chains(f, F, h);
	save_rules(f, fam, h, counters);
	fputs("COMMIT\n", f);
	handle_done(fam, table, h);
	return 0;
}

/*
 * Like iptables-legacy-save: every table the kernel has (and only those:
 * asking for one loads its module). Only where ipt_tc_usable: without the
 * kernel's iptables loaded the caller asks the program, which loads it.
 */
int
ipt_tc_save(enum family fam, int counters, char **out, char *err,
    size_t errlen)
{
	char	 table[XT_TABLE_MAXNAMELEN + 1];
	size_t	 len;
	FILE	*names, *f;
	int	 rc = 0;

	*out = NULL;
	if (fam_load(fam, err, errlen) == -1)
		return -1;
	if ((names = fopen(names_path[fam], "re")) == NULL)
		return err_set(err, errlen, "%s: %s", names_path[fam],
		    strerror(errno));
	if ((f = open_memstream(out, &len)) == NULL) {
		fclose(names);
		return err_set(err, errlen, "out of memory");
	}
	while (rc == 0 && fscanf(names, "%32s", table) == 1)
		rc = save_table(f, fam, table, counters, err, errlen);
	fclose(names);
	fclose(f);
	if (rc == -1) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- restore ------------------------------------------------------------------ */

/* "-D CHAIN rule": the first rule that prints as the same text. */
static int
delete_by_text(enum family fam, struct xtc_handle *h, const char *chain,
    const char *want, char *err, size_t errlen)
{
	const struct fam	*F = &fams[fam];
	const void		*e;
	char			 text[1024];
	unsigned		 n = 0;
	FILE			*f;

	for (e = F->first_rule(chain, h); e != NULL; e = F->next_rule(e, h),
	    n++) {
		if ((f = fmemopen(text, sizeof(text), "w")) == NULL)
			return err_set(err, errlen, "out of memory");
		ipt_entry_print(f, fam, e, F->target(e, h));
		fclose(f);
		if (strcmp(text, want) == 0)
			return F->delete_num(chain, n, h) ? 0 : -1;
	}
	errno = ENOENT;
	return err_set(err, errlen, "-D %s%s: no such rule", chain, want);
}

/* "-A CHAIN rule" or "-I CHAIN N rule" */
static int
do_rule(enum family fam, struct xtc_handle *h, char *line, char *err,
    size_t errlen)
{
	const struct fam	*F = &fams[fam];
	unsigned char		 buf[IPT_ENTRY_MAX];
	char			 chain[CHAIN_MAX];
	unsigned		 at = 1;
	int			 used = 0;

	if (line[1] == 'A' ? sscanf(line, "-A %31s %n", chain, &used) < 1 :
	    sscanf(line, "-I %31s %u %n", chain, &at, &used) < 2 || at == 0)
		return err_set(err, errlen, "bad line \"%s\"", line);
	if (ipt_entry_parse(fam, line + used, buf, err, errlen) == -1)
		return -1;
	if (line[1] == 'A')
		return F->append(chain, buf, h) ? 0 : -1;
	return F->insert(chain, buf, at - 1, h) ? 0 : -1;
}

/* One line of restore input inside a table. */
static int
do_line(enum family fam, struct xtc_handle *h, char *line, char *err,
    size_t errlen)
{
	const struct fam	*F = &fams[fam];
	char			 chain[CHAIN_MAX], cmd[4];
	int			 used = 0;

	if (line[0] == ':') {
		if (sscanf(line + 1, "%31s", chain) != 1)
			return err_set(err, errlen, "bad line \"%s\"", line);
		if (F->ops->is_chain(chain, h))
			return F->ops->flush_entries(chain, h) ? 0 : -1;
		return F->ops->create_chain(chain, h) ? 0 : -1;
	}
	if (strncmp(line, "-D ", 3) == 0) {
		if (sscanf(line + 3, "%31s", chain) != 1)
			return err_set(err, errlen, "bad line \"%s\"", line);
		return delete_by_text(fam, h, chain, line + 3 + strlen(chain),
		    err, errlen);
	}
	if (strncmp(line, "-A ", 3) == 0 || strncmp(line, "-I ", 3) == 0)
		return do_rule(fam, h, line, err, errlen);
	if (sscanf(line, "%3s %31s %n", cmd, chain, &used) == 2 &&
	    line[used] == '\0') {
		if (strcmp(cmd, "-F") == 0)
			return F->ops->flush_entries(chain, h) ? 0 : -1;
		if (strcmp(cmd, "-X") == 0)
			return F->delete_chain(chain, h) ? 0 : -1;
	}
	return err_set(err, errlen, "\"%s\" not understood", line);
}

/* Carries out one table's block, lines [*line, COMMIT]. */
static int
do_table(enum family fam, const char *table, char **next, char *err,
    size_t errlen)
{
	const struct fam	*F = &fams[fam];
	struct xtc_handle	*h;
	char			*line;
	int			 rc = 0;

	if ((h = handle_get(fam, table)) == NULL)
		return err_set(err, errlen, "%s: %s", table,
		    F->ops->strerror(errno));
	while ((line = strsep(next, "\n")) != NULL &&
	    strcmp(line, "COMMIT") != 0) {
		errno = 0;
		err[0] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((rc = do_line(fam, h, line, err, errlen)) == -1)
			break;
	}
	if (rc == 0 && line == NULL)
		rc = err_set(err, errlen, "no COMMIT");
	else if (rc == 0 && !F->ops->commit(h))
		rc = -1;
	if (rc == -1 && err[0] == '\0')
		err_set(err, errlen, "%s", F->ops->strerror(errno));
	F->ops->free(h);
	return rc;
}

/*
 * Like iptables-legacy-restore --noflush, for the input
 * fw_iptables_emit.c writes: each table's changes commit at once.
 */
int
ipt_tc_restore(enum family fam, const char *script, char *err, size_t errlen)
{
	char	*copy, *next, *line;
	char	 e[256] = "";
	int	 lock, rc = 0;

	if (fam_load(fam, err, errlen) == -1)
		return -1;
	if ((copy = strdup(script)) == NULL)
		return err_set(err, errlen, "out of memory");
	if (held_lock != -1)
		lock = -1;	/* ipt_tc_hold's */
	else if ((lock = lock_take(err, errlen)) == -1) {
		free(copy);
		return -1;
	}
	for (next = copy; rc == 0 && (line = strsep(&next, "\n")) != NULL;) {
		if (line[0] == '*')
			rc = do_table(fam, line + 1, &next, e, sizeof(e));
		else if (line[0] != '\0' && line[0] != '#')
			rc = err_set(e, sizeof(e), "\"%s\" outside a table",
			    line);
		if (rc == -1)
			err_set(err, errlen, "%s: %s",
			    fam == V4 ? "iptables" : "ip6tables", e);
	}
	if (lock != -1)
		close(lock);
	free(copy);
	return rc;
}

/* Like iptables -Z CHAIN. */
int
ipt_tc_zero(enum family fam, const char *table, const char *chain, char *err,
    size_t errlen)
{
	const struct fam	*F = &fams[fam];
	struct xtc_handle	*h;
	int			 lock, rc = 0;

	if (fam_load(fam, err, errlen) == -1 ||
	    (lock = lock_take(err, errlen)) == -1)
		return -1;
	if ((h = F->ops->init(table)) == NULL ||
	    !F->zero(chain, h) || !F->ops->commit(h))
		rc = err_set(err, errlen, "%s: %s", chain,
		    F->ops->strerror(errno));
	if (h != NULL)
		F->ops->free(h);
	close(lock);
	return rc;
}
