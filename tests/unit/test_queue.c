/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_queue.c: the queue's file format and its changes (queue.h): a
 * round trip of every envelope field and of the exact content, the records
 * and their fold, a torn record, locking, the moves to failed/ and back, a
 * move a crash interrupted, tmp/ cleaning, damaged files, the settings, the
 * backoff and the lifetime syntax; the envelope-only peek, records behind a
 * large content, removals made durable in batches; the due hint and
 * drain_pending() trusting it. */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "drain.h"
#include "i18n.h"
#include "queue.h"
#include "tap.h"
#include "xalloc.h"

#define NOW 1800000000

static char dir[] = "/tmp/sendas-test-queue-XXXXXX";
static const char prefix[] = "From: a@example.test\r\nSubject: t\r\n\r\n";
static const char body[] = "hello\r\n.\r\n..dots\r\nend\r\n";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* The body in a spool file, as message.c keeps it. */
static int spool(void)
{
	char *path = xasprintf("%s/spool", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	ok(fd >= 0 && write(fd, body, strlen(body)) == (ssize_t)strlen(body), "spool written");
	free(path);
	return fd;
}

static const char *const rcpts[] = { "b@example.net", "c@example.net" };

static struct queue_message message(int fd)
{
	return (struct queue_message){
		.account = "work", .sender = "a@example.test", .rcpts = rcpts, .nrcpts = 2,
		.notify = "success,failure", .ret = "hdrs", .envid = "E1",
		.body_8bit = 1, .smtputf8 = 0, .prefix = prefix,
		.prefix_len = strlen(prefix), .fd = fd,
		.size = (off_t)(strlen(prefix) + strlen(body)),
	};
}

/* A reason as a test gives it: text alone (verbatim in both forms). */
static const struct error *why(const char *text)
{
	static struct error e;

	error_set_text(&e, CAT_TEMPORARY, text);
	return &e;
}

static char *read_content(const struct queue_entry *e)
{
	char *c = xcalloc(1, (size_t)e->size + 1);

	if (pread(e->fd, c, (size_t)e->size, e->offset) != e->size)
		c[0] = '\0';
	return c;
}

static void test_round_trip(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e;
	struct error err;
	char id[QUEUE_ID_LEN + 1], *content, *want;

	ok(queue_add(q, QUEUE_ACTIVE, &m, why("451 4.3.0 try\nlater"), NOW, id, &err) == 0,
	   "a message is queued");
	ok(queue_id_valid(id), "its ID is valid: %s", id);
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0, "and read back");
	is_str(e.account, "work", "account");
	is_str(e.sender, "a@example.test", "sender");
	ok(e.nrcpts == 2 && strcmp(e.rcpts[1], "c@example.net") == 0, "recipients");
	is_str(e.notify, "success,failure", "DSN notify");
	is_str(e.ret, "hdrs", "DSN ret");
	is_str(e.envid, "E1", "DSN envid");
	ok(e.body_8bit == 1 && e.smtputf8 == 0, "8BITMIME and SMTPUTF8 needs");
	ok(e.queued == NOW, "queue time");
	ok(e.attempts == 1 && e.next_try == NOW + QUEUE_BACKOFF_FIRST, "the first attempt");
	is_str(e.last_error, "451 4.3.0 try\\x0Alater",
	       "the error, on one line, escaped as everywhere (escape.h)");
	content = read_content(&e);
	want = xasprintf("%s%s", prefix, body);
	is_str(content, want, "the content is byte for byte what was given");
	ok(!queue_due(&e, NOW + 59) && queue_due(&e, NOW + 60), "due after the backoff");
	free(content);
	free(want);
	queue_entry_release(&e);
	queue_entry_release(&e);
	ok(1, "releasing twice is harmless");
}

/* A server's text longer than a record holds: cut, and never inside a
 * UTF-8 character. */
