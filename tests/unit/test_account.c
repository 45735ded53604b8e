/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_account.c: sender => account: IDN, case, +tag, each specificity
 * level, ties, -a inside and outside from, rewrite_from, no match. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "address.h"
#include "pattern.h"
#include "conf.h"
#include "tap.h"

static char dir[] = "/tmp/sendas-test-account-XXXXXX";
static char path[64];

static const char accounts[] =
	"[account ionos]\nhost = smtp.ionos.de\nuser = alice@example.org\nfrom = *@example.org\n"
	"[account gmx]\nhost = mail.gmx.net\nuser = alice@gmx.de\nfrom = alice@gmx.de\n"
	"[account exact]\nhost = h\nfrom = boss@example.org\n"
	"[account local]\nhost = h\nfrom = postmaster@*\n"
	"[account sub]\nhost = h\nfrom = *@*.example.org\n"
	"[account deepsub]\nhost = h\nfrom = *@*.lab.example.org\n"
	"[account muller]\nhost = h\nfrom = *@müller.example\n"
	"[account tagged]\nhost = h\nfrom = news+list@example.net\n"
	"[account alerts]\nhost = h\nuser = alerts@example.net\nfrom = alerts@example.net\n"
	"rewrite_from = root@*, *@localhost nobody@*\n";

static int load(const char *text, struct conf *c)
{
	struct error err;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(99);
	close(fd);
	if (conf_load(c, path, NULL, NULL, &err) < 0) {
		printf("# %s\n", err.text);
		exit(99);
	}
	return 0;
}

/* Select and compare account, level, sender and the matching pattern. */
static void chosen(const struct conf *c, const char *sender, const char *account, int level,
		   const char *envelope, const char *pattern)
{
	struct selection sel;
	struct error err;
	int r;

	selection_init(&sel);
	error_clear(&err);
	r = account_select(c, sender, NULL, &sel, &err);
	ok(r == 0 && sel.account && strcmp(sel.account->name, account) == 0 && sel.level == level &&
	   !sel.rewritten && sel.warning == NULL,
	   "%s -> %s at level %d (got %s, %d) %s", sender, account, level,
	   sel.account ? sel.account->name : "none", sel.level, err.text);
	is_str(sel.sender, envelope, "  envelope sender");
	is_str(sel.pattern, pattern, "  pattern");
	selection_release(&sel);
}

static void refused(const struct conf *c, const char *sender, const char *forced,
		    enum category cat, const char *needle, const char *what)
{
	struct selection sel;
	struct error err;
	int r;

	selection_init(&sel);
	error_clear(&err);
	r = account_select(c, sender, forced, &sel, &err);
	ok(r < 0 && err.category == cat && strstr(err.text, needle), "%s: %s", what, err.text);
	selection_release(&sel);
}

static void test_levels(const struct conf *c)
{
	chosen(c, "alice@example.org", "ionos", 3, "alice@example.org", "*@example.org");
	chosen(c, "boss@example.org", "exact", 1, "boss@example.org", "boss@example.org");
	chosen(c, "postmaster@gmx.de", "local", 2, "postmaster@gmx.de", "postmaster@*");
	chosen(c, "postmaster@example.org", "local", 2, "postmaster@example.org", "postmaster@*");
	chosen(c, "x@mail.example.org", "sub", 4, "x@mail.example.org", "*@*.example.org");
	chosen(c, "x@a.lab.example.org", "deepsub", 4, "x@a.lab.example.org",
	       "*@*.lab.example.org");
	chosen(c, "x@lab.example.org", "sub", 4, "x@lab.example.org", "*@*.example.org");
	chosen(c, "alice@gmx.de", "gmx", 1, "alice@gmx.de", "alice@gmx.de");
}

