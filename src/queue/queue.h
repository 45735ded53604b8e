/* SPDX-License-Identifier: GPL-3.0-or-later */
/* queue.h: the durable queue.  Messages that could not be sent yet, and
 * those refused for good, each kept with everything needed to send it again
 * exactly as the first attempt would have.  This module stores; it does not
 * talk SMTP (flush.c does) and prints nothing.
 *
 * Where (queue_dir_for()): the account's queue_dir; else $STATE_DIRECTORY
 * (systemd's StateDirectory=, the first when there are several); else
 * $XDG_STATE_HOME/sendas/queue; else ~/.local/state/sendas/queue.  mailq and
 * -q look in every directory an account names and in that default; for
 * root (without $STATE_DIRECTORY) also in QUEUE_SYSTEM_DIR, the queue of the
 * system units, when it exists ($SENDAS_SYSTEM_QUEUE names another place,
 * for the tests, which must not touch the machine's).  The system sendas-queue.service flushes
 * both that and root's own queue, so root's sends, mailq, -q and the timer
 * serve the same messages.
 *
 * On disk, one directory (mode 0700, made when first needed):
 *   DIR/ID          a queued message (mode 0600)
 *   DIR/failed/ID   a message refused for good, or past its lifetime
 *   DIR/tmp/ID      being written; never read, removed once its writer is gone
 *   DIR/due         the due hint (below): one number, a hint only
 * ID is 16 lowercase hex digits: the queue time (so names sort by age) and
 * 32 random bits.  One file per message, text up to the content:
 *   sendas-queue 1
 *   account NAME
 *   sender ADDRESS          (nothing after the space: the null sender)
 *   rcpt ADDRESS            one line per recipient
 *   notify WHEN             } DSN (-N, -R, -V), each only when given
 *   ret WHAT                }
 *   envid ID                }
 *   8bitmime yes|no         BODY=8BITMIME needed
 *   smtputf8 yes|no         SMTPUTF8 needed
 *   owner UID               who handed it to the local submission service
 *                           (sendas(1) LOCAL SUBMISSION); only then
 *   queued UNIXTIME
 *   size N
 *   (an empty line)
 *   N bytes: the content as it goes on the wire before dot-stuffing (the
 *            header sendas built, then the body; CRLF lines)
 * and after the content, records, one line each, only ever appended:
 *   attempt TIME NEXT TEXT  a temporary failure at TIME; due again at NEXT
 *   retry TIME              due at once (--queue-retry)
 *   done ADDRESS            this recipient has the message (a 452 split)
 *   failed TIME TEXT        refused for good (or expired): belongs in failed/
 *   reason NEUTRAL          the reason of the attempt or failed record just
 *                           before it, language-neutral
 *
 * Reasons and languages: TEXT is the reason as the writer's locale said it
 * (escaped, escape.h; at most QUEUE_TEXT_MAX bytes).  The reason record
 * after it, written by the same append, holds the same reason as the
 * error's neutral form (error.h, neutral.h: the msgid and its arguments,
 * one printable line), so that mailq, -q and the expiry note show it in
 * the language of whoever reads the queue (queue_last_reason()): the
 * systemd timer (LANG=C) and root's German mailq share one queue.  A file
 * without reason records (written before they existed), a reason that
 * does not render, or one cut by a crash shows TEXT as before; sendas
 * versions without them skip the unknown (or overlong) record.  A reason
 * whose error text was redacted (a secret echoed, smtp.c) holds the
 * redacted text as it is, like TEXT.
 *
 * Why one file: a message appears by one rename (tmp/ID to ID, after the
 * file and then the directory are fsynced), leaves by one unlink and moves to
 * failed/ by one rename, so no crash can show half of one.  The content is
 * never rewritten: what changes is appended as records (fdatasync after
 * each), and a torn last record (a crash mid-append) is ignored and cut off
 * by the next append.  A "failed" record in DIR is a move that a crash
 * interrupted; queue_take() completes it.
 *
 * Locking: whoever sends, changes or removes a message holds flock(LOCK_EX)
 * on its file, taken without waiting; a busy message is skipped (someone else
 * is sending it).  After the lock, the file must still be linked: a message
 * that another process removed between our open and our lock is gone.  So
 * two flushes never send one message twice; the one duplicate window left is
 * a process killed between the end of the content and the unlink after the
 * server's 250 (flush.h).
 *
 * Every function returns 0 (or the documented value) or -1 with err:
 * CAT_IO naming the file and the system error, CAT_CONFIG for a queue
 * setting of an account. */
