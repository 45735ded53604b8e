/* import.h: the --import-msmtprc mode: an msmtp configuration file as a
 * sendas account file.
 *
 * The file is the argument, or the first of ~/.msmtprc,
 * $XDG_CONFIG_HOME/msmtp/config and /etc/msmtprc that exists
 * (msmtprc_places()).  It is read whole (at most CONF_FILE_MAX bytes;
 * symbolic links are followed, as msmtp follows them) and converted
 * (msmtprc_convert()); warnings, each naming the msmtprc line, go to
 * stderr, prefixed with the program's name.
 *
 * Without --write the account file goes to stdout.  With --write it goes to
 * -C FILE, or $XDG_CONFIG_HOME/sendas/accounts.ini (~/.config/...): created
 * with mode 0600 (O_EXCL: an existing file is never overwritten; missing
 * directories are made 0700), then loaded with conf_load() to prove that
 * sendas reads it.
 *
 * Returns the exit code: 0; 78 when there is no msmtprc or it cannot be
 * converted; 73 (EX_CANTCREAT) when the file exists or cannot be created;
 * 74 when it cannot be read or written. */
#ifndef SENDAS_IMPORT_H
#define SENDAS_IMPORT_H

#include "options.h"

int mode_import_msmtprc(const struct options *o);

#endif
