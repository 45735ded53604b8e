/* pattern.c: see pattern.h.  Pure: no I/O, no globals. */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "i18n.h"
#include "pattern.h"
#include "xalloc.h"

static const char *const level_names[] = {
	[LEVEL_FORCED] = N_("chosen with -a"),
	[LEVEL_EXACT] = N_("the exact address"),
	[LEVEL_LOCAL] = N_("a literal local part"),
	[LEVEL_DOMAIN] = N_("the whole domain"),
	[LEVEL_SUBDOMAIN] = N_("a subdomain"),
	[LEVEL_GLOB] = N_("a wildcard pattern"),
	[LEVEL_ANY] = N_("any address"),
};

const char *pattern_level_name(enum level level)
{
	return _(level_names[level]);
}

/* One pattern of a from list.  NULL parts are "*". */
struct pattern {
	char *local;
	char *domain;
	int subdomains;           /* "*@*.domain" */
	char *glob;               /* with "?" or "[...]": an fnmatch(3) pattern, lowercase */
	int bare;                 /* "root": that name at any local domain, or bare */
	enum level level;
};

/* Levels by shape: [local is "*"][domain is literal, "*", "*.x"]. */
static const enum level shapes[2][3] = {
	{ LEVEL_EXACT, LEVEL_LOCAL, LEVEL_NONE },
	{ LEVEL_DOMAIN, LEVEL_ANY, LEVEL_SUBDOMAIN },
};

static void lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

void sender_release(struct sender *s)
{
	free(s->local);
	free(s->domain);
	free(s->envelope);
	memset(s, 0, sizeof *s);
}

/* Split "local@domain" (or "<...>", or an unqualified "root"). */
int sender_parse(const char *in, struct sender *s, struct error *err)
{
	size_t n = strlen(in);
	char *text, *at, *plus;
	int r = -1;

	memset(s, 0, sizeof *s);
	if (n >= 2 && in[0] == '<' && in[n - 1] == '>')
		text = xstrndup(in + 1, n - 2);
	else
		text = xstrdup(in);
	at = strrchr(text, '@');
	if (!*text || has_space_or_control(text) || at == text || (at && !at[1])) {
		error_set(err, CAT_INPUT, N_("the sender \"%s\" is not an address"), in);
		goto out;
	}
	if (at) {
		*at = '\0';
		if (!(s->domain = address_domain_alabel(at + 1, err))) {
			error_prefix(err, N_("the sender \"%s\""), in);
			goto out;
		}
	}
	s->envelope = s->domain ? xasprintf("%s@%s", text, s->domain) : xstrdup(text);
	s->local = xstrdup(text);
	lower_ascii(s->local);
	plus = strchr(s->local, '+');
	s->base_len = plus && plus != s->local ? (size_t)(plus - s->local) : strlen(s->local);
	r = 0;
out:
	free(text);
	if (r < 0)
		sender_release(s);
	return r;
}

static void pattern_release(struct pattern *p)
{
	free(p->local);
	free(p->domain);
	free(p->glob);
	memset(p, 0, sizeof *p);
}

static int pattern_fail(struct pattern *p, const char *text, struct error *err)
{
	pattern_release(p);
	return error_set(err, CAT_CONFIG, N_("\"%s\" is not an address or a pattern: use alice@example.org, "
					    "alice@*, *@example.org, *@*.example.org or *"), text);
}

/* The domain side: 0 literal, 1 "*", 2 "*.domain". */
static int pattern_domain(struct pattern *p, const char *text, const char *d, struct error *err)
{
	int kind = strcmp(d, "*") == 0 ? 1 : strncmp(d, "*.", 2) == 0 ? 2 : 0;

	if (kind == 1)
		return 1;
	if (strchr(d + (kind == 2 ? 2 : 0), '*'))
		return pattern_fail(p, text, err);
	if (!(p->domain = address_domain_alabel(d + (kind == 2 ? 2 : 0), err))) {
		err->category = CAT_CONFIG;
		error_prefix(err, N_("pattern \"%s\""), text);
		return -1;
	}
	return kind;
}

/* msmtp's wildcards: "?" (one character) and "[...]" (one of a set) make
 * the pattern a glob(7) pattern, "*" included, matched with fnmatch(3)
 * (ASCII case-insensitive).  It needs an "@" and must be valid for fnmatch. */
static int pattern_glob(const char *text, struct pattern *p, struct error *err)
{
	const char *open = strchr(text, '[');

	/* fnmatch takes an unclosed "[" literally: a typo, most likely. */
	if (!strchr(text, '@') || has_space_or_control(text) ||
	    (open && !strchr(open + 1, ']')) || fnmatch(text, "", 0) > FNM_NOMATCH)
		return pattern_fail(p, text, err);
	p->glob = xstrdup(text);
	lower_ascii(p->glob);
	p->level = LEVEL_GLOB;
	return 0;
}

