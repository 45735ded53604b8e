/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report.c: see report.h.  The human side: transcript, observer, the
 * failure report on stderr.  JSON is in report_json.c, the log line in
 * report_log.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "i18n.h"
#include "report.h"
#include "xalloc.h"

void report_trace(void *ctx, char dir, const char *text, size_t len)
{
	FILE *out = ctx;
	const char *prefix = dir == '>' ? "--> " : dir == '<' ? "<-- " : "*** ";
	const char *end = text + len, *nl;
	struct buf shown;

	/* Events may span lines (TLS details); prefix each one.  Server lines
	 * hold what the server chose, NULs and escape sequences included. */
	buf_init(&shown, len * 4 + 1);
	while (text < end) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (!nl)
			nl = end;
		buf_reset(&shown);
		escape_add(&shown, text, (size_t)(nl - text));
		fprintf(out, "%s%s\n", prefix, buf_str(&shown));
		text = nl + 1;
	}
	buf_release(&shown);
	fflush(out);
}

/* ---- the observer ---------------------------------------------------- */

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

void report_observer_init(struct report_observer *o, FILE *transcript)
{
	memset(o, 0, sizeof *o);
	o->transcript = transcript;
	o->replies = xcalloc(REPORT_REPLIES_MAX, sizeof *o->replies);
	clock_gettime(CLOCK_MONOTONIC, &o->started);
	o->since = o->started;
}

void report_observer_release(struct report_observer *o)
{
	size_t i;

	for (i = 0; o->replies && i < o->nreplies; i++)
		reply_release(&o->replies[i].reply);
	free(o->replies);
	memset(o, 0, sizeof *o);
}

long long report_elapsed_ms(const struct report_observer *o)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ms_between(&o->started, &now);
}

long long report_step_ms(const struct report_observer *o, enum smtp_state st)
{
	struct timespec now;
	long long ms = o->ms[st];

	if (o->seen_state && st == o->state) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms += ms_between(&o->since, &now);
	}
	return ms;
}

/* "state A -> B": time goes to A until now, then B begins. */
static void observe_event(struct report_observer *o, const char *text, size_t len)
{
	static const char prefix[] = "state ", arrow[] = " -> ";
	const char *to, *end = text + len;
	struct timespec now;
	int st;

	if (len < sizeof prefix || memcmp(text, prefix, sizeof prefix - 1) != 0)
		return;
	to = memmem(text, len, arrow, sizeof arrow - 1);
	if (!to)
		return;
	to += sizeof arrow - 1;
	for (st = 0; st < SMTP_STATE_COUNT; st++) {
		const char *name = smtp_state_name((enum smtp_state)st);

		if (strlen(name) == (size_t)(end - to) && memcmp(name, to, (size_t)(end - to)) == 0)
			break;
	}
	if (st == SMTP_STATE_COUNT)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (o->seen_state)
		o->ms[o->state] += ms_between(&o->since, &now);
	o->since = now;
	o->state = (enum smtp_state)st;
	o->seen_state = 1;
}

/* A complete reply: kept, but not a 334 AUTH challenge. */
void report_observe_reply(void *ctx, enum smtp_state step, const struct reply *r)
{
	struct report_observer *o = ctx;
	struct report_reply *kept;

	o->last_step = step;
	if (r->code == 334)
		return;
	if (o->nreplies < REPORT_REPLIES_MAX) {
		kept = &o->replies[o->nreplies++];
		kept->step = step;
		reply_init(&kept->reply);
		reply_copy(&kept->reply, r);
	} else {
		o->dropped++;
	}
}

void report_observe(void *ctx, char dir, const char *text, size_t len)
{
	struct report_observer *o = ctx;

	if (o->transcript)
		report_trace(o->transcript, dir, text, len);
	if (dir == '*')
		observe_event(o, text, len);
}

/* ---- the failure report ---------------------------------------------- */

const char *report_status(const struct error *err)
{
	if (!err || err->category == CAT_NONE)
		return "sent";
	return category_retryable(err->category) ? "deferred" : "bounced";
}

