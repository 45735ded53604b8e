/* test_reply.c: the SMTP reply parser. */
#include "config.h"

#include <string.h>

#include "reply.h"
#include "tap.h"

static enum reply_feed feed(struct reply *r, const char *line)
{
	return reply_feed(r, line, strlen(line));
}

static void single_line(void)
{
	struct reply r;
	size_t len;
	const char *t;

	reply_init(&r);
	ok(feed(&r, "250 2.1.0 Ok") == REPLY_DONE, "a single line completes the reply");
	ok(r.code == 250, "code 250");
	is_str(r.enhanced, "2.1.0", "enhanced code parsed");
	t = reply_line(&r, 0, &len);
	ok(len == 8 && strncmp(t, "2.1.0 Ok", 8) == 0, "line text without the code");
	reply_release(&r);
}

static void multi_line_gmx(void)
{
	struct reply r;
	size_t len;
	const char *t;

	/* GMX/IONOS: no enhanced code, the reason only on the second line. */
	reply_init(&r);
	ok(feed(&r, "550-Requested action not taken: mailbox unavailable") == REPLY_MORE,
	   "a continuation line asks for more");
	ok(feed(&r, "550 Sender address is not allowed.") == REPLY_DONE, "last line ends it");
	ok(r.nlines == 2, "two lines kept");
	is_str(r.enhanced, "", "no enhanced code");
	t = reply_line(&r, 1, &len);
	ok(len == 30 && strncmp(t, "Sender address is not allowed.", 30) == 0,
	   "second line verbatim");
	ok(reply_contains(&r, "sender address is NOT allowed"), "case-insensitive search");
	is_str(buf_str(&r.text),
	       "550-Requested action not taken: mailbox unavailable\n550 Sender address is not allowed.",
	       "whole text verbatim");
	reply_release(&r);
}

static void bad_lines(void)
{
	struct reply r;
	char longline[REPLY_LINE_MAX + 2];
	int i;

	reply_init(&r);
	ok(feed(&r, "hello") == REPLY_BAD, "text is not a reply");
	ok(feed(&r, "25") == REPLY_BAD, "two digits are not a reply");
	ok(feed(&r, "250x") == REPLY_BAD, "a fourth character must be space or dash");
	ok(feed(&r, "650 no") == REPLY_BAD, "first digit 6 is not a reply");
	ok(feed(&r, "250") == REPLY_DONE, "a bare code is a complete reply");
	reply_reset(&r);
	ok(feed(&r, "250-a") == REPLY_MORE && feed(&r, "251 b") == REPLY_BAD,
	   "a different code inside one reply is refused");
	reply_reset(&r);
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "250 ", 4);
	ok(reply_feed(&r, longline, sizeof longline) == REPLY_BAD, "a line over REPLY_LINE_MAX");
	reply_reset(&r);
	for (i = 0; i < REPLY_LINES_MAX; i++)
		if (feed(&r, "250-x") != REPLY_MORE)
			break;
	ok(i == REPLY_LINES_MAX && feed(&r, "250 x") == REPLY_BAD,
	   "more than REPLY_LINES_MAX lines are refused");
	reply_release(&r);
}

static void enhanced_codes(void)
{
	char out[16];
	struct reply r;

	ok(enhanced_code_parse("5.7.1 x", 7, 5, out) == 5, "5.7.1 parsed");
	ok(enhanced_code_parse("5.7.139 x", 9, 5, out) == 7 && strcmp(out, "5.7.139") == 0,
	   "three-digit detail (Microsoft 5.7.139)");
	ok(enhanced_code_parse("4.7.1 x", 7, 5, out) == 0, "class must match the reply digit");
	ok(enhanced_code_parse("5.7.1x", 6, 5, out) == 0, "must end at a space");
	ok(enhanced_code_parse("5.7", 3, 5, out) == 0, "needs three parts");
	reply_init(&r);
	feed(&r, "535 4.7.8 mismatch");
	is_str(r.enhanced, "", "an enhanced code of another class is ignored");
	reply_reset(&r);
	feed(&r, "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test");
	is_str(r.enhanced, "5.7.1", "Postfix's sender rejection");
	reply_release(&r);
}

/* Issue 13 #1: a NUL inside a multi-line reply (an EHLO reply before TLS)
 * crashed the line split; replies are bytes with a length. */
static void nul_inside(void)
{
	static const char l0[] = "250-mock.test\0hidden", l1[] = "250-PIPE\0LINING",
			  l2[] = "250 STARTTLS";
	struct reply r;
	size_t len;
	const char *t;

	reply_init(&r);
	ok(reply_feed(&r, l0, sizeof l0 - 1) == REPLY_MORE, "a line with a NUL is fed");
	ok(reply_feed(&r, l1, sizeof l1 - 1) == REPLY_MORE, "a second one too");
	ok(reply_feed(&r, l2, sizeof l2 - 1) == REPLY_DONE, "the last line ends it");
	t = reply_line(&r, 0, &len);
	ok(len == sizeof l0 - 1 - 4 && memcmp(t, l0 + 4, len) == 0,
	   "line 0 keeps its NUL and its tail");
	t = reply_line(&r, 1, &len);
	ok(len == sizeof l1 - 1 - 4 && memcmp(t, l1 + 4, len) == 0, "line 1 past a NUL");
	t = reply_line(&r, 2, &len);
	ok(len == 8 && memcmp(t, "STARTTLS", 8) == 0, "line 2 after two NULs");
	ok(reply_contains(&r, "hidden") && reply_contains(&r, "lining"),
	   "the search looks past a NUL");
	ok(!reply_contains(&r, "nothere"), "and stops at the end");
	reply_release(&r);
}

int main(void)
{
	nul_inside();
	single_line();
	multi_line_gmx();
	bad_lines();
	enhanced_codes();
	return tap_done();
}
