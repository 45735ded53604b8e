/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.c: see probe.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "address.h"
#include "classify.h"
#include "escape.h"
#include "i18n.h"
#include "json.h"
#include "message.h"
#include "probe.h"
#include "report.h"
#include "session.h"
#include "width.h"
#include "xalloc.h"

#define SENDER_COLUMN_MAX 40      /* wider senders push the row out */
#define PROBE_MESSAGE_MAX 4096

/* One sender and what the server said about it. */
struct probe_row {
	char *sender;             /* normalised; NULL when not a valid address */
	int smtputf8;
	struct smtp_result res;
	struct error err;         /* CAT_NONE: accepted */
	int tried;
};

struct probe_job {
	const struct options *o;
	struct conf conf;
	struct selection sel;
	const struct account *account;
	char *rcpt;
	struct probe_row *rows;
	size_t nrows;
	struct session_setup setup;
	struct report_observer obs;
	struct report_context rc;
	struct smtp_result open_res;
	struct error err;         /* a failure before the first probe */
	int opened;
};

enum verdict { V_ACCEPTED, V_REFUSED, V_TEMPORARY, V_INCONCLUSIVE, V_ERROR };

static const struct {
	const char *name;         /* for JSON */
	const char *label;        /* for the table */
} verdicts[] = {
	[V_ACCEPTED] = { "accepted", N_("accepted") },
	[V_REFUSED] = { "refused", N_("refused") },
	[V_TEMPORARY] = { "temporary", N_("temporary") },
	[V_INCONCLUSIVE] = { "inconclusive", N_("inconclusive") },
	[V_ERROR] = { "error", N_("error") },
};

static enum verdict row_verdict(const struct probe_row *r)
{
	enum category cat = r->err.category;

	if (cat == CAT_NONE && r->tried)
		return V_ACCEPTED;
	if (cat == CAT_SENDER_REFUSED || cat == CAT_AUTH_REQUIRED ||
	    (r->res.stage == SMTP_MAIL && reply_class(&r->res.reply) == 5))
		return V_REFUSED;
	if (cat == CAT_TEMPORARY)
		return V_TEMPORARY;
	if (cat == CAT_RECIPIENT)
		return V_INCONCLUSIVE;
	return V_ERROR;
}

/* ---- before connecting ----------------------------------------------- */

static int check_senders(struct probe_job *j)
{
	int max = j->o->probe_max ? j->o->probe_max : CLI_PROBE_MAX_DEFAULT;
	size_t i;

	if (j->nrows > (size_t)max)
		return error_set(&j->err, CAT_USAGE,
				 N_("%zu senders to probe, but at most %d per run: providers "
				   "lock accounts after repeated refusals (raise --probe-max "
				   "if you mean it)"), j->nrows, max);
	for (i = 0; i < j->nrows; i++) {
		j->rows[i].sender = address_mailbox(j->o->rcpts[i], &j->rows[i].smtputf8,
						    &j->err);
		if (!j->rows[i].sender)
			return -1;
	}
	return 0;
}

/* -a, else the account the first sender would send through. */
static int choose_account(struct probe_job *j)
{
	const struct account *a;

	if (account_select(&j->conf, j->rows[0].sender, j->o->account, &j->sel, &j->err) < 0)
		return -1;
	a = j->account = j->sel.account;
	j->rc = (struct report_context){ .account = a->name, .host = a->host,
		.port = a->port, .user = a->user };
	j->rcpt = j->o->probe_rcpt ? address_mailbox(j->o->probe_rcpt, NULL, &j->err)
		: account_own_address(a);
	if (!j->rcpt && !j->o->probe_rcpt)
		return error_set(&j->err, CAT_USAGE,
				 N_("account %s has no address of its own to probe with: give "
				   "--probe-rcpt ADDRESS"), a->name);
	return j->rcpt ? 0 : -1;
}

static int prepare(struct probe_job *j)
{
	if (check_senders(j) < 0 || session_load_accounts(j->o->config_file, &j->conf,
							  &j->err) < 0)
		return -1;
	if (choose_account(j) < 0 || session_credentials(j->account, &j->setup, &j->err) < 0)
		return -1;
	session_params(j->account, 1, report_observe, &j->obs, &j->setup);
	j->setup.smtp.on_reply = report_observe_reply;
	return 0;
}

