/* SPDX-License-Identifier: GPL-3.0-or-later */
/* account.c: see account.h.  Pure: no I/O, no globals. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "account.h"
#include "i18n.h"
#include "mailname.h"
#include "pattern.h"
#include "xalloc.h"

#define NO_MATCH_LIST_MAX 600      /* bytes of account list in the CAT_NO_ACCOUNT text */

char *account_own_address(const struct account *a)
{
	return pattern_own_address(a->from, a->user);
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

	return error_set(err, CAT_CONFIG, N_("%s: the sender %s matches account %s (%s \"%s\") and "
					    "account %s (%s \"%s\") equally (%s); make one pattern more "
					    "specific or remove one"),
			 ch->c->path ? ch->c->path : "", ch->s->envelope, a->a->name, key,
			 chosen_match(ch, ch->best)->pattern, b->a->name, key,
			 chosen_match(ch, other)->pattern, pattern_level_name(chosen_match(ch, other)->level));
}

/* The most specific candidate in ch->best; 0 when none matches. */
static int pick_best(struct choice *ch)
{
	size_t i;
	int found = 0;

	for (i = 0; i < ch->c->naccounts; i++) {
		if (chosen_match(ch, i)->level == LEVEL_NONE)
			continue;
		if (!found || match_better(chosen_match(ch, i), chosen_match(ch, ch->best)))
			ch->best = i;
		found = 1;
	}
	return found;
}

/* The one test of locality (mailname.h), for the local submission
 * service's permit.c. */
int account_sender_is_local(const char *sender)
{
	return address_is_local(sender, NULL);
}

/* Fill ch->cands and pick ch->best: from first, rewrite_from only when no
 * from matches.  1 when nothing matches. */
static int choose(struct choice *ch, struct error *err)
{
	size_t i, n = ch->c->naccounts;

	ch->cands = xcalloc(n ? n : 1, sizeof *ch->cands);
	for (i = 0; i < n; i++) {
		ch->cands[i].a = &ch->c->accounts[i];
		if (pattern_list_best(ch->cands[i].a->from, ch->s, &ch->cands[i].from, err) < 0 ||
		    pattern_list_best(ch->cands[i].a->rewrite_from, ch->s, &ch->cands[i].rewrite, err) < 0) {
			error_prefix(err, N_("account %s"), ch->cands[i].a->name);
			return -1;
		}
	}
	ch->rewrite = 0;
	if (!pick_best(ch)) {
		ch->rewrite = 1;
		if (!pick_best(ch))
			return 1;
	}
	for (i = 0; i < n; i++) {
		if (i != ch->best && chosen_match(ch, i)->level != LEVEL_NONE &&
		    !match_better(chosen_match(ch, ch->best), chosen_match(ch, i)))
			return tie_error(ch, i, err);
	}
	return 0;
}

/* "NAME (from P; rewrite_from Q)" for the no-match text. */
static void describe_account(struct buf *b, const struct account *a)
{
	buf_printf_trunc(b, "%s (from %s", a->name, a->from ? a->from : "-");
	if (a->rewrite_from)
		buf_printf_trunc(b, "; rewrite_from %s", a->rewrite_from);
	buf_adds_trunc(b, ")");
}

static int no_match_error(const struct conf *c, const char *sender, struct error *err)
{
	char word[ERROR_WORD_MAX], arg[ERROR_ARG_MAX];
	struct error names;   /* the list, its "and N more" in any language */
	struct buf list;
	size_t i;

	buf_init(&list, ERROR_TEXT_MAX);
	for (i = 0; i < c->naccounts && list.len <= NO_MATCH_LIST_MAX; i++) {
		if (i)
			buf_adds_trunc(&list, ", ");
		describe_account(&list, &c->accounts[i]);
	}
	error_set(&names, CAT_NO_ACCOUNT, "%s", c->naccounts ? buf_str(&list)
		  : error_word(N_("none"), word));
	if (i < c->naccounts)
		error_append(&names, N_(", and %zu more"), c->naccounts - i);
	error_set(err, CAT_NO_ACCOUNT, N_("no account in %s may send as %s; the accounts are: %s; "
					 "add the sender to the from of the account that owns it, or to "
					 "rewrite_from to send it as that account's own address"),
		  c->path ? c->path : "", sender, error_arg(&names, arg));
	buf_release(&list);
	return -1;
}

