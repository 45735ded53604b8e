/* SPDX-License-Identifier: GPL-3.0-or-later */
/* classify.h: what a failure means, the exit code it gets, and what to do.
 * Pure.
 *
 * One table (classify.c) turns the stage and the server's reply (code,
 * enhanced code when its class matches the code, known provider texts) into
 * a category, after the provider facts (providers.h) had their say; another
 * gives each category its sysexits(3) exit code and whether it is
 * retryable; the provider facts give the hint a person can act on, with one
 * hint per category to fall back on.  Classification is keyed
 * on enum smtp_state, so a new step (BDAT) needs only rows here. */
#ifndef SENDAS_CLASSIFY_H
#define SENDAS_CLASSIFY_H

#include "error.h"
#include "reply.h"
#include "smtp.h"

enum category classify_reply(enum smtp_state stage, const struct reply *r);

/* The documented exit code of a category (0 for CAT_NONE). */
int category_exit_code(enum category cat);

/* Whether the same message may succeed later (a 4xx, a dropped or timed
 * out connection): the send mode queues it, a queue flush defers it.
 * Exactly the categories whose exit code is 75 (EX_TEMPFAIL). */
int category_retryable(enum category cat);

/* Whether the failure is local (I/O, a bug), not the message's: a queued
 * message waits through it rather than failing. */
int category_local(enum category cat);

struct hint {
	const char *provider;   /* a stable name ("postfix", "microsoft365", ...)
				 * when the reply is recognisably a provider's, else NULL */
	const char *text;       /* translated, one sentence; NULL for CAT_NONE
				 * and CAT_USAGE (--help says it all) */
};

/* What a hint is chosen from.  reply may be NULL (nothing came from a
 * server) and is then not consulted.  auth_mech: the SASL mechanism of the
 * login, or NULL; a refused OAuth login (XOAUTH2, OAUTHBEARER) gets a hint
 * about the token, not the providers' password hints.  host and greeting:
 * the account's host and the first word of the server's greeting (either
 * may be NULL); a provider is named only when one of them is the
 * provider's (providers.h), so any other server gets the generic hint. */
struct hint_query {
	enum category cat;
	enum smtp_state stage;
	const struct reply *reply;
	const char *auth_mech;
	const char *host;
	const char *greeting;
};

struct hint classify_hint(const struct hint_query *q);

#endif
