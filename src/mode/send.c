/* SPDX-License-Identifier: GPL-3.0-or-later */
/* send.c: see send.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "address.h"
#include "classify.h"
#include "conf.h"
#include "drain.h"
#include "handoff.h"
#include "i18n.h"
#include "keep.h"
#include "message.h"
#include "queue.h"
#include "report.h"
#include "secret.h"
#include "send.h"
#include "send_limits.h"
#include "session.h"
#include "smtp.h"
#include "sysmail.h"
#include "xalloc.h"

/* Everything one send holds, released in one place. */
struct send_job {
	const struct send_request *rq;
	const struct options *o;
	const struct send_envelope *env;  /* from an SMTP client, or NULL */
	const struct conf *conf;      /* rq->conf, or own_conf */
	struct conf own_conf;
	int loaded;                   /* own_conf was loaded */
	struct message msg;
	struct selection sel;
	struct address_list rcpts;
	int sender_utf8;
	struct session_setup setup;   /* parameters and credentials */
	struct report_observer obs;   /* -v, and replies and timings for --json */
	char *message_id;
	char *full_name;              /* -F, else the passwd name for a default sender */
	struct smtp_result res;
	struct report_context rc;
	struct error err;
	int have_res;
	int read;                     /* the message is read: a local failure keeps it */
	char *envelope_sender;        /* before account selection, for a local failure */
	int ready;                    /* the message could be sent: keep it on failure */
	struct limits_slot slot;      /* taken under the account's send limits */
	char *queue_dir;              /* where the send limit counter is, when rated */
	struct kept_message kept;     /* where it went then */
	int progress_percent;         /* last shown, -1: none shown */
	struct send_envelope dsn;     /* the DSN parameters (the rest unused) */
};

/* A message this large shows a progress line when stderr is a terminal. */
#define PROGRESS_MIN ((off_t)4 * 1024 * 1024)

/* "sendas: sending 2.1 of 5.0 MB (42%)", rewritten in place (\r) when the
 * percentage changes; ended by a newline at 100 %. */
