/* send_limits.c: see send_limits.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirs.h"
#include "i18n.h"
#include "send_limits.h"
#include "xalloc.h"

#define HEADER "sendas-limits 1\n"
#define SLOT_TEXT_MAX 24          /* one line: a Unix time and '\n' */
/* Lines a day old (or damaged) are left in the file until they are at
 * least COMPACT_MIN and outnumber the live ones; then the file is
 * rewritten without them.  So it holds at most 2 x CONF_COUNT_MAX +
 * COMPACT_MIN lines. */
#define COMPACT_MIN 1024
#define FILE_MAX ((size_t)(2 * CONF_COUNT_MAX + COMPACT_MIN) * SLOT_TEXT_MAX + sizeof HEADER)

int limits_check_message(const struct account *a, size_t nrcpts, long long size,
			 struct error *err)
{
	if (a->max_recipients && nrcpts > (size_t)a->max_recipients)
		return error_set(err, CAT_USAGE,
				 N_("%zu recipients, but account %s may send to at most %d per "
				   "message (max_recipients): send it in parts"),
				 nrcpts, a->name, a->max_recipients);
	if (a->max_size && size > a->max_size)
		return error_set(err, CAT_TOO_LARGE,
				 N_("the message is %lld bytes, but account %s may send at most "
				   "%d (max_size)"), size, a->name, a->max_size);
	return 0;
}

int limits_rated(const struct account *a)
{
	return a->messages_per_hour || a->messages_per_day;
}

/* ---- the counter file ---- */

struct counter {
	int dirfd;                /* DIR/limits */
	int lockfd;               /* NAME.lock, locked */
	char data[NAME_MAX + 1];  /* NAME.count */
	char tmp[NAME_MAX + 1];   /* NAME.tmp */
	time_t *slots;            /* sorted, oldest first */
	size_t n;
	size_t stale;             /* lines left out: a day old, or damaged */
	int header_ok;            /* the file starts with HEADER */
	int full;                 /* the file has FILE_MAX octets or more */
};

static int io_error(struct error *err, const char *dir, const char *what)
{
	char eno[ERROR_WORD_MAX];
	return error_set(err, CAT_IO, N_("cannot use the send limit counter %s/limits/%s: %s"),
			 dir, what, error_errno(errno, eno));
}

static int open_dir(const char *dir, struct error *err)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof path, "%s/limits", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return io_error(err, dir, "");
	}
	/* The first rated message may come before the queue directory
	 * exists (a fresh $XDG_STATE_HOME), from many processes at once. */
	if (dirs_make(path, 0700) < 0)
		return io_error(err, dir, "");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? io_error(err, dir, "") : fd;
}

static int compare_time(const void *x, const void *y)
{
	time_t a = *(const time_t *)x, b = *(const time_t *)y;

	return (a > b) - (a < b);
}

/* Lines in text, at most CONF_COUNT_MAX. */
static size_t lines_in(const char *text)
{
	size_t n = 0;

	for (; n < CONF_COUNT_MAX && (text = strchr(text, '\n')); text++)
		n++;
	return n;
}

/* The slots of the file, those older than a day before now left out. */
static void parse(struct counter *c, const char *text, time_t now)
{
	const char *p = text, *nl;
	char *end;
	long long v;

	/* Room for every line and the slot limits_take() adds: not the
	 * largest count possible, zeroed for every message. */
	c->slots = xcalloc(lines_in(text) + 1, sizeof *c->slots);
	if (strncmp(p, HEADER, sizeof HEADER - 1) != 0)
		return;
	c->header_ok = 1;
	for (p += sizeof HEADER - 1; *p && c->n < CONF_COUNT_MAX; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == nl && !errno && v > now - LIMITS_DAY && v <= now + LIMITS_DAY)
			c->slots[c->n++] = (time_t)v;
		else
			c->stale++;
	}
	qsort(c->slots, c->n, sizeof *c->slots, compare_time);
}

/* The buffer for the file: its size (it changes only under the lock),
 * at most FILE_MAX. */
static size_t text_size(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 0)
		return 0;
	return (size_t)st.st_size < FILE_MAX ? (size_t)st.st_size : FILE_MAX;
}

static int read_counter(struct counter *c, time_t now)
{
	int fd = openat(c->dirfd, c->data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = 0, max = text_size(fd);
	char *text = xmalloc(max + 1);
	ssize_t r = 1;

	if (fd < 0 && errno != ENOENT) {
		free(text);
		return -1;
	}
	while (fd >= 0 && len < max && (r = read(fd, text + len, max - len)) > 0)
		len += (size_t)r;
	if (fd >= 0)
		close(fd);
	text[len] = '\0';
	c->full = len >= FILE_MAX;
	parse(c, text, now);
	free(text);
	return r < 0 ? -1 : 0;
}

/* Lock and read.  0, or -1 and err. */
static int counter_open(struct counter *c, const char *dir, const struct account *a,
			time_t now, struct error *err)
{
	char lock[NAME_MAX + 1];

	memset(c, 0, sizeof *c);
	c->dirfd = c->lockfd = -1;
	snprintf(lock, sizeof lock, "%s.lock", a->name);
	snprintf(c->data, sizeof c->data, "%s.count", a->name);
	snprintf(c->tmp, sizeof c->tmp, "%s.tmp", a->name);
	if ((c->dirfd = open_dir(dir, err)) < 0)
		return -1;
	c->lockfd = openat(c->dirfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c->lockfd < 0 || flock(c->lockfd, LOCK_EX) < 0)
		return io_error(err, dir, lock);
	if (read_counter(c, now) < 0)
		return io_error(err, dir, c->data);
	return 0;
}

static void counter_close(struct counter *c)
{
	if (c->lockfd >= 0)
		close(c->lockfd);   /* and so unlock */
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->slots);
}

