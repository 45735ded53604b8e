/* SPDX-License-Identifier: GPL-3.0-or-later */
/* queue.c: see queue.h. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dirs.h"
#include "escape.h"
#include "i18n.h"
#include "queue.h"
#include "xalloc.h"

#define QUEUE_MAGIC "sendas-queue 1"
#define COPY_CHUNK (64 * 1024)    /* bytes copied or read at a time */
#define ID_TRIES 3                /* fresh names tried when one is taken */

/* ---- settings and places ---- */

long queue_parse_lifetime(const char *s)
{
	return conf_parse_lifetime(s);
}

void queue_duration(char *out, size_t size, long seconds)
{
	static const struct {
		const char *unit;
		long seconds;
	} units[] = { { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } };
	size_t i = 0, last = sizeof units / sizeof units[0] - 1;
	long rest;

	if (seconds < 0)
		seconds = 0;
	while (i < last && seconds < units[i].seconds)
		i++;
	rest = i < last ? seconds % units[i].seconds / units[i + 1].seconds : 0;
	if (rest)
		snprintf(out, size, "%ld%s%ld%s", seconds / units[i].seconds, units[i].unit,
			 rest, units[i + 1].unit);
	else
		snprintf(out, size, "%ld%s", seconds / units[i].seconds, units[i].unit);
}

static int bad_setting(struct error *err, const char *conf_path, const struct account *a,
		       const char *key, const char *value, const char *want)
{
	char word[ERROR_WORD_MAX];
	return error_set(err, CAT_CONFIG, N_("%s:%d: account %s: %s needs %s, not '%s'"),
			 conf_path ? conf_path : "?", a->line, a->name, key, error_word(want, word), value);
}

char *queue_default_dir(struct error *err)
{
	const char *state = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_STATE_HOME");

	/* systemd lists one directory per StateDirectory=, separated by ':'. */
	if (state && *state == '/')
		return xstrndup(state, strcspn(state, ":"));
	/* The XDG spec says to ignore a relative value. */
	if (xdg && *xdg == '/')
		return xasprintf("%s/sendas/queue", xdg);
	return conf_expand_path("~/.local/state/sendas/queue", err);
}

int queue_settings(const struct account *a, const char *conf_path,
		   struct queue_settings *s, struct error *err)
{
	*s = (struct queue_settings){ .enabled = 1, .lifetime = QUEUE_LIFETIME_DEFAULT };
	if (!a)
		return (s->dir = queue_default_dir(err)) ? 0 : -1;
	/* conf.c checked every value when it loaded the file; these stay for
	 * an account built by other means. */
	if (a->queue && (s->enabled = conf_parse_switch(a->queue)) < 0)
		return bad_setting(err, conf_path, a, "queue", a->queue, N_("on or off"));
	if (a->queue_lifetime && (s->lifetime = queue_parse_lifetime(a->queue_lifetime)) < 0)
		return bad_setting(err, conf_path, a, "queue_lifetime", a->queue_lifetime,
				   N_("a time such as 5d, 12h or 30m, at most 365d"));
	/* A relative directory would move with the caller's working directory
	 * (cron, systemd), and the queue with it. */
	if (a->queue_dir && a->queue_dir[0] != '/')
		return bad_setting(err, conf_path, a, "queue_dir", a->queue_dir,
				   N_("an absolute path (or one starting with ~/)"));
	s->dir = a->queue_dir ? xstrdup(a->queue_dir) : queue_default_dir(err);
	return s->dir ? 0 : -1;
}

void queue_settings_release(struct queue_settings *s)
{
	free(s->dir);
	s->dir = NULL;
}

static void add_dir(char ***dirs, size_t *n, char *dir)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*dirs)[i], dir) == 0) {
			free(dir);
			return;
		}
	*dirs = xrealloc(*dirs, (*n + 1) * sizeof **dirs);
	(*dirs)[(*n)++] = dir;
}

/* Root outside the system units sees the system units' queue too, so that
 * its mailq and -q serve what sendas-queue.service serves (queue.h). */
