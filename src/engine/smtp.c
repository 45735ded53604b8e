/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp.c: see smtp.h.
 *
 * Shape (as curl's smtp_statemachine and OpenSMTPD's smtp_client_response):
 * smtp_set_state() is the only place the state changes.  Every command is
 * queued with what its reply is expected to be (struct pending): a kind,
 * whose handler in the expects[] table decides what the reply means, and
 * the step it answers.  next_reply() is the one function that reads
 * replies: it sends what is queued, reads the reply to the oldest command
 * still unanswered and dispatches it to that command's handler.  A
 * pipelined group (RFC 2920) is several commands queued before the replies
 * are awaited, and conn.c turns it into one write; a pipelined AUTH, BDAT
 * chunks sent ahead and the QUIT that leaves with the content are simply
 * expectations further back in the queue. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "content.h"
#include "escape.h"
#include "i18n.h"
#include "redact.h"
#include "smtp.h"
#include "xalloc.h"

/* A command line we send, CRLF included: RFC 4954 section 4 allows an AUTH
 * line of 12288 octets, which OAuth tokens (JWTs of 2-4 KB, base64 again in
 * XOAUTH2/OAUTHBEARER) need; other commands stay far below it. */
#define SMTP_CMD_MAX 12288
/* With one recipient, a message up to this size leaves with MAIL and RCPT
 * in "BDAT n LAST" (one round trip less); a larger one waits for their
 * replies, so that a refused sender does not cost the upload.  With the
 * commands (AUTH at most 12 KiB) the group stays below CONN_OUT_FLUSH: one
 * write. */
#define BDAT_FLIGHT_MAX (48 * 1024)
#define BDAT_CHUNK (4L * 1024 * 1024)  /* the largest BDAT chunk we send */
#define BDAT_AHEAD 4            /* chunks sent before the oldest reply is read */
#define REPLY_SHOWN_MAX 80      /* bytes of a garbled line quoted in the error */
#define AUTH_ROUNDS_MAX 10      /* no mechanism we use needs more */

/* What the reply to a command is expected to be; expects[] holds the
 * handler of each kind. */
enum expect {
	EXPECT_GREETING,        /* 220 */
	EXPECT_EHLO,            /* 250 and the capabilities */
	EXPECT_STARTTLS,        /* 220, then the handshake */
	EXPECT_AUTH,            /* 235, or a 334 challenge to answer */
	EXPECT_AUTH_LATER,      /* the reply to an AUTH pipelined with MAIL */
	EXPECT_MAIL,            /* 250 */
	EXPECT_RCPT,            /* 250/251, or the server's recipient limit */
	EXPECT_DATA,            /* 354 */
	EXPECT_CONTENT,         /* a BDAT chunk or the final dot: 250 */
	EXPECT_ANY,             /* RSET, QUIT, "*": read and let go */
	EXPECT_COUNT
};

/* One command whose reply has not been read yet. */
struct pending {
	enum expect kind;
	enum smtp_state state;  /* the step the reply answers; SMTP_STATE_COUNT:
				 * the step stays (a pipelined AUTH) */
	size_t rcpt;            /* EXPECT_RCPT: the recipient's index */
	int verdict;            /* EXPECT_CONTENT: the end of the content */
};

struct txn;

struct smtp_session {
	const struct smtp_params *p;
	struct conn *conn;
	enum smtp_state state;
	struct buf line;        /* the line being read */
	struct buf shown;       /* the same, with what we sent in AUTH redacted */
	struct reply reply;     /* the reply being read */
	unsigned caps;
	unsigned long size_limit;
	char *auth_offered;
	int refused;            /* the last failure was a well-formed refusal,
				 * so the connection is still fit for QUIT */
	int cause_noted;        /* res->stage holds the deciding step */
	struct smtp_result *res;  /* smtp_send()'s result while it runs, else NULL */
	struct error cause;     /* the first refusal of this message ... */
	int have_cause;         /* ... when set: later errors are consequences */
	int auth_failed;        /* that AUTH was refused ... */
	struct error auth_error;  /* ... thus, for every later message */
	int last;               /* smtp_last_message(): QUIT with the content */
	int quit_sent;          /* QUIT is queued or gone: the session ends here */
	int greeted;            /* the server's 220 came: it speaks SMTP */
	struct pending *pending;  /* replies owed, oldest at [first] */
	size_t first, npending, cap;
	struct txn *txn;        /* smtp_send()'s or smtp_probe()'s transaction */
	struct auth *sasl;      /* the AUTH exchange under way */
	enum auth_step_result sasl_step;  /* what our last AUTH message left */
	int auth_rounds;
	struct redact_list sent_secrets;  /* AUTH data sent, the password:
					   * never to be quoted back */
};

static int await_replies(struct smtp_session *s, size_t keep, struct error *err);

/* The reply to the command just queued will be p. */
static void expect_reply(struct smtp_session *s, struct pending p)
{
	if (s->npending == 0)
		s->first = 0;
	if (s->first > 0 && s->first + s->npending == s->cap) {
		memmove(s->pending, s->pending + s->first, s->npending * sizeof *s->pending);
		s->first = 0;
	}
	if (s->npending == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->pending = xrealloc(s->pending, s->cap * sizeof *s->pending);
	}
	s->pending[s->first + s->npending++] = p;
}

static struct pending pop_reply(struct smtp_session *s)
{
	s->npending--;
	return s->pending[s->first++];
}

#define AWAIT(k, st) ((struct pending){ .kind = (k), .state = (st) })

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
	[SMTP_BDAT] = "BDAT",
	[SMTP_RSET] = "RSET",
	[SMTP_QUIT] = "QUIT",
	[SMTP_DONE] = "done",
};

