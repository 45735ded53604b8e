/* dirs.h: directories made as `mkdir -p` makes them.
 *
 * The queue directory and the send limit counters below it live under
 * $XDG_STATE_HOME, which a fresh login does not have yet; and many sendas
 * processes (500 `sendas -bs` sessions of a web application) may make the
 * same tree at the same moment, so a directory that appears meanwhile
 * (EEXIST) is success, not a failure. */
#ifndef SENDAS_DIRS_H
#define SENDAS_DIRS_H

#include <sys/types.h>

/* Make path and every missing directory above it, each with mode.  0, or
 * -1 with errno from the mkdir() that failed (ENOTDIR: a file is in the
 * way; ENAMETOOLONG: path has PATH_MAX octets or more). */
int dirs_make(const char *path, mode_t mode);

#endif
