/* SPDX-License-Identifier: GPL-3.0-or-later */
/* serverinfo.c: see serverinfo.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "conf.h"
#include "escape.h"
#include "i18n.h"
#include "report.h"
#include "serverinfo.h"
#include "session.h"

#define TLS_DESCRIPTION_MAX (64 * 1024)

/* -a, or the only account. */
static const struct account *choose(const struct options *o, const struct conf *c,
				    struct error *err)
{
	const struct account *a;

	if (o->account) {
		a = conf_find(c, o->account);
		if (!a)
			error_set(err, CAT_CONFIG, N_("%s: there is no account %s"), c->path,
				  o->account);
		return a;
	}
	if (c->naccounts == 1)
		return &c->accounts[0];
	error_set(err, CAT_USAGE, N_("%s has %zu accounts: name one with -a ACCOUNT"),
		  c->path, c->naccounts);
	return NULL;
}

/* The last reply the observer kept for step st, or NULL. */
static const struct reply *last_reply(const struct report_observer *obs,
				      enum smtp_state st)
{
	size_t i;

	for (i = obs->nreplies; i-- > 0;)
		if (obs->replies[i].step == st)
			return &obs->replies[i].reply;
	return NULL;
}

static void print_lines(const char *title, const struct reply *r)
{
	char shown[REPLY_LINE_MAX * 4 + 1];
	const char *line;
	size_t len;
	int i;

	printf("%s\n", title);
	for (i = 0; i < r->nlines; i++) {
		line = reply_raw_line(r, i, &len);
		escape_into(shown, sizeof shown, line, len);
		printf("  %s\n", shown);
	}
}

/* What the server said and showed, in the order it came, as far as the
 * session got: the greeting, the last EHLO reply and the TLS session and
 * chain (the EHLO after TLS when TLS worked, else the one before). */
static void print_dialogue(const struct report_observer *obs, const struct buf *tls,
			   int tls_worked)
{
	const struct reply *greeting = last_reply(obs, SMTP_GREETING);
	const struct reply *ehlo = last_reply(obs, SMTP_EHLO);

	if (greeting)
		print_lines(_("greeting:"), greeting);
	if (ehlo && !tls_worked)
		print_lines(_("capabilities (the last EHLO reply):"), ehlo);
	fputs(buf_str(tls), stdout);
	if (ehlo && tls_worked)
		print_lines(_("capabilities (the last EHLO reply):"), ehlo);
}

static void print_limits(const struct smtp_result *res)
{
	printf(_("AUTH mechanisms: %s\n"), res->auth_offered ? res->auth_offered
	       : _("none offered"));
	if (res->caps & CAP_SIZE && res->size_limit)
		printf(_("SIZE limit: %lu bytes\n"), res->size_limit);
	else if (res->caps & CAP_SIZE)
		printf(_("SIZE limit: none announced\n"));
	else
		printf(_("SIZE limit: SIZE not offered\n"));
}

int mode_serverinfo(const struct options *o)
{
	struct conf conf;
	struct error err;
	struct session_setup setup;
	struct report_observer obs;
	struct smtp_result res;
	struct smtp_session *s = NULL;
	const struct account *a = NULL;
	struct buf tls;
	int code = 0;

	error_clear(&err);
	session_setup_init(&setup);
	report_observer_init(&obs, o->verbose ? stderr : NULL);
	smtp_result_init(&res);
	buf_init(&tls, TLS_DESCRIPTION_MAX);
	if (session_load_conf(o->config_file, &o->cmdline, o->prog, &conf, &err) == 0)
		a = choose(o, &conf, &err);
	if (a) {
		printf(_("server: %s:%s (account %s, tls %s)\n"), a->host, a->port, a->name,
		       tls_setting_name(a->tls));
		session_params(a, 0, report_observe, &obs, &setup);
		setup.smtp.on_reply = report_observe_reply;
		setup.smtp.tls.refused_chain = &tls;
		s = smtp_open(&setup.smtp, &res, &err);
	}
	if (s) {
		smtp_describe_tls(s, &tls);
		print_dialogue(&obs, &tls, 1);
		print_limits(&res);
		smtp_close(s);
	} else {
		print_dialogue(&obs, &tls, 0);
		if (tls.len)
			printf(_("the certificate does not verify: sendas refuses to send "
				 "through this server as the account is configured\n"));
		fflush(stdout);
		report_failure(stderr, &err, a ? &res : NULL, &(struct report_context){
			.prog = o->prog, .account = a ? a->name : NULL, .host = a ? a->host : NULL,
			.port = a ? a->port : NULL });
		code = category_exit_code(err.category);
	}
	fflush(stdout);
	buf_release(&tls);
	smtp_result_release(&res);
	report_observer_release(&obs);
	session_setup_release(&setup);
	conf_release(&conf);
	return code;
}
