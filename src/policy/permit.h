/* permit.h: who may send as whom through the local submission service.
 *
 * The service (sendas.socket, `sendas -bs` on a UNIX socket) knows its
 * caller by uid (SO_PEERCRED).  After the account is chosen for the
 * sender, as the command line chooses it:
 *   - root, and the service's own user, may use any account;
 *   - a user named in the account's allow_users, or member (primary or
 *     supplementary) of a group named there as @group, may use it for any
 *     sender it matches;
 *   - anyone else only the account with local_senders = yes, and only as
 *     themselves: their login name, bare or @localhost, @ the mail name or
 *     @ the host name (account_sender_is_local()).
 * A pipe (`sendas -bs` run by a user who can read the account file) is not
 * checked: that user could as well run sendas directly. */
#ifndef SENDAS_PERMIT_H
#define SENDAS_PERMIT_H

#include <sys/types.h>

#include "account.h"
#include "conf.h"
#include "error.h"

/* 0 when uid may send as sender (as given, before any rewriting) through
 * sel->account; -1 and err (CAT_NO_ACCOUNT) naming the user, the sender,
 * the account and the key to change (allow_users in c->path). */
int permit_sender(const struct conf *c, const struct selection *sel, const char *sender,
		  uid_t uid, struct error *err);

#endif
