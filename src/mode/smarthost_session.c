/* smarthost_session.c: see smarthost_session.h.  The engine asks; the
 * handlers below answer with the access rules, the users file and
 * send_message(). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "address.h"
#include "auth.h"
#include "bs.h"
#include "cidr.h"
#include "message.h"
#include "report.h"
#include "send.h"
#include "smarthost_session.h"
#include "tls.h"
#include "xalloc.h"

#define LOG_MAX 4096

struct relay {
	const struct smarthost *h;
	const struct smtpd_network *net;
	struct smtpd_peer peer;
	struct smtpd_transport io;
	struct tls *tls;
	char client[64];          /* "[address]:port" */
	struct auth_server *auth;
	char *login;              /* after 235 */
	char *login_accounts;     /* the users file's list, or NULL: all */
	char *pending_accounts;   /* check() found these; kept on success */
	int users_broken;         /* the users file could not be read */
	unsigned failures, failures_before;
	char account[CONF_NAME_MAX + 1];   /* chosen at MAIL */
};

/* ---- log lines ---------------------------------------------------------- */

void smarthost_log(const struct smarthost *h, const struct buf *text)
{
	struct buf line;
	struct error err;
	size_t n;

	buf_init(&line, LOG_MAX + 64);
	buf_printf_trunc(&line, "sendas[%ld]: smtpd %s", (long)getpid(), buf_str(text));
	n = line.len < LOG_MAX ? line.len : LOG_MAX;
	line.data[n] = '\n';
	(void)!write(STDERR_FILENO, line.data, n + 1);   /* nowhere left to say it */
	error_clear(&err);
	/* Without the "sendas[PID]: " that syslog and the log file add. */
	n = strcspn(line.data, " ") + 1;
	if (report_log_write(line.data + n, strcspn(line.data + n, "\n"),
			     strstr(buf_str(text), "=refused") || strstr(buf_str(text), "=failed"),
			     h->facility,
			     h->conf.logfile, &err) < 0)
		fprintf(stderr, "sendas: %s\n", err.text);
	buf_release(&line);
}

/* "client=... [login=...] event=EVENT " then the caller's fields. */
static void log_start(const struct relay *rl, struct buf *b, const char *event)
{
	buf_init(b, LOG_MAX);
	report_log_field(b, "event", event);
	report_log_field(b, "client", rl->client);
	report_log_field(b, "login", rl->login);
}

/* key="line|line": a reply's lines in one value. */
static void log_text(struct buf *b, const char *key, const char *text)
{
	struct buf t;
	size_t i;

	buf_init(&t, LOG_MAX);
	buf_adds_trunc(&t, text);
	for (i = 0; i < t.len; i++)
		if (t.data[i] == '\n')
			t.data[i] = '|';
	report_log_field(b, key, buf_str(&t));
	buf_release(&t);
}

/* key="CODE X.Y.Z text|text" */
static void log_reply(struct buf *b, const char *key, const struct smtpd_reply *r)
{
	struct buf t;

	buf_init(&t, LOG_MAX);
	buf_printf_trunc(&t, "%d %s%s%s", r->code, r->enhanced, r->enhanced[0] ? " " : "",
		   buf_str(&r->text));
	log_text(b, key, buf_str(&t));
	buf_release(&t);
}

static void log_end(const struct relay *rl, struct buf *b)
{
	smarthost_log(rl->h, b);
	buf_release(b);
}

/* ---- TLS ---------------------------------------------------------------- */

static ssize_t tls_read(void *ctx, void *data, size_t n)
{
	struct relay *rl = ctx;
	struct error err;
	ssize_t r;

	error_clear(&err);
	r = tls_recv(rl->tls, data, n, &err);
	if (r < 0)
		errno = EIO;
	return r;
}

static ssize_t tls_write(void *ctx, const void *data, size_t n)
{
	struct relay *rl = ctx;
	struct error err;

	error_clear(&err);
	if (tls_send(rl->tls, data, n, &err) < 0) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)n;
}

static size_t tls_buffered(void *ctx)
{
	struct relay *rl = ctx;

	return tls_pending(rl->tls);
}

