/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_classify.c: reply + stage => category => exit code. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "classify.h"
#include "providers.h"
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

/* A host of the provider called name: "smtp." and its first host domain;
 * "mail.example.org" for a server program or none. */
static const char *host_of(const char *name, char *buf, size_t size)
{
	int id;

	for (id = PROVIDER_NONE + 1; id < PROVIDER_COUNT; id++) {
		const struct provider *p = provider_get((enum provider_id)id);

		if (strcmp(p->name, name) == 0 && p->domains) {
			snprintf(buf, size, "smtp.%s", p->domains[0]);
			return buf;
		}
	}
	return "mail.example.org";
}

/* The hint's provider for a reply at st from host ("" when none is
 * recognised). */
static const char *provider(enum category cat, enum smtp_state st, const char *text,
			    const char *host)
{
	struct reply r;
	const char *p = text, *nl;
	struct hint h;

	reply_init(&r);
	do {
		nl = strchr(p, '\n');
		reply_feed(&r, p, nl ? (size_t)(nl - p) : strlen(p));
		p = nl + 1;
	} while (nl);
	h = classify_hint(&(struct hint_query){ .cat = cat, .stage = st, .reply = &r, .host = host });
	reply_release(&r);
	return h.provider ? h.provider : "";
}

/* Every provider text of issue 5, at the step where it comes. */
static const struct {
	enum smtp_state st;
	const char *text;
	enum category cat;
	const char *provider;
} real[] = {
	{ SMTP_RCPT, "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test",
	  CAT_SENDER_REFUSED, "postfix" },
	{ SMTP_MAIL, "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test",
	  CAT_SENDER_REFUSED, "postfix" },
	{ SMTP_RCPT, "553 5.7.1 <alice@example.test>: Sender address rejected: not logged in",
	  CAT_AUTH_REQUIRED, "postfix" },
	{ SMTP_MAIL, "550-Requested action not taken: mailbox unavailable\n550 Sender address is not allowed.",
	  CAT_SENDER_REFUSED, "gmx-webde-ionos" },
	{ SMTP_BODY, "554-Transaction failed\n554-Reject due to policy restrictions.\n554 For explanation visit https://postmaster.1und1.de/",
	  CAT_POLICY, "ionos" },
	{ SMTP_MAIL, "553 5.7.1 Sender address rejected: not owned by auth user.",
	  CAT_SENDER_REFUSED, "yandex" },
	{ SMTP_BODY, "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
	  CAT_SENDER_REFUSED, "microsoft365" },
	{ SMTP_BDAT, "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
	  CAT_SENDER_REFUSED, "microsoft365" },
	{ SMTP_MAIL, "530 5.7.57 Client not authenticated to send mail. [DB9PR01CA0001]",
	  CAT_AUTH_REQUIRED, "microsoft365" },
	{ SMTP_AUTH, "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
	  CAT_AUTH_FAILED, "microsoft365" },
	{ SMTP_AUTH, "535 5.7.3 Authentication unsuccessful [AM0PR01CA0001]",
	  CAT_AUTH_FAILED, "microsoft365" },
	{ SMTP_BODY, "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed",
	  CAT_SENDER_REFUSED, "outlook.com" },
	{ SMTP_BODY, "554 5.2.252 SendAsDenied; alice@example.test not allowed to send as bob@example.test; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception",
	  CAT_SENDER_REFUSED, "microsoft365" },
	{ SMTP_BODY, "554 Message rejected: Email address is not verified. The following identities failed the check",
	  CAT_SENDER_REFUSED, "amazon-ses" },
	{ SMTP_DATA, "550 The from address does not match a verified Sender Identity. Mail cannot be sent",
	  CAT_SENDER_REFUSED, "sendgrid" },
	{ SMTP_BODY, "550 Request failed; Mailbox unavailable", CAT_SENDER_REFUSED, "yahoo" },
	{ SMTP_DATA, "421 Domain sandbox1.mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only.",
	  CAT_SENDER_REFUSED, "mailgun" },
	{ SMTP_AUTH, "535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials - gsmtp",
	  CAT_AUTH_FAILED, "gmail" },
	{ SMTP_AUTH, "534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp",
	  CAT_AUTH_FAILED, "gmail" },
	{ SMTP_AUTH, "535 Incorrect authentication data", CAT_AUTH_FAILED, "" },
	{ SMTP_AUTH, "435 Unable to authenticate at present", CAT_TEMPORARY, "exim" },
	{ SMTP_AUTH, "535 5.7.8 Authentication failed.", CAT_AUTH_FAILED, "" },
	{ SMTP_AUTH, "530 5.7.0 TLS required.", CAT_TLS, "" },
	{ SMTP_MAIL, "530 5.7.0 Must issue a STARTTLS command first", CAT_TLS, "" },
	{ SMTP_AUTH, "454 4.7.0 Temporary authentication failure.", CAT_TEMPORARY, "" },
	{ SMTP_AUTH, "523 5.7.10 Encryption needed", CAT_TLS, "" },
	{ SMTP_AUTH, "525 5.7.13 Account disabled", CAT_AUTH_FAILED, "" },
	{ SMTP_AUTH, "534 5.7.9 Authentication mechanism is too weak", CAT_AUTH_FAILED, "" },
	{ SMTP_AUTH, "538 5.7.11 Encryption required for requested authentication mechanism", CAT_TLS, "" },
	{ SMTP_AUTH, "432 4.7.12 A password transition is needed", CAT_AUTH_FAILED, "" },
	{ SMTP_RCPT, "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table",
	  CAT_RECIPIENT, "" },
	{ SMTP_RCPT, "450 4.2.0 <x@example.net>: Recipient address rejected: Greylisted, see http://postgrey",
	  CAT_TEMPORARY, "" },
	{ SMTP_RCPT, "550 Request failed; Mailbox unavailable", CAT_RECIPIENT, "" },
	{ SMTP_BODY, "550 5.4.5 Daily user sending limit exceeded.", CAT_TEMPORARY, "" },
	{ SMTP_BODY, "552 5.3.4 Message size exceeds fixed limit", CAT_TOO_LARGE, "" },
	{ SMTP_BDAT, "552 5.3.4 Message size exceeds fixed limit", CAT_TOO_LARGE, "" },
	{ SMTP_MAIL, "552 Message size exceeds fixed maximum message size", CAT_TOO_LARGE, "" },
	{ SMTP_MAIL, "501 5.1.7 Bad sender address syntax", CAT_SENDER_REFUSED, "" },
	{ SMTP_MAIL, "553 5.6.7 Address requires SMTPUTF8", CAT_UNAVAILABLE, "" },
	{ SMTP_GREETING, "554 5.3.2 go away", CAT_UNAVAILABLE, "" },
	{ SMTP_STARTTLS, "454 4.7.0 TLS not available due to local problem", CAT_TEMPORARY, "" },
};

