/* test_classify.c: reply + stage => category => exit code. */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "classify.h"
#include "tap.h"

/* Build a reply from '\n'-separated lines. */
static enum category cls(enum smtp_state st, const char *text)
{
	struct reply r;
	enum category c;
	const char *p = text, *nl;

	reply_init(&r);
	do {
		nl = strchr(p, '\n');
		reply_feed(&r, p, nl ? (size_t)(nl - p) : strlen(p));
		p = nl + 1;
	} while (nl);
	c = classify_reply(st, &r);
	reply_release(&r);
	return c;
}

int main(void)
{
	ok(cls(SMTP_RCPT, "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test")
	   == CAT_SENDER_REFUSED, "Postfix sender mismatch at RCPT");
	ok(cls(SMTP_MAIL, "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test")
	   == CAT_SENDER_REFUSED, "Postfix sender mismatch at MAIL");
	ok(cls(SMTP_MAIL, "550-Requested action not taken: mailbox unavailable\n550 Sender address is not allowed.")
	   == CAT_SENDER_REFUSED, "IONOS/GMX sender refusal, reason on line 2");
	ok(cls(SMTP_AUTH, "535 5.7.8 Error: authentication failed: authentication failure")
	   == CAT_AUTH_FAILED, "Postfix/Dovecot 535");
	ok(cls(SMTP_AUTH, "454 4.7.0 Temporary authentication failure") == CAT_TEMPORARY,
	   "454 at AUTH is temporary");
	ok(cls(SMTP_RCPT, "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table")
	   == CAT_RECIPIENT, "unknown recipient");
	ok(cls(SMTP_RCPT, "450 4.2.0 <tempfail@example.test>: Recipient address rejected: try again later")
	   == CAT_TEMPORARY, "450 at RCPT is temporary");
	ok(cls(SMTP_MAIL, "552 5.3.4 Message size exceeds fixed limit") == CAT_TOO_LARGE,
	   "552 5.3.4 is too large");
	ok(cls(SMTP_BODY, "554 5.7.1 rejected by policy") == CAT_POLICY, "5xx after the dot");
	ok(cls(SMTP_GREETING, "554 5.3.2 go away") == CAT_UNAVAILABLE, "a refused greeting");
	ok(category_exit_code(CAT_SENDER_REFUSED) == EX_NOPERM, "sender refused exits 77");
	ok(category_exit_code(CAT_TEMPORARY) == EX_TEMPFAIL, "temporary exits 75");
	ok(category_exit_code(CAT_RECIPIENT) == EX_NOUSER, "recipient refused exits 67");
	ok(category_exit_code(CAT_CONFIG) == EX_CONFIG, "configuration exits 78");
	ok(category_exit_code(CAT_NONE) == 0, "success exits 0");
	return tap_done();
}