static const char *system_queue(void)
{
	const char *state = getenv("STATE_DIRECTORY");
	const char *dir = secure_getenv("SENDAS_SYSTEM_QUEUE");   /* the tests' own */
	struct stat st;

	if (!dir || !*dir)
		dir = QUEUE_SYSTEM_DIR;
	if (geteuid() != 0 || (state && *state) || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return dir;
}

char **queue_all_dirs(const struct conf *c, size_t *n)
{
	struct error ignored;
	char **dirs = NULL, *dir;
	size_t i;

	*n = 0;
	for (i = 0; i < c->naccounts; i++)
		if (c->accounts[i].queue_dir && c->accounts[i].queue_dir[0] == '/')
			add_dir(&dirs, n, xstrdup(c->accounts[i].queue_dir));
	dir = queue_default_dir(&ignored);
	if (dir)
		add_dir(&dirs, n, dir);
	if (system_queue())
		add_dir(&dirs, n, xstrdup(system_queue()));
	return dirs;
}

void queue_free_dirs(char **dirs, size_t n)
{
	while (n)
		free(dirs[--n]);
	free(dirs);
}

/* ---- the directory ---- */

/* A path for a message, bounded: "DIR", "DIR/NAME" or "DIR/SUB/NAME". */
struct path_text {
	char s[PATH_MAX];
};

static struct path_text where(const struct queue *q, const char *sub, const char *name)
{
	struct path_text p;

	snprintf(p.s, sizeof p.s, "%s%s%s%s%s", q->dir, sub ? "/" : "", sub ? sub : "",
		 name ? "/" : "", name ? name : "");
	return p;
}

/* mkdir -p, private: the queue holds mail. */
static int make_dirs(const char *dir, struct error *err)
{
	char eno[ERROR_WORD_MAX];

	if (dirs_make(dir, 0700) < 0)
		return error_set(err, CAT_IO, N_("cannot create the queue directory %s: %s"),
				 dir, error_errno(errno, eno));
	return 0;
}

static int open_sub(struct queue *q, const char *name, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	int fd;

	if (mkdirat(q->fd, name, 0700) < 0 && errno != EEXIST)
		return error_set(err, CAT_IO, N_("cannot create %s: %s"),
				 where(q, name, NULL).s, error_errno(errno, eno));
	fd = openat(q->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return error_set(err, CAT_IO, N_("cannot open %s: %s"),
				 where(q, name, NULL).s, error_errno(errno, eno));
	return fd;
}

int queue_open(struct queue *q, const char *dir, int create, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	*q = (struct queue){ .fd = -1, .failed_fd = -1, .tmp_fd = -1 };
	if (create && make_dirs(dir, err) < 0)
		return -1;
	q->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->fd < 0 && errno == ENOENT && !create)
		return 1;
	q->dir = xstrdup(dir);
	if (q->fd < 0) {
		error_set(err, CAT_IO, N_("cannot open the queue directory %s: %s"), dir,
			  error_errno(errno, eno));
		queue_close(q);
		return -1;
	}
	if ((q->failed_fd = open_sub(q, "failed", err)) < 0 ||
	    (q->tmp_fd = open_sub(q, "tmp", err)) < 0) {
		queue_close(q);
		return -1;
	}
	return 0;
}

void queue_close(struct queue *q)
{
	struct error ignored;

	if (q->fd >= 0 && q->unsynced)
		queue_sync_removals(q, &ignored);   /* the caller's flush should have */
	if (q->fd >= 0)
		close(q->fd);
	if (q->failed_fd >= 0)
		close(q->failed_fd);
	if (q->tmp_fd >= 0)
		close(q->tmp_fd);
	free(q->dir);
	*q = (struct queue){ .fd = -1, .failed_fd = -1, .tmp_fd = -1 };
}

static int area_fd(const struct queue *q, enum queue_area area)
{
	return area == QUEUE_FAILED ? q->failed_fd : q->fd;
}

static const char *area_sub(enum queue_area area)
{
	return area == QUEUE_FAILED ? "failed" : NULL;
}

static int sync_dir(const struct queue *q, int fd, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	if (fsync(fd) < 0)
		return error_set(err, CAT_IO, N_("cannot sync %s: %s"),
				 where(q, fd == q->failed_fd ? "failed" : NULL, NULL).s,
				 error_errno(errno, eno));
	return 0;
}

/* ---- IDs ---- */

int queue_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < QUEUE_ID_LEN; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[i] == '\0';
}

static int make_id(char id[QUEUE_ID_LEN + 1], time_t now, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	uint32_t r;

	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		return error_set(err, CAT_INTERNAL, N_("cannot get random bytes: %s"),
				 error_errno(errno, eno));
	snprintf(id, QUEUE_ID_LEN + 1, "%08lx%08lx", (unsigned long)now & 0xffffffffUL,
		 (unsigned long)r);
	return 0;
}

/* ---- writing ---- */

