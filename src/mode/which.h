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

#include "account.h"
#include "cli.h"
#include "conf.h"

int mode_which(const struct options *o);

/* The skeleton --which and -P share: chooser fills the account file and
 * the choice, print prints it on stdout; a failure is reported on stderr.
 * Returns the exit code. */
typedef int which_choose_fn(const struct options *o, struct conf *conf, struct selection *sel,
			    struct error *err);
typedef void which_print_fn(const struct conf *conf, const struct selection *sel);
int which_run(const struct options *o, which_choose_fn *chooser, which_print_fn *print);

#endif