#ifndef SENDAS_QUEUE_H
#define SENDAS_QUEUE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "error.h"

#define QUEUE_ID_LEN 16                   /* hex digits */
#define QUEUE_SYSTEM_DIR "/var/lib/sendas"  /* StateDirectory=sendas of the system units */
/* The account of a message refused for a local reason (no account file, no
 * account, an alias error): kept as it was read, its header not yet
 * prepared; sending it again runs the whole send path (flush.h). */
#define QUEUE_NO_ACCOUNT "-"
#define QUEUE_ENVELOPE_MAX (4 * 1024 * 1024)  /* the text before the content */
#define QUEUE_RECORD_MAX (NEUTRAL_MAX + 16)   /* one record line, with its newline */
#define QUEUE_RECORDS_MAX (1024 * 1024)   /* all records of a message */
#define QUEUE_TEXT_MAX 600                /* an error text in a record */
#define QUEUE_SYNC_BATCH 64               /* queue_remove_batched() */
#define QUEUE_BACKOFF_FIRST 60            /* seconds after the first failure */
#define QUEUE_BACKOFF_MAX 3600            /* doubling up to this */
#define QUEUE_LIFETIME_DEFAULT (5 * 86400)
#define QUEUE_LIFETIME_MAX CONF_LIFETIME_MAX

enum queue_area { QUEUE_ACTIVE, QUEUE_FAILED };

/* An open queue directory. */
struct queue {
	char *dir;
	int fd;                   /* DIR */
	int failed_fd;            /* DIR/failed */
	int tmp_fd;               /* DIR/tmp */
	unsigned unsynced;        /* removals not yet made durable (queue_remove_batched) */
};

/* The queue settings of an account (queue, queue_lifetime, queue_dir). */
struct queue_settings {
	int enabled;              /* queue = on (default) or off */
	long lifetime;            /* seconds */
	char *dir;                /* owned */
};

/* One message: its envelope, and its state folded from the records. */
struct queue_entry {
	char id[QUEUE_ID_LEN + 1];
	enum queue_area area;
	int fd;                   /* the file; locked after queue_take(); -1 */
	char *account;
	char *sender;             /* "" for the null sender */
	char **rcpts;             /* those not yet "done" */
	size_t nrcpts;
	char *notify, *ret, *envid;   /* NULL when not given */
	int body_8bit;
	int smtputf8;
	char *owner;              /* the submitting uid (decimal), or NULL */
	time_t queued;
	off_t offset;             /* where the content starts in fd */
	off_t size;               /* content bytes */
	unsigned attempts;        /* "attempt" records */
	time_t next_try;          /* 0: due now */
	time_t failed;            /* time of a "failed" not followed by "retry"; 0 */
	char *last_error;         /* of the last attempt or failure, or NULL */
	char *last_reason;        /* its "reason" record (neutral), or NULL */
	off_t records_end;        /* where the next record goes */
};

/* The settings of account a (NULL: the defaults), its file path for
 * messages.  Errors: CAT_CONFIG ("FILE:LINE: account NAME: ..."). */
int queue_settings(const struct account *a, const char *conf_path,
		   struct queue_settings *s, struct error *err);
void queue_settings_release(struct queue_settings *s);