/* Replace the file whole (a new file, fsynced, renamed): a crash leaves
 * the old count or the new one. */
static int counter_write(struct counter *c, const char *dir, struct error *err)
{
	FILE *f;
	size_t i;
	int fd = openat(c->dirfd, c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0600);

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return io_error(err, dir, c->tmp);
	}
	fputs(HEADER, f);
	for (i = 0; i < c->n; i++)
		fprintf(f, "%lld\n", (long long)c->slots[i]);
	if (fflush(f) != 0 || fdatasync(fileno(f)) < 0) {
		fclose(f);
		return io_error(err, dir, c->tmp);
	}
	if (fclose(f) != 0 || renameat(c->dirfd, c->tmp, c->dirfd, c->data) < 0)
		return io_error(err, dir, c->data);
	fsync(c->dirfd);
	return 0;
}

/* The slot just added (the last of c->slots, at now): one line appended
 * under the lock, one write and one fdatasync, instead of the whole file
 * rewritten for every message (500 concurrent sessions queued behind
 * that).  Rewritten still when the file is missing or damaged, full, or
 * holds more stale lines than live ones (COMPACT_MIN at least). */
static int counter_append(struct counter *c, const char *dir, time_t now, struct error *err)
{
	char line[SLOT_TEXT_MAX];
	int fd, n;

	if (!c->header_ok || c->full || (c->stale >= COMPACT_MIN && c->stale > c->n))
		return counter_write(c, dir, err);
	n = snprintf(line, sizeof line, "%lld\n", (long long)now);
	fd = openat(c->dirfd, c->data, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, dir, c->data);
	if (write(fd, line, (size_t)n) != n || fdatasync(fd) < 0) {
		close(fd);
		return io_error(err, dir, c->data);
	}
	return close(fd) < 0 ? io_error(err, dir, c->data) : 0;
}

/* When a window of length window holding at most max slots has room again
 * at or after now; now when it has room now. */
static time_t room_at(const struct counter *c, time_t now, long window, int max)
{
	size_t first = 0, in;

	if (!max)
		return now;
	while (first < c->n && c->slots[first] <= now - window)
		first++;
	in = c->n - first;
	if (in < (size_t)max)
		return now;
	/* The slot whose expiry leaves max - 1 in the window. */
	return c->slots[first + (in - (size_t)max)] + window;
}

int limits_take(const char *dir, const struct account *a, time_t now,
		struct limits_slot *slot, struct error *err)
{
	struct counter c;
	time_t hour, day;
	int r = 0;

	slot->at = slot->next = 0;
	if (!limits_rated(a))
		return 0;
	if (counter_open(&c, dir, a, now, err) < 0) {
		counter_close(&c);
		return -1;
	}
	hour = room_at(&c, now, LIMITS_HOUR, a->messages_per_hour);
	day = room_at(&c, now, LIMITS_DAY, a->messages_per_day);
	if (hour > now || day > now) {
		slot->next = hour > day ? hour : day;
		if (day > hour)
			error_set(err, CAT_TEMPORARY, N_("account %s has sent %d messages in the "
							"last day, its limit (messages_per_day)"),
				  a->name, a->messages_per_day);
		else
			error_set(err, CAT_TEMPORARY, N_("account %s has sent %d messages in the "
							"last hour, its limit (messages_per_hour)"),
				  a->name, a->messages_per_hour);
		r = 1;
	} else if (c.n < CONF_COUNT_MAX) {
		c.slots[c.n++] = now;
		r = counter_append(&c, dir, now, err);
		if (r == 0)
			slot->at = now;
	}
	counter_close(&c);
	return r;
}

void limits_give_back(const char *dir, const struct account *a, struct limits_slot *slot)
{
	struct counter c;
	struct error ignored;
	size_t i;

	if (!slot->at)
		return;
	if (counter_open(&c, dir, a, slot->at, &ignored) == 0) {
		for (i = c.n; i > 0; i--)
			if (c.slots[i - 1] == slot->at) {
				memmove(&c.slots[i - 1], &c.slots[i], (c.n - i) * sizeof *c.slots);
				c.n--;
				counter_write(&c, dir, &ignored);
				break;
			}
	}
	counter_close(&c);
	slot->at = 0;
}

long limits_count(const char *dir, const struct account *a, time_t now, long window)
{
	struct counter c;
	struct error ignored;
	long n = -1;
	size_t i;

	if (counter_open(&c, dir, a, now, &ignored) == 0)
		for (i = 0, n = 0; i < c.n; i++)
			n += c.slots[i] > now - window && c.slots[i] <= now;
	counter_close(&c);
	return n;
}
