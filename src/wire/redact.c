/* redact.c: see redact.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "xalloc.h"

void redact_init(struct redact_list *l)
{
	buf_init_secret(&l->secrets, REDACT_LIST_MAX);
	l->count = 0;
}

void redact_release(struct redact_list *l)
{
	buf_release(&l->secrets);
	l->count = 0;
}

static void add_entry(struct redact_list *l, char kind, const char *s, size_t n)
{
	if (n < REDACT_SECRET_MIN || l->secrets.len + n + 2 > l->secrets.max)
		return;
	if (buf_addc(&l->secrets, kind) < 0 || buf_add(&l->secrets, s, n) < 0 ||
	    buf_addc(&l->secrets, '\0') < 0)
		return;         /* the room was checked: cannot happen */
	l->count++;
}

void redact_add(struct redact_list *l, const char *s, size_t n)
{
	add_entry(l, 'E', s, n);
}

/* Base64 (RFC 4648) of n bytes of in, into out (4 * ((n + 2) / 3) + 1). */
static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned long v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)in[i] << 16 | (i + 1 < n ? (unsigned long)in[i + 1] << 8 : 0) |
		    (i + 2 < n ? in[i + 2] : 0);
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
}

void redact_add_secret(struct redact_list *l, const char *s, size_t n)
{
	unsigned char *padded;
	char *b64;
	size_t pad, len;

	add_entry(l, 'W', s, n);
	if (n > REDACT_LIST_MAX)
		return;
	padded = xcalloc(n + 2, 1);
	b64 = xmalloc(4 * ((n + 4) / 3) + 1);
	/* After 0, 1 or 2 bytes of something else, the groups of the base64
	 * that cover the secret alone are its middle: all but the first and
	 * the last group. */
	for (pad = 0; pad < 3; pad++) {
		memcpy(padded + pad, s, n);
		base64(padded, n + pad, b64);
		len = strlen(b64);
		if (len > 8)
			add_entry(l, 'W', b64 + 4, len - 8);
	}
	wipe(padded, n + 2);
	wipe(b64, 4 * ((n + 4) / 3) + 1);
	free(padded);
	free(b64);
}

/* Mark the bytes of line that lie in a window found in secret (kind 'W'),
 * or in a whole occurrence of it ('E'). */
static int mark_secret(const char *line, size_t len, char kind, const char *secret,
		       size_t m, unsigned char *mark)
{
	size_t w = kind == 'E' || m < REDACT_WINDOW ? m : REDACT_WINDOW, i;
	int found = 0;

	for (i = 0; i + w <= len; i++)
		if (kind == 'E' ? memcmp(line + i, secret, m) == 0
		    : memmem(secret, m, line + i, w) != NULL) {
			memset(mark + i, 1, w);
			found = 1;
		}
	return found;
}

/* Each marked run becomes REDACT_MARK. */
static int rebuild(struct buf *line, const unsigned char *mark)
{
	struct buf out;
	size_t i;
	int runs = 0, r = 0;

	buf_init_secret(&out, line->max);
	for (i = 0; i < line->len; i++) {
		if (!mark[i])
			r |= buf_addc(&out, line->data[i]);
		else if (i == 0 || !mark[i - 1]) {
			r |= buf_adds(&out, REDACT_MARK);
			runs++;
		}
	}
	if (r < 0) {            /* it grew past the maximum: keep the code */
		buf_reset(&out);
		r = buf_add(&out, line->data, line->len < 4 ? line->len : 4);
		r |= buf_adds(&out, REDACT_MARK);
	}
	buf_reset(line);
	if (r < 0 || buf_add(line, buf_str(&out), out.len) < 0)
		buf_reset(line);        /* nothing of a secret survives, whatever else */
	buf_release(&out);
	return runs;
}

int redact_line(const struct redact_list *l, struct buf *line)
{
	const char *s = buf_str(&l->secrets), *end = s + l->secrets.len;
	unsigned char *mark;
	int found = 0, runs;

	if (!l->count || !line->len)
		return 0;
	mark = xcalloc(line->len, 1);
	for (; s < end; s += strlen(s) + 1)
		found |= mark_secret(line->data, line->len, s[0], s + 1, strlen(s + 1), mark);
	runs = found ? rebuild(line, mark) : 0;
	free(mark);
	return runs;
}
