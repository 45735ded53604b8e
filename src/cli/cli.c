/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c: see cli.h.
 *
 * Why not getopt(3): it keeps its state in globals (optind, optarg), so a
 * unit test cannot parse twice without glibc's "optind = 0" trick; it prints
 * its own untranslated complaints to stderr where we want a struct error that
 * names the option; glibc permutes arguments unless told not to, so that a
 * recipient list "a@b -X/var/www/x.php" would turn into options; -q takes an
 * optional attached argument only as a GNU extension; and short and long
 * forms would live in two tables (a string and an array) that drift apart.
 * A table walked by a few lines of our own keeps sendmail's grammar exact:
 * clustered letters (-ti), attached or separate arguments (-B8BITMIME,
 * -B 8BITMIME, -hN, -h N), and -b/-o whose argument is itself a mode or an
 * option (-bm, -oi, -oem). */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "buf.h"
#include "cli.h"
#include "i18n.h"

#define OPTION_NAME_MAX 64     /* of an option shown in a message */
#define HELP_MAX 8192          /* the --help text */
#define HELP_COLUMN 26         /* where the help text of an option starts */
#define HELP_WIDTH 79          /* the widest line of --help */

#define FIELD(f) offsetof(struct options, f)

static int set_sender(struct options *o, const char *name, const char *arg,
			struct error *err);
static int set_b_mode(struct options *o, const char *name, const char *arg,
			struct error *err);
static int set_which(struct options *o, const char *name, const char *arg,
			struct error *err);
static int set_o_option(struct options *o, const char *name, const char *arg,
			struct error *err);
static int set_queue(struct options *o, const char *name, const char *arg,
			struct error *err);
static int check_body_type(struct options *o, const char *name, const char *arg,
			struct error *err);
static int check_notify(struct options *o, const char *name, const char *arg,
			struct error *err);
static int check_ret(struct options *o, const char *name, const char *arg,
			struct error *err);
static int check_envid(struct options *o, const char *name, const char *arg,
			struct error *err);
static int check_full_name(struct options *o, const char *name, const char *arg,
			struct error *err);
static int set_probe_max(struct options *o, const char *name, const char *arg,
			struct error *err);
static int set_logfile(struct options *o, const char *name, const char *arg,
		       struct error *err);
static int set_tls(struct options *o, const char *name, const char *arg,
		   struct error *err);
static int set_tls_starttls(struct options *o, const char *name, const char *arg,
			    struct error *err);
static int set_auth(struct options *o, const char *name, const char *arg,
		    struct error *err);
static int check_port(struct options *o, const char *name, const char *arg,
		      struct error *err);

