/* sasl.c: the `auth MECH USER PASS` step, a real GNU SASL server exchange.
 *
 * The AUTH command itself was read by the `expect` before this step; we take
 * the mechanism and the initial response from it, then play RFC 4954: "334
 * challenge" lines out, base64 lines in, "*" cancels, and additional data
 * with success goes in a last 334 that the client answers with an empty
 * line.  The outcome is one record line:
 *   # auth SCRAM-SHA-256-PLUS user=alice cb=tls-exporter ok
 * cb= (SCRAM only) is what the client put in its GS2 header: a binding
 * name for p=, "none" for n, "y" for y.  Channel bindings are real: taken
 * from our own TLS session, so a client that binds to the wrong thing fails.
 *
 * This is the only file that includes GNU SASL. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsasl.h>

#include "testserver.h"

/* What the callback needs, hung on the GNU SASL session. */
struct account {
	const char *user;
	const char *pass;
	const char *why;      /* our reason for a refusal, for the record */
};

/* One AUTH exchange: where it runs and how it went. */
struct exchange {
	struct conn *c;
	struct record *rec;
	Gsasl_session *sess;
	const struct sasl_params *p;
	struct account acct;  /* the callback's view */
	int rc;               /* GNU SASL's result */
	int cancelled;
	char cb[64];          /* from the SCRAM GS2 header, or "" */
};

static int callback(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	struct account *a = gsasl_session_hook_get(sess);
	const char *authid = gsasl_property_fast(sess, GSASL_AUTHID);
	const char *pw;

	(void)ctx;
	if (!a || (prop != GSASL_PASSWORD && prop != GSASL_VALIDATE_SIMPLE))
		return GSASL_NO_CALLBACK;
	if (!authid || strcmp(authid, a->user) != 0) {
		a->why = "unknown user";
		return prop == GSASL_PASSWORD ? GSASL_NO_CALLBACK
			: GSASL_AUTHENTICATION_ERROR;
	}
	if (prop == GSASL_PASSWORD)
		return gsasl_property_set(sess, GSASL_PASSWORD, a->pass);
	pw = gsasl_property_fast(sess, GSASL_PASSWORD);
	if (!pw || strcmp(pw, a->pass) != 0) {
		a->why = "wrong password";
		return GSASL_AUTHENTICATION_ERROR;
	}
	return GSASL_OK;
}

struct Gsasl *sasl_context_new(void)
{
	Gsasl *ctx;

	if (gsasl_init(&ctx) != GSASL_OK)
		return NULL;
	gsasl_callback_set(ctx, callback);
	return ctx;
}

void sasl_context_free(struct Gsasl *ctx)
{
	if (ctx)
		gsasl_done(ctx);
}

int sasl_supports(struct Gsasl *ctx, const char *mech)
{
	return gsasl_server_support_p(ctx, mech);
}

/* "AUTH MECH [initial-response]": the mechanism into mech, the response
 * (or NULL) into ir.  0 or -1. */
static int parse_auth_line(const char *line, char *mech, size_t cap,
			   const char **ir)
{
	size_t n;

	if (strncasecmp(line, "AUTH ", 5) != 0)
		return -1;
	line += 5;
	n = strcspn(line, " ");
	if (n == 0 || n >= cap)
		return -1;
	memcpy(mech, line, n);
	mech[n] = '\0';
	*ir = line[n] == ' ' ? line + n + 1 : NULL;
	return 0;
}

/* Give the session our TLS channel bindings, base64 as GNU SASL wants
 * them.  A non-PLUS SCRAM gets them only when -PLUS was advertised: that
 * is how GNU SASL knows to refuse a client's "y" flag (RFC 5802 downgrade
 * protection), which would be wrong if we never offered -PLUS. */
static void offer_channel_bindings(struct conn *c, Gsasl_session *sess,
				   const char *mech, int offer)
{
	static const struct { const char *name; Gsasl_property prop; } types[] = {
		{ "tls-exporter", GSASL_CB_TLS_EXPORTER },
		{ "tls-unique", GSASL_CB_TLS_UNIQUE },
	};
	size_t ml = strlen(mech);
	int plus = ml > 5 && strcmp(mech + ml - 5, "-PLUS") == 0;

	if (!plus && !(offer && strncmp(mech, "SCRAM-", 6) == 0))
		return;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		size_t len;
		unsigned char *raw = conn_channel_binding(c, types[i].name, &len);
		char *b64 = NULL;

		if (raw && gsasl_base64_to((char *)raw, len, &b64, NULL) == GSASL_OK)
			gsasl_property_set(sess, types[i].prop, b64);
		free(raw);
		gsasl_free(b64);
	}
}

/* Note which binding the client chose in its SCRAM client-first message. */
static void note_gs2(struct exchange *x, const char *b64)
{
	char *msg = NULL;
	size_t len;

	if (x->cb[0] || strncmp(x->p->step->text, "SCRAM-", 6) != 0 || !*b64 ||
	    gsasl_base64_from(b64, strlen(b64), &msg, &len) != GSASL_OK)
		return;
	if (len >= 2 && msg[0] == 'p' && msg[1] == '=')
		snprintf(x->cb, sizeof x->cb, "%.*s", (int)strcspn(msg + 2, ","),
			 msg + 2);
	else if (len >= 1 && (msg[0] == 'n' || msg[0] == 'y'))
		snprintf(x->cb, sizeof x->cb, "%s", msg[0] == 'n' ? "none" : "y");
	gsasl_free(msg);
}

