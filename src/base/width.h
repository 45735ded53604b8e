/* width.h: how many terminal columns a text takes, for tables.
 *
 * printf's "%-*s" pads bytes: "jörg@example.test" (18 bytes, 17 columns)
 * would push its row one column left of "alice@example.test".  These count
 * display columns of UTF-8 text instead: wcwidth(3) in a UTF-8 locale (a
 * CJK character takes 2), else one column per character (the C locale,
 * where wcwidth knows nothing beyond ASCII).  Invalid bytes and control
 * characters count one column each.  Pure but for the locale. */
#ifndef SENDAS_WIDTH_H
#define SENDAS_WIDTH_H

#include <stddef.h>
#include <stdio.h>

/* Display columns of the NUL-terminated UTF-8 text s. */
size_t text_columns(const char *s);

/* Write s, then spaces up to width columns (none when s is wider). */
void print_padded(FILE *out, const char *s, size_t width);

#endif
