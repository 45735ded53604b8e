/* SPDX-License-Identifier: GPL-3.0-or-later */
/* error.c: see error.h. */
#include "config.h"

#include <locale.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "xalloc.h"

/* An encoding of one message before it is known to fit NEUTRAL_MAX. */
#define ERROR_ENCODE_MAX (NEUTRAL_MAX + 16 * ERROR_TEXT_MAX)

void error_clear(struct error *err)
{
	err->category = CAT_NONE;
	err->text[0] = '\0';
	err->neutral[0] = '\0';
}

/* The text from the neutral form (encoded with room to spare, so that the
 * markers of error_word() and friends are resolved even in a message too
 * long to keep), or from fmt as printf does. */
static void set_both(struct error *err, const char *neutral, const char *fmt, va_list ap)
{
	if (*neutral && neutral_render(neutral, err->text, sizeof err->text) == 0) {
		if (snprintf(err->neutral, sizeof err->neutral, "%s", neutral) >=
		    (int)sizeof err->neutral)
			err->neutral[0] = '\0';
		return;
	}
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	err->neutral[0] = '\0';
}

int error_vset(struct error *err, enum category cat, const char *msgid, va_list ap)
{
	char *neutral = xmalloc(ERROR_ENCODE_MAX);
	va_list copy;

	err->category = cat;
	va_copy(copy, ap);
	neutral_vencode(neutral, ERROR_ENCODE_MAX, 1, msgid, copy);
	va_end(copy);
	set_both(err, neutral, gettext(msgid), ap);
	free(neutral);
	return -1;
}

int error_set(struct error *err, enum category cat, const char *msgid, ...)
{
	va_list ap;

	va_start(ap, msgid);
	error_vset(err, cat, msgid, ap);
	va_end(ap);
	return -1;
}

const char *error_arg(const struct error *e, char *buf)
{
	if (!*e->neutral || (e->neutral[0] != '_' && e->neutral[0] != '!'))
		snprintf(buf, ERROR_ARG_MAX, "%s", e->text);
	else
		snprintf(buf, ERROR_ARG_MAX, NEUTRAL_NESTED "%s", e->neutral);
	return buf;
}

void error_restore(struct error *err, enum category cat, const char *neutral,
		   const char *text)
{
	err->category = cat;
	if (neutral && neutral_render(neutral, err->text, sizeof err->text) == 0 &&
	    snprintf(err->neutral, sizeof err->neutral, "%s", neutral) < (int)sizeof err->neutral)
		return;
	error_redacted(err, text ? text : "");
}

const char *error_word(const char *msgid, char *buf)
{
	snprintf(buf, ERROR_WORD_MAX, NEUTRAL_WORD "%s", msgid);
	return buf;
}

const char *error_errno(int errnum, char *buf)
{
	if (errnum <= 0 || errnum > NEUTRAL_ERRNO_MAX)
		snprintf(buf, ERROR_WORD_MAX, "%s", strerror(errnum));
	else
		snprintf(buf, ERROR_WORD_MAX, NEUTRAL_ERRNO "%d", errnum);
	return buf;
}

const char *error_gai(int code, char *buf)
{
	if (code >= 0 || code < -NEUTRAL_ERRNO_MAX)
		snprintf(buf, ERROR_WORD_MAX, "%s", gai_strerror(code));
	else
		snprintf(buf, ERROR_WORD_MAX, NEUTRAL_ERRNO "g%d", code);
	return buf;
}

const char *error_library(const char *domain, const char *(*text)(int), int code,
			  char *buf)
{
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	locale_t old = c ? uselocale(c) : (locale_t)0;
	const char *msgid = text(code);

	snprintf(buf, ERROR_WORD_MAX, NEUTRAL_LIBRARY "%s/%s", domain, msgid ? msgid : "?");
	if (c) {
		uselocale(old);
		freelocale(c);
	}
	return buf;
}

/* err's text becomes the join (verbatim "%s: %s" or "%s%s") of a new part,
 * msgid with ap, and the old text, in the order given. */
