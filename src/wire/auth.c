/* SPDX-License-Identifier: GPL-3.0-or-later */
/* auth.c: see auth.h.  The only file that includes GNU SASL.
 *
 * Each struct auth owns its own Gsasl context: gsasl_init() with
 * gsasl_client_start() and the matching gsasl_finish()/gsasl_done() cost
 * about 1.5 microseconds here, so there is no reason for shared state.
 *
 * We call gsasl_step() rather than gsasl_step64() and do the base64 step
 * ourselves (with GNU SASL's codec) only so that the raw mechanism output,
 * which for PLAIN and LOGIN is the password itself, is wiped before it is
 * freed; gsasl_step64() frees it as it is. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsasl.h>

#include "auth.h"
#include "buf.h"
#include "escape.h"
#include "i18n.h"
#include "xalloc.h"

/* Our preference table.  The entries marked automatic form the order used
 * when the user does not list mechanisms; the others are tried only when
 * the user names them (they send the password in a weak form, or need more
 * than a user name and a password).  gsasl_client_suggest_mechanism() is
 * never used: see auth.h. */
struct mechanism {
	const char *name;
	unsigned char channel_binding;  /* -PLUS: needs cb_exporter or cb_unique */
	unsigned char initial_response; /* sent with the AUTH command */
	unsigned char automatic;        /* in the order used without a user list */
	signed char proof_round;        /* the auth_step() call (from 0) that checks
					 * the server's proof of the password, or -1 */
	unsigned char one_round;        /* its AUTH line is all it sends, and the only
					 * answers are 235 or a refusal: commands may
					 * be pipelined after it (not XOAUTH2 or
					 * OAUTHBEARER: a refused token gets a 334) */
	const struct handmade *own;     /* written here, not GNU SASL's; NULL: GNU SASL's;
					 * the OAuth ones, which take a token */
};

/* A mechanism written here because GNU SASL 2.2 lacks it (XOAUTH2 and
 * OAUTHBEARER).  Both send everything in the initial response; a challenge
 * after it can only be the server's error, answered with dummy. */
struct handmade {
	int (*initial)(const struct auth_params *p, struct buf *out);  /* -1: too long */
	const char *dummy;              /* the answer to an error challenge */
};

static int xoauth2_initial(const struct auth_params *p, struct buf *out);
static int oauthbearer_initial(const struct auth_params *p, struct buf *out);

/* Google's XOAUTH2 (https://developers.google.com/gmail/imap/xoauth2-protocol):
 * after an error challenge the client sends an empty response. */
static const struct handmade xoauth2 = { xoauth2_initial, "" };
/* RFC 7628 3.2.3: after an error the client sends a single ^A (kvsep). */
static const struct handmade oauthbearer = { oauthbearer_initial, "\x01" };

static const struct mechanism mechanisms[] = {
	{ "SCRAM-SHA-256-PLUS", 1, 1, 1, 2, 0, NULL },
	{ "SCRAM-SHA-1-PLUS", 1, 1, 1, 2, 0, NULL },
	{ "SCRAM-SHA-256", 0, 1, 1, 2, 0, NULL },
	{ "SCRAM-SHA-1", 0, 1, 1, 2, 0, NULL },
	{ "PLAIN", 0, 1, 1, -1, 1, NULL },
	{ "LOGIN", 0, 0, 1, -1, 0, NULL },
	/* Only when the user lists them. */
	{ "CRAM-MD5", 0, 0, 0, -1, 0, NULL },
	/* DIGEST-MD5 (obsolete, RFC 6331) would go here as
	 * { "DIGEST-MD5", 0, 0, 0, 1, 0, NULL }, but GNU SASL's client needs the
	 * service ("smtp") and the server's host name for its digest-uri,
	 * which callback() does not answer yet. */
	/* NTLM sends its first message with AUTH (Exchange answers a bare
	 * "AUTH NTLM" with a challenge that is not base64). */
	{ "NTLM", 0, 1, 0, -1, 0, NULL },
	/* GNU SASL 2.2 lacks these two, so they are written by hand (own):
	 * mechanism_available() accepts them without asking GNU SASL, and
	 * auth_start() and auth_step() run them instead of gsasl_client_start()
	 * and gsasl_step().  They take the OAuth token, never the password, and
	 * "auto" chooses them (in this order) only when there is a token. */
	{ "OAUTHBEARER", 0, 1, 1, -1, 0, &oauthbearer },
	{ "XOAUTH2", 0, 1, 1, -1, 0, &xoauth2 },
};

#define MECHANISM_COUNT (sizeof mechanisms / sizeof mechanisms[0])

/* Properties that hold the password or something equivalent to it.  GNU
 * SASL frees property values without wiping them, so we wipe them first. */