static void test_normalisation(const struct conf *c)
{
	chosen(c, "Alice@EXAMPLE.ORG", "ionos", 3, "Alice@example.org", "*@example.org");
	chosen(c, "BOSS@Example.Org", "exact", 1, "BOSS@example.org", "boss@example.org");
	chosen(c, "boss+invoices@example.org", "exact", 1, "boss+invoices@example.org",
	       "boss@example.org");
	chosen(c, "<Alice+Spam@GMX.DE>", "gmx", 1, "Alice+Spam@gmx.de", "alice@gmx.de");
	chosen(c, "x@müller.example", "muller", 3, "x@xn--mller-kva.example", "*@müller.example");
	chosen(c, "x@MÜLLER.example", "muller", 3, "x@xn--mller-kva.example", "*@müller.example");
	chosen(c, "x@xn--mller-kva.example", "muller", 3, "x@xn--mller-kva.example",
	       "*@müller.example");
	chosen(c, "news+list@example.net", "tagged", 1, "news+list@example.net",
	       "news+list@example.net");
	refused(c, "news@example.net", NULL, CAT_NO_ACCOUNT, "may send as news@example.net",
		"a pattern with a +tag does not match the bare address");
	refused(c, "news+other@example.net", NULL, CAT_NO_ACCOUNT, "news+other@example.net",
		"nor another tag");
	refused(c, "x@example.org.evil", NULL, CAT_NO_ACCOUNT, "x@example.org.evil",
		"a domain is not a prefix match");
	refused(c, "x@badexample.org", NULL, CAT_NO_ACCOUNT, "x@badexample.org",
		"*@*.example.org needs a dot before the domain");
}

static void test_rewrite(const struct conf *c)
{
	static const char *const senders[][2] = {
		{ "root@myhost", "root@*" }, { "ROOT@myhost.lan", "root@*" },
		{ "cron@localhost", "*@localhost" }, { "nobody@box", "nobody@*" },
		{ "root", "root@*" },
	};
	struct selection sel;
	struct error err;
	size_t i;

	for (i = 0; i < sizeof senders / sizeof senders[0]; i++) {
		selection_init(&sel);
		ok(account_select(c, senders[i][0], NULL, &sel, &err) == 0 && sel.rewritten &&
		   strcmp(sel.account->name, "alerts") == 0, "%s is rewritten by alerts",
		   senders[i][0]);
		is_str(sel.sender, "alerts@example.net", "  sent as the account's address");
		is_str(sel.pattern, senders[i][1], "  the rewrite_from pattern");
		ok(strstr(buf_str(&sel.explanation), "sent as: alerts@example.net") != NULL,
		   "  the explanation says so");
		selection_release(&sel);
	}
	chosen(c, "root@example.org", "ionos", 3, "root@example.org", "*@example.org");
	refused(c, "cron", NULL, CAT_NO_ACCOUNT, "may send as cron;",
		"an unqualified sender matches only domain-* patterns");
}

static void test_no_match(const struct conf *c)
{
	struct selection sel;
	struct error err;
	char want[200];

	selection_init(&sel);
	ok(account_select(c, "bob@other.example", NULL, &sel, &err) < 0 &&
	   err.category == CAT_NO_ACCOUNT, "no account for bob@other.example");
	snprintf(want, sizeof want, "no account in %s may send as bob@other.example; ", path);
	ok(strncmp(err.text, want, strlen(want)) == 0, "names the file and the sender: %s",
	   err.text);
	ok(strstr(err.text, "ionos (from *@example.org)") && strstr(err.text, "gmx (from alice@gmx.de)") &&
	   strstr(err.text, "alerts (from alerts@example.net; rewrite_from root@*, *@localhost "
		  "nobody@*)"), "names each account with its patterns");
	ok(strstr(err.text, "add the sender to the from") && strstr(err.text, "or to rewrite_from"),
	   "suggests from and rewrite_from");
	selection_release(&sel);
}

