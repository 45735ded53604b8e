/* sysmail.h: what the send mode does for the machine's own mail (cron, at,
 * sudo, mail(1), PHP): callers that give neither -f nor a From field, and
 * recipients that are local names.  sendas-accounts(5), LOCAL SYSTEM MAIL.
 *
 * The default sender is the caller's login name (the passwd entry of the
 * real uid, as Postfix's sendmail) at the mail name (mailname.h); the From
 * field added for it carries -F, else the passwd name (the GECOS field up
 * to its first comma), as display name.
 *
 * Local recipients go through the aliases file of the chosen account
 * (aliases = FILE; default ALIASES_FILE when it exists; "off": none),
 * aliases.h.  Warnings (left-out pipes and files) go to stderr. */
#ifndef SENDAS_SYSMAIL_H
#define SENDAS_SYSMAIL_H

#include "address.h"
#include "conf.h"
#include "error.h"

/* "login@mailname" as a new string, and the display name for its From
 * field in *full_name (a new string, or NULL) unless given is set.
 * NULL and err (CAT_CONFIG) when the real uid has no passwd entry. */
char *sysmail_default_sender(const char *given_full_name, char **full_name,
			     struct error *err);

/* The aliases file for account a: a new string, or NULL for none. */
char *sysmail_aliases_path(const struct account *a);

/* Replace every local recipient in *rcpts by what the aliases of account a
 * resolve it to (aliases.h); *rcpts is left alone on failure. */
int sysmail_expand_rcpts(const struct account *a, struct address_list *rcpts,
			 struct error *err);

/* newaliases: check the aliases file (path NULL: ALIASES_FILE), print the
 * count on stdout, errors with their line on stderr.  0 or EX_DATAERR
 * (EX_NOINPUT when it cannot be read). */
int sysmail_newaliases(const char *path);

#endif
