/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mailq.c: see mailq.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "conf.h"
#include "escape.h"
#include "i18n.h"
#include "handoff.h"
#include "mailq.h"
#include "queue.h"
#include "send.h"
#include "session.h"

/* The queue directories: those of the account file's accounts, when
 * there is a readable one, and the default place. */
static char **queue_dirs(const struct options *o, size_t *n)
{
	struct conf conf = { 0 };
	struct error err;
	char **dirs;

	error_clear(&err);
	if (session_load_accounts(o->config_file, &conf, &err) < 0)
		fprintf(stderr, _("sendas: %s (looking in the default queue only)\n"), err.text);
	dirs = queue_all_dirs(&conf, n);
	conf_release(&conf);
	return dirs;
}

/* ---- listing ---- */

static void print_rcpts(const struct queue_entry *e)
{
	size_t i;

	for (i = 0; i < e->nrcpts; i++)
		printf("%s%s", i ? ", " : "", e->rcpts[i]);
	putchar('\n');
}

/* The reason in the reader's language (queue_last_reason()).  A queue
 * file's error text is escaped when stored (queue.c), the provider's words
 * in a reason too; escaping it again changes nothing, and protects against
 * an older or edited file.  label is the translated "  reason:     " or
 * "  last error: ". */
static void print_error(const char *label, const struct queue_entry *e)
{
	struct error why;
	char *shown;

	queue_last_reason(e, CAT_NONE, &why);
	shown = escape_dup(why.text);

	printf("%s%s\n", label, shown);
	free(shown);
}

static void print_entry(const struct queue_entry *e, time_t now)
{
	char age[32], when[32];

	queue_duration(age, sizeof age, (long)(now - e->queued));
	printf(_("%s  %lld bytes  queued %s ago\n"), e->id, (long long)e->size, age);
	printf(_("  account:    %s\n"), e->account);
	printf(_("  from:       %s\n"), *e->sender ? e->sender : "<>");
	printf(_("  to:         "));
	print_rcpts(e);
	if (e->area == QUEUE_FAILED) {
		queue_duration(when, sizeof when, (long)(now - e->failed));
		if (e->failed)   /* 0: a retry that a crash cut short */
			printf(_("  failed:     %s ago\n"), when);
		print_error(_("  reason:     "), e);
		return;
	}
	queue_duration(when, sizeof when, (long)(e->next_try - now));
	if (queue_due(e, now))
		printf(_("  attempts:   %u, next try now\n"), e->attempts);
	else
		printf(_("  attempts:   %u, next try in %s\n"), e->attempts, when);
	if (e->last_error)
		print_error(_("  last error: "), e);
}

static void print_heading(const struct queue *q, enum queue_area area)
{
	if (area == QUEUE_ACTIVE)
		printf(_("Queue %s:\n"), q->dir);
	else
		printf(_("Failed, not retried, in %s/failed (sendas --queue-retry ID sends "
			 "one again, sendas --queue-delete ID removes it):\n"), q->dir);
}

static void warn(const struct error *err, int *code)
{
	fprintf(stderr, "sendas: %s\n", err->text);
	*code = EX_IOERR;
}

/* One area of one queue (only the IDs with ids_only); the number of
 * messages shown. */
static size_t list_area(struct queue *q, enum queue_area area, time_t now, int ids_only,
			const char *owner, int *code)
{
	char (*ids)[QUEUE_ID_LEN + 1];
	struct queue_entry e;
	struct error err;
	size_t n, i, shown = 0;

	error_clear(&err);
	ids = queue_list(q, area, &n, &err);
	if (err.category != CAT_NONE)
		warn(&err, code);
	for (i = 0; i < n; i++) {
		int r;

		if (ids_only && !owner) {
			printf("%s\n", ids[i]);
			continue;
		}
		r = queue_peek(q, area, ids[i], &e, &err);
		if (r < 0)
			warn(&err, code);
		if (r != 0)
			continue;
		if (!queue_owned_by(&e, owner)) {
			queue_entry_release(&e);
			continue;
		}
		if (shown++ == 0)
			print_heading(q, area);
		if (ids_only)
			printf("%s\n", ids[i]);
		else
			print_entry(&e, now);
		queue_entry_release(&e);
	}
	free(ids);
	return shown;
}

static int list_queues(const struct options *o);

int mode_queue_list(const struct options *o)
{
	if (!o->queue_owner && handoff_wanted(o->config_file))
		return handoff_queue(o);
	return list_queues(o);
}

