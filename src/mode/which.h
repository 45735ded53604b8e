/* which.h: the --which mode: which account would send for a sender, and why.
 *
 * The same choice the send mode makes for "-f SENDER" (with -C and -a as
 * given), made without a message and without any network: the account file
 * is read, the sender normalised and matched, and the explanation printed on
 * stdout (the sender as compared, the account, the pattern that matched, the
 * address a rewritten sender goes out as, every other account and why it
 * lost, then the server and the login).  No credential is read.
 *
 * Returns the exit code: 0; 77 when no account matches (the reason, naming
 * the sender, the file and each account with its patterns, on stderr); the
 * code of any other error (78 for the account file or a tie, 65 for a sender
 * that is not an address). */
#ifndef SENDAS_WHICH_H
#define SENDAS_WHICH_H

#include "options.h"

int mode_which(const struct options *o);

#endif
