/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_json.c: the --json object of one message (see report.h; the schema
 * is tests/data/result.schema.json and sendas(1) JSON OUTPUT). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "json.h"
#include "report.h"

void report_json_reply(struct json *j, const char *key, enum smtp_state step,
		       const struct reply *r)
{
	const char *line;
	size_t len;
	int i;

	json_object_begin(j, key);
	json_string(j, "step", smtp_state_name(step));
	json_int(j, "code", r->code);
	json_string(j, "enhanced", r->enhanced[0] ? r->enhanced : NULL);
	json_array_begin(j, "lines");
	/* Bytes with a length: a NUL inside a line is JSON's to escape. */
	for (i = 0; i < r->nlines; i++) {
		line = reply_raw_line(r, i, &len);
		json_string_len(j, NULL, line, len);
	}
	json_array_end(j);
	json_object_end(j);
}

/* accepted, refused, or not-reached: never sent, never answered, or
 * answered only because an earlier step of the group had failed (the 503
 * after a refused MAIL is not this recipient's verdict). */
static const char *rcpt_status(const struct smtp_result *res, size_t i)
{
	const struct reply *r;

	if (!res || i >= res->nrcpts)
		return "not-reached";
	r = &res->rcpts[i].reply;
	if (reply_class(r) == 2)
		return "accepted";
	if (r->code >= 400 && res->stage != SMTP_MAIL)
		return "refused";
	return "not-reached";
}

static void json_recipients(struct json *j, const struct report_outcome *o)
{
	const struct report_context *rc = o->rc;
	size_t i;

	json_array_begin(j, "recipients");
	for (i = 0; i < rc->nrcpts; i++) {
		const char *status = rcpt_status(o->res, i);

		json_object_begin(j, NULL);
		json_string(j, "address", rc->rcpts[i]);
		json_string(j, "status", status);
		if (o->res && i < o->res->nrcpts && o->res->rcpts[i].reply.code)
			report_json_reply(j, "reply", SMTP_RCPT, &o->res->rcpts[i].reply);
		else
			json_null(j, "reply");
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_replies(struct json *j, const struct report_observer *obs)
{
	size_t i;

	json_array_begin(j, "replies");
	for (i = 0; obs && i < obs->nreplies; i++)
		report_json_reply(j, NULL, obs->replies[i].step, &obs->replies[i].reply);
	json_array_end(j);
	json_int(j, "replies_dropped", obs ? (long long)obs->dropped : 0);
}

static void json_timings(struct json *j, const struct report_observer *obs)
{
	long long ms;
	int st;

	json_object_begin(j, "timings_ms");
	json_int(j, "total", obs ? report_elapsed_ms(obs) : 0);
	json_object_begin(j, "steps");
	for (st = 0; obs && obs->seen_state && st < SMTP_STATE_COUNT; st++) {
		ms = report_step_ms(obs, (enum smtp_state)st);
		if (ms > 0 || st == (int)obs->state)
			json_int(j, smtp_state_name((enum smtp_state)st), ms);
	}
	json_object_end(j);
	json_object_end(j);
}

/* The verdict: category, exit code, the sentence, the hint, the step and
 * the reply that decided it. */
static void json_verdict(struct json *j, const struct report_outcome *o)
{
	const struct error *err = o->err;
	const struct smtp_result *res = o->res;
	const struct reply *r = res && res->reply.code >= 400 ? &res->reply : NULL;
	struct hint hint = classify_hint(&(struct hint_query){ err->category,
		res ? res->stage : SMTP_CONNECT, r, res ? res->auth_mech : NULL, o->rc->host,
		res ? res->greeting_host : NULL });
	struct buf what;

	json_string(j, "status", report_status(err));
	json_string(j, "category", category_name(err->category));
	json_int(j, "exit_code", category_exit_code(err->category));
	if (err->category == CAT_NONE) {
		json_null(j, "message");
	} else {
		buf_init(&what, ERROR_TEXT_MAX * 2);
		report_what_failed(&what, err, res, o->rc);
		json_string(j, "message", buf_str(&what));
		buf_release(&what);
	}
	json_string(j, "hint", hint.text);
	json_string(j, "provider", hint.provider);
	json_string(j, "step", res ? smtp_state_name(res->stage) : NULL);
	if (res && res->reply.code)
		report_json_reply(j, "reply", res->stage, &res->reply);
	else
		json_null(j, "reply");
	json_string(j, "detail", report_detail(err, res));
}

static void json_where(struct json *j, const struct report_outcome *o)
{
	const struct report_context *rc = o->rc;

	json_string(j, "account", rc->account);
	json_string(j, "host", rc->host);
	if (rc->port)
		json_int(j, "port", strtol(rc->port, NULL, 10));
	else
		json_null(j, "port");
	json_string(j, "login", rc->user);
	json_string(j, "sender", rc->sender);
	json_string(j, "message_id", rc->message_id);
	json_int(j, "size", rc->size);
	json_bool(j, "queued", rc->queued);
	json_string(j, "tls", o->res ? o->res->tls_version : NULL);
	json_string(j, "auth_mechanism", o->res ? o->res->auth_mech : NULL);
}

int report_json(FILE *out, const struct report_outcome *o)
{
	struct buf b;
	struct json j;
	int r;

	buf_init(&b, REPORT_JSON_MAX);
	json_init(&j, &b);
	json_object_begin(&j, NULL);
	json_string(&j, "type", "message");
	json_verdict(&j, o);
	json_where(&j, o);
	json_recipients(&j, o);
	json_replies(&j, o->obs);
	json_timings(&j, o->obs);
	json_object_end(&j);
	r = json_finish(&j);
	if (r == 0) {
		fprintf(out, "%s\n", buf_str(&b));
		fflush(out);
	}
	buf_release(&b);
	return r;
}