static void test_long_text(struct queue *q, const char *id)
{
	struct queue_entry e;
	struct error err;
	char text[2 * QUEUE_TEXT_MAX + 2] = "x";
	size_t i, len;
	int whole = 1;

	for (i = 1; i + 2 < sizeof text; i += 2)
		memcpy(text + i, "\303\274", 2);   /* x, then ü ü ü ... */
	text[i] = '\0';
	queue_take(q, QUEUE_ACTIVE, id, &e, &err);
	queue_defer(q, &e, why(text), NOW, &err);
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && e.last_error, "a long error text");
	len = e.last_error ? strlen(e.last_error) : 0;
	for (i = 1; i + 1 < len; i += 2)
		whole &= memcmp(e.last_error + i, "\303\274", 2) == 0;
	ok(len <= QUEUE_TEXT_MAX && len > QUEUE_TEXT_MAX - 2 && len % 2 == 1 && whole,
	   "is cut to %d bytes on a character boundary (%zu)", QUEUE_TEXT_MAX, len);
	queue_entry_release(&e);
}

static void test_records(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e, again;
	struct error err;
	char id[QUEUE_ID_LEN + 1], *path;
	int raw;

	queue_add(q, QUEUE_ACTIVE, &m, why("first"), NOW, id, &err);
	ok(queue_take(q, QUEUE_ACTIVE, id, &e, &err) == 0, "a message is taken");
	ok(queue_take(q, QUEUE_ACTIVE, id, &again, &err) == 1,
	   "a taken message is busy for anyone else");
	ok(queue_defer(q, &e, why("second"), NOW + 60, &err) == 0, "deferred");
	ok(e.attempts == 2 && e.next_try == NOW + 60 + 120, "the backoff doubles");
	ok(queue_done(q, &e, rcpts, 1, &err) == 0 && e.nrcpts == 1,
	   "a recipient that has it is done");
	queue_entry_release(&e);
	test_long_text(q, id);

	/* A crash in the middle of an append: a record without its newline. */
	path = xasprintf("%s/%s", q->dir, id);
	raw = open(path, O_WRONLY | O_APPEND);
	ok(raw >= 0 && write(raw, "attempt 18000", 13) == 13, "a torn record is written");
	close(raw);
	ok(queue_take(q, QUEUE_ACTIVE, id, &e, &err) == 0, "the message still reads");
	ok(e.attempts == 3 && e.nrcpts == 1 && strcmp(e.rcpts[0], "c@example.net") == 0,
	   "the torn record is ignored, the others folded");
	ok(queue_retry(q, &e, NOW + 61, &err) == 0 && queue_due(&e, NOW + 61),
	   "a retry makes it due");
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && queue_due(&e, NOW + 61) &&
	   e.attempts == 3, "the append after the torn record replaced it");
	queue_entry_release(&e);
	free(path);
}

/* Records behind a content larger than the first read (queue.c reads a
 * small message whole, a large one in pieces); the envelope-only peek. */
static void test_large(struct queue *q)
{
	char *path = xasprintf("%s/large", dir), *chunk = xmalloc(100000);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct queue_message m = message(fd);
	struct queue_entry e;
	struct error err;
	char id[QUEUE_ID_LEN + 1];

	memset(chunk, 'x', 100000);
	ok(fd >= 0 && write(fd, chunk, 100000) == 100000, "a 100 kB body");
	m.size = (off_t)(strlen(prefix) + 100000);
	queue_add(q, QUEUE_ACTIVE, &m, why("first"), NOW, id, &err);
	queue_take(q, QUEUE_ACTIVE, id, &e, &err);
	ok(queue_defer(q, &e, why("second"), NOW, &err) == 0, "deferred");
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && e.attempts == 2 &&
	   strcmp(e.last_error, "second") == 0, "its records are read behind the content");
	queue_entry_release(&e);
	ok(queue_peek_envelope(q, QUEUE_ACTIVE, id, &e, &err) == 0 &&
	   strcmp(e.account, "work") == 0 && e.nrcpts == 2 && e.attempts == 0 &&
	   e.size == m.size, "the envelope-only peek: the envelope, no records");
	queue_entry_release(&e);
	queue_take(q, QUEUE_ACTIVE, id, &e, &err);
	queue_remove(q, &e, &err);
	queue_entry_release(&e);
	close(fd);
	unlink(path);
	free(path);
	free(chunk);
}