static int on_starttls(void *ctx)
{
	struct relay *rl = ctx;
	struct error err;
	struct buf b;

	error_clear(&err);
	rl->tls = tls_accept(rl->peer.in_fd, rl->h->tls, rl->client, &err);
	if (!rl->tls) {
		log_start(rl, &b, "tls-failed");
		report_log_field(&b, "error", err.text);
		log_end(rl, &b);
		return -1;
	}
	rl->io = (struct smtpd_transport){ .recv = tls_read, .send = tls_write,
					   .pending = tls_buffered, .ctx = rl };
	rl->peer.transport = &rl->io;
	rl->peer.tls = 1;
	return 0;
}

/* ---- AUTH --------------------------------------------------------------- */

static int plaintext_ok(const struct relay *rl)
{
	return rl->peer.tls || rl->net->plaintext_auth;
}

static const char *on_auth_mechs(void *ctx, const struct smtpd_peer *p)
{
	struct relay *rl = ctx;

	(void)p;
	return rl->h->conf.users_file && plaintext_ok(rl) ? AUTH_SERVER_MECHS : NULL;
}

/* GNU SASL's check of a user and password: the users file. */
static int check_password(void *ctx, const char *user, const char *password)
{
	struct relay *rl = ctx;
	struct error err;
	struct buf b;
	int r;

	error_clear(&err);
	free(rl->pending_accounts);
	rl->pending_accounts = NULL;
	if (strlen(user) > SMTPD_USER_MAX)
		return -1;
	r = smtpd_users_check(rl->h->conf.users_file, user, password, &rl->pending_accounts,
			      &err);
	if (r < 0) {
		rl->users_broken = 1;
		log_start(rl, &b, "users-file");
		report_log_field(&b, "error", err.text);
		log_end(rl, &b);
	}
	return r == 1 ? 0 : -1;
}

static void auth_done(struct relay *rl, struct smtpd_reply *r)
{
	struct buf b;

	rl->login = xstrdup(auth_server_user(rl->auth));
	rl->login_accounts = rl->pending_accounts;
	rl->pending_accounts = NULL;
	rl->peer.auth_user = rl->login;
	smtpd_reply_set(r, 235, "2.7.0", "Authentication successful");
	log_start(rl, &b, "auth");
	report_log_field(&b, "status", "ok");
	log_end(rl, &b);
}

static void auth_failed(struct relay *rl, const struct error *err, struct smtpd_reply *r)
{
	unsigned cap = rl->h->conf.max_auth_failures;
	struct buf b;

	rl->failures++;
	if (rl->users_broken)
		smtpd_reply_set(r, 454, "4.7.0", "Temporary authentication failure");
	else if (err->category == CAT_PROTOCOL)
		smtpd_reply_set(r, 501, "5.5.2", "Cannot decode the AUTH response");
	else
		smtpd_reply_set(r, 535, "5.7.8", "Authentication credentials invalid");
	if (rl->failures + rl->failures_before >= cap)
		smtpd_reply_set(r, 421, "4.7.0", "Too many failed logins from your address: "
				"closing connection");
	log_start(rl, &b, "auth");
	report_log_field(&b, "status", "failed");
	buf_printf_trunc(&b, " failures=%u", rl->failures + rl->failures_before);
	log_reply(&b, "reply", r);
	log_end(rl, &b);
}

/* A refusal before any exchange: its reply and a log line. */
static int auth_refuse(struct relay *rl, struct smtpd_reply *r, int code, const char *enh,
		       const char *text)
{
	struct buf b;

	smtpd_reply_set(r, code, enh, "%s", text);
	log_start(rl, &b, "auth");
	report_log_field(&b, "status", "refused");
	log_reply(&b, "reply", r);
	log_end(rl, &b);
	return 0;
}

