/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_conf.c: the account file: inheritance, every error with its line,
 * inih's silent habits (long lines, long section names, duplicates),
 * unknown keys, values, file permissions and ownership, conf_locate. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "tap.h"
#include "xalloc.h"

static char dir[] = "/tmp/sendas-test-conf-XXXXXX";
static char path[64];          /* dir/accounts.ini */
static struct buf warnings;

static void collect(void *ctx, const char *text)
{
	must(buf_printf(ctx, "%s\n", text));
}

static void write_file(const char *file, const char *text, size_t len, mode_t mode)
{
	int fd;

	unlink(file);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0) {
		perror(file);
		exit(99);
	}
	close(fd);
}

/* Write text as the account file (mode 0600) and load it. */
static int load(const char *text, struct conf *c, struct error *err)
{
	write_file(path, text, strlen(text), 0600);
	buf_reset(&warnings);
	error_clear(err);
	return conf_load(c, path, collect, &warnings, err);
}

/* The file must be refused with "PATH:LINE: ..." containing needle. */
static void refused(const char *text, int line, const char *needle, const char *what)
{
	struct conf c;
	struct error err;
	char prefix[300];
	int r = load(text, &c, &err);

	snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
	ok(r < 0 && err.category == CAT_CONFIG && strncmp(err.text, prefix, strlen(prefix)) == 0 &&
	   strstr(err.text, needle), "%s: line %d", what, line);
	if (r == 0 || !strstr(err.text, needle) || strncmp(err.text, prefix, strlen(prefix)))
		printf("#   text: %s\n", err.text);
	ok(c.naccounts == 0 && c.accounts == NULL && c.path == NULL, "%s: conf left empty", what);
	conf_release(&c);
}

static void test_inheritance(void)
{
	struct conf c;
	struct error err;
	const struct account *one, *two, *three;

	ok(load("; comment\n# another\n[defaults]\nport = 2525\ntls = starttls\n"
		"user = shared@example.org\ntimeout = 10\nauth = PLAIN\n\n"
		"[account one]\nhost = smtp.one.example\nfrom = a@one.example\n\n"
		"[account two]\nhost = smtp.two.example\ntls = implicit\nport =\ntimeout =\n"
		"user =\nfrom = *@two.example\n\n"
		"[account three]\nhost = smtp.three.example\nport = 0465\ntls = implicit\ntimeout = 86400\n"
		"from = *\n", &c, &err) == 0, "defaults and three accounts load: %s", err.text);
	one = conf_find(&c, "one");
	two = conf_find(&c, "two");
	three = conf_find(&c, "three");
	ok(c.naccounts == 3 && one && two && three && !conf_find(&c, "four"), "conf_find");
	if (!one || !two || !three)
		return;
	is_str(one->port, "2525", "port inherited");
	ok(one->timeout == 10 && one->tls == TLS_SETTING_STARTTLS, "timeout and tls inherited");
	is_str(one->user, "shared@example.org", "user inherited");
	is_str(one->auth, "PLAIN", "auth inherited");
	ok(one->line == 10 && two->line == 14, "section lines %d %d", one->line, two->line);
	ok(two->tls == TLS_SETTING_IMPLICIT, "tls overridden");
	is_str(two->port, "465", "empty port: the built-in default for implicit TLS");
	ok(two->timeout == CONF_DEFAULT_TIMEOUT, "empty timeout: 30 s");
	ok(two->user == NULL, "empty user: not inherited");
	is_str(three->port, "465", "port 0465 normalised");
	ok(three->timeout == 86400, "the largest timeout");
	is_str(c.path, path, "the path is kept");
	ok(warnings.len == 0, "no warnings");
	conf_release(&c);
	ok(load("[defaults]\npassword_command_timeout = 120\n[account a]\nhost = h\n"
		"from = a@b.example\n[account b]\nhost = h\nfrom = b@b.example\n"
		"password_command_timeout = 2\n[account c]\nhost = h\nfrom = c@b.example\n"
		"password_command_timeout =\n", &c, &err) == 0 &&
	   c.accounts[0].password_command_timeout == 120 &&
	   c.accounts[1].password_command_timeout == 2 &&
	   c.accounts[2].password_command_timeout == 0,
	   "password_command_timeout: inherited, overridden, emptied to the default (%s)",
	   err.text);
	conf_release(&c);
	/* Issue 13 #3 and #4: the final dot's ten minutes (RFC 5321 4.5.3.2)
	 * and the session deadline, by default and set. */
	ok(load("[account a]\nhost = h\nfrom = a@b.example\n", &c, &err) == 0 &&
	   c.accounts[0].final_reply_timeout == 600 &&
	   c.accounts[0].session_deadline == CONF_DEFAULT_SESSION_DEADLINE &&
	   c.accounts[0].session_deadline > 600,
	   "defaults: the final reply gets 600 s, the session %d s", CONF_DEFAULT_SESSION_DEADLINE);
	conf_release(&c);
	ok(load("[defaults]\nsession_deadline = 45\n[account a]\nhost = h\nfrom = a@b.example\n"
		"final_reply_timeout = 3\n", &c, &err) == 0 &&
	   c.accounts[0].final_reply_timeout == 3 && c.accounts[0].session_deadline == 45,
	   "final_reply_timeout and session_deadline set and inherited (%s)", err.text);
	conf_release(&c);
	ok(load("[account a]\nhost = h\nfrom = a@b.example\nsession_deadline = 0\n", &c,
		&err) < 0 && strstr(err.text, "session_deadline"), "session_deadline = 0 refused");
	conf_release(&c);
	ok(load("[account a]\nhost = h\nfrom = a@b.example\n", &c, &err) == 0 &&
	   strcmp(c.accounts[0].port, "587") == 0 && c.accounts[0].timeout == 30 &&
	   c.accounts[0].tls == TLS_SETTING_STARTTLS, "built-in defaults: 587, 30 s, starttls");
	conf_release(&c);
	conf_release(&c);
	ok(1, "conf_release twice is harmless");
}

