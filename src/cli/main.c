/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: locale, options, the chosen mode, its exit code.  Nothing else. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include <idn2.h>

#include "auth.h"
#include "check.h"
#include "bs.h"
#include "smarthost.h"
#include "cli.h"
#include "conf.h"
#include "flush.h"
#include "i18n.h"
#include "import.h"
#include "mailq.h"
#include "pretend.h"
#include "probe.h"
#include "secret.h"
#include "send.h"
#include "serverinfo.h"
#include "session.h"
#include "sysmail.h"
#include "configure.h"
#include "doctor.h"
#include "tls.h"
#include "which.h"

/* --version: ours, the libraries', and the account file we would read. */
static int mode_version(const struct options *o)
{
	struct error err;
	char *path;

	printf("sendas %s\n", PACKAGE_VERSION);
	printf("GnuTLS %s, GNU SASL %s, libidn2 %s, inih %s\n", tls_library_version(),
	       auth_library_version(), idn2_check_version(NULL), INIH_VERSION);
	error_clear(&err);
	path = conf_locate(o->config_file, &err);
	/* The places looked in are in sendas-accounts(5); one short line here. */
	if (path)
		printf(_("account file: %s\n"), path);
	else
		printf(_("account file: none (see sendas-accounts(5))\n"));
	free(path);
	return EX_OK;
}

static int mode_help(const struct options *o)
{
	char *usage = cli_usage();

	(void)o;
	fputs(usage, stdout);
	free(usage);
	return EX_OK;
}

/* newaliases: check the aliases file the account file names (the first
 * account with aliases set), else /etc/aliases. */
static int mode_newaliases(const struct options *o)
{
	struct conf conf = { 0 };
	struct error err;
	char *path = NULL;
	size_t i;
	int code;

	error_clear(&err);
	if (session_load_accounts(o->config_file, &conf, &err) == 0)
		for (i = 0; !path && i < conf.naccounts; i++)
			if (conf.accounts[i].aliases)
				path = sysmail_aliases_path(&conf.accounts[i]);
	code = sysmail_newaliases(path);
	free(path);
	conf_release(&conf);
	return code;
}

/* Every mode is a client of the same pieces; main only dispatches. */
static int (*const modes[])(const struct options *o) = {
	[MODE_SEND] = mode_send,
	[MODE_QUEUE_LIST] = mode_queue_list,
	[MODE_QUEUE_IDS] = mode_queue_list,
	[MODE_QUEUE_FLUSH] = mode_queue_flush,
	[MODE_QUEUE_DELETE] = mode_queue_delete,
	[MODE_QUEUE_RETRY] = mode_queue_retry,
	[MODE_CHECK_CONFIG] = mode_check_config,
	[MODE_WHICH] = mode_which,
	[MODE_SERVERINFO] = mode_serverinfo,
	[MODE_PROBE] = mode_probe,
	[MODE_CHECK] = mode_check,
	[MODE_CONFIGURE] = mode_configure,
	[MODE_NEWALIASES] = mode_newaliases,
	[MODE_HELP] = mode_help,
	[MODE_VERSION] = mode_version,
	[MODE_IMPORT_MSMTPRC] = mode_import_msmtprc,
	[MODE_PRETEND] = mode_pretend,
	[MODE_SMTP] = mode_bs,
	[MODE_SMTPD] = mode_smarthost,
};

int main(int argc, char *argv[])
{
	const char *localedir = secure_getenv("SENDAS_LOCALEDIR");
	struct options o;
	struct error err;

	setlocale(LC_ALL, "");
	/* SENDAS_LOCALEDIR: the tests' catalogs, before installation. */
	bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
	textdomain(PACKAGE);

	/* No core file, no ptrace, for every mode: the account file, passwords,
	 * tokens and TLS keys may all be read below. */
	secret_protect_process();
	error_clear(&err);
	if (cli_parse(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "%s: %s\n", o.prog ? o.prog : "sendas", err.text);
		fputs(_("Try 'sendas --help'.\n"), stderr);
		return EX_USAGE;
	}
	if ((size_t)o.mode >= sizeof modes / sizeof modes[0] || !modes[o.mode]) {
		fprintf(stderr, "sendas: internal error: mode %d has no handler\n", (int)o.mode);
		return EX_SOFTWARE;
	}
	return modes[o.mode](&o);
}
