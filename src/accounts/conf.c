/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf.c: see conf.h.
 *
 * inih parses, but it has silent habits: lines of ini_max_line bytes or more
 * are split (the tail parsed as a new line), section names are cut at 49
 * bytes, duplicates pass.  So inih reads through our reader (read_line), which
 * sees every physical line first: it counts lines (the handler's line number
 * in Debian's build is not in the header's prototype, so we do not use it),
 * refuses a line that does not fit inih's buffer, and handles [section] lines
 * itself with their whole name.  The handler (on_key) then only sees keys. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "conf.h"
#include "escape.h"
#include "i18n.h"
#include "mailname.h"
#include "pattern.h"
#include "trusted.h"
#include "xalloc.h"

#ifndef SYSCONF_ACCOUNTS  /* Makefile.am: $(sysconfdir)/sendas/accounts.ini */
#define SYSCONF_ACCOUNTS "/etc/sendas/accounts.ini"
#endif

#define PORT_DEFAULT "587"
#define PORT_IMPLICIT "465"
#define PORT_MAX 65535
#define BOM "\xEF\xBB\xBF"
#define FINGERPRINT_DIGITS 64

struct parser;

/* Where a key's value lives in struct account, for inheritance. */
enum field { F_STR, F_TLS, F_INT };

#define KEY_ACCOUNT_ONLY 1u       /* refused in [defaults] */
#define KEY_PASSWORD_SOURCE 2u    /* one of password, password_file, password_command */

struct key {
	const char *name;
	size_t offset;
	enum field field;
	int (*set)(struct parser *p, void *field, const char *value);
	unsigned flags;
};

static int set_string(struct parser *p, void *field, const char *value);
static int set_path(struct parser *p, void *field, const char *value);
static int set_password(struct parser *p, void *field, const char *value);
static int set_host(struct parser *p, void *field, const char *value);
static int set_tls(struct parser *p, void *field, const char *value);
static int set_port(struct parser *p, void *field, const char *value);
static int set_timeout(struct parser *p, void *field, const char *value);
static int set_command_timeout(struct parser *p, void *field, const char *value);
static int set_final_reply_timeout(struct parser *p, void *field, const char *value);
static int set_session_deadline(struct parser *p, void *field, const char *value);
static int set_fingerprint(struct parser *p, void *field, const char *value);
static int set_patterns(struct parser *p, void *field, const char *value);
static int set_syslog(struct parser *p, void *field, const char *value);
static int set_auth(struct parser *p, void *field, const char *value);
static int set_domain(struct parser *p, void *field, const char *value);
static char *expand_percent(struct parser *p, const char *value, int user);
static int set_boolean(struct parser *p, void *field, const char *value);
static int set_queued_exit(struct parser *p, void *field, const char *value);
static int set_count(struct parser *p, void *field, const char *value);
static int set_size(struct parser *p, void *field, const char *value);
static int set_connections(struct parser *p, void *field, const char *value);
static int set_queue_dir(struct parser *p, void *field, const char *value);
static int set_queue(struct parser *p, void *field, const char *value);
static int set_queue_lifetime(struct parser *p, void *field, const char *value);
static int set_users(struct parser *p, void *field, const char *value);

#define KEY(name, set, field, flags) { #name, offsetof(struct account, name), field, set, flags }

static const struct key keys[] = {
	KEY(host, set_host, F_STR, 0),
	KEY(port, set_port, F_STR, 0),
	KEY(tls, set_tls, F_TLS, 0),
	KEY(tls_trust_file, set_path, F_STR, 0),
	KEY(tls_fingerprint, set_fingerprint, F_STR, 0),
	KEY(tls_cert_file, set_path, F_STR, 0),
	KEY(tls_key_file, set_path, F_STR, 0),
	KEY(tls_priority, set_string, F_STR, 0),
	KEY(user, set_string, F_STR, 0),
	KEY(password, set_password, F_STR, KEY_PASSWORD_SOURCE),
	KEY(password_file, set_path, F_STR, KEY_PASSWORD_SOURCE),
	KEY(password_command, set_string, F_STR, KEY_PASSWORD_SOURCE),
	KEY(oauth_token_command, set_string, F_STR, 0),
	KEY(password_command_timeout, set_command_timeout, F_INT, 0),
	KEY(auth, set_auth, F_STR, 0),
	KEY(from, set_patterns, F_STR, KEY_ACCOUNT_ONLY),
	KEY(rewrite_from, set_patterns, F_STR, KEY_ACCOUNT_ONLY),
	KEY(domain, set_domain, F_STR, 0),
	KEY(timeout, set_timeout, F_INT, 0),
	KEY(final_reply_timeout, set_final_reply_timeout, F_INT, 0),
	KEY(session_deadline, set_session_deadline, F_INT, 0),
	KEY(queue_dir, set_queue_dir, F_STR, 0),
	KEY(queue, set_queue, F_STR, 0),
	KEY(queue_lifetime, set_queue_lifetime, F_STR, 0),
	KEY(queue_connections, set_connections, F_INT, 0),
	KEY(syslog, set_syslog, F_STR, 0),
	KEY(logfile, set_path, F_STR, 0),
	KEY(aliases, set_path, F_STR, 0),
	KEY(local_senders, set_boolean, F_INT, KEY_ACCOUNT_ONLY),
	KEY(queued_exit, set_queued_exit, F_INT, 0),
	KEY(messages_per_hour, set_count, F_INT, 0),
	KEY(messages_per_day, set_count, F_INT, 0),
	KEY(max_recipients, set_count, F_INT, 0),
	KEY(max_size, set_size, F_INT, 0),
	KEY(allow_users, set_users, F_STR, 0),
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* The line each key was set on in one section (or, after inheritance,
 * in the account it came from); 0 when not set. */
struct key_lines {
	int line[NKEYS];
	size_t parent;            /* [account NAME : PARENT]: PARENT's index + 1; 0: none */
};

struct parser {
	struct conf *conf;
	const char *path;
	FILE *fp;
	int lineno;               /* of the line read_line() returned last */
	struct account defaults;
	struct key_lines defaults_keys;
	int defaults_line;        /* 0: no [defaults] */
	struct key_lines *keys;   /* parallel to conf->accounts */
	enum { IN_NOTHING, IN_DEFAULTS, IN_ACCOUNT } in;
	int password_line;        /* the first password, for the permission check */
	void (*warn)(void *ctx, const char *text);
	void *ctx;
	struct error *err;
	int error_line;           /* the line of our first error, or -1 without one; 0: none */
	int comment_cut;          /* a line whose value " ;" cut short (inih's inline comment) */
	int warnings;             /* how many warnings were given */
};

/* ---- errors ---- */

/* "FILE:LINE: text", as CAT_CONFIG; returns -1. */
static int fail_at(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (!p->error_line) {
		va_start(ap, fmt);
		error_vset(p->err, CAT_CONFIG, fmt, ap);
		va_end(ap);
		error_prefix(p->err, "%s:%d", p->path, line);
		p->error_line = line;
	}
	return -1;
}

/* ---- small helpers ---- */

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f' || *s == '\v')
		s++;
	return s;
}

