/* handoff.h: the local submission path, client and server side.
 *
 * A user who cannot read the account file (PHP as www-data, nobody, a
 * user's cron job) hands the message to the local submission service
 * (sendas.socket, running `sendas -bs` as a dedicated user who can) over
 * its UNIX socket, speaking SMTP through our own client engine: no TLS and
 * no AUTH on that path, the kernel tells the service who we are
 * (SO_PEERCRED).  The command line, exit codes and messages stay those of
 * a direct send: the service puts the category of its verdict (and the
 * queue ID of a queued message) on the last line of its reply, which this
 * side reads back, so `sendas` exits as it would have on its own.
 *
 * The socket is HANDOFF_SOCKET_DEFAULT (configure --with-submission-socket)
 * or $SENDAS_SOCKET (tests; ignored when running set-uid). */
#ifndef SENDAS_HANDOFF_H
#define SENDAS_HANDOFF_H

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "reply.h"

#define HANDOFF_MARK "sendas-verdict: "   /* starts the last reply line */

/* The socket path to use. */
const char *handoff_socket_path(void);

/* Whether handing off is possible: the socket exists and is a socket. */
int handoff_available(void);

/* Append "\nsendas-verdict: CATEGORY[ queued ID]" to a reply text. */
void handoff_mark(struct buf *text, enum category cat, const char *queue_id);

/* Read the mark back from a reply: 1 and *cat (and queue_id, at least 17
 * bytes, "" when not queued) when the last line is one, else 0. */
int handoff_read_mark(const struct reply *r, enum category *cat, char *queue_id);

#endif
