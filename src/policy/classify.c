/* SPDX-License-Identifier: GPL-3.0-or-later */
/* classify.c: see classify.h.
 *
 * Rules are tried in order; the first that matches decides.  A rule matches
 * on the stage (or any), the reply code (or a class), the enhanced code
 * prefix (or any) and a text the provider uses for the case (or any).
 * Enhanced codes are used only when their class matches the code (reply.c
 * already drops those that do not).  Provider facts (providers.c) come
 * first, because
 * providers say "sender not allowed" with codes that mean something else
 * elsewhere (Mailgun with a 421, Yahoo with a bare 550 after the content).
 * "After the content" is SMTP_BODY (the final dot) or SMTP_BDAT (a chunk;
 * the verdict on the message comes with BDAT LAST): rows say AFTER_CONTENT. */
#include "config.h"

#include <sysexits.h>

#include "auth.h"
#include "classify.h"
#include "i18n.h"
#include "providers.h"

#define ANY_STAGE REPLY_ANY_STAGE
#define AFTER_CONTENT REPLY_AFTER_CONTENT

/* What a code and an enhanced code mean at a step, after the provider
 * facts (providers.c) had their say. */
static const struct rule {
	struct reply_match m;
	enum category cat;
} rules[] = {
	/* TLS (RFC 4954 section 6, RFC 5248): Dovecot "530 5.7.0 TLS
	 * required.", 538 5.7.11 and 523 5.7.10 (encryption needed). */
	{ { ANY_STAGE, 530, NULL, "TLS" }, CAT_TLS },
	{ { ANY_STAGE, 530, NULL, "STARTTLS" }, CAT_TLS },
	{ { ANY_STAGE, 538, NULL, NULL }, CAT_TLS },
	{ { ANY_STAGE, 523, NULL, NULL }, CAT_TLS },
	{ { ANY_STAGE, 5, "5.7.10", NULL }, CAT_TLS },
	{ { ANY_STAGE, 5, "5.7.11", NULL }, CAT_TLS },
	/* AUTH: 535 5.7.8 (Gmail, Dovecot, Exim without code), 534 5.7.9
	 * (Gmail app passwords, Dovecot), 535 5.7.139 and 5.7.3 (Microsoft
	 * 365); 454 4.7.0 (Dovecot) and Exim's 435 are temporary. */
	{ { SMTP_AUTH, 4, NULL, NULL }, CAT_TEMPORARY },
	{ { SMTP_AUTH, 5, NULL, NULL }, CAT_AUTH_FAILED },
	{ { ANY_STAGE, 5, "5.7.8", NULL }, CAT_AUTH_FAILED },
	{ { ANY_STAGE, 530, NULL, NULL }, CAT_AUTH_REQUIRED },
	{ { SMTP_STARTTLS, 5, NULL, NULL }, CAT_TLS },
	/* Size (RFC 1870, RFC 3463 X.3.4 and X.2.3). */
	{ { ANY_STAGE, 5, "5.3.4", NULL }, CAT_TOO_LARGE },
	{ { ANY_STAGE, 5, "5.2.3", NULL }, CAT_TOO_LARGE },
	{ { SMTP_MAIL, 552, NULL, NULL }, CAT_TOO_LARGE },
	{ { AFTER_CONTENT, 552, NULL, NULL }, CAT_TOO_LARGE },
	/* X.4.5 is congestion; Gmail's "550 5.4.5 Daily user sending limit
	 * exceeded" passes in a day: worth a later retry, like a 4xx. */
	{ { ANY_STAGE, 5, "5.4.5", NULL }, CAT_TEMPORARY },
	/* Everything else temporary is temporary: greylisting, rate limits. */
	{ { ANY_STAGE, 4, NULL, NULL }, CAT_TEMPORARY },
	/* An address that needs SMTPUTF8 (RFC 6531): a feature missing. */
	{ { ANY_STAGE, 5, "5.6.7", NULL }, CAT_UNAVAILABLE },
	/* RFC 6409 6.1: an MSA refuses an unauthorised MAIL FROM with 5.7.1;
	 * X.1.x at MAIL is about the sender's address. */
	{ { SMTP_MAIL, 5, "5.7.", NULL }, CAT_SENDER_REFUSED },
	{ { SMTP_MAIL, 5, "5.1.", NULL }, CAT_SENDER_REFUSED },
	{ { SMTP_MAIL, 553, NULL, NULL }, CAT_SENDER_REFUSED },
	{ { SMTP_MAIL, 550, NULL, NULL }, CAT_SENDER_REFUSED },
	{ { SMTP_RCPT, 5, NULL, NULL }, CAT_RECIPIENT },
	{ { SMTP_DATA, 5, NULL, NULL }, CAT_POLICY },
	{ { AFTER_CONTENT, 5, NULL, NULL }, CAT_POLICY },
	{ { ANY_STAGE, 5, NULL, NULL }, CAT_UNAVAILABLE },
};

enum category classify_reply(enum smtp_state stage, const struct reply *r)
{
	const struct provider_fact *fact;
	size_t i;

	if (r->code < 400)
		return CAT_PROTOCOL;
	if ((fact = provider_category_fact(stage, r)))
		return fact->cat;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (reply_match(&rules[i].m, stage, r))
			return rules[i].cat;
	return CAT_UNAVAILABLE;
}

/* What each category means for the caller: the exit code, and whether
 * the same message may succeed later (the send mode queues it, a queue
 * flush keeps it).  Local failures (I/O, a bug) are not the message's
 * fault: a queued message waits through them, though a new one is not
 * queued for them (its caller sees 74 or 70 and still has the message). */