static const Gsasl_property secret_properties[] = {
	GSASL_PASSWORD,
	GSASL_SCRAM_SALTED_PASSWORD,
	GSASL_SCRAM_SERVERKEY,
	GSASL_SCRAM_STOREDKEY,
	GSASL_DIGEST_MD5_HASHED_PASSWORD,
	GSASL_PASSCODE,
	GSASL_PIN,
	GSASL_SUGGESTED_PIN,
};

/* How a failed step is told.  The first row that matches decides; rows
 * with server_proof match only in the mechanism's proof_round. */
struct step_error {
	int rc;
	unsigned char server_proof;
	enum category cat;
	const char *text;
};

static const struct step_error step_errors[] = {
	{ GSASL_AUTHENTICATION_ERROR, 1, CAT_AUTH_FAILED,
	  N_("the server could not prove that it knows the password (its "
	     "signature does not match), so it may not be the server you meant "
	     "to reach, or it holds a different password for this user") },
	{ GSASL_AUTHENTICATION_ERROR, 0, CAT_AUTH_FAILED,
	  N_("the server's challenge does not fit this mechanism (a changed "
	     "nonce or a failed check)") },
	{ GSASL_MECHANISM_PARSE_ERROR, 0, CAT_AUTH_FAILED,
	  N_("the server sent a challenge this mechanism cannot parse") },
	{ GSASL_BASE64_ERROR, 0, CAT_AUTH_FAILED,
	  N_("the server sent a challenge that is not valid base64") },
	{ GSASL_MECHANISM_CALLED_TOO_MANY_TIMES, 0, CAT_AUTH_FAILED,
	  N_("the server sent more challenges than this mechanism has steps") },
	{ GSASL_SASLPREP_ERROR, 0, CAT_CONFIG,
	  N_("the user name or the password contains characters this "
	     "mechanism does not allow (SASLprep); PLAIN over TLS takes any") },
	{ GSASL_NO_AUTHID, 0, CAT_CONFIG, N_("no user name is configured") },
	{ GSASL_NO_PASSWORD, 0, CAT_CONFIG, N_("no password is configured") },
	{ GSASL_NO_CB_TLS_EXPORTER, 0, CAT_CONFIG,
	  N_("this connection provides no TLS channel binding") },
	{ GSASL_NO_CB_TLS_UNIQUE, 0, CAT_CONFIG,
	  N_("this connection provides no TLS channel binding") },
};

/* The server's explanation we keep (its JSON error), quoted safely. */
#define SERVER_ERROR_MAX 300
/* The raw initial response of a hand-written mechanism: the token (at most
 * SECRET_OUTPUT_MAX from its command) and a little framing.  The SMTP engine
 * has its own, smaller, limit for the line. */
#define OWN_RESPONSE_MAX (80 * 1024)

struct auth {
	Gsasl *ctx;                     /* NULL for the hand-written mechanisms */
	Gsasl_session *session;
	const struct mechanism *mech;
	struct auth_params params;      /* the strings are borrowed */
	unsigned round;                 /* auth_step() calls so far */
	char server_error[SERVER_ERROR_MAX + 4];  /* "" when the server sent none */
};

/* Longest server AUTH list we quote in a message. */
#define OFFERED_QUOTE_MAX 200

static const char separators_user[] = " ,\t";
static const char separators_server[] = " \t";

/* The next token of s (separated by any of seps): its start and length,
 * 0 at the end.  *s moves past it. */
static size_t next_token(const char **s, const char *seps, const char **tok)
{
	size_t n;

	*s += strspn(*s, seps);
	*tok = *s;
	n = strcspn(*s, seps);
	*s += n;
	return n;
}

static const struct mechanism *find_mechanism(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < MECHANISM_COUNT; i++)
		if (strlen(mechanisms[i].name) == len &&
		    strncasecmp(mechanisms[i].name, name, len) == 0)
			return &mechanisms[i];
	return NULL;
}

int auth_mech_one_round(const char *name)
{
	const struct mechanism *m = name ? find_mechanism(name, strlen(name)) : NULL;

	return m && m->one_round;
}

int auth_mech_takes_token(const char *name)
{
	const struct mechanism *m = name ? find_mechanism(name, strlen(name)) : NULL;

	return m && m->own;
}

static int has_channel_binding(const struct auth_params *p)
{
	return (p->cb_exporter && *p->cb_exporter) ||
	       (p->cb_unique && *p->cb_unique);
}

static int mechanism_available(Gsasl *ctx, const struct mechanism *m)
{
	return m->own || gsasl_client_support_p(ctx, m->name);
}

