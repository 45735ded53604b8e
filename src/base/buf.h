/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.h: a growable byte buffer with a maximum size (the curl dynbuf idea).
 *
 * Every buffer is created with the most it may ever hold, so no input from a
 * server or a file can make sendas grow without bound.  The data is always
 * NUL-terminated for convenience; it may also contain NULs.
 *
 * Ownership: the struct is the caller's (usually on the stack); buf_release()
 * frees the storage.  Allocation failure exits (xalloc.h).
 *
 * Two ways to add, chosen per buffer:
 *   - buf_add() and friends, for anything that goes on the wire, into a
 *     file or is parsed again: -1 when the maximum would be exceeded, and
 *     the compiler insists that the result is used.  Overflow is sticky:
 *     after the first refused add every later one returns -1 as well, so a
 *     run of adds may be checked once at the end (r |= buf_add(...)).
 *     Nothing is added by a refused call.
 *   - buf_add_trunc() and friends, for text a person reads (explanations,
 *     descriptions, reports): what fits is added, the rest is dropped and
 *     b->truncated says so.  Never for the wire. */
#ifndef SENDAS_BUF_H
#define SENDAS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;     /* NUL-terminated; NULL until the first add */
	size_t len;
	size_t cap;
	size_t max;     /* the most len may become */
	int secret;     /* wipe on release and on growth */
	int overflow;   /* a checked add was refused: every later one is too */
	int truncated;  /* a _trunc add dropped something */
};

#define BUF_CHECKED __attribute__((warn_unused_result))

void buf_init(struct buf *b, size_t max);
void buf_init_secret(struct buf *b, size_t max);
void buf_release(struct buf *b);          /* free, wiping secrets; re-initialise */
void buf_reset(struct buf *b);            /* len = 0, keep storage, clear the flags */
int buf_add(struct buf *b, const void *p, size_t n) BUF_CHECKED;
int buf_adds(struct buf *b, const char *s) BUF_CHECKED;
int buf_addc(struct buf *b, char c) BUF_CHECKED;
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3))) BUF_CHECKED;
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) BUF_CHECKED;
/* For display only: add what fits (never a partial UTF-8 character), set
 * b->truncated when something was dropped. */
void buf_add_trunc(struct buf *b, const void *p, size_t n);
void buf_adds_trunc(struct buf *b, const char *s);
void buf_addc_trunc(struct buf *b, char c);
void buf_printf_trunc(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf_trunc(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Give the storage to the caller (NUL-terminated, never NULL); b is reset. */
char *buf_detach(struct buf *b);
/* The contents as a string; "" when empty. */
const char *buf_str(const struct buf *b);

#endif
