/* send_limits.h: an account's send limits (sendas-accounts(5) "LIMITS").
 *
 * Providers cap how much a login may send: messages per hour and per day,
 * recipients per message, message size (some do not announce SIZE).
 * Checked before any connection, so that a message over a limit is never
 * sent only to be refused, and the account is not locked for trying.
 *
 * Size and recipients: limits_check_message() refuses at once (CAT_TOO_LARGE,
 * exit 65; CAT_USAGE, exit 64: split the recipients).
 *
 * Rates: every message sent through the account takes a slot, a line with
 * its time in the account's counter file DIR/limits/ACCOUNT (DIR: the
 * account's queue directory), read and appended to under flock(LOCK_EX)
 * (one line, one write, one fdatasync: 500 concurrent sessions wait for
 * each other's disk flush, not for a rewrite of the whole file), so that
 * concurrent sendas processes and queue flushes share one count and a
 * restart forgets nothing.  A window is sliding: at most messages_per_hour
 * slots in any 3600 s, messages_per_day in any 86400 s.  A slot is taken
 * before the message is sent and given back when the server did not take
 * it.  When no slot is free, the caller queues the message (or defers it)
 * until the moment the oldest slot in the full window expires.
 *
 * The file: "sendas-limits 1", then one Unix time per line in the order
 * taken (read sorted).  Lines older than a day stay until they are more
 * than the live ones (and at least 1,024): then the file is rewritten
 * without them (a new file, fsynced, renamed), as it is when it is missing
 * or damaged and when a slot is given back.  A damaged line is ignored
 * (counted as nothing). */
#ifndef SENDAS_SEND_LIMITS_H
#define SENDAS_SEND_LIMITS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "error.h"

#define LIMITS_HOUR 3600
#define LIMITS_DAY 86400

/* nrcpts and size (bytes) against max_recipients and max_size: 0, or -1
 * and err (CAT_USAGE, CAT_TOO_LARGE) naming the limit. */
int limits_check_message(const struct account *a, size_t nrcpts, long long size,
			 struct error *err);

/* Whether a has a rate limit at all. */
int limits_rated(const struct account *a);

struct limits_slot {
	time_t at;                /* the time the slot was taken; 0: none taken */
	time_t next;              /* when none was free: when one will be */
};

/* Take a slot at now in dir's counter file for a (made, with dir/limits,
 * when needed).  0: taken (slot->at = now) or a has no rate limit (slot->at
 * 0); 1: none free, slot->next says when one will be and err (CAT_TEMPORARY)
 * says which limit in words; -1 and err (CAT_IO) when the file cannot be
 * used. */
int limits_take(const char *dir, const struct account *a, time_t now,
		struct limits_slot *slot, struct error *err);

/* Give back a slot that limits_take() gave (the server did not take the
 * message).  Best effort: a slot that cannot be given back only delays a
 * later message.  Nothing when slot->at is 0. */
void limits_give_back(const char *dir, const struct account *a, struct limits_slot *slot);

/* The counter file's slots in the last window seconds before now (for
 * tests and the doctor); -1 when it cannot be read. */
long limits_count(const char *dir, const struct account *a, time_t now, long window);

#endif
