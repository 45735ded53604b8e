/* sysmail.c: see sysmail.h. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "i18n.h"
#include "mailname.h"
#include "sysmail.h"
#include "xalloc.h"

char *sysmail_default_sender(const char *given_full_name, char **full_name,
			     struct error *err)
{
	const struct passwd *pw = getpwuid(getuid());
	struct local_names names;
	char *sender;
	size_t n;

	*full_name = NULL;
	if (!pw || !pw->pw_name || !*pw->pw_name) {
		error_set(err, CAT_CONFIG, N_("no envelope sender: uid %lu has no login name; give "
					     "-f ADDRESS or a From: header"), (unsigned long)getuid());
		return NULL;
	}
	local_names_get(&names, NULL);
	sender = xasprintf("%s@%s", pw->pw_name, names.mailname);
	local_names_release(&names);
	n = pw->pw_gecos ? strcspn(pw->pw_gecos, ",") : 0;
	if (!given_full_name && n)
		*full_name = xstrndup(pw->pw_gecos, n);
	return sender;
}

static void warn_stderr(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "sendas: %s\n", text);
}

char *sysmail_aliases_path(const struct account *a)
{
	if (a && a->aliases)
		return strcasecmp(a->aliases, "off") == 0 ? NULL : xstrdup(a->aliases);
	return access(ALIASES_FILE, F_OK) == 0 ? xstrdup(ALIASES_FILE) : NULL;
}

static int has_local(const struct address_list *l, const struct local_names *names)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (address_is_local(l->addrs[i], names))
			return 1;
	return 0;
}

static int expand_all(const struct aliases *al, const struct local_names *names,
		      const struct address_list *in, struct address_list *out,
		      struct error *err)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (aliases_expand(al, names, in->addrs[i], out, err) < 0)
			return -1;
	return 0;
}

int sysmail_expand_rcpts(const struct account *a, struct address_list *rcpts,
			 struct error *err)
{
	struct local_names names;
	struct aliases al = { 0 };
	struct address_list out;
	char *path;
	int r = 0;

	local_names_get(&names, NULL);
	if (!has_local(rcpts, &names)) {
		local_names_release(&names);
		return 0;
	}
	address_list_init(&out);
	path = sysmail_aliases_path(a);
	if (path)
		r = aliases_load(&al, path, warn_stderr, NULL, err);
	if (r == 0)
		r = expand_all(path ? &al : NULL, &names, rcpts, &out, err);
	if (r == 0) {
		address_list_release(rcpts);
		*rcpts = out;
	} else {
		address_list_release(&out);
	}
	aliases_release(&al);
	free(path);
	local_names_release(&names);
	return r;
}

int sysmail_newaliases(const char *path)
{
	struct aliases al;
	struct error err;
	size_t i, targets = 0;

	error_clear(&err);
	if (!path && access(ALIASES_FILE, F_OK) != 0) {
		printf(_("%s does not exist: local recipients are refused until it does; there "
			 "is nothing to rebuild\n"), ALIASES_FILE);
		return EX_OK;
	}
	if (!path)
		path = ALIASES_FILE;
	if (aliases_load(&al, path, warn_stderr, NULL, &err) < 0) {
		fprintf(stderr, "newaliases: %s\n", err.text);
		return err.category == CAT_IO ? EX_NOINPUT : EX_DATAERR;
	}
	for (i = 0; i < al.n; i++)
		targets += al.v[i].ntargets;
	printf(_("%s: %zu aliases, %zu targets; sendas reads the file as it is, there is "
		 "nothing to rebuild\n"), path, al.n, targets);
	aliases_release(&al);
	return EX_OK;
}
