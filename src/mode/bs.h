/* bs.h: `sendas -bs`: the SMTP server side (smtpd.h) on standard input and
 * output, each transaction sent through send_message() (send.h), the same
 * path as the command line.
 *
 * At MAIL the sender's account is chosen as the command line chooses it;
 * no account is "550 5.7.1" with the same explanation, before any
 * connection.  The reply to the final dot is the verdict: 250 when the
 * provider took the message or it was durably queued, else the provider's
 * own reply (code, enhanced code, text) followed by sendas's line naming
 * the account and why, or, for a local failure, a reply from the table in
 * bs.c.  Run by the local submission service (sendas@.service), the peer's
 * uid (SO_PEERCRED) is logged on stderr (the journal) and written into the
 * Received field.  Returns the exit code: 0 after a session that ended
 * with QUIT or EOF, EX_IOERR/EX_TEMPFAIL otherwise. */
#ifndef SENDAS_BS_H
#define SENDAS_BS_H

#include "error.h"
#include "options.h"
#include "send.h"
#include "smtpd.h"

int mode_bs(const struct options *o);

/* The replies above, for the smarthost (smarthost_session.c): the verdict
 * of send_message() as the reply to the final dot, and a local failure's
 * reply by its category. */
void bs_verdict_reply(const struct send_verdict *v, struct smtpd_reply *r);
void bs_error_reply(const struct error *err, struct smtpd_reply *r);

/* A transaction's envelope as send_message() takes it (pointing into t). */
struct send_envelope bs_envelope(const struct smtpd_txn *t);

#endif