static int pattern_parse(const char *text, struct pattern *p, struct error *err)
{
	char *local, *at;
	int wild_local, kind, r = -1;

	memset(p, 0, sizeof *p);
	if (strpbrk(text, "?["))
		return pattern_glob(text, p, err);
	local = xstrdup(text);
	at = strrchr(local, '@');
	if (strcmp(text, "*") == 0) {
		p->level = LEVEL_ANY;
		r = 0;
		goto out;
	}
	if (!at && *local && !strchr(local, '*') && !has_space_or_control(text)) {
		lower_ascii(local);
		p->local = xstrdup(local);
		p->bare = 1;
		p->level = LEVEL_LOCAL;
		r = 0;
		goto out;
	}
	if (!at || at == local || !at[1] || has_space_or_control(text)) {
		r = pattern_fail(p, text, err);
		goto out;
	}
	*at = '\0';
	wild_local = strcmp(local, "*") == 0;
	if (!wild_local && strchr(local, '*')) {
		r = pattern_fail(p, text, err);
		goto out;
	}
	if ((kind = pattern_domain(p, text, at + 1, err)) < 0)
		goto out;
	p->subdomains = kind == 2;
	p->level = shapes[wild_local][kind];
	if (p->level == LEVEL_NONE) {
		r = pattern_fail(p, text, err);
		goto out;
	}
	if (!wild_local) {
		lower_ascii(local);
		p->local = xstrdup(local);
	}
	r = 0;
out:
	free(local);
	return r;
}

/* The next pattern of a list separated by commas or white space: a new
 * string, or NULL at the end. */
static char *next_pattern(const char **cursor)
{
	const char *s = *cursor + strspn(*cursor, ", \t");
	size_t n = strcspn(s, ", \t");

	*cursor = s + n;
	return n ? xstrndup(s, n) : NULL;
}

int pattern_check_list(const char *list, struct error *err)
{
	struct pattern p;
	char *text;
	int r = 0, count = 0;

	while (r == 0 && (text = next_pattern(&list))) {
		r = pattern_parse(text, &p, err);
		pattern_release(&p);
		free(text);
		count++;
	}
	if (r == 0 && count == 0)
		r = error_set(err, CAT_CONFIG, N_("no pattern given"));
	return r;
}

static int local_matches(const char *local, const struct sender *s)
{
	return strcmp(local, s->local) == 0 ||
	       (strlen(local) == s->base_len && strncmp(local, s->local, s->base_len) == 0);
}

static int domain_matches(const struct pattern *p, const struct sender *s)
{
	size_t dn, pn;

	if (p->bare)
		return s->is_local;
	if (!p->domain)
		return 1;
	if (!s->domain)
		return 0;
	if (!p->subdomains)
		return strcmp(p->domain, s->domain) == 0;
	dn = strlen(s->domain);
	pn = strlen(p->domain);
	return dn > pn + 1 && s->domain[dn - pn - 1] == '.' &&
	       strcmp(s->domain + dn - pn, p->domain) == 0;
}

/* A glob against the address, then without its +detail (as msmtp). */
static int glob_matches(const struct pattern *p, const struct sender *s)
{
	char *base;
	int r;

	if (!s->domain)
		return 0;
	if (fnmatch(p->glob, s->envelope, FNM_CASEFOLD) == 0)
		return 1;
	base = xasprintf("%.*s@%s", (int)s->base_len, s->local, s->domain);
	r = fnmatch(p->glob, base, FNM_CASEFOLD) == 0;
	free(base);
	return r;
}

static int pattern_matches(const struct pattern *p, const struct sender *s)
{
	if (p->glob)
		return glob_matches(p, s);
	return (!p->local || local_matches(p->local, s)) && domain_matches(p, s);
}

int match_better(const struct match *a, const struct match *b)
{
	return a->level < b->level || (a->level == b->level && a->weight > b->weight);
}

/* The best pattern of list for s in *m (level LEVEL_NONE when none). */
int pattern_list_best(const char *list, const struct sender *s, struct match *m,
		      struct error *err)
{
	struct pattern p;
	struct match cur;
	char *text;

	m->level = LEVEL_NONE;
	while (list && (text = next_pattern(&list))) {
		if (pattern_parse(text, &p, err) < 0) {
			free(text);
			return -1;
		}
		cur.level = p.level;
		cur.weight = p.subdomains ? strlen(p.domain) : 0;
		cur.pattern = text;
		if (pattern_matches(&p, s) && match_better(&cur, m)) {
			free(m->pattern);
			*m = cur;
		} else {
			free(text);
		}
		pattern_release(&p);
	}
	return 0;
}

char *pattern_own_address(const char *from, const char *user)
{
	const char *list = from, *addr = NULL;
	struct pattern p;
	struct sender s;
	struct error e;
	char *first = list ? next_pattern(&list) : NULL, *second = list ? next_pattern(&list) : NULL;
	char *own = NULL;

	if (first && !second && pattern_parse(first, &p, &e) == 0) {
		if (p.level == LEVEL_EXACT)
			addr = first;
		pattern_release(&p);
	}
	if (!addr && user && strchr(user, '@'))
		addr = user;
	if (addr && sender_parse(addr, &s, &e) == 0) {
		own = s.domain ? xstrdup(s.envelope) : NULL;
		sender_release(&s);
	}
	free(first);
	free(second);
	return own;
}
