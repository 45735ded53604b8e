/* session.c: see session.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "secret.h"
#include "session.h"
#include "xalloc.h"

static void warn_stderr(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "sendas: %s\n", text);
}

int session_load_accounts(const char *config_file, struct conf *c, struct error *err)
{
	char *path = conf_locate(config_file, err);
	int r;

	memset(c, 0, sizeof *c);
	if (!path)
		return -1;
	r = conf_load(c, path, warn_stderr, NULL, err);
	free(path);
	return r;
}

void session_setup_init(struct session_setup *s)
{
	memset(s, 0, sizeof *s);
}

void session_setup_release(struct session_setup *s)
{
	free_secret(s->password);
	free_secret(s->token);
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
