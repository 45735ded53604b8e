/* SPDX-License-Identifier: GPL-3.0-or-later */
/* auth.h: SMTP AUTH mechanisms.  auth.c is the only file that includes GNU SASL.
 *
 * This module does no I/O.  The SMTP engine asks which mechanism to use,
 * starts it, and then feeds each server challenge through auth_step() and
 * sends what comes back, until the server answers 235 or refuses.
 *
 * Mechanisms are chosen by our own preference table, never by
 * gsasl_client_suggest_mechanism(): in GNU SASL 2.2 that prefers NTLM over
 * PLAIN and picks -PLUS mechanisms with no channel binding available.
 *
 * OAuth 2.0 (XOAUTH2, OAUTHBEARER from RFC 7628) is written here by hand:
 * GNU SASL 2.2 has neither.  With a token in struct auth_params, "auto" means
 * OAUTHBEARER, then XOAUTH2, and nothing else: a token is never sent as a
 * password (PLAIN, LOGIN).  When the server refuses a token it sends a 334
 * with a base64 JSON error; auth_step() keeps it, answers as the mechanism
 * demands (XOAUTH2 an empty line, OAUTHBEARER ^A), and after the server's
 * final refusal auth_add_server_error() puts it into the error.
 *
 * Secrets: the password and the token are borrowed, never copied outside GNU
 * SASL's property store or our own wiped buffers; every string auth_step()
 * returns is the caller's to wipe and free (free_secret() in xalloc.h), since
 * it may encode them.  All strings in struct auth_params are borrowed and must
 * outlive the struct auth.
 *
 * Errors, besides those named below: CAT_CONFIG for a user list naming an
 * unknown mechanism, or one that does not fit the credential (a password
 * mechanism with a token, an OAuth one without), for a token that is not
 * an RFC 6750 b64token, or a user name/password that SASLprep refuses;
 * CAT_INTERNAL when GNU SASL itself fails. */
#ifndef SENDAS_AUTH_H
#define SENDAS_AUTH_H

#include "error.h"

struct auth_params {
	const char *user;
	const char *password;
	/* NULL or "auto": the cheapest safe mechanism the server offers.
	 * SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS first (only with channel
	 * binding: they also prove that no one sits between us and the
	 * server); then, on a TLS connection whose certificate was verified
	 * (verified_tls), PLAIN, which costs no round trip of its own (it can
	 * be pipelined, RFC 4954 section 4) where SCRAM costs three, and is as
	 * safe there: the password goes only to the server the certificate
	 * names; then SCRAM-SHA-256, SCRAM-SHA-1, (PLAIN), LOGIN.  Otherwise a
	 * list of mechanisms separated by spaces or commas, case-insensitive,
	 * tried in the user's order; this is how CRAM-MD5 and others are
	 * enabled. */
	const char *mechanisms;
	const char *cb_exporter;  /* base64 tls-exporter data, or NULL */
	const char *cb_unique;    /* base64 tls-unique data, or NULL */
	/* An OAuth 2.0 access token (oauth_token_command), or NULL.  With it,
	 * "auto" offers OAUTHBEARER and XOAUTH2 only. */
	const char *token;
	const char *host;         /* for OAUTHBEARER's host= and port=; NULL: left out */
	const char *port;
	/* AUTH runs over TLS with a certificate verified against a trust
	 * store and the host name, or a pinned fingerprint (tls.h: there is
	 * no unverified TLS); "auto" then prefers PLAIN to SCRAM. */
	int verified_tls;
};

/* Pick the mechanism from the server's AUTH capability (space separated).
 * Returns a static upper-case name, or NULL and err (CAT_AUTH_REQUIRED: no
 * common mechanism, with the offered and the acceptable lists in the text). */
const char *auth_choose(const char *offered, const struct auth_params *p,
			struct error *err);

struct auth;

/* Start a client session for mech.  NULL and err (CAT_INTERNAL or
 * CAT_CONFIG when, say, the user name is missing). */
