/* test_redact.c: AUTH data quoted back by a server (issue 13 #6).  In
 * base64 the first and last group of a secret mix with its neighbours, so
 * they stay (as tests/lib.sh secret_forms defines the forms of a leak). */
#include "config.h"

#include <string.h>

#include "redact.h"
#include "tap.h"

static const char *run(struct redact_list *l, const char *text, int *runs)
{
	static struct buf line;

	buf_release(&line);
	buf_init(&line, 256);
	must(buf_adds(&line, text));
	*runs = redact_line(l, &line);
	return buf_str(&line);
}

int main(void)
{
	static const char blob[] = "AGFsaWNlQGV4YW1wbGUudGVzdABQdy0zY2gwZWQgczNjcmV0";
	struct redact_list l;
	int n;

	redact_init(&l);
	is_str(run(&l, "501 5.5.2 AGFs invalid", &n), "501 5.5.2 AGFs invalid",
	       "nothing sent yet: nothing redacted");
	redact_add(&l, "=", 1);
	redact_add(&l, "*", 1);
	is_str(run(&l, "501 = * ok", &n), "501 = * ok", "\"=\" and \"*\" are not secrets");
	redact_add(&l, blob, strlen(blob));
	redact_add_secret(&l, "Pw-3ch0ed s3cret", 16);
	is_str(run(&l, "501 5.5.2 AGFsaWNlQGV4YW1wbGUudGVzdABQdy0zY2gwZWQgczNjcmV0 invalid", &n),
	       "501 5.5.2 [redacted] invalid", "the whole blob");
	ok(n == 1, "one run");
	is_str(run(&l, "454 x ZABQdy0zY2gwZWQgczNj y", &n), "454 x ZABQ[redacted] y",
	       "a piece of the blob: the part that encodes the password");
	is_str(run(&l, "454 x bGUudGVzdAB y", &n), "454 x bGUudGVzdAB y",
	       "a piece that encodes only the user name is no secret");
	is_str(run(&l, "535 UHctM2NoMGVkIHMzY3JldA== y", &n), "535 UHct[redacted]dA== y",
	       "the password's own base64 (AUTH LOGIN)");
	is_str(run(&l, "535 password Pw-3ch0ed s3cret is wrong", &n),
	       "535 password [redacted] is wrong", "the password in clear");
	is_str(run(&l, "535 a Pw-3ch0ed s3 b", &n), "535 a [redacted] b",
	       "12 bytes of the password are enough");
	is_str(run(&l, "535 a Pw-3ch0ed b", &n), "535 a Pw-3ch0ed b",
	       "fewer than REDACT_WINDOW bytes are not");
	is_str(run(&l, "250 Pw-3ch0ed s3cret and Pw-3ch0ed s3cret", &n),
	       "250 [redacted] and [redacted]", "every occurrence");
	ok(n == 2, "two runs");
	is_str(run(&l, "250 Pw-3ch0ed s3cretPw-3ch0ed s3cretxx", &n),
	       "250 [redacted]xx", "adjacent pieces are one run");
	is_str(run(&l, "250 AGFsaWNlQGV4YW1wbGUudGVzdABQdy0zY2gwZWQgczNjcmV", &n),
	       "250 AGFsaWNlQGV4YW1wbGUudGVzdABQ[redacted]cmV",
	       "a blob cut short: the groups that encode the password alone");
	redact_release(&l);
	return tap_done();
}
