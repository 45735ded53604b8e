/* test_aliases.c: the aliases file (aliases.h): syntax (comments,
 * continuation lines, several targets, case), nesting, loops, the depth
 * limit, default:, refused forms with FILE:LINE warnings, errors with line
 * numbers; local names (mailname.h); local_senders and bare rewrite_from
 * patterns in account selection (account.h), and local_senders in the
 * account file (conf.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "aliases.h"
#include "buf.h"
#include "conf.h"
#include "mailname.h"
#include "tap.h"
#include "xalloc.h"

static char dir[] = "/tmp/sendas-test-aliases-XXXXXX";
static char path[64];
static struct buf warnings;
static char mailname[] = "box.example.test", hostname[] = "box",
	    fqdn[] = "box.lan.example.test";
static const struct local_names names = { .mailname = mailname, .hostname = hostname,
					  .fqdn = fqdn };

static void collect(void *ctx, const char *text)
{
	buf_printf(ctx, "%s\n", text);
}

static void write_text(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(99);
	close(fd);
}

/* Load text as the aliases file: 0 or -1 with err. */
static int load(const char *text, struct aliases *al, struct error *err)
{
	write_text(path, text);
	buf_reset(&warnings);
	error_clear(err);
	return aliases_load(al, path, collect, &warnings, err);
}

/* rcpt expanded through text: the addresses joined by ",", or
 * "ERROR: text". */
static char *expand(const struct aliases *al, const char *rcpt)
{
	struct address_list l;
	struct error err;
	struct buf out;
	size_t i;

	address_list_init(&l);
	buf_init(&out, 64 * 1024);
	error_clear(&err);
	if (aliases_expand(al, &names, rcpt, &l, &err) < 0)
		buf_printf(&out, "ERROR %d: %s", (int)err.category, err.text);
	for (i = 0; i < l.n; i++)
		buf_printf(&out, "%s%s", i ? "," : "", l.addrs[i]);
	address_list_release(&l);
	return buf_detach(&out);
}

static void check(const struct aliases *al, const char *rcpt, const char *want,
		  const char *what)
{
	char *got = expand(al, rcpt);

	is_str(got, want, "%s", what);
	free(got);
}

static void like(const struct aliases *al, const char *rcpt, const char *part,
		 const char *what)
{
	char *got = expand(al, rcpt);

	ok(strstr(got, part) != NULL, "%s", what);
	if (!strstr(got, part))
		printf("#   got: %s\n#   want a part: %s\n", got, part);
	free(got);
}

static void test_syntax(void)
{
	struct aliases al;
	struct error err;

	ok(load("# the machine's aliases\n"
		"postmaster:    root\n"
		"Root: admin@example.net,\n"
		"      ops@example.net,\n"
		"# a comment inside does not end the entry\n"
		"\tboss@example.net\n"
		"\n"
		"www-data: \"Web Master\" <web@example.net>, root\n",
		&al, &err) == 0, "a file with comments, continuations, several targets loads");
	if (al.n == 0)
		printf("#   %s\n", err.text);
	ok(al.n == 3, "three aliases (%zu)", al.n);
	ok(aliases_find(&al, "ROOT") && aliases_find(&al, "root")->ntargets == 3,
	   "names are case-insensitive; a continuation after a comment line continues");
	ok(aliases_find(&al, "root@localhost") != NULL, "a name is found with @domain too");
	check(&al, "root", "admin@example.net,ops@example.net,boss@example.net", "root: three targets");
	check(&al, "postmaster", "admin@example.net,ops@example.net,boss@example.net",
	      "postmaster: nested through root");
	check(&al, "www-data",
	      "web@example.net,admin@example.net,ops@example.net,boss@example.net",
	      "www-data: an address with a display name and root");
	check(&al, "root@localhost", "admin@example.net,ops@example.net,boss@example.net",
	      "root@localhost is local");
	check(&al, "root@BOX.example.test", "admin@example.net,ops@example.net,boss@example.net",
	      "root@ the mail name (any case) is local");
	check(&al, "root@box", "admin@example.net,ops@example.net,boss@example.net",
	      "root@ the host name is local");
	check(&al, "root@box.lan.example.test.", "admin@example.net,ops@example.net,boss@example.net",
	      "root@ the fully qualified host name (trailing dot) is local");
	check(&al, "root@example.org", "root@example.org", "an address elsewhere passes through");
	aliases_release(&al);
}

