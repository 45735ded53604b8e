/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_cli.c: the command line as sendmail's callers write it. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tap.h"

#define ARGS_MAX 32

static struct options o;
static struct error err;

/* Parse the NULL-terminated words; argv[0] first. */
static int run(const char *first, ...)
{
	static char *argv[ARGS_MAX + 1];
	va_list ap;
	int argc = 0;
	const char *a;

	va_start(ap, first);
	for (a = first; a && argc < ARGS_MAX; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;   /* cli_parse does not write */
	va_end(ap);
	argv[argc] = NULL;
	error_clear(&err);
	return cli_parse(argc, argv, &o, &err);
}

static int rcpt_is(size_t i, const char *want)
{
	return i < o.nrcpts && strcmp(o.rcpts[i], want) == 0;
}

/* Refused as a usage error whose text contains must. */
static void refused(int r, const char *must, const char *what)
{
	ok(r < 0 && err.category == CAT_USAGE && strstr(err.text, must), "%s: %s", what,
	   err.text);
}

static void test_personalities(void)
{
	ok(run("sendmail", "a@b.example", NULL) == 0 && o.mode == MODE_SEND, "sendmail sends");
	ok(run("/usr/sbin/sendmail", "a@b.example", NULL) == 0 && o.mode == MODE_SEND,
	   "/usr/sbin/sendmail sends");
	ok(run("sendas", "a@b.example", NULL) == 0 && o.mode == MODE_SEND, "sendas sends");
	ok(run("mailq", NULL) == 0 && o.mode == MODE_QUEUE_LIST, "mailq lists the queue");
	ok(run("/usr/bin/mailq", "-v", NULL) == 0 && o.mode == MODE_QUEUE_LIST && o.verbose == 1,
	   "mailq -v");
	ok(run("/usr/bin/newaliases", NULL) == 0 && o.mode == MODE_NEWALIASES, "newaliases");
	ok(run("newaliases", "-bp", NULL) == 0 && o.mode == MODE_QUEUE_LIST,
	   "an option changes the personality's mode (as Postfix)");
	refused(run("mailq", "a@b.example", NULL), "takes no recipients", "mailq a@b");
	refused(run("newaliases", "a@b.example", NULL), "takes no recipients", "newaliases a@b");
	ok(run(NULL) < 0 && err.category == CAT_USAGE, "no argv[0] at all: send, no recipients");
}

static void test_callers(void)
{
	ok(run("sendmail", "-oem", "-oi", "-B8BITMIME", "-f", "me@x.example", "-N", "success",
	       "-R", "hdrs", "--", "a@b.example", "c@d.example", NULL) == 0,
	   "mutt with every option");
	ok(o.ignore_dots && strcmp(o.body_type, "8BITMIME") == 0 &&
	   strcmp(o.sender, "me@x.example") == 0 && strcmp(o.dsn_notify, "success") == 0 &&
	   strcmp(o.dsn_ret, "hdrs") == 0 && o.nrcpts == 2 && rcpt_is(0, "a@b.example") &&
	   rcpt_is(1, "c@d.example") && o.mode == MODE_SEND, "mutt's options all understood");
	ok(run("sendas", "-oem", "-oi", "--", "a@b.example", NULL) == 0 && o.ignore_dots &&
	   !o.sender && o.nrcpts == 1, "mutt's default (no -f)");
	ok(run("sendmail", "-i", "-f", "s@x.example", "a@b.example", "c@d.example", NULL) == 0 &&
	   o.ignore_dots && strcmp(o.sender, "s@x.example") == 0 && o.nrcpts == 2,
	   "git send-email");
	ok(run("sendmail", "-t", "-i", NULL) == 0 && o.read_recipients && o.ignore_dots &&
	   o.nrcpts == 0, "PHP's mail(): -t -i without recipients");
	ok(run("sendmail", "-t", "-i", "-fwww@x.example", NULL) == 0 &&
	   strcmp(o.sender, "www@x.example") == 0, "PHP with an attached -f");
	ok(run("sendmail", "-t", NULL) == 0 && o.read_recipients, "systemd OnFailure: -t");
	ok(run("sendmail", "-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root", NULL) == 0 &&
	   strcmp(o.full_name, "CronDaemon") == 0 && rcpt_is(0, "root"), "cronie");
	ok(run("sendmail", "-ti", NULL) == 0 && o.read_recipients && o.ignore_dots,
	   "clustered -ti");
	ok(run("sendmail", "-tif", "s@x.example", NULL) == 0 && o.read_recipients &&
	   strcmp(o.sender, "s@x.example") == 0, "cluster ending in -f takes the next word");
}

/* The call lines msmtp's users have, sendas called as msmtp. */
static void test_msmtp_lines(void)
{
	ok(run("msmtp", "a@b.example", NULL) == 0 && o.msmtp && strcmp(o.prog, "msmtp") == 0 &&
	   o.mode == MODE_SEND, "msmtp: the msmtp personality sends");
	ok(run("sendmail", "a@b.example", NULL) == 0 && !o.msmtp && strcmp(o.prog, "sendas") == 0,
	   "sendmail: not msmtp");
	ok(run("msmtp", "--read-envelope-from", "-t", NULL) == 0 && o.read_envelope_from &&
	   o.read_recipients, "aerc/neomutt: --read-envelope-from -t");
	ok(run("/usr/bin/msmtp", "-a", "work", "-f", "me@x.example", "--", "-odd@b.example", NULL)
	   == 0 && strcmp(o.account, "work") == 0 && rcpt_is(0, "-odd@b.example"),
	   "mutt: -a ACCOUNT -f ADDRESS -- RCPT");
	ok(run("msmtp", "--account=foo", "-t", NULL) == 0 && strcmp(o.account, "foo") == 0 &&
	   o.read_recipients, "alot: --account=foo -t");
	ok(run("msmtp", "--from=me@x.example", "--read-recipients", NULL) == 0 &&
	   strcmp(o.sender, "me@x.example") == 0, "--from= --read-recipients");
	ok(run("msmtp", "--host=mailhub", "-f", "me@example.com", "--tls", "a@b.example", NULL)
	   == 0 && strcmp(o.cmdline.host, "mailhub") == 0 && strcmp(o.cmdline.tls, "on") == 0,
	   "msmtp's manual: --host=mailhub -f ADDRESS --tls");
	ok(run("msmtp", "--host=h", "--tls=on", "--tls-starttls=off", "--port=465", "--auth=plain",
	       "--user=u", "--passwordeval=pass x", "a@b.example", NULL) == 0 &&
	   strcmp(o.cmdline.tls_starttls, "off") == 0 && strcmp(o.cmdline.port, "465") == 0 &&
	   strcmp(o.cmdline.auth, "plain") == 0 && strcmp(o.cmdline.passwordeval, "pass x") == 0,
	   "--host with every setting");
	refused(run("msmtp", "--host=h", "--port=0", "a@b", NULL), "a port number", "--port=0");
	refused(run("msmtp", "--host=h", "-a", "w", "a@b", NULL), "exclude each other", "--host -a");
	refused(run("msmtp", "--tls", "a@b", NULL), "go with --host", "--tls without --host");
	refused(run("msmtp", "--host=h", "--which", "a@b", NULL), "--host goes with sending",
		"--host with --which");
	ok(run("msmtp", "--serverinfo", "--tls", "--host=h", NULL) == 0 &&
	   o.mode == MODE_SERVERINFO, "--serverinfo --tls --host=h");
	ok(run("msmtp", "-X", "/tmp/log", "a@b.example", NULL) == 0 &&
	   strcmp(o.logfile, "/tmp/log") == 0, "msmtp -X FILE");
	ok(run("msmtp", "--logfile=-", "a@b.example", NULL) == 0 && strcmp(o.logfile, "-") == 0,
	   "msmtp --logfile=-");
	refused(run("sendmail", "--logfile=/tmp/log", "a@b", NULL), "CVE-2016-10033",
		"sendmail --logfile=FILE");
	ok(run("msmtp", "-P", "-a", "x", "a@b.example", NULL) == 0 && o.mode == MODE_PRETEND,
	   "msmtp -P -a x RCPT");
	ok(run("sendas", "--import-msmtprc", "--write", "/x", NULL) == 0 &&
	   o.mode == MODE_IMPORT_MSMTPRC && o.write && rcpt_is(0, "/x"),
	   "--import-msmtprc --write FILE");
}

static void test_flags(void)
{
	ok(run("s", "-fme@x.example", "a@b", NULL) == 0 && strcmp(o.sender, "me@x.example") == 0,
	   "-fADDR");
	ok(run("s", "-r", "me@x.example", "a@b", NULL) == 0 && strcmp(o.sender, "me@x.example") == 0,
	   "-r ADDR");
	ok(run("s", "-f", "<>", "a@b", NULL) == 0 && o.sender && *o.sender == '\0',
	   "-f <> is the null sender");
	ok(run("s", "-f", "", "a@b", NULL) == 0 && o.sender && *o.sender == '\0',
	   "-f '' is the null sender");
	ok(run("s", "-F", "Jörg Müller", "a@b", NULL) == 0 && strcmp(o.full_name, "Jörg Müller") == 0,
	   "-F NAME");
	refused(run("s", "-F", "x\r\nBcc: v@x", "a@b", NULL), "one line", "-F with CR LF");
	ok(run("s", "-i", "a@b", NULL) == 0 && o.ignore_dots, "-i");
	ok(run("s", "-oi", "a@b", NULL) == 0 && o.ignore_dots, "-oi");
	ok(run("s", "-o", "i", "a@b", NULL) == 0 && o.ignore_dots && o.nrcpts == 1,
	   "-o i (separate, as getopt's o: allows)");
	ok(run("s", "-B", "7BIT", "a@b", NULL) == 0 && strcmp(o.body_type, "7BIT") == 0, "-B 7BIT");
	ok(run("s", "-B8bitmime", "a@b", NULL) == 0, "-B8bitmime (any case)");
	refused(run("s", "-B", "binarymime", "a@b", NULL), "7BIT or 8BITMIME", "-B binarymime");
	ok(run("s", "-N", "never", "a@b", NULL) == 0 && strcmp(o.dsn_notify, "never") == 0,
	   "-N never");
	ok(run("s", "-N", "success,delay,FAILURE", "a@b", NULL) == 0, "-N success,delay,FAILURE");
	refused(run("s", "-N", "success,sometimes", "a@b", NULL), "'success,sometimes'",
		"-N with a bad word");
	refused(run("s", "-N", "success,", "a@b", NULL), "-N", "-N with an empty word");
	ok(run("s", "-R", "full", "a@b", NULL) == 0 && strcmp(o.dsn_ret, "full") == 0, "-R full");
	refused(run("s", "-R", "body", "a@b", NULL), "full or hdrs", "-R body");
	ok(run("s", "-V", "id-42", "a@b", NULL) == 0 && strcmp(o.envid, "id-42") == 0, "-V ENVID");
	refused(run("s", "-V", "with space", "a@b", NULL), "-V", "-V with a space");
	refused(run("s", "-V", "a+b", NULL), "'+' or '='", "-V with '+' (xtext would need +2B)");
	refused(run("s", "-V", "a=b", NULL), "'+' or '='", "-V with '='");
	{
		char id[CLI_ENVID_MAX + 2];

		memset(id, 'x', sizeof id - 1);
		id[sizeof id - 1] = '\0';
		refused(run("s", "-V", id, "a@b", NULL), "printable", "-V of 101 characters");
	}
	ok(run("s", "-v", "a@b", NULL) == 0 && o.verbose == 1, "-v");
	ok(run("s", "-vv", "-v", "a@b", NULL) == 0 && o.verbose == 3, "-vv -v counts 3");
	ok(run("s", "-bm", "a@b", NULL) == 0 && o.mode == MODE_SEND, "-bm");
	ok(run("s", "-b", "p", NULL) == 0 && o.mode == MODE_QUEUE_LIST, "-b p");
	ok(run("s", "-bp", NULL) == 0 && o.mode == MODE_QUEUE_LIST, "-bp");
	ok(run("sendmail", "-bs", "-i", NULL) == 0 && o.mode == MODE_SMTP && o.ignore_dots,
	   "-bs -i (Laravel's sendmail transport)");
	ok(run("s", "--smtp", NULL) == 0 && o.mode == MODE_SMTP, "--smtp");
	ok(run("sendmail", "-bs", "a@b", NULL) < 0 && strstr(err.text, "-bs takes no recipients"),
	   "-bs takes no recipients");
	ok(run("s", "-q", NULL) == 0 && o.mode == MODE_QUEUE_FLUSH, "-q");
	refused(run("s", "-q1h", NULL), "'-q1h' is not supported", "-q1h");
	refused(run("s", "-q", "a@b", NULL), "takes no recipients", "-q with a recipient");
	ok(run("s", "-C", "/etc/x.ini", "a@b", NULL) == 0 && strcmp(o.config_file, "/etc/x.ini") == 0,
	   "-C FILE");
	ok(run("s", "-C/etc/y.ini", "a@b", NULL) == 0 && strcmp(o.config_file, "/etc/y.ini") == 0,
	   "-CFILE");
	ok(run("s", "-a", "work", "a@b", NULL) == 0 && strcmp(o.account, "work") == 0, "-a NAME");
}

static void test_ignored(void)
{
	ok(run("s", "-oem", "-oep", "-odi", "-odb", "-oQ/var/spool", "-om", "a@b", NULL) == 0 &&
	   !o.ignore_dots && o.nrcpts == 1, "-oem -oep -odi -odb -oQ... -om ignored");
	ok(run("s", "-h", "17", "a@b", NULL) == 0 && o.nrcpts == 1 && rcpt_is(0, "a@b"),
	   "-h N takes its argument (getopt h:), which is no recipient");
	ok(run("s", "-h17", "a@b", NULL) == 0 && o.nrcpts == 1, "-hN");
	ok(run("s", "-m", "-n", "-U", "-G", "-c", "-x", "a@b", NULL) == 0 && o.nrcpts == 1,
	   "-m -n -U -G -c -x ignored");
	ok(run("s", "-Am", "-A", "c", "-L", "tag", "-O", "Timeout=1", "-p", "smtp", "-e", "q",
	       "a@b", NULL) == 0 && o.nrcpts == 1 && rcpt_is(0, "a@b"),
	   "-A -L -O -p -e take their argument and are ignored");
}

static void test_unsupported(void)
{
	static const char *const modes[] = { "-bd", "-bi", "-bt", "-bv", "-bD", "-bh",
					     "-bH", "-bP", "-ba", "-bl" };
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		int r = run("sendmail", modes[i], NULL);

		ok(r < 0 && err.category == CAT_USAGE && strstr(err.text, "not supported") &&
		   strstr(err.text, modes[i]), "%s: %s", modes[i], err.text);
	}
	refused(run("s", "-I", NULL), "aliases", "-I");
	refused(run("s", "-X", "/var/www/x.php", "a@b", NULL), "CVE-2016-10033",
		"-X FILE (PHPMailer)");
	refused(run("s", "-X/var/www/x.php", "a@b", NULL), "'-X' is not supported", "-XFILE");
	refused(run("s", "-bz", NULL), "unknown option '-bz'", "-bz");
	refused(run("s", "-bmp", NULL), "unknown option '-bmp'", "-bmp");
}

