/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.h: a growable byte buffer with a maximum size (the curl dynbuf idea).
 *
 * Every buffer is created with the most it may ever hold, so no input from a
 * server or a file can make sendas grow without bound.  The data is always
 * NUL-terminated for convenience; it may also contain NULs.
 *
 * Ownership: the struct is the caller's (usually on the stack); buf_release()
 * frees the storage.  buf_add() and friends return -1 only when the maximum
 * would be exceeded; allocation failure exits (xalloc.h). */
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
};

void buf_init(struct buf *b, size_t max);
void buf_init_secret(struct buf *b, size_t max);
void buf_release(struct buf *b);          /* free, wiping secrets; re-initialise */
void buf_reset(struct buf *b);            /* len = 0, keep storage */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Give the storage to the caller (NUL-terminated, never NULL); b is reset. */
char *buf_detach(struct buf *b);
/* The contents as a string; "" when empty. */
const char *buf_str(const struct buf *b);

#endif
