/* conn.c: one client connection of the test server, plain or TLS.
 *
 * The socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO set to the idle
 * timeout, so every wait is bounded without a poll loop, and a timeout shows
 * up as EAGAIN (GNUTLS_E_AGAIN under TLS).
 *
 * Every read call that returns data is recorded as "R: n" before its bytes
 * are handed out.  Reads ask for READ_CHUNK (16 KiB, the largest TLS
 * plaintext record) so that under TLS one gnutls_record_recv() is exactly
 * one record: the "R:" lines then show how the client grouped its writes.
 * We only read when the buffered input cannot satisfy the caller, so
 * pipelined commands are taken from the buffer, never lost.
 *
 * This is the only file that includes GnuTLS. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "testserver.h"

/* Linux tells a peer's FIN apart from data; elsewhere a stall just lasts. */
#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

enum { IN_CAP = LINE_MAX_BYTES + READ_CHUNK };

struct tls_config {
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t ticket_key;     /* so clients can resume sessions */
	const char *priority;
};

struct conn {
	int fd;                        /* -1 once closed */
	struct record *rec;
	gnutls_session_t tls;          /* NULL while plain */
	int peer_closed;               /* a read saw EOF: do not read again */
	int broken;                    /* a write or TLS error: no more I/O */
	size_t in_off, in_len;         /* unconsumed input: in[in_off..+in_len) */
	size_t out_len;
	unsigned char in[IN_CAP];
	unsigned char out[OUT_CAP];
};

/* ---- TLS configuration ------------------------------------------------- */

struct tls_config *tls_config_new(const char *cert, const char *key,
				  char *err, size_t errlen)
{
	struct tls_config *cfg = calloc(1, sizeof *cfg);
	int rc;

	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cfg->priority = "NORMAL";
	rc = gnutls_certificate_allocate_credentials(&cfg->cred);
	if (rc == 0)
		rc = gnutls_certificate_set_x509_key_file(cfg->cred, cert, key,
							  GNUTLS_X509_FMT_PEM);
	if (rc == 0)
		rc = gnutls_session_ticket_key_generate(&cfg->ticket_key);
	if (rc < 0) {
		snprintf(err, errlen, "cannot load %s and %s: %s", cert, key,
			 gnutls_strerror(rc));
		tls_config_free(cfg);
		return NULL;
	}
	return cfg;
}

void tls_config_set_version(struct tls_config *cfg, long version)
{
	cfg->priority = version == 12 ? "NORMAL:-VERS-ALL:+VERS-TLS1.2"
		: version == 13 ? "NORMAL:-VERS-ALL:+VERS-TLS1.3" : "NORMAL";
}

void tls_config_free(struct tls_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->cred)
		gnutls_certificate_free_credentials(cfg->cred);
	gnutls_free(cfg->ticket_key.data);
	free(cfg);
}

/* ---- setup and teardown ------------------------------------------------ */

static void set_timeouts(int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

struct conn *conn_new(int fd, int timeout_s, struct record *rec)
{
	struct conn *c = malloc(sizeof *c);

	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct conn, in));   /* the buffers need no zeroing */
	c->fd = fd;
	c->rec = rec;
	set_timeouts(fd, timeout_s * 1000L);
	return c;
}

/* After our FIN, read (and record) until the client closes too.  Closing
 * with unread input would make the kernel send RST, and an RST can destroy
 * our last reply in the client's receive queue before it reads it. */
static void linger(struct conn *c)
{
	const unsigned char *p;
	size_t n;
	enum io st = IO_OK;

	set_timeouts(c->fd, LINGER_MS);
	while (st == IO_OK && !c->broken)
		st = conn_read_piece(c, LINE_MAX_BYTES, &p, &n);
	if (st == IO_TIMEOUT)
		record_note(c->rec, "client still connected %d ms after our close",
			    LINGER_MS);
}

static void conn_close(struct conn *c, enum close_how how)
{
	if (how == CLOSE_RESET) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		if (!c->broken)
			conn_flush(c);
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		record_note(c->rec, "reset the connection");
	} else if (!c->broken) {
		if (conn_flush(c) == IO_OK && c->tls && how == CLOSE_CLEAN)
			gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		shutdown(c->fd, SHUT_WR);
		record_note(c->rec, "closed the connection%s",
			    c->tls && how == CLOSE_ABRUPT ? " (no close_notify)" : "");
		linger(c);
	}
	close(c->fd);
	c->fd = -1;
}

void conn_free(struct conn *c, enum close_how how)
{
	if (!c)
		return;
	if (c->fd >= 0)
		conn_close(c, how);
	if (c->tls)
		gnutls_deinit(c->tls);
	free(c);
}

/* ---- input ------------------------------------------------------------- */