/* A flush's removals: each gone at once, the directory synced per batch. */
static void test_batched_removal(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e, after;
	struct error err;
	char id[QUEUE_ID_LEN + 1];
	unsigned i, gone = 0, synced = 0;
	size_t before, n;

	free(queue_list(q, QUEUE_ACTIVE, &before, &err));
	for (i = 0; i < QUEUE_SYNC_BATCH + 1; i++) {
		queue_add(q, QUEUE_ACTIVE, &m, why("x"), NOW, id, &err);
		queue_take(q, QUEUE_ACTIVE, id, &e, &err);
		gone += queue_remove_batched(q, &e, &err) == 0 &&
			queue_peek(q, QUEUE_ACTIVE, id, &after, &err) == 1;
		synced += q->unsynced == 0;
		queue_entry_release(&e);
	}
	ok(gone == QUEUE_SYNC_BATCH + 1, "each removal takes the message away at once");
	ok(synced == 1 && q->unsynced == 1, "the directory is synced once per %d removals",
	   QUEUE_SYNC_BATCH);
	ok(queue_sync_removals(q, &err) == 0 && q->unsynced == 0, "and when the flush ends");
	free(queue_list(q, QUEUE_ACTIVE, &n, &err));
	ok(n == before, "none of them is left");
}

static void test_failed(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e;
	struct error err;
	char id[QUEUE_ID_LEN + 1], id2[QUEUE_ID_LEN + 1], (*ids)[QUEUE_ID_LEN + 1];
	size_t n;

	queue_add(q, QUEUE_ACTIVE, &m, why("first"), NOW, id, &err);
	queue_take(q, QUEUE_ACTIVE, id, &e, &err);
	ok(queue_fail(q, &e, why("550 5.1.1 no such user"), NOW, &err) == 0 &&
	   e.area == QUEUE_FAILED, "a refused message moves to failed/");
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 1, "it is no longer queued");
	ok(queue_peek(q, QUEUE_FAILED, id, &e, &err) == 0 && e.failed == NOW &&
	   strcmp(e.last_error, "550 5.1.1 no such user") == 0, "failed/ has it, with the reason");
	queue_entry_release(&e);
	ids = queue_list(q, QUEUE_FAILED, &n, &err);
	ok(n == 1 && strcmp(ids[0], id) == 0, "failed/ lists it");
	free(ids);
	queue_take(q, QUEUE_FAILED, id, &e, &err);
	ok(queue_retry(q, &e, NOW, &err) == 0 && e.area == QUEUE_ACTIVE,
	   "--queue-retry moves it back");
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && e.failed == 0 &&
	   queue_due(&e, NOW), "queued again, due at once");
	queue_entry_release(&e);

	ok(queue_add(q, QUEUE_FAILED, &m, why("553 5.7.1 not owned"), NOW, id2, &err) == 0,
	   "the send mode keeps a refused message in failed/ directly");
	ok(queue_peek(q, QUEUE_FAILED, id2, &e, &err) == 0 && e.failed == NOW,
	   "with its reason");
	queue_entry_release(&e);
}

/* A "failed" record in DIR: the move to failed/ was cut short. */
static void test_interrupted_move(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e;
	struct error err;
	char id[QUEUE_ID_LEN + 1], *path, line[64];
	int raw, n;

	queue_add(q, QUEUE_ACTIVE, &m, why("first"), NOW, id, &err);
	path = xasprintf("%s/%s", q->dir, id);
	raw = open(path, O_WRONLY | O_APPEND);
	n = snprintf(line, sizeof line, "failed %d refused\n", NOW);
	ok(raw >= 0 && write(raw, line, (size_t)n) == n, "a failed record, no move");
	close(raw);
	ok(queue_take(q, QUEUE_ACTIVE, id, &e, &err) == 1, "taking it completes the move");
	ok(access(path, F_OK) != 0, "so it is not queued");
	ok(queue_peek(q, QUEUE_FAILED, id, &e, &err) == 0, "but failed");
	queue_entry_release(&e);
	ok(queue_take(q, QUEUE_FAILED, id, &e, &err) == 0 && queue_remove(q, &e, &err) == 0,
	   "and removed");
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_FAILED, id, &e, &err) == 1, "gone");
	free(path);
}

