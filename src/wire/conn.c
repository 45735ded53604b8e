/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conn.c: see conn.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "i18n.h"
#include "xalloc.h"

struct conn {
	int fd;
	struct tls *tls;
	char *peer;
	struct io_clock clock;      /* the I/O timeout and the deadline */
	int deadline;               /* conn_params.deadline, for restarts */
	const char *deadline_key;
	char *out;              /* CONN_OUT_SIZE bytes: the group being built */
	size_t out_len;
	int out_secret;         /* it holds AUTH data: wipe after writing */
	char in[CONN_IN_SIZE];
	size_t in_start, in_end;
	unsigned long writes;
};

static long now_ms(void)
{
	return io_clock_now_ms();
}

/* Non-blocking connect bounded by timeout_ms; returns the fd or -1 with
 * errno set (ETIMEDOUT when the time ran out). */
static int connect_one(const struct addrinfo *ai, long timeout_ms)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, r, soerr = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		r = poll(&pfd, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	r = errno;
	close(fd);
	errno = r;
	return -1;
}

/* Blocking from now on (each read and write armed with its timeout by
 * io_clock_arm()), and no Nagle delay: SMTP is request/response and every
 * group we write is complete. */
static void tune_socket(int fd)
{
	int one = 1;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A timeout, or the deadline when that is what ran out. */
static int fail_timeout(struct conn *c, struct error *err, const char *what)
{
	char word[ERROR_WORD_MAX];
	if (io_clock_expired(&c->clock))
		return error_set(err, CAT_TIMEOUT,
				 N_("the session with %s took longer than %s (%d seconds); "
				   "giving up"), c->peer,
				 c->deadline_key ? c->deadline_key : error_word(N_("its deadline"), word),
				 c->clock.deadline_s);
	return error_set(err, CAT_TIMEOUT, "%s", what);
}

/* After an error from below: a timeout that was the deadline says so. */
static int recheck_deadline(struct conn *c, struct error *err)
{
	if (err->category == CAT_TIMEOUT && io_clock_expired(&c->clock)) {
		char what[ERROR_ARG_MAX];

		return fail_timeout(c, err, error_arg(err, what));
	}
	return -1;
}

static int resolve(const struct conn_params *p, struct addrinfo **res,
		   struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	size_t n = strlen(p->host);
	char *host = n > 2 && p->host[0] == '[' && p->host[n - 1] == ']'
		? xstrndup(p->host + 1, n - 2) : xstrdup(p->host);   /* "[::1]" */
	int r = getaddrinfo(host, p->port, &hints, res);

	free(host);
	if (r == 0)
		return 0;
	if (r == EAI_AGAIN)
		return error_set(err, CAT_TEMPORARY,
				 N_("cannot resolve host '%s' now: %s"), p->host,
				 error_gai(r, eno));
	if (r == EAI_SERVICE)
		return error_set(err, CAT_CONFIG, N_("invalid port '%s'"), p->port);
	return error_set(err, CAT_DNS, N_("host '%s' not found: %s"), p->host,
			 error_gai(r, eno));
}

/* A local stream socket (AF_UNIX): the local submission service. */
static int connect_local(const struct conn_params *p, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct addrinfo ai = { .ai_family = AF_UNIX, .ai_socktype = SOCK_STREAM,
			       .ai_addr = (struct sockaddr *)&sun, .ai_addrlen = sizeof sun };
	int fd;

	if (strlen(p->host) >= sizeof sun.sun_path)
		return error_set(err, CAT_CONFIG, N_("the socket path %s is too long"), p->host);
	memcpy(sun.sun_path, p->host, strlen(p->host) + 1);
	fd = connect_one(&ai, 1000L * p->timeout);
	if (fd < 0)
		return error_set(err, errno == ETIMEDOUT ? CAT_TIMEOUT : CAT_CONNECT,
				 N_("cannot connect to the socket %s: %s"), p->host,
				 error_errno(errno, eno));
	return fd;
}

static struct conn *conn_new(int fd, const struct conn_params *p)
{
	struct conn *c;

	tune_socket(fd);
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->clock.timeout = p->timeout;
	c->deadline = p->deadline;
	c->deadline_key = p->deadline_key;
	io_clock_start(&c->clock, p->deadline);
	c->peer = p->host[0] == '/' ? xstrdup(p->host) : xasprintf("%s:%s", p->host, p->port);
	c->out = xmalloc(CONN_OUT_SIZE);
	return c;
}

struct conn *conn_open(const struct conn_params *p, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct addrinfo *res, *ai;
	long deadline, left;
	int fd = -1, last_errno = 0;

	if (p->host[0] == '/') {
		fd = connect_local(p, err);
		return fd < 0 ? NULL : conn_new(fd, p);
	}
	if (resolve(p, &res, err) < 0)
		return NULL;
	/* Each address gets the whole connect timeout, but all of them
	 * together get no more than twice that. */
	deadline = now_ms() + 2000L * p->timeout;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		left = deadline - now_ms();
		if (left <= 0)
			break;
		if (left > 1000L * p->timeout)
			left = 1000L * p->timeout;
		fd = connect_one(ai, left);
		if (fd < 0)
			last_errno = errno;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		error_set(err, last_errno == ETIMEDOUT ? CAT_TIMEOUT : CAT_CONNECT,
			  N_("cannot connect to %s port %s: %s"), p->host, p->port,
			  error_errno(last_errno ? last_errno : ETIMEDOUT, eno));
		return NULL;
	}
	return conn_new(fd, p);
}