static char *trimmed(const char *s, size_t n)
{
	const char *start = skip_space(s);

	n -= (size_t)(start - s);
	while (n && strchr(" \t\r\n\f\v", start[n - 1]))
		n--;
	return xstrndup(start, n);
}

static struct account *current(struct parser *p)
{
	return p->in == IN_DEFAULTS ? &p->defaults : &p->conf->accounts[p->conf->naccounts - 1];
}

static struct key_lines *current_keys(struct parser *p)
{
	return p->in == IN_DEFAULTS ? &p->defaults_keys : &p->keys[p->conf->naccounts - 1];
}

/* ---- sections ---- */

static int valid_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static int check_name(struct parser *p, const char *name)
{
	const char *s;

	if (!*name)
		return fail_at(p, p->lineno, N_("[account] needs a name: [account NAME]"));
	if (strlen(name) > CONF_NAME_MAX)
		return fail_at(p, p->lineno, N_("the account name \"%s\" is longer than %d bytes"),
			       name, CONF_NAME_MAX);
	for (s = name; *s; s++)
		if (!valid_name_char(*s))
			return fail_at(p, p->lineno, N_("the account name \"%s\" may hold only letters, "
						       "digits, \"-\", \"_\" and \".\""), name);
	return 0;
}

static int begin_defaults(struct parser *p)
{
	if (p->defaults_line)
		return fail_at(p, p->lineno, N_("[defaults] appears twice (first on line %d); merge "
					       "the two"), p->defaults_line);
	if (p->conf->naccounts)
		return fail_at(p, p->lineno, N_("[defaults] must come before the first [account] "
					       "section (line %d); move it up"),
			       p->conf->accounts[0].line);
	p->defaults_line = p->lineno;
	p->in = IN_DEFAULTS;
	return 0;
}

static int begin_account(struct parser *p, const char *name)
{
	struct conf *c = p->conf;
	size_t i;

	if (check_name(p, name) < 0)
		return -1;
	for (i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i].name, name) == 0)
			return fail_at(p, p->lineno, N_("[account %s] appears twice (first on line %d); "
						       "merge the two or rename one"),
				       name, c->accounts[i].line);
	c->accounts = xrealloc(c->accounts, (c->naccounts + 1) * sizeof *c->accounts);
	p->keys = xrealloc(p->keys, (c->naccounts + 1) * sizeof *p->keys);
	memset(&c->accounts[c->naccounts], 0, sizeof *c->accounts);
	memset(&p->keys[c->naccounts], 0, sizeof *p->keys);
	c->accounts[c->naccounts].name = xstrdup(name);
	c->accounts[c->naccounts].line = p->lineno;
	c->naccounts++;
	p->in = IN_ACCOUNT;
	return 0;
}

/* "NAME : PARENT": the account takes every key of PARENT (an account
 * above) that it does not set, except from and rewrite_from, which belong
 * to one account each. */
static int set_parent(struct parser *p, const char *parent)
{
	size_t i, self = p->conf->naccounts - 1;

	if (!*parent || strchr(parent, ','))
		return fail_at(p, p->lineno, N_("after \":\" comes the name of one account above: "
					       "[account NAME : PARENT]"));
	for (i = 0; i < self; i++)
		if (strcmp(p->conf->accounts[i].name, parent) == 0) {
			p->keys[self].parent = i + 1;
			return 0;
		}
	return fail_at(p, p->lineno, N_("[account %s] inherits from \"%s\", which is not an "
				       "account above it"), p->conf->accounts[self].name, parent);
}

static int account_header(struct parser *p, const char *text)
{
	const char *colon = strchr(text, ':');
	char *name, *parent;
	int r;

	if (!colon)
		return begin_account(p, text);
	name = trimmed(text, (size_t)(colon - text));
	parent = trimmed(colon + 1, strlen(colon + 1));
	r = begin_account(p, name);
	if (r == 0)
		r = set_parent(p, parent);
	free(name);
	free(parent);
	return r;
}

/* The text between the brackets, whole (inih keeps only 49 bytes). */
static int begin_section(struct parser *p, const char *text, size_t n)
{
	char *s = trimmed(text, n);
	size_t word = strcspn(s, " \t");
	int r;

	if (strcasecmp(s, "defaults") == 0)
		r = begin_defaults(p);
	else if (word == 7 && strncasecmp(s, "account", 7) == 0)
		r = account_header(p, skip_space(s + 7));
	else
		r = fail_at(p, p->lineno, N_("unknown section [%s]; the sections are [defaults] and "
					    "[account NAME]"), s);
	free(s);
	return r;
}

/* Like inih: "]" ends the name, but a ";" after white space starts a
 * comment first. */
static const char *closing_bracket(const char *s)
{
	int was_space = 0;

	for (; *s && *s != ']'; s++) {
		if (was_space && *s == ';')
			return NULL;
		was_space = *s == ' ' || *s == '\t';
	}
	return *s ? s : NULL;
}

/* A [section] line (inih would see the same: comments first, then "["). */
static int section_line(struct parser *p, const char *line)
{
	const char *s = line, *close, *rest;

	if (p->lineno == 1 && strncmp(s, BOM, 3) == 0)
		s += 3;
	s = skip_space(s);
	if (*s != '[')
		return 0;
	if (!(close = closing_bracket(s + 1)))
		return fail_at(p, p->lineno, N_("\"[\" without a closing \"]\""));
	rest = skip_space(close + 1);
	if (*rest && *rest != ';' && *rest != '#')
		return fail_at(p, p->lineno, N_("unexpected text after \"]\"; a comment there starts with "
					    "\";\""));
	return begin_section(p, s + 1, (size_t)(close - s - 1));
}

/* ---- the reader ---- */