static void test_damaged_and_tmp(struct queue *q)
{
	struct queue_entry e;
	struct error err;
	char *bad = xasprintf("%s/0000000000000001", q->dir);
	char *tmp = xasprintf("%s/tmp/0000000000000002", q->dir);
	char *held = xasprintf("%s/tmp/0000000000000003", q->dir);
	FILE *f = fopen(bad, "w");
	int fd;

	fputs("sendas-queue 1\naccount x\nsender a@b\nrcpt c@d\nqueued 1\nsize 500\n\nshort", f);
	fclose(f);
	ok(queue_peek(q, QUEUE_ACTIVE, "0000000000000001", &e, &err) == -1 &&
	   err.category == CAT_IO && strstr(err.text, "damaged"),
	   "a file shorter than its size is damaged: %s", err.text);
	ok(queue_peek(q, QUEUE_ACTIVE, "../../etc/passwd", &e, &err) == -1 &&
	   err.category == CAT_USAGE, "an ID is never a path");
	unlink(bad);
	fclose(fopen(tmp, "w"));
	fd = open(held, O_RDWR | O_CREAT, 0600);
	flock(fd, LOCK_EX);
	queue_clean(q);
	ok(access(tmp, F_OK) != 0, "a dead writer's file in tmp/ is removed");
	ok(access(held, F_OK) == 0, "a live writer's is not");
	close(fd);
	free(bad);
	free(tmp);
	free(held);
}

/* The due hint (queue.h): unknown at first, raised only by a reader whose
 * look is still current, lowered by every add, deferral and retry. */
static void test_due_hint(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e;
	struct error err;
	char id[QUEUE_ID_LEN + 1];

	ok(queue_due_hint(q) == 0, "due hint: unknown at first");
	queue_lower_due_hint(q, NOW);
	ok(queue_due_hint(q) == 0, "lowering an unknown hint leaves it unknown");
	queue_raise_due_hint(q, 0, NOW + 500);
	ok(queue_due_hint(q) == NOW + 500, "a reader's finding is written");
	queue_lower_due_hint(q, NOW + 900);
	ok(queue_due_hint(q) == NOW + 500, "a later time does not raise it");
	queue_lower_due_hint(q, NOW + 100);
	ok(queue_due_hint(q) == NOW + 100, "an earlier one lowers it");
	queue_raise_due_hint(q, NOW + 500, NOW + 2000);
	ok(queue_due_hint(q) == NOW + 100, "a reader that looked before the change raises nothing");
	queue_raise_due_hint(q, NOW + 100, NOW + 2000);
	ok(queue_due_hint(q) == NOW + 2000, "one that looked after it does");
	ok(queue_add(q, QUEUE_ACTIVE, &m, why("451 later"), NOW, id, &err) == 0 &&
	   queue_due_hint(q) == NOW + queue_backoff(1), "queueing lowers it to the first retry");
	ok(queue_take(q, QUEUE_ACTIVE, id, &e, &err) == 0 &&
	   queue_defer_until(q, &e, why("451 again"), NOW, NOW + 30, &err) == 0 &&
	   queue_due_hint(q) == NOW + 30, "a deferral lowers it to the next try");
	ok(queue_retry(q, &e, NOW + 10, &err) == 0 && queue_due_hint(q) == NOW + 10,
	   "--queue-retry lowers it to now");
	queue_entry_release(&e);
}

/* drain_pending(): reads the messages only while the hint allows a due
 * one, and having read them all, raises the hint past them. */
static void test_pending(int fd)
{
	char name[] = "work", *qdir = xasprintf("%s/pending", dir);
	struct account a = { .name = name, .queue_dir = qdir };
	struct queue_message m = message(fd);
	struct queue q;
	struct queue_entry e;
	struct error err;
	char id[QUEUE_ID_LEN + 1], *path;
	FILE *f;

	ok(queue_open(&q, qdir, 1, &err) == 0 &&
	   queue_add(&q, QUEUE_ACTIVE, &m, why("451 later"), NOW, id, &err) == 0,
	   "pending: one message queued");
	ok(!drain_pending(&a, "f.ini", NOW + 1), "not due yet: nothing pending");
	ok(queue_due_hint(&q) == NOW + queue_backoff(1), "and the hint says when it will be");
	/* Made due behind the hint's back, as an older sendas would: the hint
	 * is trusted, the file not read. */
	path = xasprintf("%s/%s", qdir, id);
	f = fopen(path, "a");
	ok(f && fprintf(f, "retry %d\n", NOW + 2) > 0 && fclose(f) == 0, "a retry record by hand");
	ok(!drain_pending(&a, "f.ini", NOW + 3), "the hint is trusted: the file is not read");
	ok(queue_take(&q, QUEUE_ACTIVE, id, &e, &err) == 0 &&
	   queue_retry(&q, &e, NOW + 4, &err) == 0, "--queue-retry");
	queue_entry_release(&e);
	ok(drain_pending(&a, "f.ini", NOW + 5), "now it is pending");
	queue_close(&q);
	free(path);
	free(qdir);
}

