/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.h: a small JSON writer (RFC 8259) for --json.  Pure.
 *
 * Output is compact (no white space) into a struct buf the caller owns, so
 * its maximum bounds the document.  Strings are escaped ('"', '\\', control
 * characters) and made valid UTF-8: a byte that does not start a well-formed
 * sequence (overlong forms, surrogates, beyond U+10FFFF, truncated) becomes
 * U+FFFD, so whatever a server sent, the output parses.
 *
 * Members and elements are written in order; key is the member name inside
 * an object and must be NULL inside an array (and for the top value).  The
 * writer tracks commas and nesting (at most JSON_DEPTH_MAX levels).  Misuse
 * (a key where none belongs, too deep, closing what is not open) and a full
 * buffer make json_finish() return -1; the buffer then holds no complete
 * document. */
#ifndef SENDAS_JSON_H
#define SENDAS_JSON_H

#include <stddef.h>

#include "buf.h"

#define JSON_DEPTH_MAX 16

struct json {
	struct buf *out;
	int depth;
	int failed;
	unsigned char is_object[JSON_DEPTH_MAX];
	unsigned char has_members[JSON_DEPTH_MAX];
};

void json_init(struct json *j, struct buf *out);

void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

/* NULL writes null. */
void json_string(struct json *j, const char *key, const char *s);
void json_string_len(struct json *j, const char *key, const char *s, size_t n);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);

/* 0 when a whole, well-formed document was written; else -1. */
int json_finish(struct json *j);

/* Append s (n bytes) escaped as a JSON string body, without quotes, as
 * valid UTF-8.  -1 when out is full. */
int json_escape(struct buf *out, const char *s, size_t n);

#endif
