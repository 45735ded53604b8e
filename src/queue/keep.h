/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keep.h: what the send mode does with a message it could not send.
 *
 * After a temporary failure (exit code 75) the message is queued (queue.h):
 * "queued as ID; will retry"; with "queue = off" for the account it is not
 * kept ("not sent").  After any other failure, once the message was ready
 * to send, a copy goes to failed/ with the reason, so a caller that shows
 * no errors (cron, systemd) loses nothing; mailq lists it, and it is never
 * retried unless asked (--queue-retry).  Recipients that already have the
 * message (a 452 split, smtp.h) are left out of the copy.
 *
 * A queue that cannot be written is reported.  The send mode (send.c) then
 * says "not sent and not kept: why" and exits 75, so the caller keeps the
 * message; once a message is queued it exits 0 with one line (queued, why,
 * the next try), unless the account has queued_exit = 75.  A message
 * refused for a local reason before it was ready (no account file, no
 * account, an alias error) is kept too, as it was read, under the account
 * QUEUE_NO_ACCOUNT (k->a NULL: the default queue).
 *
 * Two steps, so that the failure report (which says whether the message
 * was queued) comes first and this module's one line last:
 *   keep_message(&k, &err, &kept);    stores, prints nothing
 *   report_failure(...);              with rc.queued = kept.how == KEPT_QUEUED
 *   keep_report(&kept);               one line on stderr */
#ifndef SENDAS_KEEP_H
#define SENDAS_KEEP_H

#include <limits.h>
#include <time.h>

#include "conf.h"
#include "error.h"
#include "queue.h"
#include "smtp.h"

struct keep {
	const struct account *a;
	const char *conf_path;
	struct queue_message m;            /* rcpts: the whole envelope */
	const struct smtp_result *res;     /* the engine's verdicts, or NULL */
};

enum kept {
	KEPT_NOT,                 /* nothing to keep (every recipient has it) */
	KEPT_QUEUED,              /* queued, will be retried */
	KEPT_FAILED,              /* in failed/, not retried */
	KEPT_OFF,                 /* queue = off: not kept */
	KEPT_ERROR,               /* the queue could not be written: err says why */
};

struct kept_message {
	enum kept how;
	int temporary;            /* the failure was temporary (75) */
	time_t next_try;          /* k->m.not_before: a send limit's window; 0 */
	char id[QUEUE_ID_LEN + 1];
	char dir[PATH_MAX];
	const char *account;
	struct error err;
};

/* Store k->m after failure, as described above.  Prints nothing. */
void keep_message(const struct keep *k, const struct error *failure,
		  struct kept_message *out);

/* The one line that says where the message went. */
void keep_report(const struct kept_message *kept);

#endif