const char *smtp_state_name(enum smtp_state st)
{
	return st < SMTP_STATE_COUNT ? state_names[st] : "?";
}

/* The same steps as people read them (SMTP commands stay themselves). */
static const char *const state_labels[SMTP_STATE_COUNT] = {
	[SMTP_CONNECT] = N_("connect"),
	[SMTP_GREETING] = N_("greeting"),
	[SMTP_EHLO] = "EHLO",
	[SMTP_STARTTLS] = "STARTTLS",
	[SMTP_TLS] = N_("TLS handshake"),
	[SMTP_AUTH] = "AUTH",
	[SMTP_MAIL] = "MAIL",
	[SMTP_RCPT] = "RCPT",
	[SMTP_DATA] = "DATA",
	[SMTP_BODY] = N_("end of data"),
	[SMTP_BDAT] = "BDAT",
	[SMTP_RSET] = "RSET",
	[SMTP_QUIT] = "QUIT",
	[SMTP_DONE] = N_("done"),
};

const char *smtp_state_label(enum smtp_state st)
{
	return st < SMTP_STATE_COUNT ? _(state_labels[st]) : "?";
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
	/* Not translated: the stable names, which report.c reads back. */
	if (s->state != st)
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

/* Queue a command line whose reply will be p: the visible part is traced,
 * the secret part (AUTH data) is sent but traced as "[redacted]".  Either
 * may be empty, not both NULL. */
static int queue_line(struct smtp_session *s, struct pending p, const char *visible,
		      const char *secret, struct error *err)
{
	struct buf cmd;
	int r = 0;

	buf_init_secret(&cmd, SMTP_CMD_MAX);
	if (buf_adds(&cmd, visible) < 0 ||
	    (secret && *visible && buf_addc(&cmd, ' ') < 0) ||
	    (secret && buf_adds(&cmd, secret) < 0) || buf_add(&cmd, "\r\n", 2) < 0)
		r = error_set(err, CAT_INTERNAL, N_("an SMTP command would exceed %d bytes"),
			      SMTP_CMD_MAX);
	else if (strcspn(cmd.data, "\r\n") != cmd.len - 2)
		r = error_set(err, CAT_INTERNAL, N_("refusing to send a command with a line break"));
	if (r == 0 && secret) {
		char shown[128];

		redact_add(&s->sent_secrets, secret, strlen(secret));
		snprintf(shown, sizeof shown, "%s%s[redacted]", visible, *visible ? " " : "");
		trace(s, '>', shown, strlen(shown));
	} else if (r == 0) {
		trace(s, '>', cmd.data, cmd.len - 2);
	}
	if (r == 0)
		r = (secret ? conn_queue_secret : conn_queue)(s->conn, cmd.data, cmd.len, err);
	if (r == 0)
		expect_reply(s, p);
	buf_release(&cmd);
	return r;
}

/* Queue a command from a format; its reply will be p. */
static int smtp_cmd(struct smtp_session *s, struct pending p, struct error *err,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int smtp_cmd(struct smtp_session *s, struct pending p, struct error *err,
		    const char *fmt, ...)
{
	char line[SMTP_CMD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return error_set(err, CAT_INPUT, N_("an SMTP command would exceed %d bytes"),
				 SMTP_CMD_MAX);
	return queue_line(s, p, line, NULL, err);
}

/* A reply that cannot be parsed (not a reply line, a line over the limit):
 * before the greeting the port does not speak SMTP (CAT_PROTOCOL, 76);
 * once the server greeted, it is a connection gone bad, temporary as a
 * dropped one is (CAT_CONNECT, 75), wherever it happens, the final dot
 * included (issue 13). */
static int garbled(struct smtp_session *s, struct error *err)
{
	if (s->greeted && err->category == CAT_PROTOCOL)
		err->category = CAT_CONNECT;
	return -1;
}

static enum category classify(const struct smtp_session *s, enum smtp_state st)
{
	if (s->p->classify)
		return s->p->classify(st, &s->reply);
	return s->reply.code / 100 == 4 ? CAT_TEMPORARY : CAT_UNAVAILABLE;
}

/* The reply in s->reply refused step st.  The first refusal of a message
 * is its cause; later ones follow from it (the 503 after a refused MAIL,
 * the 530 after a refused pipelined AUTH) and leave the cause in err.  res
 * may be NULL (a pipelined AUTH settled by smtp_close()). */
static int fail_at(struct smtp_session *s, enum smtp_state st, struct smtp_result *res,
		   struct error *err)
{
	size_t len;
	const char *first = reply_line(&s->reply, 0, &len);
	char shown[ERROR_TEXT_MAX / 2];

	s->refused = 1;
	if (!s->have_cause) {
		escape_into(shown, sizeof shown, first, len);
		error_set(&s->cause, classify(s, st),
			  N_("%s refused %s: %d %s"), conn_peer(s->conn),
			  smtp_state_name(st), s->reply.code, shown);
		s->have_cause = 1;
		if (res && !s->cause_noted)
			res->stage = st;
		if (res) {
			s->cause_noted = 1;
			reply_copy(&res->reply, &s->reply);
		}
	}
	*err = s->cause;
	return -1;
}

/* The reply in s->reply decides a failure at the current stage. */
static int smtp_fail(struct smtp_session *s, struct smtp_result *res,
		     struct error *err)
{
	return fail_at(s, s->state, res, err);
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

/* The EHLO reply: the capabilities, learned afresh (RFC 3207: forget
 * what was learned before TLS). */
static int on_ehlo(struct smtp_session *s, const struct pending *p, struct error *err)
{
	struct smtp_result *res = s->res;
	const char *line;
	size_t len;
	int i;

	(void)p;
	if (reply_class(&s->reply) != 2)
		return smtp_fail(s, res, err);
	s->caps = 0;
	s->size_limit = 0;
	free(s->auth_offered);
	s->auth_offered = NULL;
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

static int smtp_ehlo(struct smtp_session *s, struct error *err)
{
	smtp_set_state(s, SMTP_EHLO);
	if (smtp_cmd(s, AWAIT(EXPECT_EHLO, SMTP_EHLO), err, "EHLO %s", s->p->helo_name) < 0)
		return -1;
	return await_replies(s, 0, err);
}

static int on_greeting(struct smtp_session *s, const struct pending *p, struct error *err)
{
	size_t len;
	const char *text;

	(void)p;
	if (reply_class(&s->reply) != 2)
		return smtp_fail(s, s->res, err);
	if (s->reply.code != 220)
		return error_set(err, CAT_PROTOCOL, N_("%s greeted with %d instead of 220"),
				 conn_peer(s->conn), s->reply.code);
	text = reply_line(&s->reply, 0, &len);
	free(s->res->greeting_host);
	s->res->greeting_host = xstrndup(text, strcspn(text, " \n"));
	s->greeted = 1;
	return 0;
}

/* The server speaks first: its greeting is the reply to connecting. */
static int smtp_greeting(struct smtp_session *s, struct error *err)
{
	smtp_set_state(s, SMTP_GREETING);
	expect_reply(s, AWAIT(EXPECT_GREETING, SMTP_GREETING));
	return await_replies(s, 0, err);
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
static int on_starttls(struct smtp_session *s, const struct pending *p, struct error *err)
{
	(void)p;
	if (reply_class(&s->reply) != 2)
		return smtp_fail(s, s->res, err);
	if (conn_input_pending(s->conn) > 0)
		return error_set(err, CAT_PROTOCOL,
				 N_("%s sent data after its STARTTLS reply; possible command injection, aborting"),
				 conn_peer(s->conn));
	return 0;
}

static int smtp_starttls(struct smtp_session *s, struct smtp_result *res,
			 struct error *err)
{
	if (!(s->caps & CAP_STARTTLS))
		return error_set(err, CAT_TLS,
				 N_("%s does not offer STARTTLS; refusing to continue without TLS"),
				 conn_peer(s->conn));
	smtp_set_state(s, SMTP_STARTTLS);
	if (smtp_cmd(s, AWAIT(EXPECT_STARTTLS, SMTP_STARTTLS), err, "STARTTLS") < 0 ||
	    await_replies(s, 0, err) < 0 || smtp_tls_handshake(s, res, err) < 0)
		return -1;
	return smtp_ehlo(s, err);
}

/* Answer one 334 challenge.  On a local failure, cancel with "*" (RFC 4954
 * 4); the server's 501 to that is not the cause. */
static int auth_answer(struct smtp_session *s, struct error *err)
{
	struct error ignored;
	char *challenge, *response;
	size_t len;
	const char *text = reply_line(&s->reply, 0, &len);

	challenge = xstrndup(text, len);
	s->sasl_step = auth_step(s->sasl, challenge, &response, err);
	free(challenge);
	if (s->sasl_step == AUTH_STEP_ERROR) {
		if (queue_line(s, AWAIT(EXPECT_ANY, SMTP_AUTH), "*", NULL, &ignored) == 0)
			await_replies(s, 0, &ignored);
		return -1;
	}
	if (queue_line(s, AWAIT(EXPECT_AUTH, SMTP_AUTH), "", response, err) < 0)
		s->sasl_step = AUTH_STEP_ERROR;
	free_secret(response);
	return s->sasl_step == AUTH_STEP_ERROR ? -1 : 0;
}

/* An error text that may quote what the server said, decoded.  Looked at
 * whole (every argument of its neutral form, none cut by the text's
 * length): when a secret is in it, both forms become the redacted text. */
static void redact_error(struct smtp_session *s, struct error *err)
{
	char whole[NEUTRAL_MAX];
	struct buf b;

	error_render(err->neutral, err->text, whole, sizeof whole);
	buf_init(&b, sizeof whole - 1);
	if (buf_adds(&b, whole) == 0 && redact_line(&s->sent_secrets, &b) > 0)
		error_redacted(err, buf_str(&b));
	buf_release(&b);
}

/* A reply in the AUTH exchange: 235 ends it (but not before the mechanism
 * is done: a 235 that skips the server's proof, SCRAM's, is not trusted),
 * 334 is a challenge to answer, anything else a refusal. */
static int on_auth(struct smtp_session *s, const struct pending *p, struct error *err)
{
	(void)p;
	if (s->reply.code == 235 && s->sasl_step == AUTH_STEP_MORE)
		return error_set(err, CAT_AUTH_FAILED,
				 N_("%s accepted the login without proving that it knows the password; refusing to trust it"),
				 conn_peer(s->conn));
	if (s->reply.code == 235)
		return 0;
	if (s->reply.code != 334) {
		smtp_fail(s, s->res, err);
		auth_add_server_error(s->sasl, err);  /* OAuth: its JSON reason */
		redact_error(s, err);
		return -1;
	}
	if (++s->auth_rounds >= AUTH_ROUNDS_MAX)
		return error_set(err, CAT_PROTOCOL, N_("%s asked for more than %d AUTH rounds"),
				 conn_peer(s->conn), AUTH_ROUNDS_MAX);
	return auth_answer(s, err);
}

/* The reply to an AUTH that left with the first transaction.  A refusal
 * becomes the cause but is no error here: the replies to the commands
 * pipelined after it still come, and reading them keeps the session in
 * step (and says whether the server opened DATA anyway). */
static int on_auth_later(struct smtp_session *s, const struct pending *p, struct error *err)
{
	(void)p;
	if (s->reply.code == 235)
		return 0;
	s->auth_failed = 1;
	fail_at(s, SMTP_AUTH, s->res, err);
	s->auth_error = s->cause;
	return 0;
}

/* May the AUTH about to be queued stay unanswered until the first
 * transaction? */
static int auth_can_wait(const struct smtp_session *s, const char *mech,
			 enum auth_step_result step)
{
	return s->p->pipeline_auth && (s->caps & CAP_PIPELINING) && step == AUTH_STEP_DONE &&
	       auth_mech_one_round(mech);
}

/* Queue the AUTH command of the chosen mechanism, with its initial
 * response where it has one (RFC 4954 section 4; "=" stands for an empty
 * one).  s->sasl_step says what is left: without an initial response, more
 * is to come.  *later: its reply is read with the first transaction's. */
static int auth_begin(struct smtp_session *s, const char *mech, int *later,
		      struct error *err)
{
	char verb[64], *response = NULL;
	int r;

	snprintf(verb, sizeof verb, "AUTH %s", mech);
	s->auth_rounds = 0;
	s->sasl_step = AUTH_STEP_MORE;
	if (auth_has_initial_response(s->sasl) &&
	    (s->sasl_step = auth_step(s->sasl, NULL, &response, err)) == AUTH_STEP_ERROR)
		return -1;
	*later = auth_can_wait(s, mech, s->sasl_step);
	r = queue_line(s, *later ? AWAIT(EXPECT_AUTH_LATER, SMTP_STATE_COUNT)
		       : AWAIT(EXPECT_AUTH, SMTP_AUTH),
		       verb, response ? (*response ? response : "=") : NULL, err);
	free_secret(response);
	if (r == 0 && *later)
		tracef(s, "the AUTH reply is read with the first transaction's");
	return r;
}

static int smtp_auth(struct smtp_session *s, struct smtp_result *res, struct error *err)
{
	struct auth_params ap = *s->p->auth;
	struct tls *t = conn_tls(s->conn);
	const char *mech;
	char *cb_exporter, *cb_unique;
	int r = -1, later = 0;

	/* Never send credentials in the clear, whatever the configuration. */
	if (!t)
		return error_set(err, CAT_TLS,
				 N_("refusing to authenticate to %s over an unencrypted connection"),
				 conn_peer(s->conn));
	if (!(s->caps & CAP_AUTH))
		return error_set(err, CAT_UNAVAILABLE,
				 N_("%s does not offer authentication (no AUTH in its EHLO reply)"),
				 conn_peer(s->conn));
	ap.cb_exporter = cb_exporter = tls_channel_binding(t, TLS_CB_EXPORTER);
	ap.cb_unique = cb_unique = tls_channel_binding(t, TLS_CB_UNIQUE);
	smtp_set_state(s, SMTP_AUTH);
	mech = auth_choose(s->auth_offered, &ap, err);
	if (mech)
		s->sasl = auth_start(mech, &ap, err);
	if (s->sasl) {
		res->auth_mech = mech;
		tracef(s, _("authenticating as %s with %s"), ap.user, mech);
		r = auth_begin(s, mech, &later, err);
		if (r == 0 && !later)
			r = await_replies(s, 0, err);
	}
	auth_end(s->sasl);
	s->sasl = NULL;
	free(cb_exporter);
	free(cb_unique);
	return r;
}

/* The connection is not fit for more SMTP (I/O failed, or the server is
 * reading content we must not finish): close it without QUIT. */
static void drop_connection(struct smtp_session *s)
{
	conn_close(s->conn);
	s->conn = NULL;
	s->npending = 0;
}

struct smtp_session *smtp_open(const struct smtp_params *p, struct smtp_result *res,
			       struct error *err)
{
	struct conn_params cp = { .host = p->host, .port = p->port, .timeout = p->timeout,
				  .deadline = p->deadline, .deadline_key = "session_deadline" };
	struct smtp_session *s = xcalloc(1, sizeof *s);

	s->p = p;
	s->res = res;
	buf_init(&s->line, REPLY_LINE_MAX + 2);
	buf_init(&s->shown, REPLY_LINE_MAX + 2);
	reply_init(&s->reply);
	redact_init(&s->sent_secrets);
	if (p->auth && p->auth->password)
		redact_add_secret(&s->sent_secrets, p->auth->password,
				  strlen(p->auth->password));
	if (p->auth && p->auth->token)
		redact_add_secret(&s->sent_secrets, p->auth->token, strlen(p->auth->token));
	smtp_set_state(s, SMTP_CONNECT);
	s->conn = conn_open(&cp, err);
	if (!s->conn)
		goto fail;
	tracef(s, _("connected to %s"), conn_peer(s->conn));
	if (p->tls_mode == SMTP_TLS_IMPLICIT && smtp_tls_handshake(s, res, err) < 0)
		goto fail;
	if (smtp_greeting(s, err) < 0 || smtp_ehlo(s, err) < 0)
		goto fail;
	if (p->tls_mode == SMTP_TLS_STARTTLS && smtp_starttls(s, res, err) < 0)
		goto fail;
	if (p->auth && smtp_auth(s, res, err) < 0)
		goto fail;
	s->res = NULL;
	return s;
fail:
	s->res = NULL;
	note_stage(s, res);
	/* After a refusal the server still speaks SMTP and deserves a QUIT;
	 * after anything else (TLS, I/O, garbage) the connection is not fit
	 * for one. */
	res->writes = s->conn ? conn_write_count(s->conn) : 0;
	if (!s->refused)
		drop_connection(s);
	smtp_close(s);
	return NULL;
}

/* MAIL FROM, the one way it is written.  c is the content, or NULL for
 * --probe, which sends no message: then no SIZE and no BODY. */
static int queue_mail(struct smtp_session *s, const struct envelope *env,
		      const struct smtp_content *c, struct error *err)
{
	char params[256] = "";
	size_t n = 0;
	int dsn = !!(s->caps & CAP_DSN);

	if (c && (s->caps & CAP_SIZE))
		n += (size_t)snprintf(params + n, sizeof params - n, " SIZE=%lld",
				      (long long)c->size);
	if (c && env->body_8bit && (s->caps & CAP_8BITMIME))
		n += (size_t)snprintf(params + n, sizeof params - n, " BODY=8BITMIME");
	if (env->smtputf8)
		n += (size_t)snprintf(params + n, sizeof params - n, " SMTPUTF8");
	if (dsn && env->dsn_ret)
		n += (size_t)snprintf(params + n, sizeof params - n, " RET=%s", env->dsn_ret);
	if (dsn && env->envid && n < sizeof params)
		snprintf(params + n, sizeof params - n, " ENVID=%s", env->envid);
	return smtp_cmd(s, AWAIT(EXPECT_MAIL, SMTP_MAIL), err, "MAIL FROM:<%s>%s", env->sender,
			params);
}

/* RFC 3461 4.2: ORCPT carries the recipient as the sender wrote it, in
 * xtext: "+" followed by two hex digits for "+", "=", and anything outside
 * "!".."~".  Returns 0, or -1 when the address is not ASCII (then no ORCPT:
 * RFC 6533's utf-8 form is not worth its complexity for a receipt). */
static int xtext(const char *addr, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *addr; addr++) {
		unsigned char c = (unsigned char)*addr;

		if (c >= 0x80 || n + 4 > size)
			return -1;
		if (c < '!' || c > '~' || c == '+' || c == '=') {
			out[n++] = '+';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return 0;
}

/* NOTIFY and ORCPT only when asked for (-N) and the server offers DSN. */
static int queue_rcpt(struct smtp_session *s, const struct envelope *env, size_t i,
		      struct error *err)
{
	struct pending p = { .kind = EXPECT_RCPT, .state = SMTP_RCPT, .rcpt = i };
	char orcpt[SMTP_CMD_MAX / 2];

	if (!(s->caps & CAP_DSN) || !env->dsn_notify)
		return smtp_cmd(s, p, err, "RCPT TO:<%s>", env->rcpts[i]);
	if (xtext(env->rcpts[i], orcpt, sizeof orcpt) < 0)
		return smtp_cmd(s, p, err, "RCPT TO:<%s> NOTIFY=%s", env->rcpts[i],
				env->dsn_notify);
	return smtp_cmd(s, p, err, "RCPT TO:<%s> NOTIFY=%s ORCPT=rfc822;%s", env->rcpts[i],
			env->dsn_notify, orcpt);
}

/* How the content of a transaction travels. */
enum body_mode {
	BODY_DATA,      /* DATA, 354, the content dot-stuffed, "." */
	BODY_BDAT,      /* BDAT chunks once MAIL and RCPT were accepted */
	BODY_FLIGHT,    /* "BDAT n LAST" and the content with MAIL and RCPT */
};

/* One transaction of a message.  Its recipients are those the message has
 * not reached yet (rcpts[].delivered): all of them, unless an earlier
 * transaction was cut short by "452 too many recipients". */
struct txn {
	const struct envelope *env;
	const struct smtp_content *c;
	struct smtp_result *res;
	off_t length;           /* content_length(): what BDAT announces */
	enum body_mode mode;
	size_t accepted;        /* recipients accepted in this transaction */
	int too_many;           /* the server's recipient limit cut it short */
	int failed;             /* a command was refused: nothing delivered */
	int data_open;          /* the server said 354 and waits for content */
	int ended;              /* the content's reply came: the server
				 * closed the transaction, accepted or not */
	int quit;               /* QUIT leaves with the end of the content */
	int delivered;          /* the server accepted the content */
	int probe;              /* --probe: a refused RCPT is a refusal, whatever
				 * the server's recipient limit */
};

static int in_txn(const struct txn *t, size_t i)
{
	return !t->res->rcpts[i].delivered;
}

/* RFC 5321 4.5.3.1.10: the server's limit on recipients per transaction
 * (Postfix: "452 4.5.3 Error: too many recipients"), not a refusal. */
static int too_many_recipients(const struct reply *r)
{
	return r->code == 452 &&
		(strcmp(r->enhanced, "4.5.3") == 0 || reply_contains(r, "too many recipients"));
}

/* A refusal in a transaction marks it failed (the first one is its
 * cause); only I/O and protocol errors end the reading. */
static int txn_refused(struct smtp_session *s, struct txn *t, struct error *err)
{
	t->failed = 1;
	smtp_fail(s, t->res, err);
	return 0;
}

static int on_mail(struct smtp_session *s, const struct pending *p, struct error *err)
{
	(void)p;
	return s->reply.code == 250 ? 0 : txn_refused(s, s->txn, err);
}

static int on_data(struct smtp_session *s, const struct pending *p, struct error *err)
{
	(void)p;
	s->txn->data_open = s->reply.code == 354;
	return s->reply.code == 354 ? 0 : txn_refused(s, s->txn, err);
}

static int on_rcpt(struct smtp_session *s, const struct pending *p, struct error *err)
{
	struct txn *t = s->txn;
	struct smtp_rcpt_result *r = &t->res->rcpts[p->rcpt];

	reply_copy(&r->reply, &s->reply);
	if (reply_class(&s->reply) == 2) {
		r->accepted = 1;
		t->accepted++;
	} else if (!t->probe && t->accepted > 0 && too_many_recipients(&s->reply)) {
		if (!t->too_many)
			tracef(s, "%s", _("the server's recipient limit: the rest get another "
					  "transaction"));
		t->too_many = 1;
	} else {
		txn_refused(s, t, err);
	}
	return 0;
}

/* The reply to a BDAT chunk or to the final dot; the one to the end of the
 * content is the verdict on the message. */
static int on_content(struct smtp_session *s, const struct pending *p, struct error *err)
{
	struct txn *t = s->txn;

	t->ended = p->verdict && !t->failed;
	if (reply_class(&s->reply) != 2)
		return txn_refused(s, t, err);
	if (p->verdict && !t->failed) {
		t->delivered = 1;
		reply_copy(&t->res->reply, &s->reply);
	}
	return 0;
}

static int on_any(struct smtp_session *s, const struct pending *p, struct error *err)
{
	(void)s, (void)p, (void)err;
	return 0;
}

/* What a reply means, by what its command expected. */
typedef int reply_handler(struct smtp_session *s, const struct pending *p, struct error *err);
static reply_handler *const expects[EXPECT_COUNT] = {
	[EXPECT_GREETING] = on_greeting,
	[EXPECT_EHLO] = on_ehlo,
	[EXPECT_STARTTLS] = on_starttls,
	[EXPECT_AUTH] = on_auth,
	[EXPECT_AUTH_LATER] = on_auth_later,
	[EXPECT_MAIL] = on_mail,
	[EXPECT_RCPT] = on_rcpt,
	[EXPECT_DATA] = on_data,
	[EXPECT_CONTENT] = on_content,
	[EXPECT_ANY] = on_any,
};

/* Before anyone sees a line: a server may quote our AUTH data, so it is
 * traced and parsed with that redacted.  Only a 334 challenge keeps its
 * bytes, for the mechanism; it is never shown but traced, and traced
 * redacted (on_auth() redacts what an OAuth server explained in one).
 * Returns the buffer to parse. */
static const struct buf *redact_reply_line(struct smtp_session *s)
{
	buf_reset(&s->shown);
	if (buf_add(&s->shown, s->line.data, s->line.len) < 0)
		buf_reset(&s->shown);   /* the same maximum as line: cannot happen */
	redact_line(&s->sent_secrets, &s->shown);
	trace(s, '<', s->shown.data, s->shown.len);
	return s->state == SMTP_AUTH && s->line.len >= 3 && memcmp(s->line.data, "334", 3) == 0
	       ? &s->line : &s->shown;
}

/* A line that is no reply: named, escaped and cut short in the error. */
static int not_a_reply(struct smtp_session *s, struct error *err)
{
	char shown[REPLY_SHOWN_MAX * 4 + 1];

	escape_into(shown, sizeof shown, s->shown.data,
		    s->shown.len < REPLY_SHOWN_MAX ? s->shown.len : REPLY_SHOWN_MAX);
	error_set(err, CAT_PROTOCOL, N_("%s sent something that is not an SMTP reply: \"%s\""),
		  conn_peer(s->conn), shown);
	return garbled(s, err);
}

/* The one function that reads SMTP replies: send what is queued, read the
 * reply to the oldest unanswered command line by line, and hand it to that
 * command's handler.  The reply to the end of the content may take ten
 * minutes (RFC 5321 4.5.3.2).  -1 on I/O errors, on lines that are not a
 * reply (garbled()), and when the handler says the session cannot go on;
 * the replies still owed are then forgotten. */
static int next_reply(struct smtp_session *s, struct error *err)
{
	struct pending p = pop_reply(s);
	int verdict = p.kind == EXPECT_CONTENT && p.verdict, r = 0;
	enum reply_feed f = REPLY_MORE;
	const struct buf *use;

	if (p.state != SMTP_STATE_COUNT)
		smtp_set_state(s, p.state);
	if (verdict && s->p->final_timeout > s->p->timeout)
		conn_set_timeout(s->conn, s->p->final_timeout);
	if (conn_flush(s->conn, err) < 0)
		r = -1;
	if (r == 0 && p.kind == EXPECT_AUTH_LATER)
		tracef(s, "the reply to the pipelined AUTH:");
	reply_reset(&s->reply);
	while (r == 0 && f == REPLY_MORE) {
		if (conn_read_line(s->conn, &s->line, REPLY_LINE_MAX, err) < 0) {
			r = garbled(s, err);
			break;
		}
		use = redact_reply_line(s);
		f = reply_feed(&s->reply, use->data, use->len);
		if (f == REPLY_BAD)
			r = not_a_reply(s, err);
	}
	if (verdict)
		conn_set_timeout(s->conn, s->p->timeout);
	if (r == 0 && s->p->on_reply)
		s->p->on_reply(s->p->trace_ctx, s->state, &s->reply);
	if (r == 0)
		r = expects[p.kind](s, &p, err);
	if (r < 0)
		s->npending = 0;
	return r;
}

/* Read replies until no more than keep are owed. */
static int await_replies(struct smtp_session *s, size_t keep, struct error *err)
{
	while (s->npending > keep)
		if (next_reply(s, err) < 0)
			return -1;
	return 0;
}

/* QUIT with the end of the content: once it is queued the session is
 * over, whatever the verdict; its reply is read after the verdict's. */
static int queue_quit(struct smtp_session *s, struct error *err)
{
	if (queue_line(s, AWAIT(EXPECT_ANY, SMTP_QUIT), "QUIT", NULL, err) < 0)
		return -1;
	s->quit_sent = 1;
	return 0;
}

/* Queue one chunk: "BDAT n[ LAST]" and bytes [off, off + n) of the content,
 * after the last one QUIT when the session ends here. */
static int queue_bdat(struct smtp_session *s, struct txn *t, off_t off, off_t n,
		      int last, struct error *err)
{
	struct pending p = { .kind = EXPECT_CONTENT, .state = SMTP_BDAT, .verdict = last };

	if (smtp_cmd(s, p, err, "BDAT %lld%s", (long long)n, last ? " LAST" : "") < 0 ||
	    content_send(s->conn, t->c, off, n, err) < 0)
		return -1;
	trace(s, '>', "[content]", 9);
	return last && t->quit ? queue_quit(s, err) : 0;
}

/* What ends the envelope group: DATA; or BDAT LAST with the content (and
 * QUIT), in the same flight; or nothing, BDAT waiting for the replies. */
static int queue_group_end(struct smtp_session *s, struct txn *t, struct error *err)
{
	if (t->mode == BODY_DATA)
		return smtp_cmd(s, AWAIT(EXPECT_DATA, SMTP_DATA), err, "DATA");
	if (t->mode == BODY_FLIGHT)
		return queue_bdat(s, t, 0, t->length, 1, err);
	return 0;
}

/* The envelope group in one write (RFC 2920), then its replies in order;
 * with QUIT behind a flight's BDAT LAST, all but QUIT's. */
static int envelope_pipelined(struct smtp_session *s, struct txn *t, struct error *err)
{
	size_t i, n = t->env->nrcpts;

	if (queue_mail(s, t->env, t->c, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (in_txn(t, i) && queue_rcpt(s, t->env, i, err) < 0)
			return -1;
	if (queue_group_end(s, t, err) < 0)
		return -1;
	return await_replies(s, t->mode == BODY_FLIGHT && t->quit, err);
}

/* Without PIPELINING: each command waits for its reply.  Every RCPT is
 * still tried after a refused one, so the report names them all; none
 * after the server's recipient limit. */
static int envelope_lockstep(struct smtp_session *s, struct txn *t, struct error *err)
{
	size_t i;

	if (queue_mail(s, t->env, t->c, err) < 0 || await_replies(s, 0, err) < 0)
		return -1;
	if (t->failed)
		return 0;
	for (i = 0; i < t->env->nrcpts && !t->too_many; i++)
		if (in_txn(t, i) &&
		    (queue_rcpt(s, t->env, i, err) < 0 || await_replies(s, 0, err) < 0))
			return -1;
	if (t->failed)
		return 0;
	return queue_group_end(s, t, err) < 0 ? -1 : await_replies(s, 0, err);
}

/* DATA's content dot-stuffed, the final dot (and QUIT) in the same write,
 * then the verdict. */
static int send_stuffed(struct smtp_session *s, struct txn *t, struct error *err)
{
	smtp_set_state(s, SMTP_BODY);
	if (content_send_stuffed(s->conn, t->c, err) < 0 ||
	    conn_queue(s->conn, ".\r\n", 3, err) < 0)
		return -1;
	expect_reply(s, (struct pending){ .kind = EXPECT_CONTENT, .state = SMTP_BODY,
					  .verdict = 1 });
	t->data_open = 0;
	trace(s, '>', "[content] .", 11);
	if (t->quit && queue_quit(s, err) < 0)
		return -1;
	return await_replies(s, t->quit, err);
}

/* BDAT chunks after the envelope.  Pipelined, up to BDAT_AHEAD chunks go
 * before the oldest reply is read: the upload never waits for a round trip,
 * and the replies cannot pile up into a deadlock.  After a refused chunk no
 * more are sent (RFC 3030 4.2); the replies still due are read. */
static int send_chunks(struct smtp_session *s, struct txn *t, struct error *err)
{
	size_t ahead = (s->caps & CAP_PIPELINING) ? BDAT_AHEAD : 1;
	off_t off = 0, n;
	int last = 0;

	smtp_set_state(s, SMTP_BDAT);
	while (!last && !t->failed) {
		n = t->length - off < BDAT_CHUNK ? t->length - off : BDAT_CHUNK;
		last = off + n == t->length;
		if (queue_bdat(s, t, off, n, last, err) < 0 ||
		    await_replies(s, last ? (size_t)t->quit : ahead - 1, err) < 0)
			return -1;
		off += n;
	}
	return t->failed ? await_replies(s, t->quit && last, err) : 0;
}

/* DATA without CHUNKING.  With it, one flight when nothing can be
 * delivered against our will (see smtp.h) and the content is small. */
static enum body_mode body_mode(const struct smtp_session *s, const struct txn *t)
{
	size_t i, left = 0;

	if (!(s->caps & CAP_CHUNKING))
		return BODY_DATA;
	for (i = 0; i < t->env->nrcpts; i++)
		left += in_txn(t, i);
	if ((s->caps & CAP_PIPELINING) && left == 1 && t->length <= BDAT_FLIGHT_MAX)
		return BODY_FLIGHT;
	return BODY_BDAT;
}

/* QUIT went with the content: its reply follows the verdict at once. */
static void read_quit(struct smtp_session *s)
{
	struct error ignored;

	await_replies(s, 0, &ignored);
}

/* One transaction.  -1 when the connection is unfit for more (I/O, a
 * protocol error); 0 otherwise, and t says whether the server took it. */
static int transaction(struct smtp_session *s, struct txn *t, struct error *err)
{
	int pipelined = !!(s->caps & CAP_PIPELINING);
	size_t i;
	int r;

	t->mode = body_mode(s, t);
	t->accepted = 0;
	t->too_many = t->failed = t->data_open = t->ended = t->delivered = 0;
	/* QUIT without waiting for the verdict is pipelining too. */
	t->quit = s->last && pipelined && t->mode == BODY_FLIGHT;
	r = pipelined ? envelope_pipelined(s, t, err) : envelope_lockstep(s, t, err);
	if (r == 0 && !t->failed && !s->auth_failed && t->mode != BODY_FLIGHT) {
		t->quit = s->last && pipelined && !t->too_many;
		r = t->mode == BODY_DATA ? send_stuffed(s, t, err) : send_chunks(s, t, err);
	}
	if (r == 0 && s->quit_sent)
		read_quit(s);
	for (i = 0; t->delivered && i < t->env->nrcpts; i++)
		t->res->rcpts[i].delivered |= t->res->rcpts[i].accepted;
	return r;
}

/* Leave the session usable for the next message. */
static void rset(struct smtp_session *s)
{
	struct error ignored;

	smtp_set_state(s, SMTP_RSET);
	if (smtp_cmd(s, AWAIT(EXPECT_ANY, SMTP_RSET), &ignored, "RSET") == 0)
		await_replies(s, 0, &ignored);
}

/* What can be refused before anything is sent: a message larger than the
 * server's SIZE, an address that needs SMTPUTF8 it does not offer. */
static int check_limits(struct smtp_session *s, const struct envelope *env,
			const struct smtp_content *c, struct error *err)
{
	if (s->size_limit && (unsigned long long)c->size > s->size_limit)
		return error_set(err, CAT_TOO_LARGE,
				 N_("the message is %lld bytes, but %s accepts at most %lu"),
				 (long long)c->size, conn_peer(s->conn), s->size_limit);
	/* The address is valid; the server lacks a feature (RFC 6531 5.6.7). */
	if (env->smtputf8 && !(s->caps & CAP_SMTPUTF8))
		return error_set(err, CAT_UNAVAILABLE,
				 N_("an address needs SMTPUTF8, which %s does not offer"),
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
	s->res = res;
	s->refused = 0;
	s->cause_noted = 0;
	s->have_cause = 0;
}

/* After a failed transaction: the cause wins over what followed it.  With
 * 354 given, only closing without the final dot aborts the transaction (RFC
 * 5321 3.3): a dot would deliver to the recipients that were accepted. */
static int send_failed(struct smtp_session *s, const struct txn *t, int r,
		       struct error *err)
{
	note_stage(s, t->res);
	if (s->have_cause)
		*err = s->cause;
	if (s->quit_sent || (r == 0 && t->ended))
		return -1;
	if (r < 0 || !s->refused || t->data_open)
		drop_connection(s);
	else if (!s->last)      /* else QUIT does what RSET would */
		rset(s);
	return -1;
}

int smtp_send(struct smtp_session *s, const struct envelope *env,
	      const struct smtp_content *c, struct smtp_result *res, struct error *err)
{
	struct txn t = { .env = env, .c = c, .res = res };
	int r;

	if (!s->conn)
		return error_set(err, CAT_CONNECT, N_("the connection was closed"));
	start_result(s, env, res);
	conn_restart_deadline(s->conn);
	if (s->auth_failed) {   /* a pipelined AUTH, refused with an earlier message */
		*err = s->auth_error;
		res->stage = SMTP_AUTH;
		s->res = NULL;
		return -1;
	}
	smtp_set_state(s, SMTP_MAIL);
	t.length = check_limits(s, env, c, err) < 0 ? -1 : content_length(c, err);
	if (t.length < 0) {
		note_stage(s, res);
		s->res = NULL;
		return -1;
	}
	/* More than one only after "452 too many recipients". */
	s->txn = &t;
	do
		r = transaction(s, &t, err);
	while (r == 0 && t.delivered && t.too_many);
	s->txn = NULL;
	s->res = NULL;
	res->writes = s->conn ? conn_write_count(s->conn) : 0;
	if (r < 0 || !t.delivered)
		return send_failed(s, &t, r, err);
	if (s->auth_failed)
		tracef(s, "%s", _("the server refused AUTH but accepted the message anyway"));
	res->stage = SMTP_DONE;
	return 0;
}

void smtp_last_message(struct smtp_session *s)
{
	s->last = 1;
}

int smtp_usable(const struct smtp_session *s)
{
	return s && s->conn && !s->quit_sent;
}

void smtp_close(struct smtp_session *s)
{
	struct error ignored;

	if (!s)
		return;
	if (s->conn && !s->quit_sent) {
		smtp_set_state(s, SMTP_QUIT);
		if (smtp_cmd(s, AWAIT(EXPECT_ANY, SMTP_QUIT), &ignored, "QUIT") == 0)
			await_replies(s, 0, &ignored);
	}
	conn_close(s->conn);
	buf_release(&s->line);
	buf_release(&s->shown);
	reply_release(&s->reply);
	redact_release(&s->sent_secrets);
	free(s->auth_offered);
	free(s->pending);
	free(s);
}

/* ---- --probe and --serverinfo ------------------------------------------ */

/* --probe: a transaction in lockstep that never reaches DATA. */
int smtp_probe(struct smtp_session *s, const struct envelope *env,
	       struct smtp_result *res, struct error *err)
{
	struct txn t = { .env = env, .res = res, .probe = 1 };
	size_t i;

	if (!s->conn)
		return error_set(err, CAT_CONNECT, N_("the connection was closed"));
	start_result(s, env, res);
	s->txn = &t;
	smtp_set_state(s, SMTP_MAIL);
	if (queue_mail(s, env, NULL, err) < 0 || await_replies(s, 0, err) < 0)
		goto broken;
	for (i = 0; !t.failed && i < env->nrcpts; i++)
		if (queue_rcpt(s, env, i, err) < 0 || await_replies(s, 0, err) < 0)
			goto broken;
	if (!t.failed) {
		res->stage = env->nrcpts ? SMTP_RCPT : SMTP_MAIL;
		reply_copy(&res->reply, &s->reply);
	}
	s->res = NULL;
	s->txn = NULL;
	rset(s);
	return t.failed ? -1 : 0;
broken:
	s->res = NULL;
	s->txn = NULL;
	note_stage(s, res);
	drop_connection(s);
	return -1;
}

void smtp_describe_tls(struct smtp_session *s, struct buf *out)
{
	struct tls *t = s->conn ? conn_tls(s->conn) : NULL;

	if (t)
		tls_describe(t, out);
}