/* Copy one physical line into str, as fgets would.  1 done, 0 at EOF. */
static int copy_line(struct parser *p, char *str, size_t size, size_t *len, int *nul)
{
	int c = 0;

	*len = 0;
	*nul = 0;
	while (*len + 1 < size && (c = getc(p->fp)) != EOF) {
		str[(*len)++] = (char)c;
		*nul |= c == '\0';
		if (c == '\n')
			break;
	}
	str[*len] = '\0';
	/* Full without a newline: the line is too long unless the file ends here. */
	if (*len + 1 == size && c != '\n' && (c = getc(p->fp)) != EOF)
		*len = size;
	return *len > 0;
}

/* Whether inih will cut this "key = value" line at a " ;" (white space,
 * then ";") in its value: for a password that is a silent truncation. */
static int value_has_comment(const char *line)
{
	const char *s = line + strcspn(line, "=:");

	for (; *s; s++)
		if ((*s == ' ' || *s == '\t') && s[1] == ';')
			return 1;
	return 0;
}

/* inih's reader: one physical line per call, so our line count is inih's.
 * inih's buffer has num bytes, room for num - 3 bytes of text plus "\r\n"
 * and the NUL: a longer line is refused, not split.  The buffer is wiped on
 * the last call (it held passwords). */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	size_t max = num > 3 ? (size_t)num - 3 : 0, len, text;
	int nul;

	if (p->error_line || !copy_line(p, str, (size_t)num, &len, &nul))
		goto stop;
	p->lineno++;
	text = len;
	if (text && str[text - 1] == '\n')
		text--;
	if (text && str[text - 1] == '\r')
		text--;
	if (len > (size_t)num - 1 || text > max) {
		fail_at(p, p->lineno, N_("the line is longer than %zu bytes; put long secrets in "
					"password_file or behind password_command"), max);
		goto stop;
	}
	if (nul) {
		fail_at(p, p->lineno, N_("the line holds a NUL byte; is this a text file?"));
		goto stop;
	}
	if (section_line(p, str) < 0)
		goto stop;
	p->comment_cut = value_has_comment(str) ? p->lineno : 0;
	return str;
stop:
	wipe(str, (size_t)num);
	return NULL;
}

/* ---- keys ---- */

static const struct key *key_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcasecmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Levenshtein distance, case-insensitive, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(b), i, j, prev, diag, row[64];

	if (n >= sizeof row / sizeof row[0])
		return (size_t)-1;
	for (j = 0; j <= n; j++)
		row[j] = j;
	for (i = 1; a[i - 1]; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= n; j++) {
			prev = row[j];
			row[j] = diag + (strncasecmp(&a[i - 1], &b[j - 1], 1) != 0);
			if (row[j] > prev + 1)
				row[j] = prev + 1;
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			diag = prev;
		}
	}
	return row[n];
}

/* A suggestion only when the name is a likely typo of a known key: within
 * CONF_SUGGEST_DISTANCE edits ("session_deadline" is not "password_file"). */