struct auth *auth_start(const char *mech, const struct auth_params *p,
			struct error *err);

/* Whether the mechanism sends an initial response with the AUTH command
 * (RFC 4954 section 4): true for PLAIN, SCRAM-*, XOAUTH2, OAUTHBEARER;
 * false for LOGIN and CRAM-MD5, which wait for the server's challenge. */
int auth_has_initial_response(const struct auth *a);

/* Traits of a mechanism by name (any case), from the one table in auth.c;
 * 0 for an unknown name or NULL. */
/* Its AUTH line is all it sends and the only answers are 235 or a
 * refusal, so commands may be pipelined after it (PLAIN). */
int auth_mech_one_round(const char *name);
/* It takes the OAuth token, not the password (XOAUTH2, OAUTHBEARER). */
int auth_mech_takes_token(const char *name);

enum auth_step_result {
	AUTH_STEP_ERROR = -1,
	AUTH_STEP_DONE = 0,       /* this was the last message we need to send */
	AUTH_STEP_MORE = 1,       /* expect another challenge */
};

/* A SCRAM server names the PBKDF2 iteration count the client must compute
 * (RFC 5802 5.1 "i="): 4096 is usual, OWASP's advice for stored passwords
 * is 600,000.  2^31 would take this computer about 25 minutes of CPU, so a
 * server that asks for more than this is refused before any is spent. */
#define AUTH_SCRAM_ITERATIONS_MAX 1000000UL

/* One step.  challenge is the base64 text after "334 " (NULL for the initial
 * response); *response becomes the base64 answer to send (possibly ""), which
 * the caller wipes and frees.  Errors: CAT_AUTH_FAILED when the server's
 * challenge is invalid or the server's SCRAM signature does not verify;
 * CAT_PROTOCOL when a SCRAM server asks for more than
 * AUTH_SCRAM_ITERATIONS_MAX iterations. */
/* If the server says 235 while the last step returned AUTH_STEP_MORE, it
 * skipped a step the mechanism needs (SCRAM: the server's proof that it
 * knows the password), and the caller must treat the login as failed. */
enum auth_step_result auth_step(struct auth *a, const char *challenge,
				char **response, struct error *err);

/* After the server refused the login (a reply other than 334 and 235):
 * when it had explained itself in a challenge first (the JSON error of
 * XOAUTH2 and OAUTHBEARER), add that explanation, decoded and quoted safely,
 * to err's text.  Nothing otherwise. */
void auth_add_server_error(const struct auth *a, struct error *err);

/* Wipe and free.  NULL is fine. */
void auth_end(struct auth *a);

/* ---- the server side (the smarthost, issue 16) ----
 * PLAIN (RFC 4616) and LOGIN, through GNU SASL's server mechanisms; the
 * password check is the caller's check(ctx, user, password), 0 when the
 * password is right.  A PLAIN authorization identity other than the user
 * is refused.  The password is seen only inside check(). */
#define AUTH_SERVER_MECHS "PLAIN LOGIN"

struct auth_server;

/* NULL and err (CAT_USAGE: a mechanism we do not serve; CAT_INTERNAL). */
struct auth_server *auth_server_start(const char *mech,
				      int (*check)(void *ctx, const char *user,
						   const char *password),
				      void *ctx, struct error *err);

/* One step: in is the client's base64 response ("" for none yet).
 * AUTH_STEP_MORE and *challenge (base64, the caller frees it) to send in a
 * 334; AUTH_STEP_DONE when check() accepted; AUTH_STEP_ERROR and err:
 * CAT_AUTH_FAILED (wrong user or password), CAT_PROTOCOL (not base64, not
 * the mechanism's form). */
enum auth_step_result auth_server_step(struct auth_server *s, const char *in,
				       char **challenge, struct error *err);

/* The user check() accepted (valid until auth_server_end()), or NULL. */
const char *auth_server_user(const struct auth_server *s);

void auth_server_end(struct auth_server *s);

/* The library version string, for --version. */
const char *auth_library_version(void);

#endif
