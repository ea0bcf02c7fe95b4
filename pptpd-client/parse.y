/*
 * pptpd-client.conf(5) grammar and lexer.
 *
 * Newlines end statements, as in OpenBSD's daemons, so that after a
 * syntax error the parser can resynchronise at the next line and go on:
 * every error in the file is reported, not only the first. Each message
 * is "file:line: text"; parse_config() fails if there was any.
 */

%{
#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "pptpd-client/config.h"

enum kw_scope { KW_VALUE, KW_GLOBAL, KW_TUNNEL };

struct keyword {
	const char	*name;
	int		 token;
	enum kw_scope	 scope;		/* where it starts a statement */
};

/* Longest word or quoted string the lexer takes; any field is shorter. */
#define LEX_BUFSZ	8192

/* Options that may be given once; the bit also indexes seen_line[]. */
enum opt {
	O_SERVER, O_USERNAME, O_PASSWORDFILE, O_PASSWORD, O_MPPE,
	O_KILLSWITCH, O_PERSIST, O_FORWARD, O_CONNECTTIMEOUT,
	O_ECHOINTERVAL, O_ECHOTIMEOUT, O_REORDERWAIT, O_MTU, O_PPPDOPTIONS,
	O_ALLOWPAP, O_RECONNECTMAX, O_LCPECHOINTERVAL, O_LCPECHOFAILURE,
	O_DNS, O_DNSROUTE, O_DATAPATH,
	/* global ones */
	O_USER, O_CONTROLGROUP, O_CONTROLSOCKET, O_FIREWALL, O_PPPD,
	O_PPPDDEBUG, O_PPPDPLUGIN,
	O_MAX
};

static const char *const opt_names[O_MAX] = {
	"server", "username", "password-file", "password", "mppe",
	"kill-switch", "persist", "forward", "connect-timeout",
	"echo-interval", "echo-timeout", "reorder-wait", "mtu", "pppd-options",
	"allow-pap", "reconnect-max", "lcp-echo-interval", "lcp-echo-failure",
	"dns", "dns-route", "datapath",
	"user", "control-group", "control-socket", "firewall", "pppd",
	"pppd-debug", "pppd-plugin",
};

static struct {
	const char		*name;
	FILE			*fp;
	int			 lineno;
	int			 nl_pending;	/* lineno++ once past the '\n' */
	int			 errors;
	int			 lexerr;	/* lexer already told why */
	int			 last_was_nl;
	int			 flags;
	int			 has_inline_password;
	struct stat		 st;
	int			 have_st;
	struct pcconf		*conf;
	struct tunnel_conf	*tun;		/* block being read, or NULL */
	int			 seen_line[O_MAX]; /* per block / global */
	int			 global_seen[O_MAX];
	char			 buf[LEX_BUFSZ];
	char			 tokdesc[48];	/* last token, for syntax errors */
	const struct keyword	*lastkw;	/* last token, if a keyword */
} P;

static void (*error_handler)(const char *);

int		 yylex(void);
int		 yyparse(void);
static void	 yyerror(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
static void	 config_error(int, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	 once(enum opt);
static void	 tunnel_begin(char *);
static void	 tunnel_end(void);
static int	 set_string(char *, size_t, char *, const char *, int);
static void	 set_server(char *);
static void	 set_password_file(char *);
static void	 set_password(char *);
static void	 add_prefix(struct route_head *, const char *, char *, int);
static void	 set_number(enum opt, uint32_t *, int64_t, int64_t, int64_t,
		    uint32_t);
static void	 set_pppd_options(char *);
/* the checks of config_value.c, reporting through yyerror */
#define check_name(w, s, n)	config_check_name(w, s, n, yyerror)
#define check_path(w, s, n)	config_check_path(w, s, n, yyerror)
#define check_printable(w, s)	config_check_printable(w, s, yyerror)
static void	 free_string(char *);
static int	 lookup(const char *);
static int	 kwvalue(char *, const char *, ...);

typedef struct {
	union {
		int64_t		 number;
		char		*string;
	} v;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED 1
%}

%token	ALLOW ALLOWPAP ALWAYS AUTO CONNECTTIMEOUT CONTROLGROUP CONTROLSOCKET
%token	DEFAULT ECHOINTERVAL ECHOTIMEOUT FIREWALL FORWARD IPTABLES KILLSWITCH
%token	MPPE MTU NFTABLES NO NONE OPTIONAL PASSWORD PASSWORDFILE PERSIST PPPD
%token	PPPDDEBUG PPPDOPTIONS
%token	REORDERWAIT REQUIRED ROUTE SERVER TUNNEL USER USERNAME YES
%token	RECONNECTMAX LCPECHOINTERVAL LCPECHOFAILURE DNS DNSROUTE
%token	DATAPATH KERNEL PPPDPLUGIN
%token	LEXERR
%token	<v.string>	STRING
%type	<v.number>	yesno mppemode killswitch persistmode fwbackend number
%type	<v.number>	datapath
%destructor { free_string($$); } <v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar main '\n'
		| grammar tunnel '\n'
		| grammar error '\n'		{ yyerrok; }
		;

main		: USER STRING {
			if (once(O_USER) == 0 &&
			    check_name("user", $2, sizeof(P.conf->user)) == 0)
				strlcpy(P.conf->user, $2, sizeof(P.conf->user));
			free($2);
		}
		| CONTROLGROUP STRING {
			if (once(O_CONTROLGROUP) == 0 && check_name("control-group",
			    $2, sizeof(P.conf->control_group)) == 0) {
				if (getgrnam($2) == NULL)
					yyerror("control-group \"%s\": no such "
					    "group", $2);
				strlcpy(P.conf->control_group, $2,
				    sizeof(P.conf->control_group));
			}
			free($2);
		}
		| CONTROLSOCKET STRING {
			/* bind() needs the path to fit sockaddr_un */
			struct sockaddr_un sun;

			if (once(O_CONTROLSOCKET) == 0 && check_path(
			    "control-socket", $2, sizeof(sun.sun_path)) == 0)
				strlcpy(P.conf->control_socket, $2,
				    sizeof(P.conf->control_socket));
			free($2);
		}
		| FIREWALL fwbackend {
			if (once(O_FIREWALL) == 0)
				P.conf->firewall = $2;
		}
		| PPPDDEBUG yesno {
			if (once(O_PPPDDEBUG) == 0)
				P.conf->pppd_debug = $2;
		}
		| PPPD STRING {
			if (once(O_PPPD) == 0 &&
			    check_path("pppd", $2, sizeof(P.conf->pppd)) == 0)
				strlcpy(P.conf->pppd, $2, sizeof(P.conf->pppd));
			free($2);
		}
		| PPPDPLUGIN STRING {
			if (once(O_PPPDPLUGIN) == 0 && check_path("pppd-plugin",
			    $2, sizeof(P.conf->pppd_plugin)) == 0)
				strlcpy(P.conf->pppd_plugin, $2,
				    sizeof(P.conf->pppd_plugin));
			free($2);
		}
		| STRING {
			yyerror("unknown keyword \"%s\"", $1);
			free($1);
			YYERROR;
		}
		;

tunnel		: tunnelhead tunnelopts_l '}'		{ tunnel_end(); }
		/* `{ server 192.0.2.1 }` on one line reads as expected */
		| tunnelhead tunnelopts_l tunnelopt '}'	{ tunnel_end(); }
		;

tunnelhead	: TUNNEL STRING {
			tunnel_begin($2);
			$2 = NULL;	/* taken: error recovery must not free it */
		} optnl '{'
		;

optnl		: /* empty */
		| optnl '\n'
		;

tunnelopts_l	: /* empty */
		| tunnelopts_l '\n'
		| tunnelopts_l tunnelopt '\n'
		| tunnelopts_l error '\n'	{ yyerrok; }
		;

tunnelopt	: SERVER STRING		{ set_server($2); }
		| USERNAME STRING {
			if (once(O_USERNAME) == 0)
				set_string(P.tun->username,
				    sizeof(P.tun->username), $2, "username", 1);
			free($2);
		}
		| PASSWORDFILE STRING	{ set_password_file($2); }
		| PASSWORD STRING	{ set_password($2); }
		| MPPE mppemode {
			if (once(O_MPPE) == 0)
				P.tun->mppe = $2;
		}
		| ALLOWPAP yesno {
			if (once(O_ALLOWPAP) == 0)
				P.tun->allow_pap = $2;
		}
		| DNS yesno {
			if (once(O_DNS) == 0)
				P.tun->dns = $2;
		}
		| DNSROUTE yesno {
			if (once(O_DNSROUTE) == 0)
				P.tun->dns_route = $2;
		}
		| DATAPATH datapath {
			if (once(O_DATAPATH) == 0)
				P.tun->datapath = $2;
		}
		| ROUTE DEFAULT		{ add_prefix(&P.tun->routes, "route",
					    NULL, 1); }
		| ROUTE STRING		{ add_prefix(&P.tun->routes, "route",
					    $2, 0); }
		| ALLOW DEFAULT {
			yyerror("allow default would let all traffic past the "
			    "kill-switch; use kill-switch no instead");
		}
		| ALLOW STRING		{ add_prefix(&P.tun->allow, "allow",
					    $2, 0); }
		| KILLSWITCH killswitch {
			if (once(O_KILLSWITCH) == 0)
				P.tun->kill_switch = $2;
		}
		| PERSIST persistmode {
			if (once(O_PERSIST) == 0)
				P.tun->persist = $2;
		}
		| RECONNECTMAX number {
			set_number(O_RECONNECTMAX, &P.tun->reconnect_max_s, $2,
			    PC_RECONNECT_MAX_MIN, PC_RECONNECT_MAX_MAX, 1);
		}
		| LCPECHOINTERVAL number {
			set_number(O_LCPECHOINTERVAL,
			    &P.tun->lcp_echo_interval, $2,
			    PC_LCP_ECHO_INTERVAL_MIN, PC_LCP_ECHO_INTERVAL_MAX, 1);
		}
		| LCPECHOFAILURE number {
			set_number(O_LCPECHOFAILURE,
			    &P.tun->lcp_echo_failure, $2,
			    PC_LCP_ECHO_FAILURE_MIN, PC_LCP_ECHO_FAILURE_MAX, 1);
		}
		| FORWARD yesno {
			if (once(O_FORWARD) == 0)
				P.tun->forward = $2;
		}
		| CONNECTTIMEOUT number {
			set_number(O_CONNECTTIMEOUT,
			    &P.tun->connect_timeout_ms, $2,
			    PC_CONNECT_TIMEOUT_MIN, PC_CONNECT_TIMEOUT_MAX, 1000);
		}
		| ECHOINTERVAL number {
			set_number(O_ECHOINTERVAL, &P.tun->echo_interval_ms, $2,
			    PC_ECHO_INTERVAL_MIN, PC_ECHO_INTERVAL_MAX, 1000);
		}
		| ECHOTIMEOUT number {
			set_number(O_ECHOTIMEOUT, &P.tun->echo_timeout_ms, $2,
			    PC_ECHO_TIMEOUT_MIN, PC_ECHO_TIMEOUT_MAX, 1000);
		}
		| REORDERWAIT number {
			set_number(O_REORDERWAIT, &P.tun->reorder_wait_ms, $2,
			    PC_REORDER_WAIT_MIN, PC_REORDER_WAIT_MAX, 1);
		}
		| MTU number {
			set_number(O_MTU, &P.tun->mtu, $2,
			    PC_MTU_MIN, PC_MTU_MAX, 1);
		}
		| PPPDOPTIONS STRING	{ set_pppd_options($2); }
		| STRING {
			yyerror("unknown keyword \"%s\"", $1);
			free($1);
			YYERROR;
		}
		;

yesno		: YES			{ $$ = 1; }
		| NO			{ $$ = 0; }
		| STRING {
			if (($$ = kwvalue($1, "yes or no", YES, 1, NO, 0,
			    0)) == -1)
				YYERROR;
		}
		;

mppemode	: REQUIRED		{ $$ = MPPE_REQUIRED; }
		| OPTIONAL		{ $$ = MPPE_OPTIONAL; }
		| NONE			{ $$ = MPPE_NONE; }
		| STRING {
			if (($$ = kwvalue($1, "required, optional or none",
			    REQUIRED, MPPE_REQUIRED, OPTIONAL, MPPE_OPTIONAL,
			    NONE, MPPE_NONE, 0)) == -1)
				YYERROR;
		}
		;

persistmode	: YES			{ $$ = PERSIST_YES; }
		| NO			{ $$ = PERSIST_NO; }
		| ALWAYS		{ $$ = PERSIST_ALWAYS; }
		| STRING {
			if (($$ = kwvalue($1, "yes, no or always", YES,
			    PERSIST_YES, NO, PERSIST_NO, ALWAYS, PERSIST_ALWAYS,
			    0)) == -1)
				YYERROR;
		}
		;

killswitch	: YES			{ $$ = KS_YES; }
		| NO			{ $$ = KS_NO; }
		| ALWAYS		{ $$ = KS_ALWAYS; }
		| STRING {
			if (($$ = kwvalue($1, "yes, no or always", YES, KS_YES,
			    NO, KS_NO, ALWAYS, KS_ALWAYS, 0)) == -1)
				YYERROR;
		}
		;

fwbackend	: AUTO			{ $$ = FW_AUTO; }
		| NFTABLES		{ $$ = FW_NFTABLES; }
		| IPTABLES		{ $$ = FW_IPTABLES; }
		| NONE			{ $$ = FW_NONE; }
		| STRING {
			if (($$ = kwvalue($1, "auto, nftables, iptables or none",
			    AUTO, FW_AUTO, NFTABLES, FW_NFTABLES, IPTABLES,
			    FW_IPTABLES, NONE, FW_NONE, 0)) == -1)
				YYERROR;
		}
		;

/* `user` is also the global keyword: the lexer gives USER either way */
datapath	: AUTO			{ $$ = DP_AUTO; }
		| KERNEL		{ $$ = DP_KERNEL; }
		| USER			{ $$ = DP_USER; }
		| STRING {
			if (($$ = kwvalue($1, "auto, kernel or user", AUTO,
			    DP_AUTO, KERNEL, DP_KERNEL, USER, DP_USER, 0)) == -1)
				YYERROR;
		}
		;

number		: STRING {
			const char *d;

			for (d = $1; isdigit((unsigned char)*d); d++)
				;
			if (*$1 == '\0' || *d != '\0') {
				yyerror("\"%s\": expected a number", $1);
				free($1);
				YYERROR;
			}
			if (d - $1 > 18) {
				yyerror("%.32s: number too large", $1);
				free($1);
				YYERROR;
			}
			$$ = strtoll($1, NULL, 10);
			free($1);
		}
		;

%%

/* Sorted by name: lookup() uses bsearch. */
static const struct keyword keywords[] = {
	{ "allow",		ALLOW, KW_TUNNEL },
	{ "allow-pap",		ALLOWPAP, KW_TUNNEL },
	{ "always",		ALWAYS, KW_VALUE },
	{ "auto",		AUTO, KW_VALUE },
	{ "connect-timeout",	CONNECTTIMEOUT, KW_TUNNEL },
	{ "control-group",	CONTROLGROUP, KW_GLOBAL },
	{ "control-socket",	CONTROLSOCKET, KW_GLOBAL },
	{ "datapath",		DATAPATH, KW_TUNNEL },
	{ "default",		DEFAULT, KW_VALUE },
	{ "dns",		DNS, KW_TUNNEL },
	{ "dns-route",		DNSROUTE, KW_TUNNEL },
	{ "echo-interval",	ECHOINTERVAL, KW_TUNNEL },
	{ "echo-timeout",	ECHOTIMEOUT, KW_TUNNEL },
	{ "firewall",		FIREWALL, KW_GLOBAL },
	{ "forward",		FORWARD, KW_TUNNEL },
	{ "iptables",		IPTABLES, KW_VALUE },
	{ "kernel",		KERNEL, KW_VALUE },
	{ "kill-switch",	KILLSWITCH, KW_TUNNEL },
	{ "lcp-echo-failure",	LCPECHOFAILURE, KW_TUNNEL },
	{ "lcp-echo-interval",	LCPECHOINTERVAL, KW_TUNNEL },
	{ "mppe",		MPPE, KW_TUNNEL },
	{ "mtu",		MTU, KW_TUNNEL },
	{ "nftables",		NFTABLES, KW_VALUE },
	{ "no",			NO, KW_VALUE },
	{ "none",		NONE, KW_VALUE },
	{ "optional",		OPTIONAL, KW_VALUE },
	{ "password",		PASSWORD, KW_TUNNEL },
	{ "password-file",	PASSWORDFILE, KW_TUNNEL },
	{ "persist",		PERSIST, KW_TUNNEL },
	{ "pppd",		PPPD, KW_GLOBAL },
	{ "pppd-debug",		PPPDDEBUG, KW_GLOBAL },
	{ "pppd-options",	PPPDOPTIONS, KW_TUNNEL },
	{ "pppd-plugin",	PPPDPLUGIN, KW_GLOBAL },
	{ "reconnect-max",	RECONNECTMAX, KW_TUNNEL },
	{ "reorder-wait",	REORDERWAIT, KW_TUNNEL },
	{ "required",		REQUIRED, KW_VALUE },
	{ "route",		ROUTE, KW_TUNNEL },
	{ "server",		SERVER, KW_TUNNEL },
	{ "tunnel",		TUNNEL, KW_GLOBAL },
	{ "user",		USER, KW_GLOBAL },
	{ "username",		USERNAME, KW_TUNNEL },
	{ "yes",		YES, KW_VALUE },
};

static int
kw_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keyword *)e)->name);
}

