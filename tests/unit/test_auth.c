/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_auth.c: auth.c against a real GNU SASL server session, in process.
 *
 * Each exchange plays SMTP AUTH without the socket: the client's base64
 * strings go to gsasl_step64() on a server session, whose challenges go back
 * through auth_step(), until the server accepts (235) or refuses (535). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "auth.h"
#include "tap.h"
#include "xalloc.h"

#define USER "user@example.org"
/* Spaces, shell metacharacters and UTF-8: none of it may be mangled. */
#define PASSWORD "p\xc3\xa4sswört \xe2\x9c\x93 ;$(x)"
#define WRONG_PASSWORD "p\xc3\xa4sswört \xe2\x9c\x93 ;$(y)"
/* Fake channel-binding data (base64 of 32 bytes), the same on both sides. */
#define CB_EXPORTER "ZmFrZSB0bHMtZXhwb3J0ZXIgZGF0YSwgMzIgYnl0ZXM="
#define CB_UNIQUE "ZmFrZSB0bHMtdW5pcXVlIGRhdGE="
#define CB_OTHER "b3RoZXIgY2hhbm5lbCBiaW5kaW5nIGRhdGEgLi4uLi4="

struct server_conf {
	const char *password;           /* what the server holds for USER */
	const char *cb_exporter;        /* its channel binding, or NULL */
	const char *cb_unique;
};

static int server_callback(Gsasl *ctx, Gsasl_session *s, Gsasl_property prop)
{
	const struct server_conf *conf = gsasl_callback_hook_get(ctx);
	const char *authid = gsasl_property_fast(s, GSASL_AUTHID);
	const char *password = gsasl_property_fast(s, GSASL_PASSWORD);
	const char *v = NULL;

	switch (prop) {
	case GSASL_PASSWORD:
		if (authid && strcmp(authid, USER) == 0)
			v = conf->password;
		break;
	case GSASL_VALIDATE_SIMPLE:
		return authid && password && strcmp(authid, USER) == 0 &&
		       strcmp(password, conf->password) == 0
		       ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
	case GSASL_CB_TLS_EXPORTER:
		v = conf->cb_exporter;
		break;
	case GSASL_CB_TLS_UNIQUE:
		v = conf->cb_unique;
		break;
	default:
		break;
	}
	if (!v)
		return GSASL_NO_CALLBACK;
	return gsasl_property_set(s, prop, v);
}

enum outcome {
	ACCEPTED,               /* the server said yes and the client was done */
	REFUSED,                /* the server said no (535) */
	CLIENT_FAILED,          /* auth_start or auth_step failed */
	OUT_OF_STEP,            /* the two sides disagree about the end */
};

static const char *outcome_name(enum outcome o)
{
	static const char *const names[] = { "accepted", "refused",
					     "client failed", "out of step" };

	return names[o];
}

/* Flip one character of the signature in a SCRAM server-final message. */
static char *tamper_signature(const char *b64)
{
	char *raw, *out;
	size_t len;

	if (gsasl_base64_from(b64, strlen(b64), &raw, &len) != GSASL_OK)
		return NULL;
	if (len > 3 && raw[0] == 'v' && raw[1] == '=')
		raw[2] = raw[2] == 'A' ? 'B' : 'A';
	if (gsasl_base64_to(raw, len, &out, NULL) != GSASL_OK)
		out = NULL;
	gsasl_free(raw);
	return out;
}

/* One AUTH dialogue.  err gets the client's error, if any. */
static enum outcome exchange(const char *mech, const struct auth_params *cp,
			     const struct server_conf *sc, int tamper,
			     struct error *err)
{
	enum outcome result = OUT_OF_STEP;
	enum auth_step_result last = AUTH_STEP_MORE;
	Gsasl *ctx;
	Gsasl_session *srv;
	struct auth *a;
	char *resp = NULL, *chal = NULL;
	int rc, round;