const struct cli_option cli_options[] = {
	{ 't', "read-recipients", CLI_ARG_NONE, NULL,
	  N_("also send to the message's To, Cc and Bcc"), CLI_FLAG, FIELD(read_recipients), 0, NULL, NULL },
	{ 'f', "from", CLI_ARG_REQUIRED, N_("ADDRESS"),
	  N_("envelope sender; '<>' or '' for the null sender"),
	  CLI_CALL, 0, 0, set_sender, NULL },
	{ 'r', NULL, CLI_ARG_REQUIRED, N_("ADDRESS"), N_("the same as -f (obsolete)"),
	  CLI_CALL, 0, 0, set_sender, NULL },
	{ 'F', "full-name", CLI_ARG_REQUIRED, N_("NAME"),
	  N_("the sender's name, for a From: field that sendas adds"),
	  CLI_STRING, FIELD(full_name), 0, check_full_name, NULL },
	{ 'i', "ignore-dots", CLI_ARG_NONE, NULL,
	  N_("a lone '.' line does not end the message (also -oi)"),
	  CLI_FLAG, FIELD(ignore_dots), 0, NULL, NULL },
	{ 'B', "body-type", CLI_ARG_REQUIRED, N_("TYPE"), N_("7BIT or 8BITMIME"),
	  CLI_STRING, FIELD(body_type), 0, check_body_type, NULL },
	{ 'N', "dsn-notify", CLI_ARG_REQUIRED, N_("WHEN"),
	  N_("notify: never, or a list of success,failure,delay"),
	  CLI_STRING, FIELD(dsn_notify), 0, check_notify, NULL },
	{ 'R', "dsn-return", CLI_ARG_REQUIRED, N_("WHAT"),
	  N_("what a bounce returns: full or hdrs"),
	  CLI_STRING, FIELD(dsn_ret), 0, check_ret, NULL },
	{ 'V', "dsn-envid", CLI_ARG_REQUIRED, N_("ID"),
	  N_("an envelope ID for delivery status notifications"),
	  CLI_STRING, FIELD(envid), 0, check_envid, NULL },
	{ 'v', "verbose", CLI_ARG_NONE, NULL, N_("show the SMTP dialogue (secrets hidden)"),
	  CLI_COUNT, FIELD(verbose), 0, NULL, NULL },
	{ 'a', "account", CLI_ARG_REQUIRED, N_("NAME"),
	  N_("send through this account, whatever the sender"),
	  CLI_STRING, FIELD(account), 0, NULL, NULL },
	{ 'C', "config", CLI_ARG_REQUIRED, N_("FILE"), N_("read accounts from FILE"),
	  CLI_STRING, FIELD(config_file), 0, NULL, NULL },
	{ 0, "send", CLI_ARG_NONE, NULL,
	  N_("send the message on standard input (default; -bm)"),
	  CLI_MODE, 0, MODE_SEND, NULL, NULL },
	{ 0, "smtp", CLI_ARG_NONE, NULL,
	  N_("speak SMTP on standard input and output (also -bs)"),
	  CLI_MODE, 0, MODE_SMTP, NULL, NULL },
	{ 0, "smtpd", CLI_ARG_NONE, NULL,
	  N_("serve SMTP from the network as a smarthost (smtpd.ini)"),
	  CLI_MODE, 0, MODE_SMTPD, NULL, NULL },
	{ 0, "list-queue", CLI_ARG_NONE, NULL, N_("list the queue (also -bp, mailq)"),
	  CLI_MODE, 0, MODE_QUEUE_LIST, NULL, NULL },
	{ 'q', "flush", CLI_ARG_ATTACHED, NULL, N_("send what is in the queue"),
	  CLI_CALL, 0, 0, set_queue, NULL },
	{ 0, "due", CLI_ARG_NONE, NULL,
	  N_("with -q: only what is due (timer units)"),
	  CLI_FLAG, FIELD(due_only), 0, NULL, NULL },
	{ 0, "queue-ids", CLI_ARG_NONE, NULL, N_("print the IDs in the queue, one a line"),
	  CLI_MODE, 0, MODE_QUEUE_IDS, NULL, NULL },
	{ 0, "queue-delete", CLI_ARG_NONE, NULL,
	  N_("delete the queued messages whose IDs follow"),
	  CLI_MODE, 0, MODE_QUEUE_DELETE, NULL, NULL },
	{ 0, "queue-retry", CLI_ARG_NONE, NULL,
	  N_("make the queued messages whose IDs follow due now"),
	  CLI_MODE, 0, MODE_QUEUE_RETRY, NULL, NULL },
	{ 0, "which", CLI_ARG_REQUIRED, N_("SENDER"),
	  N_("show which account would send for SENDER, and why"),
	  CLI_CALL, 0, 0, set_which, NULL },
	{ 0, "json", CLI_ARG_NONE, NULL,
	  N_("print the result as JSON lines on standard output"),
	  CLI_FLAG, FIELD(json), 0, NULL, NULL },
	{ 0, "serverinfo", CLI_ARG_NONE, NULL,
	  N_("show the server's offers and its certificate"),
	  CLI_MODE, 0, MODE_SERVERINFO, NULL, NULL },
	{ 0, "check", CLI_ARG_NONE, NULL,
	  N_("check every account, or those named, step by step"),
	  CLI_MODE, 0, MODE_CHECK, NULL, NULL },
	{ 0, "configure", CLI_ARG_NONE, NULL,
	  N_("propose and check an account for an address"),
	  CLI_MODE, 0, MODE_CONFIGURE, NULL, NULL },
	{ 0, "append", CLI_ARG_NONE, NULL,
	  N_("with --configure: add the account to the account file"),
	  CLI_FLAG, FIELD(append), 0, NULL, NULL },
	{ 0, "probe", CLI_ARG_NONE, NULL,
	  N_("test which senders (arguments) the account may use"),
	  CLI_MODE, 0, MODE_PROBE, NULL, NULL },
	{ 0, "probe-rcpt", CLI_ARG_REQUIRED, N_("ADDRESS"),
	  N_("the --probe recipient (default: the account's own)"),
	  CLI_STRING, FIELD(probe_rcpt), 0, NULL, NULL },
	{ 0, "probe-data", CLI_ARG_NONE, NULL,
	  N_("with --probe: send a marked test message each"),
	  CLI_FLAG, FIELD(probe_data), 0, NULL, NULL },
	{ 0, "probe-max", CLI_ARG_REQUIRED, "N",
	  N_("test at most N senders per run (default 10)"),
	  CLI_CALL, 0, 0, set_probe_max, NULL },
	{ 0, "read-envelope-from", CLI_ARG_NONE, NULL,
	  N_("take the sender from the From: field, even with -f"),
	  CLI_FLAG, FIELD(read_envelope_from), 0, NULL, NULL },
	{ 0, "import-msmtprc", CLI_ARG_NONE, NULL,
	  N_("print an msmtprc (FILE, ~/.msmtprc) as account file"),
	  CLI_MODE, 0, MODE_IMPORT_MSMTPRC, NULL, NULL },
	{ 0, "write", CLI_ARG_NONE, NULL,
	  N_("with --import-msmtprc: create the file, never replace"),
	  CLI_FLAG, FIELD(write), 0, NULL, NULL },
	/* msmtp's configuration-free call line: --host and what goes with it. */
	{ 0, "host", CLI_ARG_REQUIRED, N_("HOST"),
	  N_("send through HOST without the account file (msmtp)"),
	  CLI_STRING, FIELD(cmdline.host), 0, NULL, NULL },
	{ 0, "port", CLI_ARG_REQUIRED, N_("PORT"), N_("with --host: the port (default 25, or 465)"),
	  CLI_STRING, FIELD(cmdline.port), 0, check_port, NULL },
	{ 0, "tls", CLI_ARG_ATTACHED, "on|off", N_("with --host: use TLS (default off)"),
	  CLI_CALL, 0, 0, set_tls, NULL },
	{ 0, "tls-starttls", CLI_ARG_ATTACHED, "on|off",
	  N_("with --tls: STARTTLS (on) or TLS at once (off)"),
	  CLI_CALL, 0, 0, set_tls_starttls, NULL },
	{ 0, "tls-trust-file", CLI_ARG_REQUIRED, N_("FILE"),
	  N_("with --host: trust the CAs in FILE"),
	  CLI_STRING, FIELD(cmdline.tls_trust_file), 0, NULL, NULL },
	{ 0, "tls-fingerprint", CLI_ARG_REQUIRED, N_("FP"),
	  N_("with --host: the certificate's SHA-256 hash"),
	  CLI_STRING, FIELD(cmdline.tls_fingerprint), 0, NULL, NULL },
	{ 0, "auth", CLI_ARG_ATTACHED, "on|off|METHOD",
	  N_("with --host: log in (default off)"), CLI_CALL, 0, 0, set_auth, NULL },
	{ 0, "user", CLI_ARG_REQUIRED, N_("NAME"), N_("with --host: the login name"),
	  CLI_STRING, FIELD(cmdline.user), 0, NULL, NULL },
	{ 0, "passwordeval", CLI_ARG_REQUIRED, N_("COMMAND"),
	  N_("with --host: the command that prints the password"),
	  CLI_STRING, FIELD(cmdline.passwordeval), 0, NULL, NULL },
	{ 0, "domain", CLI_ARG_REQUIRED, N_("NAME"), N_("with --host: the EHLO name"),
	  CLI_STRING, FIELD(cmdline.domain), 0, NULL, NULL },
	{ 'P', "pretend", CLI_ARG_NONE, NULL,
	  N_("print the account a send would use, as msmtp -P"),
	  CLI_MODE, 0, MODE_PRETEND, NULL, NULL },
	{ 'X', "logfile", CLI_ARG_REQUIRED, N_("FILE"),
	  N_("as msmtp only: log to FILE ('-': stdout)"),
	  CLI_CALL, 0, 0, set_logfile, NULL },
	{ 0, "check-config", CLI_ARG_NONE, NULL,
	  N_("check the account file; exit 0, or 78 for a problem"),
	  CLI_MODE, 0, MODE_CHECK_CONFIG, NULL, NULL },
	{ 0, "help", CLI_ARG_NONE, NULL, N_("show this help"),
	  CLI_MODE, 0, MODE_HELP, NULL, NULL },
	{ 0, "version", CLI_ARG_NONE, NULL, N_("show the version"),
	  CLI_MODE, 0, MODE_VERSION, NULL, NULL },
	/* -b MODE and -o OPTION: sendmail's words (-bm, -oi). */
	{ 'b', NULL, CLI_ARG_REQUIRED, N_("MODE"), NULL, CLI_CALL, 0, 0, set_b_mode, NULL },
	{ 'o', NULL, CLI_ARG_REQUIRED, N_("OPTION"), NULL, CLI_CALL, 0, 0, set_o_option,
	  NULL },
	/* Accepted and ignored, with or without an argument, as sendmail and
	 * Postfix take them (GETOPT_LIST "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:..."). */
	{ 'h', NULL, CLI_ARG_REQUIRED, "N", NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'A', NULL, CLI_ARG_REQUIRED, "c|m", NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'e', NULL, CLI_ARG_REQUIRED, "X", NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'L', NULL, CLI_ARG_REQUIRED, "TAG", NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'O', NULL, CLI_ARG_REQUIRED, "OPT=VAL", NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'p', NULL, CLI_ARG_REQUIRED, "PROTO", NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'm', NULL, CLI_ARG_NONE, NULL, NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'n', NULL, CLI_ARG_NONE, NULL, NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'U', NULL, CLI_ARG_NONE, NULL, NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'G', NULL, CLI_ARG_NONE, NULL, NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'c', NULL, CLI_ARG_NONE, NULL, NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'x', NULL, CLI_ARG_NONE, NULL, NULL, CLI_IGNORE, 0, 0, NULL, NULL },
	{ 'I', NULL, CLI_ARG_NONE, NULL, NULL, CLI_UNSUPPORTED, 0, 0, NULL,
	  N_("sendas keeps no aliases database") },
};
const size_t cli_noptions = sizeof cli_options / sizeof cli_options[0];