/* Where in the dialogue, as a phrase ("at RCPT").  Steps without a phrase
 * (one added to the engine later) read "at NAME". */
static const char *const step_phrases[SMTP_STATE_COUNT] = {
	[SMTP_CONNECT] = N_("while connecting"),
	[SMTP_GREETING] = N_("in its greeting"),
	[SMTP_EHLO] = N_("at EHLO"),
	[SMTP_STARTTLS] = N_("at STARTTLS"),
	[SMTP_TLS] = N_("in the TLS handshake"),
	[SMTP_AUTH] = N_("at AUTH"),
	[SMTP_MAIL] = N_("at MAIL"),
	[SMTP_RCPT] = N_("at RCPT"),
	[SMTP_DATA] = N_("at DATA"),
	[SMTP_BODY] = N_("after the message content"),
	[SMTP_BDAT] = N_("at BDAT"),
	[SMTP_RSET] = N_("at RSET"),
	[SMTP_QUIT] = N_("at QUIT"),
};

static void step_phrase(char *out, size_t n, enum smtp_state st)
{
	if (st < SMTP_STATE_COUNT && step_phrases[st])
		snprintf(out, n, "%s", _(step_phrases[st]));
	else
		snprintf(out, n, _("at %s"), smtp_state_label(st));
}

/* The first recipient the server refused, or "?". */
static const char *first_refused(const struct smtp_result *res,
				 const struct report_context *rc)
{
	size_t i;

	for (i = 0; i < res->nrcpts && i < rc->nrcpts; i++)
		if (res->rcpts[i].reply.code >= 400)
			return rc->rcpts[i];
	return "?";
}

/* "HOST refused the sender S at RCPT": one literal format per category,
 * so that translators see whole sentences and the compiler checks them. */
static void refusal_sentence(struct buf *out, enum category cat,
			     const struct smtp_result *res, const struct report_context *rc)
{
	const char *host = rc->host ? rc->host : "?";
	const char *sender = !rc->sender ? "?" : *rc->sender ? rc->sender : "<>";
	char at[128];

	step_phrase(at, sizeof at, res->stage);
	switch (cat) {
	case CAT_SENDER_REFUSED:
		buf_printf_trunc(out, _("%s refused the sender %s %s"), host, sender, at);
		break;
	case CAT_AUTH_FAILED:
		buf_printf_trunc(out, _("%s refused the login %s %s"), host,
			   rc->user ? rc->user : "?", at);
		break;
	case CAT_AUTH_REQUIRED:
		buf_printf_trunc(out, _("%s wants a login before it takes mail from %s (%s)"), host,
			   sender, at);
		break;
	case CAT_RECIPIENT:
		buf_printf_trunc(out, _("%s refused the recipient %s %s"), host,
			   first_refused(res, rc), at);
		break;
	case CAT_TOO_LARGE:
		buf_printf_trunc(out, _("%s refused the message as too large %s"), host, at);
		break;
	case CAT_TLS:
		buf_printf_trunc(out, _("%s wants TLS %s"), host, at);
		break;
	case CAT_TEMPORARY:
		buf_printf_trunc(out, _("%s cannot take the message now (%s)"), host, at);
		break;
	default:
		buf_printf_trunc(out, _("%s refused the message %s"), host, at);
		break;
	}
}

/* A server refusal decided it: say who refused what, at which step.
 * Anything else (TLS, connection, local) is said by err->text. */
void report_what_failed(struct buf *out, const struct error *err,
			const struct smtp_result *res, const struct report_context *rc)
{
	if (res && res->reply.code >= 400 && err->category != CAT_NONE)
		refusal_sentence(out, err->category, res, rc);
	else
		buf_adds_trunc(out, err->text);
}

/* Every line verbatim but escaped (escape.h), code and all. */
static void print_reply(FILE *out, const struct reply *r)
{
	struct buf line;
	const char *text;
	size_t len;
	int i;

	buf_init(&line, REPLY_LINE_MAX * 4 + 1);
	for (i = 0; i < r->nlines; i++) {
		text = reply_raw_line(r, i, &len);
		buf_reset(&line);
		escape_add(&line, text, len);
		fprintf(out, "    %s\n", buf_str(&line));
	}
	buf_release(&line);
}

