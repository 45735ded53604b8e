/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xalloc.h: allocation that cannot return NULL.
 *
 * Running out of memory is the one condition sendas does not carry up to
 * main(): every caller would have to handle it and none could do better than
 * to stop.  These functions print one line and exit with EX_OSERR (71) instead.
 * Nothing is queued at that point, so no message is lost: the caller still has
 * it (sendmail semantics: a non-zero exit means "not accepted"). */
#ifndef SENDAS_XALLOC_H
#define SENDAS_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overwrite n bytes in a way the compiler may not optimise away. */
void wipe(void *p, size_t n);
/* Wipe a NUL-terminated secret and free it; NULL is fine. */
void free_secret(char *s);

#endif
