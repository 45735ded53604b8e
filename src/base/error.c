/* SPDX-License-Identifier: GPL-3.0-or-later */
/* error.c: see error.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "i18n.h"

void error_clear(struct error *err)
{
	err->category = CAT_NONE;
	err->text[0] = '\0';
}

int error_set(struct error *err, enum category cat, const char *fmt, ...)
{
	va_list ap;

	err->category = cat;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	return -1;
}

void error_prefix(struct error *err, const char *fmt, ...)
{
	char old[ERROR_TEXT_MAX];
	size_t n;
	va_list ap;

	memcpy(old, err->text, sizeof old);
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	n = strlen(err->text);
	/* Truncation is fine: the text is for people, and bounded. */
	snprintf(err->text + n, sizeof err->text - n, ": %.*s",
		 (int)(sizeof err->text - n), old);
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
