/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spool.c: see spool.h.
 *
 * The write-behind is plain double buffering: the caller fills buf[fill]
 * while the thread writes the other buffer; a hand-off waits until the
 * thread is idle, then swaps.  One mutex and one condition variable guard
 * the three fields the two threads share (pending, stop, failed_errno). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "spool.h"
#include "xalloc.h"

#define SPOOL_NAME "sendas.XXXXXX"

int spool_open(const char *dir, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char *path;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	path = xasprintf("%s/%s", dir, SPOOL_NAME);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	else
		error_set(err, CAT_IO, N_("cannot create a spool file in %s: %s"), dir,
			  error_errno(errno, eno));
	free(path);
	return fd;
}

/* 0, or the errno of the failed write(2). */
static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct spool_writer {
	int fd;
	const char *dir;
	char *buf[2];
	int fill;               /* the buffer the caller fills */
	size_t fill_len;
	off_t size;             /* bytes handed over so far */
	int threaded;           /* the thread runs */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Shared with the thread, under lock: */
	const char *pending;    /* a full buffer for the thread, or NULL */
	size_t pending_len;
	int stop;
	int failed_errno;       /* the first write that failed; later ones are skipped */
};

static void *write_behind(void *arg)
{
	struct spool_writer *w = arg;
	const char *p;
	size_t n;
	int e;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->pending && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->pending)
			break;
		p = w->pending;
		n = w->pending_len;
		e = w->failed_errno;
		pthread_mutex_unlock(&w->lock);
		if (!e)
			e = write_all(w->fd, p, n);
		pthread_mutex_lock(&w->lock);
		w->failed_errno = e;
		w->pending = NULL;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Signals stay with the main thread: the writer blocks them all. */
static void start_thread(struct spool_writer *w)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->threaded = pthread_create(&w->thread, NULL, write_behind, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

struct spool_writer *spool_writer_new(int fd, const char *dir)
{
	struct spool_writer *w = xcalloc(1, sizeof *w);

	w->fd = fd;
	w->dir = dir;
	w->buf[0] = xmalloc(SPOOL_BUFFER);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	return w;
}

static int failure(const struct spool_writer *w, int e, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	return error_set(err, CAT_IO, N_("cannot write the spool file in %s: %s"), w->dir,
			 error_errno(e, eno));
}

/* Give the full buffer to the thread and take the other one.  The thread
 * starts at the first full buffer (a small message never starts it); if it
 * cannot be started, the writes stay in this thread. */
static int hand_off(struct spool_writer *w, int full, struct error *err)
{
	int e;

	if (full && !w->threaded && !w->buf[1]) {
		start_thread(w);
		w->buf[1] = xmalloc(SPOOL_BUFFER);
	}
	w->size += (off_t)w->fill_len;
	if (!w->threaded) {
		e = write_all(w->fd, w->buf[w->fill], w->fill_len);
		w->fill_len = 0;
		return e ? failure(w, e, err) : 0;
	}
	pthread_mutex_lock(&w->lock);
	while (w->pending)
		pthread_cond_wait(&w->cond, &w->lock);
	e = w->failed_errno;
	w->pending = w->buf[w->fill];
	w->pending_len = w->fill_len;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	w->fill ^= 1;
	w->fill_len = 0;
	return e ? failure(w, e, err) : 0;
}

int spool_write(struct spool_writer *w, const void *data, size_t n, struct error *err)
{
	const char *p = data;
	size_t k;

	while (n > 0) {
		if (w->fill_len == SPOOL_BUFFER && hand_off(w, 1, err) < 0)
			return -1;
		k = SPOOL_BUFFER - w->fill_len;
		k = k < n ? k : n;
		memcpy(w->buf[w->fill] + w->fill_len, p, k);
		w->fill_len += k;
		p += k;
		n -= k;
	}
	return 0;
}

char *spool_room(struct spool_writer *w, size_t want, size_t *avail, struct error *err)
{
	if (want > SPOOL_BUFFER - w->fill_len && hand_off(w, 1, err) < 0)
		return NULL;
	*avail = SPOOL_BUFFER - w->fill_len;
	return w->buf[w->fill] + w->fill_len;
}

void spool_commit(struct spool_writer *w, size_t n)
{
	w->fill_len += n;
}

int spool_writer_finish(struct spool_writer *w, off_t *size, struct error *err)
{
	int r = w->fill_len ? hand_off(w, 0, err) : 0, e = 0;

	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		while (w->pending)
			pthread_cond_wait(&w->cond, &w->lock);
		w->stop = 1;
		e = w->failed_errno;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	if (r == 0 && e)
		r = failure(w, e, err);
	*size = w->size;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->buf[0]);
	free(w->buf[1]);
	free(w);
	return r;
}
