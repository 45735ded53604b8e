/* providers.c: see providers.h.  The texts are real replies
 * (/work/shared/REFERENCE.md lists them with their steps); the tables are
 * tried in order, the first row that matches wins. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "providers.h"

#define ANY REPLY_ANY_STAGE
#define AFTER_CONTENT REPLY_AFTER_CONTENT
#define SAME_AS_HOST(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define DOMAINS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SUBMIT(...) (&(const struct provider_submission){ __VA_ARGS__ })
#define OWN_ADDRESS N_("only the login's own address and the aliases set up with the provider")

/* Submission servers, sender rules and limits as the providers document
 * them (November 2026); a limit only where the provider states it. */
static const struct provider providers[PROVIDER_COUNT] = {
	[PROVIDER_POSTFIX] = { "postfix", NULL, NULL },
	[PROVIDER_EXIM] = { "exim", NULL, NULL },
	[PROVIDER_YANDEX] = { "yandex", SAME_AS_HOST("yandex.ru", "yandex.com", "yandex.net"),
		SUBMIT("smtp.yandex.com", "465", 1, DOMAINS("yandex.ru", "yandex.com"),
		       DOMAINS("yandex.net", "yandex.ru"), OWN_ADDRESS, 0, 0, NULL) },
	[PROVIDER_GMX_WEBDE_IONOS] = { "gmx-webde-ionos",
		SAME_AS_HOST("gmx.net", "gmx.de", "gmx.com", "web.de", "ionos.de", "ionos.com",
			     "ionos.co.uk"), NULL },
	[PROVIDER_IONOS] = { "ionos", SAME_AS_HOST("ionos.de", "ionos.com", "ionos.co.uk"),
		SUBMIT("smtp.ionos.de", "587", 0, NULL, DOMAINS("ionos.de", "ionos.com"),
		       N_("addresses of the login's own domain only (since January 2024)"), 0, 0,
		       NULL) },
	[PROVIDER_MICROSOFT365] = { "microsoft365", SAME_AS_HOST("office365.com"),
		SUBMIT("smtp.office365.com", "587", 0, NULL, DOMAINS("mail.protection.outlook.com"),
		       N_("the login's own address, or one it has the Send As permission for"),
		       0, 500, "35M") },
	[PROVIDER_OUTLOOK] = { "outlook.com", SAME_AS_HOST("outlook.com", "hotmail.com",
							    "live.com"),
		SUBMIT("smtp-mail.outlook.com", "587", 0,
		       DOMAINS("outlook.com", "outlook.de", "hotmail.com", "hotmail.de", "live.com",
			       "live.de", "msn.com"), DOMAINS("olc.protection.outlook.com"),
		       OWN_ADDRESS, 0, 0, NULL) },
	[PROVIDER_SES] = { "amazon-ses", SAME_AS_HOST("amazonaws.com"), NULL },
	[PROVIDER_SENDGRID] = { "sendgrid", SAME_AS_HOST("sendgrid.net"), NULL },
	[PROVIDER_YAHOO] = { "yahoo", SAME_AS_HOST("yahoo.com"),
		SUBMIT("smtp.mail.yahoo.com", "465", 1,
		       DOMAINS("yahoo.com", "yahoo.de", "ymail.com", "rocketmail.com"),
		       DOMAINS("yahoodns.net"),
		       N_("a From field with the login's own address"), 0, 0, NULL) },
	[PROVIDER_MAILGUN] = { "mailgun", SAME_AS_HOST("mailgun.org"), NULL },
	[PROVIDER_GMAIL] = { "gmail", SAME_AS_HOST("gmail.com", "googlemail.com"),
		SUBMIT("smtp.gmail.com", "465", 1, DOMAINS("gmail.com", "googlemail.com"),
		       DOMAINS("google.com", "googlemail.com"),
		       N_("any sender is taken, but one that is not the login's address or a "
			  "verified alias is rewritten to the login's address; with 2-step "
			  "verification the password is an app password"), 500, 100, "25M") },
	[PROVIDER_GMX] = { "gmx", SAME_AS_HOST("gmx.net"),
		SUBMIT("mail.gmx.net", "587", 0,
		       DOMAINS("gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com"),
		       DOMAINS("gmx.net"), OWN_ADDRESS, 0, 0, NULL) },
	[PROVIDER_WEBDE] = { "web.de", SAME_AS_HOST("web.de"),
		SUBMIT("smtp.web.de", "587", 0, DOMAINS("web.de"), DOMAINS("web.de"), OWN_ADDRESS,
		       0, 0, NULL) },
	[PROVIDER_TONLINE] = { "t-online", SAME_AS_HOST("t-online.de"),
		SUBMIT("securesmtp.t-online.de", "465", 1, DOMAINS("t-online.de", "magenta.de"),
		       DOMAINS("t-online.de"),
		       N_("the login's own addresses; the free relay (mailmx.t-online.de) "
			  "rewrites other senders"), 0, 0, NULL) },
	[PROVIDER_MAILBOXORG] = { "mailbox.org", SAME_AS_HOST("mailbox.org"),
		SUBMIT("smtp.mailbox.org", "465", 1, DOMAINS("mailbox.org"),
		       DOMAINS("mailbox.org"), OWN_ADDRESS, 0, 0, NULL) },
	[PROVIDER_POSTEO] = { "posteo", SAME_AS_HOST("posteo.de"),
		SUBMIT("posteo.de", "587", 0, DOMAINS("posteo.de", "posteo.net"),
		       DOMAINS("posteo.de"), OWN_ADDRESS, 0, 0, NULL) },
	[PROVIDER_STRATO] = { "strato", SAME_AS_HOST("strato.de", "rzone.de"),
		SUBMIT("smtp.strato.de", "465", 1, DOMAINS("strato.de"), DOMAINS("rzone.de"),
		       N_("addresses of the login's own package"), 0, 0, NULL) },
	[PROVIDER_SWISSCOM] = { "swisscom", SAME_AS_HOST("bluewin.ch", "swisscom.com"),
		SUBMIT("smtpauths.bluewin.ch", "465", 1, DOMAINS("bluewin.ch"),
		       DOMAINS("bluewin.ch"),
		       N_("the login's own address; port 25 from Swisscom lines is intercepted"),
		       0, 0, NULL) },
	[PROVIDER_ICLOUD] = { "icloud", SAME_AS_HOST("mail.me.com", "icloud.com"),
		SUBMIT("smtp.mail.me.com", "587", 0, DOMAINS("icloud.com", "me.com", "mac.com"),
		       DOMAINS("icloud.com"),
		       N_("the login's own address or an alias; the password is an "
			  "app-specific password"), 0, 0, NULL) },
	[PROVIDER_FASTMAIL] = { "fastmail", SAME_AS_HOST("fastmail.com", "messagingengine.com"),
		SUBMIT("smtp.fastmail.com", "465", 1, DOMAINS("fastmail.com", "fastmail.fm"),
		       DOMAINS("messagingengine.com"),
		       N_("the account's addresses and aliases; the password is an app "
			  "password"), 0, 0, NULL) },
};