#define FP "AB:cd:EF:01:23:45:67:89:ab:CD:ef:01:23:45:67:89:" \
	   "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"

static void test_syntax_variants(void)
{
	struct conf c;
	struct error err;

	ok(load("\xEF\xBB\xBF[DEFAULTS]\r\nPort: 2525\r\n[Account x.y_z-1]\r\n"
		"  host = smtp.example.org ; the server\r\n\tfrom = a@example.org, b@example.org\r\n"
		"tls = IMPLICIT\r\n", &c, &err) == 0, "BOM, CRLF, \":\", indentation, case: %s",
	   err.text);
	if (c.naccounts == 1) {
		is_str(c.accounts[0].name, "x.y_z-1", "name with . _ -");
		is_str(c.accounts[0].host, "smtp.example.org", "inline comment stripped");
		is_str(c.accounts[0].port, "2525", "Port: inherited");
		is_str(c.accounts[0].from, "a@example.org, b@example.org", "pattern list kept");
	}
	conf_release(&c);
	setenv("HOME", "/home/tester", 1);
	ok(load("[account a]\nhost = smtp.müller.example\nfrom = *@müller.example\n"
		"password_file = ~/mail.pass\ntls_trust_file = ~\ntls_cert_file = /x/~/y\n"
		"queue_dir = ~/q\nlogfile = ~other/log\nqueue = on\nqueue_lifetime = 5d\n"
		"syslog = LOG_MAIL\ntls_fingerprint = sha256:" FP "\n", &c, &err) == 0, "IDN host, ~ paths, later keys: %s", err.text);
	if (c.naccounts == 1) {
		const struct account *a = &c.accounts[0];

		is_str(a->host, "smtp.xn--mller-kva.example", "host as A-label");
		is_str(a->password_file, "/home/tester/mail.pass", "~/ expanded");
		is_str(a->tls_trust_file, "/home/tester", "~ alone expanded");
		is_str(a->tls_cert_file, "/x/~/y", "~ inside a path kept");
		is_str(a->queue_dir, "/home/tester/q", "queue_dir expanded");
		is_str(a->logfile, "~other/log", "~user is not expanded");
		ok(a->queue && a->queue_lifetime && a->syslog, "queue, queue_lifetime, syslog kept");
		is_str(a->tls_fingerprint, "sha256:" FP, "a fingerprint with colons");
	}
	conf_release(&c);
}

/* What msmtp users bring along: quotes, auth on/off, %U %H %M, a
 * password cut at " ;". */
static void test_msmtp_syntax(void)
{
	struct conf c;
	struct error err;
	char *want;

	setenv("USER", "alice", 1);
	setenv("HOSTNAME", "box.example", 1);
	ok(load("[account a]\nhost = \"smtp.example.org\"\nfrom = \"%U@example.org\"\n"
		"user = \" spaced \"\npassword = \"a\\\"b\"\nauth = on\n"
		"domain = %H\n"
		"[account b]\nhost = h\nfrom = x@%H\nuser = u\nauth = off\n", &c, &err) == 0,
	   "quotes, %%U, %%H, auth on/off load: %s", err.text);
	if (c.naccounts == 2) {
		is_str(c.accounts[0].host, "smtp.example.org", "quotes removed");
		is_str(c.accounts[0].from, "alice@example.org", "%%U is $USER");
		is_str(c.accounts[0].user, " spaced ", "blanks inside quotes kept");
		is_str(c.accounts[0].password, "a\\\"b", "no escapes, as in msmtp");
		is_str(c.accounts[0].auth, "auto", "auth on is auto");
		is_str(c.accounts[0].domain, "box.example", "%%H is $HOSTNAME");
		is_str(c.accounts[1].from, "x@box.example", "%%H in from");
		ok(!c.accounts[1].user && !c.accounts[1].auth, "auth off: no login");
	}
	conf_release(&c);
	ok(load("[account a]\nhost = h\nfrom = a@b.example\ntls_fingerprint = "
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:"
		"dd:ee:ff\n[account b]\nhost = h\nfrom = b@b.example\ntls_fingerprint = "
		"00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 11 22 33 44 55 66 77 88 99 aa bb cc "
		"dd ee ff\n", &c, &err) == 0, "msmtp's SHA-256 fingerprints load: %s", err.text);
	if (c.naccounts == 2) {
		is_str(c.accounts[0].tls_fingerprint, "sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:"
		       "dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", "...with colons");
		is_str(c.accounts[1].tls_fingerprint, "sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:"
		       "dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", "...with blanks");
	}
	conf_release(&c);
	refused("[account a]\ntls_fingerprint = 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
		"00:11:22:33\n", 2, "is a SHA-1 or MD5 fingerprint", "msmtp's SHA-1 form");
	ok(load("[account a]\nhost = h\nfrom = a@b.example\ndomain = %U\n", &c, &err) == 0,
	   "load %s", err.text);
	if (c.naccounts)
		is_str(c.accounts[0].domain, "%U", "no %%U in domain (as msmtp)");
	conf_release(&c);
	ok(load("[account a]\nhost = h\nfrom = a@b.example\nuser = u\npassword = abc ;def\n",
		&c, &err) == 0, "a cut password loads");
	want = xasprintf("%s:5: the password is cut at \" ;\"", path);
	ok(strstr(buf_str(&warnings), want) && strstr(buf_str(&warnings), "password_file"),
	   "...with a warning naming the line and password_file: %s", buf_str(&warnings));
	free(want);
	conf_release(&c);
	ok(load("[account a]\nhost = h ; the server\nfrom = a@b.example\n", &c, &err) == 0 &&
	   !strstr(buf_str(&warnings), "cut"), "an inline comment after host: no warning");
	conf_release(&c);
	unsetenv("USER");
	unsetenv("HOSTNAME");
}