/* sendmail -bX: the modes we run and those we refuse, with the reason. */
static const struct {
	char letter;
	enum mode mode;
	const char *refused;
} b_modes[] = {
	{ 'm', MODE_SEND, NULL },
	{ 'p', MODE_QUEUE_LIST, NULL },
	{ 's', MODE_SMTP, NULL },
	{ 'd', 0, N_("sendas runs no daemon") },
	{ 'D', 0, N_("sendas runs no daemon") },
	{ 'l', 0, N_("sendas runs no daemon") },
	{ 'i', 0, N_("sendas keeps no aliases database") },
	{ 't', 0, N_("sendas has no address test mode") },
	{ 'v', 0, N_("sendas does not verify addresses") },
	{ 'h', 0, N_("sendas keeps no host status") },
	{ 'H', 0, N_("sendas keeps no host status") },
	{ 'P', 0, N_("sendas keeps no queue statistics") },
	{ 'a', 0, N_("ARPANET mode is long gone") },
};

/* The mode each personality starts in (Postfix: options may change it). */
static const struct {
	const char *name;
	enum mode mode;
	int msmtp;
} personalities[] = {
	{ "mailq", MODE_QUEUE_LIST, 0 },
	{ "newaliases", MODE_NEWALIASES, 0 },
	{ "msmtp", MODE_SEND, 1 },
};

