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
 * the server's reply travel beside it in the smtp result.
 *
 * Languages: the text is translated for whoever runs this process; the
 * same message is also kept language-neutral (neutral.h), so that what
 * outlives the process (a queued message's reason, queue.h) is shown in the
 * language of whoever reads it.  So error_set() and error_prefix() take the
 * msgid, untranslated, marked N_() for xgettext, and translate it themselves;
 * a word given as an argument goes in through error_word(), an error
 * inside another through error_arg().  Text that is not ours (the
 * provider's words, already escaped) is an argument, never a msgid.  A
 * message the neutral form cannot hold (neutral.h: too long, a conversion it
 * does not keep) has the translated text alone (neutral "").  A caller that
 * changes the text itself must go through error_set_text() or
 * error_redacted(), so that both forms say the same. */
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

#include <stdarg.h>

#include "neutral.h"

#define ERROR_TEXT_MAX 1024
#define ERROR_ARG_MAX (NEUTRAL_MAX + 1)   /* error_arg()'s buffer */

struct error {
	enum category category;
	char text[ERROR_TEXT_MAX];  /* one translated sentence: what failed */
	char neutral[NEUTRAL_MAX];  /* the same, language-neutral; "" when not kept */
};

void error_clear(struct error *err);
/* Set the error from msgid (translated here) and its arguments; returns -1
 * so that callers can write
 * "return error_set(err, CAT_IO, N_("cannot read %s: %s"), ...);" */
int error_set(struct error *err, enum category cat, const char *msgid, ...)
	__attribute__((format(printf, 3, 4)));
int error_vset(struct error *err, enum category cat, const char *msgid, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Prefix the existing text with more context: "PREFIX: TEXT". */
void error_prefix(struct error *err, const char *msgid, ...)
	__attribute__((format(printf, 2, 3)));
/* Add to the end of the existing text: "TEXT" then the suffix (msgid
 * begins with its own separator, "; ..."). */
void error_append(struct error *err, const char *msgid, ...)
	__attribute__((format(printf, 2, 3)));
/* Set text that is not ours to translate (the provider's words relayed),
 * kept as it is in both forms. */
int error_set_text(struct error *err, enum category cat, const char *text);
/* The text was redacted (a secret removed from it, redact.h): the neutral
 * form, which may still hold the secret in an argument, is replaced by the
 * redacted text as it is. */
void error_redacted(struct error *err, const char *text);
/* e as an argument ("%s") of error_set() or error_prefix(): rendered in the
 * reader's language where e is.  buf holds the result (ERROR_ARG_MAX
 * bytes); e may be the error being set. */
const char *error_arg(const struct error *e, char *buf);
/* Set err from a stored neutral form and the text that was stored with
 * it: the neutral form rendered in the current locale when it is there and
 * well-formed (it is then kept), else text as it is. */
void error_restore(struct error *err, enum category cat, const char *neutral,
		   const char *text);
/* A msgid given as an argument of error_set() ("%s"): translated where it
 * is shown, as the message around it.  buf: ERROR_WORD_MAX bytes. */
#define ERROR_WORD_MAX 512
const char *error_word(const char *msgid, char *buf);
/* strerror(errnum) as an argument of error_set(): the system's words in
 * the language of whoever reads them.  buf: ERROR_WORD_MAX bytes. */
const char *error_errno(int errnum, char *buf);
/* gai_strerror(code) the same way. */
const char *error_gai(int code, char *buf);
/* text(code) of a library that translates its own messages (GnuTLS's
 * gnutls_strerror(), text domain "gnutls30"; GNU SASL's gsasl_strerror(),
 * "gsasl"): text is called under the C locale for the msgid, which is
 * kept with its domain and translated (dgettext()) where it is shown. */
const char *error_library(const char *domain, const char *(*text)(int), int code,
			  char *buf);
/* Render a stored neutral form (error.neutral) in the current locale into
 * out; when it is "" or malformed, fallback (a text of the same message as
 * it was translated then).  Always a string. */
void error_render(const char *neutral, const char *fallback, char *out, size_t size);

/* A short stable name ("sender-refused", "auth-failed", ...) for JSON and logs. */
const char *category_name(enum category cat);
/* The translated human name ("sender not allowed", ...) for stderr. */
const char *category_label(enum category cat);

#endif
