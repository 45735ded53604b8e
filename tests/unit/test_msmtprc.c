/* test_msmtprc.c: msmtprc_convert() reads an msmtprc as msmtp does
 * (defaults, inheritance, quotes, the implicit default account, old
 * spellings) and writes what sendas can read; what it cannot write is a
 * comment and one warning per msmtprc line.  Also msmtprc_cmdline_conf()
 * and msmtprc_places(). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msmtprc.h"
#include "tap.h"
#include "xalloc.h"

static struct buf warnings;

static void collect(void *ctx, const char *text)
{
	buf_printf(ctx, "%s\n", text);
}

/* Convert text; the account file in *out (new string), or NULL. */
static char *convert(const char *text, struct error *err)
{
	struct buf out;
	int n;

	buf_init(&out, MSMTPRC_OUT_MAX);
	buf_reset(&warnings);
	error_clear(err);
	n = msmtprc_convert(text, strlen(text), "rc", &out, collect, &warnings, err);
	if (n < 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* The section of account name in out (up to the next section), or "". */
static char *section(const char *out, const char *name)
{
	char *head = xasprintf("\n[account %s]\n", name);
	const char *s = out ? strstr(out, head) : NULL, *end;
	char *r;

	if (!s) {
		free(head);
		return xstrdup("");
	}
	s += strlen(head);
	end = strstr(s, "\n[account ");
	r = end ? xstrndup(s, (size_t)(end - s + 1)) : xstrdup(s);
	free(head);
	return r;
}

static void has(const char *out, const char *name, const char *line, const char *what)
{
	char *sec = section(out, name);

	ok(strstr(sec, line) != NULL, "%s: [account %s] has \"%s\"", what, name, line);
	free(sec);
}

static void lacks(const char *out, const char *name, const char *text, const char *what)
{
	char *sec = section(out, name);

	ok(*sec && strstr(sec, text) == NULL, "%s: [account %s] lacks \"%s\"", what, name, text);
	free(sec);
}

static void warned(const char *needle, const char *what)
{
	ok(strstr(buf_str(&warnings), needle) != NULL, "%s: warned \"%s\"", what, needle);
}

static void test_manual_example(void)
{
	struct error err;
	char *out = convert("defaults\nport 587\ntls on\n\naccount freemail\n"
			    "host smtp.freemail.example\nfrom joe_smith@freemail.example\n"
			    "auth on\nuser joe.smith\npasswordeval gpg2 -q -d ~/.pw.gpg\n\n"
			    "account freemail2 : freemail\nfrom joey@freemail.example\n\n"
			    "account isp\nhost mail.isp.example\nfrom smithjoe@isp.example\n"
			    "auth on\nuser 12345\n\naccount default : freemail\n", &err);

	ok(out != NULL, "the manual's user file converts %s", err.text);
	has(out, "freemail", "host = smtp.freemail.example\nport = 587\ntls = starttls\n",
	    "defaults");
	has(out, "freemail", "auth = auto\nuser = joe.smith\n", "auth on");
	has(out, "freemail", "password_command = gpg2 -q -d ~/.pw.gpg\n", "passwordeval");
	has(out, "freemail2", "host = smtp.freemail.example\n", "inherited host");
	has(out, "freemail2", "user = joe.smith\n", "inherited user");
	has(out, "freemail2", "from = joey@freemail.example\n", "own from");
	has(out, "isp", "port = 587\n", "defaults reach a later account");
	has(out, "default", "from = *\n", "default: any sender, its from is freemail's");
	has(out, "default", "host = smtp.freemail.example\n", "default inherits");
	ok(out && strstr(out, "[defaults]") == NULL, "no [defaults] in the output");
	free(out);
}

static void test_system_example(void)
{
	struct error err;
	char *out = convert("account default\nhost mail.oursite.example\nport 465\ntls on\n"
			    "tls_starttls off\nfrom %U@oursite.example\nsyslog LOG_MAIL\n", &err);

	has(out, "default", "port = 465\ntls = implicit\n", "tls_starttls off");
	has(out, "default", "from = %U@oursite.example, *\n", "%U kept for sendas");
	has(out, "default", "syslog = LOG_MAIL\n", "syslog facility");
	lacks(out, "default", "user", "auth off: no login");
	free(out);
}

static void test_defaults_and_ports(void)
{
	struct error err;
	char *out = convert("host top.example\nfrom a@example.org\n"
			    "account b\nhost b.example\nfrom b@example.org\ntls on\n"
			    "tls_nostarttls\nauth plain\nuser b\npassword \"s3 cret \"\n"
			    "syslog\nlogfile -\n", &err);

	ok(out != NULL, "a command before any account %s", err.text);
	has(out, "default", "host = top.example\nport = 25\ntls = off\n",
	    "the implicit default account, msmtp's port 25 without TLS");
	warned("rc:0: account default sends without TLS", "plain text");
	has(out, "b", "port = 465\ntls = implicit\n", "tls_nostarttls is tls_starttls off");
	has(out, "b", "auth = PLAIN\n", "methods in SASL's spelling");
	has(out, "b", "password = \"s3 cret \"\n", "quotes kept where blanks need them");
	warned("rc:10: a password in the account file", "password");
	has(out, "b", "syslog = LOG_USER\n", "syslog on: msmtp's LOG_USER");
	has(out, "b", "logfile = -\n", "logfile -");
	free(out);
}

static void test_notes(void)
{
	struct error err;
	char *out;

	out = convert("defaults\nproxy_host 127.0.0.1\nproxy_port 9050\ndsn_notify failure\n"
		      "account a\nhost a.example\nfrom a@example.org\n"
		      "tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\n"
		      "set_from_header on\nallow_from_override off\nmystery 1\neval echo host x\n"
		      "account b\nhost b.example\nfrom b@example.org\ntls on\n"
		      "tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
		      "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n"
		      "tls_certcheck off\nauth on\nuser b\npassword a ;b\n", &err);
	ok(out != NULL, "notes convert %s", err.text);
	has(out, "a", "# msmtp: proxy_host 127.0.0.1 (", "proxy as a comment");
	has(out, "b", "# msmtp: proxy_host 127.0.0.1 (", "inherited proxy as a comment too");
	ok(strstr(buf_str(&warnings), "rc:2: proxy_host") &&
	   strstr(strstr(buf_str(&warnings), "rc:2: proxy_host") + 1, "rc:2: proxy_host") == NULL,
	   "one warning per msmtprc line");
	warned("rc:4: dsn_notify has no sendas key", "dsn_notify");
	warned("rc:8: tls_fingerprint is not a SHA-256", "SHA-1 fingerprint");
	has(out, "a", "# msmtp: tls_fingerprint 00:11", "SHA-1 as a comment");
	warned("rc:9: set_from_header", "set_from_header on");
	warned("rc:10: allow_from_override", "allow_from_override off");
	warned("rc:11: unknown msmtp command \"mystery\"", "unknown command");
	warned("rc:12: eval runs a command", "eval");
	has(out, "b", "tls_fingerprint = sha256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n", "SHA-256 fingerprint");
	warned("rc:18: tls_certcheck has no sendas key", "tls_certcheck off");
	has(out, "b", "# msmtp: password *** (not written", "a password with \" ;\"");
	warned("rc:21: the value of password holds \" ;\"", "password with \" ;\"");
	ok(strstr(out, "a ;b") == NULL && strstr(buf_str(&warnings), "a ;b") == NULL,
	   "that password is nowhere in the output or the warnings");
	free(out);
}

static void test_left_out(void)
{
	struct error err;
	char *out = convert("account nohost\nfrom a@example.org\n"
			    "account nofrom\nhost h.example\n"
			    "account \"my work\"\nhost w.example\nfrom w@example.org\n"
			    "account twin\nhost t.example\nfrom w@example.org\n"
			    "account pct\nhost p.example\nfrom %F\n"
			    "account star\nhost s.example\nfrom jo*e@example.org\n", &err);

	ok(out != NULL, "accounts left out %s", err.text);
	warned("rc:1: account nohost has no host", "no host");
	warned("rc:3: account nofrom has no from", "no from");
	has(out, "my_work", "host = w.example\n", "a name with a blank");
	warned("rc:5: account \"my work\" is named my_work", "renamed");
	warned("rc:8: account twin has the same from", "a second account with one from");
	warned("rc:13: from %F", "%F");
	warned("rc:16: from jo*e@example.org: \"jo*e@example.org\" is not an address",
	       "a shape sendas refuses");
	free(out);
}

static void test_errors(void)
{
	struct error err;

	ok(!convert("account a : nope\nhost h\n", &err) && strstr(err.text, "rc:1: account nope "
							       "is not defined"),
	   "an unknown parent: %s", err.text);
	ok(!convert("account a\nhost h\nfrom a@b.example\naccount a\n", &err) &&
	   strstr(err.text, "rc:4: account a was already defined (line 1)"), "twice: %s",
	   err.text);
	ok(!convert("account\n", &err) && strstr(err.text, "rc:1: \"account\" needs a name"),
	   "no name: %s", err.text);
	ok(!convert("# nothing\n", &err) && strstr(err.text, "defines no account"),
	   "no account: %s", err.text);
	ok(!convert("account a\n", &err) && strstr(err.text, "no account could be converted"),
	   "nothing to write: %s", err.text);
}

static void test_cmdline(void)
{
	struct msmtp_settings s = { .host = "mailhub", .tls = "on" };
	struct conf c;

	msmtprc_cmdline_conf(&s, &c);
	ok(c.naccounts == 1 && strcmp(c.accounts[0].port, "25") == 0 &&
	   c.accounts[0].tls == TLS_SETTING_STARTTLS && !c.accounts[0].user &&
	   strcmp(c.accounts[0].from, "*") == 0, "--host mailhub --tls: 25, STARTTLS, no login");
	conf_release(&c);
	s = (struct msmtp_settings){ .host = "h", .tls = "on", .tls_starttls = "off",
				     .auth = "on", .user = "u", .passwordeval = "pass x" };
	msmtprc_cmdline_conf(&s, &c);
	ok(strcmp(c.accounts[0].port, "465") == 0 && c.accounts[0].tls == TLS_SETTING_IMPLICIT &&
	   strcmp(c.accounts[0].auth, "auto") == 0 && strcmp(c.accounts[0].user, "u") == 0 &&
	   strcmp(c.accounts[0].password_command, "pass x") == 0,
	   "--tls-starttls=off --auth: 465, implicit TLS, login");
	conf_release(&c);
}

static void test_places(void)
{
	char *p[3];
	size_t n = msmtprc_places("/home/u", NULL, p), i;

	ok(n == 3 && strcmp(p[0], "/home/u/.msmtprc") == 0 &&
	   strcmp(p[1], "/home/u/.config/msmtp/config") == 0 && strcmp(p[2], "/etc/msmtprc") == 0,
	   "msmtp's places");
	for (i = 0; i < n; i++)
		free(p[i]);
	n = msmtprc_places("/home/u", "/x", p);
	ok(n == 3 && strcmp(p[1], "/x/msmtp/config") == 0, "$XDG_CONFIG_HOME");
	for (i = 0; i < n; i++)
		free(p[i]);
	n = msmtprc_places(NULL, "/x", p);
	ok(n == 1 && strcmp(p[0], "/etc/msmtprc") == 0, "no home: the system file only");
	free(p[0]);
}

int main(void)
{
	buf_init(&warnings, 1 << 20);
	test_manual_example();
	test_system_example();
	test_defaults_and_ports();
	test_notes();
	test_left_out();
	test_errors();
	test_cmdline();
	test_places();
	buf_release(&warnings);
	return tap_done();
}
