/* aliases.c: see aliases.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "aliases.h"
#include "buf.h"
#include "i18n.h"
#include "xalloc.h"

struct reader {
	struct aliases *al;
	FILE *fp;
	int lineno;               /* the physical line read last */
	void (*warn)(void *ctx, const char *text);
	void *ctx;
	struct error *err;
};

static int fail_line(struct reader *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_line(struct reader *r, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(r->err, CAT_CONFIG, fmt, ap);
	va_end(ap);
	error_prefix(r->err, "%s:%d", r->al->path, line);
	return -1;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Forms Postfix delivers locally and sendas cannot. */
static const struct {
	const char *prefix;
	const char *what;
} refused_forms[] = {
	{ "|", N_("a pipe to a command") },
	{ "\"|", N_("a pipe to a command") },
	{ "/", N_("a file") },
	{ "\"/", N_("a file") },
	{ ":include:", N_("an :include: file") },
};

static const char *refused_form(const char *t)
{
	size_t i;

	for (i = 0; i < sizeof refused_forms / sizeof refused_forms[0]; i++)
		if (strncasecmp(t, refused_forms[i].prefix, strlen(refused_forms[i].prefix)) == 0)
			return refused_forms[i].what;
	return NULL;
}

/* The next target of a list separated by commas outside quotes: a new
 * string (trimmed), or NULL at the end. */
static char *next_target(const char **cursor)
{
	const char *s = *cursor, *start;
	int quoted = 0;

	s += strspn(s, " \t,");
	if (!*s)
		return NULL;
	start = s;
	for (; *s && (quoted || *s != ','); s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
	}
	*cursor = s;
	return xstrndup(start, (size_t)(s - start));
}

static int add_target(struct reader *r, struct alias *a, char *t)
{
	const char *form = refused_form(trim(t));
	struct error e;
	char *addr, *text;

	if (form) {
		if (r->warn) {
			text = xasprintf(_("%s:%d: %s of alias \"%s\" is %s, which sendas cannot "
					   "deliver; left out (use an address)"),
					 r->al->path, a->line, trim(t), a->name, _(form));
			r->warn(r->ctx, text);
			free(text);
		}
		return 0;
	}
	if (!(addr = address_mailbox(trim(t), NULL, &e)) || !*addr) {
		free(addr);
		return fail_line(r, a->line, N_("target \"%s\" of alias \"%s\" is not an address"),
				 trim(t), a->name);
	}
	a->targets = xrealloc(a->targets, (a->ntargets + 1) * sizeof *a->targets);
	a->targets[a->ntargets++] = addr;
	return 0;
}

static void alias_release(struct alias *a)
{
	size_t i;

	for (i = 0; i < a->ntargets; i++)
		free(a->targets[i]);
	free(a->targets);
	free(a->name);
}

/* One logical entry ("name: targets", continuations joined) from line. */
static int add_entry(struct reader *r, char *entry, int line)
{
	char *colon = strchr(entry, ':'), *name, *t;
	const char *cursor;
	struct alias a = { .line = line };

	if (!colon)
		return fail_line(r, line, N_("expected \"name: address, address\""));
	*colon = '\0';
	name = trim(entry);
	if (!*name || strpbrk(name, " \t@\""))
		return fail_line(r, line, N_("\"%s\" is not an alias name (a local name such as "
					    "root or postmaster)"), name);
	lower(name);
	if (aliases_find(r->al, name))
		return fail_line(r, line, N_("alias \"%s\" is defined twice (first on line %d); "
					    "merge the two"), name, aliases_find(r->al, name)->line);
	a.name = xstrdup(name);
	cursor = colon + 1;
	while ((t = next_target(&cursor))) {
		int rc = add_target(r, &a, t);

		free(t);
		if (rc < 0) {
			alias_release(&a);
			return -1;
		}
	}
	r->al->v = xrealloc(r->al->v, (r->al->n + 1) * sizeof *r->al->v);
	r->al->v[r->al->n++] = a;
	return 0;
}

/* Lines into entries: a line that starts with white space continues the
 * entry before it, an empty line ends it, comment lines are skipped. */
static int read_entries(struct reader *r)
{
	struct buf entry;
	char *line = NULL;
	size_t cap = 0;
	int start = 0, rc = 0, full = 0;

	buf_init(&entry, ALIASES_ENTRY_MAX);
	while (rc == 0 && getline(&line, &cap, r->fp) >= 0) {
		char *s = line + strspn(line, " \t");
		int empty = strspn(s, "\r\n") == strlen(s);

		r->lineno++;
		if (*s == '#')
			continue;
		if (!empty && s != line && start) {
			full |= buf_printf(&entry, " %s", trim(line)) < 0;
		} else {
			if (start)
				rc = add_entry(r, entry.data, start);
			buf_reset(&entry);
			start = 0;
			if (rc == 0 && !empty && s != line)
				rc = fail_line(r, r->lineno, N_("a continuation line (it starts with "
							       "white space) without an alias before "
							       "it"));
			else if (rc == 0 && !empty)
				full |= buf_adds(&entry, trim(line)) < 0;
			if (!empty)
				start = r->lineno;
		}
		if (rc == 0 && full)
			rc = fail_line(r, start, N_("the entry is longer than %d bytes"),
				       ALIASES_ENTRY_MAX);
	}
	if (rc == 0 && start)
		rc = add_entry(r, entry.data, start);
	free(line);
	buf_release(&entry);
	return rc;
}

int aliases_load(struct aliases *al, const char *path,
		 void (*warn)(void *ctx, const char *text), void *ctx, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct reader r = { .al = al, .warn = warn, .ctx = ctx, .err = err };
	struct stat st;
	int rc;

	memset(al, 0, sizeof *al);
	al->path = xstrdup(path);
	if (!(r.fp = fopen(path, "re"))) {
		error_set(err, CAT_IO, N_("%s: cannot read the aliases: %s"), path, error_errno(errno, eno));
		aliases_release(al);
		return -1;
	}
	if (fstat(fileno(r.fp), &st) == 0 && st.st_size > ALIASES_FILE_MAX)
		rc = error_set(err, CAT_CONFIG, N_("%s: is larger than %d bytes; is it the right "
						  "file?"), path, ALIASES_FILE_MAX);
	else
		rc = read_entries(&r);
	if (rc == 0 && ferror(r.fp))
		rc = error_set(err, CAT_IO, N_("%s: cannot read the aliases: %s"), path,
			       error_errno(errno, eno));
	fclose(r.fp);
	if (rc < 0)
		aliases_release(al);
	return rc;
}

void aliases_release(struct aliases *al)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		alias_release(&al->v[i]);
	free(al->v);
	free(al->path);
	memset(al, 0, sizeof *al);
}

const struct alias *aliases_find(const struct aliases *al, const char *name)
{
	size_t i, n = strcspn(name, "@");

	for (i = 0; al && i < al->n; i++)
		if (strlen(al->v[i].name) == n && strncasecmp(al->v[i].name, name, n) == 0)
			return &al->v[i];
	return NULL;
}

/* ---- expansion ---- */

struct expansion {
	const struct aliases *al;
	const struct local_names *names;
	const char *chain[ALIASES_DEPTH_MAX + 1];
	size_t depth;
	struct address_list *out;
	struct error *err;
};

static const char *file_of(const struct expansion *x)
{
	return x->al ? x->al->path : ALIASES_FILE;
}

static int loop_error(struct expansion *x, const struct alias *a)
{
	struct buf chain;
	size_t i;

	buf_init(&chain, ERROR_TEXT_MAX / 2);
	for (i = 0; i < x->depth; i++)
		buf_printf_trunc(&chain, "%s -> ", x->chain[i]);
	buf_adds_trunc(&chain, a->name);
	error_set(x->err, CAT_CONFIG, N_("%s:%d: the aliases loop: %s; make one of them an "
					"address elsewhere"), file_of(x), a->line, buf_str(&chain));
	buf_release(&chain);
	return -1;
}

static int expand(struct expansion *x, const char *rcpt);

static int no_alias(struct expansion *x, const char *rcpt)
{
	char *name = address_local_part(rcpt);

	error_set(x->err, CAT_RECIPIENT, N_("%s is a local name without an alias, and sendas "
					   "delivers nothing locally; add \"%s: ADDRESS\" (or "
					   "\"default: ADDRESS\") to %s"), rcpt, name, file_of(x));
	free(name);
	return -1;
}

static int expand_alias(struct expansion *x, const struct alias *a)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < x->depth; i++)
		if (strcmp(x->chain[i], a->name) == 0)
			return loop_error(x, a);
	if (x->depth == ALIASES_DEPTH_MAX)
		return error_set(x->err, CAT_CONFIG, N_("%s:%d: aliases nest deeper than %d at "
						       "\"%s\""), file_of(x), a->line,
				 ALIASES_DEPTH_MAX, a->name);
	if (!a->ntargets)
		return error_set(x->err, CAT_RECIPIENT, N_("%s:%d: alias \"%s\" has no target "
							  "sendas can deliver to; give it an "
							  "address"), file_of(x), a->line, a->name);
	x->chain[x->depth++] = a->name;
	for (i = 0; rc == 0 && i < a->ntargets; i++)
		rc = expand(x, a->targets[i]);
	x->depth--;
	return rc;
}

static int expand(struct expansion *x, const char *rcpt)
{
	const struct alias *a;

	if (!address_is_local(rcpt, x->names))
		return address_list_parse(x->out, rcpt, x->err);
	if ((a = aliases_find(x->al, rcpt)) || (a = aliases_find(x->al, "default")))
		return expand_alias(x, a);
	if (!x->al)
		return error_set(x->err, CAT_RECIPIENT, N_("%s is a local name, and there is no "
							  "aliases file to resolve it; create %s "
							  "(\"%s: you@example.org\") or set aliases "
							  "in the account file"), rcpt, ALIASES_FILE,
				 rcpt);
	return no_alias(x, rcpt);
}

int aliases_expand(const struct aliases *al, const struct local_names *names,
		   const char *rcpt, struct address_list *out, struct error *err)
{
	struct expansion x = { .al = al, .names = names, .out = out, .err = err };

	return expand(&x, rcpt);
}