static void test_errors(void)
{
	refused(run("s", "-Z", "a@b", NULL), "unknown option '-Z'", "-Z");
	refused(run("s", "-tZ", "a@b", NULL), "unknown option '-Z'", "-tZ");
	refused(run("s", "--frm=a@b", "a@b", NULL), "unknown option '--frm'", "--frm");
	refused(run("s", "--verbose=3", "a@b", NULL), "takes no argument", "--verbose=3");
	refused(run("s", "a@b", "-f", NULL), "'-f' comes after", "-f after the recipients");
	refused(run("s", "-f", NULL), "needs an argument", "-f alone");
	refused(run("s", "--from", NULL), "'--from' needs an argument", "--from alone");
	refused(run("s", NULL), "no recipients", "no recipients");
	refused(run("s", "-i", "--", NULL), "no recipients", "-- and nothing after");
	refused(run("s", "a@b", "-v", NULL), "'-v' comes after the recipients",
		"an option after a recipient");
	refused(run("s", "a@b", "-C/tmp/evil.ini", NULL), "after the recipients",
		"an attacker's -C after a recipient");
	refused(run("s", "-", NULL), "'-' comes after", "a lone '-'");
	ok(run("s", "--", "-odd@x.example", NULL) == 0 && rcpt_is(0, "-odd@x.example"),
	   "after --, a recipient may start with '-'");
	ok(run("s", "--", "a@b", "--", NULL) == 0 && o.nrcpts == 2 && rcpt_is(1, "--"),
	   "a second -- is a recipient");
}