static void warn_unknown(struct parser *p, const char *name)
{
	size_t i, best = 0, d, bestd = (size_t)-1;
	size_t near = CONF_SUGGEST_DISTANCE + (strlen(name) >= CONF_SUGGEST_LONG);
	char *text, *shown;

	if (!p->warn)
		return;
	for (i = 0; i < NKEYS; i++) {
		d = distance(name, keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	shown = escape_dup(name);
	if (bestd <= near)
		text = xasprintf(_("%s:%d: unknown key \"%s\" ignored; did you mean \"%s\"?"),
				 p->path, p->lineno, shown, keys[best].name);
	else
		text = xasprintf(_("%s:%d: unknown key \"%s\" ignored; sendas-accounts(5) lists "
				   "the keys"), p->path, p->lineno, shown);
	p->warn(p->ctx, text);
	free(shown);
	free(text);
	p->warnings++;
}

/* msmtp's rule for quotes: one pair enclosing the whole value goes; there
 * are no escapes (msmtp has none), so "a\"b" keeps its backslash.  A new
 * string. */
static char *unquote(const char *value)
{
	size_t n = strlen(value);

	if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
		return xstrndup(value + 1, n - 2);
	return xstrdup(value);
}

static void warn_comment_cut(struct parser *p)
{
	char *text;

	if (!p->warn)
		return;
	text = xasprintf(_("%s:%d: the password is cut at \" ;\", which starts a comment; "
			   "put the password in a file and name it with password_file"),
			 p->path, p->lineno);
	p->warn(p->ctx, text);
	free(text);
}

static int handle_key(struct parser *p, const char *name, const char *value)
{
	const struct key *k;
	struct key_lines *lines;
	char *unquoted;
	int r;

	if (p->in == IN_NOTHING)
		return fail_at(p, p->lineno, N_("\"%s\" is outside any section; put it under "
					       "[defaults] or [account NAME]"), name);
	if (!*name)
		return fail_at(p, p->lineno, N_("a value without a key"));
	if (!(k = key_find(name))) {
		warn_unknown(p, name);
		return 0;
	}
	if (p->in == IN_DEFAULTS && (k->flags & KEY_ACCOUNT_ONLY))
		return fail_at(p, p->lineno, N_("%s belongs in an [account] section, not in "
					       "[defaults]: each account sends for its own "
					       "addresses"), k->name);
	lines = current_keys(p);
	if (lines->line[k - keys])
		return fail_at(p, p->lineno, N_("%s is set twice in this section (first on line "
					       "%d); keep one"), k->name, lines->line[k - keys]);
	lines->line[k - keys] = p->lineno;
	if (!*value)
		return 0;       /* set to nothing: built-in default, nothing inherited */
	if (k->set == set_password && p->comment_cut == p->lineno)
		warn_comment_cut(p);
	unquoted = unquote(value);
	r = k->set(p, (char *)current(p) + k->offset, unquoted);
	free_secret(unquoted);
	return r;
}

/* inih's handler: non-zero means success. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;

	(void)section;          /* cut at 49 bytes by inih: read_line() keeps the whole name */
	return !p->error_line && handle_key(p, name, value) == 0;
}

/* ---- values ---- */

static int set_string(struct parser *p, void *field, const char *value)
{
	(void)p;
	*(char **)field = xstrdup(value);
	return 0;
}

static int set_path(struct parser *p, void *field, const char *value)
{
	char arg[ERROR_ARG_MAX];
	struct error e;

	if (!(*(char **)field = conf_expand_path(value, &e)))
		return fail_at(p, p->lineno, "%s", error_arg(&e, arg));
	return 0;
}

static int set_password(struct parser *p, void *field, const char *value)
{
	if (!p->password_line)
		p->password_line = p->lineno;
	return set_string(p, field, value);
}

static int bracketed_ipv6(const char *host, size_t n)
{
	unsigned char addr[16];
	char inner[INET6_ADDRSTRLEN];

	if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof inner)
		return 0;
	memcpy(inner, host + 1, n - 2);
	inner[n - 2] = '\0';
	return inet_pton(AF_INET6, inner, addr) == 1;
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* What is wrong with a host (a msgid), or NULL: it reaches getaddrinfo(),
 * GnuTLS and messages, so anything else (white space, "-oProxyCommand=x",
 * 300-byte names, a bare IPv6 address) is refused here. */
static const char *host_problem(const char *host, char **alabel)
{
	unsigned char addr[4];
	size_t n = strlen(host);
	struct error e;
	char *name;

	*alabel = NULL;
	if (host[0] == '[')
		return bracketed_ipv6(host, n) ? NULL : N_("not an IPv6 address in brackets, "
							 "as in [2001:db8::1]");
	if (strchr(host, ':'))
		return N_("an IPv6 address goes in brackets, as in [2001:db8::1]");
	if (n > CONF_HOST_MAX + 1 || (n == CONF_HOST_MAX + 1 && host[n - 1] != '.'))
		return N_("a host name has at most 253 bytes");
	if (strspn(host, "0123456789.") == n)
		return inet_pton(AF_INET, host, addr) == 1 ? NULL : N_("not an IPv4 address");
	name = xstrndup(host, n && host[n - 1] == '.' ? n - 1 : n);   /* the root dot */
	*alabel = address_domain_alabel(name, &e);
	free(name);
	return *alabel ? NULL : N_("a host name has letters, digits and inner hyphens, in "
				  "dot-separated labels of at most 63 bytes");
}

/* One host of the list into list (A-label when it has non-ASCII
 * letters: GnuTLS checks and sends the A-label), or the error. */
static int add_host(struct parser *p, struct buf *list, const char *s, size_t n, size_t i)
{
	char word[ERROR_WORD_MAX];
	char *one = xstrndup(s, n), *alabel, *shown;
	const char *why = host_problem(one, &alabel);
	int r = 0;

	if (!why) {
		buf_printf_trunc(list, "%s%s", i ? "," : "", alabel && !ascii(one) ? alabel : one);
	} else {
		shown = escape_dup(one);
		r = fail_at(p, p->lineno, N_("host = \"%s\" is not a host name, an IPv4 address or "
					    "an IPv6 address in brackets: %s"), shown,
			   error_word(why, word));
		free(shown);
	}
	free(alabel);
	free(one);
	return r;
}

/* One host, or several separated by commas (failover, tried in order:
 * session.h), kept as "a,b,c"; finish_account() splits off the first.
 * White space around a comma is fine; inside a host it is an error (a
 * typo must not become a list). */
static int set_host(struct parser *p, void *field, const char *value)
{
	static const char blanks[] = " \t";
	const char *s = value;
	struct buf list;
	size_t n, count = 0;
	int r = 0;

	buf_init(&list, CONF_LINE_MAX);
	while (r == 0 && *(s += strspn(s, ",")) ) {
		s += strspn(s, blanks);
		n = strcspn(s, ",");
		while (n && strchr(blanks, s[n - 1]))
			n--;
		if (n)
			r = add_host(p, &list, s, n, count++);
		s += strcspn(s, ",");
	}
	if (r == 0 && count > CONF_HOSTS_MAX)
		r = fail_at(p, p->lineno, N_("host lists %zu servers; at most %d are tried"),
			    count, CONF_HOSTS_MAX);
	if (r == 0)
		*(char **)field = count ? xstrdup(buf_str(&list)) : NULL;
	buf_release(&list);
	return r;
}

static const char *const tls_names[] = {
	[TLS_SETTING_STARTTLS] = "starttls",
	[TLS_SETTING_IMPLICIT] = "implicit",
	[TLS_SETTING_OFF] = "off",
};

const char *tls_setting_name(enum tls_setting t)
{
	return (size_t)t < sizeof tls_names / sizeof tls_names[0] ? tls_names[t] : "?";
}

static int set_tls(struct parser *p, void *field, const char *value)
{
	size_t i;

	for (i = 0; i < sizeof tls_names / sizeof tls_names[0]; i++) {
		if (strcasecmp(value, tls_names[i]) == 0) {
			*(enum tls_setting *)field = (enum tls_setting)i;
			return 0;
		}
	}
	return fail_at(p, p->lineno, N_("tls = \"%s\" is not one of starttls, implicit, off"), value);
}

/* syslog: on, yes, true (LOG_MAIL) or off, no, false, or a facility as
 * msmtp names them (LOG_USER, LOG_MAIL, LOG_LOCAL0 ... LOG_LOCAL7); stored
 * as "on", "off" or the facility in capitals (report_syslog_facility()). */

static int set_syslog(struct parser *p, void *field, const char *value)
{
	char facility[16];
	size_t i;
	int on = conf_parse_switch(value);

	if (on >= 0)
		return set_string(p, field, on ? "on" : "off");
	for (i = 0; value[i] && i < sizeof facility - 1; i++)
		facility[i] = (char)toupper((unsigned char)value[i]);
	facility[i] = '\0';
	if (!value[i] && (strcmp(facility, "LOG_USER") == 0 || strcmp(facility, "LOG_MAIL") == 0 ||
			  (strncmp(facility, "LOG_LOCAL", 9) == 0 && facility[9] >= '0' &&
			   facility[9] <= '7' && !facility[10])))
		return set_string(p, field, facility);
	return fail_at(p, p->lineno, N_("syslog = \"%s\" is not on, off, or a facility "
				       "(LOG_USER, LOG_MAIL, LOG_LOCAL0 to LOG_LOCAL7)"), value);
}

/* yes, on, true or no, off, false (conf_parse_switch()). */
static int set_boolean(struct parser *p, void *field, const char *value)
{
	int on = conf_parse_switch(value);

	if (on < 0)
		return fail_at(p, p->lineno, N_("\"%s\" is not yes or no"), value);
	*(int *)field = on;
	return 0;
}

/* queued_exit: 0 (every MTA's sendmail) or 75 (EX_TEMPFAIL, as before). */
static int set_queued_exit(struct parser *p, void *field, const char *value)
{
	if (strcmp(value, "0") != 0 && strcmp(value, "75") != 0)
		return fail_at(p, p->lineno, N_("queued_exit = \"%s\" is not 0 or 75"), value);
	*(int *)field = value[0] == '7' ? 75 : 0;
	return 0;
}

static const struct {
	const char *word;
	int on;
} switches[] = {
	{ "on", 1 }, { "yes", 1 }, { "true", 1 },
	{ "off", 0 }, { "no", 0 }, { "false", 0 },
};

int conf_parse_switch(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof switches / sizeof switches[0]; i++)
		if (strcasecmp(s, switches[i].word) == 0)
			return switches[i].on;
	return -1;
}