int conn_start_tls(struct conn *c, const struct tls_params *p, struct error *err)
{
	c->tls = tls_open(c->fd, p, &c->clock, err);
	return c->tls ? 0 : recheck_deadline(c, err);
}

size_t conn_input_pending(const struct conn *c)
{
	return c->in_end - c->in_start + (c->tls ? tls_pending(c->tls) : 0);
}

/* GnuTLS writes one TLS record per send(); corked, the kernel joins them
 * into full segments instead of pushing each 16 KiB on its own (about a
 * tenth less CPU for a large body).  Uncorking sends the rest at once. */
static int tls_send_corked(struct conn *c, const char *p, size_t n, struct error *err)
{
	int on = 1, off = 0, r;

	setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
	r = tls_send(c->tls, p, n, err);
	setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
	return r;
}

static int write_all(struct conn *c, const char *p, size_t n, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	ssize_t w;

	if (c->tls && n > CONN_RECORD)
		return tls_send_corked(c, p, n, err) < 0 ? recheck_deadline(c, err) : 0;
	if (c->tls)
		return tls_send(c->tls, p, n, err) < 0 ? recheck_deadline(c, err) : 0;
	while (n > 0) {
		w = io_clock_arm(&c->clock, c->fd) < 0 ? -1 : send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			char what[ERROR_TEXT_MAX];

			snprintf(what, sizeof what, _("cannot send to %s: %s"), c->peer,
				 _("timed out"));
			return fail_timeout(c, err, what);
		}
		if (w < 0)
			return error_set(err, CAT_CONNECT, N_("cannot send to %s: %s"), c->peer,
					 error_errno(errno, eno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write the first n bytes of the output and keep the rest for later. */
static int write_out(struct conn *c, size_t n, struct error *err)
{
	int r = write_all(c, c->out, n, err);

	c->writes++;
	if (c->out_secret)
		wipe(c->out, n);
	memmove(c->out, c->out + n, c->out_len - n);
	c->out_len -= n;
	c->out_secret = c->out_secret && c->out_len > 0;
	return r;
}

int conn_flush(struct conn *c, struct error *err)
{
	return c->out_len ? write_out(c, c->out_len, err) : 0;
}

/* Past CONN_OUT_FLUSH, write whole TLS records only (16 KiB of plaintext
 * each); the tail waits for more, so a long body never leaves a runt
 * record behind every write. */
static int flush_full(struct conn *c, struct error *err)
{
	if (c->out_len < CONN_OUT_FLUSH)
		return 0;
	return write_out(c, c->out_len - c->out_len % CONN_RECORD, err);
}

char *conn_room(struct conn *c, size_t want, struct error *err)
{
	if (want > CONN_OUT_SIZE - c->out_len && conn_flush(c, err) < 0)
		return NULL;
	return c->out + c->out_len;
}

int conn_commit(struct conn *c, size_t n, struct error *err)
{
	c->out_len += n;
	return flush_full(c, err);
}

int conn_queue(struct conn *c, const void *data, size_t n, struct error *err)
{
	char *room;

	if (n > CONN_OUT_SIZE)
		return conn_flush(c, err) < 0 ? -1 : write_all(c, data, n, err);
	room = conn_room(c, n, err);
	if (!room)
		return -1;
	memcpy(room, data, n);
	return conn_commit(c, n, err);
}

int conn_queue_secret(struct conn *c, const void *data, size_t n, struct error *err)
{
	c->out_secret = 1;
	return conn_queue(c, data, n, err);
}

unsigned long conn_write_count(const struct conn *c)
{
	return c->writes;
}

/* Refill the input buffer; 0 on EOF, -1 on error. */
static ssize_t fill(struct conn *c, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	ssize_t r;

	if (c->in_start == c->in_end)
		c->in_start = c->in_end = 0;
	if (c->in_start > 0 && c->in_end == sizeof c->in) {
		memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
		c->in_end -= c->in_start;
		c->in_start = 0;
	}
	if (c->tls) {
		r = tls_recv(c->tls, c->in + c->in_end, sizeof c->in - c->in_end, err);
		return r < 0 ? recheck_deadline(c, err) : r;
	}
	do
		r = io_clock_arm(&c->clock, c->fd) < 0 ? -1
			: recv(c->fd, c->in + c->in_end, sizeof c->in - c->in_end, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN) {
		char what[ERROR_TEXT_MAX];

		snprintf(what, sizeof what, _("cannot read from %s: %s"), c->peer, _("timed out"));
		return fail_timeout(c, err, what);
	}
	if (r < 0)
		return error_set(err, CAT_CONNECT, N_("cannot read from %s: %s"), c->peer,
				 error_errno(errno, eno));
	return r;
}

/* Move what is buffered up to (not including) the LF into line: at most
 * max bytes and the CR that may end them. */
static int take(struct conn *c, struct buf *line, size_t upto, size_t max,
		struct error *err)
{
	if (line->len + (upto - c->in_start) > max + 1 ||
	    buf_add(line, c->in + c->in_start, upto - c->in_start) < 0)
		return error_set(err, CAT_PROTOCOL,
				 N_("%s sent a line longer than %zu bytes"), c->peer, max);
	c->in_start = upto;
	return 0;
}

int conn_read_line(struct conn *c, struct buf *line, size_t max, struct error *err)
{
	char *lf;
	ssize_t r;

	buf_reset(line);
	for (;;) {
		lf = memchr(c->in + c->in_start, '\n', c->in_end - c->in_start);
		if (lf) {
			if (take(c, line, (size_t)(lf - c->in), max, err) < 0)
				return -1;
			c->in_start++;
			if (line->len && line->data[line->len - 1] == '\r')
				line->data[--line->len] = '\0';
			return 0;
		}
		if (take(c, line, c->in_end, max, err) < 0)
			return -1;
		r = fill(c, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return error_set(err, CAT_CONNECT,
					 N_("%s closed the connection unexpectedly"), c->peer);
		c->in_end += (size_t)r;
	}
}

void conn_set_timeout(struct conn *c, int seconds)
{
	c->clock.timeout = seconds;
}

void conn_restart_deadline(struct conn *c)
{
	io_clock_start(&c->clock, c->deadline);
}

struct tls *conn_tls(struct conn *c)
{
	return c->tls;
}

const char *conn_peer(const struct conn *c)
{
	return c->peer;
}

void conn_close(struct conn *c)
{
	if (!c)
		return;
	tls_close(c->tls);
	close(c->fd);
	if (c->out_secret)
		wipe(c->out, c->out_len);
	free(c->out);
	free(c->peer);
	free(c);
}
