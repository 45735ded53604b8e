/* SPDX-License-Identifier: GPL-3.0-or-later */
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

static void print_which(const struct conf *c, const struct selection *sel)
{
	(void)c;
	fputs(buf_str(&sel->explanation), stdout);
	print_connection(sel->account);
}

int which_run(const struct options *o, which_choose_fn *chooser, which_print_fn *print)
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
	if (chooser(o, &conf, &sel, &err) < 0) {
		report_failure(stderr, &err, NULL, &(struct report_context){ .prog = o->prog });
		code = category_exit_code(err.category);
	} else {
		print(&conf, &sel);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, _("sendas: cannot write to standard output\n"));
			code = category_exit_code(CAT_IO);
		}
	}
	selection_release(&sel);
	conf_release(&conf);
	return code;
}

int mode_which(const struct options *o)
{
	return which_run(o, choose, print_which);
}