static void test_default_and_missing(void)
{
	struct aliases al;
	struct error err;

	ok(load("root: admin@example.net\n", &al, &err) == 0, "one alias");
	like(&al, "alice", "ERROR 10: alice is a local name without an alias", "no alias: refused");
	like(&al, "alice", "add \"alice: ADDRESS\" (or \"default: ADDRESS\") to", "it says what to add");
	like(&al, "alice@localhost", path, "and names the file");
	aliases_release(&al);
	ok(load("root: admin@example.net\ndefault: root\n", &al, &err) == 0, "with default:");
	check(&al, "alice", "admin@example.net", "default: takes every other local name");
	check(&al, "nobody@box.example.test", "admin@example.net", "also at the mail name");
	aliases_release(&al);
	like(NULL, "root", "no aliases file to resolve it; create /etc/aliases",
	     "no file at all: refused, naming /etc/aliases");
	check(NULL, "bob@example.net", "bob@example.net", "no file: addresses elsewhere pass");
}

static void test_loops(void)
{
	struct aliases al;
	struct error err;
	struct buf deep;
	int i;

	ok(load("a: b\nb: c\nc: a\n", &al, &err) == 0, "a loop loads (it is found when used)");
	like(&al, "a", ":1: the aliases loop: a -> b -> c -> a", "a loop is named with its chain");
	like(&al, "b", "b -> c -> a -> b", "from anywhere on it");
	aliases_release(&al);
	ok(load("me: me, me@example.net\n", &al, &err) == 0, "an alias naming itself");
	like(&al, "me", "loop: me -> me", "is a loop (nothing is delivered locally)");
	aliases_release(&al);
	ok(load("default: nobody\n", &al, &err) == 0, "default: naming a local name");
	like(&al, "x", "loop: default -> default", "a default that comes back is a loop");
	aliases_release(&al);
	buf_init(&deep, 64 * 1024);
	for (i = 0; i < ALIASES_DEPTH_MAX + 2; i++)
		buf_printf(&deep, "n%d: n%d\n", i, i + 1);
	buf_printf(&deep, "n%d: end@example.net\n", ALIASES_DEPTH_MAX + 2);
	ok(load(buf_str(&deep), &al, &err) == 0, "a chain deeper than the limit loads");
	like(&al, "n0", "aliases nest deeper than 20", "and is refused when used");
	check(&al, "n4", "end@example.net", "a chain of 19 is fine");
	aliases_release(&al);
	buf_release(&deep);
}

