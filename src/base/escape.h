/* escape.h: the one way text from outside (a server's replies, its
 * certificate's names, anything a hostile peer chose) is made safe to show.
 *
 * Every output uses it: the failure report on stderr, the -v transcript, the
 * log file and syslog, mailq, the queue's last error, --probe and
 * --serverinfo.  (JSON keeps its own escaping, json.c, of the raw bytes.)
 *
 * Rules: a byte below 0x20, DEL, a byte that is not part of valid UTF-8,
 * and each byte of a C1 control (U+0080..U+009F), a bidirectional control
 * (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), a line or paragraph
 * separator (U+2028, U+2029) or a byte-order mark (U+FEFF) becomes "\xNN"
 * (two upper-case hex digits).  Everything else, printable ASCII and UTF-8
 * text, stays as it is.  So ESC, OSC 8 hyperlinks, backspace, CR and LF,
 * and text that reorders itself cannot reach a terminal or split a log line,
 * and the escape is visible.
 *
 * The result holds none of the bytes the rules escape, so escaping again
 * changes nothing: a text escaped where it entered an error message can be
 * escaped again where it is printed, and nothing is doubled.  (A backslash
 * is not escaped: "\x1B" from the server reads the same as an escaped ESC,
 * the price of that.) */
#ifndef SENDAS_ESCAPE_H
#define SENDAS_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* Append n bytes of p, escaped.  -1 when out's maximum would be exceeded
 * (out keeps what fitted, never half an escape or half a character). */
int escape_add(struct buf *out, const char *p, size_t n);

/* Escape n bytes of p into dst (size > 0): NUL-terminated, cut at size - 1
 * bytes but never inside an escape or a character.  Returns the length. */
size_t escape_into(char *dst, size_t size, const char *p, size_t n);

/* Escape the NUL-terminated s into a new string (xalloc.h). */
char *escape_dup(const char *s);

#endif
