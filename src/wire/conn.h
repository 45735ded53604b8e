/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conn.h: one TCP connection to a mail server, plain or TLS, with buffered
 * line input and grouped output.
 *
 * Output is collected with conn_queue() and leaves in one write per
 * conn_flush(), so a pipelined group of SMTP commands is one TCP segment (or
 * one TLS record) and a message body leaves in large writes.  Input is read
 * in large blocks and handed out line by line.
 *
 * Deadlines: connect tries every address getaddrinfo returns, each within the
 * connect timeout, all within twice that; after that every read and write
 * has the I/O timeout, and all of them together the session deadline
 * (clock.h); either surfaces as CAT_TIMEOUT, the deadline with a message of
 * its own that names it. */
#ifndef SENDAS_CONN_H
#define SENDAS_CONN_H

#include <stddef.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "tls.h"

/* conn_queue flushes by itself past this.  A large body goes out in
 * writes of this size: each write is one cork/uncork and, on loopback, one
 * wake-up of the reader; 256 KiB instead of 64 KiB took about 3% off the
 * time of a 50 MB message (tests/bench). */
#define CONN_OUT_FLUSH (256 * 1024)
#define CONN_RECORD (16 * 1024)     /* a full TLS record: flushes are multiples */
#define CONN_OUT_SIZE (4 * CONN_OUT_FLUSH)  /* the most one group may hold */
#define CONN_IN_SIZE (16 * 1024)

struct conn_params {
	const char *host;         /* name or address literal (A-label); an
				   * absolute path is a local (AF_UNIX) stream
				   * socket, and port is then not used */
	const char *port;         /* number or service name */
	int timeout;              /* seconds for connect and for each I/O */
	int deadline;             /* seconds for everything from connect on
				   * (conn_restart_deadline() starts it again);
				   * 0: none */
	const char *deadline_key; /* its name in messages ("session_deadline") */
};

struct conn;

/* Connect.  NULL and err: CAT_DNS (no such host), CAT_TEMPORARY (DNS could not
 * answer now), CAT_CONNECT (refused or unreachable on every address),
 * CAT_TIMEOUT. */
struct conn *conn_open(const struct conn_params *p, struct error *err);

/* Start TLS on the connection.  For STARTTLS the caller first checks that
 * conn_input_pending() is 0: bytes that arrived before the handshake were
 * injected by someone on the path (CVE-2011-0411 and kin). */
int conn_start_tls(struct conn *c, const struct tls_params *p, struct error *err);

/* Bytes received but not yet handed out, ours or inside TLS. */
size_t conn_input_pending(const struct conn *c);

/* Append to the output.  Past CONN_OUT_FLUSH it writes by itself, whole
 * CONN_RECORD multiples only (the tail waits for more or for conn_flush()),
 * so a long body leaves in full TLS records.  More than CONN_OUT_SIZE bytes
 * at once leave in a write of their own. */
int conn_queue(struct conn *c, const void *data, size_t n, struct error *err);
/* The same for AUTH data: the buffer is wiped once written. */
int conn_queue_secret(struct conn *c, const void *data, size_t n, struct error *err);
/* Room for want (at most CONN_OUT_SIZE) bytes at the end of the output, to
 * fill in place, then conn_commit() the bytes written: the content goes
 * from the spool (or the dot-stuffer) to the TLS layer without another
 * copy.  Either may flush; NULL or -1 and err when that fails. */
char *conn_room(struct conn *c, size_t want, struct error *err);
int conn_commit(struct conn *c, size_t n, struct error *err);
/* Write everything queued, in one write where the kernel allows. */
int conn_flush(struct conn *c, struct error *err);
/* How many writes conn_flush has made (for -v and tests). */
unsigned long conn_write_count(const struct conn *c);

/* Read one line into line (reset first), without CR LF.  0 on success; -1 and
 * err on EOF (CAT_CONNECT: "the server closed the connection"), on a line
 * longer than max (CAT_PROTOCOL), and on I/O errors. */
int conn_read_line(struct conn *c, struct buf *line, size_t max, struct error *err);

/* The I/O timeout from now on, in seconds (RFC 5321 4.5.3.2: the reply to
 * the final dot gets longer than the others). */
void conn_set_timeout(struct conn *c, int seconds);
/* Start the deadline of conn_params again from now (a queue flush gives
 * each message the whole of it). */
void conn_restart_deadline(struct conn *c);

/* The TLS session, or NULL while plain. */
struct tls *conn_tls(struct conn *c);

/* "host:port" for messages. */
const char *conn_peer(const struct conn *c);

/* Close (TLS close_notify first, best effort) and free.  NULL is fine. */
void conn_close(struct conn *c);

#endif
