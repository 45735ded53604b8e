/* bs.c: see bs.h.  The engine (smtpd.c) speaks SMTP; this file answers its
 * three questions (MAIL, the final dot, the private verbs) with the
 * pieces the command line uses. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "bs.h"
#include "classify.h"
#include "conf.h"
#include "i18n.h"
#include "message.h"
#include "handoff.h"
#include "permit.h"
#include "queueverbs.h"
#include "send.h"
#include "session.h"
#include "smtpd.h"
#include "xalloc.h"

struct bs {
	const struct options *o;
	struct conf conf;
	int have_conf;
	int relay;                /* no account file: relay to the local service */
	struct error conf_err;    /* why there is no account file */
	char hostname[SMTPD_HOSTNAME_MAX + 1];
};

/* A local failure's reply, by category (no server reply decided it). */
static const struct {
	int code;
	const char *enhanced;
} local_replies[CAT_COUNT] = {
	[CAT_NONE] = { 250, "2.0.0" },
	[CAT_USAGE] = { 554, "5.5.4" },
	[CAT_INPUT] = { 554, "5.6.0" },
	[CAT_TOO_LARGE] = { 552, "5.3.4" },
	[CAT_CONFIG] = { 451, "4.3.5" },
	[CAT_NO_ACCOUNT] = { 550, "5.7.1" },
	[CAT_SENDER_REFUSED] = { 550, "5.7.1" },
	[CAT_AUTH_FAILED] = { 554, "5.7.8" },
	[CAT_AUTH_REQUIRED] = { 554, "5.7.0" },
	[CAT_TLS] = { 554, "5.7.0" },
	[CAT_RECIPIENT] = { 550, "5.1.1" },
	[CAT_POLICY] = { 554, "5.7.1" },
	[CAT_TEMPORARY] = { 451, "4.4.1" },
	[CAT_DNS] = { 554, "5.4.4" },
	[CAT_CONNECT] = { 451, "4.4.1" },
	[CAT_TIMEOUT] = { 451, "4.4.2" },
	[CAT_PROTOCOL] = { 554, "5.5.0" },
	[CAT_UNAVAILABLE] = { 554, "5.0.0" },
	[CAT_IO] = { 451, "4.3.0" },
	[CAT_INTERNAL] = { 451, "4.3.0" },
};

/* The replies below end in the verdict mark (handoff.h) when mark is set:
 * for a peer on the local socket, the submission client that reads it;
 * never for a pipe (Symfony, a PHP script) or the smarthost's network
 * clients, to whom it would be noise from inside sendas. */
static int marks(const struct smtpd_peer *p)
{
	return p->kind == SMTPD_PEER_UNIX;
}

static void reply_for_error(const struct error *err, int mark, struct smtpd_reply *r)
{
	enum category cat = err->category < CAT_COUNT ? err->category : CAT_INTERNAL;

	smtpd_reply_set(r, local_replies[cat].code, local_replies[cat].enhanced, "%s", err->text);
	if (mark)
		handoff_mark(&r->text, cat, NULL);
}

/* An address the command line would refuse is refused at once: 553 with
 * the enhanced code of a bad sender (5.1.7) or recipient (5.1.3). */
static int address_ok(const char *addr, const char *enhanced, int mark,
		      struct smtpd_reply *r)
{
	struct error err;
	char *mailbox;

	error_clear(&err);
	mailbox = address_mailbox(addr, NULL, &err);
	free(mailbox);
	if (!mailbox) {
		smtpd_reply_set(r, 553, enhanced, "%s", err.text);
		if (mark)
			handoff_mark(&r->text, err.category, NULL);
	}
	return mailbox != NULL;
}

static void on_rcpt(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		    const char *rcpt, struct smtpd_reply *r)
{
	(void)ctx;
	(void)t;
	address_ok(rcpt, "5.1.3", marks(p), r);
}

/* MAIL: the account the command line would choose, or its explanation;
 * then who may use it (policy.h), on the local socket. */
