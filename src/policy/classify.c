/* SPDX-License-Identifier: GPL-3.0-or-later */
/* classify.c: see classify.h.
 *
 * Rules are tried in order; the first that matches decides.  A rule matches
 * on the stage (or any), the reply code (or a class), the enhanced code
 * prefix (or any) and a text the provider uses for the case (or any).
 * Enhanced codes are used only when their class matches the code (reply.c
 * already drops those that do not).  Provider texts come first, because
 * providers say "sender not allowed" with codes that mean something else
 * elsewhere (Mailgun with a 421, Yahoo with a bare 550 after the content).
 * "After the content" is SMTP_BODY (the final dot) or SMTP_BDAT (a chunk;
 * the verdict on the message comes with BDAT LAST): rows say AFTER_CONTENT. */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "classify.h"
#include "i18n.h"

#define ANY_STAGE SMTP_STATE_COUNT
#define AFTER_CONTENT (SMTP_STATE_COUNT + 1)    /* SMTP_BODY or SMTP_BDAT */

struct match {
	int stage;              /* an enum smtp_state, ANY_STAGE or AFTER_CONTENT */
	int code;               /* 0 any; 4 or 5 a whole class; else exact */
	const char *enhanced;   /* prefix such as "5.7." or NULL */
	const char *text;       /* case-insensitive substring of any line, or NULL */
};

