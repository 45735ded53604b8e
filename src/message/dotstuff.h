/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dotstuff.h: SMTP transparency (RFC 5321 4.5.2) as a streaming step.  Pure.
 *
 * The input is already in canonical form (CRLF line ends, see message.c), so
 * a line starts after each LF.  Kept apart from the engine so that BDAT,
 * which needs no stuffing, can share the same content reader. */
#ifndef SENDAS_DOTSTUFF_H
#define SENDAS_DOTSTUFF_H

#include <stddef.h>

/* Copy n bytes from in to out (which has room for 2 * n), doubling every '.'
 * that starts a line.  *bol is 1 when the next byte starts a line: set it to
 * 1 before the first chunk.  Returns the number of bytes written. */
size_t dotstuff(const char *in, size_t n, int *bol, char *out);

#endif