/* One read call into the free tail of the buffer. */
static ssize_t raw_read(struct conn *c, unsigned char *dst, enum io *st)
{
	for (;;) {
		ssize_t n = c->tls ? gnutls_record_recv(c->tls, dst, READ_CHUNK)
			: recv(c->fd, dst, READ_CHUNK, 0);

		if (n >= 0) {
			*st = n ? IO_OK : IO_EOF;
			if (n == 0)
				record_note(c->rec, "client closed the connection%s",
					    c->tls ? " (close_notify)" : "");
			return n;
		}
		if (c->tls ? n == GNUTLS_E_INTERRUPTED : errno == EINTR)
			continue;
		if (c->tls ? n == GNUTLS_E_AGAIN
		    : errno == EAGAIN || errno == EWOULDBLOCK) {
			*st = IO_TIMEOUT;
		} else if (c->tls && n == GNUTLS_E_PREMATURE_TERMINATION) {
			record_note(c->rec, "client closed the connection "
				    "(no close_notify)");
			*st = IO_EOF;
		} else if (errno == ECONNRESET &&
			   (!c->tls || n == GNUTLS_E_PULL_ERROR)) {
			record_note(c->rec, "client reset the connection");
			*st = IO_ERROR;
		} else {
			record_note(c->rec, "read failed: %s",
				    c->tls ? gnutls_strerror((int)n) : strerror(errno));
			*st = IO_ERROR;
		}
		return -1;
	}
}

static enum io fill(struct conn *c)
{
	enum io st;
	ssize_t n;

	if (c->peer_closed || c->broken)
		return c->broken ? IO_ERROR : IO_EOF;
	/* About to wait for the client: it must have our replies first. */
	if (c->out_len && (st = conn_flush(c)) != IO_OK)
		return st;
	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len);
		c->in_off = 0;
	}
	/* Callers only read with fewer than LINE_MAX_BYTES buffered, so a
	 * whole record always fits. */
	n = raw_read(c, c->in + c->in_len, &st);
	if (n > 0) {
		record_read(c->rec, (size_t)n);
		c->in_len += (size_t)n;
	}
	c->peer_closed |= st == IO_EOF;
	c->broken |= st == IO_ERROR;
	return st;
}

enum io conn_read_piece(struct conn *c, size_t limit,
			const unsigned char **piece, size_t *n)
{
	if (limit > LINE_MAX_BYTES)
		limit = LINE_MAX_BYTES;
	for (;;) {
		const unsigned char *start = c->in + c->in_off;
		const unsigned char *lf = memchr(start, '\n',
						 c->in_len < limit ? c->in_len : limit);
		enum io st;

		if (lf) {
			*n = (size_t)(lf - start) + 1;
			break;
		}
		if (c->in_len >= limit) {
			*n = limit;
			break;
		}
		st = fill(c);
		if (st == IO_EOF && c->in_len) {
			*n = c->in_len;     /* the client's last, unterminated bytes */
			break;
		}
		if (st != IO_OK)
			return st;
	}
	*piece = c->in + c->in_off;
	c->in_off += *n;
	c->in_len -= *n;
	record_bytes(c->rec, 'C', *piece, *n);
	return IO_OK;
}

size_t conn_buffered(const struct conn *c)
{
	return c->in_len + (c->tls ? gnutls_record_check_pending(c->tls) : 0);
}

void conn_discard_buffered(struct conn *c)
{
	const unsigned char *p;
	size_t n;

	while (c->in_len)
		conn_read_piece(c, LINE_MAX_BYTES, &p, &n);
}

enum io conn_wait_eof(struct conn *c)
{
	const unsigned char *p;
	size_t n;
	enum io st;

	if (conn_flush(c) != IO_OK)
		return IO_ERROR;
	do
		st = conn_read_piece(c, LINE_MAX_BYTES, &p, &n);
	while (st == IO_OK);
	return st;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int conn_wait_hangup(struct conn *c, long ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLRDHUP };
	long end = now_ms() + ms, left;

