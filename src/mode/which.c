/* which.c: see which.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "account.h"
#include "address.h"
#include "classify.h"
#include "conf.h"
#include "handoff.h"
#include "i18n.h"
#include "report.h"
#include "session.h"
#include "which.h"

/* The account file and the choice, as the send mode makes them. */
static int choose(const struct options *o, struct conf *conf, struct selection *sel,
		  struct error *err)
{
	char *sender = NULL;
	int r = -1;

	if (session_load_accounts(o->config_file, conf, err) == 0 &&
	    (sender = address_mailbox(o->which, NULL, err)))
		r = account_select(conf, sender, o->account, sel, err);
	free(sender);
	return r;
}

/* Where the chosen account would connect and log in. */
static void print_connection(const struct account *a)
{
	printf(_("server: %s:%s (tls %s)\n"), a->host, a->port, tls_setting_name(a->tls));
	if (a->user)
		printf(_("login: %s\n"), a->user);
	else
		printf(_("login: none (no user: sendas does not authenticate)\n"));
}

int mode_which(const struct options *o)
{
	struct conf conf = { 0 };
	struct selection sel;
	struct error err;
	int code = 0;

	if (handoff_wanted(o->config_file)) {
		printf(_("no account file you can read: the message for %s would go to the local "
			 "submission service at %s, which chooses the account (allow_users and "
			 "local_senders in its account file say what you may use)\n"),
		       o->which, handoff_socket_path());
		return 0;
	}
	error_clear(&err);
	selection_init(&sel);
	if (choose(o, &conf, &sel, &err) < 0) {
		report_failure(stderr, &err, NULL, &(struct report_context){ .account = NULL });
		code = category_exit_code(err.category);
	} else {
		fputs(buf_str(&sel.explanation), stdout);
		print_connection(sel.account);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, _("sendas: cannot write to standard output\n"));
			code = category_exit_code(CAT_IO);
		}
	}
	selection_release(&sel);
	conf_release(&conf);
	return code;
}