#define LIMITS N_("the provider limits how much this login may send: wait, then send again")
#define SEND_AS N_("Microsoft 365: the login needs the Send As permission for this sender; " \
		   "an administrator grants it in the Exchange admin center")

static const struct provider_fact facts[] = {
	/* Postfix reject_sender_login_mismatch answers at RCPT
	 * (smtpd_delay_reject=yes) or at MAIL; "not logged in" without AUTH. */
	{ { ANY, 5, NULL, "Sender address rejected: not logged in" }, CAT_AUTH_REQUIRED,
	  PROVIDER_POSTFIX,
	  N_("the server takes this sender only after a login: give the account a user "
	     "and a password source") },
	/* Postfix "not owned by user y", Yandex "not owned by auth user." */
	{ { ANY, 5, NULL, "Sender address rejected" }, CAT_SENDER_REFUSED, PROVIDER_NONE, NULL },
	{ { ANY, 5, NULL, "not owned by auth user" }, CAT_NONE, PROVIDER_YANDEX,
	  N_("Yandex lets a login send only as its own address or its aliases: send "
	     "through the account of this address, or add it as an alias in Yandex") },
	{ { ANY, 5, NULL, "not owned by user" }, CAT_NONE, PROVIDER_POSTFIX,
	  N_("the server lets each login send only as the addresses it owns: send through "
	     "the account that owns this sender (sendas --which SENDER shows the choice), "
	     "or ask the provider to let this login use it") },
	/* GMX, WEB.DE, IONOS at MAIL: no enhanced code, the reason on line 2. */
	{ { ANY, 5, NULL, "Sender address is not allowed" }, CAT_SENDER_REFUSED,
	  PROVIDER_GMX_WEBDE_IONOS,
	  N_("GMX, WEB.DE and IONOS take only senders that belong to the login: the "
	     "login's own address (GMX, WEB.DE) or an address of its domain (IONOS); "
	     "send through the account of this address") },
	{ { ANY, 5, NULL, "Reject due to policy restrictions" }, CAT_NONE, PROVIDER_IONOS,
	  N_("IONOS refuses messages whose header breaks its rules, such as a message "
	     "without exactly one Date field: check the message's header") },
	/* Microsoft 365: no Send As permission (after the content), "550
	 * 5.7.60" or Exchange Online's "554 5.2.252 SendAsDenied; ..." (which
	 * also names SendAsDeniedException, as Outlook.com does: this row
	 * comes first); at MAIL "530 5.7.57 Client not authenticated". */
	{ { ANY, 5, "5.7.60", NULL }, CAT_SENDER_REFUSED, PROVIDER_MICROSOFT365, SEND_AS },
	{ { ANY, 5, "5.2.252", NULL }, CAT_SENDER_REFUSED, PROVIDER_MICROSOFT365, SEND_AS },
	{ { ANY, 5, "5.7.57", NULL }, CAT_AUTH_REQUIRED, PROVIDER_MICROSOFT365,
	  N_("Microsoft 365 takes mail only after a login: give the account a user and a "
	     "password or an OAuth token") },
	{ { ANY, 5, NULL, "SmtpClientAuthentication is disabled" }, CAT_NONE,
	  PROVIDER_MICROSOFT365,
	  N_("Microsoft 365 has SMTP AUTH switched off for this tenant or mailbox: an "
	     "administrator must enable authenticated SMTP for the mailbox") },
	{ { SMTP_AUTH, 535, "5.7.3", NULL }, CAT_NONE, PROVIDER_MICROSOFT365,
	  N_("Microsoft 365 refused the login: check the password; where basic "
	     "authentication is off, use OAuth (oauth_token_command)") },
	/* Outlook.com after DATA: 554 5.2.0 ...SendAsDeniedException... */
	{ { ANY, 5, NULL, "SendAsDenied" }, CAT_SENDER_REFUSED, PROVIDER_OUTLOOK,
	  N_("Outlook.com sends only as the login's own address or one of its aliases: "
	     "send as that address, or add this sender as an alias of the account") },
	/* Amazon SES and SendGrid: unverified identities. */
	{ { ANY, 5, NULL, "Email address is not verified" }, CAT_SENDER_REFUSED, PROVIDER_SES,
	  N_("Amazon SES sends only from verified identities: verify this sender or its "
	     "domain in SES (in the SES sandbox, the recipients too)") },
	{ { ANY, 5, NULL, "verified Sender Identity" }, CAT_SENDER_REFUSED, PROVIDER_SENDGRID,
	  N_("SendGrid sends only from a verified Sender Identity: verify this sender, or "
	     "authenticate its domain, in SendGrid") },
	/* Yahoo refuses a From it does not like with this, after the content;
	 * at RCPT the same words are about the recipient. */
	{ { AFTER_CONTENT, 550, NULL, "Request failed; Mailbox unavailable" },
	  CAT_SENDER_REFUSED, PROVIDER_YAHOO,
	  N_("Yahoo refuses a message whose From field is not the login's address: make "
	     "the From field the account's own address") },
	/* Mailgun: "421 Domain ... is not allowed to send": a 4xx, but
	 * retrying never helps. */
	{ { ANY, 0, NULL, "Sandbox subdomains" }, CAT_NONE, PROVIDER_MAILGUN,
	  N_("Mailgun sandbox domains send only to authorized recipients: authorize the "
	     "recipient or send from a verified domain; retrying will not help") },
	{ { ANY, 0, NULL, "is not allowed to send" }, CAT_SENDER_REFUSED, PROVIDER_MAILGUN,
	  N_("the provider does not let this domain send: verify the domain with the "
	     "provider; retrying will not help") },
	{ { SMTP_AUTH, 534, NULL, "Application-specific password" }, CAT_NONE, PROVIDER_GMAIL,
	  N_("Gmail wants an app password: create one in the Google account's security "
	     "settings and make it the account's password (Gmail does not refuse other "
	     "senders: it rewrites them to the login's address)") },
	{ { SMTP_AUTH, 535, NULL, "Username and Password not accepted" }, CAT_NONE,
	  PROVIDER_GMAIL,
	  N_("Gmail refused the login: with 2-step verification Gmail needs an app "
	     "password (or OAuth) instead of the account's password (Gmail does not "
	     "refuse other senders: it rewrites them to the login's address)") },
	{ { SMTP_AUTH, 435, NULL, NULL }, CAT_NONE, PROVIDER_EXIM,
	  N_("the server cannot check passwords at the moment: try again later") },
	/* Any server (RFC 4954 section 6, RFC 5248). */
	{ { SMTP_AUTH, 534, "5.7.9", NULL }, CAT_NONE, PROVIDER_NONE,
	  N_("the server finds the authentication mechanism too weak: allow a stronger "
	     "one (SCRAM-SHA-256) in the account's auth setting") },
	/* 525 5.7.13: the account is disabled; 432 4.7.12: a password
	 * transition is needed (a person must act, retrying will not help). */
	{ { ANY, 5, "5.7.13", NULL }, CAT_AUTH_FAILED, PROVIDER_NONE,
	  N_("the provider has disabled this account: ask the provider") },
	{ { SMTP_AUTH, 4, "4.7.12", NULL }, CAT_AUTH_FAILED, PROVIDER_NONE,
	  N_("the provider wants a password change first: log in once with the "
	     "provider's web or mail client") },
	{ { ANY, 4, NULL, "greylist" }, CAT_NONE, PROVIDER_NONE,
	  N_("the server greylists unknown senders: the same message sent again in a "
	     "few minutes usually passes") },
	{ { ANY, 0, NULL, "rate limit" }, CAT_NONE, PROVIDER_NONE, LIMITS },
	{ { ANY, 0, NULL, "limit exceeded" }, CAT_NONE, PROVIDER_NONE, LIMITS },
	{ { ANY, 4, NULL, "too many" }, CAT_NONE, PROVIDER_NONE, LIMITS },
	{ { SMTP_RCPT, 5, NULL, "Relay access denied" }, CAT_NONE, PROVIDER_NONE,
	  N_("the server relays only for logged-in users: check that the account has a "
	     "user, and that it is the provider's submission server") },
};