	if (c->peer_closed)
		return 1;
	/* Not POLLIN: bytes the client sends meanwhile stay unread. */
	while ((left = end - now_ms()) > 0) {
		int rc = poll(&pfd, 1, (int)left);

		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			break;
	}
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static enum io write_all(struct conn *c, const unsigned char *p, size_t n)
{
	while (n && !c->broken) {
		ssize_t w = c->tls ? gnutls_record_send(c->tls, p, n)
			: send(c->fd, p, n, MSG_NOSIGNAL);

		if (w >= 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (c->tls ? w == GNUTLS_E_INTERRUPTED : errno == EINTR)
			continue;
		if (c->tls ? w == GNUTLS_E_AGAIN
		    : errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_TIMEOUT;
		record_note(c->rec, "write failed: %s",
			    c->tls ? gnutls_strerror((int)w) : strerror(errno));
		c->broken = 1;
	}
	return c->broken ? IO_ERROR : IO_OK;
}

enum io conn_flush(struct conn *c)
{
	enum io st = write_all(c, c->out, c->out_len);

	c->out_len = 0;
	return st;
}

enum io conn_queue_quiet(struct conn *c, const void *p, size_t n)
{
	enum io st = IO_OK;

	if (c->out_len + n > OUT_CAP)
		st = conn_flush(c);
	if (st != IO_OK)
		return st;
	if (n > OUT_CAP)
		return write_all(c, p, n);
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return IO_OK;
}

enum io conn_send(struct conn *c, const void *p, size_t n)
{
	record_bytes(c->rec, 'S', p, n);
	return conn_queue_quiet(c, p, n);
}

/* ---- a record cut in half ---------------------------------------------- */

struct capture {
	unsigned char *p;
	size_t len, cap;
};

/* GnuTLS's push function while a record is captured instead of sent. */
static ssize_t capture_push(gnutls_transport_ptr_t ptr, const void *p, size_t n)
{
	struct capture *cap = ptr;

	if (n > cap->cap - cap->len)
		n = cap->cap - cap->len;
	memcpy(cap->p + cap->len, p, n);
	cap->len += n;
	return (ssize_t)n;
}

void conn_reset_mid_record(struct conn *c, const void *p, size_t n)
{
	struct capture cap = { .cap = n + 1024 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (c->broken || conn_flush(c) != IO_OK || !(cap.p = malloc(cap.cap)))
		return;
	record_bytes(c->rec, 'S', p, n);
	if (c->tls) {
		gnutls_transport_set_push_function(c->tls, capture_push);
		gnutls_transport_set_ptr(c->tls, &cap);
		gnutls_record_send(c->tls, p, n);
	} else {
		memcpy(cap.p, p, n);
		cap.len = n;
	}
	record_note(c->rec, "wrote %zu of a %zu-byte %s, then reset", cap.len / 2,
		    cap.len, c->tls ? "TLS record" : "write");
	if (send(c->fd, cap.p, cap.len / 2, MSG_NOSIGNAL) < 0)
		record_note(c->rec, "write failed: %s", strerror(errno));
	free(cap.p);
	usleep(100000);     /* let the half record arrive before the RST */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(c->fd);
	c->fd = -1;
	c->broken = 1;
}

void conn_alert(struct conn *c)
{
	if (c->broken || conn_flush(c) != IO_OK)
		return;
	if (c->tls)
		gnutls_alert_send(c->tls, GNUTLS_AL_FATAL, GNUTLS_A_INTERNAL_ERROR);
	record_note(c->rec, "sent a fatal TLS alert%s", c->tls ? "" : " (not under TLS: none)");
	shutdown(c->fd, SHUT_WR);
	linger(c);
	close(c->fd);
	c->fd = -1;
	c->broken = 1;
}

/* ---- TLS --------------------------------------------------------------- */

static int tls_session_new(struct conn *c, const struct tls_config *cfg)
{
	const char *where;
	int rc = gnutls_init(&c->tls, GNUTLS_SERVER);

	if (rc == 0)
		rc = gnutls_priority_set_direct(c->tls, cfg->priority, &where);
	if (rc == 0)
		rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cfg->cred);
	if (rc == 0)
		rc = gnutls_session_ticket_enable_server(c->tls, &cfg->ticket_key);
	if (rc < 0) {
		record_error(c->rec, "cannot set up TLS: %s", gnutls_strerror(rc));
		return -1;
	}
	gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_int(c->tls, c->fd);
	return 0;
}

static void record_handshake_failure(struct conn *c, int rc)
{
	if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED ||
	    rc == GNUTLS_E_FATAL_ALERT_RECEIVED)
		record_note(c->rec, "tls handshake failed: %s (client alert: %s)",
			    gnutls_strerror(rc),
			    gnutls_alert_get_name(gnutls_alert_get(c->tls)));
	else
		record_note(c->rec, "tls handshake failed: %s", gnutls_strerror(rc));
}

enum io conn_handshake(struct conn *c, const struct tls_config *cfg)
{
	int rc;

	if (conn_flush(c) != IO_OK || c->tls || tls_session_new(c, cfg) < 0) {
		c->broken = 1;
		return IO_ERROR;
	}
	do
		rc = gnutls_handshake(c->tls);
	while (rc < 0 && rc != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(rc));
	if (rc == GNUTLS_E_AGAIN)
		return IO_TIMEOUT;
	if (rc < 0) {
		record_handshake_failure(c, rc);
		c->broken = 1;
		return IO_ERROR;
	}
	record_note(c->rec, "tls established %s%s",
		    gnutls_protocol_get_name(gnutls_protocol_get_version(c->tls)),
		    gnutls_session_is_resumed(c->tls) ? " (resumed)" : "");
	return IO_OK;
}

int conn_tls_active(const struct conn *c)
{
	return c->tls != NULL;
}

unsigned char *conn_channel_binding(struct conn *c, const char *type,
				    size_t *len)
{
	gnutls_channel_binding_t cbtype;
	gnutls_datum_t cb;
	unsigned char *copy;

	if (!c->tls)
		return NULL;
	if (strcmp(type, "tls-exporter") == 0)
		cbtype = GNUTLS_CB_TLS_EXPORTER;
	else if (strcmp(type, "tls-unique") == 0)
		cbtype = GNUTLS_CB_TLS_UNIQUE;
	else
		return NULL;
	if (gnutls_session_channel_binding(c->tls, cbtype, &cb) < 0)
		return NULL;
	copy = malloc(cb.size ? cb.size : 1);
	if (copy)
		memcpy(copy, cb.data, cb.size);
	*len = cb.size;
	gnutls_free(cb.data);
	return copy;
}
