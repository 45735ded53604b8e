/* sendas-testserver: a scripted SMTP server for transcript tests.
 *
 * It plays a per-test script of replies, records the exact bytes the client
 * sent, and produces faults a real server will not.  Loopback only.
 *
 *   sendas-testserver --script FILE --record FILE --port-file FILE
 *                     [--cert PEM --key PEM] [--implicit-tls]
 *                     [--connections N] [--timeout SECS]
 *
 * It listens on 127.0.0.1 on a port the kernel picks, writes the number to
 * --port-file (atomically: temp file + rename) once listening, serves the
 * connections one after another, and exits 0 when every expectation was
 * met, 1 when one was not (a mismatch, the client vanishing, a timeout), 2
 * for a usage, script or setup error.  --timeout (default 20) bounds every
 * wait, accept included, so a test never hangs.  --connections defaults to
 * the number of connections the script describes.
 *
 * SCRIPT FORMAT
 * One step per line; blank lines and lines starting with # are ignored;
 * leading blanks are skipped.  A verb is followed by ONE space and its
 * argument, taken verbatim to the end of the line (trailing blanks count:
 * "send 334 " sends "334 \r\n").  Steps run in order, per connection:
 *
 *   send TEXT          queue TEXT + CRLF ("send" alone: an empty line)
 *   sendraw ESCAPED    queue bytes, nothing added: \r \n \t \\ \xNN
 *   hugeline N [PFX]   one reply line of N bytes before CRLF: PFX (default
 *                      "250 ") then 'x'
 *   flush              write what is queued now
 *   expect [GLOB]      read one line; it must end in CRLF and match GLOB
 *                      (fnmatch, case-sensitive, no argument = empty line;
 *                      escape a literal * ? [ with \).  On a mismatch the
 *                      server answers "500 5.5.2 test server: unexpected
 *                      command" to it and every later command ("221" to
 *                      QUIT), and the run fails.
 *   expect-data        read a DATA body up to the line "."
 *   expect-bdat [GLOB] read "BDAT n [LAST]" (matching GLOB, default
 *                      "BDAT *"), then exactly n bytes
 *   auth MECH USER PASS  GNU SASL server exchange for the AUTH command the
 *                      previous expect read (initial response taken from
 *                      it); then 235, 535, or 501 when the client cancels.
 *                      PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1/-256 and their
 *                      -PLUS forms with real tls-unique/tls-exporter binding.
 *   starttls [fail]    TLS handshake now (after "send 220 ..."); with
 *                      "fail" the handshake must fail and ends the
 *                      connection.  Bytes the client sent after STARTTLS
 *                      and before the handshake fail the run (injection).
 *   tls [fail]         the same at connection start (implicit TLS); must be
 *                      the first step (or use --implicit-tls for all)
 *   tls-version V      1.2, 1.3 or default, for the handshakes that follow
 *                      (in later connections too)
 *   sleep MS           write, then wait MS milliseconds
 *   stall SECS         write, then neither read nor write for SECS; ends
 *                      early when the client shuts its side (its timeout)
 *   close              close now: FIN, no TLS close_notify
 *   reset              write, then close with RST (the client may lose
 *                      what was written)
 *   eof                read until the client closes, recording what comes
 *   next               end this connection (cleanly) and wait for the next
 *   trickle MS ESCAPED the bytes of sendraw, one write each, MS ms apart
 *   reset-mid-record ESCAPED  the bytes as one TLS record (plain: as is),
 *                      only its first half written, then RST
 *   alert              a fatal TLS alert (internal_error), then close
 *   scram-iter N       the next SCRAM auth asks for N iterations
 *   send-echo TEXT     like send, each "{}" replaced by the last word of
 *                      the line the last expect read (an echoed AUTH blob),
 *                      "{mid}" by that word without 4 characters each end
 *   open [tls|plain]   the opening most tests need: greeting, EHLO,
 *                      STARTTLS, EHLO, AUTH, made of the steps above from
 *                      the settings caps, caps-plain, login, greeting and
 *                      ehlo (tests/server/README has the defaults)
 *
 * Queued replies leave in one write when the server next waits (expect,
 * sleep, stall, a handshake...), as a real server answers a pipelined group
 * at once.  A connection whose steps run out is closed cleanly (flush,
 * close_notify, FIN, then up to 2 s for the client to close).  close,
 * reset, eof and a "fail" handshake end the connection: only next may
 * follow them.  When there are more connections than segments, the last
 * segment is played again.
 *
 * RECORD FORMAT
 * One line per event, flushed at once; bytes escaped as above, everything
 * else printable ASCII:
 *   R: 42              one read call returned 42 bytes.  Under TLS a read
 *                      returns one TLS record, so this shows how the client
 *                      grouped its writes; over plain TCP it is timing.
 *   C: MAIL FROM:<a@b>\r\n   bytes received, one line (or piece) each
 *   S: 250 2.1.0 ok\r\n      bytes queued for sending, one step each
 *   # tls established TLS1.3           events, e.g. "# connection 1",
 *   # auth PLAIN user=alice ok         "# data: 120 bytes", "# client
 *                                      closed the connection (close_notify)"
 *   ! script:7: expected "RCPT*", got "DATA"   a failure (also on stderr)
 *   # end: ok | # end: failed          the last line
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testserver.h"

struct options {
	const char *script, *record, *port_file, *cert, *key;
	long connections;           /* 0: as many as the script has */
	long timeout_s;
	int implicit_tls;
};