/* [account NAME : PARENT] and the account "default", as in msmtp. */
static void test_account_inheritance(void)
{
	struct conf c;
	struct error err;
	const struct account *a;

	ok(load("[defaults]\nport = 2525\n\n"
		"[account work]\nhost = w.example\ntls = implicit\nuser = me\n"
		"password_command = echo pw\nfrom = me@w.example\n\n"
		"[account work2 : work]\nfrom = two@w.example\nuser = me2\n\n"
		"[account filed : work2]\nfrom = f@w.example\npassword_file = /x\n\n"
		"[account default : work]\n", &c, &err) == 0, "inheritance loads: %s", err.text);
	if ((a = conf_find(&c, "work2"))) {
		is_str(a->host, "w.example", "work2: host from work");
		ok(a->tls == TLS_SETTING_IMPLICIT, "work2: tls from work");
		is_str(a->port, "2525", "work2: port from [defaults]");
		is_str(a->user, "me2", "work2: its own user");
		is_str(a->password_command, "echo pw", "work2: password_command from work");
		is_str(a->from, "two@w.example", "work2: its own from");
	}
	if ((a = conf_find(&c, "filed"))) {
		is_str(a->host, "w.example", "filed: host through work2 from work");
		is_str(a->user, "me2", "filed: user from work2");
		ok(!a->password_command && a->password_file, "filed: its own password source only");
	}
	if ((a = conf_find(&c, "default"))) {
		is_str(a->from, "*", "default: no from of its own is any sender");
		is_str(a->user, "me", "default: user from work");
	}
	conf_release(&c);
	refused("[account a : nope]\nhost = h\nfrom = *\n", 1,
		     "[account a] inherits from \"nope\", which is not an account above it",
		     "an unknown parent");
	refused("[account a]\nhost = h\nfrom = a@x.example\n[account b : a, c]\n", 4,
		     "the name of one account above", "two parents");
	refused("[account b : b]\nhost = h\nfrom = *\n", 1, "not an account above it",
		     "itself as parent");
	ok(load("[account a]\nhost = h\nfrom = a@x.example\n[account b : a]\n", &c, &err) < 0 &&
	   strstr(err.text, "[account b] has no from"), "from is not inherited: %s", err.text);
	conf_release(&c);
}

/* Issue 13 #9: what host takes. */
static void test_hosts(void)
{
	static const struct { const char *value, *stored; } good[] = {
		{ "smtp.example.org", "smtp.example.org" },
		{ "SMTP.Example.org.", "SMTP.Example.org." },
		{ "localhost", "localhost" },
		{ "127.0.0.1", "127.0.0.1" },
		{ "[::1]", "[::1]" },
		{ "[2001:db8::25]", "[2001:db8::25]" },
		{ "b\xc3\xbc" "cher.example", "xn--bcher-kva.example" },
	};
	char text[400], name[300];
	struct conf c;
	struct error err;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "[account a]\nhost = %s\nfrom = a@b.example\n",
			 good[i].value);
		ok(load(text, &c, &err) == 0 && strcmp(c.accounts[0].host, good[i].stored) == 0,
		   "host = %s (%s)", good[i].value, err.text);
		conf_release(&c);
	}
	/* 253 bytes: four labels of 62 and one of 1, dots between. */
	memset(name, 'a', 253);
	name[62] = name[125] = name[188] = name[251] = '.';
	name[253] = '\0';
	snprintf(text, sizeof text, "[account a]\nhost = %s\nfrom = a@b.example\n", name);
	ok(load(text, &c, &err) == 0, "a host name of 253 bytes (%s)", err.text);
	conf_release(&c);
	memcpy(name + 253, "a", 2);
	snprintf(text, sizeof text, "[account a]\nhost = %s\nfrom = a@b.example\n", name);
	ok(load(text, &c, &err) < 0 && strstr(err.text, "at most 253 bytes"),
	   "254 bytes are refused (%s)", err.text);
	conf_release(&c);
}