long conf_parse_lifetime(const char *s)
{
	static const struct {
		char unit;
		long seconds;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	long v, mult = 86400;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v <= 0)
		return -1;
	if (*end) {
		for (i = 0; i < sizeof units / sizeof units[0]; i++)
			if (tolower((unsigned char)*end) == units[i].unit)
				break;
		if (i == sizeof units / sizeof units[0] || end[1])
			return -1;
		mult = units[i].seconds;
	}
	return v > CONF_LIFETIME_MAX / mult ? -1 : v * mult;
}

static int set_queue(struct parser *p, void *field, const char *value)
{
	if (conf_parse_switch(value) < 0)
		return fail_at(p, p->lineno, N_("queue = \"%s\" is not on or off"), value);
	return set_string(p, field, value);
}

static int set_queue_lifetime(struct parser *p, void *field, const char *value)
{
	if (conf_parse_lifetime(value) < 0)
		return fail_at(p, p->lineno, N_("queue_lifetime = \"%s\" is not a time such as 5d, "
					       "12h or 30m, at most 365d"), value);
	return set_string(p, field, value);
}

/* A relative directory would move with the caller's working directory
 * (cron, systemd), and the queue with it. */
static int set_queue_dir(struct parser *p, void *field, const char *value)
{
	if (set_path(p, field, value) < 0)
		return -1;
	if (**(char **)field != '/')
		return fail_at(p, p->lineno, N_("queue_dir = \"%s\" is not an absolute path (or one "
					       "starting with ~/)"), value);
	return 0;
}

/* allow_users: user names and @group names (POSIX portable names:
 * letters, digits, ".", "_", "-"), separated by commas or spaces. */
static int set_users(struct parser *p, void *field, const char *value)
{
	const char *v = value;
	size_t n;

	while (*(v += strspn(v, ", \t"))) {
		n = strcspn(v, ", \t");
		if (*v == '@')
			v++, n--;
		if (n == 0 || n > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
						  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") < n)
			return fail_at(p, p->lineno, N_("allow_users = \"%s\": \"%.*s\" is not a user "
						       "name or @group"), value, (int)n, v);
		v += n;
	}
	return set_string(p, field, value);
}

/* A decimal number from 1 to max, or -1. */
static long number(const char *s, long max)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v ? v : -1;
}

static int set_port(struct parser *p, void *field, const char *value)
{
	long v = number(value, PORT_MAX);

	if (v < 0)
		return fail_at(p, p->lineno, N_("port = \"%s\" is not a port number (1 to %d)"), value,
			       PORT_MAX);
	*(char **)field = xasprintf("%ld", v);
	return 0;
}

static int set_seconds(struct parser *p, void *field, const char *key, const char *value)
{
	long v = number(value, CONF_TIMEOUT_MAX);

	if (v < 0)
		return fail_at(p, p->lineno, N_("%s = \"%s\" is not a number of seconds from 1 to %d"),
			       key, value, CONF_TIMEOUT_MAX);
	*(int *)field = (int)v;
	return 0;
}

static int set_timeout(struct parser *p, void *field, const char *value)
{
	return set_seconds(p, field, "timeout", value);
}

static int set_command_timeout(struct parser *p, void *field, const char *value)
{
	return set_seconds(p, field, "password_command_timeout", value);
}

static int set_final_reply_timeout(struct parser *p, void *field, const char *value)
{
	return set_seconds(p, field, "final_reply_timeout", value);
}

static int set_session_deadline(struct parser *p, void *field, const char *value)
{
	return set_seconds(p, field, "session_deadline", value);
}

/* messages_per_hour, messages_per_day, max_recipients: 1..CONF_COUNT_MAX. */
static int set_count(struct parser *p, void *field, const char *value)
{
	long v = number(value, CONF_COUNT_MAX);

	if (v < 0)
		return fail_at(p, p->lineno, N_("\"%s\" is not a number from 1 to %d"), value,
			       CONF_COUNT_MAX);
	*(int *)field = (int)v;
	return 0;
}

/* queue_connections: 1..CONF_CONNECTIONS_MAX. */
static int set_connections(struct parser *p, void *field, const char *value)
{
	long v = number(value, CONF_CONNECTIONS_MAX);

	if (v < 0)
		return fail_at(p, p->lineno, _("queue_connections = \"%s\" is not a number from 1 "
					       "to %d"), value, CONF_CONNECTIONS_MAX);
	*(int *)field = (int)v;
	return 0;
}

