/* trusted.h: opening a file that holds or steers secrets (the account
 * file, a password_file, ~/.netrc) only when its owner and mode say that
 * nobody else could have written it.  Below conf.c and secret.c, which both
 * open such files.  Errors: CAT_CONFIG, naming the file and what to do. */
#ifndef SENDAS_TRUSTED_H
#define SENDAS_TRUSTED_H

#include <sys/stat.h>

#include "error.h"

/* Who may own a file that holds or steers secrets. */
enum file_trust {
	FILE_USER,                /* only the user sendas runs as (geteuid) */
	FILE_SYSTEM,              /* the user or root: the system account file */
	FILE_CREDENTIAL,          /* the user or root; group read allowed (an ACL mask) */
};

/* Open path read-only with O_NOFOLLOW and check that descriptor: a regular
 * file, owned as trust allows, not writable by group or others.  The
 * descriptor (O_CLOEXEC), with *st filled, or -1 and err (CAT_CONFIG
 * "FILE: what is wrong; what to do"). */
int trusted_open(const char *path, enum file_trust trust, struct stat *st,
		     struct error *err);

/* Whether others than the owner can read a file checked as trust. */
int trusted_readable_by_others(const struct stat *st, enum file_trust trust);

#endif