static int write_all(int fd, const void *p, size_t n, off_t off)
{
	const char *c = p;

	while (n) {
		ssize_t w = pwrite(fd, c, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* One line "key value"; the value must not break the line (addresses and
 * DSN values are checked long before; this is the last guard). */
static int put(struct buf *b, const char *key, const char *value)
{
	if (!value)
		return 0;
	if (strpbrk(value, "\r\n"))
		return -1;
	return buf_printf(b, "%s %s\n", key, value);
}

static int envelope_text(struct buf *b, const struct queue_message *m, time_t now)
{
	size_t i;
	int r = buf_adds(b, QUEUE_MAGIC "\n");

	r |= put(b, "account", m->account);
	r |= put(b, "sender", m->sender);
	for (i = 0; i < m->nrcpts; i++)
		r |= put(b, "rcpt", m->rcpts[i]);
	r |= put(b, "notify", m->notify);
	r |= put(b, "ret", m->ret);
	r |= put(b, "envid", m->envid);
	r |= put(b, "8bitmime", m->body_8bit ? "yes" : "no");
	r |= put(b, "smtputf8", m->smtputf8 ? "yes" : "no");
	r |= put(b, "owner", m->owner);
	r |= buf_printf(b, "queued %lld\nsize %lld\n\n", (long long)now, (long long)m->size);
	return r ? -1 : 0;
}

/* The text of a record: one line, escaped as everywhere else (escape.h),
 * bounded, never cut inside an escape or a character. */
static void record_text(char *out, size_t outsize, const char *text)
{
	size_t max = outsize - 1 < QUEUE_TEXT_MAX ? outsize - 1 : QUEUE_TEXT_MAX;

	escape_into(out, max + 1, text ? text : "", text ? strlen(text) : 0);
}

/* The "reason" record after an attempt or failed one: "\nreason NEUTRAL",
 * or "" when why has no neutral form (or one that is not a printable line:
 * neutral.h says it always is). */
static const char *reason_record(char *out, size_t size, const struct error *why)
{
	const char *p;

	for (p = why->neutral; *p; p++)
		if ((unsigned char)*p <= ' ' && *p != ' ')
			break;
	if (!*why->neutral || *p ||
	    snprintf(out, size, "\nreason %s", why->neutral) >= (int)size)
		return "";
	return out;
}

static void first_record(char *line, size_t size, enum queue_area area,
			 const struct error *why, time_t now, time_t not_before)
{
	char clean[QUEUE_TEXT_MAX + 1], reason[QUEUE_RECORD_MAX];

	record_text(clean, sizeof clean, why->text);
	if (area == QUEUE_FAILED)
		snprintf(line, size, "failed %lld %s%s\n", (long long)now, clean,
			 reason_record(reason, sizeof reason, why));
	else
		snprintf(line, size, "attempt %lld %lld %s%s\n", (long long)now,
			 (long long)(not_before ? not_before : now + queue_backoff(1)), clean,
			 reason_record(reason, sizeof reason, why));
}

/* A new file in tmp/, locked.  A cleaner (queue_clean) may have taken the
 * name between our create and our lock, and removed it: then take another. */
static int create_tmp(struct queue *q, time_t now, char id[QUEUE_ID_LEN + 1],
		      struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct stat st;
	int tries, fd;

	for (tries = 0; tries < ID_TRIES; tries++) {
		if (make_id(id, now, err) < 0)
			return -1;
		fd = openat(q->tmp_fd, id, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return error_set(err, CAT_IO, N_("cannot create a file in %s: %s"),
					 where(q, "tmp", NULL).s, error_errno(errno, eno));
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0 && st.st_nlink > 0)
			return fd;
		close(fd);
	}
	return error_set(err, CAT_IO, N_("cannot create a file in %s/tmp"), q->dir);
}

/* Envelope, content and first record into fd, then onto the disk. */
static int write_message(int fd, const struct queue_message *m, const char *record,
			 time_t now)
{
	struct buf b;
	char *chunk = NULL;
	off_t off, in = 0, body = m->size - (off_t)m->prefix_len;
	int r;

	buf_init(&b, QUEUE_ENVELOPE_MAX);
	if (envelope_text(&b, m, now) < 0) {
		buf_release(&b);
		errno = EINVAL;
		return -1;
	}
	r = write_all(fd, b.data, b.len, 0);
	off = (off_t)b.len;
	buf_release(&b);
	if (r == 0 && m->prefix_len)
		r = write_all(fd, m->prefix, m->prefix_len, off);
	off += (off_t)m->prefix_len;
	chunk = xmalloc(COPY_CHUNK);
	while (r == 0 && in < body) {
		size_t want = body - in < COPY_CHUNK ? (size_t)(body - in) : COPY_CHUNK;
		ssize_t n = pread(m->fd, chunk, want, in);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EIO : errno;   /* the spool is shorter than its size */
			r = -1;
			break;
		}
		r = write_all(fd, chunk, (size_t)n, off);
		in += n;
		off += n;
	}
	free(chunk);
	if (r == 0)
		r = write_all(fd, record, strlen(record), off);
	return r == 0 ? fsync(fd) : -1;
}

/* rename(2) that never replaces: an ID is random, but a clash must not
 * cost a message.  Filesystems without RENAME_NOREPLACE get a plain rename. */
static int commit_rename(int from_dir, const char *id, int to_dir)
{
	if (renameat2(from_dir, id, to_dir, id, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return renameat(from_dir, id, to_dir, id);
}

int queue_add(struct queue *q, enum queue_area area, const struct queue_message *m,
	      const struct error *why, time_t now, char id[QUEUE_ID_LEN + 1],
	      struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char record[2 * QUEUE_RECORD_MAX];
	int fd = create_tmp(q, now, id, err), dest = area_fd(q, area);

	if (fd < 0)
		return -1;
	first_record(record, sizeof record, area, why, now, m->not_before);
	if (write_message(fd, m, record, now) < 0) {
		error_set(err, CAT_IO, N_("cannot write %s: %s"), where(q, "tmp", id).s,
			  error_errno(errno, eno));
		goto fail;
	}
	if (commit_rename(q->tmp_fd, id, dest) < 0) {
		error_set(err, CAT_IO, N_("cannot move %s into place: %s"),
			  where(q, "tmp", id).s, error_errno(errno, eno));
		goto fail;
	}
	/* The lock is held until the name is durable, so no flush sends a
	 * message whose entry could still vanish in a crash.  When it cannot
	 * be made durable, the caller hears "not queued" and keeps the
	 * message: then it must not be sent from here as well. */
	if (sync_dir(q, dest, err) < 0) {
		unlinkat(dest, id, 0);
		close(fd);
		return -1;
	}
	if (area == QUEUE_ACTIVE)
		queue_lower_due_hint(q, m->not_before ? m->not_before : now + queue_backoff(1));
	close(fd);
	return 0;
fail:
	unlinkat(q->tmp_fd, id, 0);
	close(fd);
	return -1;
}

/* ---- reading ---- */

static void free_rcpts(struct queue_entry *e)
{
	while (e->nrcpts)
		free(e->rcpts[--e->nrcpts]);
	free(e->rcpts);
	e->rcpts = NULL;
}

void queue_entry_release(struct queue_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->account);
	free(e->sender);
	free_rcpts(e);
	free(e->notify);
	free(e->ret);
	free(e->envid);
	free(e->owner);
	free(e->last_error);
	free(e->last_reason);
	memset(e, 0, sizeof *e);
	e->fd = -1;
}

enum field_kind { K_STRING, K_RCPT, K_YESNO, K_TIME, K_SIZE };

static const struct {
	const char *key;
	enum field_kind kind;
	size_t offset;
} fields[] = {
	{ "account", K_STRING, offsetof(struct queue_entry, account) },
	{ "sender", K_STRING, offsetof(struct queue_entry, sender) },
	{ "rcpt", K_RCPT, 0 },
	{ "notify", K_STRING, offsetof(struct queue_entry, notify) },
	{ "ret", K_STRING, offsetof(struct queue_entry, ret) },
	{ "envid", K_STRING, offsetof(struct queue_entry, envid) },
	{ "8bitmime", K_YESNO, offsetof(struct queue_entry, body_8bit) },
	{ "smtputf8", K_YESNO, offsetof(struct queue_entry, smtputf8) },
	{ "owner", K_STRING, offsetof(struct queue_entry, owner) },
	{ "queued", K_TIME, offsetof(struct queue_entry, queued) },
	{ "size", K_SIZE, offsetof(struct queue_entry, size) },
};

static int parse_number(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return isdigit((unsigned char)*s) && !*end && !errno && *v >= 0 ? 0 : -1;
}

/* One "key value" line of the envelope. */
static int envelope_field(struct queue_entry *e, const char *key, const char *value)
{
	void *field;
	long long v;
	size_t i;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(key, fields[i].key) == 0)
			break;
	if (i == sizeof fields / sizeof fields[0])
		return -1;
	field = (char *)e + fields[i].offset;
	switch (fields[i].kind) {
	case K_STRING:
		if (*(char **)field)
			return -1;
		*(char **)field = xstrdup(value);
		return 0;
	case K_RCPT:
		e->rcpts = xrealloc(e->rcpts, (e->nrcpts + 1) * sizeof *e->rcpts);
		e->rcpts[e->nrcpts++] = xstrdup(value);
		return 0;
	case K_YESNO:
		*(int *)field = strcmp(value, "yes") == 0;
		return strcmp(value, "yes") && strcmp(value, "no") ? -1 : 0;
	case K_TIME:
		if (parse_number(value, &v) < 0)
			return -1;
		*(time_t *)field = (time_t)v;
		return 0;
	default:
		if (parse_number(value, &v) < 0)
			return -1;
		*(off_t *)field = (off_t)v;
		return 0;
	}
}

/* The envelope: from the magic line to the empty line. */
static int parse_envelope(struct queue_entry *e, char *text)
{
	char *line = text, *nl, *sp;

	nl = strchr(line, '\n');
	if (!nl || (size_t)(nl - line) != strlen(QUEUE_MAGIC) ||
	    strncmp(line, QUEUE_MAGIC, strlen(QUEUE_MAGIC)))
		return -1;
	for (line = nl + 1; *line != '\n'; line = nl + 1) {
		nl = strchr(line, '\n');
		sp = strchr(line, ' ');
		if (!nl || !sp || sp > nl)
			return -1;
		*nl = *sp = '\0';
		if (envelope_field(e, line, sp + 1) < 0)
			return -1;
	}
	return e->account && e->sender && e->nrcpts && e->queued ? 0 : -1;
}

/* Read from offset 0 until the empty line that ends the envelope, into b
 * (which then holds the first b->len bytes of the file: for a small
 * message all of it, records included). */
static int read_envelope(struct queue_entry *e, struct buf *b)
{
	char *chunk = xmalloc(COPY_CHUNK), *end = NULL;
	ssize_t n;
	int r = -1;

	while (!end) {
		n = pread(e->fd, chunk, COPY_CHUNK, (off_t)b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf_add(b, chunk, (size_t)n) < 0)
			break;
		end = memmem(b->data, b->len, "\n\n", 2);
	}
	free(chunk);
	if (!end)
		return -1;
	e->offset = (off_t)(end - b->data) + 2;
	r = parse_envelope(e, b->data);   /* NULs go into the envelope only */
	return r;
}
static void drop_rcpt(struct queue_entry *e, const char *rcpt)
{
	size_t i;

	for (i = 0; i < e->nrcpts; i++)
		if (strcmp(e->rcpts[i], rcpt) == 0) {
			free(e->rcpts[i]);
			memmove(e->rcpts + i, e->rcpts + i + 1,
				(e->nrcpts - i - 1) * sizeof *e->rcpts);
			e->nrcpts--;
			return;
		}
}

/* The reason of the record just read or written: its TEXT, and its
 * neutral form (NULL until a "reason" record gives it). */
static void set_last_error(struct queue_entry *e, const char *text, const char *reason)
{
	free(e->last_error);
	free(e->last_reason);
	e->last_error = xstrdup(text);
	e->last_reason = reason && *reason ? xstrdup(reason) : NULL;
}

static void set_last_reason(struct queue_entry *e, const char *reason)
{
	free(e->last_reason);
	e->last_reason = e->last_error ? xstrdup(reason) : NULL;
}

void queue_last_reason(const struct queue_entry *e, enum category cat, struct error *why)
{
	error_restore(why, cat, e->last_reason, e->last_error ? e->last_error : "");
}

/* Fold one record into e.  Anything unknown is ignored: a record is state,
 * not content, and the message itself is intact. */
static void apply_record(struct queue_entry *e, char *line)
{
	long long t, next;
	char *sp = strchr(line, ' '), *arg2, *text;

	if (!sp)
		return;
	*sp = '\0';
	arg2 = strchr(sp + 1, ' ');
	if (arg2)
		*arg2++ = '\0';
	if (strcmp(line, "reason") == 0) {
		if (arg2)
			arg2[-1] = ' ';
		set_last_reason(e, sp + 1);
		return;
	}
	if (strcmp(line, "done") == 0) {
		if (arg2)
			arg2[-1] = ' ';
		drop_rcpt(e, sp + 1);
		return;
	}
	if (parse_number(sp + 1, &t) < 0)
		return;
	if (strcmp(line, "retry") == 0) {
		e->next_try = 0;
		e->failed = 0;
	} else if (strcmp(line, "failed") == 0) {
		e->failed = (time_t)t;
		set_last_error(e, arg2 ? arg2 : "", NULL);
	} else if (strcmp(line, "attempt") == 0 && arg2) {
		text = strchr(arg2, ' ');
		if (text)
			*text++ = '\0';
		if (parse_number(arg2, &next) < 0)
			return;
		e->attempts++;
		e->next_try = (time_t)next;
		set_last_error(e, text ? text : "", NULL);
	}
}

/* Records being read: the line so far. */
struct record_reader {
	struct buf line;
	int overlong;
};

/* Feed n bytes of the file, which start at offset off, to the records. */
static void feed_records(struct queue_entry *e, struct record_reader *rr, const char *p,
			 size_t n, off_t off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n') {
			rr->overlong |= buf_addc(&rr->line, p[i]) < 0;
			continue;
		}
		if (!rr->overlong && rr->line.len)
			apply_record(e, rr->line.data);
		buf_reset(&rr->line);
		rr->overlong = 0;
		e->records_end = off + (off_t)i + 1;
	}
}