static void test_real_texts(void)
{
	size_t i;

	for (i = 0; i < sizeof real / sizeof real[0]; i++) {
		int first = (int)strcspn(real[i].text, "\n");

		ok(cls(real[i].st, real[i].text) == real[i].cat, "%.*s at %s: category %s",
		   first, real[i].text, smtp_state_name(real[i].st), category_name(real[i].cat));
		char host[64];
		const char *own = host_of(real[i].provider, host, sizeof host);
		const struct provider *p = provider_get(provider_of_host(own));
		/* From a host of nobody's, only server programs are named. */
		const char *stranger = p ? "" : real[i].provider;

		is_str(provider(real[i].cat, real[i].st, real[i].text, "127.0.0.1"), stranger,
		       "%.*s at %s from 127.0.0.1: provider \"%s\"", first < 40 ? first : 40,
		       real[i].text, smtp_state_name(real[i].st), stranger);
		is_str(provider(real[i].cat, real[i].st, real[i].text, own), real[i].provider,
		       "%.*s at %s: provider", first < 40 ? first : 40, real[i].text,
		       smtp_state_name(real[i].st));
	}
}

/* Every category a person can act on has a hint; usage has --help. */
static void test_hints(void)
{
	int c, all = 1;

	for (c = CAT_INPUT; c < CAT_COUNT; c++)
		all &= classify_hint(&(struct hint_query){ .cat = (enum category)c, .stage = SMTP_MAIL })
			.text != NULL;
	ok(all, "every category from local-input on has a hint");
	ok(classify_hint(&(struct hint_query){ .cat = CAT_NONE, .stage = SMTP_DONE }).text == NULL,
	   "no hint without a failure");
	ok(classify_hint(&(struct hint_query){ .cat = CAT_SENDER_REFUSED, .stage = SMTP_MAIL }).provider == NULL,
	   "no provider without a reply");
}

/* A refused OAuth login gets the token hint, never a password hint, even
 * where the provider's text is the one it uses for passwords. */