static void print_refused_recipients(FILE *out, const struct smtp_result *res,
				     const struct report_context *rc)
{
	size_t i;

	for (i = 0; i < res->nrcpts && i < rc->nrcpts; i++) {
		if (res->rcpts[i].reply.code < 400)
			continue;
		fprintf(out, _("  recipient %s refused:\n"), rc->rcpts[i]);
		print_reply(out, &res->rcpts[i].reply);
	}
}

const char *report_detail(const struct error *err, const struct smtp_result *res)
{
	size_t len;
	const char *first, *at;
	char shown[ERROR_TEXT_MAX];

	if (!res || res->reply.code < 400)
		return NULL;
	first = reply_line(&res->reply, 0, &len);
	if (len == 0)
		return NULL;
	/* err->text quotes the line escaped (smtp.c). */
	len = escape_into(shown, sizeof shown, first, len);
	first = shown;
	at = memmem(err->text, strlen(err->text), first, len);
	if (!at || !at[len])
		return NULL;
	at += len;
	return at + strspn(at, "; ");
}

static void print_where(FILE *out, const struct smtp_result *res,
			const struct report_context *rc)
{
	if (res)
		fprintf(out, _("  step: %s\n"), smtp_state_label(res->stage));
	if (rc->account)
		fprintf(out, _("  account: %s\n"), rc->account);
	if (rc->host)
		fprintf(out, _("  server: %s:%s\n"), rc->host, rc->port ? rc->port : "");
	if (rc->user)
		fprintf(out, _("  login: %s\n"), rc->user);
	if (rc->sender)
		fprintf(out, _("  sender: <%s>\n"), rc->sender);
}

/* "sendas: WHAT (CATEGORY)", without the category when WHAT already ends
 * with it ("cannot read from X: timed out", not "... timed out (timed out)"). */
static void print_headline(FILE *out, const char *prog, const char *what, const char *label)
{
	char *shown = escape_dup(what);   /* may quote a server (escape.h) */
	size_t n = strlen(shown), m = strlen(label);

	if (n >= m && strcmp(shown + n - m, label) == 0)
		fprintf(out, "%s: %s\n", prog, shown);
	else
		fprintf(out, "%s: %s (%s)\n", prog, shown, label);
	free(shown);
}

/* Text that may quote a server, escaped again (escape.h: nothing doubles). */
static void print_escaped(FILE *out, const char *prefix, const char *text)
{
	char *shown = escape_dup(text);

	fprintf(out, "%s%s", prefix, shown);
	free(shown);
}

void report_failure(FILE *out, const struct error *err, const struct smtp_result *res,
		    const struct report_context *rc)
{
	const struct reply *r = res && res->reply.code >= 400 ? &res->reply : NULL;
	struct hint hint = classify_hint(&(struct hint_query){ err->category,
		res ? res->stage : SMTP_CONNECT, r, res ? res->auth_mech : NULL, rc->host,
		res ? res->greeting_host : NULL });
	const char *detail;
	struct buf what;

	buf_init(&what, ERROR_TEXT_MAX * 2);
	report_what_failed(&what, err, res, rc);
	print_headline(out, rc && rc->prog ? rc->prog : "sendas", buf_str(&what),
		       category_label(err->category));
	buf_release(&what);
	if (r) {
		fprintf(out, _("  the server said:\n"));
		print_reply(out, r);
		if ((detail = report_detail(err, res))) {
			print_escaped(out, "  ", detail);
			fputc('\n', out);
		}
	}
	if (res && err->category == CAT_RECIPIENT)
		print_refused_recipients(out, res, rc);
	print_where(out, res, rc);
	if (category_retryable(err->category))
		fputs(rc->queued ? _("  the message was queued: sendas -q sends it again\n")
		      : _("  the message was not queued: send it again later\n"), out);
	if (hint.text)
		fprintf(out, _("  hint: %s\n"), hint.text);
	fflush(out);
}