static void test_ties(void)
{
	struct conf c;

	load("[account one]\nhost = h\nfrom = *@example.org\n"
	     "[account two]\nhost = h\nfrom = x@other.example *@example.org\n"
	     "[account three]\nhost = h\nfrom = a@example.org\n"
	     "[account four]\nhost = h\nfrom = A@Example.org\n"
	     "[account five]\nhost = h\nfrom = *@*.sub.example\n"
	     "[account six]\nhost = h\nfrom = *@*.sub.example\n"
	     "[account r1]\nhost = h\nuser = r1@example.net\nrewrite_from = root@*\n"
	     "[account r2]\nhost = h\nuser = r2@example.net\nrewrite_from = root@*\n", &c);
	refused(&c, "b@example.org", NULL, CAT_CONFIG,
		"matches account one (from \"*@example.org\") and account two (from "
		"\"*@example.org\") equally (the whole domain); make one pattern more specific",
		"a tie at the domain level names both accounts and the pattern");
	refused(&c, "a@example.org", NULL, CAT_CONFIG, "account three (from \"a@example.org\") and "
		"account four (from \"A@Example.org\")", "a tie of exact addresses, whatever the case");
	refused(&c, "x@y.sub.example", NULL, CAT_CONFIG, "account five", "a tie of subdomains");
	refused(&c, "root@box", NULL, CAT_CONFIG, "account r1 (rewrite_from \"root@*\") and account "
		"r2 (rewrite_from \"root@*\")", "a tie in rewrite_from");
	chosen(&c, "x@other.example", "two", 1, "x@other.example", "x@other.example");
	conf_release(&c);
}

static void test_any(void)
{
	struct conf c;

	load("[account all]\nhost = h\nfrom = *\n[account dom]\nhost = h\nfrom = *@example.org\n"
	     "[account star]\nhost = h\nfrom = *@*.star.example, nobody@nowhere.example\n", &c);
	chosen(&c, "x@example.org", "dom", 3, "x@example.org", "*@example.org");
	chosen(&c, "x@else.example", "all", 6, "x@else.example", "*");
	chosen(&c, "root", "all", 6, "root", "*");
	conf_release(&c);
	load("[account all]\nhost = h\nfrom = *@*\n", &c);
	chosen(&c, "x@else.example", "all", 6, "x@else.example", "*@*");
	conf_release(&c);
}

/* msmtp's wildcards: "?" and "[...]" make a glob(7) pattern, below the
 * literal shapes, above "*". */
static void test_globs(void)
{
	struct conf c;
	struct error err;

	load("[account q]\nhost = h\nfrom = jo?@example.org\n"
	     "[account set]\nhost = h\nfrom = [abc]*@example.net\n"
	     "[account exact]\nhost = h\nfrom = joe@example.org\n"
	     "[account all]\nhost = h\nfrom = *\n", &c);
	chosen(&c, "jon@example.org", "q", 5, "jon@example.org", "jo?@example.org");
	chosen(&c, "JOX@Example.ORG", "q", 5, "JOX@example.org", "jo?@example.org");
	chosen(&c, "jon+list@example.org", "q", 5, "jon+list@example.org", "jo?@example.org");
	chosen(&c, "joe@example.org", "exact", 1, "joe@example.org", "joe@example.org");
	chosen(&c, "john@example.org", "all", 6, "john@example.org", "*");
	chosen(&c, "bert@example.net", "set", 5, "bert@example.net", "[abc]*@example.net");
	chosen(&c, "dora@example.net", "all", 6, "dora@example.net", "*");
	conf_release(&c);
	ok(pattern_check_list("[ab@example.org", &err) < 0 &&
	   strstr(err.text, "is not an address or a pattern"), "an unclosed [ is refused: %s",
	   err.text);
	ok(pattern_check_list("jo?", &err) < 0, "a glob without @ is refused");
	ok(pattern_check_list("jo?@x.example, [a-c]?@*.example", &err) == 0,
	   "globs in a list");
}

