/* send.c: see send.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "address.h"
#include "classify.h"
#include "conf.h"
#include "flush.h"
#include "handoff.h"
#include "i18n.h"
#include "keep.h"
#include "message.h"
#include "report.h"
#include "secret.h"
#include "send.h"
#include "session.h"
#include "smtp.h"
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
	struct smtp_result res;
	struct report_context rc;
	struct error err;
	int have_res;
	int ready;                    /* the message could be sent: keep it on failure */
	struct kept_message kept;     /* where it went then */
	struct send_envelope dsn;     /* the DSN parameters (the rest unused) */
};

/* MAIL FROM of an SMTP client; else -f, else the From: header, else
 * $EMAIL (mutt passes no -f by default); validated and with its domain as
 * an A-label. */
static char *envelope_sender(struct send_job *j)
{
	const char *env = getenv("EMAIL");
	char *from;

	if (j->env)
		return address_mailbox(j->env->sender, &j->sender_utf8, &j->err);
	if (j->o->sender)
		return address_mailbox(j->o->sender, &j->sender_utf8, &j->err);
	from = message_from_address(&j->msg);
	if (from) {
		char *sender = address_mailbox(from, &j->sender_utf8, &j->err);

		free(from);
		return sender;
	}
	if (env && *env)
		return address_mailbox(env, &j->sender_utf8, &j->err);
	error_set(&j->err, CAT_USAGE,
		  _("no envelope sender: give -f ADDRESS, a From: header, or set $EMAIL"));
	return NULL;
}

static void note_account(struct send_job *j)
{
	const struct account *a = j->sel.account;

	j->rc.account = a->name;
	j->rc.host = a->host;
	j->rc.port = a->port;
	j->rc.user = a->user;
	if (j->sel.warning && j->rq->report)
		fprintf(j->rq->report, "sendas: %s\n", j->sel.warning);
}

/* The Message-ID as sent: the message's own, else the one sendas added. */
static char *message_id(const struct message *m)
{
	struct message added = { .header = m->added };
	char *id = message_header(m, "Message-ID");

	return id ? id : message_header(&added, "Message-ID");
}

/* Everything local, before any connection: the account file, the
 * message, the envelope, the account, the credentials. */
static int load_accounts(struct send_job *j)
{
	if (j->rq->conf) {
		j->conf = j->rq->conf;
		return 0;
	}
	j->conf = &j->own_conf;
	j->loaded = 1;
	return session_load_accounts(j->o->config_file, &j->own_conf, &j->err);
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

static int prepare(struct send_job *j)
{
	char *sender;
	int r;

	if (load_accounts(j) < 0 || read_message(j) < 0)
		return -1;
	j->rc.rcpts = (const char *const *)j->rcpts.addrs;
	j->rc.nrcpts = j->rcpts.n;
	sender = envelope_sender(j);
	if (!sender)
		return -1;
	r = account_select(j->conf, sender, j->o->account, &j->sel, &j->err);
	j->rc.sender = j->sel.sender ? j->sel.sender : NULL;
	if (r == 0) {
		note_account(j);
		/* rewrite_from: the From field follows the envelope. */
		r = message_prepare(&j->msg, &(struct message_prepare){ .sender = j->sel.sender,
				    .full_name = j->o->full_name, .now = time(NULL),
				    .original_sender = j->sel.rewritten ? sender : NULL,
				    .trace = j->rq->trace },
				    &j->err);
	}
	free(sender);
	if (r < 0)
		return -1;
	j->ready = 1;
	j->message_id = message_id(&j->msg);
	j->rc.message_id = j->message_id;
	j->rc.size = message_size(&j->msg);
	return session_credentials(j->sel.account, &j->setup, &j->err);
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
	j->setup.smtp.pipeline_auth = 1;   /* AUTH PLAIN leaves with MAIL, RCPT, DATA */
	j->have_res = 1;
	s = smtp_open(&j->setup.smtp, &j->res, &j->err);
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
		j->rc.size = content.size;
		/* QUIT leaves with the end of the content, unless the queue has
		 * messages of this account to send over this session. */
		pending = flush_pending(j->sel.account, j->conf->path, time(NULL));
		if (!pending)
			smtp_last_message(s);
		r = smtp_send(s, &env, &content, &j->res, &j->err);
		if (r == 0 && pending)
			flush_after_send(s, j->res.caps, j->sel.account, j->conf->path,
					 j->o->verbose);
	}
	smtp_close(s);
	return r;
}

