/* permit.c: see permit.h. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n.h"
#include "permit.h"
#include "xalloc.h"

#define PERMIT_GROUPS_MAX 1024    /* supplementary groups looked at */

/* Whether the user (name, primary gid) is in the group called group. */
static int in_group(const char *name, gid_t primary, const char *group)
{
	gid_t groups[PERMIT_GROUPS_MAX];
	int n = PERMIT_GROUPS_MAX, i;
	struct group *gr = getgrnam(group);

	if (!gr)
		return 0;
	if (getgrouplist(name, primary, groups, &n) < 0)
		n = PERMIT_GROUPS_MAX;
	for (i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return gr->gr_gid == primary;
}

/* Whether allow_users names the user or one of their groups. */
static int listed(const char *list, const struct passwd *pw)
{
	char word[64];
	const char *v = list;
	size_t n;

	while (list && *(v += strspn(v, ", \t"))) {
		n = strcspn(v, ", \t");
		snprintf(word, sizeof word, "%.*s", (int)n, v);
		v += n;
		if (word[0] == '@' ? in_group(pw->pw_name, pw->pw_gid, word + 1)
				   : strcmp(word, pw->pw_name) == 0)
			return 1;
	}
	return 0;
}

/* The local part of a local sender is the caller's login name. */
static int is_self(const char *sender, const struct passwd *pw)
{
	size_t n = strcspn(sender, "@");

	return account_sender_is_local(sender) && strlen(pw->pw_name) == n &&
	       strncasecmp(sender, pw->pw_name, n) == 0;
}

int permit_sender(const struct conf *c, const struct selection *sel, const char *sender,
		  uid_t uid, struct error *err)
{
	const struct account *a = sel->account;
	struct passwd *pw;
	char who[64];

	if (uid == 0 || uid == geteuid())
		return 0;
	pw = getpwuid(uid);
	if (pw && listed(a->allow_users, pw))
		return 0;
	if (pw && a->local_senders && sel->rewritten && is_self(sender, pw))
		return 0;
	if (pw)
		snprintf(who, sizeof who, "%s (uid %lu)", pw->pw_name, (unsigned long)uid);
	else
		snprintf(who, sizeof who, "uid %lu", (unsigned long)uid);
	return error_set(err, CAT_NO_ACCOUNT,
			 N_("user %s may not send as %s through account %s: add the user (or "
			   "@group) to allow_users of account %s in %s, or send as yourself "
			   "through the account with local_senders = yes"),
			 who, *sender ? sender : "<>", a->name, a->name, c->path ? c->path : "");
}