static int on_auth(void *ctx, const struct smtpd_peer *p, const char *mech, int first,
		   const char *in, char **challenge, struct smtpd_reply *r)
{
	struct relay *rl = ctx;
	enum auth_step_result st;
	struct error err;

	(void)p;
	error_clear(&err);
	if (first) {              /* a new exchange: a cancelled one is over */
		auth_server_end(rl->auth);
		rl->auth = NULL;
	}
	if (!rl->h->conf.users_file)
		return auth_refuse(rl, r, 502, "5.5.1", "AUTH is not offered here");
	if (!plaintext_ok(rl))
		return auth_refuse(rl, r, 538, "5.7.11", "Encryption required for requested "
				   "authentication mechanism: use STARTTLS first");
	if (rl->failures + rl->failures_before >= rl->h->conf.max_auth_failures)
		return auth_refuse(rl, r, 421, "4.7.0", "Too many failed logins from your "
				   "address: closing connection");
	if (!rl->auth && !(rl->auth = auth_server_start(mech, check_password, rl, &err)))
		return auth_refuse(rl, r, err.category == CAT_USAGE ? 504 : 454,
				   err.category == CAT_USAGE ? "5.5.4" : "4.7.0",
				   err.category == CAT_USAGE ? "Unrecognized authentication type"
							     : "Temporary authentication failure");
	st = auth_server_step(rl->auth, in ? in : "", challenge, &err);
	if (st == AUTH_STEP_MORE)
		return 1;
	if (st == AUTH_STEP_DONE)
		auth_done(rl, r);
	else
		auth_failed(rl, &err, r);
	auth_server_end(rl->auth);
	rl->auth = NULL;
	return 0;
}

/* ---- MAIL: the account, and whether this client may use it --------------- */

static void log_refused_mail(const struct relay *rl, const struct smtpd_txn *t,
			     const struct smtpd_reply *r)
{
	struct buf b;

	log_start(rl, &b, "mail");
	buf_printf_trunc(&b, " sender=<%.*s>", SMTPD_PATH_MAX, t->sender);
	report_log_field(&b, "account", rl->account[0] ? rl->account : NULL);
	report_log_field(&b, "status", "refused");
	log_reply(&b, "reply", r);
	log_end(rl, &b);
}

static void allow_account(struct relay *rl, const struct smtpd_txn *t, struct smtpd_reply *r)
{
	if (!smtpd_list_allows(rl->net->accounts, rl->account))
		smtpd_reply_set(r, 550, "5.7.1", "Sender <%s>: the account %s may not be "
				"used from your network", t->sender, rl->account);
	else if (rl->login && !smtpd_list_allows(rl->login_accounts, rl->account))
		smtpd_reply_set(r, 550, "5.7.1", "Sender <%s>: the account %s may not be "
				"used by the login %s", t->sender, rl->account, rl->login);
	else
		smtpd_reply_set(r, 250, "2.1.0", "Sender ok: account %s", rl->account);
}

static void on_mail(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		    struct smtpd_reply *r)
{
	struct relay *rl = ctx;
	struct selection sel;
	struct error err;
	char *sender = NULL;

	(void)p;
	error_clear(&err);
	selection_init(&sel);
	rl->account[0] = '\0';
	if (rl->net->require_auth && !rl->login)
		smtpd_reply_set(r, 530, "5.7.0", "Authentication required");
	else if ((sender = address_mailbox(t->sender, NULL, &err)) &&
		 account_select(&rl->h->accounts, sender, rl->h->o->account, &sel, &err) == 0) {
		snprintf(rl->account, sizeof rl->account, "%s", sel.account->name);
		allow_account(rl, t, r);
	} else {
		bs_error_reply(&err, r);
	}
	if (r->code / 100 != 2)
		log_refused_mail(rl, t, r);
	free(sender);
	selection_release(&sel);
}

/* ---- the final dot -------------------------------------------------------- */

/* RFC 5321 4.4 and RFC 3848: "from [addr] by host with ESMTP[S][A]". */
static char *received_field(const struct relay *rl)
{
	struct buf f;
	int r;

	buf_init(&f, MESSAGE_ADDED_MAX);
	r = buf_printf(&f, "Received: from %.200s\r\n\tby %.200s (sendas %s) with ESMTP%s%s;\r\n\t",
		       rl->client, rl->h->hostname, PACKAGE_VERSION, rl->peer.tls ? "S" : "",
		       rl->login ? "A" : "");
	r |= message_date(&f, time(NULL));
	r |= buf_adds(&f, "\r\n");
	if (r < 0) {            /* cannot happen: every part is bounded */
		buf_release(&f);
		return NULL;
	}
	return buf_detach(&f);
}