/* The hand-written mechanisms are the OAuth ones: they take the token. */
static int takes_token(const struct mechanism *m)
{
	return m->own != NULL;
}

static int has_token(const struct auth_params *p)
{
	return p->token && *p->token;
}

/* A mechanism named in the user's list that cannot use what the account
 * has: a token is never sent as a password, and the OAuth mechanisms need
 * one.  CAT_CONFIG. */
static int credential_mismatch(const struct mechanism *m, struct error *err)
{
	if (takes_token(m))
		return error_set(err, CAT_CONFIG, N_("%s authentication takes an OAuth access "
						    "token; set oauth_token_command in the "
						    "account"), m->name);
	return error_set(err, CAT_CONFIG, N_("%s authentication takes a password, and this "
					    "account has an oauth_token_command, whose token "
					    "sendas gives only to OAUTHBEARER and XOAUTH2; "
					    "remove %s from auth"), m->name, m->name);
}

/* Whether the server's AUTH list names m (case-insensitively). */
static int offers(const char *offered, const struct mechanism *m)
{
	const char *tok;
	size_t n;

	if (!offered)
		return 0;
	while ((n = next_token(&offered, separators_server, &tok)) > 0)
		if (find_mechanism(tok, n) == m)
			return 1;
	return 0;
}

static int is_auto(const char *list)
{
	const char *tok;
	size_t n;

	if (!list)
		return 1;
	n = next_token(&list, separators_user, &tok);
	if (n == 0)
		return 1;
	return n == 4 && strncasecmp(tok, "auto", 4) == 0 &&
	       next_token(&list, separators_user, &tok) == 0;
}

#define AUTO_RANKS 3

/* "auto": channel binding first; then, over verified TLS, a one-round
 * mechanism (PLAIN: no round trip of its own, and the certificate already
 * proves who gets the password); then the table's order. */
static int auto_rank(const struct mechanism *m, const struct auth_params *p)
{
	if (m->channel_binding)
		return 0;
	return p->verified_tls && m->one_round ? 1 : 2;
}

/* The candidates, best first: the automatic entries of the table, or the
 * user's list (checked whole, so that a mistake shows whatever the server
 * offers).  Mechanisms needing channel binding are kept: usable() tells. */
static int candidates(Gsasl *ctx, const struct auth_params *p,
		      const struct mechanism **out, size_t *count,
		      struct error *err)
{
	const char *list = p->mechanisms;
	const struct mechanism *m;
	const char *tok;
	size_t i, n;
	int rank;

	*count = 0;
	if (is_auto(list)) {
		for (rank = 0; rank < AUTO_RANKS; rank++)
			for (i = 0; i < MECHANISM_COUNT; i++)
				if (mechanisms[i].automatic &&
				    auto_rank(&mechanisms[i], p) == rank &&
				    takes_token(&mechanisms[i]) == has_token(p) &&
				    mechanism_available(ctx, &mechanisms[i]))
					out[(*count)++] = &mechanisms[i];
		return 0;
	}
	while ((n = next_token(&list, separators_user, &tok)) > 0) {
		m = find_mechanism(tok, n);
		if (!m && n == 4 && strncasecmp(tok, "auto", 4) == 0)
			return error_set(err, CAT_CONFIG,
					 N_("\"auto\" cannot be combined with a "
					   "list of authentication mechanisms"));
		if (!m) {
			struct buf names;

			buf_init(&names, ERROR_TEXT_MAX);
			for (i = 0; i < MECHANISM_COUNT; i++)
				buf_printf_trunc(&names, "%s%s", i ? " " : "",
					   mechanisms[i].name);
			error_set(err, CAT_CONFIG,
				  N_("the authentication mechanism \"%.*s\" is "
				    "not one sendas supports; it supports %s"),
				  (int)(n > 64 ? 64 : n), tok, buf_str(&names));
			buf_release(&names);
			return -1;
		}
		if (!mechanism_available(ctx, m))
			return error_set(err, CAT_CONFIG,
					 N_("the authentication mechanism %s is "
					   "not available: GNU SASL %s here has no "
					   "client for it"),
					 m->name, gsasl_check_version(NULL));
		if (takes_token(m) != has_token(p))
			return credential_mismatch(m, err);
		for (i = 0; i < *count && out[i] != m; i++)
			;
		if (i == *count)
			out[(*count)++] = m;
	}
	return 0;
}

static int usable(const struct mechanism *m, const struct auth_params *p)
{
	return !m->channel_binding || has_channel_binding(p);
}

