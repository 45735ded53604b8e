/* redact.h: keep what was sent in AUTH out of what the server says back.
 *
 * A server may quote our AUTH data in its reply ("501 5.5.2 <blob>
 * invalid"), and the blob encodes the password.  Replies go to the
 * terminal, the log, --json and the queue, so the engine runs every line
 * it reads through redact_line() once anything secret has been sent.
 *
 * Two kinds of entries.  What was sent (each AUTH response) is redacted
 * wherever it appears whole.  The secrets themselves (the password, the
 * token) are matched in pieces: any REDACT_WINDOW bytes of one (the whole
 * of a shorter one), in clear or in base64 at any of the three alignments
 * it can have inside a longer base64 string, mark those bytes; so a server
 * that quotes only part of a blob, or decodes it and quotes the password,
 * is caught too, while the parts of a blob that encode nothing secret (the
 * user name, a host name) match nothing by chance.  Each marked run becomes
 * "[redacted]".  Entries shorter than REDACT_SECRET_MIN bytes ("=", "*")
 * are not kept: they would match anywhere.  Pure; the list is a secret
 * buffer, wiped on release. */
#ifndef SENDAS_REDACT_H
#define SENDAS_REDACT_H

#include <stddef.h>

#include "buf.h"

#define REDACT_WINDOW 12
#define REDACT_SECRET_MIN 4
#define REDACT_LIST_MAX (64 * 1024)   /* all secrets of one session */
#define REDACT_MARK "[redacted]"

struct redact_list {
	struct buf secrets;     /* entries: 'W' (windows) or 'E' (exact), the
				 * bytes, NUL */
	size_t count;
};

void redact_init(struct redact_list *l);
/* Wipe and free. */
void redact_release(struct redact_list *l);
/* Remember n bytes of s as sent: redacted when whole (ignored when shorter
 * than REDACT_SECRET_MIN, or when the list is full). */
void redact_add(struct redact_list *l, const char *s, size_t n);
/* Remember a secret: redacted in pieces, in clear and in base64. */
void redact_add_secret(struct redact_list *l, const char *s, size_t n);

/* Redact line in place.  Returns how many runs were replaced.  A line that
 * would outgrow its buffer's maximum keeps only its first 4 bytes (the
 * code) and REDACT_MARK. */
int redact_line(const struct redact_list *l, struct buf *line);

#endif
