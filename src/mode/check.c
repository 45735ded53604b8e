/* check.c: see check.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "check.h"
#include "conf.h"
#include "escape.h"
#include "i18n.h"
#include "queue.h"

static void count_warning(void *ctx, const char *text)
{
	char *shown = escape_dup(text);

	fprintf(stderr, "sendas: %s\n", shown);
	free(shown);
	(*(int *)ctx)++;
}

/* Each account's queue settings, as a queued message would take them. */
static int check_queues(const struct conf *c)
{
	struct queue_settings qs;
	struct error err;
	int problems = 0;
	size_t i;

	for (i = 0; i < c->naccounts; i++) {
		error_clear(&err);
		if (queue_settings(&c->accounts[i], c->path, &qs, &err) < 0) {
			fprintf(stderr, "sendas: %s\n", err.text);
			problems++;
		}
		queue_settings_release(&qs);
	}
	return problems;
}

int mode_check_config(const struct options *o)
{
	struct error err;
	struct conf c = { 0 };
	char *path;
	int warnings = 0, problems;

	error_clear(&err);
	path = conf_locate(o->config_file, &err);
	if (!path || conf_load(&c, path, count_warning, &warnings, &err) < 0) {
		fprintf(stderr, "sendas: %s\n", err.text);
		free(path);
		conf_release(&c);
		return EX_CONFIG;
	}
	problems = warnings + check_queues(&c);
	/* Not ngettext: without NLS its macro hides the literal from -Wformat. */
	if (problems)
		fprintf(stderr, _("sendas: %s: problems found: %d\n"), path, problems);
	else
		printf(_("%s: no problems found (accounts: %zu)\n"), path, c.naccounts);
	free(path);
	conf_release(&c);
	return problems ? EX_CONFIG : EX_OK;
}