static void test_forced(const struct conf *c)
{
	struct selection sel;
	struct error err;

	selection_init(&sel);
	ok(account_select(c, "alice@gmx.de", "gmx", &sel, &err) == 0 && sel.level == 0 &&
	   !sel.warning && strcmp(sel.pattern, "alice@gmx.de") == 0,
	   "-a gmx inside its from: no warning");
	ok(strstr(buf_str(&sel.explanation), "account: gmx (chosen with -a)") != NULL,
	   "  explained as chosen with -a");
	selection_release(&sel);

	selection_init(&sel);
	ok(account_select(c, "Bob@Example.org", "gmx", &sel, &err) == 0 && sel.warning &&
	   sel.pattern == NULL, "-a gmx outside its from: selected, with a warning");
	is_str(sel.warning, "warning: the sender Bob@example.org is outside the from of account gmx "
	       "(alice@gmx.de); the server may refuse it", "  the warning");
	ok(strstr(buf_str(&sel.explanation), sel.warning) != NULL, "  also in the explanation");
	is_str(sel.sender, "Bob@example.org", "  the sender is kept");
	selection_release(&sel);

	selection_init(&sel);
	ok(account_select(c, "root@host", "alerts", &sel, &err) == 0 && sel.rewritten &&
	   !sel.warning, "-a alerts with a rewrite_from sender: rewritten");
	is_str(sel.sender, "alerts@example.net", "  sent as alerts@example.net");
	selection_release(&sel);

	selection_init(&sel);
	ok(account_select(c, "<>", "gmx", &sel, &err) == 0 && sel.sender && !*sel.sender,
	   "-a with the null sender");
	selection_release(&sel);

	refused(c, "alice@gmx.de", "nope", CAT_CONFIG, "has no account named \"nope\"; the accounts "
		"are: ionos, gmx, exact", "-a with an unknown name lists the accounts");
	refused(c, "<>", NULL, CAT_INPUT, "choose one with -a NAME", "the null sender without -a");
	refused(c, "", NULL, CAT_INPUT, "empty", "an empty sender without -a");
}