/* Everything the run owns; main creates it and passes it down. */
struct server {
	struct options opt;
	struct script script;
	struct record rec;
	struct tls_config *tls;     /* NULL when no step needs TLS */
	struct Gsasl *gsasl;
	int listen_fd;
	int failed;                 /* some expectation was not met */
};

/* What the steps of one connection share. */
struct session {
	struct conn *c;
	char *line;                 /* the last line expect read, NUL ended */
	int advertised_plus;        /* we sent a 250 AUTH line with a -PLUS */
	const char *scram_iter;     /* scram-iter: for the next SCRAM auth */
	enum close_how how;         /* how to close when the steps end */
	char where[PATH_MAX + 16];  /* "script:LINE" of the running step */
};

typedef enum run step_fn(struct server *srv, struct session *s,
			 const struct step *st);

static const char unexpected[] =
	"500 5.5.2 test server: unexpected command\r\n";

enum run run_io_failure(struct record *rec, enum io st, const char *where,
			const char *waiting_for)
{
	if (st == IO_TIMEOUT) {
		record_error(rec, "%s: timeout while waiting for %s", where,
			     waiting_for);
		return RUN_ABORT;
	}
	record_error(rec, "%s: the connection %s while waiting for %s", where,
		     st == IO_EOF ? "was closed by the client" : "failed",
		     waiting_for);
	return RUN_LOST;
}

static enum run sent(struct server *srv, struct session *s, enum io st)
{
	return st == IO_OK ? RUN_NEXT
		: run_io_failure(&srv->rec, st, s->where,
				 "the client to read our reply");
}

/* ---- reading lines ----------------------------------------------------- */

/* One CRLF line into s->line (without the CRLF).  RUN_NEXT or a failure. */
static enum run read_line(struct server *srv, struct session *s,
			  const char *waiting_for, size_t *len)
{
	const unsigned char *p;
	size_t n;
	long cl;
	char why[64];
	enum io st = conn_read_piece(s->c, LINE_MAX_BYTES, &p, &n);

	if (st != IO_OK)
		return run_io_failure(&srv->rec, st, s->where, waiting_for);
	if ((cl = line_content_len(p, n)) >= 0 && !memchr(p, '\0', (size_t)cl)) {
		memcpy(s->line, p, (size_t)cl);
		s->line[cl] = '\0';
		*len = (size_t)cl;
		return RUN_NEXT;
	}
	if (p[n - 1] != '\n' && n < LINE_MAX_BYTES)
		return run_io_failure(&srv->rec, IO_EOF, s->where,
				      "the rest of the line");
	if (p[n - 1] != '\n')
		snprintf(why, sizeof why, "longer than %d bytes", LINE_MAX_BYTES);
	else
		snprintf(why, sizeof why, "%s", cl < 0 ? "ends in a bare LF"
			 : "contains NUL");
	record_error(&srv->rec, "%s: bad line from the client (%s) while "
		     "waiting for %s", s->where, why, waiting_for);
	return RUN_FAIL;
}