/* Send "334 data" and read the client's answer line into *answer. */
static enum run challenge(struct exchange *x, const char *data, char **answer)
{
	const unsigned char *p;
	size_t n;
	long len;
	char *line = NULL;
	int ll = asprintf(&line, "334 %s\r\n", data);
	enum io st = ll < 0 ? IO_ERROR : conn_send(x->c, line, (size_t)ll);

	free(line);
	if (st == IO_OK)
		st = conn_read_piece(x->c, LINE_MAX_BYTES, &p, &n);
	if (st != IO_OK)
		return run_io_failure(x->rec, st, x->p->where, "an AUTH response");
	if ((len = line_content_len(p, n)) < 0 || memchr(p, '\0', (size_t)len)) {
		record_error(x->rec, "%s: the AUTH response is not a CRLF line",
			     x->p->where);
		return RUN_FAIL;
	}
	*answer = strndup((const char *)p, (size_t)len);
	return *answer ? RUN_NEXT : RUN_ABORT;
}

/* LOGIN has no initial response in its definition, but clients send the
 * user name there ("AUTH LOGIN dXNlcg==", as smtplib does) and servers
 * accept it.  GNU SASL's LOGIN server always asks for the user name first,
 * so take that step silently and let the initial response answer it. */
static void skip_login_prompt(struct exchange *x, const char *ir)
{
	char *out = NULL;

	if (ir && strcmp(x->p->step->text, "LOGIN") == 0) {
		gsasl_step64(x->sess, "", &out);
		gsasl_free(out);
	}
}

/* The 334 loop, from the initial response (or none).  RUN_NEXT with the
 * outcome in *x, or how the connection broke. */
static enum run run_exchange(struct exchange *x, const char *ir)
{
	char *in = strdup(ir && strcmp(ir, "=") != 0 ? ir : "");
	enum run r = RUN_NEXT;

	skip_login_prompt(x, ir);
	while (in && r == RUN_NEXT) {
		char *out = NULL;

		note_gs2(x, in);
		x->rc = gsasl_step64(x->sess, in, &out);
		free(in);
		in = NULL;
		/* RFC 4954: data that comes with success goes in a last 334,
		 * which the client answers with an empty line. */
		if (x->rc == GSASL_NEEDS_MORE || (x->rc == GSASL_OK && out && *out))
			r = challenge(x, out ? out : "", &in);
		gsasl_free(out);
		x->cancelled = in && strcmp(in, "*") == 0;
		if (x->rc != GSASL_NEEDS_MORE || x->cancelled)
			break;
	}
	free(in);
	return r;
}

/* The reply and the record line. */
static enum run conclude(struct exchange *x)
{
	const char *authid = gsasl_property_fast(x->sess, GSASL_AUTHID);
	const char *authzid = gsasl_property_fast(x->sess, GSASL_AUTHZID);
	char user[NOTE_FIELD_MAX], zid[NOTE_FIELD_MAX] = "", why[NOTE_FIELD_MAX];
	const char *reply = "235 2.7.0 Authentication successful\r\n";

	if (!authid)
		authid = "-";
	if (x->rc == GSASL_OK && authzid && *authzid &&
	    strcmp(authzid, x->acct.user) != 0)
		x->acct.why = "authzid not allowed";
	if (x->cancelled)
		reply = "501 5.7.0 Authentication cancelled\r\n";
	else if (x->rc != GSASL_OK || x->acct.why)
		reply = "535 5.7.8 Authentication failed\r\n";
	escape_into(user, sizeof user, authid, strlen(authid));
	if (authzid && *authzid && strcmp(authzid, authid) != 0)
		escape_into(zid, sizeof zid, authzid, strlen(authzid));
	snprintf(why, sizeof why, "failed (%s)",
		 x->acct.why ? x->acct.why : gsasl_strerror_name(x->rc));
	record_note(x->rec, "auth %s user=%s%s%s%s%s %s",
		    gsasl_mechanism_name(x->sess), user, *zid ? " authzid=" : "",
		    zid, x->cb[0] ? " cb=" : "", x->cb,
		    x->cancelled ? "cancelled" : *reply == '2' ? "ok" : why);
	return conn_send(x->c, reply, strlen(reply)) == IO_OK ? RUN_NEXT : RUN_LOST;
}

enum run sasl_run(struct conn *c, struct record *rec,
		  const struct sasl_params *p)
{
	struct exchange x = {
		.c = c, .rec = rec, .p = p, .rc = GSASL_AUTHENTICATION_ERROR,
		.acct = { .user = p->step->user, .pass = p->step->pass },
	};
	const char *ir;
	char mech[64];
	enum run r;
	int rc;

	if (parse_auth_line(p->auth_line, mech, sizeof mech, &ir) < 0 ||
	    strcasecmp(mech, p->step->text) != 0) {
		record_error(rec, "%s: expected AUTH %s from the client", p->where,
			     p->step->text);
		return RUN_FAIL;
	}
	rc = gsasl_server_start(p->gsasl, p->step->text, &x.sess);
	if (rc != GSASL_OK) {
		record_error(rec, "%s: GNU SASL cannot serve %s: %s", p->where,
			     p->step->text, gsasl_strerror(rc));
		return RUN_ABORT;
	}
	gsasl_session_hook_set(x.sess, &x.acct);
	gsasl_property_set(x.sess, GSASL_SERVICE, "smtp");
	gsasl_property_set(x.sess, GSASL_HOSTNAME, "localhost");
	offer_channel_bindings(c, x.sess, p->step->text, p->offer_cb);
	if (p->scram_iter)
		gsasl_property_set(x.sess, GSASL_SCRAM_ITER, p->scram_iter);
	r = run_exchange(&x, ir);
	if (r == RUN_NEXT)
		r = conclude(&x);
	gsasl_finish(x.sess);
	return r;
}
