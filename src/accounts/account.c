/* account.c: see account.h.  Pure: no I/O, no globals. */
#include "config.h"

#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "account.h"

#ifndef SENDAS_MAILNAME
#define SENDAS_MAILNAME "/etc/mailname"
#endif
#include "i18n.h"
#include "xalloc.h"

#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define NO_MATCH_LIST_MAX 600      /* bytes of account list in the CAT_NO_ACCOUNT text */

enum level {
	LEVEL_FORCED = 0, LEVEL_EXACT, LEVEL_LOCAL, LEVEL_DOMAIN, LEVEL_SUBDOMAIN, LEVEL_ANY,
	LEVEL_NONE
};

static const char *const level_names[] = {
	[LEVEL_FORCED] = N_("chosen with -a"),
	[LEVEL_EXACT] = N_("the exact address"),
	[LEVEL_LOCAL] = N_("a literal local part"),
	[LEVEL_DOMAIN] = N_("the whole domain"),
	[LEVEL_SUBDOMAIN] = N_("a subdomain"),
	[LEVEL_ANY] = N_("any address"),
};

/* A sender split and normalised for comparison. */
struct sender {
	char *local;              /* ASCII lowercased */
	size_t base_len;          /* bytes of local before "+tag" */
	char *domain;             /* A-label; NULL for an unqualified "root" */
	char *envelope;           /* local as given, "@", A-label */
};

/* One pattern of a from list.  NULL parts are "*". */
struct pattern {
	char *local;
	char *domain;
	int subdomains;           /* "*@*.domain" */
	enum level level;
};