/* max_size: bytes, or with k or M (1024, 1048576), up to CONF_SIZE_MAX. */
static int set_size(struct parser *p, void *field, const char *value)
{
	static const struct { char suffix; long factor; } units[] = {
		{ 'k', 1024 }, { 'K', 1024 }, { 'M', 1024 * 1024 },
	};
	size_t len = strlen(value), i;
	long factor = 1, v;
	char digits[32];

	for (i = 0; len > 1 && i < sizeof units / sizeof units[0]; i++)
		if (value[len - 1] == units[i].suffix) {
			factor = units[i].factor;
			len--;
		}
	snprintf(digits, sizeof digits, "%.*s", (int)(len < sizeof digits ? len : 0), value);
	v = number(digits, CONF_SIZE_MAX / factor);
	if (v < 0)
		return fail_at(p, p->lineno, N_("max_size = \"%s\" is not a size from 1 byte to "
					       "%d MB (a number of bytes, or with k or M)"), value,
			       CONF_SIZE_MAX / (1024 * 1024));
	*(int *)field = (int)(v * factor);
	return 0;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Hexadecimal digits in s, a colon or blank allowed between two; -1 for
 * anything else. */
static int hex_digits(const char *s)
{
	int digits = 0;

	for (; *s; s++) {
		if ((*s == ':' || *s == ' ') && digits > 0 && is_hex(s[1]))
			continue;
		if (!is_hex(*s))
			return -1;
		digits++;
	}
	return digits;
}

/* "sha256:" and 64 hex digits, or msmtp's form, 32 hex pairs without the
 * prefix ("AB:CD:..." or "AB CD ..."); stored as "sha256:AB:CD..." (as tls.c
 * reads it).  msmtp's SHA-1 and MD5 forms are refused: too weak. */
static int set_fingerprint(struct parser *p, void *field, const char *value)
{
	int prefixed = strncasecmp(value, "sha256:", 7) == 0;
	int digits = hex_digits(prefixed ? value + 7 : value);
	char *fp, *c;

	if (!prefixed && (digits == 40 || digits == 32))
		return fail_at(p, p->lineno, N_("tls_fingerprint = \"%s\" is a SHA-1 or MD5 "
					       "fingerprint, too weak to pin a certificate; use "
					       "the SHA-256 one (sendas --serverinfo shows it)"), value);
	if (digits != FINGERPRINT_DIGITS)
		return fail_at(p, p->lineno, N_("tls_fingerprint = \"%s\" is not \"sha256:\" and %d "
					       "hexadecimal digits"), value, FINGERPRINT_DIGITS);
	fp = prefixed ? xstrdup(value) : xasprintf("sha256:%s", value);
	for (c = fp; *c; c++)
		if (*c == ' ')
			*c = ':';
	*(char **)field = fp;
	return 0;
}

static int set_patterns(struct parser *p, void *field, const char *value)
{
	char arg[ERROR_ARG_MAX];
	struct error e;
	char *expanded = expand_percent(p, value, 1);
	int r = 0;

	if (!expanded)
		return -1;
	if (pattern_check_list(expanded, &e) < 0)
		r = fail_at(p, p->lineno, "%s", error_arg(&e, arg));
	else
		r = set_string(p, field, expanded);
	free(expanded);
	return r;
}

static int set_domain(struct parser *p, void *field, const char *value)
{
	char *expanded = expand_percent(p, value, 0);

	if (!expanded)
		return -1;
	*(char **)field = expanded;
	return 0;
}

/* auth: "auto" or mechanisms; msmtp's words too: "on" is auto, "off"
 * (msmtp's default) means no login even with user set (finish_account). */
static int set_auth(struct parser *p, void *field, const char *value)
{
	if (strcasecmp(value, "on") == 0)
		return set_string(p, field, "auto");
	if (strcasecmp(value, "off") == 0)
		return set_string(p, field, "off");
	return set_string(p, field, value);
}

/* ---- msmtp's substitutions in from and domain ---- */

/* %U: $USER, else $LOGNAME, else the login name of the effective user. */
static char *percent_user(void)
{
	const char *u = getenv("USER");
	const struct passwd *pw;

	if (!u || !*u)
		u = getenv("LOGNAME");
	if (u && *u)
		return xstrdup(u);
	pw = getpwuid(geteuid());
	return pw && pw->pw_name ? xstrdup(pw->pw_name) : NULL;
}

/* %H: $HOSTNAME, else gethostname(). */
static char *percent_host(void)
{
	const char *h = getenv("HOSTNAME");
	char name[256];

	if (h && *h)
		return xstrdup(h);
	if (gethostname(name, sizeof name) < 0)
		return NULL;
	name[sizeof name - 1] = '\0';
	return xstrdup(name);
}

/* %C: the canonical name of %H (getaddrinfo's AI_CANONNAME), else %H. */
static char *percent_canonical(void)
{
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *res = NULL;
	char *host = percent_host(), *c;

	if (!host || getaddrinfo(host, NULL, &hints, &res) != 0 || !res || !res->ai_canonname) {
		if (res)
			freeaddrinfo(res);
		return host;
	}
	c = xstrdup(res->ai_canonname);
	freeaddrinfo(res);
	free(host);
	return c;
}

/* %M: the first line of /etc/mailname (mailname.h). */
static char *percent_mailname(void)
{
	return mailname_read(NULL);
}

static const struct {
	char letter;
	char *(*value)(void);
	const char *what;         /* for the message when there is no value */
} percents[] = {
	{ 'U', percent_user, N_("the user name") },
	{ 'H', percent_host, N_("the host name") },
	{ 'C', percent_canonical, N_("the canonical host name") },
	{ 'M', percent_mailname, N_("the mail name in /etc/mailname") },
};

/* value with %U (when user is set), %H, %C and %M replaced, as msmtp does
 * for from (all four) and domain (not %U).  A new string, or NULL after
 * fail_at() when a value is not to be had. */
static char *expand_percent(struct parser *p, const char *value, int user)
{
	char word[ERROR_WORD_MAX];
	struct buf b;
	const char *s;
	char *v;
	size_t i;
	int r = 0;

	buf_init(&b, CONF_LINE_MAX);
	for (s = value; *s; s++) {
		for (i = 0; s[0] == '%' && i < sizeof percents / sizeof percents[0]; i++)
			if (s[1] == percents[i].letter && (user || s[1] != 'U'))
				break;
		if (s[0] != '%' || i == sizeof percents / sizeof percents[0]) {
			r |= buf_addc(&b, *s);
			continue;
		}
		if (!(v = percents[i].value())) {
			buf_release(&b);
			fail_at(p, p->lineno, N_("%%%c: %s is not available; write the value"),
				percents[i].letter, error_word(percents[i].what, word));
			return NULL;
		}
		r |= buf_adds(&b, v);
		free(v);
		s++;
	}
	if (r < 0) {            /* the overflow is sticky: checked once (buf.h) */
		buf_release(&b);
		fail_at(p, p->lineno, N_("the value is longer than %d bytes once expanded"),
			CONF_LINE_MAX);
		return NULL;
	}
	v = xstrdup(buf_str(&b));
	buf_release(&b);
	return v;
}

/* ---- after the last line ---- */

static void copy_field(struct account *to, const struct account *from, const struct key *k)
{
	const char *src = (const char *)from + k->offset;
	char *dst = (char *)to + k->offset;
	const char *s;

	switch (k->field) {
	case F_STR:
		memcpy(&s, src, sizeof s);
		*(char **)(void *)dst = s ? xstrdup(s) : NULL;
		break;
	case F_TLS:
		memcpy(dst, src, sizeof(enum tls_setting));
		break;
	case F_INT:
		memcpy(dst, src, sizeof(int));
		break;
	}
}

/* The line of the second password source set in one section, or 0. */
static int second_source(const struct key_lines *lines, int *first)
{
	size_t i;

	*first = 0;
	for (i = 0; i < NKEYS; i++) {
		if (!(keys[i].flags & KEY_PASSWORD_SOURCE) || !lines->line[i])
			continue;
		if (*first)
			return lines->line[i];
		*first = lines->line[i];
	}
	return 0;
}

static int check_sources(struct parser *p, const struct key_lines *lines)
{
	int first, second = second_source(lines, &first);

	if (second)
		return fail_at(p, second, N_("a second password source in this section (the first is "
					    "on line %d); keep one of password, password_file, "
					    "password_command"), first);
	return 0;
}

/* [defaults] values for the keys the account does not set.  An account
 * that names a password source inherits none, so that sources never mix. */
static void inherit(struct parser *p, size_t i)
{
	const struct key_lines *own = &p->keys[i];
	int own_source;
	size_t k;

	second_source(own, &own_source);

	for (k = 0; k < NKEYS; k++) {
		if (own->line[k] || !p->defaults_keys.line[k])
			continue;
		if (own_source && (keys[k].flags & KEY_PASSWORD_SOURCE))
			continue;
		copy_field(&p->conf->accounts[i], &p->defaults, &keys[k]);
	}
}

/* [account NAME : PARENT]: PARENT's keys (its own and those it took
 * from its parent) for those NAME does not set; like [defaults], no
 * password source when NAME names one. */
static void inherit_parent(struct parser *p, size_t i)
{
	struct key_lines *own = &p->keys[i];
	const struct key_lines *from;
	int own_source;
	size_t k;

	if (!own->parent)
		return;
	from = &p->keys[own->parent - 1];
	second_source(own, &own_source);
	for (k = 0; k < NKEYS; k++) {
		if (own->line[k] || !from->line[k] || (keys[k].flags & KEY_ACCOUNT_ONLY))
			continue;
		if (own_source && (keys[k].flags & KEY_PASSWORD_SOURCE))
			continue;
		copy_field(&p->conf->accounts[i], &p->conf->accounts[own->parent - 1], &keys[k]);
		own->line[k] = from->line[k];
	}
}

static int finish_account(struct parser *p, struct account *a)
{
	char *own;

	/* msmtp's account "default" is the one for any sender. */
	if (strcmp(a->name, "default") == 0 && !a->from && !a->rewrite_from)
		a->from = xstrdup("*");
	if (!a->host)
		return fail_at(p, a->line, N_("[account %s] has no host; add: host = SERVER"), a->name);
	if (!a->from && !a->rewrite_from)
		return fail_at(p, a->line, N_("[account %s] has no from; add: from = ADDRESS (the "
					     "senders it may send as)"), a->name);
	if (a->rewrite_from || a->local_senders) {
		if (!(own = pattern_own_address(a->from, a->user)))
			return fail_at(p, a->line, N_("[account %s] has rewrite_from but no address to "
						     "send as; set from to one address, or user to "
						     "an address"), a->name);
		free(own);
	}
	if (a->auth && strcmp(a->auth, "off") == 0) {
		free(a->user);          /* msmtp's "auth off": no login */
		a->user = NULL;
		free(a->auth);
		a->auth = NULL;
	}
	if (strchr(a->host, ',')) {
		a->hosts = a->host;
		a->host = xstrndup(a->hosts, strcspn(a->hosts, ","));
	}
	if (!a->port)
		a->port = xstrdup(a->tls == TLS_SETTING_IMPLICIT ? PORT_IMPLICIT : PORT_DEFAULT);
	/* RFC 8314: 465 speaks TLS from the first byte.  Without tls = implicit
	 * both sides would wait for the other (30 s, then a queued message and
	 * a hint about timeouts): say so now. */
	if (strcmp(a->port, PORT_IMPLICIT) == 0 && a->tls != TLS_SETTING_IMPLICIT)
		return fail_at(p, a->line, N_("[account %s] uses port 465, which speaks TLS at "
					     "once: set tls = implicit (tls = %s is for port "
					     "587)"), a->name, tls_setting_name(a->tls));
	if (!a->timeout)
		a->timeout = CONF_DEFAULT_TIMEOUT;
	if (!a->final_reply_timeout)
		a->final_reply_timeout = CONF_DEFAULT_FINAL_REPLY_TIMEOUT;
	if (!a->session_deadline)
		a->session_deadline = CONF_DEFAULT_SESSION_DEADLINE;
	return 0;
}

/* local_senders: one account at most, or the choice would be a guess. */
static int check_local_senders(struct parser *p)
{
	const struct account *first = NULL;
	size_t i;

	for (i = 0; i < p->conf->naccounts; i++) {
		const struct account *a = &p->conf->accounts[i];

		if (!a->local_senders)
			continue;
		if (first)
			return fail_at(p, a->line, N_("[account %s] and [account %s] both have "
						     "local_senders = yes; keep it on one"),
				       first->name, a->name);
		first = a;
	}
	return 0;
}

static int finish(struct parser *p)
{
	size_t i;

	if (!p->conf->naccounts)
		return error_set(p->err, CAT_CONFIG, N_("%s: holds no [account NAME] section; add one "
						       "(see sendas-accounts(5))"), p->path);
	if (check_sources(p, &p->defaults_keys) < 0)
		return -1;
	/* Parents first (they stand above), all before any built-in default. */
	for (i = 0; i < p->conf->naccounts; i++) {
		if (check_sources(p, &p->keys[i]) < 0)
			return -1;
		inherit_parent(p, i);
		inherit(p, i);
	}
	for (i = 0; i < p->conf->naccounts; i++)
		if (finish_account(p, &p->conf->accounts[i]) < 0)
			return -1;
	return check_local_senders(p);
}

/* ---- the file ---- */

static void account_release(struct account *a)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].field != F_STR)
			continue;
		if (keys[i].set == set_password)
			free_secret(*(char **)(void *)((char *)a + keys[i].offset));
		else
			free(*(char **)(void *)((char *)a + keys[i].offset));
	}
	free(a->name);
	free(a->hosts);
	memset(a, 0, sizeof *a);
}

