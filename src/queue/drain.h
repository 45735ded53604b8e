/* drain.h: sending what the queue holds (queue.h keeps it), for the flush
 * mode and for the send mode, which drains over its own connection.
 *
 * drain_dir() sends every message (-q, as postqueue -f), or every due
 * one (--due, the timer units; the send mode), oldest first.  Every account
 * is flushed at the same time, each over queue_connections sessions
 * (sendas-accounts(5); CONF_CONNECTIONS_DEFAULT, never more sessions than
 * it has messages): one worker per session, at most DRAIN_WORKERS_MAX
 * running at once.  Workers are forked processes (one session each, so
 * GnuTLS, GNU SASL and the engine need no locking, and a crash of one
 * loses nothing the others did).  An account's workers take its messages
 * in queue order, each claiming the next one with an atomic counter in
 * memory shared with the parent (an anonymous MAP_SHARED mapping), so a
 * message is tried at most once per flush; the flock() of queue_take()
 * still keeps other processes (another -q, a send) off it.  Each worker
 * writes its drain_result into its own slot of that mapping; the parent
 * waits for all and merges them (the worst code, the sums, the earliest
 * next try).  An account's first worker logs in first; the others wait for
 * its outcome (at most the session deadline) and, when its session could
 * not be opened, take its reason and defer what they claim without
 * connecting: a refused login costs one attempt per flush, as with one
 * session.  A worker that does not exit 0 (killed, crashed) makes the
 * result EX_SOFTWARE; its unsettled messages simply stay queued.  A lone
 * worker (one account, one session) and drain_after_send() run in the
 * calling process; so does a worker whose fork() fails.  The send limits
 * (send_limits.h) are files under a lock, shared by all workers.  With -v
 * the sessions' transcripts interleave line by line.
 *
 * The engine sends RSET after a refusal; when it had to drop the
 * connection, the worker's next message opens a new one.  Each message
 * ends one of four ways:
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
 * Nothing is printed on success
 * unless -v, one line per message that was deferred or failed (after a
 * send, drain_after_send(), those lines go to the account's syslog only:
 * a successful send writes nothing on stderr). */
#ifndef SENDAS_DRAIN_H
#define SENDAS_DRAIN_H

#include <time.h>

#include "conf.h"
#include "smtp.h"

/* Worker processes of one drain_dir() running at once. */
#define DRAIN_WORKERS_MAX 32

/* What draining did, for the exit code: the worst code so far (local
 * errors outrank refusals, which outrank deferrals).  Start with EX_OK. */
struct drain_result {
	int code;
	unsigned sent, deferred, failed;  /* messages, for -q's summary line */
	time_t next_try;                  /* the earliest next try of what remains; 0 */
};

/* Every message (all) or every due message of every account (of conf) in
 * queue directory dir, of owner (a uid as the local submission service
 * records it, queue.h; NULL: every owner), over queue_connections sessions
 * per account, all accounts at once (above); out holds the merged result;
 * trace (NULL: silent) gets the sessions' transcript on stderr, verbose
 * also names each message. */
void drain_dir(const char *dir, const struct conf *conf, int all, const char *owner,
	       int verbose, smtp_trace_fn *trace, struct drain_result *out);

/* Whether account a (of conf_path) has due messages, so that the send mode
 * keeps its session open after its own message.  It reads the
 * queued messages only while the queue's due hint (queue.h) allows a due
 * one, so a send costs the same with 5 or 5,000 messages waiting for their
 * next try (bench-smtpd --refuse: 386 msg/s with 2,000 queued before the
 * hint, 1,181 after). */
int drain_pending(const struct account *a, const char *conf_path, time_t now);

/* Send the due messages of account a over s, a session whose last message
 * the server has just accepted; caps are its EHLO capabilities.  Never
 * connects: when s breaks, the rest waits for the next flush.  Unless
 * verbose, its lines go to syslog facility log_facility (-1: nowhere),
 * never to stderr.  Returns
 * nothing: the send mode's own outcome is what its caller learns. */
void drain_after_send(struct smtp_session *s, unsigned caps, const struct account *a,
		      const char *conf_path, int verbose, int log_facility);

#endif
