/* smtp.c: see smtp.h.
 *
 * Shape: smtp_set_state() is the only place the state changes; each command
 * is queued with smtp_cmd() and its reply read with smtp_reply(); a pipelined
 * group (RFC 2920) is simply several smtp_cmd() calls before the replies are
 * read, and conn.c turns it into one write. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "classify.h"
#include "conn.h"
#include "dotstuff.h"
#include "i18n.h"
#include "smtp.h"
#include "xalloc.h"

#define SMTP_CMD_MAX 2048       /* a command line we send, CRLF included */
#define BODY_CHUNK (64 * 1024)  /* bytes read from the spool per write */

struct smtp_session {
	const struct smtp_params *p;
	struct conn *conn;
	enum smtp_state state;
	struct buf line;        /* the line being read */
	struct reply reply;     /* the reply being read */
	unsigned caps;
	unsigned long size_limit;
	char *auth_offered;
	int refused;            /* the last failure was a well-formed refusal,
				 * so the connection is still fit for QUIT */
	int cause_noted;        /* res->stage holds the deciding step */
};

static const char *const state_names[SMTP_STATE_COUNT] = {
	[SMTP_CONNECT] = "connect",
	[SMTP_GREETING] = "greeting",
	[SMTP_EHLO] = "EHLO",
	[SMTP_STARTTLS] = "STARTTLS",
	[SMTP_TLS] = "TLS handshake",
	[SMTP_AUTH] = "AUTH",
	[SMTP_MAIL] = "MAIL",
	[SMTP_RCPT] = "RCPT",
	[SMTP_DATA] = "DATA",
	[SMTP_BODY] = "end of data",
	[SMTP_RSET] = "RSET",
	[SMTP_QUIT] = "QUIT",
	[SMTP_DONE] = "done",
};

const char *smtp_state_name(enum smtp_state st)
{
	return st < SMTP_STATE_COUNT ? state_names[st] : "?";
}

static void trace(struct smtp_session *s, char dir, const char *text, size_t len)
{
	if (s->p->trace)
		s->p->trace(s->p->trace_ctx, dir, text, len);
}

static void tracef(struct smtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tracef(struct smtp_session *s, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	if (!s->p->trace)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n > 0)
		trace(s, '*', text, strlen(text));
}

/* The only place the state changes. */
static void smtp_set_state(struct smtp_session *s, enum smtp_state st)
{
	tracef(s, "state %s -> %s", state_names[s->state], state_names[st]);
	s->state = st;
}

/* The step that decided the outcome: the first refusal, else where we
 * were when something else went wrong. */
static void note_stage(struct smtp_session *s, struct smtp_result *res)
{
	if (!s->cause_noted)
		res->stage = s->state;
	s->cause_noted = 1;
}

void smtp_result_init(struct smtp_result *r)
{
	memset(r, 0, sizeof *r);
	reply_init(&r->reply);
}

static void free_rcpts(struct smtp_result *r)
{
	size_t i;

	for (i = 0; i < r->nrcpts; i++)
		reply_release(&r->rcpts[i].reply);
	free(r->rcpts);
	r->rcpts = NULL;
	r->nrcpts = 0;
}

void smtp_result_release(struct smtp_result *r)
{
	reply_release(&r->reply);
	free_rcpts(r);
	free(r->greeting_host);
	free(r->auth_offered);
	free(r->tls_version);
	memset(r, 0, sizeof *r);
	reply_init(&r->reply);
}

/* Queue a line: the visible part is traced, the secret part (AUTH data) is
 * sent but traced as "[redacted]".  Either may be empty, not both NULL. */
static int queue_line(struct smtp_session *s, const char *visible,
		      const char *secret, struct error *err)
{
	struct buf cmd;
	int r = 0;

	buf_init_secret(&cmd, SMTP_CMD_MAX);
	if (buf_adds(&cmd, visible) < 0 ||
	    (secret && *visible && buf_addc(&cmd, ' ') < 0) ||
	    (secret && buf_adds(&cmd, secret) < 0) || buf_add(&cmd, "\r\n", 2) < 0)
		r = error_set(err, CAT_INTERNAL, _("an SMTP command would exceed %d bytes"),
			      SMTP_CMD_MAX);
	else if (strcspn(cmd.data, "\r\n") != cmd.len - 2)
		r = error_set(err, CAT_INTERNAL, _("refusing to send a command with a line break"));
	if (r == 0 && secret) {
		char shown[128];

		snprintf(shown, sizeof shown, "%s%s[redacted]", visible, *visible ? " " : "");
		trace(s, '>', shown, strlen(shown));
	} else if (r == 0) {
		trace(s, '>', cmd.data, cmd.len - 2);
	}
	if (r == 0)
		r = conn_queue(s->conn, cmd.data, cmd.len, err);
	buf_release(&cmd);
	return r;
}

