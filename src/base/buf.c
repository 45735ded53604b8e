/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.c: see buf.h. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->secret = 0;
	b->overflow = 0;
	b->truncated = 0;
}

void buf_init_secret(struct buf *b, size_t max)
{
	buf_init(b, max);
	b->secret = 1;
}

void buf_release(struct buf *b)
{
	int secret = b->secret;

	if (b->data && secret)
		wipe(b->data, b->cap);
	free(b->data);
	buf_init(b, b->max);
	b->secret = secret;
}

void buf_reset(struct buf *b)
{
	if (b->data) {
		if (b->secret)
			wipe(b->data, b->len);
		b->data[0] = '\0';
	}
	b->len = 0;
	b->overflow = 0;
	b->truncated = 0;
}

/* Make room for n more bytes plus the NUL. */
static int buf_grow(struct buf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (b->overflow || n > b->max - b->len) {
		b->overflow = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	if (!b->secret) {
		b->data = xrealloc(b->data, cap);
	} else {
		/* realloc could leave a copy of the secret behind. */
		p = xmalloc(cap);
		if (b->data) {
			memcpy(p, b->data, b->len + 1);
			wipe(b->data, b->cap);
			free(b->data);
		}
		b->data = p;
	}
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

/* How many of the n bytes at p fit, not cutting a UTF-8 character. */
static size_t fitting(const struct buf *b, const char *p, size_t n)
{
	size_t room = b->max - b->len;

	if (n <= room)
		return n;
	while (room > 0 && ((unsigned char)p[room] & 0xc0) == 0x80)
		room--;
	return room;
}

void buf_add_trunc(struct buf *b, const void *p, size_t n)
{
	size_t k;

	if (b->overflow)
		return;
	k = fitting(b, p, n);
	if (k < n)
		b->truncated = 1;
	if (buf_add(b, p, k) < 0)
		b->truncated = 1;
}

void buf_adds_trunc(struct buf *b, const char *s)
{
	buf_add_trunc(b, s, strlen(s));
}

void buf_addc_trunc(struct buf *b, char c)
{
	buf_add_trunc(b, &c, 1);
}

void buf_printf_trunc(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf_trunc(b, fmt, ap);
	va_end(ap);
}

void buf_vprintf_trunc(struct buf *b, const char *fmt, va_list ap)
{
	struct buf tmp;
	int r;

	buf_init(&tmp, SIZE_MAX / 2);   /* as long as the text is; cut below */
	tmp.secret = b->secret;
	r = buf_vprintf(&tmp, fmt, ap);
	if (r < 0)
		b->truncated = 1;   /* a bad format: nothing to show */
	else
		buf_add_trunc(b, buf_str(&tmp), tmp.len);
	buf_release(&tmp);
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	if (b->secret)
		wipe(b->data + b->len, n);
	b->data[b->len] = '\0';
}

char *buf_detach(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");

	buf_init(b, b->max);
	return p;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}
