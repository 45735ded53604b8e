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
#include "options.h"
#include "error.h"
#include "reply.h"
#include "smtp.h"

/* Starts the last reply line; bs.c adds it for a peer on the local socket
 * only, never on a pipe or to the smarthost's network clients. */
#define HANDOFF_MARK "sendas-verdict: "
#define HANDOFF_EXIT_MARK "sendas-exit: "  /* the last line of XQUEUE, XFLUSH */

/* The private verbs of the local socket (bs.c), for mailq and -q of a user
 * without an account file: the service runs that mode for the caller's
 * own messages (all of them for root) and answers 250 with its output,
 * one line a line, and a last line "sendas-exit: N". */
#define HANDOFF_VERB_LIST "XQUEUE"
#define HANDOFF_VERB_IDS "XQUEUEIDS"
#define HANDOFF_VERB_FLUSH "XFLUSH"

#define HANDOFF_TIMEOUT 300         /* s: the service may be waiting for a provider */

/* One message for the service: the envelope, and the content as the
 * engine reads it (struct smtp_content: prefix, then fd from 0). */
struct handoff_message {
	const char *sender;
	const char *const *rcpts;
	size_t nrcpts;
	int body_8bit, smtputf8;
	const char *dsn_notify, *dsn_ret, *envid;   /* or NULL */
	const char *prefix;
	size_t prefix_len;
	int fd;
	off_t size;
};

/* Submit m to the service with smtp_open()/smtp_send() over its socket
 * (no TLS, no AUTH).  0 when the service accepted it (res->reply: its
 * 250, which may say the message was queued: handoff_read_mark()); -1 and
 * err otherwise, the category being the service's own (from its mark)
 * when it gave one, and err->text its explanation.  trace: as smtp.h. */
int handoff_submit(const struct handoff_message *m, smtp_trace_fn *trace, void *trace_ctx,
		   struct smtp_result *res, struct error *err);

/* Whether the command line should hand off: no -C and no $SENDAS_CONFIG,
 * no account file this user can read (conf_locate()), and the socket
 * there (handoff_available()). */
int handoff_wanted(const char *config_file);

/* The send mode on the handoff path: the message from stdin, the envelope
 * as the command line gives it (-f, else From:, else $EMAIL, else the
 * login name: the service decides what a local name may use), submitted
 * with handoff_submit(); stderr and the exit code as a direct send's
 * (a message the service queued: 75 and "queued as ID"). -a and -F are
 * not passed on: the service chooses the account, and From: is the
 * message's own. */
int handoff_mode_send(const struct options *o);

/* mailq, --queue-ids and -q on the handoff path: the private verb for
 * o->mode sent over the socket (conn.h, reply.h: no transaction, so not
 * the engine), its output on stdout, the service's exit code returned. */
int handoff_queue(const struct options *o);

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
