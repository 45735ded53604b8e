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
#include "i18n.h"
#include "message.h"
#include "report.h"
#include "secret.h"
#include "send.h"
#include "smtp.h"
#include "xalloc.h"

#define DEFAULT_HELO "localhost"   /* as msmtp: names no host of ours */

/* Everything one send holds, released in one place. */
struct send_job {
	const struct options *o;
	struct conf conf;
	struct message msg;
	struct selection sel;
	struct address_list rcpts;
	int sender_utf8;
	char *password;
	struct smtp_result res;
	struct report_context rc;
	struct error err;
	int have_res;
};

static void warn_stderr(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "sendas: %s\n", text);
}

static int load_accounts(struct send_job *j)
{
	char *path = conf_locate(j->o->config_file, &j->err);
	int r;

	if (!path)
		return -1;
	r = conf_load(&j->conf, path, warn_stderr, NULL, &j->err);
	free(path);
	return r;
}

/* -f, else the From: header, else $EMAIL (mutt passes no -f by default);
 * validated and with its domain as an A-label. */
static char *envelope_sender(struct send_job *j)
{
	const char *env = getenv("EMAIL");
	char *from;

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
	if (j->sel.warning)
		fprintf(stderr, "sendas: %s\n", j->sel.warning);
}

/* Everything local, before any connection: the account file, the
 * message, the envelope, the account, the credentials. */
static int prepare(struct send_job *j)
{
	struct message_options mo = { .ignore_dots = j->o->ignore_dots };
	char *sender;
	int r;

	if (load_accounts(j) < 0 || message_read(STDIN_FILENO, &mo, &j->msg, &j->err) < 0)
		return -1;
	if (message_envelope_rcpts(&j->msg, j->o->rcpts, j->o->nrcpts,
				   j->o->read_recipients, &j->rcpts, &j->err) < 0)
		return -1;
	j->rc.rcpts = (const char *const *)j->rcpts.addrs;
	j->rc.nrcpts = j->rcpts.n;
	sender = envelope_sender(j);
	if (!sender)
		return -1;
	r = account_select(&j->conf, sender, j->o->account, &j->sel, &j->err);
	j->rc.sender = j->sel.sender ? j->sel.sender : NULL;
	free(sender);
	if (r < 0)
		return -1;
	note_account(j);
	if (message_prepare(&j->msg, &(struct message_prepare){ .sender = j->sel.sender,
			    .full_name = j->o->full_name, .now = time(NULL) }, &j->err) < 0)
		return -1;
	if (j->sel.account->user) {
		secret_protect_process();
		j->password = secret_password(j->sel.account, &j->err);
		if (!j->password)
			return -1;
	}
	return 0;
}

static void fill_params(struct send_job *j, struct smtp_params *p, struct auth_params *ap)
{
	const struct account *a = j->sel.account;
	static const enum smtp_tls_mode modes[] = {
		[TLS_SETTING_STARTTLS] = SMTP_TLS_STARTTLS,
		[TLS_SETTING_IMPLICIT] = SMTP_TLS_IMPLICIT,
		[TLS_SETTING_OFF] = SMTP_TLS_OFF,
	};

	*ap = (struct auth_params){ .user = a->user, .password = j->password,
				    .mechanisms = a->auth };
	*p = (struct smtp_params){
		.host = a->host, .port = a->port, .tls_mode = modes[a->tls],
		.tls = { .host = a->host, .trust_file = a->tls_trust_file,
			 .fingerprint = a->tls_fingerprint, .cert_file = a->tls_cert_file,
			 .key_file = a->tls_key_file, .priority = a->tls_priority },
		.helo_name = a->domain ? a->domain : DEFAULT_HELO,
		.timeout = a->timeout,
		.auth = a->user ? ap : NULL,
		.trace = j->o->verbose ? report_trace : NULL,
		.trace_ctx = stderr,
	};
}

static int submit(struct send_job *j)
{
	struct smtp_params p;
	struct auth_params ap;
	struct smtp_session *s;
	struct envelope env = {
		.sender = j->sel.sender, .rcpts = j->rc.rcpts, .nrcpts = j->rc.nrcpts,
		.smtputf8 = j->rcpts.smtputf8 || j->sender_utf8,
		.dsn_notify = j->o->dsn_notify, .dsn_ret = j->o->dsn_ret,
		.envid = j->o->envid,
	};
	struct smtp_content content;
	int r;

	fill_params(j, &p, &ap);
	j->have_res = 1;
	s = smtp_open(&p, &j->res, &j->err);
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
		r = smtp_send(s, &env, &content, &j->res, &j->err);
	}
	smtp_close(s);
	return r;
}

int mode_send(const struct options *o)
{
	struct send_job j = { .o = o };
	int code;

	error_clear(&j.err);
	message_init(&j.msg);
	selection_init(&j.sel);
	address_list_init(&j.rcpts);
	smtp_result_init(&j.res);
	if (prepare(&j) < 0 || submit(&j) < 0) {
		report_failure(stderr, &j.err, j.have_res ? &j.res : NULL, &j.rc);
		code = category_exit_code(j.err.category);
	} else {
		code = 0;
	}
	free_secret(j.password);
	smtp_result_release(&j.res);
	selection_release(&j.sel);
	address_list_release(&j.rcpts);
	message_release(&j.msg);
	conf_release(&j.conf);
	return code;
}
