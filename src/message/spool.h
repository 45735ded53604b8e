/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spool.h: the unlinked file that holds a message body while it is read,
 * and the writer that fills it.
 *
 * A spool file has no name: O_TMPFILE, or mkstemp (mode 0600) and unlink at
 * once where the file system lacks it.  It vanishes with its descriptor, so
 * a crash leaves nothing behind and nobody else can open it.
 *
 * A struct spool_writer appends in large writes.  Up to its first full
 * buffer it writes in the caller's thread; past it, a second thread writes
 * each full buffer while the caller fills the other one ("write-behind").
 * Copying 50 MB into the page cache costs about as much as reading and
 * scanning it; on two cores the two no longer add up.  The thread exists
 * only between spool_writer_new() and spool_writer_finish(), so nothing
 * later (a password command, the queue) ever forks a threaded process.
 *
 * Memory: two SPOOL_BUFFER buffers per writer, whatever the message size.
 * Errors: CAT_IO naming the directory and errno's text. */
#ifndef SENDAS_SPOOL_H
#define SENDAS_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define SPOOL_BUFFER (512 * 1024)   /* one write() to the spool */

/* A new, empty, unlinked spool file in dir; -1 and err when none can be
 * made. */
int spool_open(const char *dir, struct error *err);

struct spool_writer;

/* A writer appending to fd (an empty spool from spool_open()); dir is for
 * error texts and must outlive the writer. */
struct spool_writer *spool_writer_new(int fd, const char *dir);

/* Append n bytes.  A failure may be reported by a later call rather than
 * this one (the write-behind thread found it); nothing is written after
 * the first failure. */
int spool_write(struct spool_writer *w, const void *p, size_t n, struct error *err);

/* For a caller that builds its output in place: room for at least want
 * bytes (want <= SPOOL_BUFFER) at the end of the buffer, and in *avail how
 * much room there is; NULL and err on a failure.  spool_commit() then
 * appends the n bytes written there. */
char *spool_room(struct spool_writer *w, size_t want, size_t *avail, struct error *err);
void spool_commit(struct spool_writer *w, size_t n);

/* Write what is buffered, wait for the thread, free the writer (always,
 * also on failure).  *size: the bytes appended in all. */
int spool_writer_finish(struct spool_writer *w, off_t *size, struct error *err);

#endif
