/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reply.h: SMTP replies (RFC 5321 4.2, enhanced codes RFC 3463/5248).  Pure.
 *
 * A reply is one or more lines "DDD-text" ... "DDD text".  The parser is fed
 * one line at a time (without its CRLF) and says when the reply is complete.
 * It keeps every line verbatim, because users must see the provider's whole
 * text (GMX and IONOS put the reason on the second line only). */
#ifndef SENDAS_REPLY_H
#define SENDAS_REPLY_H

#include <stddef.h>

#include "buf.h"

#define REPLY_LINE_MAX 2048     /* RFC 5321 says 512; some servers send more */
#define REPLY_LINES_MAX 256     /* an EHLO reply with this many lines is hostile */
#define REPLY_TEXT_MAX (REPLY_LINE_MAX * 8)

struct reply {
	int code;               /* 100..599; 0 while empty */
	char enhanced[16];      /* "5.7.1" when the first line has one matching the code's class, else "" */
	int nlines;
	struct buf text;        /* every line verbatim, '\n'-separated, no CRLF */
};

void reply_init(struct reply *r);
void reply_release(struct reply *r);
void reply_reset(struct reply *r);
/* Copy src into dst (dst initialised). */
void reply_copy(struct reply *dst, const struct reply *src);

enum reply_feed {
	REPLY_BAD = -1,         /* not a reply line, wrong code, too long or too many */
	REPLY_MORE = 0,         /* a continuation line; feed the next one */
	REPLY_DONE = 1,         /* the last line: the reply is complete */
};

/* Feed one line (without CRLF; may contain any bytes).  After REPLY_BAD the
 * reply holds what was fed before. */
enum reply_feed reply_feed(struct reply *r, const char *line, size_t len);

/* The text of line i without its "DDD-" prefix; "" when out of range.  The
 * pointer stays valid until the reply changes; *len says how long the line
 * is (it may hold NUL bytes: a line is bytes with a length). */
const char *reply_line(const struct reply *r, int i, size_t *len);

/* The same, the whole line with its "DDD-" or "DDD ". */
const char *reply_raw_line(const struct reply *r, int i, size_t *len);
/* The same without the enhanced code that starts the line when it is the
 * reply's (RFC 2034 puts it on every line). */
const char *reply_text_line(const struct reply *r, int i, size_t *len);

/* 2, 3, 4 or 5; 0 when empty. */
static inline int reply_class(const struct reply *r) { return r->code / 100; }

/* Case-insensitive search for needle in the whole reply, NUL bytes and all. */
int reply_contains(const struct reply *r, const char *needle);

/* Parse an enhanced status code at the start of s ("5.7.1 "), requiring the
 * class to be cls (RFC 3463: the class must match the reply's first digit).
 * Copies it into out (at least 16 bytes) and returns its length, or 0. */
size_t enhanced_code_parse(const char *s, size_t len, int cls, char out[16]);

#endif