int reply_match(const struct reply_match *m, enum smtp_state stage, const struct reply *r)
{
	if (m->stage == AFTER_CONTENT ? stage != SMTP_BODY && stage != SMTP_BDAT
	    : m->stage != ANY && m->stage != (int)stage)
		return 0;
	if (m->code >= 100 ? m->code != r->code : m->code && m->code != reply_class(r))
		return 0;
	if (m->enhanced && strncmp(r->enhanced, m->enhanced, strlen(m->enhanced)))
		return 0;
	if (m->text && !reply_contains(r, m->text))
		return 0;
	return 1;
}

const struct provider *provider_get(enum provider_id id)
{
	if (id <= PROVIDER_NONE || id >= PROVIDER_COUNT)
		return NULL;
	return &providers[id];
}

static int host_in(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (h == d)
		return strcasecmp(host, domain) == 0;
	return h > d && host[h - d - 1] == '.' && strcasecmp(host + h - d, domain) == 0;
}

enum provider_id provider_of_host(const char *host)
{
	const char *const *d;
	int id;

	for (id = PROVIDER_NONE + 1; host && id < PROVIDER_COUNT; id++)
		for (d = providers[id].domains; d && *d; d++)
			if (host_in(host, *d))
				return (enum provider_id)id;
	return PROVIDER_NONE;
}