/* The server's list as we quote it: escaped (escape.h), bounded. */
static void quote_offered(struct buf *out, const char *offered)
{
	const char *tok;
	size_t n;
	int first = 1;

	while (offered && (n = next_token(&offered, separators_server, &tok)) > 0) {
		if (out->len + n + 1 > OFFERED_QUOTE_MAX) {
			buf_adds_trunc(out, " ...");
			return;
		}
		if (!first)
			buf_addc_trunc(out, ' ');
		first = 0;
		if (escape_add(out, tok, n) < 0)
			out->truncated = 1;
	}
}

/* CAT_AUTH_REQUIRED: what the server offers, what we would take, and what
 * the user could do about it. */
static void no_common_mechanism(const char *offered, const struct auth_params *p,
				const struct mechanism **cand, size_t ncand,
				Gsasl *ctx, struct error *err)
{
	char word[ERROR_WORD_MAX];
	struct buf quoted, accept;
	const struct mechanism *optin = NULL, *plus = NULL, *oauth = NULL;
	size_t i;

	buf_init(&quoted, OFFERED_QUOTE_MAX + 8);
	buf_init(&accept, ERROR_TEXT_MAX);
	quote_offered(&quoted, offered);
	for (i = 0; i < ncand; i++)
		if (usable(cand[i], p))
			buf_printf_trunc(&accept, "%s%s", accept.len ? " " : "",
				   cand[i]->name);
	for (i = 0; i < ncand && !plus; i++)
		if (!usable(cand[i], p) && offers(offered, cand[i]))
			plus = cand[i];
	/* Only one that could use what the account has: listing a password
	 * mechanism for an account with a token is a configuration error
	 * (credential_mismatch()), so it is no advice. */
	for (i = 0; i < MECHANISM_COUNT && !optin && is_auto(p->mechanisms); i++)
		if (!mechanisms[i].automatic && offers(offered, &mechanisms[i]) &&
		    takes_token(&mechanisms[i]) == has_token(p) &&
		    mechanism_available(ctx, &mechanisms[i]))
			optin = &mechanisms[i];
	for (i = 0; i < MECHANISM_COUNT && !oauth && !has_token(p); i++)
		if (takes_token(&mechanisms[i]) && offers(offered, &mechanisms[i]))
			oauth = &mechanisms[i];

	if (accept.len == 0)
		error_set(err, CAT_AUTH_REQUIRED, N_("the configured authentication mechanisms "
						     "all need TLS channel binding, which this "
						     "connection does not provide (the server "
						     "offers %s)"),
			  quoted.len ? buf_str(&quoted) : error_word(N_("none"), word));
	else if (quoted.len == 0)
		error_set(err, CAT_AUTH_REQUIRED, N_("the server offers no authentication "
						     "mechanism; sendas would accept %s"),
			  buf_str(&accept));
	else
		error_set(err, CAT_AUTH_REQUIRED, N_("the server offers AUTH %s, but sendas "
						     "would accept only %s"),
			  buf_str(&quoted), buf_str(&accept));
	if (optin)
		error_append(err, N_("; to use %s, list it in the account's "
				     "authentication mechanisms"), optin->name);
	if (plus && accept.len)
		error_append(err, N_("; %s needs TLS channel binding, which this "
				     "connection does not provide"), plus->name);
	if (oauth)
		error_append(err, N_("; to use %s, set oauth_token_command in the "
				     "account"), oauth->name);
	buf_release(&quoted);
	buf_release(&accept);
}

/* GNU SASL's words for code, in the language of whoever reads them
 * (error_library(), error.h). */
static const char *gsasl_words(int code, char *buf)
{
	return error_library("gsasl", gsasl_strerror, code, buf);
}

const char *auth_choose(const char *offered, const struct auth_params *p,
			struct error *err)
{
	char eno[ERROR_WORD_MAX];
	const struct mechanism *cand[MECHANISM_COUNT];
	const char *chosen = NULL;
	size_t n, i;
	Gsasl *ctx;
	int rc;

	rc = gsasl_init(&ctx);
	if (rc != GSASL_OK) {
		error_set(err, CAT_INTERNAL, N_("cannot start GNU SASL: %s"),
			  gsasl_words(rc, eno));
		return NULL;
	}
	if (candidates(ctx, p, cand, &n, err) == 0) {
		for (i = 0; i < n && !chosen; i++)
			if (usable(cand[i], p) && offers(offered, cand[i]))
				chosen = cand[i]->name;
		if (!chosen)
			no_common_mechanism(offered, p, cand, n, ctx, err);
	}
	gsasl_done(ctx);
	return chosen;
}

/* What we answer GNU SASL.  Channel binding goes only to -PLUS mechanisms:
 * a non-PLUS SCRAM given channel-binding data would claim "y" (the client
 * supports binding but thinks the server does not), which a server that
 * offered -PLUS must refuse; GNU SASL 2.2 even fails the step locally.
 * For -PLUS, GNU SASL asks for tls-exporter first and takes it if given,
 * then tls-unique: so exporter is preferred.  No authzid: PLAIN then sends
 * an empty one, which means "the user name". */