static void test_bad_senders(const struct conf *c)
{
	static const char *const bad[] = {
		"a@", "@example.org", "a b@example.org", "a@ex ample.org", "a@ex_ample.org",
		"a@example..org", "a@example.org.", "a@-example.org", "a@😀.example",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(c, bad[i], NULL, CAT_INPUT, "", bad[i]);
}

static void test_explanation(const struct conf *c)
{
	struct selection sel;
	struct error err;
	const char *e, *want;

	selection_init(&sel);
	ok(account_select(c, "boss@example.org", NULL, &sel, &err) == 0, "--which boss@example.org");
	e = buf_str(&sel.explanation);
	want = "sender: boss@example.org\naccount: exact\n"
	       "matched: from \"boss@example.org\" (the exact address)\nother accounts:\n";
	ok(strncmp(e, want, strlen(want)) == 0, "  the chosen account and its pattern");
	ok(strstr(e, "  ionos: lost: from \"*@example.org\" is less specific (the whole domain)\n")
	   != NULL, "  the loser and why");
	ok(strstr(e, "  gmx: nothing matches (from alice@gmx.de)\n") != NULL, "  a non-match");
	selection_release(&sel);
	selection_init(&sel);
	account_select(c, "root@example.org", NULL, &sel, &err);
	ok(strstr(buf_str(&sel.explanation), "  alerts: lost: only rewrite_from \"root@*\" matches, "
		  "and from comes first\n") != NULL, "  rewrite_from loses to from");
	selection_release(&sel);
}

static void test_helpers(void)
{
	static const char *const good[][2] = {
		{ "faß.de", "xn--fa-hia.de" }, { "MÜLLER.DE", "xn--mller-kva.de" },
		{ "Example.ORG", "example.org" }, { "[127.0.0.1]", "[127.0.0.1]" },
		{ "[IPv6:::1]", "[ipv6:::1]" }, { "a-b.c0", "a-b.c0" },
	};
	static const char *const bad[] = {
		"ex ample.com", "a_b.com", "a..b", "a.b.", "-a.com", "a-.com", "", ".",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	};
	struct account a = { 0 };
	struct error err;
	size_t i;
	char *s, from1[] = "Bob@Example.ORG", from2[] = "*@example.org", user[] = "me@x.example";
	char user2[] = "login";

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		s = address_domain_alabel(good[i][0], &err);
		is_str(s, good[i][1], "A-label of %s", good[i][0]);
		free(s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = address_domain_alabel(bad[i], &err);
		ok(!s && err.category == CAT_INPUT, "refused domain \"%.20s\": %s", bad[i], err.text);
		free(s);
	}
	a.from = from1;
	s = account_own_address(&a);
	is_str(s, "Bob@example.org", "own address: the single exact from");
	free(s);
	a.from = from2;
	a.user = user;
	s = account_own_address(&a);
	is_str(s, "me@x.example", "own address: else user, when it is an address");
	free(s);
	a.user = user2;
	ok(account_own_address(&a) == NULL, "own address: none");
	ok(pattern_check_list("a@b.example, *", &err) == 0, "check_patterns: good list");
	ok(pattern_check_list(" , ", &err) < 0 && strstr(err.text, "no pattern"),
	   "check_patterns: empty list");
}

/* local_senders = yes: local senders, sent as the account's own address;
 * other senders untouched; allow_users parsed. */
static void test_local_senders(void)
{
	char host[256], local[300];
	struct selection sel;
	struct error err;
	struct conf c;

	if (gethostname(host, sizeof host - 1) < 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	snprintf(local, sizeof local, "cron@%s", host);
	ok(account_sender_is_local("root") && account_sender_is_local("www-data@localhost") &&
	   account_sender_is_local("x@LOCALHOST") && (!host[0] || account_sender_is_local(local)),
	   "local: a bare name, @localhost, @ the host name");
	ok(!account_sender_is_local("a@example.org") && !account_sender_is_local(""),
	   "not local: another domain, the null sender");
	load("[account work]\nhost = h\nfrom = *@example.org\nallow_users = alice, @staff\n"
	     "[account box]\nhost = h\nfrom = robot@example.net\nlocal_senders = yes\n", &c);
	ok(c.accounts[0].allow_users && !strcmp(c.accounts[0].allow_users, "alice, @staff") &&
	   !c.accounts[0].local_senders && c.accounts[1].local_senders,
	   "allow_users and local_senders are read");
	selection_init(&sel);
	error_clear(&err);
	ok(account_select(&c, "www-data", NULL, &sel, &err) == 0 && sel.rewritten &&
	   !strcmp(sel.account->name, "box") && !strcmp(sel.sender, "robot@example.net") &&
	   !strcmp(sel.pattern, "local_senders"),
	   "a bare name goes to the local_senders account, as its own address");
	selection_release(&sel);
	chosen(&c, "a@example.org", "work", 3, "a@example.org", "*@example.org");
	refused(&c, "a@elsewhere.test", NULL, CAT_NO_ACCOUNT, "elsewhere",
		"a non-local sender does not fall to local_senders");
	conf_release(&c);
}

int main(void)
{
	struct conf c;

	if (!mkdtemp(dir))
		return 99;
	snprintf(path, sizeof path, "%s/accounts.ini", dir);
	load(accounts, &c);
	test_levels(&c);
	test_normalisation(&c);
	test_rewrite(&c);
	test_no_match(&c);
	test_forced(&c);
	test_bad_senders(&c);
	test_explanation(&c);
	conf_release(&c);
	test_ties();
	test_any();
	test_globs();
	test_helpers();
	test_local_senders();
	unlink(path);
	rmdir(dir);
	return tap_done();
}
