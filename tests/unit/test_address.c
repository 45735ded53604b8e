/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_address.c: RFC 5322 address lists as real mail writes them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "tap.h"

/* Parse text and return the list joined by " | ", or "ERROR: text". */
static char *parse(const char *text, int *smtputf8)
{
	struct address_list l;
	struct error err;
	struct buf b;
	size_t i;

	address_list_init(&l);
	error_clear(&err);
	buf_init(&b, 1 << 20);
	if (address_list_parse(&l, text, &err) < 0) {
		must(buf_printf(&b, "ERROR: %s", err.text));
	} else {
		for (i = 0; i < l.n; i++)
			must(buf_printf(&b, "%s%s", i ? " | " : "", l.addrs[i]));
	}
	if (smtputf8)
		*smtputf8 = l.smtputf8;
	address_list_release(&l);
	return buf_detach(&b);
}

/* TAP lines must stay one line: show the input as a message would. */
static const char *shown(const char *text)
{
	static char q[ADDRESS_QUOTE_SIZE];

	return address_quote(q, text, strlen(text));
}

static void good(const char *text, const char *want)
{
	char *got = parse(text, NULL);

	is_str(got, want, "parse %s", shown(text));
	free(got);
}

/* Refused, with a message that contains must (the address, the reason). */
static void bad(const char *text, const char *must)
{
	char *got = parse(text, NULL);

	ok(strncmp(got, "ERROR: ", 7) == 0 && strstr(got, must), "refuse %s", shown(text));
	if (strncmp(got, "ERROR: ", 7) == 0)
		printf("# %s\n", shown(got));
	free(got);
}