/* ---- probing ----------------------------------------------------------- */

/* The marked test message of --probe-data, with Date and Message-ID from
 * message.c, as if it came on standard input. */
static int make_message(struct probe_job *j, const struct probe_row *r,
			struct message *m, struct error *err)
{
	char text[PROBE_MESSAGE_MAX];
	int fd, n, ret;

	n = snprintf(text, sizeof text,
		     "From: <%s>\nTo: <%s>\nSubject: sendas probe: may %s send as %s?\n"
		     "X-Sendas-Probe: yes\nAuto-Submitted: auto-generated\n\n"
		     "This is a test message sent by sendas --probe-data, to see whether\n"
		     "the provider accepts the sender %s for the login %s.\n"
		     "Nothing needs to be done; it can be deleted.\n",
		     r->sender, j->rcpt, j->account->user ? j->account->user : "(none)",
		     r->sender, r->sender, j->account->user ? j->account->user : "(none)");
	if (n < 0 || (size_t)n >= sizeof text)
		return error_set(err, CAT_INPUT, N_("the probe message would be too long"));
	fd = memfd_create("sendas-probe", MFD_CLOEXEC);
	if (fd < 0 || write(fd, text, (size_t)n) != n || lseek(fd, 0, SEEK_SET) != 0) {
		if (fd >= 0)
			close(fd);
		return error_set(err, CAT_IO, N_("cannot make the probe message"));
	}
	ret = message_read(fd, &(struct message_options){ 0 }, m, err);
	close(fd);
	if (ret == 0)
		ret = message_prepare(m, &(struct message_prepare){ .sender = r->sender,
				      .now = time(NULL) }, err);
	return ret;
}

static void probe_data(struct probe_job *j, struct smtp_session *s, struct probe_row *r,
		       const struct envelope *env)
{
	struct message m;
	struct smtp_content c;

	message_init(&m);
	if (make_message(j, r, &m, &r->err) == 0) {
		c = (struct smtp_content){ .prefix = m.prefix.data, .prefix_len = m.prefix.len,
					   .fd = m.fd, .size = message_size(&m) };
		/* The step that accepted it (end of data, BDAT), not "done". */
		if (smtp_send(s, env, &c, &r->res, &r->err) == 0)
			r->res.stage = j->obs.last_step;
	}
	message_release(&m);
}

static void probe_all(struct probe_job *j, struct smtp_session *s)
{
	const char *rcpts[1] = { j->rcpt };
	size_t i;

	for (i = 0; i < j->nrows; i++) {
		struct probe_row *r = &j->rows[i];
		struct envelope env = { .sender = r->sender, .rcpts = rcpts, .nrcpts = 1,
					.smtputf8 = r->smtputf8 };

		/* MAIL FROM with SMTPUTF8 to a server that does not offer it is
		 * a syntax error there, not a refused sender. */
		if (r->smtputf8 && !(j->open_res.caps & CAP_SMTPUTF8)) {
			error_set(&r->err, CAT_UNAVAILABLE,
				  N_("an address needs SMTPUTF8, which %s does not offer"),
				  j->rc.host);
			continue;
		}
		r->tried = 1;
		if (j->o->probe_data)
			probe_data(j, s, r, &env);
		else
			smtp_probe(s, &env, &r->res, &r->err);
	}
}