static const char *property_value(const struct auth *a, Gsasl_property prop)
{
	const char *v = NULL;

	switch (prop) {
	case GSASL_AUTHID:
		v = a->params.user;
		break;
	case GSASL_PASSWORD:
		v = a->params.password;
		break;
	case GSASL_CB_TLS_EXPORTER:
		v = a->mech->channel_binding ? a->params.cb_exporter : NULL;
		break;
	case GSASL_CB_TLS_UNIQUE:
		v = a->mech->channel_binding ? a->params.cb_unique : NULL;
		break;
	default:
		break;
	}
	return v && (*v || prop == GSASL_PASSWORD) ? v : NULL;
}

static int callback(Gsasl *ctx, Gsasl_session *sctx, Gsasl_property prop)
{
	const struct auth *a = gsasl_callback_hook_get(ctx);
	const char *v = a ? property_value(a, prop) : NULL;

	if (!v)
		return GSASL_NO_CALLBACK;
	return gsasl_property_set(sctx, prop, v);
}

/* Wipe and drop what GNU SASL keeps of the password.  The pointer from
 * gsasl_property_fast() is const only because callers must not change live
 * data; we are about to free it (the uintptr_t cast says so to the
 * compiler). */
static void scrub_secrets(Gsasl_session *s)
{
	const char *v;
	size_t i;

	for (i = 0; i < sizeof secret_properties / sizeof secret_properties[0]; i++) {
		v = gsasl_property_fast(s, secret_properties[i]);
		if (v) {
			wipe((char *)(uintptr_t)v, strlen(v));
			gsasl_property_free(s, secret_properties[i]);
		}
	}
}

/* RFC 6750 2.1 b64token: what a bearer token may hold.  Anything else
 * (a space, ^A, a quote of JSON) would break the message it travels in. */
static int valid_token(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			     "0123456789-._~+/");

	return n > 0 && t[n + strspn(t + n, "=")] == '\0';
}

/* What the mechanism needs from p, before anything starts.  CAT_CONFIG. */
static int check_params(const struct mechanism *m, const struct auth_params *p,
			struct error *err)
{
	if ((!p->user || !*p->user) && !(takes_token(m) && m->own == &oauthbearer))
		return error_set(err, CAT_CONFIG, N_("%s authentication needs a user "
						    "name, and none is configured"), m->name);
	if (takes_token(m) && !has_token(p))
		return error_set(err, CAT_CONFIG, N_("%s authentication needs an OAuth "
						    "access token; set oauth_token_command "
						    "in the account"), m->name);
	if (takes_token(m) && !valid_token(p->token))
		return error_set(err, CAT_CONFIG, N_("the OAuth access token holds "
						    "characters no access token has (RFC "
						    "6750: letters, digits, -._~+/ and "
						    "trailing =); oauth_token_command must "
						    "print the token alone"));
	if (takes_token(m) && p->user && strpbrk(p->user, "\x01\r\n"))
		return error_set(err, CAT_CONFIG, N_("%s authentication cannot send a "
						    "user name with control characters"),
				 m->name);
	if (!takes_token(m) && !p->password)
		return error_set(err, CAT_CONFIG, N_("%s authentication needs a "
						    "password, and none is configured"),
				 m->name);
	if (!usable(m, p))
		return error_set(err, CAT_CONFIG, N_("%s authentication needs TLS "
						    "channel binding, which this "
						    "connection does not provide"), m->name);
	return 0;
}

/* The GNU SASL side of auth_start(). */
static int start_gsasl(struct auth *a, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	const char *name = a->mech->name;
	int rc = gsasl_init(&a->ctx);

	if (rc != GSASL_OK) {
		a->ctx = NULL;
		return error_set(err, CAT_INTERNAL, N_("cannot start GNU SASL: %s"),
				 gsasl_words(rc, eno));
	}
	gsasl_callback_set(a->ctx, callback);
	gsasl_callback_hook_set(a->ctx, a);
	rc = gsasl_client_start(a->ctx, name, &a->session);
	if (rc == GSASL_OK)
		return 0;
	a->session = NULL;
	if (rc == GSASL_UNKNOWN_MECHANISM)
		return error_set(err, CAT_CONFIG, N_("the authentication mechanism "
						    "%s is not available: GNU "
						    "SASL %s here has no client "
						    "for it"),
				 name, gsasl_check_version(NULL));
	return error_set(err, CAT_INTERNAL, N_("cannot start %s "
					      "authentication: %s"),
			 name, gsasl_words(rc, eno));
}