static enum run match_line(struct server *srv, struct session *s,
			   const char *glob, size_t len)
{
	char want[NOTE_FIELD_MAX], got[NOTE_FIELD_MAX];

	if (fnmatch(glob, s->line, 0) == 0)
		return RUN_NEXT;
	record_error(&srv->rec, "%s: expected \"%s\", got \"%s\"", s->where,
		     escape_into(want, sizeof want, glob, strlen(glob)),
		     escape_into(got, sizeof got, s->line, len));
	return RUN_FAIL;
}

/* After a mismatch: 500 to every line, 221 to QUIT, until the client goes. */
static enum run refuse_rest(struct server *srv, struct session *s)
{
	static const char bye[] = "221 2.0.0 test server: bye\r\n";
	const unsigned char *p;
	size_t n;
	enum io io = conn_send(s->c, unexpected, sizeof unexpected - 1);

	while (io == IO_OK) {
		io = conn_read_piece(s->c, LINE_MAX_BYTES, &p, &n);
		if (io == IO_OK && n == 6 &&
		    strncasecmp((const char *)p, "QUIT\r\n", 6) == 0) {
			conn_send(s->c, bye, sizeof bye - 1);
			return RUN_END;
		}
		if (io == IO_OK)
			io = conn_send(s->c, unexpected, sizeof unexpected - 1);
	}
	if (io == IO_EOF)
		return RUN_END;          /* the client giving up is what we want */
	return run_io_failure(&srv->rec, io, s->where, "the client to give up");
}

/* ---- steps ------------------------------------------------------------- */

static enum run step_send(struct server *srv, struct session *s,
			  const struct step *st)
{
	/* Only a 250 AUTH line offering -PLUS makes a SCRAM "y" a downgrade. */
	if (st->len > 3 && memcmp(st->text, "250", 3) == 0 &&
	    strcasestr(st->text, "AUTH") && strcasestr(st->text, "-PLUS"))
		s->advertised_plus = 1;
	return sent(srv, s, conn_send(s->c, st->text, st->len));
}

static enum run step_expect(struct server *srv, struct session *s,
			    const struct step *st)
{
	char what[NOTE_FIELD_MAX + 2];
	size_t len;
	enum run r;

	snprintf(what, sizeof what, "\"%s\"", st->text);
	r = read_line(srv, s, what, &len);
	return r == RUN_NEXT ? match_line(srv, s, st->text, len) : r;
}

static enum run step_expect_data(struct server *srv, struct session *s,
				 const struct step *st)
{
	const unsigned char *p;
	size_t n, total = 0;
	int at_line_start = 1;
	enum io io;

	(void)st;
	while ((io = conn_read_piece(s->c, LINE_MAX_BYTES, &p, &n)) == IO_OK) {
		if (at_line_start && n == 3 && memcmp(p, ".\r\n", 3) == 0) {
			record_note(&srv->rec, "data: %zu bytes", total);
			return RUN_NEXT;
		}
		if (at_line_start && n == 2 && memcmp(p, ".\n", 2) == 0) {
			record_error(&srv->rec, "%s: the end of DATA has a bare LF",
				     s->where);
			return RUN_FAIL;
		}
		at_line_start = p[n - 1] == '\n';
		total += n;
	}
	return run_io_failure(&srv->rec, io, s->where, "the end of DATA");
}

/* "BDAT size [LAST]" (keywords in any case).  0 or -1. */
static int parse_bdat(const char *line, long *size, int *last)
{
	char num[16];
	size_t n;

	if (strncasecmp(line, "BDAT ", 5) != 0)
		return -1;
	line += 5;
	n = strcspn(line, " ");
	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, line, n);
	num[n] = '\0';
	*last = line[n] == ' ';
	if (*last && strcasecmp(line + n + 1, "LAST") != 0)
		return -1;
	return parse_long(num, 0, BDAT_CHUNK_MAX, size);
}

