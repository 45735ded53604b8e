/* aliases.h: local recipients through an aliases file, aliases(5) format.
 *
 * Mail the machine writes itself goes to local names ("root", "postmaster",
 * "www-data", "alice", the same at localhost or at the mail name,
 * mailname.h); a provider would refuse or misroute them.  sendas delivers
 * nothing locally, so every local recipient must become an address
 * elsewhere, through the file /etc/aliases uses:
 *   # comment
 *   name: target, target
 *       target                   (a line that starts with white space continues)
 *   default: admin@example.net   (every local name that has no alias)
 * Names are compared case-insensitively, without "@domain".  A target is an
 * address (a local one is looked up again: nesting) or, as Postfix allows,
 * "|command", "/file" or ":include:/file", which sendas cannot deliver:
 * those are left out with a warning naming FILE:LINE.  A name defined twice,
 * a line without "name:", or a target that is not an address is an error
 * naming FILE:LINE.
 *
 * Expansion: a local recipient is replaced by its targets, recursively, at
 * most ALIASES_DEPTH_MAX deep; a name that comes back on its own chain is a
 * loop (an error naming the chain).  A local name without alias takes the
 * "default" entry; without one it is refused (CAT_RECIPIENT, exit 67) with a
 * sentence naming the file to edit.  Recipients that are not local pass
 * through unchanged.
 *
 * Ownership: struct aliases owns everything; aliases_release() frees it.
 * Errors: CAT_CONFIG ("FILE:LINE: what; what to do"), CAT_IO (cannot read),
 * CAT_RECIPIENT (no alias). */
#ifndef SENDAS_ALIASES_H
#define SENDAS_ALIASES_H

#include <stddef.h>

#include "address.h"
#include "error.h"
#include "mailname.h"

#define ALIASES_FILE "/etc/aliases"
#define ALIASES_ENTRY_MAX (64 * 1024)   /* one entry with its continuation lines */
#define ALIASES_FILE_MAX (4 * 1024 * 1024)
#define ALIASES_DEPTH_MAX 20            /* nesting, as Postfix's default */

struct alias {
	char *name;               /* lowercased */
	char **targets;           /* normalised addresses; pipes and files left out */
	size_t ntargets;
	int line;
};

struct aliases {
	char *path;
	struct alias *v;
	size_t n;
};

/* Read path into al (no initialisation needed).  warn(ctx, text) gets one
 * "FILE:LINE: ..." sentence per refused target (may be NULL).  On failure
 * al is left empty. */
int aliases_load(struct aliases *al, const char *path,
		 void (*warn)(void *ctx, const char *text), void *ctx, struct error *err);
void aliases_release(struct aliases *al);

/* The alias called name (any case, "@domain" ignored), or NULL. */
const struct alias *aliases_find(const struct aliases *al, const char *name);

/* Add rcpt to out, or the addresses it resolves to when it is local
 * (names: as address_is_local()).  al may be NULL (no file): then every
 * local recipient is refused. */
int aliases_expand(const struct aliases *al, const struct local_names *names,
		   const char *rcpt, struct address_list *out, struct error *err);

#endif
