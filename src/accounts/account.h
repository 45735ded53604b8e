/* SPDX-License-Identifier: GPL-3.0-or-later */
/* account.h: which account sends for an envelope sender.  Pure.
 *
 * Senders are matched against the accounts' from patterns (pattern.h says
 * how they are normalised and compared).  The most specific match wins:
 *   1 exact address           alice@example.org
 *   2 literal local part      alice@*      (any domain)
 *   3 the domain              *@example.org
 *   4 a subdomain             *@*.example.org   (not example.org itself;
 *                             among these the longest domain wins)
 *   5 a wildcard pattern      a?ice@example.org, [ab]*@example.org: with "?"
 *                             or "[...]" (msmtp's syntax) the whole pattern
 *                             is glob(7), "*" too, matched by fnmatch(3)
 *                             without case, and again without a +detail
 *   6 anything                *   (or *@*)
 * Other shapes (a@*.example.org, a*@x) are refused.  Two accounts at the same
 * best level is a configuration error naming both.
 *
 * rewrite_from patterns (same syntax) are consulted only when no account's
 * from matches: they catch local senders no provider would accept (cron's
 * root@host, *@localhost, nobody@*), which are then sent as the account's own
 * address (account_own_address()).  A sender without "@" ("root", as cron
 * writes it) matches only patterns whose domain is "*", and bare-name
 * patterns: "root" (level 2) matches root, root@localhost, root@ the mail
 * name and root@ the host name (address_is_local(), mailname.h).
 *
 * local_senders: when nothing matches a local sender, the one account with
 * "local_senders = yes" sends it, as its own address (level 5, pattern
 * "local_senders").  An empty sender ("<>") matches nothing; it may be sent
 * with -a. */
#ifndef SENDAS_ACCOUNT_H
#define SENDAS_ACCOUNT_H

#include "buf.h"
#include "conf.h"
#include "error.h"

#define SELECTION_EXPLANATION_MAX (64 * 1024)

struct selection {
	const struct account *account;
	char *pattern;            /* the pattern that matched, as one string (owned); NULL for -a
	                             outside from */
	int level;                /* 1..6 as above; 0 for -a */
	int rewritten;            /* matched through rewrite_from */
	char *sender;             /* the envelope sender to use (rewritten or normalised) */
	char *warning;            /* -a with a sender outside its from: print it on stderr (owned) */
	struct buf explanation;   /* for --which: the candidates and why each lost */
};

void selection_init(struct selection *sel);
void selection_release(struct selection *sel);

/* Choose the account for sender, or the one named forced (-a) when not NULL
 * (a warning in sel->warning and sel->explanation when the sender is outside
 * its from).  sel must have been initialised; it is filled on success and
 * may hold a partial explanation on failure.
 * Errors: CAT_NO_ACCOUNT (the text names the sender, the file and each
 * account with its patterns), CAT_CONFIG (ties; a forced name not found; a
 * bad pattern when c did not come from conf_load()), CAT_INPUT (the sender
 * is not a valid address). */
int account_select(const struct conf *c, const char *sender, const char *forced,
		   struct selection *sel, struct error *err);

/* Whether a sender is local: a bare name ("root"), or @localhost, @ the
 * mail name (/etc/mailname) or @ the host name.  The account with
 * local_senders = yes takes these when no from and no rewrite_from
 * matches, and sends them as its own address. */
int account_sender_is_local(const char *sender);

/* The address an account sends rewritten senders as: its from when that is
 * one exact address, else user when user is an address.  A new string
 * (domain as A-label), or NULL when there is none. */
char *account_own_address(const struct account *a);

#endif