/* --help and --version win over any other mode, wherever they stand. */
static int mode_rank(enum mode m)
{
	return m == MODE_HELP ? 2 : m == MODE_VERSION ? 1 : 0;
}

static void set_mode(struct options *o, enum mode m)
{
	if (mode_rank(m) >= mode_rank(o->mode))
		o->mode = m;
}

static int refuse(struct error *err, const char *option, const char *reason)
{
	char word[ERROR_WORD_MAX];
	return error_set(err, CAT_USAGE, N_("option '%s' is not supported: %s"), option,
			 error_word(reason, word));
}

static int bad_value(struct error *err, const char *option, const char *arg,
		     const char *want)
{
	char word[ERROR_WORD_MAX];
	char q[ADDRESS_QUOTE_SIZE];

	return error_set(err, CAT_USAGE, N_("option '%s' needs %s, not '%s'"), option,
			 error_word(want, word), address_quote(q, arg, strlen(arg)));
}

static int set_sender(struct options *o, const char *name, const char *arg,
			struct error *err)
{
	(void)name;
	(void)err;
	o->sender = strcmp(arg, "<>") == 0 ? "" : arg;
	return 0;
}

static int set_which(struct options *o, const char *name, const char *arg,
		     struct error *err)
{
	(void)name;
	(void)err;
	o->which = arg;
	set_mode(o, MODE_WHICH);
	return 0;
}

static int set_b_mode(struct options *o, const char *name, const char *arg,
		      struct error *err)
{
	char option[OPTION_NAME_MAX], q[ADDRESS_QUOTE_SIZE];
	size_t i;

	snprintf(option, sizeof option, "%s%s", name,
		 address_quote(q, arg, strnlen(arg, OPTION_NAME_MAX / 4)));
	for (i = 0; arg[0] && !arg[1] && i < sizeof b_modes / sizeof b_modes[0]; i++) {
		if (b_modes[i].letter != arg[0])
			continue;
		if (b_modes[i].refused)
			return refuse(err, option, b_modes[i].refused);
		set_mode(o, b_modes[i].mode);
		return 0;
	}
	return error_set(err, CAT_USAGE, N_("unknown option '%s'"), option);
}