static void test_unknown_key(void)
{
	struct conf c;
	struct error err;
	char want[1000];

	ok(load("[account a]\nhots = smtp.example.org\nhost = h\nfrom = a@b.example\n"
		"pasword_comand = x\n", &c, &err) == 0, "unknown keys are not fatal");
	snprintf(want, sizeof want,
		 "%s:2: unknown key \"hots\" ignored; did you mean \"host\"?\n"
		 "%s:5: unknown key \"pasword_comand\" ignored; did you mean "
		 "\"password_command\"?\n", path, path);
	is_str(buf_str(&warnings), want, "warnings name the line and the closest key");
	conf_release(&c);
	/* Issue 13 #14: a suggestion only when it is close. */
	buf_reset(&warnings);
	ok(load("[account a]\nhost = h\nfrom = a@b.example\nsession_dedline = 5\n"
		"frobnicate = 1\nsmtp_server_deadline = 9\n", &c, &err) == 0,
	   "more unknown keys");
	snprintf(want, sizeof want,
		 "%s:4: unknown key \"session_dedline\" ignored; did you mean "
		 "\"session_deadline\"?\n"
		 "%s:5: unknown key \"frobnicate\" ignored; sendas-accounts(5) lists the keys\n"
		 "%s:6: unknown key \"smtp_server_deadline\" ignored; sendas-accounts(5) lists "
		 "the keys\n", path, path, path);
	is_str(buf_str(&warnings), want, "no suggestion that is not close");
	conf_release(&c);
}

