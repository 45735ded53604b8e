/* main.c: locale, options, the chosen mode, its exit code.  Nothing else. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "auth.h"
#include "cli.h"
#include "i18n.h"
#include "send.h"
#include "tls.h"

static int show_version(void)
{
	printf("sendas %s\n", PACKAGE_VERSION);
	printf("GnuTLS %s, GNU SASL %s\n", tls_library_version(), auth_library_version());
	return EX_OK;
}

int main(int argc, char *argv[])
{
	struct options o;
	struct error err;
	char *usage;

	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);

	error_clear(&err);
	if (cli_parse(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "sendas: %s\n%s", err.text, _("Try 'sendas --help'.\n"));
		return EX_USAGE;
	}
	switch (o.mode) {
	case MODE_HELP:
		usage = cli_usage();
		fputs(usage, stdout);
		free(usage);
		return EX_OK;
	case MODE_VERSION:
		return show_version();
	case MODE_NEWALIASES:
		puts(_("sendas keeps no aliases database; there is nothing to rebuild."));
		return EX_OK;
	case MODE_SEND:
		return mode_send(&o);
	default:
		fprintf(stderr, _("sendas: this mode is not available yet\n"));
		return EX_UNAVAILABLE;
	}
}
