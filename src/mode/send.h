/* send.h: the send mode: one message from stdin, through the account file,
 * account selection and credentials, to the engine, and into a report.
 * Returns the exit code (sysexits.h); everything it prints goes to stderr. */
#ifndef SENDAS_SEND_H
#define SENDAS_SEND_H

#include "options.h"

int mode_send(const struct options *o);

#endif
