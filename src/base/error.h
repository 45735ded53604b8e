/* SPDX-License-Identifier: GPL-3.0-or-later */
/* error.h: the one error idiom of sendas.
 *
 * A function that can fail returns -1 (or NULL) and fills a caller-provided
 * struct error; on success it returns 0 (or the object) and leaves the error
 * alone.  The record travels up to main(), which turns its category into an
 * exit code (classify.h) and hands it to the reporter.  Nothing below main()
 * calls exit(), except on out-of-memory (xalloc.h).
 *
 * The category says what kind of failure it is, not where: the SMTP stage and
 * the server's reply travel beside it in the smtp result. */
#ifndef SENDAS_ERROR_H
#define SENDAS_ERROR_H

enum category {
	CAT_NONE = 0,
	CAT_USAGE,              /* bad command line */
	CAT_INPUT,              /* the message or an address given to us is bad */
	CAT_TOO_LARGE,          /* message larger than the server takes */
	CAT_CONFIG,             /* account file, permissions, credentials source */
	CAT_NO_ACCOUNT,         /* no account for this sender in the account file */
	CAT_SENDER_REFUSED,     /* the provider refuses this envelope sender */
	CAT_AUTH_FAILED,        /* credentials refused */
	CAT_AUTH_REQUIRED,      /* the server wants AUTH we could not do */
	CAT_TLS,                /* TLS missing, refused, or not verifiable */
	CAT_RECIPIENT,          /* a recipient refused */
	CAT_POLICY,             /* content or policy refusal */
	CAT_TEMPORARY,          /* a 4xx: try again later */
	CAT_DNS,                /* host not found */
	CAT_CONNECT,            /* could not connect, or the connection dropped */
	CAT_TIMEOUT,            /* the server did not answer in time */
	CAT_PROTOCOL,           /* the server broke the protocol */
	CAT_UNAVAILABLE,        /* permanent refusal of another kind, feature missing */
	CAT_IO,                 /* local I/O error */
	CAT_INTERNAL,           /* a bug or an unexpected library failure */
	CAT_COUNT
};

#define ERROR_TEXT_MAX 1024

struct error {
	enum category category;
	char text[ERROR_TEXT_MAX];  /* one translated sentence: what failed */
};

void error_clear(struct error *err);
/* Set the error; returns -1 so that callers can write
 * "return error_set(err, CAT_IO, _("cannot read %s: %s"), ...);" */
int error_set(struct error *err, enum category cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the existing text with more context ("while X: "). */
void error_prefix(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A short stable name ("sender-refused", "auth-failed", ...) for JSON and logs. */
const char *category_name(enum category cat);
/* The translated human name ("sender not allowed", ...) for stderr. */
const char *category_label(enum category cat);

#endif
