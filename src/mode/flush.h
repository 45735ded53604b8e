/* flush.h: sending what the queue holds (queue.h keeps it).
 *
 * sendas -q (--flush) visits every queue directory (queue_all_dirs()) and
 * sends every message now, due or not (as postqueue -f; with --due, for the
 * timer units, only the due ones), oldest first, over one connection per
 * account
 * (the engine sends RSET after a refusal; when it had to drop the
 * connection, the next message opens a new one).  Each message ends one of
 * four ways:
 *   - the server's final 250: the file is removed, then and only then;
 *   - a temporary failure (exit code 75), or a session that cannot be opened
 *     (connect, TLS, login, credentials, an account no longer in the file:
 *     nothing about the message itself, so, as Postfix does for a failed
 *     login, it waits): an attempt is recorded, due again after the backoff;
 *   - a refusal of the message itself (any other failure once the session
 *     is open): moved to failed/ with the reason, never retried;
 *   - past its account's queue_lifetime: moved to failed/ with the last
 *     error, without another try.
 * A message another process holds is skipped, so concurrent flushes and
 * sends never send one twice.  The one duplicate left: a process killed
 * after the end of a message's content and before the unlink that follows
 * the server's 250 leaves a message the server may have, and the next flush
 * sends it again.  The unlink comes first thing after the 250, so the
 * window is the server's own time to accept the message (milliseconds;
 * tests/interop/queue-crash.sh counts it).
 *
 * Messages are processed sequentially; one line per message that was
 * deferred or failed (none after a send, flush_after_send(): a successful
 * send writes nothing on stderr, the log has it; unless -v), and at the end
 * of -q one summary line on stdout (sent, still queued with the next try,
 * moved to failed/).  Exit code: a local error (the account file 78, the
 * queue 74); else 75 while something remains queued; else 0 (a message
 * moved to failed/ is settled and said). */
#ifndef SENDAS_FLUSH_H
#define SENDAS_FLUSH_H

#include <time.h>

#include "cli.h"
#include "conf.h"
#include "smtp.h"

int mode_queue_flush(const struct options *o);

/* For the send mode, which drains the queue over its own connection. */

/* Whether account a (of conf_path) has due messages, so that the send mode
 * keeps its session open after its own message. */
int flush_pending(const struct account *a, const char *conf_path, time_t now);

/* Send the due messages of account a over s, a session whose last message
 * the server has just accepted; caps are its EHLO capabilities.  Never
 * connects: when s breaks, the rest waits for the next flush.  Returns
 * nothing: the send mode's own outcome is what its caller learns. */
void flush_after_send(struct smtp_session *s, unsigned caps, const struct account *a,
		      const char *conf_path, int verbose);

#endif