static const struct rule {
	struct match m;
	enum category cat;
} rules[] = {
	/* Postfix reject_sender_login_mismatch answers at RCPT
	 * (smtpd_delay_reject=yes) or at MAIL; "not logged in" without AUTH. */
	{ { ANY_STAGE, 5, NULL, "Sender address rejected: not logged in" }, CAT_AUTH_REQUIRED },
	/* Postfix "not owned by user y", Yandex "not owned by auth user." */
	{ { ANY_STAGE, 5, NULL, "Sender address rejected" }, CAT_SENDER_REFUSED },
	/* GMX, WEB.DE, IONOS at MAIL: no enhanced code, the reason on line 2. */
	{ { ANY_STAGE, 5, NULL, "Sender address is not allowed" }, CAT_SENDER_REFUSED },
	/* Microsoft 365 after the content: no Send As permission. */
	{ { ANY_STAGE, 5, "5.7.60", NULL }, CAT_SENDER_REFUSED },
	/* Outlook.com after DATA: 554 5.2.0 ...SendAsDeniedException... */
	{ { ANY_STAGE, 5, NULL, "SendAsDenied" }, CAT_SENDER_REFUSED },
	/* Amazon SES and SendGrid: unverified identities. */
	{ { ANY_STAGE, 5, NULL, "Email address is not verified" }, CAT_SENDER_REFUSED },
	{ { ANY_STAGE, 5, NULL, "verified Sender Identity" }, CAT_SENDER_REFUSED },
	/* Yahoo refuses a From it does not like with this, after the content;
	 * at RCPT the same words are about the recipient. */
	{ { AFTER_CONTENT, 550, NULL, "Request failed; Mailbox unavailable" }, CAT_SENDER_REFUSED },
	/* Mailgun: "421 Domain ... is not allowed to send": a 4xx, but
	 * retrying never helps. */
	{ { ANY_STAGE, 0, NULL, "is not allowed to send" }, CAT_SENDER_REFUSED },
	/* Microsoft 365 at MAIL: 530 5.7.57 Client not authenticated. */
	{ { ANY_STAGE, 5, "5.7.57", NULL }, CAT_AUTH_REQUIRED },
	/* TLS (RFC 4954 section 6, RFC 5248): Dovecot "530 5.7.0 TLS
	 * required.", 538 5.7.11 and 523 5.7.10 (encryption needed). */
	{ { ANY_STAGE, 530, NULL, "TLS" }, CAT_TLS },
	{ { ANY_STAGE, 530, NULL, "STARTTLS" }, CAT_TLS },
	{ { ANY_STAGE, 538, NULL, NULL }, CAT_TLS },
	{ { ANY_STAGE, 523, NULL, NULL }, CAT_TLS },
	{ { ANY_STAGE, 5, "5.7.10", NULL }, CAT_TLS },
	{ { ANY_STAGE, 5, "5.7.11", NULL }, CAT_TLS },
	/* 525 5.7.13: the account is disabled; 432 4.7.12: a password
	 * transition is needed (a person must act, retrying will not help). */
	{ { ANY_STAGE, 5, "5.7.13", NULL }, CAT_AUTH_FAILED },
	{ { SMTP_AUTH, 4, "4.7.12", NULL }, CAT_AUTH_FAILED },
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

static int matches(const struct match *m, enum smtp_state stage, const struct reply *r)
{
	if (m->stage == AFTER_CONTENT ? stage != SMTP_BODY && stage != SMTP_BDAT
	    : m->stage != ANY_STAGE && m->stage != (int)stage)
		return 0;
	if (m->code >= 100 ? m->code != r->code : m->code && m->code != reply_class(r))
		return 0;
	if (m->enhanced && strncmp(r->enhanced, m->enhanced, strlen(m->enhanced)))
		return 0;
	if (m->text && !reply_contains(r, m->text))
		return 0;
	return 1;
}

enum category classify_reply(enum smtp_state stage, const struct reply *r)
{
	size_t i;

	if (r->code < 400)
		return CAT_PROTOCOL;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (matches(&rules[i].m, stage, r))
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

/* Providers recognised by their texts, with what to do about them. */
static const struct provider_hint {
	struct match m;
	const char *provider;
	const char *hint;
} provider_hints[] = {
	{ { ANY_STAGE, 5, NULL, "Sender address rejected: not logged in" }, "postfix",
	  N_("the server takes this sender only after a login: give the account a user "
	     "and a password source") },
	{ { ANY_STAGE, 5, NULL, "not owned by auth user" }, "yandex",
	  N_("Yandex lets a login send only as its own address or its aliases: send "
	     "through the account of this address, or add it as an alias in Yandex") },
	{ { ANY_STAGE, 5, NULL, "not owned by user" }, "postfix",
	  N_("the server lets each login send only as the addresses it owns: send through "
	     "the account that owns this sender (sendas --which SENDER shows the choice), "
	     "or ask the provider to let this login use it") },
	{ { ANY_STAGE, 5, NULL, "Sender address is not allowed" }, "gmx-webde-ionos",
	  N_("GMX, WEB.DE and IONOS take only senders that belong to the login: the "
	     "login's own address (GMX, WEB.DE) or an address of its domain (IONOS); "
	     "send through the account of this address") },
	{ { ANY_STAGE, 5, NULL, "Reject due to policy restrictions" }, "ionos",
	  N_("IONOS refuses messages whose header breaks its rules, such as a message "
	     "without exactly one Date field: check the message's header") },
	{ { ANY_STAGE, 5, "5.7.60", NULL }, "microsoft365",
	  N_("Microsoft 365: the login needs the Send As permission for this sender; an "
	     "administrator grants it in the Exchange admin center") },
	{ { ANY_STAGE, 5, "5.7.57", NULL }, "microsoft365",
	  N_("Microsoft 365 takes mail only after a login: give the account a user and a "
	     "password or an OAuth token") },
	{ { ANY_STAGE, 5, NULL, "SmtpClientAuthentication is disabled" }, "microsoft365",
	  N_("Microsoft 365 has SMTP AUTH switched off for this tenant or mailbox: an "
	     "administrator must enable authenticated SMTP for the mailbox") },
	{ { SMTP_AUTH, 535, "5.7.3", NULL }, "microsoft365",
	  N_("Microsoft 365 refused the login: check the password; where basic "
	     "authentication is off, use OAuth (oauth_token_command)") },
	{ { ANY_STAGE, 5, NULL, "SendAsDenied" }, "outlook.com",
	  N_("Outlook.com sends only as the login's own address or one of its aliases: "
	     "send as that address, or add this sender as an alias of the account") },
	{ { ANY_STAGE, 5, NULL, "Email address is not verified" }, "amazon-ses",
	  N_("Amazon SES sends only from verified identities: verify this sender or its "
	     "domain in SES (in the SES sandbox, the recipients too)") },
	{ { ANY_STAGE, 5, NULL, "verified Sender Identity" }, "sendgrid",
	  N_("SendGrid sends only from a verified Sender Identity: verify this sender, or "
	     "authenticate its domain, in SendGrid") },
	{ { AFTER_CONTENT, 550, NULL, "Request failed; Mailbox unavailable" }, "yahoo",
	  N_("Yahoo refuses a message whose From field is not the login's address: make "
	     "the From field the account's own address") },
	{ { ANY_STAGE, 0, NULL, "Sandbox subdomains" }, "mailgun",
	  N_("Mailgun sandbox domains send only to authorized recipients: authorize the "
	     "recipient or send from a verified domain; retrying will not help") },
	{ { ANY_STAGE, 0, NULL, "is not allowed to send" }, "mailgun",
	  N_("the provider does not let this domain send: verify the domain with the "
	     "provider; retrying will not help") },
	{ { SMTP_AUTH, 534, NULL, "Application-specific password" }, "gmail",
	  N_("Gmail wants an app password: create one in the Google account's security "
	     "settings and make it the account's password (Gmail does not refuse other "
	     "senders: it rewrites them to the login's address)") },
	{ { SMTP_AUTH, 535, NULL, "Username and Password not accepted" }, "gmail",
	  N_("Gmail refused the login: with 2-step verification Gmail needs an app "
	     "password (or OAuth) instead of the account's password (Gmail does not "
	     "refuse other senders: it rewrites them to the login's address)") },
	{ { SMTP_AUTH, 435, NULL, NULL }, "exim",
	  N_("the server cannot check passwords at the moment: try again later") },
	{ { SMTP_AUTH, 534, "5.7.9", NULL }, NULL,
	  N_("the server finds the authentication mechanism too weak: allow a stronger "
	     "one (SCRAM-SHA-256) in the account's auth setting") },
	{ { ANY_STAGE, 5, "5.7.13", NULL }, NULL,
	  N_("the provider has disabled this account: ask the provider") },
	{ { SMTP_AUTH, 4, "4.7.12", NULL }, NULL,
	  N_("the provider wants a password change first: log in once with the "
	     "provider's web or mail client") },
	{ { ANY_STAGE, 4, NULL, "greylist" }, NULL,
	  N_("the server greylists unknown senders: the same message sent again in a "
	     "few minutes usually passes") },
	{ { ANY_STAGE, 0, NULL, "rate limit" }, NULL,
	  N_("the provider limits how much this login may send: wait, then send again") },
	{ { ANY_STAGE, 0, NULL, "limit exceeded" }, NULL,
	  N_("the provider limits how much this login may send: wait, then send again") },
	{ { ANY_STAGE, 4, NULL, "too many" }, NULL,
	  N_("the provider limits how much this login may send: wait, then send again") },
	{ { SMTP_RCPT, 5, NULL, "Relay access denied" }, NULL,
	  N_("the server relays only for logged-in users: check that the account has a "
	     "user, and that it is the provider's submission server") },
};

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
	[CAT_UNAVAILABLE] = N_("the server refused for good; its reply above says why"),
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
	return cat == CAT_AUTH_FAILED && stage == SMTP_AUTH && mech &&
	       (strcmp(mech, "XOAUTH2") == 0 || strcmp(mech, "OAUTHBEARER") == 0);
}

struct hint classify_hint(enum category cat, enum smtp_state stage, const struct reply *r,
			  const char *auth_mech)
{
	struct hint h = { NULL, NULL };
	size_t i;

	for (i = 0; r && r->code >= 400 && i < sizeof provider_hints / sizeof provider_hints[0];
	     i++) {
		if (matches(&provider_hints[i].m, stage, r)) {
			h.provider = provider_hints[i].provider;
			h.text = _(provider_hints[i].hint);
			break;
		}
	}
	if (oauth_refused(cat, stage, auth_mech))
		h.text = _("the server refused the OAuth token: check that oauth_token_command "
			   "prints a fresh access token (not a refresh token) for this user, "
			   "with the provider's scope for SMTP");
	else if (!h.text && cat > 0 && cat < CAT_COUNT && category_hints[cat])
		h.text = _(category_hints[cat]);
	return h;
}