struct auth *auth_start(const char *mech, const struct auth_params *p,
			struct error *err)
{
	const struct mechanism *m = mech ? find_mechanism(mech, strlen(mech)) : NULL;
	struct auth *a;

	if (!m) {
		error_set(err, CAT_INTERNAL,
			  N_("sendas cannot start the authentication mechanism %s"),
			  mech ? mech : "(none)");
		return NULL;
	}
	if (check_params(m, p, err) < 0)
		return NULL;
	a = xcalloc(1, sizeof *a);
	a->mech = m;
	a->params = *p;
	if (!m->own && start_gsasl(a, err) < 0) {
		auth_end(a);
		return NULL;
	}
	return a;
}

int auth_has_initial_response(const struct auth *a)
{
	return a->mech->initial_response;
}

static void step_failed(const struct auth *a, int rc, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char word[ERROR_WORD_MAX];
	const struct step_error *e;
	size_t i;
	int proof = a->mech->proof_round >= 0 &&
		    a->round == (unsigned)a->mech->proof_round;

	for (i = 0; i < sizeof step_errors / sizeof step_errors[0]; i++) {
		e = &step_errors[i];
		if (e->rc == rc && (!e->server_proof || proof)) {
			error_set(err, e->cat, N_("%s authentication: %s (GNU "
						 "SASL: %s)"),
				  a->mech->name, error_word(e->text, word), gsasl_words(rc, eno));
			return;
		}
	}
	error_set(err, CAT_INTERNAL, N_("%s authentication: GNU SASL failed "
				       "unexpectedly: %s (%s)"),
		  a->mech->name, gsasl_words(rc, eno), gsasl_strerror_name(rc));
}

/* The challenge as bytes; "" (the server's "334 ") is an empty one.
 * Trailing blanks are not part of base64. */
static int decode_challenge(const char *challenge, char **raw, size_t *len)
{
	size_t n = strlen(challenge);

	*raw = NULL;
	*len = 0;
	while (n > 0 && (challenge[n - 1] == ' ' || challenge[n - 1] == '\t'))
		n--;
	if (n == 0)
		return GSASL_OK;
	return gsasl_base64_from(challenge, n, raw, len);
}

/* Wipe and free something GNU SASL allocated. */
static void free_raw(char *raw, size_t len)
{
	if (raw) {
		wipe(raw, len);
		gsasl_free(raw);
	}
}

/* Base64 of raw into a string of ours, so that free_secret() applies. */
static int encode_response(const char *raw, size_t len, char **response)
{
	char *b64 = NULL;
	size_t b64len = 0;
	int rc;

	if (len == 0) {
		*response = xstrdup("");
		return GSASL_OK;
	}
	rc = gsasl_base64_to(raw, len, &b64, &b64len);
	if (rc != GSASL_OK)
		return rc;
	*response = xstrndup(b64, b64len);
	free_raw(b64, b64len);
	return GSASL_OK;
}

/* ---- the mechanisms written here: XOAUTH2 and OAUTHBEARER ---- */

/* "user=USER^Aauth=Bearer TOKEN^A^A" */
static int xoauth2_initial(const struct auth_params *p, struct buf *out)
{
	return buf_printf(out, "user=%s\001auth=Bearer %s\001\001", p->user, p->token);
}

/* RFC 7628 3.1: the GS2 header "n,a=USER," (RFC 5801 saslname: "," and "="
 * escaped), then key=value pairs each ended by ^A, and a last ^A. */
static int oauthbearer_initial(const struct auth_params *p, struct buf *out)
{
	const char *u;
	int r = buf_adds(out, "n,");

	if (p->user && *p->user) {
		r |= buf_adds(out, "a=");
		for (u = p->user; *u; u++)
			r |= *u == ',' ? buf_adds(out, "=2C") : *u == '=' ? buf_adds(out, "=3D")
			     : buf_addc(out, *u);
	}
	r |= buf_addc(out, ',');
	if (p->host && *p->host)
		r |= buf_printf(out, "\001host=%s", p->host);
	if (p->port && *p->port)
		r |= buf_printf(out, "\001port=%s", p->port);
	r |= buf_printf(out, "\001auth=Bearer %s\001\001", p->token);
	return r < 0 ? -1 : 0;
}

/* Keep the server's explanation (base64 JSON, RFC 7628 3.2.2) escaped
 * (escape.h) and bounded: it goes into a message on a terminal or a log. */
