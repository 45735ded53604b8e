/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session.h: an account's settings as SMTP session parameters.
 *
 * The one place that turns an account (conf.h) into struct smtp_params and
 * struct auth_params, for every mode that connects (send, --probe,
 * --serverinfo), and fetches its credentials.
 *
 * Ownership: struct session_setup is the caller's; the password and the
 * token are secrets it owns, wiped by session_setup_release().  The
 * parameters point into the account and into the setup itself, so both
 * must outlive the session. */
#ifndef SENDAS_SESSION_H
#define SENDAS_SESSION_H

#include "conf.h"
#include "error.h"
#include "msmtprc.h"
#include "smtp.h"

#define SESSION_DEFAULT_HELO "localhost"   /* as msmtp: names no host of ours */

struct session_setup {
	struct smtp_params smtp;
	struct auth_params auth;
	char *host;               /* session_open(): the host used, or tried last */
	char *password;           /* secret */
	char *token;              /* secret: OAuth access token */
};

/* The account file as -C (config_file, or NULL) and conf_locate() say,
 * warnings on stderr.  c needs no initialisation; conf_release() it. */
int session_load_accounts(const char *config_file, struct conf *c, struct error *err);

/* With cmdline->host set (msmtp's --host), c holds the one account the
 * command line makes (msmtprc_cmdline_conf()); else as
 * session_load_accounts(), its warnings after prog (the name the program
 * was called by; NULL: "sendas").  cmdline may be NULL. */
int session_load_conf(const char *config_file, const struct msmtp_settings *cmdline,
		      const char *prog, struct conf *c, struct error *err);

void session_setup_init(struct session_setup *s);
void session_setup_release(struct session_setup *s);

/* The account's token (oauth_token_command: then no password, which would
 * never be sent anyway: auth.c gives a token only to OAUTHBEARER and
 * XOAUTH2) or password.  Without user, no AUTH and no credentials: 0.
 * -1 and err as secret_password() and secret_oauth_token() say. */
int session_credentials(const struct account *a, struct session_setup *s,
			struct error *err);

/* Fill s->smtp and s->auth from a.  login: authenticate (a->user must be set
 * and session_credentials() done); else the session does not log in.  The
 * trace goes to trace(trace_ctx, ...) when trace is not NULL. */
void session_params(const struct account *a, int login, smtp_trace_fn *trace,
		    void *trace_ctx, struct session_setup *s);

/* After session_params(): open a session to a's host, or, when host lists
 * several (a->hosts), to each in order until one works.  The next host is
 * tried when connecting, the greeting, EHLO, STARTTLS or the TLS handshake
 * failed (a dead server, one that refuses or is busy, a broken or
 * untrustworthy TLS), never later: a refused login would be refused by
 * the next server too, and no transaction has started, so nothing can be
 * sent twice.  s->host (and s->smtp.host) say which host was used, or,
 * on failure, tried last; res and err are that host's.  As smtp_open(). */
struct smtp_session *session_open(struct session_setup *s, const struct account *a,
				  struct smtp_result *res, struct error *err);

#endif