static void test_rfc5322_examples(void)
{
	/* RFC 5322 appendix A.1 and A.5, as written there. */
	good("John Doe <jdoe@machine.example>", "jdoe@machine.example");
	good("Mary Smith <mary@example.net>", "mary@example.net");
	good("\"Joe Q. Public\" <john.q.public@example.com>", "john.q.public@example.com");
	good("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	     "mary@x.test | jdoe@example.org | one@y.test");
	good("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	     "boss@nil.test | sysservices@example.net");
	good("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	     "c@a.test | joe@where.test | jdoe@one.test");
	good("Undisclosed recipients:;", "");
	good("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	     "pete@silly.test");
	/* The folded example of A.5, as message.c hands it over: unfolded. */
	good("A Group(Some people)     :Chris Jones <c@(Chris's host.)public.example>,"
	     "         joe@example.org,  John <jdoe@one.test> (my dear friend); "
	     "(the end of the group)", "c@public.example | joe@example.org | jdoe@one.test");
}

static void test_real_world(void)
{
	good("undisclosed-recipients:;", "");
	good("undisclosed-recipients:", "");   /* an open group, written so in the wild */
	good("team: a@b.example, c@d.example;, e@f.example",
	     "a@b.example | c@d.example | e@f.example");
	good("\"Doe, John\" <jd@example.com>", "jd@example.com");
	good("=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.de>", "joerg@example.de");
	good("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", "keld@dkuug.dk");
	good("J. R. \"Bob\" Dobbs <bob@subgenius.example>", "bob@subgenius.example");
	good("<@route1.example,@route2.example:user@example.org>", "user@example.org");
	good("a@b.example (x (nested (deeply)) y)", "a@b.example");
	good("  spaced@out.example  ", "spaced@out.example");
	good(",,a@b.example,,", "a@b.example");
	good("first . last @ example . org", "first.last@example.org");
	good("root", "root");
	good("<root>", "root");
	good("root, admin", "root | admin");
	good("systemd <root@host.example>", "root@host.example");
	good("user+tag@example.org", "user+tag@example.org");
	good("a@[192.0.2.1]", "a@[192.0.2.1]");
	good("a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]");
}

static void test_quoting(void)
{
	good("\"john.doe\"@example.com", "john.doe@example.com");
	good("\"john doe\"@example.com", "\"john doe\"@example.com");
	good("\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com");
	good("\"a@b\"@example.com", "\"a@b\"@example.com");
	good("john.\"doe smith\"@example.com", "\"john.doe smith\"@example.com");
	good("\"john..doe\"@example.com", "\"john..doe\"@example.com");
}

static void test_duplicates(void)
{
	good("a@Example.COM, a@example.com, A@example.com",
	     "a@Example.COM | A@example.com");
	good("x@faß.de, x@xn--fa-hia.de, X@FASS.de", "x@xn--fa-hia.de | X@FASS.de");
	good("g1: a@b.example; g2: a@b.example;", "a@b.example");
}

static void test_idn_and_smtputf8(void)
{
	int u = -1;
	char *got;

	good("joe@faß.de", "joe@xn--fa-hia.de");
	good("x@MÜLLER.DE", "x@xn--mller-kva.de");
	good("Jörg <j@bücher.example>", "j@xn--bcher-kva.example");
	got = parse("müller@example.de", &u);
	is_str(got, "müller@example.de", "a UTF-8 local part stays as it is");
	ok(u == 1, "and needs SMTPUTF8");
	free(got);
	got = parse("joe@faß.de", &u);
	ok(u == 0, "an IDN domain alone does not need SMTPUTF8");
	free(got);
	got = parse("Jörg Müller <joerg@example.de>", &u);
	ok(u == 0, "a UTF-8 display name does not need SMTPUTF8");
	free(got);
	bad("\xff@example.org", "not valid UTF-8");
	bad("a@b\xc3.example", "not valid UTF-8");
	bad("a@\xe2\x80\x8b.example", "'a@");   /* libidn2 refuses a zero-width space */
}

static void test_injection(void)
{
	struct address_list l;
	struct error err;
	int r;

	bad("a@b.example\r\nBcc: victim@example.org", "a@b.example\\r\\nBcc");
	bad("a@b.example\r\nBcc: victim@example.org", "header injection");
	bad("a@b.example\n", "\\n");
	bad("a@b.example\rX", "\\r");
	bad("Joe <a@b.example>\nX-Evil: 1", "line break");
	address_list_init(&l);
	error_clear(&err);
	r = address_list_parse_mem(&l, "a@b.example\0c@d.example", 23, &err);
	ok(r < 0 && err.category == CAT_INPUT && strstr(err.text, "NUL"),
	   "a NUL byte is refused (%s)", err.text);
	ok(l.n == 0, "and nothing was added");
	address_list_release(&l);
}

static void test_syntax(void)
{
	char label[80], longaddr[300];

	bad("a@@b.example", "'a@@b.example'");
	bad("a@@b.example", "two '@'");
	bad("a@", "domain is missing");
	bad("@b.example", "local part is empty");
	bad("a b@c.example", "contains a space");
	bad("John Smith", "a name without an address");
	bad("a..b@c.example", "misplaced dot");
	bad(".a@b.example", "misplaced dot");
	bad("a.@b.example", "misplaced dot");
	bad("a@b..example", "empty label");
	bad("a@b.example.", "empty label");
	bad("a@-b.example", "starts with '-'");
	bad("a@b-.example", "ends with '-'");
	bad("a@b_c.example", "not allowed in host names");
	bad("a@ex ample.com", "contains a space");
	bad("<a@b.example", "not closed with '>'");
	bad("a@b.example>", "unexpected");
	bad("\"open@b.example", "quoted string is not closed");
	bad("(open a@b.example", "comment is not closed");
	bad("a@[192.0.2]", "not an IP address");
	bad("a@[192.0.2.1", "not closed");
	bad("x;y", "unexpected text after the address");
	bad("a@b.example, ;", "outside a group");
	bad("g1: g2: a@b.example;;", "group inside a group");
	bad(": a@b.example;", "group has no name");
	bad("<>", "empty");
	bad("<@route.example user@example.org>", "source route");
	bad("good@x.example, bad@@y.example, more@z.example", "'bad@@y.example'");
	memset(label, 'a', 64);
	strcpy(label + 64, ".example");
	snprintf(longaddr, sizeof longaddr, "x@%s", label);
	bad(longaddr, "longer than 63");
	memset(longaddr, 'l', 250);
	strcpy(longaddr + 250, "@b.example");
	bad(longaddr, "longer than 254");
	ok(strlen(longaddr) > ADDRESS_QUOTE_MAX, "a long address");
	{
		char *got = parse(longaddr, NULL);

		ok(strstr(got, "...") && strlen(got) < 400, "is cut short in the message");
		free(got);
	}
}

static void test_mailbox(void)
{
	struct error err;
	char *a;
	int u = -1;

	error_clear(&err);
	a = address_mailbox("<>", &u, &err);
	is_str(a, "", "-f '<>' is the null sender");
	free(a);
	a = address_mailbox("", NULL, &err);
	is_str(a, "", "-f '' is the null sender");
	free(a);
	a = address_mailbox("  Joe <joe@Faß.DE> ", &u, &err);
	is_str(a, "joe@xn--fa-hia.de", "one mailbox, normalised");
	ok(u == 0, "without SMTPUTF8");
	free(a);
	a = address_mailbox("jörg@example.de", &u, &err);
	ok(a && u == 1, "a UTF-8 sender needs SMTPUTF8");
	free(a);
	a = address_mailbox("a@b.example, c@d.example", NULL, &err);
	ok(!a && strstr(err.text, "not one address"), "two addresses are not a sender (%s)",
	   err.text);
	a = address_mailbox("group:;", NULL, &err);
	ok(!a && err.category == CAT_INPUT, "a group is not a sender");
	a = address_mailbox("a@b.example -X/var/www/shell.php", NULL, &err);
	ok(!a && strstr(err.text, "-X/var/www"), "PHP's -f attack is refused (%s)", err.text);
	a = address_mailbox("a@b.example\r\nBcc: x@y.example", NULL, &err);
	ok(!a && strstr(err.text, "header injection"), "CR LF in -f is refused");
}

static void test_first_and_domain(void)
{
	struct error err;
	char *a;

	error_clear(&err);
	a = address_first("Joe <j@x.example>, k@z.example", &err);
	is_str(a, "j@x.example", "the first address of a From: list");
	free(a);
	a = address_first("undisclosed:;", &err);
	ok(!a && err.category == CAT_NONE, "none in an empty group, and no error");
	a = address_first("bad@@x", &err);
	ok(!a && err.category == CAT_INPUT, "an invalid list is an error");
	is_str(address_domain("\"a@b\"@c.example"), "c.example", "the domain of a quoted local part");
	ok(address_domain("root") == NULL, "no domain");
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
		{ "plain", 1 }, { "\xc3\xa9", 1 }, { "\xe2\x82\xac", 1 }, { "\xf0\x9f\x98\x80", 1 },
		{ "\xc0\x80", 0 }, { "\xe0\x80\x80", 0 }, { "\xed\xa0\x80", 0 },
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 }, { "\x80", 0 },
		{ "\xc3", 0 }, { "\xe2\x82", 0 },
	};
	size_t i, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const unsigned char *s = (const unsigned char *)cases[i].s;
		size_t n = strlen(cases[i].s);
		int whole = 1, split = 1;

		for (k = 0; k <= n; k++) {
			unsigned st = 0;
			int r = utf8_feed(&st, s, k) & utf8_feed(&st, s + k, n - k);

			split &= (r && st == 0) == cases[i].valid;
		}
		{
			unsigned st = 0;

			whole = (utf8_feed(&st, s, n) && st == 0) == cases[i].valid;
		}
		ok(whole && split, "utf8 case %zu, whole and split at every byte", i);
	}
}

static void test_limit(void)
{
	struct address_list l;
	struct error err;
	struct buf b;
	size_t i;
	int r;

	address_list_init(&l);
	error_clear(&err);
	buf_init(&b, 1 << 20);
	for (i = 0; i < ADDRESS_LIST_MAX; i++)
		must(buf_printf(&b, "u%zu@example.org,", i));
	r = address_list_parse(&l, buf_str(&b), &err);
	ok(r == 0 && l.n == ADDRESS_LIST_MAX, "%d addresses are fine", ADDRESS_LIST_MAX);
	r = address_list_parse(&l, "u1@example.org, one-more@example.org", &err);
	ok(r < 0 && strstr(err.text, "more than") && l.n == ADDRESS_LIST_MAX,
	   "one more is refused and nothing added (%s)", err.text);
	r = address_list_parse(&l, "u7@EXAMPLE.org", &err);
	ok(r == 0 && l.n == ADDRESS_LIST_MAX, "a duplicate at the limit is fine");
	ok(l.addrs[l.n] == NULL, "the vector ends in NULL");
	buf_release(&b);
	address_list_release(&l);
}

static void test_quote(void)
{
	char q[ADDRESS_QUOTE_SIZE];

	is_str(address_quote(q, "a\r\nb\x01\x7f", 6), "a\\r\\nb\\x01\\x7f",
	       "controls are shown, not printed");
}

int main(void)
{
	test_rfc5322_examples();
	test_real_world();
	test_quoting();
	test_duplicates();
	test_idn_and_smtputf8();
	test_injection();
	test_syntax();
	test_mailbox();
	test_first_and_domain();
	test_utf8();
	test_limit();
	test_quote();
	return tap_done();
}