static void test_long(void)
{
	ok(run("s", "--from=me@x", "--read-recipients", "--ignore-dots", "--full-name", "Me",
	       "--body-type=8BITMIME", "--dsn-notify=never", "--dsn-return", "full",
	       "--dsn-envid=e1", "--verbose", "--account=work", "--config", "/c.ini", "--send",
	       NULL) == 0, "long options");
	ok(strcmp(o.sender, "me@x") == 0 && o.read_recipients && o.ignore_dots &&
	   strcmp(o.full_name, "Me") == 0 && strcmp(o.body_type, "8BITMIME") == 0 &&
	   strcmp(o.dsn_notify, "never") == 0 && strcmp(o.dsn_ret, "full") == 0 &&
	   strcmp(o.envid, "e1") == 0 && o.verbose == 1 && strcmp(o.account, "work") == 0 &&
	   strcmp(o.config_file, "/c.ini") == 0 && o.mode == MODE_SEND, "all understood");
	ok(run("s", "--from=<>", "a@b", NULL) == 0 && *o.sender == '\0', "--from=<>");
	ok(run("s", "--list-queue", NULL) == 0 && o.mode == MODE_QUEUE_LIST, "--list-queue");
	ok(run("s", "--flush", NULL) == 0 && o.mode == MODE_QUEUE_FLUSH, "--flush");
	refused(run("s", "--flush=1h", NULL), "--flush=1h", "--flush=1h");
	ok(run("s", "--which", "Me <me@x.example>", NULL) == 0 && o.mode == MODE_WHICH &&
	   strcmp(o.which, "Me <me@x.example>") == 0, "--which SENDER");
	refused(run("s", "--which=me@x", "a@b", NULL), "--which takes no recipients",
		"--which with a recipient");
	refused(run("s", "--dsn-notify=often", "a@b", NULL), "'--dsn-notify' needs",
		"a bad value names the long option");
	ok(run("s", "--help", NULL) == 0 && o.mode == MODE_HELP, "--help");
	ok(run("s", "--help", "-bp", NULL) == 0 && o.mode == MODE_HELP, "--help wins over -bp");
	ok(run("s", "-bp", "--version", NULL) == 0 && o.mode == MODE_VERSION,
	   "--version wins over -bp");
	ok(run("s", "--version", "--help", NULL) == 0 && o.mode == MODE_HELP,
	   "--help wins over --version");
	ok(run("s", "--help", "a@b", NULL) == 0, "--help ignores recipients");
}