static void keep_server_error(struct auth *a, const char *challenge)
{
	char *raw = NULL;
	const char *text = challenge;
	size_t raw_len = 0, len = strlen(challenge);
	struct buf shown;
	int cut;

	if (decode_challenge(challenge, &raw, &raw_len) == GSASL_OK && raw) {
		text = raw;
		len = raw_len;
	}
	buf_init(&shown, SERVER_ERROR_MAX);
	cut = escape_add(&shown, text, len) < 0;
	/* server_error has room for SERVER_ERROR_MAX, "..." and the NUL. */
	memcpy(a->server_error, buf_str(&shown), shown.len);
	memcpy(a->server_error + shown.len, cut ? "..." : "", cut ? 4 : 1);
	buf_release(&shown);
	free_raw(raw, raw_len);
}

/* Round 0: everything, in the initial response.  Round 1: the server's
 * challenge can only be its error, answered with the mechanism's dummy so
 * that it sends its final refusal.  No round 2. */
static enum auth_step_result own_step(struct auth *a, const char *challenge,
				      char **response, struct error *err)
{
	struct buf raw;
	int r, rc = GSASL_OK;

	if (a->round > 1) {
		error_set(err, CAT_AUTH_FAILED, N_("%s authentication: the server sent "
						  "more challenges than this mechanism "
						  "has steps"), a->mech->name);
		return AUTH_STEP_ERROR;
	}
	buf_init_secret(&raw, OWN_RESPONSE_MAX);
	if (a->round == 0) {
		r = a->mech->own->initial(&a->params, &raw);
	} else {
		keep_server_error(a, challenge);
		r = buf_adds(&raw, a->mech->own->dummy);
	}
	if (r == 0)
		rc = encode_response(raw.data, raw.len, response);
	buf_release(&raw);
	a->round++;
	if (r < 0)
		error_set(err, CAT_CONFIG, N_("%s authentication: the access token is "
					     "longer than %d bytes"), a->mech->name,
			  OWN_RESPONSE_MAX);
	else if (rc != GSASL_OK)
		step_failed(a, rc, err);
	return r < 0 || rc != GSASL_OK ? AUTH_STEP_ERROR : AUTH_STEP_DONE;
}

void auth_add_server_error(const struct auth *a, struct error *err)
{
	if (!a || !a->server_error[0])
		return;
	error_append(err, N_("; the server explained: %s; oauth_token_command must print a "
			     "current access token for this user"), a->server_error);
}

/* The "i=" attribute of a SCRAM server-first message (RFC 5802 5.1:
 * "r=...,s=...,i=4096[,ext]"): 0 when absent, ULONG_MAX when it does not
 * fit, else the count. */
static unsigned long scram_iterations(const char *msg, size_t len)
{
	unsigned long n = 0;
	size_t i, at = 0;

	for (i = 0; i + 1 < len; i++)
		if ((i == 0 || msg[i - 1] == ',') && msg[i] == 'i' && msg[i + 1] == '=') {
			at = i + 2;
			break;
		}
	if (!at)
		return 0;
	for (i = at; i < len && msg[i] >= '0' && msg[i] <= '9'; i++) {
		if (n > (ULONG_MAX - 9) / 10)
			return ULONG_MAX;
		n = n * 10 + (unsigned long)(msg[i] - '0');
	}
	return n;
}

/* Refuse a SCRAM server-first message that asks for too much work. */
static int scram_too_costly(const struct auth *a, const char *in, size_t in_len,
			    struct error *err)
{
	unsigned long iter;

	if (strncmp(a->mech->name, "SCRAM-", 6) != 0 || a->round != 1)
		return 0;
	iter = scram_iterations(in, in_len);
	if (iter <= AUTH_SCRAM_ITERATIONS_MAX)
		return 0;
	if (iter == ULONG_MAX)
		error_set(err, CAT_PROTOCOL, N_("the server asks for an absurd number of %s "
					       "iterations; refusing (at most %lu)"),
			  a->mech->name, AUTH_SCRAM_ITERATIONS_MAX);
	else
		error_set(err, CAT_PROTOCOL, N_("the server asks for %lu %s iterations, more "
					       "than the %lu sendas computes; refusing (a "
					       "server that asks for that many is broken or "
					       "hostile)"),
			  iter, a->mech->name, AUTH_SCRAM_ITERATIONS_MAX);
	return 1;
}

