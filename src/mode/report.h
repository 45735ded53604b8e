/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report.h: what the user sees: the -v transcript, the failure report, the
 * --json object and the log line.
 *
 * The first line of a failure report is "sendas: <what failed> (<category>)",
 * so that callers that show one line (mutt, cron mail, systemd's journal)
 * show the essential; then the server's whole reply, verbatim; then where it
 * happened (step, account, server, login, sender); then one hint a person
 * can act on (classify_hint()).
 *
 * An observer (report_observe, an smtp_trace_fn) sits between the engine and
 * the -v transcript: it passes every line on to the transcript when asked
 * to, and keeps every server reply with the step it answered and the time
 * spent in each step, for --json.  It sees only what the engine traces,
 * which is already redacted; it keeps no client line at all, and no 334
 * AUTH challenge.  It learns the replies, parsed and with their step, from
 * the engine's one reader (smtp_params.on_reply = report_observe_reply) and
 * the time spent in each step from the engine's "state A -> B" events
 * (smtp.c smtp_set_state()). */
#ifndef SENDAS_REPORT_H
#define SENDAS_REPORT_H

#include <stdio.h>
#include <time.h>

#include "error.h"
#include "smtp.h"

#define REPORT_REPLIES_MAX 64     /* replies kept per message; more are counted */
#define REPORT_JSON_MAX (16 * 1024 * 1024)
#define REPORT_LOG_LINE_MAX 4096  /* a log line; longer ones end in "..." */

struct report_context {
	const char *prog;         /* before each message; NULL: "sendas" */
	const char *account;
	const char *host;
	const char *port;
	const char *user;
	const char *sender;
	const char *const *rcpts;
	size_t nrcpts;
	const char *message_id;   /* as in the header, or NULL */
	long long size;           /* bytes of content sent or to send; 0: unknown */
	int queued;               /* a temporary failure left the message queued */
};

/* An smtp_trace_fn writing "--> ", "<-- " and "*** " lines to the FILE *
 * given as ctx.  Its input is already redacted by the engine. */
void report_trace(void *ctx, char dir, const char *text, size_t len);

struct report_reply {
	enum smtp_state step;
	struct reply reply;
};

struct report_observer {
	FILE *transcript;         /* -v: also write the transcript here; or NULL */
	struct report_reply *replies;   /* REPORT_REPLIES_MAX of them */
	size_t nreplies;
	size_t dropped;           /* replies beyond REPORT_REPLIES_MAX */
	enum smtp_state state;
	enum smtp_state last_step;  /* the step of the last complete reply, kept or not */
	int seen_state;           /* an event named the state */
	struct timespec started;  /* report_observer_init() */
	struct timespec since;    /* the current state began */
	long long ms[SMTP_STATE_COUNT];
};

void report_observer_init(struct report_observer *o, FILE *transcript);
void report_observer_release(struct report_observer *o);
/* The smtp_trace_fn; ctx is a struct report_observer. */
void report_observe(void *ctx, char dir, const char *text, size_t len);
/* The smtp_reply_fn; ctx is the same struct report_observer. */
void report_observe_reply(void *ctx, enum smtp_state step, const struct reply *r);
/* Milliseconds since report_observer_init(). */
long long report_elapsed_ms(const struct report_observer *o);
/* Milliseconds spent in step st so far (the current step up to now). */
long long report_step_ms(const struct report_observer *o, enum smtp_state st);

/* One message, at its end. */
struct report_outcome {
	const struct report_context *rc;
	const struct smtp_result *res;   /* NULL: no connection was tried */
	const struct error *err;         /* CAT_NONE: the message was sent */
	const struct report_observer *obs;  /* NULL: no replies or timings */
};

/* "sent", "deferred" (a failure that exits 75) or "bounced". */
const char *report_status(const struct error *err);

/* The text of the first line, without "sendas: " and the category. */
void report_what_failed(struct buf *out, const struct error *err,
			const struct smtp_result *res, const struct report_context *rc);

/* What the engine said beyond the deciding reply's first line (an OAuth
 * server's decoded JSON error, with what to do), as a pointer into
 * err->text; NULL when there is nothing more.  err->text is then
 * "... CODE FIRST-LINE; more". */
const char *report_detail(const struct error *err, const struct smtp_result *res);

/* The failure report on out.  res may be NULL (a local failure). */
void report_failure(FILE *out, const struct error *err, const struct smtp_result *res,
		    const struct report_context *rc);

/* A reply as a JSON object {step, code, enhanced, lines}. */
struct json;
void report_json_reply(struct json *j, const char *key, enum smtp_state step,
		       const struct reply *r);

/* The --json object of one message, as one line on out (schema:
 * tests/data/result.schema.json, sendas(1) JSON OUTPUT).  -1 when it would
 * exceed REPORT_JSON_MAX (nothing is written then). */
int report_json(FILE *out, const struct report_outcome *o);

/* The syslog facility of an account's syslog setting ("on" is LOG_MAIL;
 * conf.c allows LOG_USER, LOG_MAIL, LOG_LOCAL0..7), or -1 for none. */
int report_syslog_facility(const char *setting);

/* The log line of one message (no secrets: no login, no AUTH data):
 * "status=sent account=A host=H:P sender=<S> rcpts=<R>,<R> size=N
 * msgid=<ID> reply="..." duration_ms=N", with category= and step= for a
 * failure.  To syslog with facility (none when -1), and appended to
 * logfile (with a UTC time stamp; created mode 0600, never through a
 * symbolic link) when not NULL.  -1 and err (CAT_IO) when the log file
 * cannot be written. */
int report_log(const struct report_outcome *o, int facility, const char *logfile,
	       struct error *err);

/* A finished line (len octets) to syslog with facility (none when -1; at
 * LOG_WARNING when warning, else LOG_INFO) and appended to logfile as
 * report_log() does; -1 and err as there. */
int report_log_write(const char *line, size_t len, int warning, int facility,
		     const char *logfile, struct error *err);

/* " key=value" (no space before the first) onto b, the value quoted and
 * its controls replaced as in the log line; nothing when v is NULL.  For
 * the smarthost's session and transaction lines. */
void report_log_field(struct buf *b, const char *key, const char *v);

#endif