static enum run step_expect_bdat(struct server *srv, struct session *s,
				 const struct step *st)
{
	const unsigned char *p;
	size_t len, n;
	long size, left;
	int last;
	enum run r = read_line(srv, s, "a BDAT command", &len);

	if (r == RUN_NEXT)
		r = match_line(srv, s, st->text, len);
	if (r != RUN_NEXT)
		return r;
	if (parse_bdat(s->line, &size, &last) < 0) {
		record_error(&srv->rec, "%s: not a BDAT command of at most %d bytes",
			     s->where, BDAT_CHUNK_MAX);
		return RUN_FAIL;
	}
	for (left = size; left > 0; left -= (long)n) {
		enum io io = conn_read_piece(s->c, (size_t)left, &p, &n);

		if (io != IO_OK)
			return run_io_failure(&srv->rec, io, s->where, "BDAT data");
	}
	record_note(&srv->rec, "bdat: %ld bytes%s", size, last ? ", last" : "");
	return RUN_NEXT;
}

static enum run step_auth(struct server *srv, struct session *s,
			  const struct step *st)
{
	struct sasl_params p = {
		.gsasl = srv->gsasl, .step = st, .auth_line = s->line,
		.offer_cb = s->advertised_plus, .where = s->where,
		.scram_iter = s->scram_iter,
	};

	return sasl_run(s->c, &srv->rec, &p);
}

static enum run handshake(struct server *srv, struct session *s,
			  const struct step *st)
{
	enum io io = conn_handshake(s->c, srv->tls);

	if (io == IO_OK && st->expect_fail) {
		record_error(&srv->rec, "%s: the TLS handshake succeeded, the "
			     "script expected it to fail", s->where);
		return RUN_FAIL;
	}
	if (io == IO_ERROR && st->expect_fail)
		return RUN_END;
	if (io == IO_ERROR) {
		record_error(&srv->rec, "%s: the TLS handshake failed", s->where);
		return RUN_LOST;
	}
	return io == IO_OK ? RUN_NEXT
		: run_io_failure(&srv->rec, io, s->where, "the TLS handshake");
}

static enum run step_starttls(struct server *srv, struct session *s,
			      const struct step *st)
{
	size_t early = conn_buffered(s->c);

	/* A client must not pipeline past STARTTLS: a man in the middle
	 * could have put those bytes there (CVE-2011-0411).  We drop them as
	 * a server must, and fail the run. */
	if (early) {
		record_error(&srv->rec, "%s: the client sent %zu bytes after "
			     "STARTTLS, before the TLS handshake", s->where, early);
		conn_discard_buffered(s->c);
		srv->failed = 1;
	}
	s->advertised_plus = 0;     /* a new EHLO follows */
	return handshake(srv, s, st);
}

static enum run step_tls_version(struct server *srv, struct session *s,
				 const struct step *st)
{
	(void)s;
	if (srv->tls)
		tls_config_set_version(srv->tls, st->num);
	return RUN_NEXT;
}

static enum run step_flush(struct server *srv, struct session *s,
			   const struct step *st)
{
	(void)st;
	return sent(srv, s, conn_flush(s->c));
}

static enum run step_sleep(struct server *srv, struct session *s,
			   const struct step *st)
{
	struct timespec ts = { st->num / 1000, st->num % 1000 * 1000000 };
	enum run r = sent(srv, s, conn_flush(s->c));

	int rc = r == RUN_NEXT ? nanosleep(&ts, &ts) : 0;

	while (rc < 0 && errno == EINTR)
		rc = nanosleep(&ts, &ts);
	return r;
}

static enum run step_stall(struct server *srv, struct session *s,
			   const struct step *st)
{
	enum run r = sent(srv, s, conn_flush(s->c));

	if (r != RUN_NEXT)
		return r;
	record_note(&srv->rec, "stall %ld s", st->num);
	if (conn_wait_hangup(s->c, st->num * 1000))
		record_note(&srv->rec, "stall ended: the client closed its side");
	else
		record_note(&srv->rec, "stall ended: time is up");
	return RUN_NEXT;
}

static enum run step_hugeline(struct server *srv, struct session *s,
			      const struct step *st)
{
	char block[4096];
	char pfx[NOTE_FIELD_MAX];
	long left = st->num - (long)st->len;
	enum io io = conn_queue_quiet(s->c, st->text, st->len);

	record_note(&srv->rec, "hugeline: \"%s\" and %ld x, %ld bytes + CRLF",
		    escape_into(pfx, sizeof pfx, st->text, st->len), left, st->num);
	memset(block, 'x', sizeof block);
	for (; io == IO_OK && left > 0; left -= (long)sizeof block)
		io = conn_queue_quiet(s->c, block, left < (long)sizeof block
				      ? (size_t)left : sizeof block);
	if (io == IO_OK)
		io = conn_queue_quiet(s->c, "\r\n", 2);
	return sent(srv, s, io);
}