static int run(struct probe_job *j)
{
	struct smtp_session *s;

	s = session_open(&j->setup, j->account, &j->open_res, &j->err);
	j->rc.host = j->setup.host;
	j->opened = 1;
	if (!s)
		return -1;
	probe_all(j, s);
	smtp_close(s);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

/* The reply's lines without their codes (the table has columns for
 * them), joined with " / ". */
static void reply_text(struct buf *out, const struct reply *r)
{
	size_t len, elen = strlen(r->enhanced);
	const char *line;
	int i;

	for (i = 0; i < r->nlines; i++) {
		line = reply_line(r, i, &len);
		if (elen && len > elen && memcmp(line, r->enhanced, elen) == 0 &&
		    line[elen] == ' ') {
			line += elen + 1;
			len -= elen + 1;
		}
		buf_adds_trunc(out, i ? " / " : "");
		if (escape_add(out, line, len) < 0)
			out->truncated = 1;   /* for display: what fitted stays */
	}
}

static void print_row(const struct probe_row *r, size_t width)
{
	const struct smtp_result *res = &r->res;
	struct buf text;
	char code[8] = "-";

	buf_init(&text, REPLY_TEXT_MAX + REPLY_LINES_MAX * 3);
	if (res->reply.code) {
		snprintf(code, sizeof code, "%d", res->reply.code);
		reply_text(&text, &res->reply);
	} else if (r->err.category != CAT_NONE) {
		buf_adds_trunc(&text, r->err.text);
	}
	print_padded(stdout, r->sender, width);
	printf("  ");
	print_padded(stdout, r->tried ? smtp_state_label(res->stage) : "-", 11);
	printf("  %-4s  %-8s  ", code, res->reply.enhanced[0] ? res->reply.enhanced : "-");
	print_padded(stdout, _(verdicts[row_verdict(r)].label), 12);
	printf("  %s\n", buf_str(&text));
	buf_release(&text);
}

static void print_table(const struct probe_job *j)
{
	size_t i, width = text_columns(_("SENDER"));

	for (i = 0; i < j->nrows; i++)
		if (text_columns(j->rows[i].sender) > width)
			width = text_columns(j->rows[i].sender);
	if (width > SENDER_COLUMN_MAX)
		width = SENDER_COLUMN_MAX;
	if (j->account->user)
		printf(_("account %s (login %s) at %s:%s, recipient %s%s\n"), j->account->name,
		       j->account->user, j->rc.host, j->account->port, j->rcpt,
		       j->o->probe_data ? _(", with test messages") : "");
	else
		printf(_("account %s (no login) at %s:%s, recipient %s%s\n"), j->account->name,
		       j->rc.host, j->account->port, j->rcpt,
		       j->o->probe_data ? _(", with test messages") : "");
	print_padded(stdout, _("SENDER"), width);
	printf("  ");
	print_padded(stdout, _("STEP"), 11);
	printf("  ");
	print_padded(stdout, _("CODE"), 4);
	printf("  ");
	print_padded(stdout, _("ENHANCED"), 8);
	printf("  ");
	print_padded(stdout, _("VERDICT"), 12);
	printf("  %s\n", _("TEXT"));
	for (i = 0; i < j->nrows; i++)
		print_row(&j->rows[i], width);
}

/* A plain --probe stops at RCPT: a server that judges the sender only
 * after the content (Microsoft 365, Outlook.com, Yahoo, SES) accepts it
 * there and refuses the real message. */
static void note_not_proven(const struct probe_job *j)
{
	size_t i;

	for (i = 0; !j->o->probe_data && i < j->nrows; i++)
		if (row_verdict(&j->rows[i]) == V_ACCEPTED) {
			printf(_("note: \"accepted\" means the server took the sender at MAIL and "
				 "RCPT; some servers refuse a sender only after the content, so "
				 "only --probe-data (a real test message) proves it\n"));
			return;
		}
}

/* Gmail takes any sender at MAIL and RCPT, then rewrites the ones the login
 * may not use: an "accepted" from Gmail proves little. */
static void note_gmail(const struct probe_job *j)
{
	const char *g = j->open_res.greeting_host;

	if (g && (strstr(g, "gmail.com") || strstr(g, "google.com")))
		printf(_("note: Gmail accepts any sender here but rewrites one that is not the "
			 "login's own address or a verified alias; look at the From of a "
			 "message sent with --probe-data\n"));
}

static void json_row(const struct probe_job *j, const struct probe_row *r)
{
	const struct smtp_result *res = &r->res;
	const struct reply *refusal = res->reply.code >= 400 ? &res->reply : NULL;
	struct hint hint = classify_hint(&(struct hint_query){ r->err.category, res->stage,
		refusal, res->auth_mech, j->rc.host, j->open_res.greeting_host });
	struct buf b;
	struct json js;

	buf_init(&b, REPORT_JSON_MAX);
	json_init(&js, &b);
	json_object_begin(&js, NULL);
	json_string(&js, "type", "probe");
	json_string(&js, "sender", r->sender);
	json_string(&js, "verdict", verdicts[row_verdict(r)].name);
	json_string(&js, "category", category_name(r->err.category));
	json_int(&js, "exit_code", category_exit_code(r->err.category));
	if (r->err.category != CAT_NONE) {
		struct report_context rc = j->rc;
		struct buf what;

		rc.sender = r->sender;
		buf_init(&what, ERROR_TEXT_MAX * 2);
		report_what_failed(&what, &r->err, res, &rc);
		json_string(&js, "message", buf_str(&what));
		buf_release(&what);
	} else {
		json_null(&js, "message");
	}
	json_string(&js, "hint", hint.text);
	json_string(&js, "provider", hint.provider);
	json_string(&js, "step", r->tried ? smtp_state_name(res->stage) : NULL);
	if (res->reply.code)
		report_json_reply(&js, "reply", res->stage, &res->reply);
	else
		json_null(&js, "reply");
	json_string(&js, "account", j->account ? j->account->name : NULL);
	json_string(&js, "host", j->rc.host);
	json_int(&js, "port", j->rc.port ? strtol(j->rc.port, NULL, 10) : 0);
	json_string(&js, "login", j->rc.user);
	json_string(&js, "recipient", j->rcpt);
	json_bool(&js, "data", j->o->probe_data);
	json_object_end(&js);
	if (json_finish(&js) == 0)
		printf("%s\n", buf_str(&b));
	buf_release(&b);
}

/* 0 all accepted; 77 any refused; else the first other failure's code. */
static int exit_code(const struct probe_job *j)
{
	size_t i;
	int code = 0;

	for (i = 0; i < j->nrows; i++)
		if (row_verdict(&j->rows[i]) == V_REFUSED)
			return EX_NOPERM;
	for (i = 0; i < j->nrows && code == 0; i++)
		if (row_verdict(&j->rows[i]) != V_ACCEPTED)
			code = category_exit_code(j->rows[i].err.category != CAT_NONE
						  ? j->rows[i].err.category : CAT_INTERNAL);
	return code;
}

/* The session failed before the first probe: every sender is untried,
 * with that failure. */
static void fail_rows(struct probe_job *j)
{
	size_t i;

	for (i = 0; i < j->nrows; i++) {
		j->rows[i].err = j->err;
		j->rows[i].res.stage = j->open_res.stage;
		reply_copy(&j->rows[i].res.reply, &j->open_res.reply);
	}
}

static void release(struct probe_job *j)
{
	size_t i;

	for (i = 0; i < j->nrows; i++) {
		free(j->rows[i].sender);
		smtp_result_release(&j->rows[i].res);
	}
	free(j->rows);
	free(j->rcpt);
	smtp_result_release(&j->open_res);
	report_observer_release(&j->obs);
	session_setup_release(&j->setup);
	selection_release(&j->sel);
	conf_release(&j->conf);
}

int mode_probe(const struct options *o)
{
	struct probe_job j = { .o = o, .nrows = o->nrcpts };
	size_t i;
	int code;

	error_clear(&j.err);
	selection_init(&j.sel);
	session_setup_init(&j.setup);
	report_observer_init(&j.obs, o->verbose ? stderr : NULL);
	smtp_result_init(&j.open_res);
	j.rows = xcalloc(j.nrows, sizeof *j.rows);
	for (i = 0; i < j.nrows; i++)
		smtp_result_init(&j.rows[i].res);
	if (prepare(&j) < 0 || run(&j) < 0) {
		report_failure(stderr, &j.err, j.opened ? &j.open_res : NULL, &j.rc);
		code = category_exit_code(j.err.category);
		fail_rows(&j);
	} else {
		if (!o->json) {
			print_table(&j);
			note_not_proven(&j);
			note_gmail(&j);
		}
		code = exit_code(&j);
	}
	for (i = 0; o->json && i < j.nrows && j.rows[i].sender; i++)
		json_row(&j, &j.rows[i]);
	fflush(stdout);
	release(&j);
	return code;
}