int provider_serves(enum provider_id id, const char *host)
{
	const char *const *d;

	if (id <= PROVIDER_NONE || id >= PROVIDER_COUNT || !host)
		return 0;
	for (d = providers[id].domains; d && *d; d++)
		if (host_in(host, *d))
			return 1;
	return 0;
}

/* A fact names a provider that runs hosts only for a server that is one of
 * them; facts about server programs and any server always apply. */
static int fact_applies(const struct provider_fact *f, const char *const *hosts)
{
	const struct provider *p = provider_get(f->provider);

	if (!p || !p->domains)
		return 1;
	for (; hosts && *hosts; hosts++)
		if (provider_serves(f->provider, *hosts))
			return 1;
	return 0;
}

static enum provider_id find_submission(const char *name, int mx)
{
	const struct provider_submission *p;
	const char *const *d;
	int id;

	for (id = PROVIDER_NONE + 1; name && id < PROVIDER_COUNT; id++) {
		if (!(p = providers[id].submit))
			continue;
		for (d = mx ? p->mx_domains : p->mail_domains; d && *d; d++)
			if (host_in(name, *d))
				return (enum provider_id)id;
	}
	return PROVIDER_NONE;
}

enum provider_id provider_for_mail_domain(const char *domain)
{
	return find_submission(domain, 0);
}

enum provider_id provider_for_mx(const char *mx_host)
{
	return find_submission(mx_host, 1);
}

static const struct provider_fact *first_fact(enum smtp_state stage, const struct reply *r,
					      int want_hint, const char *const *hosts)
{
	size_t i;

	for (i = 0; i < sizeof facts / sizeof facts[0]; i++) {
		if (want_hint ? !facts[i].hint || !fact_applies(&facts[i], hosts)
		    : facts[i].cat == CAT_NONE)
			continue;
		if (reply_match(&facts[i].m, stage, r))
			return &facts[i];
	}
	return NULL;
}

const struct provider_fact *provider_category_fact(enum smtp_state stage,
						   const struct reply *r)
{
	return first_fact(stage, r, 0, NULL);
}

const struct provider_fact *provider_hint_fact(enum smtp_state stage, const struct reply *r,
					       const char *const *hosts)
{
	return first_fact(stage, r, 1, hosts);
}