static enum run step_close(struct server *srv, struct session *s,
			   const struct step *st)
{
	(void)srv;
	s->how = st->verb == V_RESET ? CLOSE_RESET : CLOSE_ABRUPT;
	return RUN_END;
}

static enum run step_eof(struct server *srv, struct session *s,
			 const struct step *st)
{
	enum io io = conn_wait_eof(s->c);

	(void)st;
	return io == IO_EOF ? RUN_END
		: run_io_failure(&srv->rec, io, s->where, "the client to close");
}

static enum run step_trickle(struct server *srv, struct session *s,
			    const struct step *st)
{
	struct timespec ts = { st->num / 1000, st->num % 1000 * 1000000 };
	enum run r = sent(srv, s, conn_flush(s->c));

	record_bytes(&srv->rec, 'S', st->text, st->len);
	record_note(&srv->rec, "trickle: %zu bytes, %ld ms apart", st->len, st->num);
	for (size_t i = 0; r == RUN_NEXT && i < st->len; i++) {
		struct timespec left = ts;

		if (conn_queue_quiet(s->c, st->text + i, 1) != IO_OK ||
		    conn_flush(s->c) != IO_OK) {
			/* A client that gives up on a trickle does right. */
			record_note(&srv->rec, "trickle: the client left after %zu bytes", i);
			s->how = CLOSE_RESET;
			return RUN_END;
		}
		while (nanosleep(&left, &left) < 0 && errno == EINTR)
			;
	}
	return r;
}

static enum run step_reset_mid_record(struct server *srv, struct session *s,
				      const struct step *st)
{
	(void)srv;
	conn_reset_mid_record(s->c, st->text, st->len);
	s->how = CLOSE_RESET;
	return RUN_END;
}

static enum run step_alert(struct server *srv, struct session *s,
			  const struct step *st)
{
	(void)srv, (void)st;
	conn_alert(s->c);
	return RUN_END;
}

static enum run step_scram_iter(struct server *srv, struct session *s,
				const struct step *st)
{
	(void)srv;
	s->scram_iter = st->text;
	return RUN_NEXT;
}

/* send-echo TEXT: "{}" stands for the last word of the last line read,
 * "{mid}" for that word without its first and last 4 characters. */
static enum run step_send_echo(struct server *srv, struct session *s,
			       const struct step *st)
{
	const char *word = strrchr(s->line, ' ') ? strrchr(s->line, ' ') + 1 : s->line;
	size_t wl = strlen(word);
	char *out = malloc(st->len * (wl + 1) + 1), *o = out;

	if (!out)
		return RUN_ABORT;
	for (const char *p = st->text; p < st->text + st->len; p++) {
		if (p[0] == '{' && p[1] == '}') {
			o = stpcpy(o, word);
			p++;
		} else if (strncmp(p, "{mid}", 5) == 0) {
			if (wl > 8)
				o = mempcpy(o, word + 4, wl - 8);
			p += 4;
		} else {
			*o++ = *p;
		}
	}
	enum run r = sent(srv, s, conn_send(s->c, out, (size_t)(o - out)));

	free(out);
	return r;
}

static step_fn *const step_handlers[] = {
	[V_SEND] = step_send,             [V_SENDRAW] = step_send,
	[V_EXPECT] = step_expect,         [V_EXPECT_DATA] = step_expect_data,
	[V_EXPECT_BDAT] = step_expect_bdat, [V_AUTH] = step_auth,
	[V_STARTTLS] = step_starttls,     [V_TLS] = handshake,
	[V_TLS_VERSION] = step_tls_version, [V_FLUSH] = step_flush,
	[V_SLEEP] = step_sleep,           [V_STALL] = step_stall,
	[V_HUGELINE] = step_hugeline,     [V_CLOSE] = step_close,
	[V_RESET] = step_close,           [V_EOF] = step_eof,
	[V_TRICKLE] = step_trickle,       [V_RESET_MID_RECORD] = step_reset_mid_record,
	[V_SCRAM_ITER] = step_scram_iter, [V_SEND_ECHO] = step_send_echo,
	[V_ALERT] = step_alert,
};
_Static_assert(sizeof step_handlers / sizeof *step_handlers == N_VERBS,
	       "a verb without a handler");