/* The table is the one list of options: --help, the man page and the
 * completions are checked against it. */
static void test_table_and_usage(void)
{
	char *u = cli_usage(), *line, *next, name[80];
	size_t i, j;
	int dup = 0, helped = 1, mentioned = 1, width = 1, reasons = 1;

	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *a = &cli_options[i];

		for (j = i + 1; j < cli_noptions; j++)
			dup |= (a->letter && a->letter == cli_options[j].letter) ||
			       (a->name && cli_options[j].name &&
				strcmp(a->name, cli_options[j].name) == 0);
		helped &= !a->name || a->help != NULL;
		reasons &= a->action != CLI_UNSUPPORTED || a->reason != NULL;
		if (a->name)
			snprintf(name, sizeof name, "--%s", a->name);
		else
			snprintf(name, sizeof name, "-%c", a->letter);
		mentioned &= strstr(u, name) != NULL;
		if (!mentioned) {
			printf("# --help lacks %s\n", name);
			mentioned = 1;
			helped = 0;
		}
	}
	ok(!dup, "no letter or long name twice in the table");
	ok(helped, "every long option has a help text and is in --help");
	ok(reasons, "every unsupported option says why");
	ok(mentioned, "--help names every option");
	for (line = u; *line; line = next + 1) {
		next = strchr(line, '\n');
		if (!next)
			break;
		width &= next - line <= 80;
	}
	ok(width, "--help fits 80 columns");
	ok(strlen(u) > 0 && u[strlen(u) - 1] == '\n', "--help ends in a newline");
	ok(strstr(u, "-bd") && strstr(u, "-X"), "--help lists what is not supported");
	free(u);
}

int main(void)
{
	test_personalities();
	test_callers();
	test_msmtp_lines();
	test_flags();
	test_ignored();
	test_unsupported();
	test_errors();
	test_long();
	test_table_and_usage();
	return tap_done();
}