static void explain_loser(struct buf *b, const struct choice *ch, size_t i)
{
	const struct candidate *k = &ch->cands[i];

	if (k->from.level != LEVEL_NONE)
		buf_printf_trunc(b, _("  %s: lost: from \"%s\" is less specific (%s)\n"), k->a->name,
			   k->from.pattern, pattern_level_name(k->from.level));
	else if (k->rewrite.level != LEVEL_NONE && !ch->rewrite)
		buf_printf_trunc(b, _("  %s: lost: only rewrite_from \"%s\" matches, and from comes first\n"),
			   k->a->name, k->rewrite.pattern);
	else if (k->rewrite.level != LEVEL_NONE)
		buf_printf_trunc(b, _("  %s: lost: rewrite_from \"%s\" is less specific (%s)\n"),
			   k->a->name, k->rewrite.pattern, pattern_level_name(k->rewrite.level));
	else
		buf_printf_trunc(b, _("  %s: nothing matches (from %s)\n"), k->a->name,
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
		return error_set(err, CAT_CONFIG, N_("account %s has rewrite_from but no address to send "
						    "as; set from to one address, or user to an address"),
				 sel->account->name);
	buf_printf_trunc(&sel->explanation, _("account: %s\nmatched: %s \"%s\" (%s)\n"), sel->account->name,
		   ch->rewrite ? "rewrite_from" : "from", m->pattern, pattern_level_name(m->level));
	if (ch->rewrite)
		buf_printf_trunc(&sel->explanation, _("sent as: %s\n"), sel->sender);
	if (ch->c->naccounts > 1)
		buf_adds_trunc(&sel->explanation, _("other accounts:\n"));
	for (i = 0; i < ch->c->naccounts; i++)
		if (i != ch->best)
			explain_loser(&sel->explanation, ch, i);
	return 0;
}

/* No from and no rewrite_from matched a local sender: the account with
 * local_senders = yes sends it as its own address.  1 when there is none. */
static int select_local_senders(const struct conf *c, const struct sender *s,
				struct selection *sel, struct error *err)
{
	size_t i;

	for (i = 0; s->is_local && i < c->naccounts; i++) {
		const struct account *a = &c->accounts[i];

		if (!a->local_senders)
			continue;
		sel->account = a;
		sel->level = LEVEL_ANY;
		sel->rewritten = 1;
		sel->pattern = xstrdup("local_senders");
		if (!(sel->sender = account_own_address(a)))
			return error_set(err, CAT_CONFIG, N_("account %s has rewrite_from but no "
							    "address to send as; set from to one "
							    "address, or user to an address"), a->name);
		buf_printf_trunc(&sel->explanation, _("account: %s\nmatched: local_senders = yes (%s is "
						"a local sender and no from matches it)\nsent as: "
						"%s\n"), a->name, s->envelope, sel->sender);
		return 0;
	}
	return 1;
}

static int select_by_sender(const struct conf *c, const struct sender *s,
			    struct selection *sel, struct error *err)
{
	struct choice ch = { .c = c, .s = s };
	int r = choose(&ch, err);

	if (r == 0)
		r = take_choice(&ch, sel, err);
	else if (r > 0 && (r = select_local_senders(c, s, sel, err)) > 0)
		r = no_match_error(c, s->envelope, err);
	candidates_release(ch.cands, c->naccounts);
	return r;
}

static int forced_not_found(const struct conf *c, const char *forced, struct error *err)
{
	char word[ERROR_WORD_MAX];
	struct buf names;
	size_t i;

	buf_init(&names, ERROR_TEXT_MAX);
	for (i = 0; i < c->naccounts; i++)
		buf_printf_trunc(&names, "%s%s", i ? ", " : "", c->accounts[i].name);
	error_set(err, CAT_CONFIG, N_("%s has no account named \"%s\"; the accounts are: %s"),
		  c->path ? c->path : "", forced, c->naccounts ? buf_str(&names) : error_word(N_("none"), word));
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
	if (pattern_list_best(a->from, s, &from, err) < 0 || pattern_list_best(a->rewrite_from, s, &rewrite, err) < 0)
		goto out;
	if (from.level == LEVEL_NONE && rewrite.level != LEVEL_NONE) {
		sel->rewritten = 1;
		sel->pattern = xstrdup(rewrite.pattern);
		if (!(sel->sender = account_own_address(a))) {
			r = error_set(err, CAT_CONFIG, N_("account %s has rewrite_from but no address to "
							 "send as; set from to one address, or user "
							 "to an address"), a->name);
			goto out;
		}
	} else {
		sel->sender = xstrdup(s->envelope);
		sel->pattern = from.pattern ? xstrdup(from.pattern) : NULL;
	}
	buf_printf_trunc(&sel->explanation, _("account: %s (chosen with -a)\n"), a->name);
	if (sel->pattern)
		buf_printf_trunc(&sel->explanation, _("matched: %s \"%s\"\n"),
			   sel->rewritten ? "rewrite_from" : "from", sel->pattern);
	if (sel->rewritten)
		buf_printf_trunc(&sel->explanation, _("sent as: %s\n"), sel->sender);
	if (!sel->pattern) {
		sel->warning = xasprintf(_("warning: the sender %s is outside the from of account %s "
					   "(%s); the server may refuse it"), s->envelope, a->name,
					 a->from ? a->from : "-");
		buf_printf_trunc(&sel->explanation, "%s\n", sel->warning);
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
	buf_printf_trunc(&sel->explanation, _("account: %s (chosen with -a)\nsender: <> (none)\n"),
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
		return error_set(err, CAT_INPUT, N_("the sender is empty (<>), which matches no "
						   "account; choose one with -a NAME"));
	}
	if (sender_parse(sender, &s, err) < 0)
		return -1;
	s.is_local = address_is_local(s.envelope, c->local_names);
	buf_printf_trunc(&sel->explanation, _("sender: %s\n"), s.envelope);
	r = a ? select_forced(a, &s, sel, err) : select_by_sender(c, &s, sel, err);
	sender_release(&s);
	return r;
}
