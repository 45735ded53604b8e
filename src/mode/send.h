/* send.h: the send mode: one message from stdin, through the account file,
 * account selection and credentials, to the engine, and into a report.
 * Returns the exit code (sysexits.h); everything it prints goes to stderr. */
#ifndef SENDAS_SEND_H
#define SENDAS_SEND_H

#include "cli.h"

int mode_send(const struct options *o);

/* The same for the message in fd (read to its end; o->ignore_dots as for
 * stdin).  keep_local 0: a local failure keeps no copy in failed/ (the
 * caller has one: --queue-retry of such a copy, mailq.h). */
int send_message_fd(const struct options *o, int fd, int keep_local);

#endif
