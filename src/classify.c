/* classify.c: see classify.h.
 *
 * Rules are tried in order; the first that matches decides.  A rule matches
 * on the stage (or any), the reply code (or a class), the enhanced code
 * prefix (or any) and a text every provider uses for the case (or any).
 * Enhanced codes are used only when their class matches the code (reply.c
 * already drops those that do not). */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "classify.h"

#define ANY_STAGE SMTP_STATE_COUNT

struct rule {
	enum smtp_state stage;  /* ANY_STAGE for any */
	int code;               /* 0 any; 4 or 5 a whole class; else exact */
	const char *enhanced;   /* prefix such as "5.7." or NULL */
	const char *text;       /* case-insensitive substring or NULL */
	enum category cat;
};

static const struct rule rules[] = {
	/* Sender refusals: Postfix reject_sender_login_mismatch answers at RCPT
	 * (smtpd_delay_reject=yes) or at MAIL. */
	{ ANY_STAGE, 5, NULL, "Sender address rejected", CAT_SENDER_REFUSED },
	{ ANY_STAGE, 5, NULL, "Sender address is not allowed", CAT_SENDER_REFUSED },
	/* AUTH (RFC 4954 section 6). */
	{ SMTP_AUTH, 535, NULL, NULL, CAT_AUTH_FAILED },
	{ SMTP_AUTH, 534, NULL, NULL, CAT_AUTH_FAILED },
	{ SMTP_AUTH, 538, NULL, NULL, CAT_TLS },
	{ SMTP_AUTH, 530, "5.7.0", "TLS", CAT_TLS },
	{ SMTP_AUTH, 4, NULL, NULL, CAT_TEMPORARY },
	{ SMTP_AUTH, 5, NULL, NULL, CAT_AUTH_FAILED },
	{ ANY_STAGE, 530, NULL, NULL, CAT_AUTH_REQUIRED },
	{ SMTP_STARTTLS, 5, NULL, NULL, CAT_TLS },
	{ SMTP_STARTTLS, 4, NULL, NULL, CAT_TEMPORARY },
	/* Size (RFC 1870, RFC 3463 5.3.4). */
	{ ANY_STAGE, 552, "5.3.4", NULL, CAT_TOO_LARGE },
	{ ANY_STAGE, 5, "5.3.4", NULL, CAT_TOO_LARGE },
	{ SMTP_MAIL, 552, NULL, NULL, CAT_TOO_LARGE },
	{ SMTP_BODY, 552, NULL, NULL, CAT_TOO_LARGE },
	/* Everything else temporary is temporary. */
	{ ANY_STAGE, 4, NULL, NULL, CAT_TEMPORARY },
	{ SMTP_MAIL, 5, "5.7.", NULL, CAT_SENDER_REFUSED },
	{ SMTP_MAIL, 553, NULL, NULL, CAT_SENDER_REFUSED },
	{ SMTP_MAIL, 550, NULL, NULL, CAT_SENDER_REFUSED },
	{ SMTP_RCPT, 5, NULL, NULL, CAT_RECIPIENT },
	{ SMTP_DATA, 5, NULL, NULL, CAT_POLICY },
	{ SMTP_BODY, 5, NULL, NULL, CAT_POLICY },
	{ ANY_STAGE, 5, NULL, NULL, CAT_UNAVAILABLE },
};

static int rule_matches(const struct rule *ru, enum smtp_state stage,
			const struct reply *r)
{
	if (ru->stage != ANY_STAGE && ru->stage != stage)
		return 0;
	if (ru->code >= 100 ? ru->code != r->code
	    : ru->code && ru->code != reply_class(r))
		return 0;
	if (ru->enhanced && strncmp(r->enhanced, ru->enhanced, strlen(ru->enhanced)))
		return 0;
	if (ru->text && !reply_contains(r, ru->text))
		return 0;
	return 1;
}

enum category classify_reply(enum smtp_state stage, const struct reply *r)
{
	size_t i;

	if (r->code < 400)
		return CAT_PROTOCOL;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rule_matches(&rules[i], stage, r))
			return rules[i].cat;
	return CAT_UNAVAILABLE;
}

static const int exit_codes[CAT_COUNT] = {
	[CAT_NONE] = EX_OK,
	[CAT_USAGE] = EX_USAGE,
	[CAT_INPUT] = EX_DATAERR,
	[CAT_TOO_LARGE] = EX_DATAERR,
	[CAT_CONFIG] = EX_CONFIG,
	[CAT_NO_ACCOUNT] = EX_NOPERM,
	[CAT_SENDER_REFUSED] = EX_NOPERM,
	[CAT_AUTH_FAILED] = EX_NOPERM,
	[CAT_AUTH_REQUIRED] = EX_NOPERM,
	[CAT_TLS] = EX_UNAVAILABLE,
	[CAT_RECIPIENT] = EX_NOUSER,
	[CAT_POLICY] = EX_UNAVAILABLE,
	[CAT_TEMPORARY] = EX_TEMPFAIL,
	[CAT_DNS] = EX_NOHOST,
	[CAT_CONNECT] = EX_TEMPFAIL,
	[CAT_TIMEOUT] = EX_TEMPFAIL,
	[CAT_PROTOCOL] = EX_PROTOCOL,
	[CAT_UNAVAILABLE] = EX_UNAVAILABLE,
	[CAT_IO] = EX_IOERR,
	[CAT_INTERNAL] = EX_SOFTWARE,
};

int category_exit_code(enum category cat)
{
	if (cat < 0 || cat >= CAT_COUNT)
		return EX_SOFTWARE;
	return exit_codes[cat];
}