static void test_settings(void)
{
	char name[] = "work", off[] = "off", twelve[] = "12h", q[] = "/q", maybe[] = "maybe",
	     relative[] = "q";
	struct account a = { .name = name, .line = 3 };
	struct queue_settings s;
	struct error err;

	setenv("STATE_DIRECTORY", "/var/lib/sendas:/var/lib/other", 1);
	ok(queue_settings(&a, "f.ini", &s, &err) == 0 && s.enabled &&
	   s.lifetime == QUEUE_LIFETIME_DEFAULT && strcmp(s.dir, "/var/lib/sendas") == 0,
	   "defaults; $STATE_DIRECTORY's first directory");
	queue_settings_release(&s);
	unsetenv("STATE_DIRECTORY");
	setenv("XDG_STATE_HOME", "/x/state", 1);
	ok(queue_settings(NULL, NULL, &s, &err) == 0 &&
	   strcmp(s.dir, "/x/state/sendas/queue") == 0, "then $XDG_STATE_HOME/sendas/queue");
	queue_settings_release(&s);
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/home/u", 1);
	ok(queue_settings(NULL, NULL, &s, &err) == 0 &&
	   strcmp(s.dir, "/home/u/.local/state/sendas/queue") == 0,
	   "a relative $XDG_STATE_HOME is ignored");
	queue_settings_release(&s);
	a.queue = off;
	a.queue_lifetime = twelve;
	a.queue_dir = q;
	ok(queue_settings(&a, "f.ini", &s, &err) == 0 && !s.enabled && s.lifetime == 43200 &&
	   strcmp(s.dir, "/q") == 0, "queue = off, queue_lifetime, queue_dir");
	queue_settings_release(&s);
	a.queue = maybe;
	ok(queue_settings(&a, "f.ini", &s, &err) == -1 && err.category == CAT_CONFIG &&
	   strstr(err.text, "f.ini:3: account work: queue"), "a bad queue value: %s", err.text);
	a.queue = NULL;
	a.queue_dir = relative;
	ok(queue_settings(&a, "f.ini", &s, &err) == -1 && strstr(err.text, "absolute"),
	   "a relative queue_dir is refused");
}

static void test_numbers(void)
{
	static const struct {
		const char *text;
		long seconds;
	} lifetimes[] = {
		{ "5d", 432000 }, { "5", 432000 }, { "12h", 43200 }, { "90m", 5400 },
		{ "30s", 30 }, { "2w", 1209600 }, { "365d", 31536000 }, { "366d", -1 },
		{ "0", -1 }, { "-1d", -1 }, { "5x", -1 }, { "5dd", -1 }, { "", -1 },
		{ "d", -1 }, { " 5d", -1 },
	};
	static const long backoff[] = { 60, 60, 120, 240, 480, 960, 1920, 3600, 3600 };
	static const struct {
		long seconds;
		const char *text;
	} durations[] = {
		{ 0, "0s" }, { 45, "45s" }, { 60, "1m" }, { 125, "2m5s" }, { 3600, "1h" },
		{ 11520, "3h12m" }, { 432000, "5d" }, { 439200, "5d2h" }, { -5, "0s" },
	};
	char text[32];
	size_t i;

	for (i = 0; i < sizeof lifetimes / sizeof lifetimes[0]; i++)
		ok(queue_parse_lifetime(lifetimes[i].text) == lifetimes[i].seconds,
		   "queue_lifetime '%s'", lifetimes[i].text);
	for (i = 1; i < sizeof backoff / sizeof backoff[0]; i++)
		ok(queue_backoff((unsigned)i) == backoff[i], "backoff after %zu failures", i);
	for (i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		queue_duration(text, sizeof text, durations[i].seconds);
		is_str(text, durations[i].text, "%ld seconds", durations[i].seconds);
	}
	ok(!queue_id_valid("6b04c37d32e415B7") && !queue_id_valid("6b04c37d32e415b") &&
	   queue_id_valid("6b04c37d32e415b7"), "IDs are 16 lowercase hex digits");
}