	error_clear(err);
	if (gsasl_init(&ctx) != GSASL_OK)
		return OUT_OF_STEP;
	gsasl_callback_set(ctx, server_callback);
	gsasl_callback_hook_set(ctx, (void *)(uintptr_t)sc);
	if (gsasl_server_start(ctx, mech, &srv) != GSASL_OK) {
		gsasl_done(ctx);
		return OUT_OF_STEP;
	}
	a = auth_start(mech, cp, err);
	if (!a) {
		result = CLIENT_FAILED;
		goto out;
	}
	/* "AUTH MECH initial-response", or a bare "AUTH MECH". */
	if (auth_has_initial_response(a)) {
		last = auth_step(a, NULL, &resp, err);
		if (last == AUTH_STEP_ERROR) {
			result = CLIENT_FAILED;
			goto out;
		}
	}
	for (round = 0; round < 10; round++) {
		rc = gsasl_step64(srv, resp, &chal);
		free_secret(resp);
		resp = NULL;
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
			result = REFUSED;
			break;
		}
		if (rc == GSASL_OK && (!chal || !*chal)) {
			/* 235 */
			result = last == AUTH_STEP_DONE ? ACCEPTED : OUT_OF_STEP;
			break;
		}
		/* 334 challenge; with GSASL_OK it is the server's last word
		 * (SCRAM's signature), answered by an empty line. */
		if (rc == GSASL_OK && tamper) {
			char *t = tamper_signature(chal);

			gsasl_free(chal);
			chal = t;
		}
		last = auth_step(a, chal, &resp, err);
		gsasl_free(chal);
		chal = NULL;
		if (last == AUTH_STEP_ERROR) {
			result = CLIENT_FAILED;
			break;
		}
		if (rc == GSASL_OK) {
			result = last == AUTH_STEP_DONE && strcmp(resp, "") == 0
				 ? ACCEPTED : OUT_OF_STEP;
			break;
		}
	}
out:
	free_secret(resp);
	gsasl_free(chal);
	auth_end(a);
	gsasl_finish(srv);
	gsasl_done(ctx);
	return result;
}

/* The client's initial response, decoded, in a new string. */
static char *initial_response(const char *mech, const struct auth_params *p)
{
	struct error err;
	struct auth *a = auth_start(mech, p, &err);
	char *resp = NULL, *raw = NULL, *s;
	size_t len = 0;

	if (!a)
		return NULL;
	if (auth_step(a, NULL, &resp, &err) != AUTH_STEP_ERROR)
		gsasl_base64_from(resp, strlen(resp), &raw, &len);
	free_secret(resp);
	auth_end(a);
	if (!raw)
		return NULL;
	s = xstrndup(raw, len);
	gsasl_free(raw);
	return s;
}

static int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_mechanisms(void)
{
	static const struct {
		const char *mech;
		const char *cb_exporter, *cb_unique;
	} cases[] = {
		{ "PLAIN", NULL, NULL },
		{ "LOGIN", NULL, NULL },
		{ "CRAM-MD5", NULL, NULL },
		{ "SCRAM-SHA-1", NULL, NULL },
		{ "SCRAM-SHA-256", NULL, NULL },
		/* cb data present but a non-PLUS mechanism: none may be sent */
		{ "SCRAM-SHA-256", CB_EXPORTER, CB_UNIQUE },
		{ "SCRAM-SHA-1-PLUS", CB_EXPORTER, NULL },
		{ "SCRAM-SHA-256-PLUS", CB_EXPORTER, NULL },
		{ "SCRAM-SHA-256-PLUS", NULL, CB_UNIQUE },
		{ "SCRAM-SHA-256-PLUS", CB_EXPORTER, CB_UNIQUE },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct auth_params p = { USER, PASSWORD, NULL,
					 cases[i].cb_exporter, cases[i].cb_unique,
					 NULL, NULL, NULL, 0 };
		struct server_conf right = { PASSWORD, cases[i].cb_exporter,
					     cases[i].cb_unique };
		struct server_conf wrong = right;
		struct error err;
		enum outcome o;

		wrong.password = WRONG_PASSWORD;
		o = exchange(cases[i].mech, &p, &right, 0, &err);
		ok(o == ACCEPTED, "%s (exporter %s, unique %s): right password "
		   "accepted (%s%s%s)", cases[i].mech,
		   cases[i].cb_exporter ? "yes" : "no",
		   cases[i].cb_unique ? "yes" : "no", outcome_name(o),
		   o == CLIENT_FAILED ? ": " : "", o == CLIENT_FAILED ? err.text : "");
		o = exchange(cases[i].mech, &p, &wrong, 0, &err);
		ok(o == REFUSED, "%s: wrong password refused by the server (%s)",
		   cases[i].mech, outcome_name(o));
	}
}