/* -oi is -i; every other sendmail option (-oem, -odb, -oQ/dir...) is
 * meaningless for a submission client and accepted as such. */
static int set_o_option(struct options *o, const char *name, const char *arg,
			struct error *err)
{
	(void)name;
	(void)err;
	if (strcmp(arg, "i") == 0)
		o->ignore_dots = 1;
	return 0;
}

static int set_queue(struct options *o, const char *name, const char *arg,
		     struct error *err)
{
	char option[OPTION_NAME_MAX], q[ADDRESS_QUOTE_SIZE];

	if (arg) {
		snprintf(option, sizeof option, "%s%s%s", name, name[1] == '-' ? "=" : "",
			 address_quote(q, arg, strnlen(arg, OPTION_NAME_MAX / 4)));
		return refuse(err, option, N_("queue intervals and selections are for "
					      "daemons; use -q alone"));
	}
	set_mode(o, MODE_QUEUE_FLUSH);
	return 0;
}

static int check_body_type(struct options *o, const char *name, const char *arg,
			   struct error *err)
{
	(void)o;
	if (strcasecmp(arg, "7BIT") == 0 || strcasecmp(arg, "8BITMIME") == 0)
		return 0;
	return bad_value(err, name, arg, N_("7BIT or 8BITMIME"));
}

static int check_ret(struct options *o, const char *name, const char *arg,
		     struct error *err)
{
	(void)o;
	if (strcasecmp(arg, "full") == 0 || strcasecmp(arg, "hdrs") == 0)
		return 0;
	return bad_value(err, name, arg, N_("full or hdrs"));
}

/* "never", or a comma-separated list of success, failure, delay (RFC 3461). */
static int check_notify(struct options *o, const char *name, const char *arg,
			struct error *err)
{
	static const char *const words[] = { "success", "failure", "delay" };
	const char *p = arg;
	size_t n, i;

	(void)o;
	if (strcasecmp(arg, "never") == 0)
		return 0;
	do {
		n = strcspn(p, ",");
		for (i = 0; i < sizeof words / sizeof words[0]; i++)
			if (n == strlen(words[i]) && strncasecmp(p, words[i], n) == 0)
				break;
		if (i == sizeof words / sizeof words[0])
			return bad_value(err, name, arg,
					 N_("never, or a list of success, failure and delay"));
		p += n;
	} while (*p++ == ',');
	return 0;
}

static int check_envid(struct options *o, const char *name, const char *arg,
		       struct error *err)
{
	const char *p;

	(void)o;
	/* ENVID is xtext (RFC 3461 4): '+' and '=' would need encoding, and
	 * smtp.c sends the value as it is. */
	for (p = arg; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '+' || *p == '=')
			break;
	if (*p || p == arg || p - arg > CLI_ENVID_MAX)
		return bad_value(err, name, arg,
				 N_("1 to 100 printable ASCII characters without spaces, "
				    "'+' or '='"));
	return 0;
}

static int set_probe_max(struct options *o, const char *name, const char *arg,
			 struct error *err)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || n < 1 || n > CLI_PROBE_MAX_LIMIT)
		return bad_value(err, name, arg, N_("a number from 1 to 100"));
	o->probe_max = (int)n;
	return 0;
}

/* -X FILE, --logfile=FILE: msmtp's log file, under that name only.  As
 * sendmail, a flag a web form can inject must not write a file
 * (CVE-2016-10033: PHPMailer's -X wrote web shells). */
static int set_logfile(struct options *o, const char *name, const char *arg,
		       struct error *err)
{
	if (!o->msmtp)
		return refuse(err, name, N_("sendas writes no file named on the command line "
					    "(CVE-2016-10033)"));
	o->logfile = arg;
	return 0;
}

static int check_port(struct options *o, const char *name, const char *arg,
		      struct error *err)
{
	char *end;
	long n = strtol(arg, &end, 10);

	(void)o;
	if (*arg < '0' || *arg > '9' || *end || n < 1 || n > 65535)
		return bad_value(err, name, arg, N_("a port number from 1 to 65535"));
	return 0;
}

/* msmtp's on/off options: the word alone means on. */
static int on_off(const char **field, const char *name, const char *arg, struct error *err)
{
	if (arg && strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0)
		return bad_value(err, name, arg, N_("on or off"));
	*field = arg ? arg : "on";
	return 0;
}