/* The best pattern of one list for one sender. */
struct match {
	enum level level;
	size_t weight;            /* at LEVEL_SUBDOMAIN: the longer domain is more specific */
	char *pattern;            /* owned */
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

static int is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* libidn2 passes ASCII through (spaces, "_", empty labels): check it here. */
static int ldh_valid(const char *d)
{
	size_t label = 0;
	const char *p;

	if (strlen(d) > DOMAIN_MAX)
		return 0;
	for (p = d;; p++) {
		if (*p == '.' || !*p) {
			if (label == 0 || label > LABEL_MAX || p[-1] == '-')
				return 0;
			if (!*p)
				return 1;
			label = 0;
		} else if (!is_ldh(*p) || (label == 0 && *p == '-')) {
			return 0;
		} else {
			label++;
		}
	}
}

char *account_domain_alabel(const char *domain, struct error *err)
{
	size_t n = strlen(domain);
	char *out = NULL, *copy;
	int rc;

	if (n >= 2 && domain[0] == '[' && domain[n - 1] == ']') {
		copy = xstrdup(domain);
		lower_ascii(copy);
		return copy;
	}
	rc = idn2_to_ascii_8z(domain, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		error_set(err, CAT_INPUT, _("\"%s\" is not a valid domain name: %s"), domain,
			  idn2_strerror(rc));
		return NULL;
	}
	copy = xstrdup(out);
	idn2_free(out);
	lower_ascii(copy);
	if (!ldh_valid(copy)) {
		error_set(err, CAT_INPUT, _("\"%s\" is not a valid domain name: only letters, digits "
					    "and inner hyphens, in dot-separated labels"), domain);
		free(copy);
		return NULL;
	}
	return copy;
}

static int has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

static void sender_release(struct sender *s)
{
	free(s->local);
	free(s->domain);
	free(s->envelope);
	memset(s, 0, sizeof *s);
}

/* Split "local@domain" (or "<...>", or an unqualified "root"). */
static int sender_parse(const char *in, struct sender *s, struct error *err)
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
		error_set(err, CAT_INPUT, _("the sender \"%s\" is not an address"), in);
		goto out;
	}
	if (at) {
		*at = '\0';
		if (!(s->domain = account_domain_alabel(at + 1, err))) {
			error_prefix(err, _("the sender \"%s\""), in);
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
	memset(p, 0, sizeof *p);
}

static int pattern_fail(struct pattern *p, const char *text, struct error *err)
{
	pattern_release(p);
	return error_set(err, CAT_CONFIG, _("\"%s\" is not an address or a pattern: use alice@example.org, "
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
	if (!(p->domain = account_domain_alabel(d + (kind == 2 ? 2 : 0), err))) {
		err->category = CAT_CONFIG;
		error_prefix(err, _("pattern \"%s\""), text);
		return -1;
	}
	return kind;
}

static int pattern_parse(const char *text, struct pattern *p, struct error *err)
{
	char *local = xstrdup(text), *at = strrchr(local, '@');
	int wild_local, kind, r = -1;

	memset(p, 0, sizeof *p);
	if (strcmp(text, "*") == 0) {
		p->level = LEVEL_ANY;
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

int account_check_patterns(const char *list, struct error *err)
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
		r = error_set(err, CAT_CONFIG, _("no pattern given"));
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

static int better(const struct match *a, const struct match *b)
{
	return a->level < b->level || (a->level == b->level && a->weight > b->weight);
}

/* The best pattern of list for s in *m (level LEVEL_NONE when none). */
static int list_best(const char *list, const struct sender *s, struct match *m,
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
		if ((!p.local || local_matches(p.local, s)) && domain_matches(&p, s) &&
		    better(&cur, m)) {
			free(m->pattern);
			*m = cur;
		} else {
			free(text);
		}
		pattern_release(&p);
	}
	return 0;
}

char *account_own_address(const struct account *a)
{
	const char *list = a->from, *addr = NULL;
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
	if (!addr && a->user && strchr(a->user, '@'))
		addr = a->user;
	if (addr && sender_parse(addr, &s, &e) == 0) {
		own = s.domain ? xstrdup(s.envelope) : NULL;
		sender_release(&s);
	}
	free(first);
	free(second);
	return own;
}

void selection_init(struct selection *sel)
{
	memset(sel, 0, sizeof *sel);
	buf_init(&sel->explanation, SELECTION_EXPLANATION_MAX);
}

void selection_release(struct selection *sel)
{
	free(sel->pattern);
	free(sel->sender);
	free(sel->warning);
	buf_release(&sel->explanation);
	selection_init(sel);
}

/* Per account: its best from and rewrite_from match. */
struct candidate {
	const struct account *a;
	struct match from;
	struct match rewrite;
};

struct choice {
	const struct conf *c;
	const struct sender *s;
	struct candidate *cands;
	int rewrite;              /* no from matched: rewrite_from decides */
	size_t best;
};

static void candidates_release(struct candidate *cands, size_t n)
{
	size_t i;

	for (i = 0; cands && i < n; i++) {
		free(cands[i].from.pattern);
		free(cands[i].rewrite.pattern);
	}
	free(cands);
}

static struct match *chosen_match(struct choice *ch, size_t i)
{
	return ch->rewrite ? &ch->cands[i].rewrite : &ch->cands[i].from;
}

static int tie_error(struct choice *ch, size_t other, struct error *err)
{
	const struct candidate *a = &ch->cands[ch->best], *b = &ch->cands[other];
	const char *key = ch->rewrite ? "rewrite_from" : "from";

	return error_set(err, CAT_CONFIG, _("%s: the sender %s matches account %s (%s \"%s\") and "
					    "account %s (%s \"%s\") equally (%s); make one pattern more "
					    "specific or remove one"),
			 ch->c->path ? ch->c->path : "", ch->s->envelope, a->a->name, key,
			 chosen_match(ch, ch->best)->pattern, b->a->name, key,
			 chosen_match(ch, other)->pattern, _(level_names[chosen_match(ch, other)->level]));
}

/* The most specific candidate in ch->best; 0 when none matches. */
static int pick_best(struct choice *ch)
{
	size_t i;
	int found = 0;

	for (i = 0; i < ch->c->naccounts; i++) {
		if (chosen_match(ch, i)->level == LEVEL_NONE)
			continue;
		if (!found || better(chosen_match(ch, i), chosen_match(ch, ch->best)))
			ch->best = i;
		found = 1;
	}
	return found;
}

/* The first line of /etc/mailname (Debian's mail name), lowercased, or "". */
static void mail_name(char *out, size_t size)
{
	FILE *f = fopen(SENDAS_MAILNAME, "re");

	out[0] = '\0';
	if (f && fgets(out, (int)size, f))
		out[strcspn(out, " \t\r\n")] = '\0';
	if (f)
		fclose(f);
	lower_ascii(out);
}

int account_sender_is_local(const char *sender)
{
	const char *at = strrchr(sender, '@');
	char names[2][256];

	if (!at)
		return *sender != '\0';
	at++;
	mail_name(names[0], sizeof names[0]);
	if (gethostname(names[1], sizeof names[1] - 1) < 0)
		names[1][0] = '\0';
	names[1][sizeof names[1] - 1] = '\0';
	return !strcasecmp(at, "localhost") || (names[0][0] && !strcasecmp(at, names[0])) ||
	       (names[1][0] && !strcasecmp(at, names[1]));
}

/* local_senders = yes: a local sender matches the account as rewrite_from
 * "*" would, named "local_senders" in explanations. */
static void local_senders_match(struct candidate *k, const struct sender *s)
{
	if (!k->a->local_senders || k->rewrite.level != LEVEL_NONE ||
	    !account_sender_is_local(s->envelope))
		return;
	k->rewrite.level = LEVEL_ANY;
	k->rewrite.pattern = xstrdup("local_senders");
}

/* Fill ch->cands and pick ch->best: from first, rewrite_from only when no
 * from matches.  1 when nothing matches. */
static int choose(struct choice *ch, struct error *err)
{
	size_t i, n = ch->c->naccounts;

	ch->cands = xcalloc(n ? n : 1, sizeof *ch->cands);
	for (i = 0; i < n; i++) {
		ch->cands[i].a = &ch->c->accounts[i];
		if (list_best(ch->cands[i].a->from, ch->s, &ch->cands[i].from, err) < 0 ||
		    list_best(ch->cands[i].a->rewrite_from, ch->s, &ch->cands[i].rewrite, err) < 0) {
			error_prefix(err, _("account %s"), ch->cands[i].a->name);
			return -1;
		}
		local_senders_match(&ch->cands[i], ch->s);
	}
	ch->rewrite = 0;
	if (!pick_best(ch)) {
		ch->rewrite = 1;
		if (!pick_best(ch))
			return 1;
	}
	for (i = 0; i < n; i++) {
		if (i != ch->best && chosen_match(ch, i)->level != LEVEL_NONE &&
		    !better(chosen_match(ch, ch->best), chosen_match(ch, i)))
			return tie_error(ch, i, err);
	}
	return 0;
}

/* "NAME (from P; rewrite_from Q)" for the no-match text. */
static void describe_account(struct buf *b, const struct account *a)
{
	buf_printf(b, "%s (from %s", a->name, a->from ? a->from : "-");
	if (a->rewrite_from)
		buf_printf(b, "; rewrite_from %s", a->rewrite_from);
	buf_adds(b, ")");
}

static int no_match_error(const struct conf *c, const char *sender, struct error *err)
{
	struct buf list;
	size_t i;

	buf_init(&list, ERROR_TEXT_MAX);
	for (i = 0; i < c->naccounts; i++) {
		if (list.len > NO_MATCH_LIST_MAX) {
			buf_printf(&list, _(", and %zu more"), c->naccounts - i);
			break;
		}
		if (i)
			buf_adds(&list, ", ");
		describe_account(&list, &c->accounts[i]);
	}
	error_set(err, CAT_NO_ACCOUNT, _("no account in %s may send as %s; the accounts are: %s; "
					 "add the sender to the from of the account that owns it, or to "
					 "rewrite_from to send it as that account's own address"),
		  c->path ? c->path : "", sender, c->naccounts ? buf_str(&list) : _("none"));
	buf_release(&list);
	return -1;
}

static void explain_loser(struct buf *b, const struct choice *ch, size_t i)
{
	const struct candidate *k = &ch->cands[i];

	if (k->from.level != LEVEL_NONE)
		buf_printf(b, _("  %s: lost: from \"%s\" is less specific (%s)\n"), k->a->name,
			   k->from.pattern, _(level_names[k->from.level]));
	else if (k->rewrite.level != LEVEL_NONE && !ch->rewrite)
		buf_printf(b, _("  %s: lost: only rewrite_from \"%s\" matches, and from comes first\n"),
			   k->a->name, k->rewrite.pattern);
	else if (k->rewrite.level != LEVEL_NONE)
		buf_printf(b, _("  %s: lost: rewrite_from \"%s\" is less specific (%s)\n"),
			   k->a->name, k->rewrite.pattern, _(level_names[k->rewrite.level]));
	else
		buf_printf(b, _("  %s: nothing matches (from %s)\n"), k->a->name,
			   k->a->from ? k->a->from : "-");
}

static int take_choice(struct choice *ch, struct selection *sel, struct error *err)
{
	struct match *m = chosen_match(ch, ch->best);
	size_t i;

	sel->account = ch->cands[ch->best].a;
	sel->level = (int)m->level;
	sel->rewritten = ch->rewrite;
	sel->pattern = xstrdup(m->pattern);
	sel->sender = ch->rewrite ? account_own_address(sel->account) : xstrdup(ch->s->envelope);
	if (!sel->sender)
		return error_set(err, CAT_CONFIG, _("account %s has rewrite_from but no address to send "
						    "as; set from to one address, or user to an address"),
				 sel->account->name);
	buf_printf(&sel->explanation, _("account: %s\nmatched: %s \"%s\" (%s)\n"), sel->account->name,
		   ch->rewrite ? "rewrite_from" : "from", m->pattern, _(level_names[m->level]));
	if (ch->rewrite)
		buf_printf(&sel->explanation, _("sent as: %s\n"), sel->sender);
	if (ch->c->naccounts > 1)
		buf_adds(&sel->explanation, _("other accounts:\n"));
	for (i = 0; i < ch->c->naccounts; i++)
		if (i != ch->best)
			explain_loser(&sel->explanation, ch, i);
	return 0;
}

static int select_by_sender(const struct conf *c, const struct sender *s,
			    struct selection *sel, struct error *err)
{
	struct choice ch = { .c = c, .s = s };
	int r = choose(&ch, err);

	if (r == 0)
		r = take_choice(&ch, sel, err);
	else if (r > 0)
		r = no_match_error(c, s->envelope, err);
	candidates_release(ch.cands, c->naccounts);
	return r;
}

static int forced_not_found(const struct conf *c, const char *forced, struct error *err)
{
	struct buf names;
	size_t i;

	buf_init(&names, ERROR_TEXT_MAX);
	for (i = 0; i < c->naccounts; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", c->accounts[i].name);
	error_set(err, CAT_CONFIG, _("%s has no account named \"%s\"; the accounts are: %s"),
		  c->path ? c->path : "", forced, c->naccounts ? buf_str(&names) : _("none"));
	buf_release(&names);
	return -1;
}

/* -a: the account is given; say how the sender relates to it. */
static int select_forced(const struct account *a, const struct sender *s,
			 struct selection *sel, struct error *err)
{
	struct match from = { .level = LEVEL_NONE }, rewrite = { .level = LEVEL_NONE };
	int r = -1;

	sel->account = a;
	if (list_best(a->from, s, &from, err) < 0 || list_best(a->rewrite_from, s, &rewrite, err) < 0)
		goto out;
	if (from.level == LEVEL_NONE && rewrite.level != LEVEL_NONE) {
		sel->rewritten = 1;
		sel->pattern = xstrdup(rewrite.pattern);
		if (!(sel->sender = account_own_address(a))) {
			r = error_set(err, CAT_CONFIG, _("account %s has rewrite_from but no address to "
							 "send as; set from to one address, or user "
							 "to an address"), a->name);
			goto out;
		}
	} else {
		sel->sender = xstrdup(s->envelope);
		sel->pattern = from.pattern ? xstrdup(from.pattern) : NULL;
	}
	buf_printf(&sel->explanation, _("account: %s (chosen with -a)\n"), a->name);
	if (sel->pattern)
		buf_printf(&sel->explanation, _("matched: %s \"%s\"\n"),
			   sel->rewritten ? "rewrite_from" : "from", sel->pattern);
	if (sel->rewritten)
		buf_printf(&sel->explanation, _("sent as: %s\n"), sel->sender);
	if (!sel->pattern) {
		sel->warning = xasprintf(_("warning: the sender %s is outside the from of account %s "
					   "(%s); the server may refuse it"), s->envelope, a->name,
					 a->from ? a->from : "-");
		buf_printf(&sel->explanation, "%s\n", sel->warning);
	}
	r = 0;
out:
	free(from.pattern);
	free(rewrite.pattern);
	return r;
}

/* -a with the null sender "<>": nothing to match, nothing to warn about. */
static int select_null_sender(const struct account *a, struct selection *sel)
{
	sel->account = a;
	sel->sender = xstrdup("");
	buf_printf(&sel->explanation, _("account: %s (chosen with -a)\nsender: <> (none)\n"),
		   a->name);
	return 0;
}

static int is_null_sender(const char *sender)
{
	return !*sender || strcmp(sender, "<>") == 0;
}

int account_select(const struct conf *c, const char *sender, const char *forced,
		   struct selection *sel, struct error *err)
{
	const struct account *a = NULL;
	struct sender s;
	int r;

	if (forced && !(a = conf_find(c, forced)))
		return forced_not_found(c, forced, err);
	if (!sender || is_null_sender(sender)) {
		if (a)
			return select_null_sender(a, sel);
		return error_set(err, CAT_INPUT, _("the sender is empty (<>), which matches no "
						   "account; choose one with -a NAME"));
	}
	if (sender_parse(sender, &s, err) < 0)
		return -1;
	buf_printf(&sel->explanation, _("sender: %s\n"), s.envelope);
	r = a ? select_forced(a, &s, sel, err) : select_by_sender(c, &s, sel, err);
	sender_release(&s);
	return r;
}
