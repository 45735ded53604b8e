/* check.h: the --check-config mode: is the account file right?
 *
 * The file that -C names (or the one sendas would read, conf_locate()) is
 * loaded as every mode loads it: every key of every section is checked then
 * (conf.h), so this finds what a send would find, without a message and
 * without any network, credentials or queue being touched; then each
 * account's queue settings are resolved as a queued message would resolve
 * them.  Warnings (an unknown key) count as problems here: a typo in a key
 * name is what this mode is for.
 *
 * Prints "FILE: no problems found (accounts: N)" on stdout and returns 0, or
 * prints each problem on stderr and returns 78 (EX_CONFIG). */
#ifndef SENDAS_CHECK_H
#define SENDAS_CHECK_H

#include "options.h"

int mode_check_config(const struct options *o);

#endif