static int set_tls(struct options *o, const char *name, const char *arg, struct error *err)
{
	return on_off(&o->cmdline.tls, name, arg, err);
}

static int set_tls_starttls(struct options *o, const char *name, const char *arg,
			    struct error *err)
{
	return on_off(&o->cmdline.tls_starttls, name, arg, err);
}

static int set_auth(struct options *o, const char *name, const char *arg, struct error *err)
{
	(void)name;
	(void)err;
	o->cmdline.auth = arg ? arg : "on";
	return 0;
}

/* The name goes into a header field: a line break would inject fields. */
static int check_full_name(struct options *o, const char *name, const char *arg,
			   struct error *err)
{
	(void)o;
	if (strpbrk(arg, "\r\n") || strlen(arg) > CLI_FULL_NAME_MAX)
		return bad_value(err, name, arg,
				 N_("a name of one line and at most 256 bytes"));
	return 0;
}

static int apply(const struct cli_option *opt, const char *name, const char *arg,
		 struct options *o, struct error *err)
{
	char *field = (char *)o + opt->field;

	if (opt->action == CLI_CALL)
		return opt->handler(o, name, arg, err);
	if (opt->handler && opt->handler(o, name, arg, err) < 0)
		return -1;
	switch (opt->action) {
	case CLI_STRING:
		memcpy(field, &arg, sizeof arg);
		break;
	case CLI_FLAG:
		*(int *)(void *)field = 1;
		break;
	case CLI_COUNT:
		++*(int *)(void *)field;
		break;
	case CLI_MODE:
		set_mode(o, (enum mode)opt->value);
		break;
	case CLI_UNSUPPORTED:
		return refuse(err, name, opt->reason);
	default:
		break;   /* CLI_IGNORE */
	}
	return 0;
}

static const struct cli_option *find_letter(char c)
{
	size_t i;

	for (i = 0; i < cli_noptions; i++)
		if (c && cli_options[i].letter == c)
			return &cli_options[i];
	return NULL;
}

static const struct cli_option *find_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].name && strlen(cli_options[i].name) == n &&
		    strncmp(cli_options[i].name, s, n) == 0)
			return &cli_options[i];
	return NULL;
}

static int unknown(struct error *err, const char *word, size_t n)
{
	char q[ADDRESS_QUOTE_SIZE];

	return error_set(err, CAT_USAGE, N_("unknown option '%s'"), address_quote(q, word, n));
}

static int missing(struct error *err, const char *name)
{
	return error_set(err, CAT_USAGE, N_("option '%s' needs an argument"), name);
}

/* One word of clustered letters: -ti, -tf ADDR, -B8BITMIME, -oi, -q. */
static int parse_short(char *const argv[], int argc, int *i, struct options *o,
		       struct error *err)
{
	const char *p, *arg;
	const struct cli_option *opt;
	char name[3] = "-?";

	for (p = argv[*i] + 1; *p; p++) {
		opt = find_letter(*p);
		name[1] = *p;
		if (!opt)
			return unknown(err, name, 2);
		if (opt->arg == CLI_ARG_NONE) {
			if (apply(opt, name, NULL, o, err) < 0)
				return -1;
			continue;
		}
		arg = p[1] ? p + 1 : NULL;
		if (!arg && opt->arg == CLI_ARG_REQUIRED) {
			if (*i + 1 >= argc)
				return missing(err, name);
			arg = argv[++*i];
		}
		return apply(opt, name, arg, o, err);
	}
	return 0;
}

/* --name, --name=value, --name value. */
static int parse_long(char *const argv[], int argc, int *i, struct options *o,
		      struct error *err)
{
	const char *word = argv[*i] + 2, *eq = strchr(word, '='), *arg;
	size_t n = eq ? (size_t)(eq - word) : strlen(word);
	const struct cli_option *opt = find_name(word, n);
	char name[OPTION_NAME_MAX];

	if (!opt)
		return unknown(err, argv[*i], n + 2);
	snprintf(name, sizeof name, "--%s", opt->name);
	if (eq && opt->arg == CLI_ARG_NONE)
		return error_set(err, CAT_USAGE, N_("option '%s' takes no argument"), name);
	arg = eq ? eq + 1 : NULL;
	if (!arg && opt->arg == CLI_ARG_REQUIRED) {
		if (*i + 1 >= argc)
			return missing(err, name);
		arg = argv[++*i];
	}
	return apply(opt, name, arg, o, err);
}

