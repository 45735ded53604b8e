/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reply.c: see reply.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "reply.h"

void reply_init(struct reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->nlines = 0;
	buf_init(&r->text, REPLY_TEXT_MAX);
}

void reply_release(struct reply *r)
{
	buf_release(&r->text);
	reply_init(r);
}

void reply_reset(struct reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->nlines = 0;
	buf_reset(&r->text);
}

void reply_copy(struct reply *dst, const struct reply *src)
{
	reply_reset(dst);
	dst->code = src->code;
	memcpy(dst->enhanced, src->enhanced, sizeof dst->enhanced);
	dst->nlines = src->nlines;
	/* Both hold REPLY_TEXT_MAX, so nothing is cut; a copy is for reports. */
	buf_add_trunc(&dst->text, src->text.data ? src->text.data : "", src->text.len);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One to three digits, no leading zero needed: RFC 3463 allows 1-3 digits in
 * subject and detail. */
static size_t digits(const char *s, size_t len, size_t max)
{
	size_t n = 0;

	while (n < len && n < max && is_digit(s[n]))
		n++;
	return n;
}

size_t enhanced_code_parse(const char *s, size_t len, int cls, char out[16])
{
	size_t i = 0, n;

	if (len < 5 || s[0] != (char)('0' + cls) || s[1] != '.')
		return 0;
	i = 2;
	n = digits(s + i, len - i, 3);
	if (n == 0 || i + n >= len || s[i + n] != '.')
		return 0;
	i += n + 1;
	n = digits(s + i, len - i, 3);
	if (n == 0)
		return 0;
	i += n;
	if (i < len && s[i] != ' ')
		return 0;
	memcpy(out, s, i);
	out[i] = '\0';
	return i;
}

/* A reply line is three digits, then '-' (more follow), ' ' or nothing. */
static int parse_code(const char *line, size_t len, int *code, int *last)
{
	if (len < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
		return -1;
	if (line[0] < '2' || line[0] > '5')
		return -1;
	if (len > 3 && line[3] != '-' && line[3] != ' ')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*last = len == 3 || line[3] == ' ';
	return 0;
}

enum reply_feed reply_feed(struct reply *r, const char *line, size_t len)
{
	int code, last;

	if (len > REPLY_LINE_MAX || r->nlines >= REPLY_LINES_MAX)
		return REPLY_BAD;
	if (parse_code(line, len, &code, &last) < 0)
		return REPLY_BAD;
	if (r->nlines > 0 && code != r->code)
		return REPLY_BAD;
	if (r->nlines > 0 && buf_addc(&r->text, '\n') < 0)
		return REPLY_BAD;
	if (buf_add(&r->text, line, len) < 0)
		return REPLY_BAD;
	if (r->nlines == 0) {
		r->code = code;
		if (len > 4)
			enhanced_code_parse(line + 4, len - 4, code / 100, r->enhanced);
	}
	r->nlines++;
	return last ? REPLY_DONE : REPLY_MORE;
}

/* Lines are '\n'-separated and hold no '\n' of their own (conn.c splits
 * at LF), but may hold NUL: every scan is bounded by the length. */
const char *reply_raw_line(const struct reply *r, int i, size_t *len)
{
	const char *p = buf_str(&r->text), *end = p + r->text.len, *nl;

	if (i < 0 || i >= r->nlines) {
		*len = 0;
		return "";
	}
	while (i-- > 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	return p;
}

const char *reply_line(const struct reply *r, int i, size_t *len)
{
	const char *p = reply_raw_line(r, i, len);

	if (*len <= 4) {
		p += *len;
		*len = 0;
		return p;
	}
	*len -= 4;
	return p + 4;
}

int reply_contains(const struct reply *r, const char *needle)
{
	const char *p = buf_str(&r->text);
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= r->text.len; i++)
		if (strncasecmp(p + i, needle, n) == 0)
			return 1;
	return 0;
}

const char *reply_text_line(const struct reply *r, int i, size_t *len)
{
	const char *line = reply_line(r, i, len);
	size_t skip = strlen(r->enhanced);

	if (skip && *len > skip && !strncmp(line, r->enhanced, skip) && line[skip] == ' ') {
		line += skip + 1;
		*len -= skip + 1;
	}
	return line;
}