static void on_mail(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		    struct smtpd_reply *r)
{
	struct bs *b = ctx;
	struct selection sel;
	struct error err;
	char *sender;

	error_clear(&err);
	if (b->relay || !address_ok(t->sender, "5.1.7", marks(p), r))
		return;               /* relayed: the service decides, at its MAIL */
	if (!b->have_conf) {
		reply_for_error(&b->conf_err, marks(p), r);
		return;
	}
	selection_init(&sel);
	sender = address_mailbox(t->sender, NULL, &err);
	if (sender && account_select(&b->conf, sender, b->o->account, &sel, &err) == 0 &&
	    (p->kind == SMTPD_PEER_PIPE ||
	     permit_sender(&b->conf, &sel, sender, p->uid, &err) == 0))
		smtpd_reply_set(r, 250, "2.1.0", "Sender ok: account %s", sel.account->name);
	else
		reply_for_error(&err, marks(p), r);
	free(sender);
	selection_release(&sel);
}

/* RFC 5321 4.4, the caller in the comment where TCP would give an address:
 * "Received: from localhost (uid 1000, pid 42) by host (sendas 0.1) with
 * ESMTP; date" */
static char *received_field(const struct bs *b, const struct smtpd_peer *p,
			    const struct smtpd_txn *t)
{
	struct buf f;
	int r;

	buf_init(&f, MESSAGE_ADDED_MAX);
	r = buf_printf(&f, "Received: from localhost (uid %lu", (unsigned long)p->uid);
	if (p->have_cred)
		r |= buf_printf(&f, ", pid %ld", (long)p->pid);
	r |= buf_printf(&f, ")\r\n\tby %.200s (sendas %s) with %s;\r\n\t", b->hostname,
			PACKAGE_VERSION, t->smtputf8 ? "UTF8SMTP" : "ESMTP");
	r |= message_date(&f, time(NULL));
	r |= buf_adds(&f, "\r\n");
	if (r < 0) {            /* cannot happen with a host name cut at 200 */
		buf_release(&f);
		return NULL;
	}
	return buf_detach(&f);
}

/* A reply passed on as it came: a provider's, or the service's, whose
 * mark stays only when mark is set. */
static void reply_verbatim(const struct reply *in, int mark, struct smtpd_reply *r)
{
	enum category cat;
	char id[QUEUE_ID_LEN + 1];
	const char *line;
	size_t len;
	int i, n = in->nlines;

	if (!mark && n > 1 && handoff_read_mark(in, &cat, id))
		n--;
	smtpd_reply_set(r, in->code, in->enhanced, "%s", "");
	for (i = 0; i < n; i++) {
		line = reply_text_line(in, i, &len);
		buf_printf_trunc(&r->text, "%s%.*s", i ? "\n" : "", (int)len, line);
	}
}

/* The provider's reply, each line without its code, then ours. */
static void reply_from_provider(const struct send_verdict *v, int mark,
				struct smtpd_reply *r)
{
	reply_verbatim(&v->reply, 1, r);
	buf_printf_trunc(&r->text, "\nsendas: account %s: %s", v->account, v->err.text);
	if (mark)
		handoff_mark(&r->text, v->err.category, NULL);
}

static void verdict_reply(const struct send_verdict *v, int mark, struct smtpd_reply *r)
{
	/* Queued is a success for the caller (exit 0 unless queued_exit = 75):
	 * it is still said as queued. */
	if (v->kept == KEPT_QUEUED) {
		smtpd_reply_set(r, 250, "2.0.0", "Queued as %s (account %s), will retry: %s",
				v->queue_id, v->account, v->err.text);
		/* The mark's category "none": queued counts as sent (exit 0);
		 * with queued_exit = 75 the failure's, as a direct send. */
		if (mark)
			handoff_mark(&r->text, v->exit_code == 0 ? CAT_NONE : v->err.category,
				     v->queue_id);
	} else if (v->exit_code == 0) {
		smtpd_reply_set(r, 250, "2.0.0", "Sent through account %s", v->account);
		if (v->reply.code)
			buf_printf_trunc(&r->text, ": %.*s",
					 (int)strcspn(buf_str(&v->reply.text), "\n"),
					 buf_str(&v->reply.text));
	} else if (v->reply.code >= 400) {
		reply_from_provider(v, mark, r);
	} else {
		reply_for_error(&v->err, mark, r);
	}
}

/* No account file here: the transaction goes to the local submission
 * service, whose verdict is ours. */