/* Each file is refused at a line, with a text containing needle. */
static const struct {
	const char *text;
	int line;
	const char *needle;
	const char *what;
} bad_files[] = {
	{ "[acount x]\nhost = h\n", 1, "unknown section [acount x]", "unknown section" },
	{ "[defaults]\n[account]\n", 2, "needs a name", "account without a name" },
	{ "[account a b]\n", 1, "may hold only letters", "name with a space" },
	{ "[account a/b]\n", 1, "may hold only letters", "name with a slash" },
	{ "host = h\n", 1, "outside any section", "key before any section" },
	{ "[account a]\nhost = h\nfrom = *\n[defaults]\n", 4, "must come before",
	  "[defaults] after an account" },
	{ "[defaults]\n[defaults]\n", 2, "appears twice (first on line 1)", "[defaults] twice" },
	{ "[account a]\nhost = h\nfrom = *\n\n[account a]\n", 5,
	  "[account a] appears twice (first on line 1)", "duplicate section" },
	{ "[account a]\nhost = h\nfrom = *\nHOST = i\n", 4,
	  "host is set twice in this section (first on line 2)", "duplicate key" },
	{ "[defaults]\nfrom = *@x.example\n", 2, "not in [defaults]", "from in [defaults]" },
	{ "[defaults]\nrewrite_from = root@*\n", 2, "not in [defaults]",
	  "rewrite_from in [defaults]" },
	{ "[account a]\ntls = tsl\n", 2, "tls = \"tsl\" is not one of", "bad tls" },
	{ "[account a]\nport = 0\n", 2, "port = \"0\" is not a port number", "port 0" },
	{ "[account a]\nport = 65536\n", 2, "not a port number (1 to 65535)", "port 65536" },
	{ "[account a]\nport = smtp\n", 2, "not a port number", "port name" },
	{ "[account a]\n\ntimeout = 0\n", 3, "timeout = \"0\" is not a number of seconds",
	  "timeout 0" },
	{ "[account a]\ntimeout = -5\n", 2, "not a number of seconds", "negative timeout" },
	{ "[account a]\ntimeout = 1.5\n", 2, "not a number of seconds", "fractional timeout" },
	{ "[account a]\ntimeout = 86401\n", 2, "from 1 to 86400", "timeout too long" },
	{ "[account a]\npassword_command_timeout = 0\n", 2,
	  "password_command_timeout = \"0\" is not a number of seconds from 1 to 86400",
	  "password_command_timeout 0" },
	{ "[account a]\npassword_command_timeout = 5s\n", 2, "is not a number of seconds",
	  "password_command_timeout with a unit" },
	{ "[account a]\ntls_fingerprint = sha1:00\n", 2, "is not \"sha256:\" and 64",
	  "fingerprint of the wrong kind" },
	{ "[account a]\ntls_fingerprint = sha256:abcd\n", 2, "64 hexadecimal digits",
	  "fingerprint too short" },
	{ "[account a]\nfrom = a@*.example.org\n", 2, "is not an address or a pattern",
	  "unsupported pattern" },
	{ "[account a]\nfrom = al*ce@example.org\n", 2, "is not an address or a pattern",
	  "wildcard inside a local part" },
	{ "[account a]\nfrom = a@ex_ample.org\n", 2, "not a valid domain name",
	  "domain with an underscore" },
	{ "[account a]\nhost = a, b, c, d, e, f, g, h, i\n", 2, "host lists 9 servers; at most 8",
	  "too many hosts" },
	{ "[account a]\nhost = smtp.example.org, ex_ä.example\n", 2, "is not a host name",
	  "a host in a list that is no domain" },
	/* Issue 13 #8 and #9: every key when the file is loaded. */
	{ "[account a]\nhost = -oProxyCommand=x\n", 2,
	  "host = \"-oProxyCommand=x\" is not a host name, an IPv4 address or an IPv6 "
	  "address in brackets", "host that is an option" },
	{ "[account a]\nhost = a..b\n", 2, "dot-separated labels", "empty label" },
	{ "[account a]\nhost = " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  ".example\n", 2, "labels of at most 63 bytes", "label of 64 bytes" },
	{ "[account a]\nhost = 300.1.2.3\n", 2, "not an IPv4 address", "bad IPv4" },
	{ "[account a]\nhost = ::1\n", 2, "goes in brackets", "bare IPv6" },
	{ "[account a]\nhost = [::g]\n", 2, "not an IPv6 address in brackets", "bad IPv6" },
	{ "[account a]\nhost = [::1\n", 2, "not an IPv6 address in brackets",
	  "IPv6 without its closing bracket" },
	{ "[account a]\nhost = smtp\x1b[31m.example\n", 2, "smtp\\x1B[31m.example",
	  "a host with an escape, quoted escaped" },
	{ "[account a]\nqueue = maybe\n", 2, "queue = \"maybe\" is not on or off", "queue" },
	{ "[defaults]\nqueue_lifetime = 5 days\n", 2,
	  "queue_lifetime = \"5 days\" is not a time such as 5d", "queue_lifetime" },
	{ "[account a]\nqueue_lifetime = 400d\n", 2, "at most 365d", "queue_lifetime too long" },
	{ "[account a]\nqueue_dir = var/queue\n", 2,
	  "queue_dir = \"var/queue\" is not an absolute path", "relative queue_dir" },
	{ "[defaults]\nport = 25\n\n[account a]\nfrom = *\n", 4,
	  "[account a] has no host; add: host = SERVER", "no host" },
	{ "[account a]\nhost = h\n", 1, "[account a] has no from", "no from" },
	{ "[account a]\nhost = h\nfrom = *\npassword = x\npassword_command = y\n", 5,
	  "second password source in this section (the first is on line 4)",
	  "two password sources" },
	{ "[defaults]\npassword_file = /x\npassword_command = y\n[account a]\n", 3,
	  "second password source", "two password sources in [defaults]" },
	{ "[account a]\nhost = h\nrewrite_from = root@*\nuser = login-name\n", 1,
	  "has rewrite_from but no address to send as", "rewrite_from without an address" },
	{ "[account a]\nhost = h\nport = 465\nfrom = *\n", 1,
	  "uses port 465, which speaks TLS at once: set tls = implicit (tls = starttls is",
	  "port 465 without tls = implicit" },
	{ "[defaults]\nport = 465\ntls = off\n[account a]\nhost = h\nfrom = *\n", 4,
	  "set tls = implicit (tls = off is for port 587)", "port 465 and tls = off" },
	{ "[account a]\nhost = h\nfrom = *\njust words\n", 4, "expected \"key = value\"",
	  "a line without =" },
	{ "[account a]\n= value\n", 2, "a value without a key", "a value without a key" },
	{ "[account a\nhost = h\n", 1, "without a closing \"]\"", "no closing bracket" },
	{ "[account a ; comment]\n", 1, "without a closing \"]\"",
	  "a comment before the bracket" },
	{ "[account a] junk\n", 1, "unexpected text after", "text after the bracket" },
	{ "[account a]\nallow_users = alice, @st/aff\n", 2,
	  "\"st/aff\" is not a user name or @group", "allow_users with a bad group" },
	{ "[account a]\nallow_users = @\n", 2, "is not a user name or @group",
	  "allow_users with an empty group" },
	{ "[account a]\nlocal_senders = maybe\n", 2, "\"maybe\" is not yes or no",
	  "local_senders not a boolean" },
};

/* host may list several servers (failover): the first is host, all of
 * them hosts, as A-labels, comma-separated. */
static void test_host_list(void)
{
	struct conf c;
	struct error err;
	int r;

	r = load("[defaults]\nhost = mail1.example.org, mäil2.example.org\t,mail3.example.org ,\n"
		 "[account a]\nfrom = *\n[account b]\nfrom = *\nhost = one.example.org\n",
		 &c, &err);
	ok(r == 0 && c.naccounts == 2, "a host list loads (%s)", r ? err.text : "ok");
	if (r == 0) {
		is_str(c.accounts[0].host, "mail1.example.org", "host is the first of the list");
		is_str(c.accounts[0].hosts,
		       "mail1.example.org,xn--mil2-loa.example.org,mail3.example.org",
		       "hosts is the whole list, A-labels, inherited from [defaults]");
		is_str(c.accounts[1].host, "one.example.org", "one host");
		ok(c.accounts[1].hosts == NULL, "one host: no list");
	}
	conf_release(&c);
}

static void test_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++)
		refused(bad_files[i].text, bad_files[i].line, bad_files[i].needle, bad_files[i].what);
}