static const struct keyword *
lookup_kw(const char *s)
{
	return bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
}

static int
lookup(const char *s)
{
	const struct keyword *kw = lookup_kw(s);

	return kw != NULL ? kw->token : STRING;
}

static void
emit(const char *msg)
{
	if (error_handler != NULL)
		error_handler(msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static void
vreport(int lineno, const char *fmt, va_list ap)
{
	char	 msg[512], line[640];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lineno > 0)
		snprintf(line, sizeof(line), "%s:%d: %s", P.name, lineno, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", P.name, msg);
	emit(line);
	P.errors++;
}

/* At a given line (0: the file as a whole). */
static void
config_error(int lineno, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreport(lineno, fmt, ap);
	va_end(ap);
}

/* At the current line; also bison's "syntax error". */
static void
yyerror(const char *fmt, ...)
{
	va_list	 ap;

	if (strcmp(fmt, "syntax error") == 0) {
		if (P.lexerr) {
			P.lexerr = 0;
			return;
		}
		/* the commonest slip: an option in the wrong place */
		if (P.lastkw && P.lastkw->scope == KW_TUNNEL && P.tun == NULL)
			config_error(P.lineno, "%s is only allowed inside a "
			    "tunnel block", P.lastkw->name);
		else if (P.lastkw && P.lastkw->scope == KW_GLOBAL &&
		    P.tun != NULL)
			config_error(P.lineno, "%s is not allowed inside a "
			    "tunnel block", P.lastkw->name);
		else
			config_error(P.lineno, "syntax error %s", P.tokdesc);
		return;
	}
	va_start(ap, fmt);
	vreport(P.lineno, fmt, ap);
	va_end(ap);
}

void
config_set_error_handler(void (*fn)(const char *))
{
	error_handler = fn;
}

/* ---- lexer ------------------------------------------------------------ */

static int
lgetc(void)
{
	int	 c;

	c = getc(P.fp);
	if (c == EOF)
		return EOF;
	if (P.nl_pending) {
		P.lineno++;
		P.nl_pending = 0;
	}
	if (c == '\n')
		P.nl_pending = 1;
	return c;
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (c == '\n')
		P.nl_pending = 0;
	ungetc(c, P.fp);
}

static int
is_word_char(int c)
{
	return isalnum(c) || (c != EOF && strchr("-_./:@+%~", c) != NULL);
}

/* Skips to the end of the line; the '\n' stays for error recovery. */
static void
skip_line(void)
{
	int	 c;

	while ((c = lgetc()) != EOF && c != '\n')
		;
	lungetc(c);
}

static void
describe(const char *s)
{
	if (strlen(s) > 32)
		snprintf(P.tokdesc, sizeof(P.tokdesc), "near \"%.32s...\"", s);
	else
		snprintf(P.tokdesc, sizeof(P.tokdesc), "near \"%s\"", s);
}

/* Either quote; a backslash escapes the same quote or a backslash. */
static int
lex_quoted(int quotec)
{
	size_t	 n = 0;
	int	 c, next;

	for (;;) {
		c = lgetc();
		if (c == EOF || c == '\n') {
			lungetc(c);
			yyerror("unterminated string");
			P.lexerr = 1;
			return LEXERR;
		}
		if (c == quotec)
			break;
		if (c == '\\') {
			next = lgetc();
			if (next == '\n')
				continue;	/* continuation line */
			if (next == quotec || next == '\\')
				c = next;
			else
				lungetc(next);	/* DOMAIN\user as written */
		}
		if (c == '\0' || (iscntrl(c) && c != '\t')) {
			skip_line();
			yyerror("control character in string");
			P.lexerr = 1;
			return LEXERR;
		}
		if (n >= sizeof(P.buf) - 1) {
			/* eat the rest, so the next line parses */
			while ((c = lgetc()) != EOF && c != '\n' && c != quotec)
				;
			if (c != quotec)
				lungetc(c);
			yyerror("string too long");
			P.lexerr = 1;
			return LEXERR;
		}
		P.buf[n++] = c;
	}
	P.buf[n] = '\0';
	describe(P.buf);
	if ((yylval.v.string = strdup(P.buf)) == NULL) {
		yyerror("out of memory");
		P.lexerr = 1;
		return LEXERR;
	}
	return STRING;
}

static int
lex_word(int c)
{
	size_t	 n = 0;

	do {
		if (n >= sizeof(P.buf) - 1) {
			while (is_word_char(c = lgetc()))
				;
			lungetc(c);
			yyerror("word too long");
			P.lexerr = 1;
			return LEXERR;
		}
		P.buf[n++] = c;
	} while (is_word_char(c = lgetc()));
	lungetc(c);
	P.buf[n] = '\0';
	describe(P.buf);
	if ((P.lastkw = lookup_kw(P.buf)) != NULL)
		return P.lastkw->token;
	if ((yylval.v.string = strdup(P.buf)) == NULL) {
		yyerror("out of memory");
		P.lexerr = 1;
		return LEXERR;
	}
	return STRING;
}

int
yylex(void)
{
	int	 c;

	P.lexerr = 0;
	P.lastkw = NULL;
	do {
		c = lgetc();
		if (c == '#')
			while ((c = lgetc()) != '\n' && c != EOF)
				;
		if (c == '\\') {	/* line continuation outside quotes */
			int next = lgetc();

			if (next == '\n')
				c = ' ';
			else
				lungetc(next);
		}
	} while (c == ' ' || c == '\t' || c == '\r');

	if (c == EOF) {
		/* a last line without '\n' still ends its statement */
		if (!P.last_was_nl) {
			P.last_was_nl = 1;
			strlcpy(P.tokdesc, "at end of file", sizeof(P.tokdesc));
			return '\n';
		}
		strlcpy(P.tokdesc, "at end of file", sizeof(P.tokdesc));
		return 0;
	}
	P.last_was_nl = (c == '\n');
	if (c == '\n') {
		strlcpy(P.tokdesc, "at end of line", sizeof(P.tokdesc));
		return '\n';
	}
	if (c == '"' || c == '\'')
		return lex_quoted(c);
	if (is_word_char(c))
		return lex_word(c);
	if (isprint(c))
		snprintf(P.tokdesc, sizeof(P.tokdesc), "near \"%c\"", c);
	else
		snprintf(P.tokdesc, sizeof(P.tokdesc), "near byte 0x%02x", c);
	return c;
}

/* ---- semantic helpers ------------------------------------------------- */

/*
 * A quoted word where a keyword value is expected: `firewall "none"` means
 * `firewall none`. The variadic part is (token, value) pairs ended by 0;
 * returns the value, or -1 after an error naming what was expected.
 */
static int
kwvalue(char *s, const char *expected, ...)
{
	va_list	 ap;
	int	 tok, want, val, rv = -1;

	tok = lookup(s);
	va_start(ap, expected);
	while ((want = va_arg(ap, int)) != 0) {
		val = va_arg(ap, int);
		if (want == tok) {
			rv = val;
			break;
		}
	}
	va_end(ap);
	if (rv == -1)
		yyerror("\"%s\": expected %s", s, expected);
	free(s);
	return rv;
}

static void
free_string(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Marks an option as given; -1 (and an error) if it was given before. */
static int
once(enum opt o)
{
	int	*seen = o >= O_USER ? P.global_seen : P.seen_line;

	if (seen[o] != 0) {
		yyerror("duplicate %s (first at line %d)", opt_names[o],
		    seen[o]);
		return -1;
	}
	seen[o] = P.lineno;
	return 0;
}

static int
set_string(char *dst, size_t dstsz, char *s, const char *what, int nonempty)
{
	size_t	 len = strlen(s);

	if (nonempty && len == 0) {
		yyerror("%s must not be empty", what);
		return -1;
	}
	if (len >= dstsz) {
		yyerror("%s too long (%zu characters, at most %zu)", what, len,
		    dstsz - 1);
		return -1;
	}
	if (check_printable(what, s) == -1)
		return -1;
	strlcpy(dst, s, dstsz);
	return 0;
}

static void
tunnel_begin(char *name)
{
	struct tunnel_conf	*t, *o;
	int			 ok;

	ok = check_name("tunnel name", name, TUNNEL_NAME_MAX) == 0;
	/* the grammar's actions rely on P.tun, so there is no going on */
	if ((t = calloc(1, sizeof(*t))) == NULL)
		err(1, "%s", __func__);
	if (ok) {
		TAILQ_FOREACH(o, &P.conf->tunnels, entry)
			if (strcmp(o->name, name) == 0) {
				yyerror("duplicate tunnel \"%s\" (first at "
				    "line %d)", name, o->lineno);
				break;
			}
	}
	/* a bad name is kept, shortened, only to label later messages */
	strlcpy(t->name, name, sizeof(t->name));
	free(name);
	t->lineno = P.lineno;
	TAILQ_INIT(&t->routes);
	TAILQ_INIT(&t->allow);
	t->mppe = MPPE_REQUIRED;
	t->kill_switch = KS_NO;
	t->connect_timeout_ms = PC_CONNECT_TIMEOUT_DEF * 1000;
	t->echo_interval_ms = PC_ECHO_INTERVAL_DEF * 1000;
	t->echo_timeout_ms = PC_ECHO_TIMEOUT_DEF * 1000;
	t->reorder_wait_ms = PC_REORDER_WAIT_DEF;
	t->mtu = PC_MTU_DEF;
	t->reconnect_max_s = PC_RECONNECT_MAX_DEF;
	t->lcp_echo_interval = PC_LCP_ECHO_INTERVAL_DEF;
	t->lcp_echo_failure = PC_LCP_ECHO_FAILURE_DEF;
	TAILQ_INSERT_TAIL(&P.conf->tunnels, t, entry);
	P.conf->ntunnels++;
	P.tun = t;
	memset(P.seen_line, 0, sizeof(P.seen_line));
}

static void
tunnel_end(void)
{
	struct tunnel_conf	*t = P.tun;

	if (t == NULL)
		return;
	if (!P.seen_line[O_SERVER])
		config_error(t->lineno, "tunnel \"%s\": no server", t->name);
	if (!P.seen_line[O_USERNAME])
		config_error(t->lineno, "tunnel \"%s\": no username", t->name);
	if (!P.seen_line[O_PASSWORDFILE] && !P.seen_line[O_PASSWORD])
		config_error(t->lineno, "tunnel \"%s\": no password-file or "
		    "password", t->name);
	if (t->dns_route && !t->dns)
		config_error(P.seen_line[O_DNSROUTE], "tunnel \"%s\": "
		    "dns-route needs dns yes: it routes the queries to the "
		    "servers dns takes from the peer", t->name);
	if (t->allow_pap && t->mppe == MPPE_REQUIRED)
		config_error(P.seen_line[O_ALLOWPAP], "tunnel \"%s\": "
		    "allow-pap needs mppe optional or none: MPPE keys come "
		    "only from MS-CHAP", t->name);
	if (!TAILQ_EMPTY(&t->allow) && t->kill_switch == KS_NO)
		config_error(P.seen_line[O_KILLSWITCH] ?
		    P.seen_line[O_KILLSWITCH] : t->lineno, "tunnel \"%s\": "
		    "allow needs kill-switch yes or always", t->name);
	P.tun = NULL;
}

static void
set_server(char *s)
{
	char err[PC_ERR_TEXT];

	if (once(O_SERVER) == 0) {
		if (config_check_server(s, err, sizeof(err)) == -1)
			yyerror("%s", err);
		else
			strlcpy(P.tun->server, s, sizeof(P.tun->server));
	}
	free(s);
}

static void
set_password_file(char *s)
{
	char err[PC_ERR_TEXT];

	if (once(O_PASSWORDFILE) == -1)
		goto done;
	if (P.seen_line[O_PASSWORD]) {
		yyerror("password and password-file are mutually exclusive");
		goto done;
	}
	if (*s == '\0' || strlen(s) >= sizeof(P.tun->password_file)) {
		yyerror("password-file: bad path");
		goto done;
	}
	if (check_printable("password-file", s) == -1)
		goto done;
	strlcpy(P.tun->password_file, s, sizeof(P.tun->password_file));
	if (config_read_password(s, P.tun->password, sizeof(P.tun->password),
	    !(P.flags & PARSE_NO_PERMS), err, sizeof(err)) == 0)
		P.tun->has_password = 1;
	else
		yyerror("%s", err);
done:
	free(s);
}

static void
set_password(char *s)
{
	if (once(O_PASSWORD) == -1)
		goto done;
	if (P.seen_line[O_PASSWORDFILE]) {
		yyerror("password and password-file are mutually exclusive");
		goto done;
	}
	P.has_inline_password = 1;
	if (set_string(P.tun->password, sizeof(P.tun->password), s,
	    "password", 1) == 0) {
		P.tun->has_password = 1;
		P.tun->password_inline = 1;
	}
done:
	free_string(s);
}

static void
add_prefix(struct route_head *head, const char *what, char *s, int dflt)
{
	struct route_conf	*r, *o;
	struct prefix4		 p = { .len = 0 };
	char			 err[PC_ERR_TEXT];

	if (!dflt && strcmp(s, "default") == 0)
		dflt = 1;
	if (!dflt && config_parse_prefix(s, &p, what, err, sizeof(err)) == -1) {
		yyerror("%s", err);
		goto done;
	}
	if (p.len == 0) {
		if (head == &P.tun->allow) {
			yyerror("allow %s would let all traffic past the "
			    "kill-switch; use kill-switch no instead", s);
			goto done;
		}
		dflt = 1;
	}
	TAILQ_FOREACH(o, head, entry)
		if (o->pfx.len == p.len && o->pfx.addr.s_addr == p.addr.s_addr) {
			yyerror("duplicate %s %s", what, dflt ? "default" : s);
			goto done;
		}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		yyerror("out of memory");
		goto done;
	}
	r->is_default = dflt;
	r->pfx = p;
	TAILQ_INSERT_TAIL(head, r, entry);
done:
	free(s);
}

static void
set_number(enum opt o, uint32_t *dst, int64_t v, int64_t min, int64_t max,
    uint32_t scale)
{
	if (once(o) == -1)
		return;
	if (v < min || v > max) {
		yyerror("%s %lld: out of range (%lld..%lld)", opt_names[o],
		    (long long)v, (long long)min, (long long)max);
		return;
	}
	*dst = (uint32_t)v * scale;
}

static void
set_pppd_options(char *s)
{
	if (once(O_PPPDOPTIONS) == 0)
		set_string(P.tun->pppd_options, sizeof(P.tun->pppd_options), s,
		    "pppd-options", 0);
	free(s);
}

/* ---- public ----------------------------------------------------------- */

/* Anyone who can write the config can make root run any pppd. */
static void
check_config_perms(void)
{
	mode_t	 mode = P.st.st_mode & 07777;

	if (P.st.st_uid != 0 || (mode & (S_IWGRP | S_IWOTH)) != 0)
		config_error(0, "config file must be owned by root and not "
		    "writable by group or others (mode %04o)", (unsigned)mode);
}

struct pcconf *
parse_config(const char *file, int flags)
{
	struct pcconf	*conf;
	int		 fd;

	memset(&P, 0, sizeof(P));
	P.name = file;
	P.flags = flags;
	P.lineno = 1;
	P.last_was_nl = 1;
	if ((conf = config_new()) == NULL) {
		config_error(0, "out of memory");
		return NULL;
	}
	P.conf = conf;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (P.fp = fdopen(fd, "r")) == NULL) {
		config_error(0, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		config_free(conf);
		return NULL;
	}
	if (fstat(fileno(P.fp), &P.st) == -1) {
		config_error(0, "%s", strerror(errno));
		goto fail;
	}
	if (!(flags & PARSE_NO_PERMS))
		check_config_perms();

	yyparse();

	if (P.has_inline_password && !(flags & PARSE_NO_PERMS) &&
	    (P.st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		config_error(0, "config file holds a password and must not be "
		    "readable by group or others (mode %04o)",
		    (unsigned)(P.st.st_mode & 07777));
fail:
	fclose(P.fp);
	explicit_bzero(P.buf, sizeof(P.buf));
	if (P.errors) {
		config_free(conf);
		conf = NULL;
	}
	memset(&P, 0, sizeof(P));
	return conf;
}