static void test_oauth_hint(void)
{
	static const char gmail[] = "535-5.7.8 Username and Password not accepted. For more "
				    "information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials";
	struct reply r;
	struct hint pw, tok, bearer, later;

	reply_init(&r);
	reply_feed(&r, gmail, strcspn(gmail, "\n"));
	reply_feed(&r, strchr(gmail, '\n') + 1, strlen(strchr(gmail, '\n') + 1));
	pw = classify_hint(&(struct hint_query){ .cat = CAT_AUTH_FAILED, .stage = SMTP_AUTH,
		.reply = &r, .auth_mech = "PLAIN", .host = "smtp.gmail.com" });
	tok = classify_hint(&(struct hint_query){ .cat = CAT_AUTH_FAILED, .stage = SMTP_AUTH,
		.reply = &r, .auth_mech = "XOAUTH2", .greeting = "smtp.gmail.com" });
	bearer = classify_hint(&(struct hint_query){ .cat = CAT_AUTH_FAILED, .stage = SMTP_AUTH,
		.auth_mech = "OAUTHBEARER" });
	later = classify_hint(&(struct hint_query){ .cat = CAT_SENDER_REFUSED, .stage = SMTP_RCPT,
		.auth_mech = "XOAUTH2" });
	ok(strstr(pw.text, "app password") != NULL, "PLAIN refused by Gmail: the app password hint");
	ok(strstr(tok.text, "oauth_token_command") && !strstr(tok.text, "app password") &&
	   strcmp(tok.provider, "gmail") == 0,
	   "XOAUTH2 refused by Gmail: the token hint, Gmail still recognised (%s)", tok.text);
	ok(bearer.text == tok.text, "OAUTHBEARER without a reply: the same token hint");
	ok(strstr(later.text, "oauth_token_command") == NULL,
	   "after an OAuth login, a sender refusal keeps its own hint");
	reply_release(&r);
}

/* One table says what is retryable; the exit code agrees with it. */
static void test_retryable(void)
{
	int cat;

	for (cat = CAT_NONE; cat < CAT_COUNT; cat++)
		ok(category_retryable(cat) == (category_exit_code(cat) == EX_TEMPFAIL),
		   "%s: retryable exactly when it exits 75", category_name(cat));
	ok(category_local(CAT_IO) && category_local(CAT_INTERNAL) &&
	   !category_local(CAT_TEMPORARY) && !category_local(CAT_RECIPIENT),
	   "local failures: I/O and bugs only");
	ok(!category_retryable(CAT_COUNT) && category_local(CAT_COUNT),
	   "an unknown category is not retried as temporary");
}

/* Providers are named by their texts and, for their own hosts, by host. */
static void test_providers(void)
{
	static const struct { const char *host; const char *name; } hosts[] = {
		{ "smtp.office365.com", "microsoft365" }, { "SMTP.Gmail.COM", "gmail" },
		{ "mail.gmx.net", "gmx-webde-ionos" }, { "smtp.web.de", "gmx-webde-ionos" },
		{ "email-smtp.eu-west-1.amazonaws.com", "amazon-ses" },
		{ "smtp.sendgrid.net", "sendgrid" }, { "smtp-mail.outlook.com", "outlook.com" },
		{ "smtp.mail.yahoo.com", "yahoo" }, { "smtp.yandex.ru", "yandex" },
		{ "smtp.mailgun.org", "mailgun" },
	};
	static const char *const strangers[] = {
		"notgmail.com", "gmail.com.evil.example", "mail.example.org", "localhost", "",
	};
	size_t i;

	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		const struct provider *p = provider_get(provider_of_host(hosts[i].host));

		is_str(p ? p->name : NULL, hosts[i].name, "host %s belongs to %s", hosts[i].host,
		       hosts[i].name);
	}
	for (i = 0; i < sizeof strangers / sizeof strangers[0]; i++)
		ok(provider_of_host(strangers[i]) == PROVIDER_NONE, "host \"%s\" is no provider's",
		   strangers[i]);
	ok(provider_of_host(NULL) == PROVIDER_NONE && provider_get(PROVIDER_NONE) == NULL,
	   "no host, no provider");
	ok(provider_get(PROVIDER_POSTFIX) && !provider_get(PROVIDER_POSTFIX)->domains,
	   "a server program has no host domains");
	ok(provider_serves(PROVIDER_IONOS, "smtp.ionos.de") &&
	   provider_serves(PROVIDER_GMX_WEBDE_IONOS, "smtp.ionos.de") &&
	   !provider_serves(PROVIDER_GMX_WEBDE_IONOS, "127.0.0.1") &&
	   !provider_serves(PROVIDER_POSTFIX, "mail.example.org") &&
	   !provider_serves(PROVIDER_GMAIL, NULL),
	   "provider_serves: every provider that has the host, nobody for a stranger");
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
	ok(category_exit_code(CAT_AUTH_FAILED) == EX_NOPERM, "authentication failed exits 77");
	ok(category_exit_code(CAT_TOO_LARGE) == EX_DATAERR, "too large exits 65");
	ok(category_exit_code(CAT_DNS) == EX_NOHOST, "host not found exits 68");
	ok(category_exit_code(CAT_PROTOCOL) == EX_PROTOCOL, "protocol error exits 76");
	ok(category_exit_code(CAT_POLICY) == EX_UNAVAILABLE, "policy exits 69");
	ok(category_exit_code(CAT_TLS) == EX_UNAVAILABLE, "TLS exits 69");
	test_real_texts();
	test_hints();
	test_oauth_hint();
	test_retryable();
	test_providers();
	return tap_done();
}