/* The records after the content, one complete line at a time; a torn last
 * line (no newline) is not a record, and records_end stays before it.
 * The first have bytes of the file are in head (read_envelope()): a small
 * message needs no other read. */
static int read_records(struct queue_entry *e, const struct buf *head, off_t file_size)
{
	struct record_reader rr = { .overlong = 0 };
	char *chunk = NULL;
	off_t off = e->offset + e->size;
	ssize_t n = 0;

	buf_init(&rr.line, QUEUE_RECORD_MAX);
	e->records_end = off;
	if (off < (off_t)head->len) {
		feed_records(e, &rr, head->data + off, head->len - (size_t)off, off);
		off = (off_t)head->len;
	}
	if (off < file_size)
		chunk = xmalloc(COPY_CHUNK);
	/* To the end as it is now, then on while the file grows (the
	 * size came from fstat() before the reads). */
	while (chunk && (n = pread(e->fd, chunk, COPY_CHUNK, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		feed_records(e, &rr, chunk, (size_t)n, off);
		off += n;
	}
	free(chunk);
	buf_release(&rr.line);
	return n < 0 ? -1 : 0;
}

/* Parse the file open at e->fd: the envelope, and unless envelope_only
 * the records. */
static int read_entry(struct queue *q, enum queue_area area, const char *id,
		      struct queue_entry *e, int envelope_only, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct stat st;
	struct buf head;
	int r = 0;

	memcpy(e->id, id, QUEUE_ID_LEN + 1);
	e->area = area;
	if (fstat(e->fd, &st) < 0)
		return error_set(err, CAT_IO, N_("cannot read %s: %s"),
				 where(q, area_sub(area), id).s, error_errno(errno, eno));
	buf_init(&head, QUEUE_ENVELOPE_MAX);
	if (read_envelope(e, &head) < 0 || st.st_size < e->offset + e->size)
		r = error_set(err, CAT_IO, N_("%s is damaged; move it away and look at it"),
			      where(q, area_sub(area), id).s);
	else if (!envelope_only && read_records(e, &head, st.st_size) < 0)
		r = error_set(err, CAT_IO, N_("cannot read %s: %s"),
			      where(q, area_sub(area), id).s, error_errno(errno, eno));
	buf_release(&head);
	return r;
}

static int open_entry(struct queue *q, enum queue_area area, const char *id, int flags,
		      struct queue_entry *e, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	memset(e, 0, sizeof *e);
	e->fd = -1;
	if (!queue_id_valid(id))
		return error_set(err, CAT_USAGE, N_("'%.40s' is not a queue ID"), id);
	e->fd = openat(area_fd(q, area), id, flags | O_NOFOLLOW | O_CLOEXEC);
	if (e->fd < 0 && errno == ENOENT)
		return 1;
	if (e->fd < 0)
		return error_set(err, CAT_IO, N_("cannot open %s: %s"),
				 where(q, area_sub(area), id).s, error_errno(errno, eno));
	return 0;
}

static int peek(struct queue *q, enum queue_area area, const char *id,
		struct queue_entry *e, int envelope_only, struct error *err)
{
	int r = open_entry(q, area, id, O_RDONLY, e, err);

	if (r == 0 && (r = read_entry(q, area, id, e, envelope_only, err)) < 0)
		queue_entry_release(e);
	return r;
}

int queue_peek(struct queue *q, enum queue_area area, const char *id,
	       struct queue_entry *e, struct error *err)
{
	return peek(q, area, id, e, 0, err);
}

int queue_peek_envelope(struct queue *q, enum queue_area area, const char *id,
			struct queue_entry *e, struct error *err)
{
	return peek(q, area, id, e, 1, err);
}

/* Locked, and the name still leads to this file: not removed, not moved
 * away since we opened it. */
static int lock_entry(struct queue *q, enum queue_area area, struct queue_entry *e,
		      const char *id)
{
	struct stat mine, named;

	if (flock(e->fd, LOCK_EX | LOCK_NB) < 0)
		return 1;
	if (fstat(e->fd, &mine) < 0 || fstatat(area_fd(q, area), id, &named,
						AT_SYMLINK_NOFOLLOW) < 0)
		return 1;
	return mine.st_ino == named.st_ino && mine.st_dev == named.st_dev ? 0 : 1;
}

static int move(struct queue *q, struct queue_entry *e, enum queue_area to,
		struct error *err)
{
	char eno[ERROR_WORD_MAX];
	if (renameat(area_fd(q, e->area), e->id, area_fd(q, to), e->id) < 0)
		return error_set(err, CAT_IO, N_("cannot move %s: %s"),
				 where(q, area_sub(e->area), e->id).s, error_errno(errno, eno));
	e->area = to;
	if (sync_dir(q, q->failed_fd, err) < 0 || sync_dir(q, q->fd, err) < 0)
		return -1;
	return 0;
}

int queue_take(struct queue *q, enum queue_area area, const char *id,
	       struct queue_entry *e, struct error *err)
{
	int r = open_entry(q, area, id, O_RDWR, e, err);

	if (r == 0 && (r = lock_entry(q, area, e, id)) == 0)
		r = read_entry(q, area, id, e, 0, err);
	/* A crash came between the "failed" record and the move. */
	if (r == 0 && area == QUEUE_ACTIVE && e->failed)
		r = move(q, e, QUEUE_FAILED, err) < 0 ? -1 : 1;
	if (r != 0)
		queue_entry_release(e);
	return r;
}

int queue_due(const struct queue_entry *e, time_t now)
{
	return e->next_try <= now;
}

/* ---- the due hint (queue.h) ---- */

#define DUE_HINT "due"

/* DIR/due, locked; -1 when it cannot be opened. */
static int hint_open(struct queue *q)
{
	int fd = openat(q->fd, DUE_HINT, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static time_t hint_read(int fd)
{
	char text[32], *end;
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	long long t;

	if (n <= 0)
		return 0;
	text[n] = '\0';
	errno = 0;
	t = strtoll(text, &end, 10);
	return errno || end == text || (*end && *end != '\n') || t < 0 ? 0 : (time_t)t;
}

/* Fixed width, so that a reader without the lock sees the old or the new
 * number, never a mix of lengths. */
static void hint_write(int fd, time_t t)
{
	char text[32];
	int n = snprintf(text, sizeof text, "%020lld\n", (long long)t);

	if (pwrite(fd, text, (size_t)n, 0) != n)
		(void)ftruncate(fd, 0);      /* unknown rather than wrong */
}

time_t queue_due_hint(struct queue *q)
{
	int fd = openat(q->fd, DUE_HINT, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	time_t t;

	if (fd < 0)
		return 0;
	t = hint_read(fd);
	close(fd);
	return t;
}

void queue_lower_due_hint(struct queue *q, time_t when)
{
	int fd = hint_open(q);
	time_t cur;

	if (fd < 0)
		return;
	cur = hint_read(fd);
	if (cur != 0 && when < cur)
		hint_write(fd, when > 0 ? when : 1);
	close(fd);
}

void queue_raise_due_hint(struct queue *q, time_t seen, time_t next)
{
	int fd = hint_open(q);
	time_t cur;

	if (fd < 0)
		return;
	cur = hint_read(fd);
	if (cur == seen)
		hint_write(fd, next);
	else if (cur != 0 && next < cur)
		hint_write(fd, next);
	close(fd);
}

long queue_backoff(unsigned attempts)
{
	long delay = QUEUE_BACKOFF_FIRST;

	while (attempts-- > 1 && delay < QUEUE_BACKOFF_MAX)
		delay *= 2;
	return delay < QUEUE_BACKOFF_MAX ? delay : QUEUE_BACKOFF_MAX;
}

/* ---- changes ---- */

/* Append one record durably, cutting off a torn one first. */
static int append(struct queue *q, struct queue_entry *e, struct error *err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int append(struct queue *q, struct queue_entry *e, struct error *err,
		  const char *fmt, ...)
{
	char eno[ERROR_WORD_MAX];
	char line[2 * QUEUE_RECORD_MAX];
	struct stat st;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return error_set(err, CAT_INTERNAL, N_("cannot format a queue record"));
	n = n < (int)sizeof line - 2 ? n : (int)sizeof line - 2;
	line[n++] = '\n';
	if (fstat(e->fd, &st) < 0 ||
	    (st.st_size != e->records_end && ftruncate(e->fd, e->records_end) < 0) ||
	    write_all(e->fd, line, (size_t)n, e->records_end) < 0 || fdatasync(e->fd) < 0)
		return error_set(err, CAT_IO, N_("cannot update %s: %s"),
				 where(q, area_sub(e->area), e->id).s, error_errno(errno, eno));
	e->records_end += n;
	return 0;
}

int queue_defer(struct queue *q, struct queue_entry *e, const struct error *why,
		time_t now, struct error *err)
{
	return queue_defer_until(q, e, why, now, now + queue_backoff(e->attempts + 1), err);
}

int queue_defer_until(struct queue *q, struct queue_entry *e, const struct error *why,
		      time_t now, time_t next, struct error *err)
{
	char clean[QUEUE_TEXT_MAX + 1], reason[QUEUE_RECORD_MAX];
	const char *r = reason_record(reason, sizeof reason, why);

	record_text(clean, sizeof clean, why->text);
	if (append(q, e, err, "attempt %lld %lld %s%s", (long long)now, (long long)next,
		   clean, r) < 0)
		return -1;
	e->attempts++;
	e->next_try = next;
	set_last_error(e, clean, *r ? why->neutral : NULL);
	if (e->area == QUEUE_ACTIVE)
		queue_lower_due_hint(q, next);
	return 0;
}

int queue_done(struct queue *q, struct queue_entry *e, const char *const *rcpts,
	       size_t n, struct error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *rcpt = xstrdup(rcpts[i]);
		int r = append(q, e, err, "done %s", rcpt);

		drop_rcpt(e, rcpt);
		free(rcpt);
		if (r < 0)
			return -1;
	}
	return 0;
}

int queue_fail(struct queue *q, struct queue_entry *e, const struct error *why, time_t now,
	       struct error *err)
{
	char clean[QUEUE_TEXT_MAX + 1], reason[QUEUE_RECORD_MAX];
	const char *r = reason_record(reason, sizeof reason, why);

	record_text(clean, sizeof clean, why->text);
	if (append(q, e, err, "failed %lld %s%s", (long long)now, clean, r) < 0)
		return -1;
	e->failed = now;
	set_last_error(e, clean, *r ? why->neutral : NULL);
	return e->area == QUEUE_FAILED ? 0 : move(q, e, QUEUE_FAILED, err);
}

static int unlink_entry(struct queue *q, struct queue_entry *e, struct error *err)
{
	char eno[ERROR_WORD_MAX];

	if (unlinkat(area_fd(q, e->area), e->id, 0) < 0)
		return error_set(err, CAT_IO, N_("cannot remove %s: %s"),
				 where(q, area_sub(e->area), e->id).s, error_errno(errno, eno));
	return 0;
}

int queue_remove(struct queue *q, struct queue_entry *e, struct error *err)
{
	if (unlink_entry(q, e, err) < 0)
		return -1;
	return sync_dir(q, area_fd(q, e->area), err);
}

int queue_remove_batched(struct queue *q, struct queue_entry *e, struct error *err)
{
	if (e->area != QUEUE_ACTIVE)
		return queue_remove(q, e, err);
	if (unlink_entry(q, e, err) < 0)
		return -1;
	if (++q->unsynced < QUEUE_SYNC_BATCH)
		return 0;
	return queue_sync_removals(q, err);
}

int queue_sync_removals(struct queue *q, struct error *err)
{
	if (!q->unsynced)
		return 0;
	q->unsynced = 0;
	return sync_dir(q, q->fd, err);
}

int queue_retry(struct queue *q, struct queue_entry *e, time_t now, struct error *err)
{
	if (append(q, e, err, "retry %lld", (long long)now) < 0)
		return -1;
	e->next_try = 0;
	e->failed = 0;
	if (e->area != QUEUE_ACTIVE && move(q, e, QUEUE_ACTIVE, err) < 0)
		return -1;
	queue_lower_due_hint(q, now);
	return 0;
}

/* ---- listing and cleaning ---- */

static int compare_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The IDs in the directory open at fd, sorted. */
static char (*list_ids(int fd, size_t *n))[QUEUE_ID_LEN + 1]
{
	char (*ids)[QUEUE_ID_LEN + 1] = NULL;
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;

	*n = 0;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return NULL;
	}
	rewinddir(d);   /* the dup shares its position with fd */
	while ((de = readdir(d))) {
		if (!queue_id_valid(de->d_name))
			continue;
		ids = xrealloc(ids, (*n + 1) * sizeof *ids);
		memcpy(ids[(*n)++], de->d_name, QUEUE_ID_LEN + 1);
	}
	closedir(d);
	if (*n)
		qsort(ids, *n, sizeof *ids, compare_ids);
	return ids;
}

char (*queue_list(struct queue *q, enum queue_area area, size_t *n,
		  struct error *err))[QUEUE_ID_LEN + 1]
{
	char eno[ERROR_WORD_MAX];
	char (*ids)[QUEUE_ID_LEN + 1];

	errno = 0;
	ids = list_ids(area_fd(q, area), n);
	if (!ids && errno)
		error_set(err, CAT_IO, N_("cannot read %s: %s"), where(q, area_sub(area), NULL).s,
			  error_errno(errno, eno));
	return ids;
}

/* A file in tmp/ that nobody holds is a write that died: never committed,
 * never reported as queued. */
void queue_clean(struct queue *q)
{
	size_t n, i;
	char (*ids)[QUEUE_ID_LEN + 1] = list_ids(q->tmp_fd, &n);

	for (i = 0; i < n; i++) {
		int fd = openat(q->tmp_fd, ids[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(q->tmp_fd, ids[i], 0);
		close(fd);
	}
	free(ids);
}

int queue_content_copy(struct queue *q, const struct queue_entry *e, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	loff_t in = e->offset;
	off_t left = e->size;
	int fd = openat(q->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int r = fd < 0 ? -1 : 0;

	while (r == 0 && left > 0) {
		ssize_t n = copy_file_range(e->fd, &in, fd, NULL, (size_t)left, 0);

		if (n <= 0)
			r = -1;
		else
			left -= n;
	}
	if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		error_set(err, CAT_IO, N_("cannot copy %s out of the queue: %s"), e->id,
			  error_errno(errno ? errno : EIO, eno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int queue_owned_by(const struct queue_entry *e, const char *owner)
{
	return !owner || (e->owner && strcmp(e->owner, owner) == 0);
}