static int list_queues(const struct options *o)
{
	size_t n, i, shown = 0;
	char **dirs = queue_dirs(o, &n);
	time_t now = time(NULL);
	struct queue q;
	struct error err;
	int code = EX_OK, r, ids_only = o->mode == MODE_QUEUE_IDS;

	for (i = 0; i < n; i++) {
		error_clear(&err);
		r = queue_open(&q, dirs[i], 0, &err);
		if (r < 0)
			warn(&err, &code);
		if (r != 0)
			continue;
		shown += list_area(&q, QUEUE_ACTIVE, now, ids_only, o->queue_owner, &code);
		shown += list_area(&q, QUEUE_FAILED, now, ids_only, o->queue_owner, &code);
		queue_close(&q);
	}
	if (shown == 0 && code == EX_OK && !ids_only)
		puts(_("The queue is empty."));
	queue_free_dirs(dirs, n);
	if (fflush(stdout) != 0 || ferror(stdout))
		code = EX_IOERR;
	return code;
}

/* ---- deleting, retrying ---- */

enum id_action { ID_DELETE, ID_RETRY };

/* A message refused for a local reason (queue.h, QUEUE_NO_ACCOUNT) is
 * kept as it was read: retrying it sends it now, through the whole send
 * path (the account file as it is now, account, aliases); it leaves
 * failed/ once sent or queued, and stays when it fails again. */
static int resend_local(const struct options *o, struct queue *q, struct queue_entry *e,
			struct error *err)
{
	struct options so = { .mode = MODE_SEND, .config_file = o->config_file,
			      .sender = *e->sender ? e->sender : NULL,
			      .rcpts = (const char *const *)e->rcpts, .nrcpts = e->nrcpts,
			      .ignore_dots = 1, .verbose = o->verbose, .json = o->json };
	int fd = queue_content_copy(q, e, err), code;

	if (fd < 0)
		return -1;
	code = send_message_fd(&so, fd, 0);
	close(fd);
	if (code == EX_OK)
		return queue_remove(q, e, err);
	return error_set(err, code == EX_TEMPFAIL ? CAT_TEMPORARY : CAT_CONFIG,
			 N_("%s is still not sent; it stays in failed/"), e->id);
}

/* Act on id in q, queued or failed: 0 done, 1 not there (or busy). */
static int act_in(const struct options *o, struct queue *q, const char *id,
		  enum id_action act, struct error *err)
{
	static const enum queue_area areas[] = { QUEUE_ACTIVE, QUEUE_FAILED };
	struct queue_entry e;
	size_t i;
	int r = 1;

	for (i = 0; i < sizeof areas / sizeof areas[0] && r == 1; i++) {
		r = queue_take(q, areas[i], id, &e, err);
		if (r != 0)
			continue;
		if (act == ID_DELETE)
			r = queue_remove(q, &e, err);
		else if (strcmp(e.account, QUEUE_NO_ACCOUNT) == 0)
			r = resend_local(o, q, &e, err);
		else
			r = queue_retry(q, &e, time(NULL), err);
		queue_entry_release(&e);
	}
	return r;
}

static int act_on_ids(const struct options *o, enum id_action act)
{
	size_t n, i, k;
	char **dirs = queue_dirs(o, &n);
	struct queue q;
	struct error err;
	int code = EX_OK;

	for (k = 0; k < o->nrcpts; k++) {
		int r = 1;

		error_clear(&err);
		if (!queue_id_valid(o->rcpts[k]))
			r = error_set(&err, CAT_USAGE, N_("'%.40s' is not a queue ID (see mailq)"),
				      o->rcpts[k]);
		for (i = 0; i < n && r == 1; i++) {
			r = queue_open(&q, dirs[i], 0, &err);
			if (r == 0) {
				r = act_in(o, &q, o->rcpts[k], act, &err);
				queue_close(&q);
			}
		}
		if (r == 1)
			error_set(&err, CAT_INPUT, N_("no message %s in the queue (or it is being "
						     "sent right now)"), o->rcpts[k]);
		if (r != 0) {
			fprintf(stderr, "sendas: %s\n", err.text);
			code = category_exit_code(err.category);
		}
	}
	queue_free_dirs(dirs, n);
	return code;
}

int mode_queue_delete(const struct options *o)
{
	return act_on_ids(o, ID_DELETE);
}

int mode_queue_retry(const struct options *o)
{
	return act_on_ids(o, ID_RETRY);
}