static void personality(const char *argv0, struct options *o)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;
	size_t i;

	base = base ? base + 1 : argv0 ? argv0 : "";
	o->mode = MODE_SEND;
	o->prog = "sendas";
	for (i = 0; i < sizeof personalities / sizeof personalities[0]; i++) {
		if (strcmp(base, personalities[i].name) != 0)
			continue;
		o->mode = personalities[i].mode;
		o->msmtp = personalities[i].msmtp;
		o->prog = o->msmtp ? "msmtp" : "sendas";
	}
}

/* What goes together and what does not, once every option is known. */
static int check_combinations(const struct options *o, struct error *err)
{
	const struct msmtp_settings *c = &o->cmdline;

	if (o->write && o->mode != MODE_IMPORT_MSMTPRC)
		return error_set(err, CAT_USAGE, N_("--write goes with --import-msmtprc"));
	if (c->host && o->mode != MODE_SEND && o->mode != MODE_PRETEND &&
	    o->mode != MODE_SERVERINFO && mode_rank(o->mode) == 0)
		return error_set(err, CAT_USAGE, N_("--host goes with sending, -P and --serverinfo"));
	if (c->host && o->account)
		return error_set(err, CAT_USAGE, N_("--host and -a exclude each other: --host "
						   "sends without the account file"));
	if (!c->host && (c->port || c->tls || c->tls_starttls || c->tls_trust_file ||
			 c->tls_fingerprint || c->auth || c->user || c->passwordeval || c->domain))
		return error_set(err, CAT_USAGE, N_("--port, --tls, --auth, --user and the like "
						   "go with --host; an account takes its "
						   "settings from the account file"));
	return 0;
}

/* What to call a mode in a message. */
static const char *const mode_names[] = {
	[MODE_SEND] = "--send",
	[MODE_QUEUE_LIST] = "--list-queue",
	[MODE_QUEUE_FLUSH] = "--flush",
	[MODE_WHICH] = "--which",
	[MODE_NEWALIASES] = "newaliases",
	[MODE_HELP] = "--help",
	[MODE_VERSION] = "--version",
	[MODE_SERVERINFO] = "--serverinfo",
	[MODE_PROBE] = "--probe",
	[MODE_QUEUE_IDS] = "--queue-ids",
	[MODE_QUEUE_DELETE] = "--queue-delete",
	[MODE_QUEUE_RETRY] = "--queue-retry",
	[MODE_IMPORT_MSMTPRC] = "--import-msmtprc",
	[MODE_PRETEND] = "--pretend",
	[MODE_CHECK] = "--check",
	[MODE_CONFIGURE] = "--configure",
	[MODE_CHECK_CONFIG] = "--check-config",
	[MODE_SMTP] = "-bs",
	[MODE_SMTPD] = "--smtpd",
};

/* Modes whose arguments are queue IDs. */
static int takes_ids(enum mode m)
{
	return m == MODE_QUEUE_DELETE || m == MODE_QUEUE_RETRY;
}

/* The recipients, from first on: none may look like an option unless "--"
 * said so; the send mode needs some (or -t), other modes none. */
static int take_recipients(char *const argv[], int argc, int first, int dashdash,
			   struct options *o, struct error *err)
{
	char q[ADDRESS_QUOTE_SIZE];
	int i;

	for (i = first; i < argc && !dashdash; i++)
		if (argv[i][0] == '-')
			return error_set(err, CAT_USAGE,
					 N_("'%s' comes after the recipients: options go first "
					   "(put '--' before a recipient that starts with '-')"),
					 address_quote(q, argv[i], strlen(argv[i])));
	o->rcpts = (const char *const *)(argv + first);
	o->nrcpts = (size_t)(argc - first);
	if (o->mode == MODE_SEND && o->nrcpts == 0 && !o->read_recipients)
		return error_set(err, CAT_USAGE,
				 N_("no recipients: name them as arguments, or use -t to "
				   "take them from the message"));
	if (o->mode == MODE_PROBE && o->nrcpts == 0)
		return error_set(err, CAT_USAGE,
				 N_("--probe needs the senders to test as arguments"));
	if (takes_ids(o->mode) && o->nrcpts == 0)
		return error_set(err, CAT_USAGE, N_("%s needs queue IDs (see mailq) as arguments"),
				 mode_names[o->mode]);
	if (o->mode == MODE_IMPORT_MSMTPRC && o->nrcpts > 1)
		return error_set(err, CAT_USAGE, N_("--import-msmtprc takes one file"));
	if (o->nrcpts && o->mode != MODE_SEND && o->mode != MODE_PROBE &&
	    o->mode != MODE_IMPORT_MSMTPRC && o->mode != MODE_PRETEND && o->mode != MODE_CHECK &&
	    o->mode != MODE_CONFIGURE && !takes_ids(o->mode) && mode_rank(o->mode) == 0)
		return error_set(err, CAT_USAGE, N_("%s takes no recipients"),
				 mode_names[o->mode]);
	return 0;
}