static void test_channel_binding(void)
{
	struct auth_params both = { USER, PASSWORD, NULL, CB_EXPORTER, CB_UNIQUE, NULL, NULL, NULL, 0 };
	struct auth_params unique = { USER, PASSWORD, NULL, NULL, CB_UNIQUE, NULL, NULL, NULL, 0 };
	struct auth_params none = { USER, PASSWORD, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	struct server_conf other = { PASSWORD, CB_OTHER, CB_OTHER };
	struct error err;
	char *first;
	enum outcome o;

	first = initial_response("SCRAM-SHA-256", &both);
	ok(starts_with(first, "n,,n="), "SCRAM-SHA-256 with cb data available "
	   "sends gs2 header \"n,,\", not \"y,,\" (%s)", first ? first : "(null)");
	free(first);
	first = initial_response("SCRAM-SHA-1", &both);
	ok(starts_with(first, "n,,"), "SCRAM-SHA-1 likewise (%s)",
	   first ? first : "(null)");
	free(first);
	first = initial_response("SCRAM-SHA-256-PLUS", &both);
	ok(starts_with(first, "p=tls-exporter,,n="), "-PLUS prefers tls-exporter (%s)",
	   first ? first : "(null)");
	free(first);
	first = initial_response("SCRAM-SHA-256-PLUS", &unique);
	ok(starts_with(first, "p=tls-unique,,n="), "-PLUS falls back to tls-unique (%s)",
	   first ? first : "(null)");
	free(first);

	o = exchange("SCRAM-SHA-256-PLUS", &both, &other, 0, &err);
	ok(o == REFUSED, "-PLUS with a different channel on the server side is "
	   "refused (%s)", outcome_name(o));

	error_clear(&err);
	ok(!auth_start("SCRAM-SHA-256-PLUS", &none, &err) &&
	   err.category == CAT_CONFIG && strstr(err.text, "channel binding"),
	   "-PLUS without cb data does not start: %s", err.text);
}

/* Why the "n" matters: a server that has channel binding (so it offered
 * -PLUS) must refuse a client that says "y" (RFC 5802 section 6). */
static void test_server_refuses_y(void)
{
	struct server_conf sc = { PASSWORD, CB_EXPORTER, NULL };
	static const char y[] = "y,,n=" USER ",r=abcdefghijklmnop";
	static const char n[] = "n,,n=" USER ",r=abcdefghijklmnop";
	const char *msgs[] = { y, n };
	int rcs[2];
	size_t i;

	for (i = 0; i < 2; i++) {
		Gsasl *ctx;
		Gsasl_session *srv;
		char *b64 = NULL, *out = NULL;

		rcs[i] = -1;
		if (gsasl_init(&ctx) != GSASL_OK)
			continue;
		gsasl_callback_set(ctx, server_callback);
		gsasl_callback_hook_set(ctx, &sc);
		if (gsasl_server_start(ctx, "SCRAM-SHA-256", &srv) == GSASL_OK) {
			gsasl_base64_to(msgs[i], strlen(msgs[i]), &b64, NULL);
			rcs[i] = gsasl_step64(srv, b64, &out);
			gsasl_free(b64);
			gsasl_free(out);
			gsasl_finish(srv);
		}
		gsasl_done(ctx);
	}
	ok(rcs[0] == GSASL_AUTHENTICATION_ERROR, "a server with channel binding "
	   "refuses the \"y\" flag (%d)", rcs[0]);
	ok(rcs[1] == GSASL_NEEDS_MORE, "and goes on after \"n\" (%d)", rcs[1]);
}

/* Issue 13 #3: the SCRAM iteration count a server may ask for. */
static void scram_iterations(const char *iter, int refused, const char *what)
{
	struct auth_params p = { USER, PASSWORD, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	char first[256], raw[256], *b64 = NULL, *resp = NULL, *nonce;
	struct error err;
	struct auth *a = auth_start("SCRAM-SHA-256", &p, &err);
	size_t n;

	if (!a || auth_step(a, NULL, &resp, &err) != AUTH_STEP_MORE) {
		ok(0, "%s: SCRAM starts", what);
		auth_end(a);
		return;
	}
	/* The client nonce from our client-first message, so that only the
	 * count can be wrong: "n,,n=USER,r=NONCE". */
	gsasl_base64_from(resp, strlen(resp), &b64, &n);
	snprintf(first, sizeof first, "%.*s", (int)n, b64);
	free(b64);
	free_secret(resp);
	nonce = strstr(first, ",r=");
	snprintf(raw, sizeof raw, "r=%sSERVER,s=c2FsdA==,i=%s", nonce ? nonce + 3 : "", iter);
	b64 = NULL;
	gsasl_base64_to(raw, strlen(raw), &b64, &n);
	error_clear(&err);
	resp = NULL;
	if (refused)
		ok(auth_step(a, b64, &resp, &err) == AUTH_STEP_ERROR && !resp &&
		   err.category == CAT_PROTOCOL && strstr(err.text, "iterations") &&
		   strstr(err.text, "1000000"), "%s: refused before any is computed: %s", what,
		   err.text);
	else
		ok(auth_step(a, b64, &resp, &err) != AUTH_STEP_ERROR && resp && *resp,
		   "%s: computed (%s)", what, err.text);
	free(b64);
	free_secret(resp);
	auth_end(a);
}

static void test_scram_iterations(void)
{
	scram_iterations("4096", 0, "4096 iterations");
	scram_iterations("1000000", 0, "1000000 iterations, the most");
	scram_iterations("1000001", 1, "1000001 iterations");
	scram_iterations("2147483648", 1, "2^31 iterations");
	scram_iterations("99999999999999999999999", 1, "a count that does not fit");
}

static void test_step_errors(void)
{
	struct auth_params p = { USER, PASSWORD, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	struct server_conf sc = { PASSWORD, NULL, NULL };
	struct error err;
	struct auth *a;
	char *resp = (char *)1;
	enum outcome o;

	o = exchange("SCRAM-SHA-256", &p, &sc, 1, &err);
	ok(o == CLIENT_FAILED && err.category == CAT_AUTH_FAILED &&
	   strstr(err.text, "could not prove"),
	   "a wrong SCRAM server signature fails the client: %s", err.text);

	a = auth_start("LOGIN", &p, &err);
	ok(a && !auth_has_initial_response(a), "LOGIN has no initial response");
	error_clear(&err);
	ok(auth_step(a, NULL, &resp, &err) == AUTH_STEP_ERROR && !resp &&
	   err.category == CAT_INTERNAL, "LOGIN refuses to step without a "
	   "challenge: %s", err.text);
	error_clear(&err);
	ok(auth_step(a, "not base64!", &resp, &err) == AUTH_STEP_ERROR && !resp &&
	   err.category == CAT_AUTH_FAILED && strstr(err.text, "base64"),
	   "a challenge that is not base64 fails: %s", err.text);
	auth_end(a);

	a = auth_start("PLAIN", &p, &err);
	ok(a && auth_has_initial_response(a), "PLAIN has an initial response");
	/* A server that ignores the initial response sends "334 ". */
	ok(auth_step(a, "", &resp, &err) == AUTH_STEP_DONE && *resp,
	   "PLAIN answers an empty challenge with its response");
	free_secret(resp);
	auth_end(a);

	a = auth_start("CRAM-MD5", &p, &err);
	ok(a && !auth_has_initial_response(a), "CRAM-MD5 has no initial response");
	auth_end(a);
	a = auth_start("SCRAM-SHA-1", &p, &err);
	ok(a && auth_has_initial_response(a), "SCRAM-SHA-1 has an initial response");
	auth_end(a);

	error_clear(&err);
	p.user = NULL;
	ok(!auth_start("PLAIN", &p, &err) && err.category == CAT_CONFIG,
	   "no user name: %s", err.text);
	p.user = USER;
	p.password = NULL;
	error_clear(&err);
	ok(!auth_start("PLAIN", &p, &err) && err.category == CAT_CONFIG,
	   "no password: %s", err.text);
	auth_end(NULL);
}

static void choose_tls(const char *offered, const char *mechs, const char *exporter,
		       const char *unique, const char *want, enum category want_cat,
		       const char *want_text, int verified_tls)
{
	struct auth_params p = { USER, PASSWORD, mechs, exporter, unique, NULL, NULL, NULL,
				 verified_tls };
	struct error err;
	const char *got;

	error_clear(&err);
	got = auth_choose(offered, &p, &err);
	if (want) {
		is_str(got, want, "offered \"%s\", mechanisms %s, cb %s: %s",
		       offered ? offered : "(null)", mechs ? mechs : "auto",
		       exporter || unique ? "yes" : "no", want);
	} else {
		ok(!got && err.category == want_cat &&
		   (!want_text || strstr(err.text, want_text)),
		   "offered \"%s\", mechanisms %s: %s (%s: %s)",
		   offered ? offered : "(null)", mechs ? mechs : "auto",
		   got ? got : "none", category_name(err.category), err.text);
	}
}

static void choose(const char *offered, const char *mechs, const char *exporter,
		   const char *unique, const char *want, enum category want_cat,
		   const char *want_text)
{
	choose_tls(offered, mechs, exporter, unique, want, want_cat, want_text, 0);
}

/* Over verified TLS "auto" is the cheapest safe mechanism: -PLUS when
 * channel binding is there, else PLAIN (one round trip, pipelined) before
 * SCRAM (three); a list the user gives keeps its order. */
static void test_choose_cheapest(void)
{
	static const char dovecot[] = "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256";
	static const char plus[] = "PLAIN SCRAM-SHA-256 SCRAM-SHA-256-PLUS";

	choose_tls(dovecot, NULL, NULL, NULL, "PLAIN", 0, NULL, 1);
	choose_tls(dovecot, "auto", CB_EXPORTER, NULL, "PLAIN", 0, NULL, 1);
	choose_tls(dovecot, NULL, NULL, NULL, "SCRAM-SHA-256", 0, NULL, 0);
	choose_tls(plus, NULL, CB_EXPORTER, NULL, "SCRAM-SHA-256-PLUS", 0, NULL, 1);
	choose_tls(plus, NULL, NULL, NULL, "PLAIN", 0, NULL, 1);
	choose_tls("LOGIN SCRAM-SHA-1", NULL, NULL, NULL, "SCRAM-SHA-1", 0, NULL, 1);
	choose_tls(dovecot, "scram-sha-256 plain", NULL, NULL, "SCRAM-SHA-256", 0, NULL, 1);
	choose_tls("CRAM-MD5", NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED,
		   "accept only PLAIN SCRAM-SHA-256 SCRAM-SHA-1 LOGIN", 1);
}

static void test_choose(void)
{
	choose("NTLM PLAIN LOGIN", NULL, NULL, NULL, "PLAIN", 0, NULL);
	choose("GSSAPI NTLM LOGIN", NULL, NULL, NULL, "LOGIN", 0, NULL);
	choose("SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN", NULL, NULL, NULL,
	       "SCRAM-SHA-1", 0, NULL);
	choose("SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN", NULL, CB_EXPORTER, NULL,
	       "SCRAM-SHA-1-PLUS", 0, NULL);
	choose("SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN", NULL, NULL, CB_UNIQUE,
	       "SCRAM-SHA-1-PLUS", 0, NULL);
	choose("PLAIN SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-256-PLUS", "auto",
	       CB_EXPORTER, NULL, "SCRAM-SHA-256-PLUS", 0, NULL);
	choose("plain login scram-sha-256", NULL, NULL, NULL, "SCRAM-SHA-256", 0, NULL);
	choose("  PLAIN\tLOGIN  ", "AUTO", NULL, NULL, "PLAIN", 0, NULL);
	choose("CRAM-MD5", NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED, "CRAM-MD5");
	choose("CRAM-MD5", NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED,
	       "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN");
	choose("CRAM-MD5", "cram-md5", NULL, NULL, "CRAM-MD5", 0, NULL);
	choose("PLAIN LOGIN CRAM-MD5", "cram-md5, login", NULL, NULL, "CRAM-MD5", 0, NULL);
	choose("PLAIN LOGIN", "cram-md5,login", NULL, NULL, "LOGIN", 0, NULL);
	choose("PLAIN LOGIN", "cram-md5", NULL, NULL, NULL, CAT_AUTH_REQUIRED,
	       "CRAM-MD5");
	choose("PLAIN", "FOO", NULL, NULL, NULL, CAT_CONFIG, "\"FOO\"");
	choose("PLAIN XOAUTH2", "xoauth2", NULL, NULL, NULL, CAT_CONFIG, "oauth_token_command");
	choose("PLAIN ANONYMOUS", "ANONYMOUS plain", NULL, NULL, NULL, CAT_CONFIG,
	       "ANONYMOUS");
	choose("PLAIN", "plain auto", NULL, NULL, NULL, CAT_CONFIG, "auto");
	choose("SCRAM-SHA-256-PLUS", NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED,
	       "channel binding");
	choose("SCRAM-SHA-256-PLUS", "scram-sha-256-plus", NULL, NULL, NULL,
	       CAT_AUTH_REQUIRED, "channel binding");
	choose(NULL, NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED, "no authentication");
	choose("", NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED, "no authentication");
	choose(" PLAIN ", " , ", NULL, NULL, "PLAIN", 0, NULL);
	choose("X-\xc3\xa4", NULL, NULL, NULL, NULL, CAT_AUTH_REQUIRED, "AUTH X-\xc3\xa4,");
}

/* The server's list goes into our message; its control characters must
 * not reach a terminal or a log. */
static void test_choose_quotes_safely(void)
{
	struct auth_params p = { USER, PASSWORD, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	struct error err;
	char offered[1200];
	const char *got;
	size_t i;

	error_clear(&err);
	ok(!auth_choose("X-EVIL\x1b[31m\r\n", &p, &err) &&
	   strstr(err.text, "X-EVIL\\x1B[31m") && !strchr(err.text, '\x1b'),
	   "control characters in the server's list are not quoted");
	for (i = 0; i + 6 < sizeof offered; i += 6)
		memcpy(offered + i, "XXXXX ", 6);
	offered[i] = '\0';
	error_clear(&err);
	got = auth_choose(offered, &p, &err);
	ok(!got && strlen(err.text) < 400 && strstr(err.text, "XXXXX ...") &&
	   strstr(err.text, "PLAIN LOGIN"),
	   "a long server list is cut short (%zu bytes)", strlen(err.text));
}


/* ---- XOAUTH2 and OAUTHBEARER (written in auth.c: GNU SASL 2.2 lacks them) ---- */

#define TOKEN "ya29.a0-Tok_en~+/=="

static struct auth_params oauth_params(const char *user, const char *host, const char *port)
{
	struct auth_params p = { user, NULL, NULL, NULL, NULL, TOKEN, host, port, 0 };

	return p;
}

/* The base64 of s (len bytes), as a new string. */
static char *b64(const char *s, size_t len)
{
	char *out = NULL, *r;

	if (gsasl_base64_to(s, len, &out, NULL) != GSASL_OK)
		return NULL;
	r = xstrdup(out);
	gsasl_free(out);
	return r;
}

static void test_oauth_encodings(void)
{
	static const char xoauth2[] = "user=" USER "\001auth=Bearer " TOKEN "\001\001";
	static const char bearer[] = "n,a=" USER ",\001host=smtp.example.org\001port=587"
				     "\001auth=Bearer " TOKEN "\001\001";
	static const char escaped[] = "n,a=a=3Db=2Cc@example.org,\001auth=Bearer " TOKEN
				      "\001\001";
	static const char anonymous[] = "n,,\001host=h\001auth=Bearer " TOKEN "\001\001";
	struct auth_params p = oauth_params(USER, "smtp.example.org", "587");
	char *s;

	s = initial_response("XOAUTH2", &p);
	is_str(s, xoauth2, "XOAUTH2: user=USER^Aauth=Bearer TOKEN^A^A");
	free_secret(s);
	s = initial_response("OAUTHBEARER", &p);
	is_str(s, bearer, "OAUTHBEARER: gs2 header, host, port, auth, ^A^A (RFC 7628 3.1)");
	free_secret(s);
	p = oauth_params("a=b,c@example.org", NULL, NULL);
	s = initial_response("OAUTHBEARER", &p);
	is_str(s, escaped, "OAUTHBEARER: \"=\" and \",\" in the user escaped (RFC 5801 saslname); "
	       "no host or port when unknown");
	free_secret(s);
	p = oauth_params(NULL, "h", NULL);
	s = initial_response("OAUTHBEARER", &p);
	is_str(s, anonymous, "OAUTHBEARER without a user: \"n,,\"");
	free_secret(s);

	/* Base64 on the wire, as the transcript cases expect it. */
	p = oauth_params("alice@example.test", "localhost", "2525");
	p.token = "tok123";
	{
		static const char raw[] = "user=alice@example.test\001auth=Bearer tok123\001\001";
		struct error err;
		struct auth *a = auth_start("XOAUTH2", &p, &err);
		char *resp = NULL, *want = b64(raw, sizeof raw - 1);
		int done = a && auth_has_initial_response(a) &&
			   auth_step(a, NULL, &resp, &err) == AUTH_STEP_DONE;

		ok(done && want && strcmp(resp, want) == 0, "XOAUTH2 base64 on the wire: %s",
		   resp ? resp : "");
		free_secret(resp);
		free(want);
		auth_end(a);
	}
}

/* A refused token: the server's 334 JSON, our dummy answer, its text kept. */
static void refused(const char *mech, const char *challenge, const char *want_answer,
		    const char *want_text, const char *what)
{
	struct auth_params p = oauth_params(USER, "smtp.example.org", "587");
	struct error err;
	struct auth *a = auth_start(mech, &p, &err);
	char *resp = NULL;
	enum auth_step_result st;

	if (!a) {
		ok(0, "%s: %s: %s", mech, what, err.text);
		return;
	}
	st = auth_step(a, NULL, &resp, &err);
	free_secret(resp);
	resp = NULL;
	st = st == AUTH_STEP_DONE ? auth_step(a, challenge, &resp, &err) : AUTH_STEP_ERROR;
	ok(st == AUTH_STEP_DONE && resp && strcmp(resp, want_answer) == 0,
	   "%s, %s: answered \"%s\"", mech, what, resp ? resp : "(none)");
	free_secret(resp);
	error_clear(&err);
	error_set(&err, CAT_AUTH_FAILED, "mock refused AUTH: 535 5.7.8 no");
	auth_add_server_error(a, &err);
	ok(strstr(err.text, want_text) && strncmp(err.text, "mock refused AUTH: 535", 22) == 0,
	   "%s, %s: the error says %s", mech, what, err.text);
	ok(!strchr(err.text, '\033') && !strchr(err.text, '\n'), "%s, %s: no control characters",
	   mech, what);
	resp = NULL;
	ok(auth_step(a, challenge, &resp, &err) == AUTH_STEP_ERROR && !resp &&
	   err.category == CAT_AUTH_FAILED, "%s, %s: a third step is refused: %s", mech, what,
	   err.text);
	auth_end(a);
}

static void test_oauth_refused(void)
{
	static const char json[] = "{\"status\":\"invalid_token\",\"scope\":\"mail\","
				   "\"openid-configuration\":\"https://example.org/.well-known\"}";
	static const char nasty[] = "{\"status\":\"\033[31mred\n\"}";
	char big[1000], *c1 = b64(json, strlen(json)), *c2 = b64(nasty, strlen(nasty)), *c3;

	memset(big, 'x', sizeof big);
	c3 = b64(big, sizeof big);
	refused("XOAUTH2", c1, "", "the server explained: {\"status\":\"invalid_token\","
		"\"scope\":\"mail\"", "its JSON error");
	refused("OAUTHBEARER", c1, "AQ==", "{\"status\":\"invalid_token\"",
		"its JSON error (RFC 7628 3.2.2)");
	refused("OAUTHBEARER", c2, "AQ==", "{\"status\":\"\\x1B[31mred\\x0A\"}", "control characters");
	refused("XOAUTH2", c3, "", "xxxxxxxxxx...;", "a long error, cut");
	refused("XOAUTH2", "not base64 {!}", "", "explained: not base64 {!}",
		"a challenge that is not base64, shown as it is");
	free(c1);
	free(c2);
	free(c3);
}

static void test_oauth_params(void)
{
	struct auth_params p = oauth_params(USER, NULL, NULL);
	struct error err;
	struct auth *a;

	a = auth_start("PLAIN", &p, &err);
	ok(!a && err.category == CAT_CONFIG, "PLAIN with only a token: %s", err.text);
	p.token = NULL;
	a = auth_start("XOAUTH2", &p, &err);
	ok(!a && err.category == CAT_CONFIG && strstr(err.text, "oauth_token_command"),
	   "XOAUTH2 without a token: %s", err.text);
	p.token = "abc def";
	a = auth_start("OAUTHBEARER", &p, &err);
	ok(!a && err.category == CAT_CONFIG && strstr(err.text, "RFC 6750") &&
	   !strstr(err.text, "abc def"), "a token with a space is refused, not quoted: %s",
	   err.text);
	p.token = "abc\001auth=x";
	ok(!auth_start("XOAUTH2", &p, &err), "a token with ^A is refused");
	p.token = "a=b";
	ok(!auth_start("XOAUTH2", &p, &err), "\"=\" only at the end of a token");
	p.token = TOKEN;
	p.user = NULL;
	ok(!auth_start("XOAUTH2", &p, &err) && strstr(err.text, "user name"),
	   "XOAUTH2 needs a user: %s", err.text);
	p.user = "a\001b";
	ok(!auth_start("OAUTHBEARER", &p, &err), "a user with ^A is refused");
	auth_end(NULL);
}

static void choose_token(const char *offered, const char *mechs, const char *token,
			 const char *want, enum category want_cat, const char *want_text)
{
	struct auth_params p = { USER, token ? NULL : PASSWORD, mechs, NULL, NULL, token,
				 NULL, NULL, 0 };
	struct error err;
	const char *got;

	error_clear(&err);
	got = auth_choose(offered, &p, &err);
	if (want)
		is_str(got, want, "token %s, offered \"%s\", mechanisms %s: %s",
		       token ? "yes" : "no", offered, mechs ? mechs : "auto", want);
	else
		ok(!got && err.category == want_cat && strstr(err.text, want_text),
		   "token %s, offered \"%s\", mechanisms %s: %s (%s)", token ? "yes" : "no",
		   offered, mechs ? mechs : "auto", category_name(err.category), err.text);
}

static void test_oauth_choose(void)
{
	choose_token("PLAIN XOAUTH2 OAUTHBEARER", NULL, TOKEN, "OAUTHBEARER", 0, NULL);
	choose_token("PLAIN LOGIN XOAUTH2", NULL, TOKEN, "XOAUTH2", 0, NULL);
	choose_token("plain xoauth2", "auto", TOKEN, "XOAUTH2", 0, NULL);
	choose_token("PLAIN LOGIN", NULL, TOKEN, NULL, CAT_AUTH_REQUIRED,
		     "would accept only OAUTHBEARER XOAUTH2");
	/* Listing CRAM-MD5 would not help an account with a token
	 * (credential_mismatch()): no such advice. */
	choose_token("PLAIN CRAM-MD5", NULL, TOKEN, NULL, CAT_AUTH_REQUIRED,
		     "AUTH PLAIN CRAM-MD5, but sendas would accept only OAUTHBEARER XOAUTH2");
	{
		struct auth_params p = { USER, NULL, NULL, NULL, NULL, TOKEN, NULL, NULL, 0 };
		struct error err;

		error_clear(&err);
		ok(!auth_choose("PLAIN CRAM-MD5", &p, &err) && !strstr(err.text, "to use CRAM-MD5"),
		   "token, offered \"PLAIN CRAM-MD5\": CRAM-MD5 is not suggested: %s", err.text);
	}
	choose_token("PLAIN XOAUTH2 OAUTHBEARER", "xoauth2", TOKEN, "XOAUTH2", 0, NULL);
	choose_token("PLAIN XOAUTH2", "plain", TOKEN, NULL, CAT_CONFIG, "remove PLAIN from auth");
	choose_token("PLAIN XOAUTH2 OAUTHBEARER", NULL, NULL, "PLAIN", 0, NULL);
	choose_token("XOAUTH2", NULL, NULL, NULL, CAT_AUTH_REQUIRED,
		     "to use XOAUTH2, set oauth_token_command");
	choose_token("OAUTHBEARER", "oauthbearer", NULL, NULL, CAT_CONFIG,
		     "OAUTHBEARER authentication takes an OAuth access token");
}

/* The traits the engine and the hints ask for come from the one table. */
static void test_traits(void)
{
	ok(auth_mech_one_round("PLAIN") && auth_mech_one_round("plain"),
	   "PLAIN may have commands pipelined after it");
	ok(!auth_mech_one_round("LOGIN") && !auth_mech_one_round("SCRAM-SHA-256") &&
	   !auth_mech_one_round("XOAUTH2") && !auth_mech_one_round("OAUTHBEARER"),
	   "no mechanism that may answer a challenge is pipelined");
	ok(auth_mech_takes_token("XOAUTH2") && auth_mech_takes_token("oauthbearer"),
	   "the OAuth mechanisms take a token");
	ok(!auth_mech_takes_token("PLAIN") && !auth_mech_takes_token("CRAM-MD5"),
	   "password mechanisms do not");
	ok(!auth_mech_one_round(NULL) && !auth_mech_takes_token(NULL) &&
	   !auth_mech_one_round("PLAINX") && !auth_mech_takes_token("XOAUTH"),
	   "unknown names have no traits");
}

int main(void)
{
	const char *v = auth_library_version();

	ok(v && strcmp(v, "2") > 0, "library version %s", v ? v : "(null)");
	test_choose();
	test_choose_cheapest();
	test_choose_quotes_safely();
	test_mechanisms();
	test_channel_binding();
	test_server_refuses_y();
	test_step_errors();
	test_scram_iterations();
	test_oauth_encodings();
	test_oauth_refused();
	test_oauth_params();
	test_oauth_choose();
	test_traits();
	return tap_done();
}