/* ---- connections ------------------------------------------------------- */

static enum run play_segment(struct server *srv, struct session *s, size_t seg)
{
	static const struct step implicit = { .verb = V_TLS };
	const struct script *sc = &srv->script;
	/* The base name keeps records free of temporary directories. */
	const char *script_name = strrchr(sc->path, '/') ? strrchr(sc->path, '/') + 1
		: sc->path;
	enum run r = RUN_NEXT;

	if (srv->opt.implicit_tls) {
		snprintf(s->where, sizeof s->where, "--implicit-tls");
		r = handshake(srv, s, &implicit);
	}
	for (size_t i = sc->seg_start[seg];
	     r == RUN_NEXT && i < script_seg_end(sc, seg); i++) {
		const struct step *st = &sc->steps[i];

		snprintf(s->where, sizeof s->where, "%s:%u", script_name, st->line);
		r = step_handlers[st->verb](srv, s, st);
	}
	return r;
}

/* Serve connection k (from 1) on fd.  -1 when the run must stop. */
static int serve(struct server *srv, int fd, long k)
{
	struct session s = { .how = CLOSE_CLEAN };
	size_t seg = (size_t)k - 1 < srv->script.n_segs
		? (size_t)k - 1 : srv->script.n_segs - 1;
	enum run r;

	record_note(&srv->rec, "connection %ld", k);
	s.c = conn_new(fd, (int)srv->opt.timeout_s, &srv->rec);
	s.line = malloc(LINE_MAX_BYTES + 1);
	if (!s.c || !s.line) {
		record_error(&srv->rec, "out of memory");
		r = RUN_ABORT;
		if (!s.c)
			close(fd);
	} else {
		s.line[0] = '\0';
		r = play_segment(srv, &s, seg);
	}
	if (r == RUN_FAIL) {
		srv->failed = 1;
		r = refuse_rest(srv, &s);
	}
	srv->failed |= r == RUN_LOST || r == RUN_ABORT;
	conn_free(s.c, s.how);
	free(s.line);
	return r == RUN_ABORT || srv->failed ? -1 : 0;
}

static int accept_client(struct server *srv, long k)
{
	struct pollfd pfd = { .fd = srv->listen_fd, .events = POLLIN };
	int rc, fd;

	do
		rc = poll(&pfd, 1, (int)srv->opt.timeout_s * 1000);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		record_error(&srv->rec, "timeout: no connection %ld within %ld s",
			     k, srv->opt.timeout_s);
		return -1;
	}
	fd = rc < 0 ? -1 : accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		record_error(&srv->rec, "accept failed: %s", strerror(errno));
	return fd;
}

static void serve_all(struct server *srv)
{
	long n = srv->opt.connections ? srv->opt.connections
		: (long)srv->script.n_segs;

	for (long k = 1; k <= n; k++) {
		int fd = accept_client(srv, k);

		if (fd < 0 || serve(srv, fd, k) < 0) {
			srv->failed = 1;
			break;
		}
	}
	record_note(&srv->rec, "end: %s", srv->failed ? "failed" : "ok");
}

/* ---- setup ------------------------------------------------------------- */

static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Write the port where a test polling for the file never sees half of it. */
static int write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *fp;
	int ok;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid())
	    >= (int)sizeof tmp || !(fp = fopen(tmp, "w")))
		return -1;
	ok = fprintf(fp, "%u\n", port) > 0;
	ok &= fclose(fp) == 0;
	if (ok && rename(tmp, path) == 0)
		return 0;
	unlink(tmp);
	return -1;
}

static void usage(FILE *fp)
{
	fputs("usage: sendas-testserver --script FILE --record FILE "
	      "--port-file FILE\n"
	      "         [--cert PEM --key PEM] [--implicit-tls]\n"
	      "         [--connections N] [--timeout SECS]\n", fp);
}