/* The default place (no queue_dir): a new string, or NULL and err. */
char *queue_default_dir(struct error *err);

/* Every distinct queue directory of c's accounts, and the default, in that
 * order, as new strings; *n set.  c may be empty.  A directory that cannot be
 * worked out is left out. */
char **queue_all_dirs(const struct conf *c, size_t *n);
void queue_free_dirs(char **dirs, size_t n);

/* Open dir; with create, make it (and its parents) first.  1 when it does
 * not exist and create is 0 (q is then unusable, nothing to release). */
int queue_open(struct queue *q, const char *dir, int create, struct error *err);
void queue_close(struct queue *q);

/* The message to store: an envelope (account, sender, rcpts, DSN, the two
 * needs; rcpts given in order) and the content (prefix, then size - prefix_len
 * bytes of fd from offset 0). */
struct queue_message {
	const char *account;
	const char *sender;
	const char *const *rcpts;
	size_t nrcpts;
	const char *notify, *ret, *envid;
	int body_8bit;
	int smtputf8;
	const char *owner;        /* the submitting uid, or NULL */
	const char *prefix;
	size_t prefix_len;
	int fd;
	off_t size;
	time_t not_before;        /* QUEUE_ACTIVE: the first try; 0: after the
				   * backoff (a send limit's window: send_limits.h) */
};

/* Store m durably in area with one first record: "attempt" with the
 * backoff's next try (QUEUE_ACTIVE), or "failed" (QUEUE_FAILED), both with
 * why (its text, and its neutral form in a "reason" record).  Its ID goes
 * into id. */
int queue_add(struct queue *q, enum queue_area area, const struct queue_message *m,
	      const struct error *why, time_t now, char id[QUEUE_ID_LEN + 1],
	      struct error *err);

/* The IDs in area, sorted (oldest first), as one allocation of *n entries
 * (free() it); NULL with *n 0 when there are none. */
char (*queue_list(struct queue *q, enum queue_area area, size_t *n,
		  struct error *err))[QUEUE_ID_LEN + 1];

/* Whether s is a well-formed ID. */
int queue_id_valid(const char *s);

/* Read message id of area without locking it (listing; grouping).
 * 1 when it is not there.  CAT_IO also for a damaged file. */
int queue_peek(struct queue *q, enum queue_area area, const char *id,
	       struct queue_entry *e, struct error *err);

/* The same, the envelope only: the fields after the content (attempts,
 * next_try, failed, last_error, records_end) stay 0.  For a listing that
 * needs only the account and owner (drain.c's grouping), a read less. */
int queue_peek_envelope(struct queue *q, enum queue_area area, const char *id,
			struct queue_entry *e, struct error *err);

/* Open, lock (without waiting) and read message id of area.  1 when it is
 * busy or gone: someone else has it, skip it.  A message in DIR with a
 * "failed" record is moved to failed/ and reported as gone. */
int queue_take(struct queue *q, enum queue_area area, const char *id,
	       struct queue_entry *e, struct error *err);

/* Close (and so unlock) and free, after a 0 from queue_peek() or
 * queue_take() (on any other return there is nothing to release).  Harmless
 * twice. */
void queue_entry_release(struct queue_entry *e);

/* The reason of e's last attempt or failure, in the current locale (its
 * "reason" record, else its TEXT, else ""), as an error of category cat
 * whose neutral form is kept (for error_prefix()).  Not escaped: print it
 * escaped (escape.h). */
void queue_last_reason(const struct queue_entry *e, enum category cat, struct error *why);

/* Whether e was handed in by owner (NULL: anyone's message will do). */
int queue_owned_by(const struct queue_entry *e, const char *owner);

/* Whether e is due at now. */
int queue_due(const struct queue_entry *e, time_t now);

