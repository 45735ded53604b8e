/* SPDX-License-Identifier: GPL-3.0-or-later */
/* content.c: see content.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "dotstuff.h"
#include "i18n.h"
#include "xalloc.h"

/* A stuffed read may double in size and must fit the connection's buffer. */
_Static_assert(2 * CONTENT_READ <= CONN_OUT_SIZE, "CONTENT_READ too large for conn");

/* Up to max bytes of the prefix and the spool at offset off into buf; 0
 * only when off is at or past the end of the spool. */
static ssize_t read_at(const struct smtp_content *c, off_t off, char *buf, size_t max,
		       struct error *err)
{
	char eno[ERROR_WORD_MAX];
	ssize_t n;

	if (off < (off_t)c->prefix_len) {
		size_t k = c->prefix_len - (size_t)off;

		k = k < max ? k : max;
		memcpy(buf, c->prefix + off, k);
		return (ssize_t)k;
	}
	/* Never past the content: a queue file keeps records after it. */
	if ((off_t)max > c->size - off)
		max = (size_t)(c->size - off);
	do
		n = pread(c->fd, buf, max, c->offset + off - (off_t)c->prefix_len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_set(err, CAT_IO, N_("cannot read the spooled message: %s"),
				 error_errno(errno, eno));
	return n;
}

/* Like read_at(), but the spool must hold what c->size promises: a BDAT
 * length already announced cannot be taken back. */
static ssize_t read_some(const struct smtp_content *c, off_t off, char *buf, size_t max,
			 struct error *err)
{
	ssize_t n = read_at(c, off, buf, max, err);

	if (n == 0)
		return error_set(err, CAT_IO,
				 N_("the spooled message is shorter than expected (%lld of %lld bytes)"),
				 (long long)off, (long long)c->size);
	return n;
}

off_t content_length(const struct smtp_content *c, struct error *err)
{
	char last;

	if (c->size == 0)
		return 0;
	if (read_some(c, c->size - 1, &last, 1, err) < 0)
		return -1;
	return c->size + (last == '\n' ? 0 : 2);
}

/* Read straight into the connection's output buffer: no copy of ours. */
static ssize_t read_into(struct conn *conn, const struct smtp_content *c, off_t from,
			 size_t max, struct error *err)
{
	char *room = conn_room(conn, max, err);
	ssize_t n;

	if (!room)
		return -1;
	n = read_some(c, from, room, max, err);
	if (n > 0 && conn_commit(conn, (size_t)n, err) < 0)
		return -1;
	return n;
}

int content_send(struct conn *conn, const struct smtp_content *c, off_t from,
		 off_t len, struct error *err)
{
	static const char crlf[] = "\r\n";
	off_t want;
	ssize_t n = 0;
	int r = 0;

	while (r == 0 && len > 0) {
		if (from >= c->size) {          /* the CRLF content_length() added */
			off_t at = from - c->size;

			n = (ssize_t)(len < 2 - at ? len : 2 - at);
			r = conn_queue(conn, crlf + at, (size_t)n, err);
		} else {
			want = c->size - from < len ? c->size - from : len;
			n = read_into(conn, c, from,
				      want < CONTENT_READ ? (size_t)want : CONTENT_READ, err);
			r = n < 0 ? -1 : 0;
		}
		from += n;
		len -= n;
		if (r == 0 && c->progress)
			c->progress(c->progress_ctx, from < c->size ? from : c->size, c->size);
	}
	return r;
}

/* The stuffed copy goes straight into the connection's output buffer. */
int content_send_stuffed(struct conn *conn, const struct smtp_content *c,
			 struct error *err)
{
	char *in = xmalloc(CONTENT_READ), *out;
	int bol = 1, r = 0, last_lf = 1;
	off_t off = 0;
	ssize_t n;

	while (r == 0 && off < c->size) {
		n = read_some(c, off, in, CONTENT_READ, err);
		out = n < 0 ? NULL : conn_room(conn, 2 * (size_t)n, err);
		if (!out) {
			r = -1;
			break;
		}
		off += n;
		last_lf = in[n - 1] == '\n';
		r = conn_commit(conn, dotstuff(in, (size_t)n, &bol, out), err);
		if (r == 0 && c->progress)
			c->progress(c->progress_ctx, off, c->size);
	}
	if (r == 0 && !last_lf)
		r = conn_queue(conn, "\r\n", 2, err);
	free(in);
	return r;
}