static void join(struct error *err, int part_first, const char *msgid, va_list ap)
{
	char old[ERROR_ARG_MAX], part[ERROR_ARG_MAX], neutral[NEUTRAL_MAX];
	char shown[ERROR_TEXT_MAX];
	const char *fmt = part_first ? "%s: %s" : "%s%s";
	va_list copy;

	error_arg(err, old);
	part[0] = NEUTRAL_NESTED[0];
	va_copy(copy, ap);
	neutral_vencode(part + 1, sizeof part - 1, 1, msgid, copy);
	va_end(copy);
	if (part[1] && neutral_encode(neutral, sizeof neutral, 0, fmt,
				      part_first ? part : old, part_first ? old : part) == 0 &&
	    neutral_render(neutral, err->text, sizeof err->text) == 0) {
		snprintf(err->neutral, sizeof err->neutral, "%s", neutral);
		return;
	}
	vsnprintf(shown, sizeof shown, gettext(msgid), ap);
	memcpy(old, err->text, sizeof err->text);
	snprintf(err->text, sizeof err->text, part_first ? "%s: %s" : "%s%s",
		 part_first ? shown : old, part_first ? old : shown);
	err->neutral[0] = '\0';
}

void error_prefix(struct error *err, const char *msgid, ...)
{
	va_list ap;

	va_start(ap, msgid);
	join(err, 1, msgid, ap);
	va_end(ap);
}

void error_append(struct error *err, const char *msgid, ...)
{
	va_list ap;

	va_start(ap, msgid);
	join(err, 0, msgid, ap);
	va_end(ap);
}

int error_set_text(struct error *err, enum category cat, const char *text)
{
	err->category = cat;
	error_redacted(err, text);
	return -1;
}

void error_redacted(struct error *err, const char *text)
{
	char copy[ERROR_TEXT_MAX];

	snprintf(copy, sizeof copy, "%s", text);
	snprintf(err->text, sizeof err->text, "%s", copy);
	if (neutral_encode(err->neutral, sizeof err->neutral, 0, "%s", copy) < 0)
		err->neutral[0] = '\0';
}

void error_render(const char *neutral, const char *fallback, char *out, size_t size)
{
	if (neutral && *neutral && neutral_render(neutral, out, size) == 0)
		return;
	snprintf(out, size, "%s", fallback ? fallback : "");
}

static const struct {
	const char *name;
	const char *label;
} categories[CAT_COUNT] = {
	[CAT_NONE] = { "none", N_("no error") },
	[CAT_USAGE] = { "usage", N_("usage error") },
	[CAT_INPUT] = { "local-input", N_("invalid input") },
	[CAT_TOO_LARGE] = { "too-large", N_("message too large") },
	[CAT_CONFIG] = { "local-config", N_("configuration error") },
	[CAT_NO_ACCOUNT] = { "no-account", N_("no account for this sender") },
	[CAT_SENDER_REFUSED] = { "sender-refused", N_("sender not allowed") },
	[CAT_AUTH_FAILED] = { "auth-failed", N_("authentication failed") },
	[CAT_AUTH_REQUIRED] = { "auth-required", N_("authentication required") },
	[CAT_TLS] = { "tls", N_("TLS required or failed") },
	[CAT_RECIPIENT] = { "recipient-refused", N_("recipient refused") },
	[CAT_POLICY] = { "policy", N_("content or policy refused") },
	[CAT_TEMPORARY] = { "temporary", N_("temporary failure") },
	[CAT_DNS] = { "dns", N_("host not found") },
	[CAT_CONNECT] = { "connection", N_("connection failed") },
	[CAT_TIMEOUT] = { "timeout", N_("timed out") },
	[CAT_PROTOCOL] = { "protocol", N_("protocol error") },
	[CAT_UNAVAILABLE] = { "refused", N_("refused permanently") },
	[CAT_IO] = { "io", N_("local I/O error") },
	[CAT_INTERNAL] = { "internal", N_("internal error") },
};

const char *category_name(enum category cat)
{
	if (cat < 0 || cat >= CAT_COUNT)
		return "internal";
	return categories[cat].name;
}

const char *category_label(enum category cat)
{
	if (cat < 0 || cat >= CAT_COUNT)
		cat = CAT_INTERNAL;
	return _(categories[cat].label);
}