/* The due hint, DIR/due: a time no later than the earliest next try of any
 * message in DIR, so that the send mode need not read every queued message
 * to learn that none is due (drain_pending(), before each message it sends;
 * with thousands queued while a provider refuses, that read was most of
 * the work of a send).  Kept conservative: every queue_add() to DIR,
 * queue_defer_until() and queue_retry() lowers it to the message's next
 * try; only a reader that has just looked at every message raises it, and
 * then only if nobody lowered it meanwhile (queue_raise_due_hint()).  0:
 * unknown (no file, or not a number), so read the messages.  A hint that
 * is too late (written by hand, or a message queued by an older sendas)
 * only delays that early send: flushes (-q, the timer) never read it.
 * Failures are ignored: a hint that cannot be kept is unknown. */
#define QUEUE_DUE_NEVER ((time_t)253402300799)   /* 9999-12-31: nothing queued */
time_t queue_due_hint(struct queue *q);
void queue_lower_due_hint(struct queue *q, time_t when);
/* Set the hint to next, a reader's finding, if it is still seen (the value
 * queue_due_hint() gave before the reader looked); else to the earlier of
 * the two. */
void queue_raise_due_hint(struct queue *q, time_t seen, time_t next);

/* The delay after the nth failed attempt: QUEUE_BACKOFF_FIRST doubling to
 * QUEUE_BACKOFF_MAX. */
long queue_backoff(unsigned attempts);

/* A taken message, after a try: */
/* a temporary failure: an "attempt" record, due again after the backoff. */
int queue_defer(struct queue *q, struct queue_entry *e, const struct error *why,
		time_t now, struct error *err);
/* the same, due again at next (a send limit's window), not the backoff's. */
int queue_defer_until(struct queue *q, struct queue_entry *e, const struct error *why,
		      time_t now, time_t next, struct error *err);
/* these recipients have it: "done" records. */
int queue_done(struct queue *q, struct queue_entry *e, const char *const *rcpts,
	       size_t n, struct error *err);
/* a permanent failure: a "failed" record, then moved to failed/. */
int queue_fail(struct queue *q, struct queue_entry *e, const struct error *why, time_t now,
	       struct error *err);
/* delivered, or deleted: unlinked (the directory fsynced). */
int queue_remove(struct queue *q, struct queue_entry *e, struct error *err);
/* delivered, in a flush: unlinked at once (no other process can take it
 * from then on), the directory fsynced once per QUEUE_SYNC_BATCH such
 * removals and by queue_sync_removals(), which a flush calls when it ends.
 * A directory fsync per message was a third of a 10,000-message flush's
 * CPU (and a disk write each on a filesystem without a journal); what it
 * buys is only that a removal survives a power loss: without it, a
 * message sent just before one is sent again.  So a power loss (never a
 * killed process: the unlink stands) may send up to QUEUE_SYNC_BATCH
 * messages per flush worker twice; none is lost.  (Postfix's queue
 * manager does not fsync a removal at all.) */
int queue_remove_batched(struct queue *q, struct queue_entry *e, struct error *err);
int queue_sync_removals(struct queue *q, struct error *err);
/* due now; a failed one moves back to DIR. */
int queue_retry(struct queue *q, struct queue_entry *e, time_t now, struct error *err);

/* The content of e (taken or peeked) as an unnamed file in q's tmp/, at
 * offset 0: a new descriptor, or -1 and err (CAT_IO). */
int queue_content_copy(struct queue *q, const struct queue_entry *e, struct error *err);

/* Remove what dead writers left in tmp/.  Best effort, silent. */
void queue_clean(struct queue *q);

/* A duration for people: "45s", "12m", "3h12m", "5d2h" (two units at
 * most); negative is "0s". */
void queue_duration(char *out, size_t size, long seconds);

/* "5d", "12h", "90m", "3600s", "2w"; a bare number is days (as Postfix's
 * maximal_queue_lifetime).  1 s to QUEUE_LIFETIME_MAX.  -1 when invalid. */
long queue_parse_lifetime(const char *s);

#endif
