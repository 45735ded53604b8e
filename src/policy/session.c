/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session.c: see session.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "secret.h"
#include "session.h"
#include "xalloc.h"

/* ctx: the program's name, or NULL for "sendas". */
static void warn_stderr(void *ctx, const char *text)
{
	fprintf(stderr, "%s: %s\n", ctx ? (const char *)ctx : "sendas", text);
}

/* The account file, its warnings on stderr after prog (NULL: "sendas"). */
static int load_accounts(const char *config_file, char *prog, struct conf *c,
			 struct error *err)
{
	char *path = conf_locate(config_file, err);
	int r;

	memset(c, 0, sizeof *c);
	if (!path)
		return -1;
	r = conf_load(c, path, warn_stderr, prog, err);
	free(path);
	return r;
}

int session_load_accounts(const char *config_file, struct conf *c, struct error *err)
{
	return load_accounts(config_file, NULL, c, err);
}

int session_load_conf(const char *config_file, const struct msmtp_settings *cmdline,
		      const char *prog, struct conf *c, struct error *err)
{
	char name[16];

	snprintf(name, sizeof name, "%s", prog ? prog : "sendas");
	if (!cmdline || !cmdline->host)
		return load_accounts(config_file, name, c, err);
	msmtprc_cmdline_conf(cmdline, c);
	return 0;
}

void session_setup_init(struct session_setup *s)
{
	memset(s, 0, sizeof *s);
}

void session_setup_release(struct session_setup *s)
{
	free_secret(s->password);
	free_secret(s->token);
	free(s->host);
	memset(s, 0, sizeof *s);
}

int session_credentials(const struct account *a, struct session_setup *s,
			struct error *err)
{
	if (!a->user)
		return 0;
	if (a->oauth_token_command)
		s->token = secret_oauth_token(a, err);
	else
		s->password = secret_password(a, err);
	return s->token || s->password ? 0 : -1;
}

void session_params(const struct account *a, int login, smtp_trace_fn *trace,
		    void *trace_ctx, struct session_setup *s)
{
	static const enum smtp_tls_mode modes[] = {
		[TLS_SETTING_STARTTLS] = SMTP_TLS_STARTTLS,
		[TLS_SETTING_IMPLICIT] = SMTP_TLS_IMPLICIT,
		[TLS_SETTING_OFF] = SMTP_TLS_OFF,
	};

	s->auth = (struct auth_params){ .user = a->user, .password = s->password,
					.mechanisms = a->auth, .token = s->token,
					.host = a->host, .port = a->port,
					/* smtp.c authenticates only over TLS, and
					 * tls.c only ever verifies */
					.verified_tls = a->tls != TLS_SETTING_OFF };
	s->smtp = (struct smtp_params){
		.host = a->host, .port = a->port, .tls_mode = modes[a->tls],
		.tls = { .host = a->host, .trust_file = a->tls_trust_file,
			 .fingerprint = a->tls_fingerprint, .cert_file = a->tls_cert_file,
			 .key_file = a->tls_key_file, .priority = a->tls_priority,
			 .after_starttls = a->tls == TLS_SETTING_STARTTLS },
		.helo_name = a->domain ? a->domain : SESSION_DEFAULT_HELO,
		.timeout = a->timeout,
		.final_timeout = a->final_reply_timeout,
		.deadline = a->session_deadline,
		.auth = login && a->user ? &s->auth : NULL,
		.trace = trace,
		.trace_ctx = trace_ctx,
		.classify = classify_reply,
	};
}

/* A failure before the session was ready that another server may not
 * have: not the login or later, nor a local one. */
static int worth_next_host(const struct smtp_result *res, const struct error *err)
{
	static const enum category local[] = { CAT_CONFIG, CAT_INTERNAL, CAT_IO, CAT_USAGE };
	size_t i;

	if (res->stage > SMTP_TLS)
		return 0;
	for (i = 0; i < sizeof local / sizeof local[0]; i++)
		if (err->category == local[i])
			return 0;
	return 1;
}

static void use_host(struct session_setup *s, const char *host, size_t len)
{
	free(s->host);
	s->host = xstrndup(host, len);
	s->smtp.host = s->smtp.tls.host = s->auth.host = s->host;
}

struct smtp_session *session_open(struct session_setup *s, const struct account *a,
				  struct smtp_result *res, struct error *err)
{
	const char *next = a->hosts ? a->hosts : a->host;
	struct smtp_session *ss;
	char note[ERROR_TEXT_MAX + 128];
	size_t len;

	for (;;) {
		len = strcspn(next, ",");
		use_host(s, next, len);
		next += len;
		ss = smtp_open(&s->smtp, res, err);
		if (ss || !*next || !worth_next_host(res, err))
			return ss;
		next++;
		if (s->smtp.trace) {
			len = (size_t)snprintf(note, sizeof note, "%s failed (%s); trying the next "
					       "host, %.*s", s->host, err->text,
					       (int)strcspn(next, ","), next);
			s->smtp.trace(s->smtp.trace_ctx, '*', note,
				      len < sizeof note ? len : sizeof note - 1);
		}
		smtp_result_release(res);
		smtp_result_init(res);
	}
}
