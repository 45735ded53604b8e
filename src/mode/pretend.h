/* pretend.h: -P, --pretend: the account a send would use, printed in
 * msmtp's --pretend form ("host = ...", "tls_starttls = on"), for msmtp's
 * users and for comparing with msmtp.
 *
 * The account: -a NAME; else the one chosen for -f SENDER (as the send mode
 * chooses it); else the account "default"; with --host, the one the
 * command line makes.  No message is read, no credential fetched, nothing
 * connects.  Passwords are printed as "*".
 *
 * Returns the exit code: 0; 77 when no account matches -f; 78 for the
 * account file, an unknown -a, or no account chosen without a "default";
 * 65 for a sender that is not an address. */
#ifndef SENDAS_PRETEND_H
#define SENDAS_PRETEND_H

#include "options.h"

int mode_pretend(const struct options *o);

#endif