static void test_refused_forms(void)
{
	struct aliases al;
	struct error err;

	ok(load("root: admin@example.net\n"
		"logger: |/usr/bin/logger, admin@example.net\n"
		"quoted: \"|/usr/bin/x y\", /var/mail/q, root\n"
		"inc: :include:/etc/mail/list\n", &al, &err) == 0,
	   "pipes, files and :include: load with warnings");
	ok(strstr(buf_str(&warnings), ":2: |/usr/bin/logger of alias \"logger\" is a pipe to a command"),
	   "a pipe: warned with FILE:LINE");
	ok(strstr(buf_str(&warnings), ":3: \"|/usr/bin/x y\" of alias \"quoted\" is a pipe"),
	   "a quoted pipe (with a comma-free space) too");
	ok(strstr(buf_str(&warnings), ":3: /var/mail/q of alias \"quoted\" is a file"),
	   "a file too");
	ok(strstr(buf_str(&warnings), ":4: :include:/etc/mail/list of alias \"inc\" is an :include: file"),
	   "and :include:");
	ok(strstr(buf_str(&warnings), path) != NULL, "the warnings name the file");
	check(&al, "logger", "admin@example.net", "the refused target is left out");
	check(&al, "quoted", "admin@example.net", "quoted: only root is left");
	like(&al, "inc", ":4: alias \"inc\" has no target sendas can deliver to",
	     "an alias with nothing deliverable is refused, with its line");
	aliases_release(&al);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want, *what;
	} cases[] = {
		{ "root: a@example.net\nthis line has no colon\n", ":2: expected \"name: address",
		  "a line without name: (line 2)" },
		{ "root: a@example.net\n\nROOT: b@example.net\n",
		  ":3: alias \"root\" is defined twice (first on line 1)", "a name twice (any case)" },
		{ "# c\n  root: a@example.net\n", ":2: a continuation line",
		  "a continuation without an alias" },
		{ "root: a@example.net\nops: a@@b\n", ":2: target \"a@@b\" of alias \"ops\" is not an address",
		  "a bad target" },
		{ "x\n", ":1: expected", "one bad line" },
		{ "my name: a@example.net\n", ":1: \"my name\" is not an alias name", "a name with a space" },
		{ ": a@example.net\n", ":1: \"\" is not an alias name", "an empty name" },
	};
	struct aliases al;
	struct error err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = load(cases[i].text, &al, &err);

		ok(r < 0 && err.category == CAT_CONFIG && strstr(err.text, cases[i].want) &&
		   strncmp(err.text, path, strlen(path)) == 0, "%s: FILE:LINE", cases[i].what);
		if (r == 0 || !strstr(err.text, cases[i].want))
			printf("#   got: %s\n", r < 0 ? err.text : "(loaded)");
		aliases_release(&al);
	}
	error_clear(&err);
	ok(aliases_load(&al, "/nonexistent/aliases", NULL, NULL, &err) < 0 &&
	   err.category == CAT_IO && strstr(err.text, "/nonexistent/aliases"),
	   "a missing file: CAT_IO naming it");
}

static void test_local_names(void)
{
	struct local_names n;
	char file[80];

	ok(address_is_local("root", &names), "a bare name is local");
	ok(address_is_local("root@LocalHost", &names), "@localhost is local");
	ok(!address_is_local("root@example.net", &names), "another domain is not");
	ok(!address_is_local("root@box.example.test.evil", &names), "a longer domain is not");
	ok(!address_is_local("", &names), "the null sender is not");
	snprintf(file, sizeof file, "%s/mailname", dir);
	write_text(file, "  mail.example.test \n");
	local_names_get(&n, file);
	is_str(n.mailname, "mail.example.test", "/etc/mailname: the first line, trimmed");
	local_names_release(&n);
	write_text(file, "not a name\n");
	local_names_get(&n, file);
	ok(n.mailname && strcmp(n.mailname, "not a name") != 0, "a line with spaces is ignored");
	local_names_release(&n);
	local_names_get(&n, "/nonexistent/mailname");
	ok(n.mailname && *n.mailname, "no file: the host's name (%s)", n.mailname);
	local_names_release(&n);
}