/* Appends raw record lines to message id. */
static void append_raw(struct queue *q, const char *id, const char *lines)
{
	char *path = xasprintf("%s/%s", q->dir, id);
	int raw = open(path, O_WRONLY | O_APPEND);

	ok(raw >= 0 && write(raw, lines, strlen(lines)) == (ssize_t)strlen(lines),
	   "records written: %.40s", lines);
	close(raw);
	free(path);
}

/* The reason kept language-neutral beside its text (queue.h). */
static void test_reasons(struct queue *q, int fd)
{
	struct queue_message m = message(fd);
	struct queue_entry e;
	struct error err, reason, shown;
	char id[QUEUE_ID_LEN + 1];

	error_set(&reason, CAT_TEMPORARY, N_("%s refused %s: %d %s"), "mx.example", "RCPT", 451,
		  "4.3.0 try\\x0Alater");
	ok(queue_add(q, QUEUE_ACTIVE, &m, &reason, NOW, id, &err) == 0, "queued with a reason");
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && e.last_reason &&
	   strcmp(e.last_reason, reason.neutral) == 0, "its reason record reads back");
	is_str(e.last_error, reason.text, "beside the text, as before");
	queue_last_reason(&e, CAT_TEMPORARY, &shown);
	is_str(shown.text, "mx.example refused RCPT: 451 4.3.0 try\\x0Alater",
	       "rendered in the current locale");
	is_str(shown.neutral, reason.neutral, "and still neutral (for a prefix)");
	queue_entry_release(&e);

	append_raw(q, id, "attempt 18000 18060 an older sendas said this\n");
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && !e.last_reason, "an attempt "
	   "record without a reason record (an older sendas): no neutral reason");
	queue_last_reason(&e, CAT_TEMPORARY, &shown);
	is_str(shown.text, "an older sendas said this", "its text is shown as before");
	queue_entry_release(&e);

	append_raw(q, id, "attempt 18000 18060 plain\nreason _%25s%20x%20%25d =a\n");
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && e.last_reason, "a damaged reason");
	queue_last_reason(&e, CAT_TEMPORARY, &shown);
	is_str(shown.text, "plain", "shows the text");
	queue_entry_release(&e);

	append_raw(q, id, "attempt 18000 18060 half\nreason _cut%20off");
	ok(queue_peek(q, QUEUE_ACTIVE, id, &e, &err) == 0 && !e.last_reason,
	   "a torn reason record is no reason");
	queue_last_reason(&e, CAT_TEMPORARY, &shown);
	is_str(shown.text, "half", "the text of its attempt is shown");
	queue_entry_release(&e);

	ok(queue_take(q, QUEUE_ACTIVE, id, &e, &err) == 0 &&
	   queue_fail(q, &e, &reason, NOW, &err) == 0 && e.last_reason, "failed with a reason");
	queue_entry_release(&e);
	ok(queue_peek(q, QUEUE_FAILED, id, &e, &err) == 0 && e.last_reason &&
	   strcmp(e.last_reason, reason.neutral) == 0, "failed/ keeps the reason record");
	queue_entry_release(&e);
}

int main(void)
{
	struct queue q;
	struct error err;
	char *qdir;
	int fd;

	if (!mkdtemp(dir))
		return 1;
	qdir = xasprintf("%s/a/b/queue", dir);
	ok(queue_open(&q, qdir, 0, &err) == 1, "a missing queue is no queue");
	ok(queue_open(&q, qdir, 1, &err) == 0, "it is made when needed");
	fd = spool();
	test_round_trip(&q, fd);
	test_records(&q, fd);
	test_failed(&q, fd);
	test_interrupted_move(&q, fd);
	test_reasons(&q, fd);
	test_damaged_and_tmp(&q);
	test_large(&q);
	test_batched_removal(&q, fd);
	test_due_hint(&q, fd);
	test_pending(fd);
	close(fd);
	queue_close(&q);
	test_settings();
	test_numbers();
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(qdir);
	return tap_done();
}