/* Debian's libinih exports its build options as variables (upstream has
 * compile-time macros only; configure checks for them).  Measured with
 * libinih1 55-1: with ini_use_stack the line buffer is ini_max_line bytes;
 * without it, the buffer is ini_initial_alloc (200) bytes whatever
 * ini_max_line says, and ini_allow_realloc makes inih call the reader again
 * for the rest of a long line, which would break "one call, one line".  So:
 * the stack buffer, raised to CONF_LINE_MAX so that OAuth-sized values
 * (several KB) fit; read_line() refuses what is longer.  Multi-line values
 * are off: an indented "port = 1" under "host = x" would silently become
 * part of host's value. */
static void configure_inih(void)
{
	ini_use_stack = true;
	ini_allow_realloc = false;
	ini_max_line = CONF_LINE_MAX + 3;       /* "\r\n" and the NUL */
	ini_allow_multiline = false;
	ini_stop_on_first_error = false;        /* we stop through read_line() */
	ini_allow_bom = true;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
}

static int parse_fd(struct parser *p, int fd)
{
	char eno[ERROR_WORD_MAX];
	char iobuf[BUFSIZ];     /* stdio's buffer, ours so that it can be wiped */
	int line;

	if (!(p->fp = fdopen(fd, "r"))) {
		close(fd);
		return error_set(p->err, CAT_IO, N_("%s: cannot read: %s"), p->path, error_errno(errno, eno));
	}
	setvbuf(p->fp, iobuf, _IOFBF, sizeof iobuf);
	configure_inih();
	line = ini_parse_stream(read_line, p, on_key, p);
	if (!p->error_line && ferror(p->fp)) {
		error_set(p->err, CAT_IO, N_("%s: cannot read: %s"), p->path, error_errno(errno, eno));
		p->error_line = -1;
	}
	fclose(p->fp);
	wipe(iobuf, sizeof iobuf);
	if (line > 0 && (!p->error_line || line < p->error_line)) {
		p->error_line = 0;      /* inih's error came first */
		fail_at(p, line, N_("expected \"key = value\", a [section] or a comment"));
	}
	return p->error_line ? -1 : 0;
}