static void test_local_senders(void)
{
	struct conf c;
	struct selection sel;
	struct error err;
	static const char *const senders[] = {
		"root", "root@localhost", "root@box.example.test", "cron@box",
	};
	size_t i;

	write_text(path, "[account work]\nhost = h\nfrom = *@example.org\n"
			 "[account alerts]\nhost = h\nfrom = alerts@example.net\nlocal_senders = yes\n"
			 "[account bare]\nhost = h\nfrom = b@example.com\nrewrite_from = www-data\n");
	error_clear(&err);
	if (conf_load(&c, path, NULL, NULL, &err) < 0) {
		printf("# %s\n", err.text);
		exit(99);
	}
	c.local_names = &names;
	for (i = 0; i < sizeof senders / sizeof senders[0]; i++) {
		selection_init(&sel);
		ok(account_select(&c, senders[i], NULL, &sel, &err) == 0 && sel.rewritten &&
		   strcmp(sel.account->name, "alerts") == 0 &&
		   strcmp(sel.sender, "alerts@example.net") == 0,
		   "%s: local, sent by local_senders as alerts@example.net", senders[i]);
		selection_release(&sel);
	}
	selection_init(&sel);
	ok(account_select(&c, "bob@example.org", NULL, &sel, &err) == 0 &&
	   strcmp(sel.account->name, "work") == 0, "a from match still wins");
	selection_release(&sel);
	selection_init(&sel);
	ok(account_select(&c, "stranger@example.net", NULL, &sel, &err) < 0 &&
	   err.category == CAT_NO_ACCOUNT, "a sender that is not local is not taken");
	selection_release(&sel);
	selection_init(&sel);
	ok(account_select(&c, "www-data@box.example.test", NULL, &sel, &err) == 0 &&
	   strcmp(sel.account->name, "bare") == 0 && sel.rewritten,
	   "rewrite_from = www-data matches www-data@ the mail name");
	selection_release(&sel);
	selection_init(&sel);
	ok(account_select(&c, "www-data@example.org", NULL, &sel, &err) == 0 &&
	   strcmp(sel.account->name, "work") == 0, "but not www-data elsewhere");
	selection_release(&sel);
	conf_release(&c);

	write_text(path, "[account a]\nhost = h\nfrom = a@x.example\nlocal_senders = yes\n"
			 "[account b]\nhost = h\nfrom = b@x.example\nlocal_senders = on\n");
	ok(conf_load(&c, path, NULL, NULL, &err) < 0 &&
	   strstr(err.text, "[account a] and [account b] both have local_senders = yes") &&
	   strstr(err.text, ":5:"), "two local_senders accounts: an error naming both");
	write_text(path, "[defaults]\nlocal_senders = yes\n[account a]\nhost = h\nfrom = a@x.example\n");
	ok(conf_load(&c, path, NULL, NULL, &err) < 0 && strstr(err.text, ":2: local_senders belongs"),
	   "local_senders in [defaults]: refused");
	write_text(path, "[account a]\nhost = h\nfrom = a@x.example\nlocal_senders = maybe\n");
	ok(conf_load(&c, path, NULL, NULL, &err) < 0 && strstr(err.text, ":4: \"maybe\" is not yes or no"),
	   "local_senders = maybe: refused");
	write_text(path, "[account a]\nhost = h\nfrom = a@x.example\nqueued_exit = 1\n");
	ok(conf_load(&c, path, NULL, NULL, &err) < 0 && strstr(err.text, "queued_exit = \"1\" is not 0 or 75"),
	   "queued_exit = 1: refused");
	write_text(path, "[defaults]\nqueued_exit = 75\naliases = /etc/other-aliases\n"
			 "[account a]\nhost = h\nfrom = a@x.example\n");
	ok(conf_load(&c, path, NULL, NULL, &err) == 0 && c.accounts[0].queued_exit == 75 &&
	   strcmp(c.accounts[0].aliases, "/etc/other-aliases") == 0,
	   "queued_exit and aliases are inherited from [defaults]");
	conf_release(&c);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	snprintf(path, sizeof path, "%s/aliases", dir);
	buf_init(&warnings, 64 * 1024);
	test_syntax();
	test_default_and_missing();
	test_loops();
	test_refused_forms();
	test_errors();
	test_local_names();
	test_local_senders();
	buf_release(&warnings);
	unlink(path);
	{
		char f[80];

		snprintf(f, sizeof f, "%s/mailname", dir);
		unlink(f);
	}
	rmdir(dir);
	return tap_done();
}