static void test_nul_midfile(void)
{
	static const char text[] = "[account a]\nhost = h\nfr\0om = *\n";
	struct conf c;
	struct error err;

	write_file(path, text, sizeof text - 1, 0600);
	ok(conf_load(&c, path, NULL, NULL, &err) < 0 && strstr(err.text, ":3: the line holds a NUL"),
	   "a NUL byte is refused at its line: %s", err.text);
	conf_release(&c);
}

/* "[account a]\nhost = h\nfrom = *\nKEY = " + value of n bytes. */
static char *with_value(const char *key, size_t n, char fill)
{
	const char *head = "[account a]\nhost = h\nfrom = *\n";
	char *s = xmalloc(strlen(head) + strlen(key) + 4 + n + 2);
	size_t k;

	k = (size_t)sprintf(s, "%s%s = ", head, key);
	memset(s + k, fill, n);
	strcpy(s + k + n, "\n");
	return s;
}

static void test_long_lines(void)
{
	struct conf c;
	struct error err;
	char *text, *line, want[64];
	size_t prefix = strlen("password = ");

	text = with_value("password", 300 - prefix, 'x');
	ok(load(text, &c, &err) == 0 && c.naccounts && strlen(c.accounts[0].password) == 300 - prefix,
	   "a 300-byte line is read whole: %s", err.text);
	conf_release(&c);
	free(text);

	/* The attack from the issue: inih would split at 199 bytes and parse
	 * "password=evil" from the tail. */
	text = with_value("tls_priority", 220, 'A');
	memcpy(strstr(text, "AAAA") + 199 - strlen("tls_priority = "), "password=evil", 13);
	ok(load(text, &c, &err) == 0 && c.naccounts && c.accounts[0].password == NULL &&
	   strstr(c.accounts[0].tls_priority, "password=evil") && warnings.len == 0,
	   "no key smuggled in from the tail of a long line: %s", err.text);
	conf_release(&c);
	free(text);

	text = with_value("password", 2500, 't');
	ok(load(text, &c, &err) == 0 && c.naccounts && strlen(c.accounts[0].password) == 2500,
	   "a 2500-byte value (an OAuth token) is read whole");
	conf_release(&c);
	free(text);

	text = with_value("password", CONF_LINE_MAX - prefix, 'm');
	ok(load(text, &c, &err) == 0, "a line of exactly CONF_LINE_MAX bytes: %s", err.text);
	conf_release(&c);
	free(text);

	text = with_value("password", CONF_LINE_MAX - prefix + 1, 'm');
	snprintf(want, sizeof want, "the line is longer than %d bytes", CONF_LINE_MAX);
	refused(text, 4, want, "a line of CONF_LINE_MAX + 1 bytes");
	free(text);

	/* The last line, without a newline, one byte too long. */
	text = with_value("password", CONF_LINE_MAX - prefix + 1, 'm');
	text[strlen(text) - 1] = '\0';
	refused(text, 4, want, "a too long last line without a newline");
	free(text);
	line = with_value("password", CONF_LINE_MAX * 3, 'z');
	refused(line, 4, want, "a very long line");
	free(line);
}

static void test_long_names(void)
{
	struct conf c;
	struct error err;
	char name1[61], name2[61], name3[66], text[400];

	memset(name1, 'n', 60);
	name1[60] = '\0';
	memcpy(name2, name1, sizeof name1);
	name1[55] = '1';
	name2[55] = '2';
	snprintf(text, sizeof text, "[account %s]\nhost = one\nfrom = a@x.example\n"
		 "[account %s]\nhost = two\nfrom = b@x.example\n", name1, name2);
	ok(load(text, &c, &err) == 0 && c.naccounts == 2, "two 60-byte names that inih would "
	   "merge stay apart: %s", err.text);
	ok(conf_find(&c, name1) && conf_find(&c, name2) &&
	   strcmp(conf_find(&c, name2)->host, "two") == 0, "each name keeps its keys");
	conf_release(&c);
	snprintf(text, sizeof text, "[account %s]\nhost = one\n[account %s]\n", name1, name1);
	refused(text, 3, "appears twice (first on line 1)", "the same long name twice");
	memset(name3, 'l', 65);
	name3[65] = '\0';
	snprintf(text, sizeof text, "[account %s]\n", name3);
	refused(text, 1, "longer than 64 bytes", "a 65-byte name");
}

static void test_whole_file_errors(void)
{
	struct conf c;
	struct error err;
	char want[300];
	char *big;

	ok(load("", &c, &err) < 0 && strstr(err.text, "holds no [account NAME] section"),
	   "an empty file: %s", err.text);
	snprintf(want, sizeof want, "%s: holds no", path);
	ok(strncmp(err.text, want, strlen(want)) == 0, "FILE: without a line");
	ok(load("[defaults]\nport = 25\n", &c, &err) < 0 && strstr(err.text, "holds no [account"),
	   "[defaults] only");
	big = xmalloc(CONF_FILE_MAX + 2);
	memset(big, ';', CONF_FILE_MAX + 1);
	big[CONF_FILE_MAX + 1] = '\0';
	ok(load(big, &c, &err) < 0 && strstr(err.text, "is larger than"), "a file over 1 MiB");
	free(big);
	ok(conf_load(&c, "/nonexistent/sendas.ini", NULL, NULL, &err) < 0 &&
	   strstr(err.text, "/nonexistent/sendas.ini: cannot open: No such file"),
	   "a missing file: %s", err.text);
}