int cli_parse(int argc, char *const argv[], struct options *o, struct error *err)
{
	int i, dashdash = 0;

	memset(o, 0, sizeof *o);
	personality(argc > 0 ? argv[0] : NULL, o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			dashdash = 1;
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if ((a[1] == '-' ? parse_long : parse_short)(argv, argc, &i, o, err) < 0)
			return -1;
	}
	if (check_combinations(o, err) < 0)
		return -1;
	return take_recipients(argv, argc, i < argc ? i : argc, dashdash, o, err);
}

/* "  -f, --from=ADDRESS" padded to HELP_COLUMN, then the help text. */
static void usage_line(struct buf *b, const struct cli_option *opt)
{
	size_t start = b->len;
	const char *meta = opt->metavar ? _(opt->metavar) : NULL;

	if (opt->letter)
		buf_printf_trunc(b, "  -%c%s", opt->letter, opt->name ? ", " : "");
	else
		buf_adds_trunc(b, "      ");
	if (opt->name)
		buf_printf_trunc(b, "--%s%s%s", opt->name, meta ? "=" : "", meta ? meta : "");
	else if (meta)
		buf_printf_trunc(b, " %s", meta);
	if (b->len - start + 2 > HELP_COLUMN)
		buf_printf_trunc(b, "\n%*s", HELP_COLUMN, "");
	else
		buf_printf_trunc(b, "%*s", (int)(HELP_COLUMN - (b->len - start)), "");
	buf_printf_trunc(b, "%s\n", _(opt->help));
}

/* Add one word to a list that wraps before HELP_WIDTH. */
static void usage_word(struct buf *b, const char *word)
{
	const char *nl = memrchr(buf_str(b), '\n', b->len);
	size_t col = nl ? b->len - (size_t)(nl - b->data) - 1 : b->len;

	buf_adds_trunc(b, col + 1 + strlen(word) > HELP_WIDTH ? "\n  " : " ");
	buf_adds_trunc(b, word);
}

/* The options without help text, by action: "-h N -m ...". */
static void usage_list(struct buf *b, enum cli_action action)
{
	char word[OPTION_NAME_MAX];
	size_t i;

	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *opt = &cli_options[i];

		if (opt->action != action || opt->help)
			continue;
		snprintf(word, sizeof word, "-%c%s%s", opt->letter, opt->metavar ? " " : "",
			 opt->metavar ? _(opt->metavar) : "");
		usage_word(b, word);
	}
}

char *cli_usage(void)
{
	struct buf b;
	size_t i;

	buf_init(&b, HELP_MAX);
	buf_adds_trunc(&b, _("Usage: sendas [OPTION]... [--] RECIPIENT...\n"
		       "  or:  sendas -t [OPTION]... [--] [RECIPIENT]...\n"
		       "Send the message on standard input through the account that "
		       "the configuration\nchooses for its sender.\n\n"));
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].help)
			usage_line(&b, &cli_options[i]);
	buf_adds_trunc(&b, _("\nAccepted and ignored (sendmail compatibility):"));
	usage_word(&b, "-oX");
	usage_list(&b, CLI_IGNORE);
	buf_adds_trunc(&b, _("\nNot supported:"));
	for (i = 0; i < sizeof b_modes / sizeof b_modes[0]; i++) {
		char word[4] = { '-', 'b', b_modes[i].letter, '\0' };

		if (b_modes[i].refused)
			usage_word(&b, word);
	}
	usage_list(&b, CLI_UNSUPPORTED);
	buf_adds_trunc(&b, _("\n\nA recipient may be an address list (\"Ann <ann@example.org>, "
		       "bob@example.org\").\nWith -t, the recipients of the message are "
		       "added to those of the command line.\n"));
	buf_adds_trunc(&b, _("\nExit status: 0 sent; 64 usage error; 65 message invalid or too "
		       "large;\n67 recipient refused; 68 host not found; 69 refused for "
		       "good, or a feature\nmissing; 70 internal error; 74 I/O error; 75 "
		       "temporary failure; 76 protocol\nerror; 77 sender not allowed or "
		       "authentication failed; 78 configuration error.\n"));
	return buf_detach(&b);
}