static void relay(const struct smtpd_txn *t, int mark, struct smtpd_reply *r)
{
	struct handoff_message m = {
		.sender = t->sender, .rcpts = (const char *const *)t->rcpts,
		.nrcpts = t->nrcpts, .body_8bit = t->body_8bit, .smtputf8 = t->smtputf8,
		.dsn_notify = t->dsn_notify, .dsn_ret = t->dsn_ret, .envid = t->dsn_envid,
		.fd = t->fd, .size = t->size,
	};
	struct smtp_result res;
	struct error err;

	error_clear(&err);
	smtp_result_init(&res);
	if (handoff_submit(&m, NULL, NULL, &res, &err) == 0 || res.reply.code >= 400)
		reply_verbatim(&res.reply, mark, r);
	else
		reply_for_error(&err, mark, r);
	smtp_result_release(&res);
}

struct send_envelope bs_envelope(const struct smtpd_txn *t)
{
	return (struct send_envelope){
		.sender = t->sender, .rcpts = (const char *const *)t->rcpts,
		.nrcpts = t->nrcpts, .dsn_notify = t->dsn_notify, .dsn_ret = t->dsn_ret,
		.envid = t->dsn_envid,
	};
}

static void on_deliver(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		       struct smtpd_reply *r)
{
	struct bs *b = ctx;
	const struct send_envelope env = bs_envelope(t);
	struct send_request rq = { .o = b->o, .conf = &b->conf, .in_fd = t->fd,
				   .envelope = &env };
	char owner[32];
	struct send_verdict v;
	char *received;

	if (b->relay) {
		relay(t, marks(p), r);
		return;
	}
	received = received_field(b, p, t);
	rq.trace = received;
	snprintf(owner, sizeof owner, "%lu", (unsigned long)p->uid);
	if (p->kind == SMTPD_PEER_UNIX)
		rq.owner = owner;
	send_verdict_init(&v);
	send_message(&rq, &v);
	verdict_reply(&v, marks(p), r);
	send_verdict_release(&v);
	free(received);
}

/* mailq and -q for the caller: the local socket's private verbs. */
static int on_verb(void *ctx, const struct smtpd_peer *p, const char *verb, const char *args,
		   struct smtpd_reply *r)
{
	struct bs *b = ctx;

	(void)args;
	return p->kind == SMTPD_PEER_UNIX && queueverbs_run(b->o, p->uid, verb, r);
}

/* The session log: on stderr (the journal) for the local socket, where the
 * peer is another user; a pipe's caller has its own stderr and logs. */
static void log_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "sendas[%ld]: %s\n", (long)getpid(), line);
}

int mode_bs(const struct options *o)
{
	struct bs b = { .o = o };
	struct smtpd_handler h = { .mail = on_mail, .rcpt = on_rcpt, .deliver = on_deliver,
				   .verb = on_verb, .ctx = &b };
	struct smtpd_params sp = { .hostname = b.hostname, .handler = &h };
	struct smtpd_peer peer;
	enum smtpd_end end;

	/* A client that goes away is an EOF or EPIPE to the engine, not a
	 * signal that kills a delivery (secret.c restores it for commands). */
	signal(SIGPIPE, SIG_IGN);
	error_clear(&b.conf_err);
	smtpd_peer_identify(STDIN_FILENO, STDOUT_FILENO, &peer);
	/* On a socket we are the service: never relay to ourselves. */
	b.relay = peer.kind == SMTPD_PEER_PIPE && handoff_wanted(o->config_file);
	b.have_conf = !b.relay && session_load_accounts(o->config_file, &b.conf, &b.conf_err) == 0;
	if (gethostname(b.hostname, sizeof b.hostname - 1) < 0 || !b.hostname[0])
		snprintf(b.hostname, sizeof b.hostname, "localhost");
	if (peer.kind == SMTPD_PEER_UNIX)
		sp.log = log_stderr;
	end = smtpd_serve(&sp, &peer);
	conf_release(&b.conf);
	return end == SMTPD_END_QUIT || end == SMTPD_END_EOF ? EX_OK
	       : end == SMTPD_END_IO ? EX_IOERR : EX_TEMPFAIL;
}

/* The smarthost's replies are -bs's (smarthost_session.c, issue 16),
 * without the mark: its clients are on the network. */
void bs_verdict_reply(const struct send_verdict *v, struct smtpd_reply *r)
{
	verdict_reply(v, 0, r);
}

void bs_error_reply(const struct error *err, struct smtpd_reply *r)
{
	reply_for_error(err, 0, r);
}