static void test_password_sources(void)
{
	struct conf c;
	struct error err;
	const struct account *a, *b;

	ok(load("[defaults]\npassword_command = pass show mail\nuser = u\n"
		"[account a]\nhost = h\nfrom = a@x.example\npassword_file = /p\n"
		"[account b]\nhost = h\nfrom = b@x.example\n"
		"[account c]\nhost = h\nfrom = c@x.example\npassword =\n", &c, &err) == 0,
	   "password sources with [defaults]: %s", err.text);
	a = conf_find(&c, "a");
	b = conf_find(&c, "b");
	ok(a && a->password_file && !a->password_command && !a->password,
	   "an account's own source replaces the inherited one");
	ok(b && b->password_command && strcmp(b->password_command, "pass show mail") == 0,
	   "an account without a source inherits it");
	ok(conf_find(&c, "c") && !conf_find(&c, "c")->password_command &&
	   !conf_find(&c, "c")->password, "an empty password = stops inheritance");
	conf_release(&c);
}

/* The permission matrix: modes with and without a password. */
static void test_modes(void)
{
	static const mode_t modes[] = { 0600, 0640, 0644, 0660, 0666, 0400 };
	static const char *const texts[2] = {
		"[account a]\nhost = h\nfrom = *\n",
		"[account a]\nhost = h\nfrom = *\npassword = s3cret\n",
	};
	struct conf c;
	struct error err;
	size_t i;
	int pw, r, want;

	for (pw = 0; pw < 2; pw++) {
		for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
			write_file(path, texts[pw], strlen(texts[pw]), modes[i]);
			r = conf_load(&c, path, NULL, NULL, &err);
			want = !(modes[i] & 022) && !(pw && (modes[i] & 044));
			ok((r == 0) == want, "mode %04o %s a password: %s", (unsigned)modes[i],
			   pw ? "with" : "without", want ? "accepted" : "refused");
			if (modes[i] & 022)
				ok(r < 0 && strstr(err.text, "others can change it") &&
				   strstr(err.text, "run: chmod go-w"), "  says: %s", err.text);
			else if (!want)
				ok(r < 0 && strstr(err.text, ":4: a password in a file others can read") &&
				   strstr(err.text, "run: chmod 600"), "  says: %s", err.text);
			conf_release(&c);
		}
	}
}

static void test_file_kinds(void)
{
	struct conf c;
	struct error err;
	char link[128], sub[128], fifo[128];

	write_file(path, "[account a]\nhost = h\nfrom = *\n", 31, 0600);
	snprintf(link, sizeof link, "%s/link.ini", dir);
	ok(symlink(path, link) == 0, "made a symlink");
	ok(conf_load(&c, link, NULL, NULL, &err) < 0 && strstr(err.text, "is a symbolic link"),
	   "a symbolic link is refused: %s", err.text);
	snprintf(sub, sizeof sub, "%s/sub.ini", dir);
	mkdir(sub, 0700);
	ok(conf_load(&c, sub, NULL, NULL, &err) < 0 && strstr(err.text, "is not a regular file"),
	   "a directory is refused: %s", err.text);
	snprintf(fifo, sizeof fifo, "%s/fifo.ini", dir);
	mkfifo(fifo, 0600);
	ok(conf_load(&c, fifo, NULL, NULL, &err) < 0 && strstr(err.text, "is not a regular file"),
	   "a FIFO is refused without hanging: %s", err.text);
	conf_release(&c);
}

