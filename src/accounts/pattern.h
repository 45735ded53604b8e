/* pattern.h: the pattern language of from and rewrite_from.  Pure.
 *
 * A sender is compared after normalising: the domain by the one domain
 * normaliser (address.h, lowercased), the local part case-insensitively
 * (ASCII), and "user+tag@d" also matches "user@d" (a pattern with a +tag
 * matches only that tag).  Shapes and their levels, most specific first:
 *   1 exact address           alice@example.org
 *   2 literal local part      alice@*      (any domain)
 *   3 the domain              *@example.org
 *   4 a subdomain             *@*.example.org   (among these the longest
 *                             domain is the more specific)
 *   5 a wildcard pattern      a?ice@example.org, [ab]*@example.org (msmtp's
 *                             "?" and "[...]", with "*": fnmatch(3), ASCII
 *                             case-insensitive, also without the +tag)
 *   6 anything                *   (or *@*)
 * A bare name ("root") matches that local part at any local domain (a
 * bare name, @localhost, @ the mail name or the host name: the caller
 * sets struct sender's is_local), at the level of a literal local part.
 * Other shapes (a@*.example.org, a*@x) are refused with CAT_CONFIG.
 *
 * This module knows no account file: conf.c checks lists with it while it
 * reads the file, account.c chooses accounts with it. */
#ifndef SENDAS_PATTERN_H
#define SENDAS_PATTERN_H

#include <stddef.h>

#include "error.h"

enum level {
	LEVEL_FORCED = 0, LEVEL_EXACT, LEVEL_LOCAL, LEVEL_DOMAIN, LEVEL_SUBDOMAIN, LEVEL_GLOB,
	LEVEL_ANY, LEVEL_NONE
};

/* "the exact address", "a subdomain", ... (translated). */
const char *pattern_level_name(enum level level);

/* A sender split and normalised for comparison. */
struct sender {
	char *local;              /* ASCII lowercased */
	size_t base_len;          /* bytes of local before "+tag" */
	char *domain;             /* A-label; NULL for an unqualified "root" */
	char *envelope;           /* local as given, "@", A-label */
	int is_local;             /* address_is_local(): a bare name, @localhost, ...;
				   * set by the caller, sender_parse() leaves it 0 */
};

/* Split "local@domain" (or "<...>", or an unqualified "root") into s (all
 * owned).  -1 and err (CAT_INPUT naming the sender). */
int sender_parse(const char *in, struct sender *s, struct error *err);
void sender_release(struct sender *s);

/* The best pattern of one list for one sender. */
struct match {
	enum level level;
	size_t weight;            /* at LEVEL_SUBDOMAIN: the longer domain is more specific */
	char *pattern;            /* owned */
};

/* Whether a is more specific than b. */
int match_better(const struct match *a, const struct match *b);

/* The best pattern of list (separated by commas or white space; NULL is
 * empty) for s in *m, level LEVEL_NONE when none matches.  -1 and err
 * (CAT_CONFIG) on a bad pattern. */
int pattern_list_best(const char *list, const struct sender *s, struct match *m,
		      struct error *err);

/* Check a from or rewrite_from list (for conf.c, which adds FILE:LINE).
 * 0, or -1 and err (CAT_CONFIG naming the first bad pattern; "no pattern
 * given" for an empty list). */
int pattern_check_list(const char *list, struct error *err);

/* The address rewritten senders are sent as: from when it is one exact
 * address, else user when user is an address.  A new string (domain as
 * A-label), or NULL when there is none. */
char *pattern_own_address(const char *from, const char *user);

#endif
