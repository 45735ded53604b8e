/* providers.h: what sendas knows about mail providers and servers, once.
 *
 * Two tables.  The providers: a stable name for --json and the log, and the
 * host domains of the provider's submission servers (a host belongs to a
 * provider when it is one of them or a subdomain), so that a provider is
 * named only for its own hosts (hints, --configure, the doctor).  The facts: a
 * reply the provider (or a server program, or any server) is known to give
 * at a step, with the category it means when that differs from what its
 * code says (classify.c asks here before its generic rules) and the hint a
 * person can act on (classify_hint()).  One row per fact, so a provider's
 * text is written once for both.  Pure. */
#ifndef SENDAS_PROVIDERS_H
#define SENDAS_PROVIDERS_H

#include "error.h"
#include "reply.h"
#include "smtp.h"

#define REPLY_ANY_STAGE SMTP_STATE_COUNT
#define REPLY_AFTER_CONTENT (SMTP_STATE_COUNT + 1)   /* SMTP_BODY or SMTP_BDAT */

/* A reply pattern: every part that is set must match. */
struct reply_match {
	int stage;              /* an enum smtp_state, REPLY_ANY_STAGE or REPLY_AFTER_CONTENT */
	int code;               /* 0 any; 4 or 5 a whole class; else exact */
	const char *enhanced;   /* prefix such as "5.7." or NULL */
	const char *text;       /* case-insensitive substring of any line, or NULL */
};

int reply_match(const struct reply_match *m, enum smtp_state stage, const struct reply *r);

enum provider_id {
	PROVIDER_NONE = 0,      /* any server */
	PROVIDER_POSTFIX,       /* server programs: no host domains */
	PROVIDER_EXIM,
	PROVIDER_YANDEX,
	PROVIDER_GMX_WEBDE_IONOS,
	PROVIDER_IONOS,
	PROVIDER_MICROSOFT365,
	PROVIDER_OUTLOOK,
	PROVIDER_SES,
	PROVIDER_SENDGRID,
	PROVIDER_YAHOO,
	PROVIDER_MAILGUN,
	PROVIDER_GMAIL,
	PROVIDER_GMX,           /* for --configure: one submission server each */
	PROVIDER_WEBDE,
	PROVIDER_TONLINE,
	PROVIDER_MAILBOXORG,
	PROVIDER_POSTEO,
	PROVIDER_STRATO,
	PROVIDER_SWISSCOM,
	PROVIDER_ICLOUD,
	PROVIDER_FASTMAIL,
	PROVIDER_COUNT
};

/* How to submit to a provider, for --configure: its server, its rule
 * about senders, the limits it is known to set (0: none known). */
struct provider_submission {
	const char *host;
	const char *port;
	int implicit_tls;              /* port 465 style; else STARTTLS */
	const char *const *mail_domains;  /* addresses it hosts; NULL: custom domains only */
	const char *const *mx_domains;    /* its MX hosts are in these */
	const char *sender_rule;       /* N_() */
	int messages_per_day;
	int max_recipients;
	const char *max_size;          /* as max_size takes it ("25M"), or NULL */
};

struct provider {
	const char *name;              /* "microsoft365", ...: stable, for --json */
	const char *const *domains;    /* NULL-terminated; NULL for a server program */
	const struct provider_submission *submit;  /* NULL: --configure cannot use it */
};

/* The provider's row; NULL for PROVIDER_NONE or out of range. */
const struct provider *provider_get(enum provider_id id);

/* The provider whose host domains hold host (an A-label, any case), or
 * PROVIDER_NONE. */
enum provider_id provider_of_host(const char *host);

/* --configure: the provider that hosts addresses of domain (any case), or
 * whose MX hosts include mx_host; PROVIDER_NONE. */
enum provider_id provider_for_mail_domain(const char *domain);
enum provider_id provider_for_mx(const char *mx_host);

struct provider_fact {
	struct reply_match m;
	enum category cat;             /* CAT_NONE: the generic rules decide */
	enum provider_id provider;
	const char *hint;              /* N_(), or NULL */
};

/* The first fact that matches the reply at stage and decides a category,
 * or NULL. */
const struct provider_fact *provider_category_fact(enum smtp_state stage,
						   const struct reply *r);

/* Whether host (an A-label, any case) is one of the provider's host
 * domains or a subdomain of one.  0 for a server program or PROVIDER_NONE. */
int provider_serves(enum provider_id id, const char *host);

/* The first fact that matches the reply at stage, has a hint, and applies
 * to the server: a fact that names a provider with host domains applies
 * only when one of hosts (NULL-terminated: the account's host, the name in
 * the server's greeting; NULL: none) belongs to that provider, so a local
 * relay that passes on "Sender address is not allowed" gets the generic
 * hint, not GMX's.  NULL when none. */
const struct provider_fact *provider_hint_fact(enum smtp_state stage, const struct reply *r,
					       const char *const *hosts);

#endif