enum auth_step_result auth_step(struct auth *a, const char *challenge,
				char **response, struct error *err)
{
	char *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	int rc;

	*response = NULL;
	if (!challenge && (a->round > 0 || !a->mech->initial_response)) {
		error_set(err, CAT_INTERNAL, N_("%s authentication: a server "
					       "challenge is needed at this step "
					       "(a bug in sendas)"),
			  a->mech->name);
		return AUTH_STEP_ERROR;
	}
	if (a->mech->own)
		return own_step(a, challenge, response, err);
	rc = challenge ? decode_challenge(challenge, &in, &in_len) : GSASL_OK;
	if (rc == GSASL_OK && scram_too_costly(a, in, in_len, err)) {
		free_raw(in, in_len);
		a->round++;
		return AUTH_STEP_ERROR;
	}
	if (rc != GSASL_OK)
		rc = GSASL_BASE64_ERROR;
	else
		rc = gsasl_step(a->session, in, in_len, &out, &out_len);
	free_raw(in, in_len);
	if (rc == GSASL_OK || rc == GSASL_NEEDS_MORE) {
		int erc = encode_response(out, out_len, response);

		if (erc != GSASL_OK)
			rc = erc;
	}
	free_raw(out, out_len);
	if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
		step_failed(a, rc, err);
		a->round++;
		return AUTH_STEP_ERROR;
	}
	a->round++;
	if (rc == GSASL_NEEDS_MORE)
		return AUTH_STEP_MORE;
	/* Nothing more will need the password. */
	scrub_secrets(a->session);
	return AUTH_STEP_DONE;
}

void auth_end(struct auth *a)
{
	if (!a)
		return;
	if (a->session) {
		scrub_secrets(a->session);
		gsasl_finish(a->session);
	}
	if (a->ctx)
		gsasl_done(a->ctx);
	free(a);
}

const char *auth_library_version(void)
{
	return gsasl_check_version(NULL);
}

/* ---- the server side -------------------------------------------------- */

struct auth_server {
	Gsasl *ctx;
	Gsasl_session *session;
	int (*check)(void *ctx, const char *user, const char *password);
	void *check_ctx;
	char *user;               /* accepted by check() */
};

static int server_callback(Gsasl *ctx, Gsasl_session *sctx, Gsasl_property prop)
{
	struct auth_server *s = gsasl_callback_hook_get(ctx);
	const char *user, *authzid, *password;

	if (prop != GSASL_VALIDATE_SIMPLE)
		return GSASL_NO_CALLBACK;
	user = gsasl_property_fast(sctx, GSASL_AUTHID);
	authzid = gsasl_property_fast(sctx, GSASL_AUTHZID);
	password = gsasl_property_fast(sctx, GSASL_PASSWORD);
	if (!user || !password || (authzid && *authzid && strcmp(authzid, user)) ||
	    s->check(s->check_ctx, user, password) != 0)
		return GSASL_AUTHENTICATION_ERROR;
	free(s->user);
	s->user = xstrdup(user);
	return GSASL_OK;
}

struct auth_server *auth_server_start(const char *mech,
				      int (*check)(void *ctx, const char *user,
						   const char *password),
				      void *ctx, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct auth_server *s;
	int rc;

	if (strcmp(mech, "PLAIN") && strcmp(mech, "LOGIN")) {
		error_set(err, CAT_USAGE, N_("the mechanism %s is not offered"), mech);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->check = check;
	s->check_ctx = ctx;
	if ((rc = gsasl_init(&s->ctx)) != GSASL_OK) {
		error_set(err, CAT_INTERNAL, N_("cannot start GNU SASL: %s"), gsasl_words(rc, eno));
		free(s);
		return NULL;
	}
	gsasl_callback_set(s->ctx, server_callback);
	gsasl_callback_hook_set(s->ctx, s);
	if ((rc = gsasl_server_start(s->ctx, mech, &s->session)) != GSASL_OK) {
		error_set(err, CAT_INTERNAL, N_("cannot start GNU SASL: %s"), gsasl_words(rc, eno));
		auth_server_end(s);
		return NULL;
	}
	return s;
}

enum auth_step_result auth_server_step(struct auth_server *s, const char *in,
				       char **challenge, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char *out = NULL;
	int rc = gsasl_step64(s->session, in, &out);

	*challenge = NULL;
	if (rc == GSASL_NEEDS_MORE) {
		*challenge = xstrdup(out ? out : "");
		gsasl_free(out);
		return AUTH_STEP_MORE;
	}
	gsasl_free(out);
	if (rc == GSASL_OK && s->user)
		return AUTH_STEP_DONE;
	if (rc == GSASL_AUTHENTICATION_ERROR || rc == GSASL_OK)
		error_set(err, CAT_AUTH_FAILED, N_("wrong user name or password"));
	else
		error_set(err, CAT_PROTOCOL, N_("the AUTH response is not valid: %s"),
			  gsasl_words(rc, eno));
	return AUTH_STEP_ERROR;
}

const char *auth_server_user(const struct auth_server *s)
{
	return s->user;
}

void auth_server_end(struct auth_server *s)
{
	if (!s)
		return;
	if (s->session)
		gsasl_finish(s->session);
	if (s->ctx)
		gsasl_done(s->ctx);
	free(s->user);
	free(s);
}