static enum file_trust trust_for(const char *path)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	size_t n = dir ? strlen(dir) : 0;

	if (strcmp(path, SYSCONF_ACCOUNTS) == 0)
		return FILE_SYSTEM;
	if (n && strncmp(path, dir, n) == 0 && path[n] == '/')
		return FILE_CREDENTIAL;
	return FILE_USER;
}

static int check_private(struct parser *p, const struct stat *st, enum file_trust trust)
{
	if (!p->password_line || !trusted_readable_by_others(st, trust))
		return 0;
	return fail_at(p, p->password_line, N_("a password in a file others can read (mode %04o); "
					      "run: chmod 600 %s, or move the password to "
					      "password_file or password_command"),
		       (unsigned)st->st_mode & 07777, p->path);
}

int conf_load(struct conf *c, const char *path,
	      void (*warn)(void *ctx, const char *text), void *ctx, struct error *err)
{
	enum file_trust trust = trust_for(path);
	struct parser p = { .conf = c, .path = path, .warn = warn, .ctx = ctx, .err = err };
	struct stat st;
	int fd, r = -1;

	memset(c, 0, sizeof *c);
	if ((fd = trusted_open(path, trust, &st, err)) < 0)
		return -1;
	if (st.st_size > CONF_FILE_MAX) {
		close(fd);
		return error_set(err, CAT_CONFIG, N_("%s: is larger than %d bytes; is it the right "
						    "file?"), path, CONF_FILE_MAX);
	}
	c->path = xstrdup(path);
	if (parse_fd(&p, fd) == 0 && finish(&p) == 0 && check_private(&p, &st, trust) == 0)
		r = 0;
	account_release(&p.defaults);
	free(p.keys);
	if (r < 0)
		conf_release(c);
	return r;
}

void conf_release(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		account_release(&c->accounts[i]);
	free(c->accounts);
	free(c->path);
	memset(c, 0, sizeof *c);
}

const struct account *conf_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i].name, name) == 0)
			return &c->accounts[i];
	return NULL;
}

/* ---- paths ---- */

/* $HOME, unless it exists and the caller cannot enter it: cron runs the
 * mailer of a user's job with its own environment (HOME=/root when it was
 * started from a root shell), and that home is not the user's.  Then, as
 * when $HOME is unset, the passwd entry's.  A $HOME that does not exist is
 * used as it is (files under it are missing, not unreadable). */
static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	const struct passwd *pw;

	if (home && *home && (access(home, X_OK) == 0 || errno != EACCES))
		return home;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_dir && *pw->pw_dir)
		return pw->pw_dir;
	return home && *home ? home : NULL;
}

char *conf_expand_path(const char *path, struct error *err)
{
	const char *home;

	if (path[0] != '~' || (path[1] && path[1] != '/'))
		return xstrdup(path);
	if (!(home = home_dir())) {
		error_set(err, CAT_CONFIG, N_("cannot expand \"%s\": $HOME is not set and uid %lu has "
					     "no home directory; write the whole path"),
			  path, (unsigned long)geteuid());
		return NULL;
	}
	return xasprintf("%s%s", home, path + 1);
}

static const char *nonempty_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

char *conf_user_path(void)
{
	const char *xdg = nonempty_env("XDG_CONFIG_HOME"), *home = home_dir();

	if (xdg && xdg[0] == '/')       /* the XDG spec: relative values are ignored */
		return xasprintf("%s/sendas/accounts.ini", xdg);
	return home ? xasprintf("%s/.config/sendas/accounts.ini", home) : NULL;
}

/* The places to look, in order, into places[] (new strings). */
static size_t candidates(char *places[3])
{
	const char *creds = nonempty_env("CREDENTIALS_DIRECTORY");
	size_t n = 0;

	if (creds)
		places[n++] = xasprintf("%s/sendas.ini", creds);
	if ((places[n] = conf_user_path()))
		n++;
	places[n++] = xstrdup(SYSCONF_ACCOUNTS);
	return n;
}

char *conf_locate(const char *explicit_path, struct error *err)
{
	const char *given = explicit_path ? explicit_path : nonempty_env("SENDAS_CONFIG");
	char *places[3], *found = NULL;
	struct stat st;
	size_t i, n;

	if (given)
		return xstrdup(given);
	n = candidates(places);
	for (i = 0; i < n && !found; i++) {
		if (lstat(places[i], &st) == 0 &&
		    (i + 1 == n || access(places[i], R_OK) == 0 || errno != EACCES)) {
			found = places[i];
			break;
		}
		/* Unreadable is not missing: say so, then use the next (msmtp). */
		if (errno != ENOENT && errno != ENOTDIR)
			fprintf(stderr, _("sendas: warning: cannot look at %s: %s; using the next "
					  "account file\n"), places[i], strerror(errno));
	}
	/* One short line: the user's own file to create (the place before the
	 * system's); sendas-accounts(5) lists them all. */
	if (!found)
		error_set(err, CAT_CONFIG, N_("no account file: create %s (see sendas-accounts(5)) "
					     "or give -C FILE"), places[n > 1 ? n - 2 : 0]);
	for (i = 0; i < n; i++)
		if (places[i] != found)
			free(places[i]);
	return found;
}
