/* pretend.c: see pretend.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "address.h"
#include "conf.h"
#include "i18n.h"
#include "pretend.h"
#include "session.h"
#include "which.h"

static const char *or_unset(const char *s)
{
	return s ? s : _("(not set)");
}

/* The account file (or --host's account) and the account in sel. */
static int choose(const struct options *o, struct conf *conf, struct selection *sel,
		  struct error *err)
{
	char *sender = NULL;
	int r = -1;

	if (session_load_conf(o->config_file, &o->cmdline, o->prog, conf, err) < 0)
		return -1;
	if (o->sender && !(sender = address_mailbox(o->sender, NULL, err)))
		return -1;
	if (!sender && !o->account && !o->cmdline.host && !conf_find(conf, "default"))
		error_set(err, CAT_CONFIG, N_("no account chosen: give -a NAME or -f ADDRESS, or name "
					     "an account \"default\""));
	else
		r = account_select(conf, sender ? sender : "", o->cmdline.host ? "command-line"
				   : o->account ? o->account : sender ? NULL : "default", sel, err);
	free(sender);
	return r;
}

/* msmtp's words: auth "none", "choose" (auto) or the mechanisms. */
static const char *auth_word(const struct account *a)
{
	if (!a->user)
		return _("none");
	return !a->auth || strcmp(a->auth, "auto") == 0 ? _("choose") : a->auth;
}

static void print_account(const struct conf *c, const struct selection *sel)
{
	const struct account *a = sel->account;

	printf(_("using account %s from %s\n"), a->name, c->path);
	printf("host = %s\n", a->host);
	printf("port = %s\n", a->port);
	printf(_("timeout = %d seconds\n"), a->timeout);
	printf("domain = %s\n", a->domain ? a->domain : SESSION_DEFAULT_HELO);
	printf("auth = %s\n", auth_word(a));
	printf("user = %s\n", or_unset(a->user));
	printf("password = %s\n", a->password ? "*" : _("(not set)"));
	printf("passwordeval = %s\n", or_unset(a->password_command));
	printf("password_file = %s\n", or_unset(a->password_file));
	printf("tls = %s\n", a->tls == TLS_SETTING_OFF ? _("off") : _("on"));
	printf("tls_starttls = %s\n", a->tls == TLS_SETTING_IMPLICIT ? _("off") : _("on"));
	printf("tls_trust_file = %s\n", a->tls_trust_file ? a->tls_trust_file : "system");
	printf("tls_fingerprint = %s\n", or_unset(a->tls_fingerprint));
	printf("tls_key_file = %s\n", or_unset(a->tls_key_file));
	printf("tls_cert_file = %s\n", or_unset(a->tls_cert_file));
	printf("tls_priorities = %s\n", or_unset(a->tls_priority));
	printf("from = %s\n", or_unset(a->from));
	printf("rewrite_from = %s\n", or_unset(a->rewrite_from));
	printf("logfile = %s\n", or_unset(a->logfile));
	printf("syslog = %s\n", or_unset(a->syslog));
}

int mode_pretend(const struct options *o)
{
	return which_run(o, choose, print_account);
}
