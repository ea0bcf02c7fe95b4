/*
 * The iptables backend, reading: the ruleset as iptables-save prints it,
 * parsed into lines the other two files can search (which chains exist,
 * which rules jump where, which tunnel a rule is tagged with). Apart so
 * that the parsing of another program's output can be read and checked
 * on its own.
 * Runs in the parent. See fw_iptables.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/errfmt.h"
#include "privsep/parent/firewall.h"
#include "privsep/parent/fw_iptables.h"
#include "privsep/parent/tool.h"

static const char *const suffix[FL_COUNT] = { "-legacy", "-nft", "" };

/* "ip6tables-nft-save" and the like */
int
ipt_tool_path(enum flavour fl, enum family fam, const char *what, char *path,
    size_t pathlen)
{
	char	 name[64];

	snprintf(name, sizeof(name), "%s%s%s%s", fam == V6 ? "ip6" : "ip",
	    "tables", suffix[fl], what);
	return tool_find(name, path, pathlen);
}

/* Listings kept while a batch lasts (see ipt_save_batch). */
static int	 batching;
static char	*kept[FL_COUNT][2];

void
ipt_save_forget(void)
{
	int	 fl, fam;

	for (fl = 0; fl < FL_COUNT; fl++)
		for (fam = V4; fam <= V6; fam++) {
			free(kept[fl][fam]);
			kept[fl][fam] = NULL;
		}
}

void
ipt_save_batch(int on)
{
	batching = on;
	ipt_save_forget();
}

static int
save_run(enum flavour fl, enum family fam, int counters, char **out,
    char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	char	*argv[] = { path, "-c", NULL };

	if (ipt_tc_usable(fl, fam))
		return ipt_tc_save(fam, counters, out, err, errlen);
	if (ipt_tool_path(fl, fam, "-save", path, sizeof(path)) == -1)
		return err_set(err, errlen, "%s: not found", path);
	if (!counters)
		argv[1] = NULL;
	return tool_run(path, argv, NULL, out, err, errlen);
}

int
ipt_save(enum flavour fl, enum family fam, int counters, char **out,
    char *err, size_t errlen)
{
	char	**k = &kept[fl][fam];

	if (batching && !counters && *k != NULL)
		return (*out = strdup(*k)) != NULL ? 0 :
		    err_set(err, errlen, "out of memory");
	if (save_run(fl, fam, counters, out, err, errlen) == -1)
		return -1;
	if (batching && !counters)
		*k = strdup(*out);	/* NULL: the next one asks again */
	return 0;
}

void
ipt_snap_free(struct snap *s)
{
	free(s->v);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int
snap_parse(struct snap *s, char *buf, char *err, size_t errlen)
{
	char	*line, *next;
	size_t	 cap = 0;
	int	 table = -1;

	memset(s, 0, sizeof(*s));
	s->buf = buf;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		struct sline	 l = { 0 };

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '*') {
			if (s->ntables == 8)
				return err_set(err, errlen, "too many tables");
			table = s->ntables++;
			strlcpy(s->tables[table], line + 1, CHAIN_MAX);
			continue;
		}
		if (table == -1)
			continue;
		if (line[0] == '[') {	/* "[pkts:bytes] -A ..." from -c */
			l.pkts = strtoull(line + 1, &line, 10);
			if (*line == ':')
				l.bytes = strtoull(line + 1, &line, 10);
			line += strspn(line, "] ");
		}
		if (line[0] == ':')
			sscanf(line + 1, "%31s", l.chain);
		else if (strncmp(line, "-A ", 3) == 0) {
			sscanf(line + 3, "%31s", l.chain);
			l.is_rule = 1;
		} else
			continue;
		l.table = table;
		l.text = line;
		if (s->n == cap) {
			struct sline	*v;

			cap = cap ? cap * 2 : 256;
			if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
				return err_set(err, errlen, "out of memory");
			s->v = v;
		}
		s->v[s->n++] = l;
	}
	return 0;
}

int
ipt_snap_take(struct snap *s, enum flavour fl, enum family fam, int counters,
    char *err, size_t errlen)
{
	char	*out;

	memset(s, 0, sizeof(*s));
	if (ipt_save(fl, fam, counters, &out, err, errlen) == -1)
		return -1;
	if (snap_parse(s, out, err, errlen) == -1) {
		ipt_snap_free(s);
		return -1;
	}
	return 0;
}

int
ipt_snap_table(const struct snap *s, const char *table)
{
	int	 i;

	for (i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i], table) == 0)
			return i;
	return -1;
}

int
ipt_snap_has_chain(const struct snap *s, const char *table, const char *chain)
{
	int	 t = ipt_snap_table(s, table);
	size_t	 i;

	for (i = 0; t != -1 && i < s->n; i++)
		if (s->v[i].table == t && !s->v[i].is_rule &&
		    strcmp(s->v[i].chain, chain) == 0)
			return 1;
	return 0;
}

/* The word after opt (" -j ", " --comment "), unquoted, or "". */
void
ipt_rule_word(const char *text, const char *opt, char *out, size_t outlen)
{
	const char	*p = strstr(text, opt);
	size_t		 n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(opt);
	if (*p == '"') {
		p++;
		n = strcspn(p, "\"");
	} else
		n = strcspn(p, " ");
	if (n < outlen)
		strlcpy(out, p, n + 1);
}

int
ipt_rule_targets(const char *text, const char *chain)
{
	char	 w[CHAIN_MAX + 2];

	ipt_rule_word(text, " -j ", w, sizeof(w));
	if (strcmp(w, chain) == 0)
		return 1;
	ipt_rule_word(text, " -g ", w, sizeof(w));
	return strcmp(w, chain) == 0;
}

/* The tunnel name a rule of ours is tagged with, or "" */
void
ipt_rule_tunnel(const char *text, char *name, size_t namelen)
{
	char	 w[128];

	ipt_rule_word(text, " --comment ", w, sizeof(w));
	name[0] = '\0';
	if (strncmp(w, TAG, strlen(TAG)) == 0) {
		w[strlen(TAG) + strcspn(w + strlen(TAG), ":")] = '\0';
		strlcpy(name, w + strlen(TAG), namelen);
	}
}