static void log_transaction(const struct relay *rl, const struct smtpd_txn *t,
			    const struct send_verdict *v, const struct smtpd_reply *r)
{
	struct buf b, list;
	size_t i;

	log_start(rl, &b, "message");
	buf_printf_trunc(&b, " sender=<%.*s>", SMTPD_PATH_MAX, t->sender);
	report_log_field(&b, "account", v->account[0] ? v->account : rl->account);
	buf_init(&list, LOG_MAX);
	for (i = 0; i < t->nrcpts; i++)
		buf_printf_trunc(&list, "%s<%s>", i ? "," : "", t->rcpts[i]);
	report_log_field(&b, "rcpts", buf_str(&list));
	buf_release(&list);
	buf_printf_trunc(&b, " size=%lld", (long long)t->size);
	report_log_field(&b, "status", v->kept == KEPT_QUEUED ? "queued"
				       : v->exit_code == 0 ? "sent" : "refused");
	if (v->reply.code)
		log_text(&b, "upstream", buf_str(&v->reply.text));
	log_reply(&b, "reply", r);
	log_end(rl, &b);
}

static void on_deliver(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		       struct smtpd_reply *r)
{
	struct relay *rl = ctx;
	const struct send_envelope env = bs_envelope(t);
	char *received = received_field(rl);
	struct send_request rq = { .o = rl->h->o, .conf = &rl->h->accounts, .in_fd = t->fd,
				   .envelope = &env, .trace = received };
	struct send_verdict v;

	(void)p;
	send_verdict_init(&v);
	send_message(&rq, &v);
	bs_verdict_reply(&v, r);
	log_transaction(rl, t, &v, r);
	send_verdict_release(&v);
	free(received);
}

/* ---- the session ----------------------------------------------------------- */

/* The engine's own lines: the session's end (one line) and its limits. */
static void engine_log(void *ctx, const char *line)
{
	struct relay *rl = ctx;
	struct buf b;

	log_start(rl, &b, "session");
	report_log_field(&b, "detail", line);
	log_end(rl, &b);
}

static void socket_timeouts(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

unsigned smarthost_session(const struct smarthost *h, int fd, const struct sockaddr *sa,
			   const struct smtpd_network *net, unsigned failures)
{
	struct relay rl = { .h = h, .net = net, .failures_before = failures };
	struct smtpd_handler hd = {
		.mail = on_mail, .deliver = on_deliver, .auth = on_auth,
		.auth_mechs = on_auth_mechs, .starttls = h->tls && !net->no_starttls ? on_starttls : NULL, .ctx = &rl,
	};
	const struct smtpd_conf *c = &h->conf;
	struct smtpd_params sp = {
		.hostname = h->hostname, .size_max = c->max_message_size,
		.rcpts_max = c->max_recipients, .idle_timeout = c->idle_timeout,
		.total_timeout = c->session_timeout, .commands_max = c->max_commands,
		.handler = &hd, .log = engine_log, .log_ctx = &rl, .log_session_only = 1,
	};

	cidr_peer_text(sa, rl.client, sizeof rl.client, NULL, 0);
	rl.peer = (struct smtpd_peer){ .kind = SMTPD_PEER_TCP, .in_fd = fd, .out_fd = fd,
				       .uid = getuid(), .gid = getgid() };
	snprintf(rl.peer.addr, sizeof rl.peer.addr, "%s", rl.client);
	socket_timeouts(fd, c->idle_timeout);
	smtpd_serve(&sp, &rl.peer);
	tls_close(rl.tls);
	auth_server_end(rl.auth);
	free(rl.login);
	free(rl.login_accounts);
	free(rl.pending_accounts);
	return rl.failures;
}