/* The outcome, wherever the user wants it: the failure report on stderr,
 * --json on stdout, the account's syslog and logfile.  A log that cannot be
 * written is said on stderr; it does not change the exit code. */
static void report_outcome(struct send_job *j, int failed)
{
	const struct account *a = j->sel.account;
	struct report_outcome out = { .rc = &j->rc, .res = j->have_res ? &j->res : NULL,
				      .err = &j->err, .obs = &j->obs };
	struct error log_err;

	FILE *f = j->rq->report;

	if (failed && f)
		report_failure(f, &j->err, out.res, &j->rc);
	else if (!failed)
		error_clear(&j->err);
	if (j->rq->json && report_json(stdout, &out) < 0 && f)
		fprintf(f, _("sendas: the JSON result would exceed %d bytes; not printed\n"),
			REPORT_JSON_MAX);
	if (a && report_log(&out, report_syslog_facility(a->syslog), a->logfile, &log_err) < 0 &&
	    f)
		fprintf(f, "sendas: %s\n", log_err.text);
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
		       .fd = j->msg.fd, .size = message_size(&j->msg) },
	};

	keep_message(&k, &j->err, &j->kept);
	j->rc.queued = j->kept.how == KEPT_QUEUED;
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

static void fill_verdict(const struct send_job *j, int failed, struct send_verdict *v)
{
	v->exit_code = failed ? category_exit_code(j->err.category) : 0;
	v->err = j->err;
	if (j->have_res && j->res.reply.code) {
		reply_copy(&v->reply, &j->res.reply);
		v->stage = j->res.stage;
	}
	if (j->sel.account)
		snprintf(v->account, sizeof v->account, "%s", j->sel.account->name);
	v->kept = failed && j->ready ? j->kept.how : KEPT_NOT;
	if (v->kept == KEPT_QUEUED || v->kept == KEPT_FAILED)
		snprintf(v->queue_id, sizeof v->queue_id, "%s", j->kept.id);
}

int send_message(const struct send_request *rq, struct send_verdict *v)
{
	struct send_job j = { .rq = rq, .o = rq->o, .env = rq->envelope };
	int failed;

	j.dsn = j.env ? *j.env : (struct send_envelope){ .dsn_notify = j.o->dsn_notify,
		.dsn_ret = j.o->dsn_ret, .envid = j.o->envid };
	error_clear(&j.err);
	message_init(&j.msg);
	selection_init(&j.sel);
	address_list_init(&j.rcpts);
	smtp_result_init(&j.res);
	session_setup_init(&j.setup);
	report_observer_init(&j.obs, j.o->verbose ? stderr : NULL);
	failed = prepare(&j) < 0 || submit(&j) < 0;
	if (failed && j.ready)
		keep(&j);
	report_outcome(&j, failed);
	if (failed && j.ready && rq->report)
		keep_report(&j.kept);
	fill_verdict(&j, failed, v);
	session_setup_release(&j.setup);
	report_observer_release(&j.obs);
	free(j.message_id);
	smtp_result_release(&j.res);
	selection_release(&j.sel);
	address_list_release(&j.rcpts);
	message_release(&j.msg);
	if (j.loaded)
		conf_release(&j.own_conf);
	return v->exit_code;
}

int mode_send(const struct options *o)
{
	struct send_request rq = { .o = o, .in_fd = STDIN_FILENO, .report = stderr,
				   .json = o->json };
	struct send_verdict v;
	int code;

	if (handoff_wanted(o->config_file))
		return handoff_mode_send(o);
	send_verdict_init(&v);
	code = send_message(&rq, &v);
	send_verdict_release(&v);
	return code;
}