/* Queue a command from a format. */
static int smtp_cmd(struct smtp_session *s, struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int smtp_cmd(struct smtp_session *s, struct error *err, const char *fmt, ...)
{
	char line[SMTP_CMD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return error_set(err, CAT_INPUT, _("an SMTP command would exceed %d bytes"),
				 SMTP_CMD_MAX);
	return queue_line(s, line, NULL, err);
}

/* Read one whole reply into s->reply.  -1 on I/O errors and on lines that
 * are not a reply (CAT_PROTOCOL). */
static int smtp_reply(struct smtp_session *s, struct error *err)
{
	enum reply_feed f;

	if (conn_flush(s->conn, err) < 0)
		return -1;
	reply_reset(&s->reply);
	do {
		if (conn_read_line(s->conn, &s->line, REPLY_LINE_MAX, err) < 0)
			return -1;
		trace(s, '<', s->line.data, s->line.len);
		f = reply_feed(&s->reply, s->line.data, s->line.len);
		if (f == REPLY_BAD)
			return error_set(err, CAT_PROTOCOL,
					 _("%s sent something that is not an SMTP reply: \"%.80s\""),
					 conn_peer(s->conn), s->line.data);
	} while (f == REPLY_MORE);
	return 0;
}

/* The reply in s->reply decides a failure at the current stage. */
static int smtp_fail(struct smtp_session *s, struct smtp_result *res,
		     struct error *err)
{
	size_t len;
	const char *first = reply_line(&s->reply, 0, &len);

	s->refused = 1;
	note_stage(s, res);
	reply_copy(&res->reply, &s->reply);
	return error_set(err, classify_reply(s->state, &s->reply),
			 _("%s refused %s: %d %.*s"), conn_peer(s->conn),
			 smtp_state_name(s->state), s->reply.code, (int)len, first);
}

/* Send nothing more; read the reply to what was sent; demand class 2 or 3. */
static int smtp_expect(struct smtp_session *s, struct smtp_result *res, int code_class,
		       struct error *err)
{
	if (smtp_reply(s, err) < 0)
		return -1;
	if (reply_class(&s->reply) != code_class)
		return smtp_fail(s, res, err);
	return 0;
}

static const struct {
	const char *keyword;
	enum smtp_cap cap;
} cap_table[] = {
	{ "PIPELINING", CAP_PIPELINING },
	{ "SIZE", CAP_SIZE },
	{ "8BITMIME", CAP_8BITMIME },
	{ "SMTPUTF8", CAP_SMTPUTF8 },
	{ "DSN", CAP_DSN },
	{ "CHUNKING", CAP_CHUNKING },
	{ "ENHANCEDSTATUSCODES", CAP_ENHANCEDSTATUSCODES },
	{ "STARTTLS", CAP_STARTTLS },
	{ "AUTH", CAP_AUTH },
};

/* One EHLO line after the first: "KEYWORD[ params]".  Also the pre-RFC
 * "AUTH=PLAIN LOGIN" form, which old servers still send. */
static void parse_capability(struct smtp_session *s, const char *line, size_t len)
{
	size_t i, kw = strcspn(line, " =");
	const char *params = line + kw + (kw < len);

	if (kw > len)
		kw = len;
	for (i = 0; i < sizeof cap_table / sizeof cap_table[0]; i++) {
		if (strlen(cap_table[i].keyword) != kw ||
		    strncasecmp(line, cap_table[i].keyword, kw))
			continue;
		s->caps |= cap_table[i].cap;
		if (cap_table[i].cap == CAP_SIZE)
			s->size_limit = strtoul(params, NULL, 10);
		if (cap_table[i].cap == CAP_AUTH && !s->auth_offered)
			s->auth_offered = xstrndup(params, len - (size_t)(params - line));
	}
}

/* EHLO, and learn the capabilities afresh (RFC 3207: forget what was
 * learned before TLS). */
static int smtp_ehlo(struct smtp_session *s, struct smtp_result *res,
		     struct error *err)
{
	const char *line;
	size_t len;
	int i;

	smtp_set_state(s, SMTP_EHLO);
	s->caps = 0;
	s->size_limit = 0;
	free(s->auth_offered);
	s->auth_offered = NULL;
	if (smtp_cmd(s, err, "EHLO %s", s->p->helo_name) < 0 ||
	    smtp_expect(s, res, 2, err) < 0)
		return -1;
	for (i = 1; i < s->reply.nlines; i++) {
		line = reply_line(&s->reply, i, &len);
		parse_capability(s, line, len);
	}
	res->caps = s->caps;
	res->size_limit = s->size_limit;
	free(res->auth_offered);
	res->auth_offered = s->auth_offered ? xstrdup(s->auth_offered) : NULL;
	return 0;
}

static int smtp_greeting(struct smtp_session *s, struct smtp_result *res,
			 struct error *err)
{
	size_t len;
	const char *text;

	smtp_set_state(s, SMTP_GREETING);
	if (smtp_expect(s, res, 2, err) < 0)
		return -1;
	if (s->reply.code != 220)
		return error_set(err, CAT_PROTOCOL, _("%s greeted with %d instead of 220"),
				 conn_peer(s->conn), s->reply.code);
	text = reply_line(&s->reply, 0, &len);
	res->greeting_host = xstrndup(text, strcspn(text, " \n"));
	return 0;
}

static int smtp_tls_handshake(struct smtp_session *s, struct smtp_result *res,
			      struct error *err)
{
	struct tls *t;

	smtp_set_state(s, SMTP_TLS);
	if (conn_start_tls(s->conn, &s->p->tls, err) < 0)
		return -1;
	t = conn_tls(s->conn);
	res->tls_version = xstrdup(tls_version_name(t));
	if (s->p->trace) {
		struct buf d;

		buf_init(&d, 64 * 1024);
		tls_describe(t, &d);
		trace(s, '*', buf_str(&d), d.len);
		buf_release(&d);
	}
	return 0;
}

/* RFC 3207.  Anything the server sent after its 220 was not protected and
 * may have been injected by someone on the path: abort rather than let it
 * be read as a reply inside TLS (Poddebniak et al. 2021). */
static int smtp_starttls(struct smtp_session *s, struct smtp_result *res,
			 struct error *err)
{
	if (!(s->caps & CAP_STARTTLS))
		return error_set(err, CAT_TLS,
				 _("%s does not offer STARTTLS; refusing to continue without TLS"),
				 conn_peer(s->conn));
	smtp_set_state(s, SMTP_STARTTLS);
	if (smtp_cmd(s, err, "STARTTLS") < 0 || smtp_expect(s, res, 2, err) < 0)
		return -1;
	if (conn_input_pending(s->conn) > 0)
		return error_set(err, CAT_PROTOCOL,
				 _("%s sent data after its STARTTLS reply; possible command injection, aborting"),
				 conn_peer(s->conn));
	if (smtp_tls_handshake(s, res, err) < 0)
		return -1;
	return smtp_ehlo(s, res, err);
}

#define AUTH_ROUNDS_MAX 10      /* no mechanism we use needs more */

/* Answer the server's challenges until it says 235 or refuses. */
/* Answer one 334 challenge; returns the step result.  On a local failure,
 * cancel with "*" (RFC 4954 4); the server's 501 to that is not the cause. */
static enum auth_step_result auth_answer(struct smtp_session *s, struct auth *a,
					 struct error *err)
{
	struct error ignored;
	char *challenge, *response;
	size_t len;
	const char *text = reply_line(&s->reply, 0, &len);
	enum auth_step_result step;

	challenge = xstrndup(text, len);
	step = auth_step(a, challenge, &response, err);
	free(challenge);
	if (step == AUTH_STEP_ERROR) {
		if (queue_line(s, "*", NULL, &ignored) == 0)
			smtp_reply(s, &ignored);
		return AUTH_STEP_ERROR;
	}
	if (queue_line(s, "", response, err) < 0)
		step = AUTH_STEP_ERROR;
	free_secret(response);
	return step;
}

/* Answer the server's challenges until it says 235 or refuses.  step is
 * what the initial response left: a 235 before the mechanism is done means
 * the server skipped its proof (SCRAM), which we do not accept. */
static int auth_exchange(struct smtp_session *s, struct auth *a,
			 enum auth_step_result step, struct smtp_result *res,
			 struct error *err)
{
	int round;

	for (round = 0; round < AUTH_ROUNDS_MAX; round++) {
		if (smtp_reply(s, err) < 0)
			return -1;
		if (s->reply.code == 235 && step == AUTH_STEP_MORE)
			return error_set(err, CAT_AUTH_FAILED,
					 _("%s accepted the login without proving that it knows the password; refusing to trust it"),
					 conn_peer(s->conn));
		if (s->reply.code == 235)
			return 0;
		if (s->reply.code != 334)
			return smtp_fail(s, res, err);
		step = auth_answer(s, a, err);
		if (step == AUTH_STEP_ERROR)
			return -1;
	}
	return error_set(err, CAT_PROTOCOL, _("%s asked for more than %d AUTH rounds"),
			 conn_peer(s->conn), AUTH_ROUNDS_MAX);
}

/* Start the chosen mechanism, with its initial response where it has one
 * (RFC 4954 section 4; "=" stands for an empty one).  Returns the step
 * result: without an initial response, more is to come. */
static enum auth_step_result auth_begin(struct smtp_session *s, struct auth *a,
					const char *mech, struct error *err)
{
	char verb[64], *response;
	enum auth_step_result step;

	snprintf(verb, sizeof verb, "AUTH %s", mech);
	if (!auth_has_initial_response(a))
		return queue_line(s, verb, NULL, err) < 0 ? AUTH_STEP_ERROR : AUTH_STEP_MORE;
	step = auth_step(a, NULL, &response, err);
	if (step == AUTH_STEP_ERROR)
		return step;
	if (queue_line(s, verb, *response ? response : "=", err) < 0)
		step = AUTH_STEP_ERROR;
	free_secret(response);
	return step;
}

static int smtp_auth(struct smtp_session *s, struct smtp_result *res, struct error *err)
{
	struct auth_params ap = *s->p->auth;
	struct tls *t = conn_tls(s->conn);
	struct auth *a = NULL;
	const char *mech;
	char *cb_exporter, *cb_unique;
	int r = -1;

	/* Never send credentials in the clear, whatever the configuration. */
	if (!t)
		return error_set(err, CAT_TLS,
				 _("refusing to authenticate to %s over an unencrypted connection"),
				 conn_peer(s->conn));
	if (!(s->caps & CAP_AUTH))
		return error_set(err, CAT_UNAVAILABLE,
				 _("%s does not offer authentication (no AUTH in its EHLO reply)"),
				 conn_peer(s->conn));
	ap.cb_exporter = cb_exporter = tls_channel_binding(t, TLS_CB_EXPORTER);
	ap.cb_unique = cb_unique = tls_channel_binding(t, TLS_CB_UNIQUE);
	smtp_set_state(s, SMTP_AUTH);
	mech = auth_choose(s->auth_offered, &ap, err);
	if (mech)
		a = auth_start(mech, &ap, err);
	if (a) {
		res->auth_mech = mech;
		tracef(s, "authenticating as %s with %s", ap.user, mech);
		enum auth_step_result step = auth_begin(s, a, mech, err);

		if (step != AUTH_STEP_ERROR)
			r = auth_exchange(s, a, step, res, err);
	}
	auth_end(a);
	free(cb_exporter);
	free(cb_unique);
	return r;
}

struct smtp_session *smtp_open(const struct smtp_params *p, struct smtp_result *res,
			       struct error *err)
{
	struct conn_params cp = { .host = p->host, .port = p->port, .timeout = p->timeout };
	struct smtp_session *s = xcalloc(1, sizeof *s);

	s->p = p;
	buf_init(&s->line, REPLY_LINE_MAX + 2);
	reply_init(&s->reply);
	smtp_set_state(s, SMTP_CONNECT);
	s->conn = conn_open(&cp, err);
	if (!s->conn)
		goto fail;
	tracef(s, "connected to %s", conn_peer(s->conn));
	if (p->tls_mode == SMTP_TLS_IMPLICIT && smtp_tls_handshake(s, res, err) < 0)
		goto fail;
	if (smtp_greeting(s, res, err) < 0 || smtp_ehlo(s, res, err) < 0)
		goto fail;
	if (p->tls_mode == SMTP_TLS_STARTTLS && smtp_starttls(s, res, err) < 0)
		goto fail;
	if (p->auth && smtp_auth(s, res, err) < 0)
		goto fail;
	return s;
fail:
	note_stage(s, res);
	/* After a refusal the server still speaks SMTP and deserves a QUIT;
	 * after anything else (TLS, I/O, garbage) the connection is not fit
	 * for one. */
	res->writes = s->conn ? conn_write_count(s->conn) : 0;
	if (!s->refused) {
		conn_close(s->conn);
		s->conn = NULL;
	}
	smtp_close(s);
	return NULL;
}

static int queue_mail(struct smtp_session *s, const struct envelope *env,
		      const struct smtp_content *c, struct error *err)
{
	char params[256] = "";
	size_t n = 0;
	int dsn = !!(s->caps & CAP_DSN);

	if (s->caps & CAP_SIZE)
		n += (size_t)snprintf(params + n, sizeof params - n, " SIZE=%lld",
				      (long long)c->size);
	if (env->body_8bit && (s->caps & CAP_8BITMIME))
		n += (size_t)snprintf(params + n, sizeof params - n, " BODY=8BITMIME");
	if (env->smtputf8)
		n += (size_t)snprintf(params + n, sizeof params - n, " SMTPUTF8");
	if (dsn && env->dsn_ret)
		n += (size_t)snprintf(params + n, sizeof params - n, " RET=%s", env->dsn_ret);
	if (dsn && env->envid && n < sizeof params)
		snprintf(params + n, sizeof params - n, " ENVID=%s", env->envid);
	return smtp_cmd(s, err, "MAIL FROM:<%s>%s", env->sender, params);
}

static int queue_rcpt(struct smtp_session *s, const struct envelope *env, size_t i,
		      struct error *err)
{
	if ((s->caps & CAP_DSN) && env->dsn_notify)
		return smtp_cmd(s, err, "RCPT TO:<%s> NOTIFY=%s", env->rcpts[i],
				env->dsn_notify);
	return smtp_cmd(s, err, "RCPT TO:<%s>", env->rcpts[i]);
}

/* Read one reply of the envelope group.  The first failure becomes the
 * cause (res->reply and err); later ones are consequences and only kept. */
static int envelope_reply(struct smtp_session *s, struct smtp_result *res,
			  enum smtp_state st, int want, int *failed, struct error *err)
{
	smtp_set_state(s, st);
	if (smtp_reply(s, err) < 0)
		return -1;
	if (s->reply.code == want)
		return 0;
	if (!*failed)
		smtp_fail(s, res, err);
	*failed = 1;
	return 0;
}

/* MAIL, RCPT..., DATA, as one group when the server pipelines (RFC 2920),
 * one by one otherwise.  0 when all were accepted and DATA said 354.
 * *data_open tells whether the server is now reading content anyway. */
static int smtp_envelope(struct smtp_session *s, const struct envelope *env,
			 const struct smtp_content *c, struct smtp_result *res,
			 int *data_open, struct error *err)
{
	int pipelined = !!(s->caps & CAP_PIPELINING), failed = 0;
	size_t i;

	*data_open = 0;
	if (queue_mail(s, env, c, err) < 0)
		return -1;
	if (!pipelined && (envelope_reply(s, res, SMTP_MAIL, 250, &failed, err) < 0 || failed))
		return -1;
	for (i = 0; i < env->nrcpts; i++) {
		if (queue_rcpt(s, env, i, err) < 0)
			return -1;
		if (!pipelined && envelope_reply(s, res, SMTP_RCPT, 250, &failed, err) < 0)
			return -1;
		if (!pipelined)
			reply_copy(&res->rcpts[i].reply, &s->reply);
	}
	if (!pipelined && failed)
		return -1;
	if (smtp_cmd(s, err, "DATA") < 0)
		return -1;
	if (pipelined) {
		if (envelope_reply(s, res, SMTP_MAIL, 250, &failed, err) < 0)
			return -1;
		for (i = 0; i < env->nrcpts; i++) {
			if (envelope_reply(s, res, SMTP_RCPT, 250, &failed, err) < 0)
				return -1;
			reply_copy(&res->rcpts[i].reply, &s->reply);
		}
	}
	if (envelope_reply(s, res, SMTP_DATA, 354, &failed, err) < 0)
		return -1;
	*data_open = s->reply.code == 354;
	for (i = 0; i < env->nrcpts; i++)
		res->rcpts[i].accepted = res->rcpts[i].reply.code / 100 == 2;
	return failed ? -1 : 0;
}

/* Stream the content: dot-stuffed, in large writes, then the final dot. */
static int smtp_body(struct smtp_session *s, const struct smtp_content *c,
		     struct error *err)
{
	char *in = xmalloc(BODY_CHUNK), *out = xmalloc(2 * BODY_CHUNK);
	int bol = 1, r = 0, last_lf = 1;
	off_t off = 0;
	ssize_t n;

	if (c->prefix_len) {
		r = conn_queue(s->conn, out, dotstuff(c->prefix, c->prefix_len, &bol, out), err);
		last_lf = c->prefix[c->prefix_len - 1] == '\n';
	}
	while (r == 0 && (n = pread(c->fd, in, BODY_CHUNK, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = error_set(err, CAT_IO, _("cannot read the spooled message: %s"),
				      strerror(errno));
			break;
		}
		off += n;
		last_lf = in[n - 1] == '\n';
		r = conn_queue(s->conn, out, dotstuff(in, (size_t)n, &bol, out), err);
	}
	if (r == 0 && !last_lf)
		r = conn_queue(s->conn, "\r\n", 2, err);
	if (r == 0)
		r = conn_queue(s->conn, ".\r\n", 3, err);
	trace(s, '>', "[content] .", 11);
	free(in);
	free(out);
	return r;
}

/* The connection is not fit for more SMTP (I/O failed, or the server is
 * reading content we must not finish): close it without QUIT. */
static void drop_connection(struct smtp_session *s)
{
	conn_close(s->conn);
	s->conn = NULL;
}

/* Leave the session usable for the next message. */
static void rset(struct smtp_session *s)
{
	struct error ignored;

	smtp_set_state(s, SMTP_RSET);
	if (smtp_cmd(s, &ignored, "RSET") == 0)
		smtp_reply(s, &ignored);
}

/* What can be refused before anything is sent: a message larger than the
 * server's SIZE, an address that needs SMTPUTF8 it does not offer. */
static int check_limits(struct smtp_session *s, const struct envelope *env,
			const struct smtp_content *c, struct error *err)
{
	if (s->size_limit && (unsigned long long)c->size > s->size_limit)
		return error_set(err, CAT_TOO_LARGE,
				 _("the message is %lld bytes, but %s accepts at most %lu"),
				 (long long)c->size, conn_peer(s->conn), s->size_limit);
	if (env->smtputf8 && !(s->caps & CAP_SMTPUTF8))
		return error_set(err, CAT_INPUT,
				 _("an address needs SMTPUTF8, which %s does not offer"),
				 conn_peer(s->conn));
	return 0;
}

static void start_result(struct smtp_session *s, const struct envelope *env,
			 struct smtp_result *res)
{
	size_t i;

	free_rcpts(res);
	reply_reset(&res->reply);
	res->rcpts = xcalloc(env->nrcpts, sizeof *res->rcpts);
	res->nrcpts = env->nrcpts;
	for (i = 0; i < env->nrcpts; i++)
		reply_init(&res->rcpts[i].reply);
	s->refused = 0;
	s->cause_noted = 0;
}

int smtp_send(struct smtp_session *s, const struct envelope *env,
	      const struct smtp_content *c, struct smtp_result *res, struct error *err)
{
	int data_open;

	if (!s->conn)
		return error_set(err, CAT_CONNECT, _("the connection was closed"));
	start_result(s, env, res);
	smtp_set_state(s, SMTP_MAIL);
	if (check_limits(s, env, c, err) < 0) {
		note_stage(s, res);
		return -1;
	}
	if (smtp_envelope(s, env, c, res, &data_open, err) < 0) {
		/* With 354 given, only closing without the final dot aborts
		 * the transaction (RFC 5321 3.3): a dot would deliver to the
		 * recipients that were accepted. */
		note_stage(s, res);
		if (s->refused && !data_open)
			rset(s);
		else
			drop_connection(s);
		return -1;
	}
	smtp_set_state(s, SMTP_BODY);
	if (smtp_body(s, c, err) < 0 || smtp_expect(s, res, 2, err) < 0) {
		note_stage(s, res);
		if (!s->refused)
			drop_connection(s);
		return -1;
	}
	res->stage = SMTP_DONE;
	reply_copy(&res->reply, &s->reply);
	res->writes = conn_write_count(s->conn);
	return 0;
}

void smtp_close(struct smtp_session *s)
{
	struct error ignored;

	if (!s)
		return;
	if (s->conn) {
		smtp_set_state(s, SMTP_QUIT);
		if (smtp_cmd(s, &ignored, "QUIT") == 0)
			smtp_reply(s, &ignored);
		conn_close(s->conn);
	}
	buf_release(&s->line);
	reply_release(&s->reply);
	free(s->auth_offered);
	free(s);
}
