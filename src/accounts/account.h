/* account.h: which account sends for an envelope sender.  Pure, but for
 * /etc/mailname (account_sender_is_local()).
 *
 * Addresses are compared after normalising: the domain lowercased and
 * turned into its A-label (libidn2; then checked for LDH syntax, which
 * libidn2 does not do for ASCII), the local part case-insensitively (ASCII),
 * and "user+tag@d" also matches "user@d" (a pattern with a +tag matches only
 * that tag).  The most specific match wins:
 *   1 exact address           alice@example.org
 *   2 literal local part      alice@*      (any domain)
 *   3 the domain              *@example.org
 *   4 a subdomain             *@*.example.org   (not example.org itself;
 *                             among these the longest domain wins)
 *   5 anything                *   (or *@*)
 * Other shapes (a@*.example.org, a*@x) are refused.  Two accounts at the same
 * best level is a configuration error naming both.
 *
 * rewrite_from patterns (same syntax) are consulted only when no account's
 * from matches: they catch local senders no provider would accept (cron's
 * root@host, *@localhost, nobody@*), which are then sent as the account's own
 * address (account_own_address()).  A sender without "@" ("root", as cron
 * writes it) matches only patterns whose domain is "*".  An empty sender
 * ("<>") matches nothing; it may be sent with -a. */
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
	int level;                /* 1..5 as above; 0 for -a */
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

/* Check a from or rewrite_from list (for conf.c, which adds FILE:LINE).
 * 0, or -1 and err (CAT_CONFIG naming the first bad pattern). */
int account_check_patterns(const char *list, struct error *err);

/* The address an account sends rewritten senders as: its from when that is
 * one exact address, else user when user is an address.  A new string
 * (domain as A-label), or NULL when there is none. */
char *account_own_address(const struct account *a);

/* A domain as its lowercase A-label, checked for LDH syntax (labels of 1..63
 * letters, digits and inner hyphens; at most 253 bytes; no trailing dot).
 * "[...]" address literals are copied lowercased.  A new string, or NULL and
 * err (CAT_INPUT). */
char *account_domain_alabel(const char *domain, struct error *err);

#endif