static const struct category_facts {
	int exit_code;
	unsigned retryable:1;
	unsigned local:1;
} category_facts[CAT_COUNT] = {
	[CAT_NONE] = { EX_OK, 0, 0 },
	[CAT_USAGE] = { EX_USAGE, 0, 0 },
	[CAT_INPUT] = { EX_DATAERR, 0, 0 },
	[CAT_TOO_LARGE] = { EX_DATAERR, 0, 0 },
	[CAT_CONFIG] = { EX_CONFIG, 0, 0 },
	[CAT_NO_ACCOUNT] = { EX_NOPERM, 0, 0 },
	[CAT_SENDER_REFUSED] = { EX_NOPERM, 0, 0 },
	[CAT_AUTH_FAILED] = { EX_NOPERM, 0, 0 },
	[CAT_AUTH_REQUIRED] = { EX_NOPERM, 0, 0 },
	[CAT_TLS] = { EX_UNAVAILABLE, 0, 0 },
	[CAT_RECIPIENT] = { EX_NOUSER, 0, 0 },
	[CAT_POLICY] = { EX_UNAVAILABLE, 0, 0 },
	[CAT_TEMPORARY] = { EX_TEMPFAIL, 1, 0 },
	[CAT_DNS] = { EX_NOHOST, 0, 0 },
	[CAT_CONNECT] = { EX_TEMPFAIL, 1, 0 },
	[CAT_TIMEOUT] = { EX_TEMPFAIL, 1, 0 },
	[CAT_PROTOCOL] = { EX_PROTOCOL, 0, 0 },
	[CAT_UNAVAILABLE] = { EX_UNAVAILABLE, 0, 0 },
	[CAT_IO] = { EX_IOERR, 0, 1 },
	[CAT_INTERNAL] = { EX_SOFTWARE, 0, 1 },
};

static int known(enum category cat)
{
	return cat >= 0 && cat < CAT_COUNT;
}

int category_exit_code(enum category cat)
{
	return known(cat) ? category_facts[cat].exit_code : EX_SOFTWARE;
}

int category_retryable(enum category cat)
{
	return known(cat) && category_facts[cat].retryable;
}

int category_local(enum category cat)
{
	return !known(cat) || category_facts[cat].local;
}

/* One hint per category, when no provider is recognised. */
static const char *const category_hints[CAT_COUNT] = {
	[CAT_INPUT] = N_("fix the message or the address named above"),
	[CAT_TOO_LARGE] = N_("make the message smaller (attachments), or send it through "
			     "an account with a larger limit"),
	[CAT_CONFIG] = N_("fix the account file; sendas-accounts(5) describes it"),
	[CAT_NO_ACCOUNT] = N_("add the sender to an account's from patterns, or choose an "
			      "account with -a"),
	[CAT_SENDER_REFUSED] = N_("the provider does not let this login send as this "
				  "sender: send through the account that owns the address "
				  "(sendas --which SENDER shows the choice), or ask the "
				  "provider to allow it; sendas --probe tests senders"),
	[CAT_AUTH_FAILED] = N_("check the account's user and password source; some "
			       "providers want an app password or OAuth"),
	[CAT_AUTH_REQUIRED] = N_("the server wants a login: give the account a user and a "
				 "password source"),
	[CAT_TLS] = N_("check tls, port and tls_trust_file in the account; sendas "
		       "--serverinfo shows the server's certificate"),
	[CAT_RECIPIENT] = N_("check the refused address; the message went to nobody, so "
			     "sending it again without that address makes no duplicates"),
	[CAT_POLICY] = N_("the server refused the content or the header; its reply above "
			  "says why"),
	[CAT_TEMPORARY] = N_("nothing was delivered: send the message again later"),
	[CAT_DNS] = N_("check the account's host name and this computer's DNS"),
	[CAT_CONNECT] = N_("check the account's host and port and the network, then send "
			   "again"),
	[CAT_TIMEOUT] = N_("the server did not answer in time: send again later, or raise "
			   "the account's timeout"),
	[CAT_PROTOCOL] = N_("the server does not speak SMTP as it should; sendas -v shows "
			    "the dialogue to give to its operator"),
	[CAT_UNAVAILABLE] = N_("the server refused for good, or lacks a feature the message "
			       "needs; the text above says why"),
	[CAT_IO] = N_("check the disk and the temporary directory ($TMPDIR)"),
	[CAT_INTERNAL] = N_("this is a bug in sendas: please report it with sendas -v "
			    "output (it shows no secrets)"),
};

/* A refused OAuth login is about the token, whatever the provider says:
 * Gmail answers a bad token with its password text ("Username and Password
 * not accepted"), and the password hints would send the user the wrong
 * way. */
static int oauth_refused(enum category cat, enum smtp_state stage, const char *mech)
{
	return cat == CAT_AUTH_FAILED && stage == SMTP_AUTH && auth_mech_takes_token(mech);
}

struct hint classify_hint(const struct hint_query *q)
{
	const char *hosts[] = { q->host, q->greeting, NULL };
	const struct reply *r = q->reply;
	const struct provider_fact *fact = r && r->code >= 400 ?
		provider_hint_fact(q->stage, r, q->host ? hosts : hosts + 1) : NULL;
	const struct provider *p = fact ? provider_get(fact->provider) : NULL;
	struct hint h = { p ? p->name : NULL, fact ? _(fact->hint) : NULL };

	if (oauth_refused(q->cat, q->stage, q->auth_mech))
		h.text = _("the server refused the OAuth token: check that oauth_token_command "
			   "prints a fresh access token (not a refresh token) for this user, "
			   "with the provider's scope for SMTP");
	else if (!h.text && q->cat > 0 && q->cat < CAT_COUNT && category_hints[q->cat])
		h.text = _(category_hints[q->cat]);
	return h;
}