/* Run conf_load as uid 65534 in a child; its exit status: 0 loaded, 1 not. */
static int load_as_nobody(const char *file, const char *creds_dir, char *text, size_t size)
{
	int pipefd[2], status = 0;
	pid_t pid;
	ssize_t n;

	if (pipe(pipefd) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		struct conf c;
		struct error err;
		int r;

		close(pipefd[0]);
		if (creds_dir)
			setenv("CREDENTIALS_DIRECTORY", creds_dir, 1);
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		error_clear(&err);
		r = conf_load(&c, file, NULL, NULL, &err);
		if (write(pipefd[1], err.text, strlen(err.text) + 1) < 0)
			_exit(3);
		conf_release(&c);
		_exit(r == 0 ? 0 : 1);
	}
	close(pipefd[1]);
	n = read(pipefd[0], text, size - 1);
	text[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_owners(void)
{
	struct conf c;
	struct error err;
	char creds[64], inside[128], text[ERROR_TEXT_MAX];
	const char *body = "[account a]\nhost = h\nfrom = *\n";

	if (geteuid() != 0) {
		ok(1, "ownership by another uid # SKIP needs root to chown");
		return;
	}
	write_file(path, body, strlen(body), 0600);
	ok(chown(path, 65534, 65534) == 0, "chown to 65534");
	ok(conf_load(&c, path, NULL, NULL, &err) < 0 && strstr(err.text, "is owned by uid 65534, "
	   "not by uid 0"), "a file of uid 65534 is refused, also for root: %s", err.text);
	conf_release(&c);

	/* As uid 65534: a root-owned file is refused in general, accepted in
	 * $CREDENTIALS_DIRECTORY. */
	chmod(dir, 0755);
	write_file(path, body, strlen(body), 0644);
	ok(load_as_nobody(path, NULL, text, sizeof text) == 1 &&
	   strstr(text, "is owned by uid 0, not by uid 65534"),
	   "uid 65534: a root-owned file elsewhere is refused: %s", text);
	snprintf(creds, sizeof creds, "%s/creds", dir);
	mkdir(creds, 0755);
	snprintf(inside, sizeof inside, "%s/sendas.ini", creds);
	write_file(inside, body, strlen(body), 0644);
	ok(load_as_nobody(inside, creds, text, sizeof text) == 0,
	   "uid 65534: a root-owned file in $CREDENTIALS_DIRECTORY is accepted: %s", text);
	chmod(dir, 0700);
}

static void test_credential_modes(void)
{
	struct conf c;
	struct error err;
	char creds[64], inside[128];
	const char *body = "[account a]\nhost = h\nfrom = *\npassword = x\n";

	snprintf(creds, sizeof creds, "%s/creds2", dir);
	mkdir(creds, 0700);
	snprintf(inside, sizeof inside, "%s/sendas.ini", creds);
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	write_file(inside, body, strlen(body), 0440);
	error_clear(&err);
	ok(conf_load(&c, inside, NULL, NULL, &err) == 0,
	   "a credential with a password, mode 0440 (an ACL mask): accepted: %s", err.text);
	conf_release(&c);
	write_file(inside, body, strlen(body), 0444);
	ok(conf_load(&c, inside, NULL, NULL, &err) < 0 && strstr(err.text, "others can read"),
	   "a world-readable credential with a password is refused");
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void test_locate_explicit(void)
{
	struct error err;
	char *p;

	unsetenv("SENDAS_CONFIG");
	unsetenv("CREDENTIALS_DIRECTORY");
	p = conf_locate("/no/such/file.ini", &err);
	is_str(p, "/no/such/file.ini", "-C is returned even when missing");
	free(p);
	setenv("SENDAS_CONFIG", "/no/such/env.ini", 1);
	p = conf_locate(NULL, &err);
	is_str(p, "/no/such/env.ini", "$SENDAS_CONFIG");
	free(p);
	p = conf_locate("/c.ini", &err);
	is_str(p, "/c.ini", "-C beats $SENDAS_CONFIG");
	free(p);
	unsetenv("SENDAS_CONFIG");
}

static void test_locate_search(void)
{
	struct error err;
	char *p, xdg[64], want[256], creds[128];

	snprintf(xdg, sizeof xdg, "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	snprintf(want, sizeof want, "%s/xdg/sendas", dir);
	mkdir(xdg, 0700);
	mkdir(want, 0700);
	snprintf(want, sizeof want, "%s/xdg/sendas/accounts.ini", dir);
	write_file(want, "x", 1, 0600);
	p = conf_locate(NULL, &err);
	is_str(p, want, "$XDG_CONFIG_HOME/sendas/accounts.ini");
	free(p);

	snprintf(creds, sizeof creds, "%s/sendas.ini", dir);
	write_file(creds, "x", 1, 0600);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	p = conf_locate(NULL, &err);
	is_str(p, creds, "$CREDENTIALS_DIRECTORY/sendas.ini comes before XDG");
	free(p);
	unsetenv("CREDENTIALS_DIRECTORY");

	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", xdg, 1);     /* no .config there */
	p = conf_locate(NULL, &err);
	if (access(SYSCONF_ACCOUNTS, F_OK) == 0) {
		ok(1, "no account file # SKIP " SYSCONF_ACCOUNTS " exists here");
	} else {
		snprintf(want, sizeof want, "no account file: create %s/xdg/.config/sendas/"
			 "accounts.ini (see sendas-accounts(5)) or give -C FILE", dir);
		ok(p == NULL && err.category == CAT_CONFIG && strncmp(err.text, want, strlen(want)) == 0,
		   "none found: the places are named: %s", err.text);
	}
	free(p);
	snprintf(want, sizeof want, "%s/xdg/.config", dir);
	mkdir(want, 0700);
	snprintf(want, sizeof want, "%s/xdg/.config/sendas", dir);
	mkdir(want, 0700);
	snprintf(want, sizeof want, "%s/xdg/.config/sendas/accounts.ini", dir);
	symlink("/nonexistent", want);
	p = conf_locate(NULL, &err);
	is_str(p, want, "~/.config/sendas/accounts.ini, found even as a dangling symlink");
	free(p);
}

static int remove_entry(const char *file, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(file);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	snprintf(path, sizeof path, "%s/accounts.ini", dir);
	buf_init(&warnings, 64 * 1024);
	unsetenv("CREDENTIALS_DIRECTORY");

	test_inheritance();
	test_syntax_variants();
	test_hosts();
	test_unknown_key();
	test_msmtp_syntax();
	test_account_inheritance();
	test_errors();
	test_host_list();
	test_nul_midfile();
	test_long_lines();
	test_long_names();
	test_whole_file_errors();
	test_password_sources();
	test_modes();
	test_file_kinds();
	test_owners();
	test_credential_modes();
	test_locate_explicit();
	test_locate_search();

	buf_release(&warnings);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
