/* queueverbs.h: mailq, --queue-ids and -q for a caller of the local
 * submission service, who cannot read its queue.
 *
 * The service (bs.c, on the UNIX socket only) answers the private verbs
 * XQUEUE, XQUEUEIDS and XFLUSH (handoff.h) by running that mode over its
 * own queue for the messages the caller handed in (queue.h: owner), or all
 * of them for root, in a child process whose output becomes the reply:
 * 250, one line a line, and a last line "sendas-exit: N" with the mode's
 * exit code.  The session's own stdout is the SMTP channel, so the mode
 * cannot print there. */
#ifndef SENDAS_QUEUEVERBS_H
#define SENDAS_QUEUEVERBS_H

#include <sys/types.h>

#include "options.h"
#include "smtpd.h"

/* 1 and r filled when verb is one of the private verbs, run for uid with
 * base's other options (-C); 0 when it is not one. */
int queueverbs_run(const struct options *base, uid_t uid, const char *verb,
		   struct smtpd_reply *r);

#endif
