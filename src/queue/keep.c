/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keep.c: see keep.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "i18n.h"
#include "keep.h"
#include "xalloc.h"

/* The recipients that do not have the message yet. */
static const char **undelivered(const struct keep *k, size_t *n)
{
	const char **rcpts = xcalloc(k->m.nrcpts + 1, sizeof *rcpts);
	size_t i;

	*n = 0;
	for (i = 0; i < k->m.nrcpts; i++)
		if (!k->res || k->res->nrcpts != k->m.nrcpts || !k->res->rcpts[i].delivered)
			rcpts[(*n)++] = k->m.rcpts[i];
	return rcpts;
}

static enum kept store(const struct keep *k, const struct error *why,
		       struct kept_message *out)
{
	enum queue_area area = out->temporary ? QUEUE_ACTIVE : QUEUE_FAILED;
	struct queue_message m = k->m;
	const char **rcpts = undelivered(k, &m.nrcpts);
	struct queue q;
	int r = 0;

	m.rcpts = rcpts;
	if (m.nrcpts && (r = queue_open(&q, out->dir, 1, &out->err)) == 0) {
		r = queue_add(&q, area, &m, why, time(NULL), out->id, &out->err);
		queue_close(&q);
	}
	free(rcpts);
	if (r < 0)
		return KEPT_ERROR;
	if (!m.nrcpts)
		return KEPT_NOT;
	return out->temporary ? KEPT_QUEUED : KEPT_FAILED;
}

void keep_message(const struct keep *k, const struct error *failure,
		  struct kept_message *out)
{
	struct queue_settings set;

	memset(out, 0, sizeof *out);
	error_clear(&out->err);
	out->account = k->a ? k->a->name : k->m.account;
	out->temporary = category_retryable(failure->category);
	out->next_try = out->temporary ? k->m.not_before : 0;
	if (queue_settings(k->a, k->conf_path, &set, &out->err) < 0) {
		out->how = KEPT_ERROR;
		return;
	}
	snprintf(out->dir, sizeof out->dir, "%s", set.dir);
	out->how = set.enabled ? store(k, failure, out) : KEPT_OFF;
	queue_settings_release(&set);
}

/* Over a send limit: the queued line says when the window allows it. */
static void report_limited(const struct kept_message *kept)
{
	char at[64] = "?", in[32];
	struct tm tm;

	if (localtime_r(&kept->next_try, &tm))
		strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S", &tm);
	queue_duration(in, sizeof in, (long)(kept->next_try - time(NULL)));
	fprintf(stderr, _("sendas: queued as %s; the account's send limit allows the next "
			  "try at %s (in %s)\n"), kept->id, at, in);
}

void keep_report(const struct kept_message *kept)
{
	switch (kept->how) {
	case KEPT_QUEUED: {
		/* queue_add made it due after the first backoff, unless a send
		 * limit set the next try (report_limited()). */
		char when[32];

		if (kept->next_try) {
			report_limited(kept);
			break;
		}
		queue_duration(when, sizeof when, queue_backoff(1));
		fprintf(stderr, _("sendas: queued as %s; will retry in %s (sendas -q sends it "
				  "now)\n"), kept->id, when);
		break;
	}
	case KEPT_FAILED:
		fprintf(stderr, _("sendas: kept as %s in %s/failed (mailq lists it, "
				  "sendas --queue-delete %s removes it)\n"),
			kept->id, kept->dir, kept->id);
		break;
	case KEPT_OFF:
		if (kept->temporary)
			fprintf(stderr, _("sendas: not sent; account %s keeps no queue "
					  "(queue = off)\n"), kept->account);
		break;
	default:
		break;
	}
}