static void show_progress(void *ctx, off_t done, off_t size)
{
	struct send_job *j = ctx;
	int percent = size > 0 ? (int)(done * 100 / size) : 100;

	if (percent == j->progress_percent)
		return;
	j->progress_percent = percent;
	/* The \r stays out of the message: catalogues must not hold it. */
	fputc('\r', stderr);
	fprintf(stderr, _("sendas: sending %.1f of %.1f MB (%d%%)"), (double)done / 1e6,
		(double)size / 1e6, percent);
	if (percent == 100)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Progress for a person watching: a terminal, a large message, and no -v
 * dialogue or --json to get in the way. */
static void want_progress(struct send_job *j, struct smtp_content *c)
{
	j->progress_percent = -1;
	if (c->size < PROGRESS_MIN || j->o->verbose || j->rq->json || j->rq->report != stderr ||
	    !isatty(STDERR_FILENO))
		return;
	c->progress = show_progress;
	c->progress_ctx = j;
}

/* MAIL FROM of an SMTP client; else -f, else the From: header, else
 * $EMAIL (mutt passes no -f by default); validated and with its domain as
 * an A-label.  A From field that cannot be
 * parsed is the error, quoted: $EMAIL replaces only a missing one, never a
 * bad one (which would send as someone the message does not name). */
static char *envelope_sender(struct send_job *j)
{
	const char *env = getenv("EMAIL");
	char *from;
	int found;

	if (j->env)
		return address_mailbox(j->env->sender, &j->sender_utf8, &j->err);
	if (j->o->sender && !j->o->read_envelope_from)
		return address_mailbox(j->o->sender, &j->sender_utf8, &j->err);
	found = message_from(&j->msg, &from, &j->err);
	if (found < 0) {
		char why[ERROR_ARG_MAX];

		error_set(&j->err, CAT_INPUT, N_("%s; fix the field, or give -f ADDRESS"),
			  error_arg(&j->err, why));
		return NULL;
	}
	if (found) {
		char *sender = address_mailbox(from, &j->sender_utf8, &j->err);

		free(from);
		return sender;
	}
	if (env && *env)
		return address_mailbox(env, &j->sender_utf8, &j->err);
	/* cron, at, mail(1): the login name at the mail name (sysmail.h). */
	return sysmail_default_sender(j->o->full_name, &j->full_name, &j->err);
}

/* Local recipients through the account's aliases, before any connection. */
static int expand_aliases(struct send_job *j)
{
	if (sysmail_expand_rcpts(j->sel.account, &j->rcpts, &j->err) < 0)
		return -1;
	j->rc.rcpts = (const char *const *)j->rcpts.addrs;
	j->rc.nrcpts = j->rcpts.n;
	return 0;
}

static void note_account(struct send_job *j)
{
	const struct account *a = j->sel.account;

	j->rc.account = a->name;
	j->rc.prog = j->o->prog;
	j->rc.host = a->host;
	j->rc.port = a->port;
	j->rc.user = a->user;
	if (j->sel.warning && j->rq->report)
		fprintf(j->rq->report, "%s: %s\n", j->o->prog, j->sel.warning);
}

/* The Message-ID as sent: the message's own, else the one sendas added. */
static char *message_id(const struct message *m)
{
	struct message added = { .header = m->added };
	char *id = message_header(m, "Message-ID");

	return id ? id : message_header(&added, "Message-ID");
}

/* The account file: the caller's (an SMTP session loads it once), or
 * loaded here, msmtp's command-line account included. */
static int load_accounts(struct send_job *j)
{
	if (j->rq->conf) {
		j->conf = j->rq->conf;
		return 0;
	}
	j->conf = &j->own_conf;
	j->loaded = 1;
	return session_load_conf(j->o->config_file, &j->o->cmdline, j->o->prog, &j->own_conf,
				 &j->err);
}

/* The message and its recipients: an SMTP client's envelope (its content
 * already unstuffed), or the command line's. */
static int read_message(struct send_job *j)
{
	struct message_options mo = { .ignore_dots = j->env ? 1 : j->o->ignore_dots };

	if (message_read(j->rq->in_fd, &mo, &j->msg, &j->err) < 0)
		return -1;
	if (j->env)
		return message_envelope_rcpts(&j->msg, j->env->rcpts, j->env->nrcpts, 0,
					      &j->rcpts, &j->err);
	return message_envelope_rcpts(&j->msg, j->o->rcpts, j->o->nrcpts,
				      j->o->read_recipients, &j->rcpts, &j->err);
}

/* Everything local, before any connection: the message, the account
 * file, the envelope, the account, the aliases, the credentials.  The
 * message comes first, so that a local failure can keep it (failed/). */
static int prepare(struct send_job *j)
{
	const char *sender;
	int r;

	if (read_message(j) < 0)
		return -1;
	j->read = 1;
	j->rc.rcpts = (const char *const *)j->rcpts.addrs;
	j->rc.nrcpts = j->rcpts.n;
	if (!(j->envelope_sender = envelope_sender(j)) || load_accounts(j) < 0)
		return -1;
	sender = j->envelope_sender;
	r = account_select(j->conf, sender, j->o->account, &j->sel, &j->err);
	j->rc.sender = j->sel.sender ? j->sel.sender : NULL;
	if (r == 0)
		r = expand_aliases(j);
	if (r == 0) {
		note_account(j);
		/* rewrite_from: the From field follows the envelope. */
		r = message_prepare(&j->msg, &(struct message_prepare){ .sender = j->sel.sender,
				    .full_name = j->o->full_name ? j->o->full_name : j->full_name,
				    .keep_display_name = !j->o->full_name, .now = time(NULL),
				    .original_sender = j->sel.rewritten ? sender : NULL,
				    .trace = j->rq->trace },
				    &j->err);
	}
	if (r < 0)
		return -1;
	j->ready = 1;
	j->message_id = message_id(&j->msg);
	j->rc.message_id = j->message_id;
	j->rc.size = message_size(&j->msg);
	if (limits_check_message(j->sel.account, j->rcpts.n, message_size(&j->msg),
				 &j->err) < 0)
		return -1;
	return session_credentials(j->sel.account, &j->setup, &j->err);
}

/* A slot under the account's messages_per_hour and messages_per_day
 * (send_limits.h), before any connection.  None free: the error is
 * temporary, and keep() queues the message until one is. */
static int take_slot(struct send_job *j)
{
	const struct account *a = j->sel.account;
	struct queue_settings set;

	if (!limits_rated(a))
		return 0;
	if (queue_settings(a, j->conf->path, &set, &j->err) < 0)
		return -1;
	j->queue_dir = xstrdup(set.dir);
	queue_settings_release(&set);
	return limits_take(j->queue_dir, a, time(NULL), &j->slot, &j->err) == 0 ? 0 : -1;
}

/* The server did not take the message: its slot is free again.  Not when
 * some recipients have it (a 452 split): the provider counted it. */
static void give_back_slot(struct send_job *j)
{
	size_t i;

	for (i = 0; j->have_res && i < j->res.nrcpts; i++)
		if (j->res.rcpts[i].delivered)
			return;
	limits_give_back(j->queue_dir, j->sel.account, &j->slot);
}

static int submit(struct send_job *j)
{
	struct smtp_session *s;
	struct envelope env = {
		.sender = j->sel.sender, .rcpts = j->rc.rcpts, .nrcpts = j->rc.nrcpts,
		.smtputf8 = j->rcpts.smtputf8 || j->sender_utf8,
		.dsn_notify = j->dsn.dsn_notify, .dsn_ret = j->dsn.dsn_ret,
		.envid = j->dsn.envid,
	};
	struct smtp_content content;
	int r, pending;

	session_params(j->sel.account, 1, report_observe, &j->obs, &j->setup);
	j->setup.smtp.on_reply = report_observe_reply;
	j->setup.smtp.pipeline_auth = 1;   /* AUTH PLAIN leaves with MAIL, RCPT, DATA */
	j->have_res = 1;
	s = session_open(&j->setup, j->sel.account, &j->res, &j->err);
	j->rc.host = j->setup.host;   /* with several hosts, the one used */
	if (!s)
		return -1;
	/* Only now is it known whether the server takes 8-bit content. */
	r = j->msg.has_8bit && !(j->res.caps & CAP_8BITMIME)
		? message_make_7bit(&j->msg, &j->err) : 0;
	if (r == 0) {
		env.body_8bit = j->msg.has_8bit;
		content = (struct smtp_content){ .prefix = j->msg.prefix.data,
			.prefix_len = j->msg.prefix.len, .fd = j->msg.fd,
			.size = message_size(&j->msg) };
		want_progress(j, &content);
		j->rc.size = content.size;
		/* QUIT leaves with the end of the content, unless the queue has
		 * messages of this account to send over this session. */
		pending = drain_pending(j->sel.account, j->conf->path, time(NULL));
		if (!pending)
			smtp_last_message(s);
		r = smtp_send(s, &env, &content, &j->res, &j->err);
		if (j->progress_percent >= 0 && j->progress_percent < 100)
			fputc('\n', stderr);    /* a failure's report starts on its own line */
		if (r == 0 && pending)
			drain_after_send(s, j->res.caps, j->sel.account, j->conf->path,
					 j->o->verbose,
					 report_syslog_facility(j->sel.account->syslog));
	}
	smtp_close(s);
	return r;
}

/* msmtp's -X FILE (cli.c allows it under the name msmtp only) wins over
 * the account's logfile; -X "" turns logging off. */
static const char *log_file(const struct send_job *j)
{
	if (j->o->logfile)
		return *j->o->logfile ? j->o->logfile : NULL;
	return j->sel.account->logfile;
}

/* Durably queued for an automatic retry, and the account does not ask for
 * 75 (queued_exit): a success for the caller, as for every MTA's sendmail,
 * so that git send-email, mutt and PHP do not make the user send again. */
static int queued_ok(const struct send_job *j)
{
	return j->kept.how == KEPT_QUEUED && j->sel.account && j->sel.account->queued_exit != 75;
}

/* The one line for a queued message: that, why, and when the next try is. */
static void report_queued(const struct send_job *j, FILE *f)
{
	char in[32];

	/* A send limit sets the next try itself (keep.h); else the backoff. */
	queue_duration(in, sizeof in, j->kept.next_try ? (long)(j->kept.next_try - time(NULL))
						       : queue_backoff(1));
	fprintf(f, _("sendas: queued as %s, not sent yet: %s; next try in %s (sendas -q "
			  "sends it now)\n"), j->kept.id, j->err.text, in);
}

/* The outcome, wherever the user wants it: the failure report on
 * rq->report (stderr for the command line; none for an SMTP client, whose
 * reply is the verdict), --json on stdout, the account's syslog and
 * logfile.  A log that cannot be written is said on the report; it does not
 * change the exit code. */
static int report_outcome(struct send_job *j, int failed)
{
	const struct account *a = j->sel.account;
	struct report_outcome out = { .rc = &j->rc, .res = j->have_res ? &j->res : NULL,
				      .err = &j->err, .obs = &j->obs };
	struct error log_err;
	FILE *f = j->rq->report;

	if (failed && queued_ok(j) && f)
		report_queued(j, f);
	else if (failed && f)
		report_failure(f, &j->err, out.res, &j->rc);
	else if (!failed)
		error_clear(&j->err);
	if (j->rq->json && report_json(stdout, &out) < 0 && f)
		fprintf(f, _("sendas: the JSON result would exceed %d bytes; not printed\n"),
			REPORT_JSON_MAX);
	if (a && report_log(&out, report_syslog_facility(a->syslog), log_file(j), &log_err) < 0 &&
	    f)
		fprintf(f, "%s: %s\n", j->o->prog, log_err.text);
	return failed && !queued_ok(j) ? category_exit_code(j->err.category) : 0;
}

/* A message that was ready but not sent is queued, or kept in failed/
 * (keep.h); the failure report then says whether it was queued. */
static void keep(struct send_job *j)
{
	struct keep k = {
		.a = j->sel.account, .conf_path = j->conf->path,
		.res = j->have_res ? &j->res : NULL,
		.m = { .account = j->sel.account->name, .sender = j->sel.sender,
		       .rcpts = j->rc.rcpts, .nrcpts = j->rc.nrcpts,
		       .notify = j->dsn.dsn_notify, .ret = j->dsn.dsn_ret, .envid = j->dsn.envid,
		       .body_8bit = j->msg.has_8bit,
		       .smtputf8 = j->rcpts.smtputf8 || j->sender_utf8,
		       .owner = j->rq->owner,
		       .prefix = j->msg.prefix.data, .prefix_len = j->msg.prefix.len,
		       .fd = j->msg.fd, .size = message_size(&j->msg),
		       .not_before = j->slot.next },
	};

	keep_message(&k, &j->err, &j->kept);
	j->rc.queued = j->kept.how == KEPT_QUEUED;
}

/* A message refused for a local reason (the account file, no account for
 * the sender, the aliases) from a caller that shows no errors (cron,
 * systemd, a script: stderr is not a terminal) goes to failed/ of the
 * default queue, or of the account's when one was chosen, as it was read;
 * sendas --queue-retry ID sends it once the configuration is fixed
 * (flush.h).  At a terminal the user sees the error and still has the
 * message. */
static void keep_local_failure(struct send_job *j)
{
	static const enum category local[] = { CAT_CONFIG, CAT_NO_ACCOUNT, CAT_IO,
					       CAT_RECIPIENT, CAT_USAGE };
	struct buf raw;
	size_t i;
	int is_local = 0;

	for (i = 0; i < sizeof local / sizeof local[0]; i++)
		is_local |= j->err.category == local[i];
	if (!is_local || !j->rq->keep_local || !j->rcpts.n || !j->rq->report ||
	    isatty(fileno(j->rq->report)))
		return;
	buf_init(&raw, MESSAGE_PREFIX_MAX);
	if ((buf_add(&raw, j->msg.header.data ? j->msg.header.data : "", j->msg.header.len) |
	     buf_adds(&raw, "\r\n")) < 0) {
		buf_release(&raw);      /* not kept: the caller says so */
		return;
	}
	keep_message(&(struct keep){
		.a = j->sel.account, .conf_path = j->conf->path,
		.m = { .account = QUEUE_NO_ACCOUNT,
		       .sender = j->envelope_sender ? j->envelope_sender : "",
		       .rcpts = (const char *const *)j->rcpts.addrs, .nrcpts = j->rcpts.n,
		       .body_8bit = j->msg.has_8bit, .owner = j->rq->owner,
		       .prefix = raw.data, .prefix_len = raw.len,
		       .fd = j->msg.fd, .size = (off_t)raw.len + j->msg.size } },
		&j->err, &j->kept);
	buf_release(&raw);
}

void send_verdict_init(struct send_verdict *v)
{
	memset(v, 0, sizeof *v);
	error_clear(&v->err);
	reply_init(&v->reply);
}

void send_verdict_release(struct send_verdict *v)
{
	reply_release(&v->reply);
}

static void fill_verdict(const struct send_job *j, int failed, int code, struct send_verdict *v)
{
	v->exit_code = code;
	v->err = j->err;
	if (!failed)
		error_clear(&v->err);
	if (j->have_res && j->res.reply.code) {
		reply_copy(&v->reply, &j->res.reply);
		v->stage = j->res.stage;
	}
	if (j->sel.account)
		snprintf(v->account, sizeof v->account, "%s", j->sel.account->name);
	v->kept = failed ? j->kept.how : KEPT_NOT;
	if (v->kept == KEPT_QUEUED || v->kept == KEPT_FAILED)
		snprintf(v->queue_id, sizeof v->queue_id, "%s", j->kept.id);
}

/* What became of a message not sent, on the report: kept, or neither sent
 * nor stored (then 75 whatever the failure: the caller must keep it). */
static int report_kept(struct send_job *j, int failed, int code)
{
	FILE *f = j->rq->report;

	if (failed && j->kept.how == KEPT_ERROR) {
		if (f)
			fprintf(f, _("sendas: not sent and not kept: %s\n"), j->kept.err.text);
		return EX_TEMPFAIL;
	}
	if (f && failed && (j->ready || j->kept.how != KEPT_NOT) && !queued_ok(j)) {
		keep_report(&j->kept);
		if (!j->ready && j->kept.how == KEPT_FAILED)
			fprintf(f, _("sendas: once the configuration is fixed, sendas "
				     "--queue-retry %s sends it\n"), j->kept.id);
	}
	return code;
}

int send_message(const struct send_request *rq, struct send_verdict *v)
{
	struct send_job j = { .rq = rq, .o = rq->o, .env = rq->envelope };
	int code, failed;

	j.dsn = j.env ? *j.env : (struct send_envelope){ .dsn_notify = j.o->dsn_notify,
		.dsn_ret = j.o->dsn_ret, .envid = j.o->envid };
	error_clear(&j.err);
	message_init(&j.msg);
	selection_init(&j.sel);
	address_list_init(&j.rcpts);
	smtp_result_init(&j.res);
	session_setup_init(&j.setup);
	report_observer_init(&j.obs, j.o->verbose ? stderr : NULL);
	failed = prepare(&j) < 0 || take_slot(&j) < 0 || submit(&j) < 0;
	if (failed && j.slot.at)
		give_back_slot(&j);
	if (failed && j.ready)
		keep(&j);
	else if (failed && j.read)
		keep_local_failure(&j);
	code = report_kept(&j, failed, report_outcome(&j, failed));
	fill_verdict(&j, failed, code, v);
	session_setup_release(&j.setup);
	report_observer_release(&j.obs);
	free(j.message_id);
	free(j.full_name);
	free(j.envelope_sender);
	free(j.queue_dir);
	smtp_result_release(&j.res);
	selection_release(&j.sel);
	address_list_release(&j.rcpts);
	message_release(&j.msg);
	if (j.loaded)
		conf_release(&j.own_conf);
	return v->exit_code;
}

int send_message_fd(const struct options *o, int fd, int keep_local)
{
	struct send_request rq = { .o = o, .in_fd = fd, .report = stderr, .json = o->json,
				   .keep_local = keep_local };
	struct send_verdict v;
	int code;

	send_verdict_init(&v);
	code = send_message(&rq, &v);
	send_verdict_release(&v);
	return code;
}

int mode_send(const struct options *o)
{
	if (handoff_wanted(o->config_file))
		return handoff_mode_send(o);
	return send_message_fd(o, STDIN_FILENO, 1);
}
