/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.c: see json.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

#define REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD in UTF-8 */

/* The length of the well-formed UTF-8 sequence at s (RFC 3629 section 4),
 * or 0 when there is none. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms, surrogates and
	 * code points past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int escape_byte(struct buf *out, unsigned char c)
{
	static const char short_forms[] = "\"\"\\\\\bb\ff\nn\rr\tt";
	const char *p;
	char u[8];

	for (p = short_forms; *p; p += 2)
		if ((unsigned char)p[0] == c) {
			char e[2] = { '\\', p[1] };

			return buf_add(out, e, 2);
		}
	if (c < 0x20 || c == 0x7f) {
		snprintf(u, sizeof u, "\\u%04x", c);
		return buf_adds(out, u);
	}
	return buf_addc(out, (char)c);
}

int json_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t len;
	int r = 0;

	while (p < end && r == 0) {
		len = utf8_sequence(p, (size_t)(end - p));
		if (len == 1)
			r = escape_byte(out, *p);
		else if (len > 1)
			r = buf_add(out, p, len);
		else
			r = buf_adds(out, REPLACEMENT);
		p += len ? len : 1;
	}
	return r;
}

void json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

/* The comma and the key before a value; checks that a key is where one
 * belongs. */
static void value_start(struct json *j, const char *key)
{
	int in_object = j->depth > 0 && j->is_object[j->depth - 1];

	if (!!key != in_object) {
		j->failed = 1;
		return;
	}
	if (j->depth > 0 && j->has_members[j->depth - 1] && buf_addc(j->out, ',') < 0)
		j->failed = 1;
	if (j->depth > 0)
		j->has_members[j->depth - 1] = 1;
	if (key && (buf_addc(j->out, '"') < 0 || json_escape(j->out, key, strlen(key)) < 0 ||
		    buf_add(j->out, "\":", 2) < 0))
		j->failed = 1;
}

static void open_level(struct json *j, const char *key, int object)
{
	value_start(j, key);
	if (j->depth >= JSON_DEPTH_MAX) {
		j->failed = 1;
		return;
	}
	j->is_object[j->depth] = (unsigned char)object;
	j->has_members[j->depth] = 0;
	j->depth++;
	if (buf_addc(j->out, object ? '{' : '[') < 0)
		j->failed = 1;
}

static void close_level(struct json *j, int object)
{
	if (j->depth == 0 || j->is_object[j->depth - 1] != object) {
		j->failed = 1;
		return;
	}
	j->depth--;
	if (buf_addc(j->out, object ? '}' : ']') < 0)
		j->failed = 1;
}

void json_object_begin(struct json *j, const char *key) { open_level(j, key, 1); }
void json_object_end(struct json *j) { close_level(j, 1); }
void json_array_begin(struct json *j, const char *key) { open_level(j, key, 0); }
void json_array_end(struct json *j) { close_level(j, 0); }

static void raw_value(struct json *j, const char *key, const char *text)
{
	value_start(j, key);
	if (buf_adds(j->out, text) < 0)
		j->failed = 1;
}

void json_string_len(struct json *j, const char *key, const char *s, size_t n)
{
	if (!s) {
		raw_value(j, key, "null");
		return;
	}
	value_start(j, key);
	if (buf_addc(j->out, '"') < 0 || json_escape(j->out, s, n) < 0 ||
	    buf_addc(j->out, '"') < 0)
		j->failed = 1;
}

void json_string(struct json *j, const char *key, const char *s)
{
	json_string_len(j, key, s, s ? strlen(s) : 0);
}

void json_int(struct json *j, const char *key, long long v)
{
	char text[32];

	snprintf(text, sizeof text, "%lld", v);
	raw_value(j, key, text);
}

void json_bool(struct json *j, const char *key, int v)
{
	raw_value(j, key, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	raw_value(j, key, "null");
}

int json_finish(struct json *j)
{
	return j->failed || j->depth != 0 || j->out->len == 0 ? -1 : 0;
}