/* 0, 1 after --help, -1 on a usage error (said on stderr). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "script", required_argument, NULL, 's' },
		{ "record", required_argument, NULL, 'r' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "connections", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "implicit-tls", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct options){ .timeout_s = 20 };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o->script = optarg; break;
		case 'r': o->record = optarg; break;
		case 'p': o->port_file = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'i': o->implicit_tls = 1; break;
		case 'h': usage(stdout); return 1;
		case 'n':
			if (parse_long(optarg, 1, CONNECTIONS_MAX, &o->connections) == 0)
				break;
			fprintf(stderr, "sendas-testserver: --connections takes "
				"1 to %d\n", CONNECTIONS_MAX);
			return -1;
		case 't':
			if (parse_long(optarg, 1, TIMEOUT_MAX_S, &o->timeout_s) == 0)
				break;
			fprintf(stderr, "sendas-testserver: --timeout takes 1 to %d "
				"seconds\n", TIMEOUT_MAX_S);
			return -1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind == argc && o->script && o->record && o->port_file)
		return 0;
	usage(stderr);
	return -1;
}

/* Checks across the script and the options.  0 or -1 (said on stderr). */
static int check_setup(struct server *srv)
{
	const struct options *o = &srv->opt;
	const struct script *sc = &srv->script;

	if ((sc->uses_tls || o->implicit_tls || o->cert || o->key) &&
	    !(o->cert && o->key)) {
		fputs("sendas-testserver: TLS needs both --cert and --key\n", stderr);
		return -1;
	}
	if (o->connections && o->connections < (long)sc->n_segs) {
		fprintf(stderr, "sendas-testserver: the script has %zu connections, "
			"--connections says %ld\n", sc->n_segs, o->connections);
		return -1;
	}
	for (size_t i = 0; i < sc->n_steps; i++) {
		const struct step *st = &sc->steps[i];

		if (st->verb == V_AUTH && !sasl_supports(srv->gsasl, st->text)) {
			fprintf(stderr, "sendas-testserver: %s:%u: GNU SASL has no "
				"server side for %s\n", sc->path, st->line, st->text);
			return -1;
		}
		if (st->verb == V_TLS && o->implicit_tls) {
			fprintf(stderr, "sendas-testserver: %s:%u: \"tls\" and "
				"--implicit-tls together\n", sc->path, st->line);
			return -1;
		}
	}
	return 0;
}

/* Everything before the first accept.  0 or -1 (said on stderr). */
static int setup(struct server *srv)
{
	char err[PATH_MAX + 256];
	unsigned port;

	if (script_load(&srv->script, srv->opt.script, err, sizeof err) < 0) {
		fprintf(stderr, "sendas-testserver: %s\n", err);
		return -1;
	}
	if (!(srv->gsasl = sasl_context_new())) {
		fputs("sendas-testserver: cannot start GNU SASL\n", stderr);
		return -1;
	}
	if (check_setup(srv) < 0)
		return -1;
	if (srv->opt.cert &&
	    !(srv->tls = tls_config_new(srv->opt.cert, srv->opt.key, err,
					sizeof err))) {
		fprintf(stderr, "sendas-testserver: %s\n", err);
		return -1;
	}
	if (record_open(&srv->rec, srv->opt.record) < 0) {
		fprintf(stderr, "sendas-testserver: %s: %s\n", srv->opt.record,
			strerror(errno));
		return -1;
	}
	if ((srv->listen_fd = listen_loopback(&port)) < 0 ||
	    write_port_file(srv->opt.port_file, port) < 0) {
		fprintf(stderr, "sendas-testserver: cannot listen or write %s: %s\n",
			srv->opt.port_file, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct server srv = { .listen_fd = -1 };
	int rc = parse_options(argc, argv, &srv.opt);

	if (rc > 0)
		return 0;          /* --help */
	/* A client that goes away must show as a write error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (rc == 0 && setup(&srv) == 0) {
		serve_all(&srv);
		rc = srv.failed ? 1 : 0;
	} else {
		rc = 2;
	}
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	record_close(&srv.rec);
	tls_config_free(srv.tls);
	sasl_context_free(srv.gsasl);
	script_release(&srv.script);
	return rc;
}
