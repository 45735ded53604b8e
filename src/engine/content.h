/* SPDX-License-Identifier: GPL-3.0-or-later */
/* content.h: the message content on its way out, for the SMTP engine.
 *
 * struct smtp_content is a prefix in memory and a spool file read
 * from c->offset (0, or past a queue file's envelope), never past c->size.  This module streams it into a connection in large writes,
 * either dot-stuffed for DATA (RFC 5321 4.5.2) or as exact byte ranges for
 * BDAT (RFC 3030), which needs no stuffing but must announce every length.
 * Either way the content ends in CRLF: one is added when it does not.
 *
 * Memory: one bounded read buffer per call, whatever the message size.
 * Errors: CAT_IO when the spool cannot be read or is shorter than its size
 * says; whatever conn_queue() returns. */
#ifndef SENDAS_CONTENT_H
#define SENDAS_CONTENT_H

#include <sys/types.h>

#include "conn.h"
#include "error.h"

/* The message as the engine reads it: optional header lines to put in
 * front, then the spool file from offset 0.  Both are CRLF-terminated lines,
 * not yet dot-stuffed. */
struct smtp_content {
	const char *prefix;
	size_t prefix_len;
	int fd;
	off_t size;             /* prefix + file */
	off_t offset;           /* where the content starts in fd (0 for a spool;
				 * a queue file has its envelope first, and
				 * nothing after size bytes is read) */
	/* NULL, or called as the content goes into the connection: the bytes
	 * so far and size, once per read of the spool (a person's progress
	 * line, send.c). */
	void (*progress)(void *ctx, off_t done, off_t size);
	void *progress_ctx;
};

#define CONTENT_READ (256 * 1024)  /* bytes read from the spool at a time */

/* The exact number of bytes content_send() sends over the whole content:
 * c->size, plus 2 when the last byte is not LF.  -1 and err (CAT_IO). */
off_t content_length(const struct smtp_content *c, struct error *err);

/* Queue bytes [from, from + len) of the content as it is (no stuffing);
 * the added CRLF, if any, counts as its last two bytes. */
int content_send(struct conn *conn, const struct smtp_content *c, off_t from,
		 off_t len, struct error *err);

/* Queue the whole content dot-stuffed, ending in CRLF, without the final
 * dot. */
int content_send_stuffed(struct conn *conn, const struct smtp_content *c,
			 struct error *err);

#endif
