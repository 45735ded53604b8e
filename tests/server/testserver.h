/* testserver.h: the pieces of sendas-testserver, the scripted SMTP server
 * that tests/cases drives sendas against (see README and the comment at the
 * top of sendas-testserver.c for the script and record formats).
 *
 *   script.c   the script file -> struct script (pure but for reading it)
 *   record.c   the record file: one flushed line per event
 *   conn.c     one client connection: bounded buffered I/O, plain or TLS
 *              (the only file that includes GnuTLS)
 *   sasl.c     the `auth` step (the only file that includes GNU SASL)
 *   sendas-testserver.c   options, listening, and the step runner
 *
 * Nothing here is global: main owns the script, the record, the TLS
 * configuration and the GNU SASL context, and passes them down. */
#ifndef SENDAS_TESTSERVER_H
#define SENDAS_TESTSERVER_H

#include <stddef.h>
#include <stdio.h>

/* Every limit is named, and hitting one is a recorded error, never growth. */
enum {
	LINE_MAX_BYTES = 65536,          /* longest client line we buffer */
	READ_CHUNK = 16384,              /* one TLS record's plaintext, at most */
	OUT_CAP = 65536,                 /* queued replies before a forced write */
	SCRIPT_LINE_MAX = 65536,         /* longest script line */
	SCRIPT_STEPS_MAX = 100000,
	BDAT_CHUNK_MAX = 64 << 20,
	HUGELINE_MAX = 64 << 20,
	STALL_MAX_S = 3600,
	SLEEP_MAX_MS = 600000,
	CONNECTIONS_MAX = 1000,
	TIMEOUT_MAX_S = 3600,
	LINGER_MS = 2000,                /* wait for the client's close after ours */
	TRICKLE_MAX_MS = 60000,          /* the longest pause between trickled bytes */
	NOTE_FIELD_MAX = 512,            /* escaped values quoted in notes */
};

/* ---- script.c ---------------------------------------------------------- */

enum verb {
	V_SEND, V_SENDRAW, V_EXPECT, V_EXPECT_DATA, V_EXPECT_BDAT, V_AUTH,
	V_STARTTLS, V_TLS, V_TLS_VERSION, V_FLUSH, V_SLEEP, V_STALL,
	V_HUGELINE, V_CLOSE, V_RESET, V_EOF,
	V_TRICKLE, V_RESET_MID_RECORD, V_SCRAM_ITER, V_SEND_ECHO, V_ALERT,
	N_VERBS
};

struct step {
	enum verb verb;
	unsigned line;      /* line in the script file, for messages */
	char *text;         /* send/sendraw: the exact bytes (CRLF included for
	                     * send); expect/expect-bdat: the glob; auth: the
	                     * mechanism; hugeline: the prefix */
	size_t len;         /* bytes in text (sendraw may hold NULs) */
	long num;           /* sleep ms, stall s, hugeline bytes, tls-version,
	                     * trickle ms between bytes */
	int expect_fail;    /* starttls/tls: the handshake must fail */
	char *user;         /* auth */
	char *pass;         /* auth */
};

/* What `open` plays; the setting verbs change it for the `open`s after
 * them (in later connections too).  See script.c for the defaults. */
enum { SESSION_FIELD_MAX = 512 };
struct session_defaults {
	char greeting[SESSION_FIELD_MAX];   /* the 220 line */
	char ehlo[SESSION_FIELD_MAX];       /* the glob an EHLO line must match */
	char caps_plain[SESSION_FIELD_MAX]; /* EHLO before STARTTLS, comma-separated */
	char caps[SESSION_FIELD_MAX];       /* EHLO once secure (or plain) */
	char login[SESSION_FIELD_MAX];      /* "MECH USER PASS", or "" for none */
};

/* A script is a list of steps cut into segments by `next`: connection k
 * plays segment k (the last one again when there are more connections). */
struct script {
	struct session_defaults session;
	char *path;
	struct step *steps;
	size_t n_steps;
	size_t *seg_start;  /* segment i is steps[seg_start[i] .. seg_start[i+1]) */
	size_t n_segs;
	int uses_tls;       /* some step needs --cert and --key */
};

/* Load path.  0, or -1 with "PATH:LINE: what is wrong" in err. */
int script_load(struct script *s, const char *path, char *err, size_t errlen);
void script_release(struct script *s);
size_t script_seg_end(const struct script *s, size_t seg);
const char *verb_name(enum verb v);

/* ---- record.c ---------------------------------------------------------- */

struct record {
	FILE *fp;
};

int record_open(struct record *r, const char *path);
void record_close(struct record *r);
/* "R: n": one read call returned n bytes. */
void record_read(struct record *r, size_t n);
/* "C: ..." or "S: ...": bytes received or sent, escaped. */
void record_bytes(struct record *r, char tag, const void *p, size_t n);
/* "# ...": an event. */
void record_note(struct record *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "! ...": a failure of the run; also on stderr. */
void record_error(struct record *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Escape n bytes into dst as the record does (\r \n \t \\ \xNN), NUL
 * terminated, cut with "..." when cap is too small.  Returns dst. */
char *escape_into(char *dst, size_t cap, const void *p, size_t n);

/* ---- conn.c ------------------------------------------------------------ */

enum io {
	IO_OK,
	IO_EOF,             /* the client closed (already recorded) */
	IO_TIMEOUT,         /* nothing for the idle timeout */
	IO_ERROR,           /* reset, TLS error, handshake failure (recorded) */
};

enum close_how {
	CLOSE_CLEAN,        /* flush, TLS close_notify, FIN, wait for the client */
	CLOSE_ABRUPT,       /* flush, FIN without close_notify, wait */
	CLOSE_RESET,        /* discard everything, send RST */
};

struct tls_config;
struct conn;

/* Credentials from PEM files.  NULL and err on failure. */
struct tls_config *tls_config_new(const char *cert, const char *key,
				  char *err, size_t errlen);
/* 12, 13, or 0 for GnuTLS's defaults. */
void tls_config_set_version(struct tls_config *cfg, long version);
void tls_config_free(struct tls_config *cfg);

/* Take ownership of a connected socket; timeout_s bounds every wait. */
struct conn *conn_new(int fd, int timeout_s, struct record *rec);
/* Close as asked (if still open) and free. */
void conn_free(struct conn *c, enum close_how how);

/* Read the next piece of client input and consume it: the bytes up to and
 * including the first LF, or `limit` bytes (<= LINE_MAX_BYTES) when no LF
 * comes first, or what is left before EOF.  The piece is recorded as "C:"
 * and stays valid until the next call.  IO_EOF only when nothing is left. */
enum io conn_read_piece(struct conn *c, size_t limit,
			const unsigned char **piece, size_t *n);
/* Bytes received and not yet consumed (for the STARTTLS injection check). */
size_t conn_buffered(const struct conn *c);
/* Record and drop them. */
void conn_discard_buffered(struct conn *c);
/* Read until the client closes, recording what comes. */
enum io conn_wait_eof(struct conn *c);
/* Wait up to ms without reading; 1 if the client shut down its side. */
int conn_wait_hangup(struct conn *c, long ms);

/* Queue bytes for the client, recorded as "S:" (conn_queue_quiet: not
 * recorded).  Queued bytes go out in one write at the next flush, which
 * every waiting step does first: like a real server, replies to pipelined
 * commands leave together. */
enum io conn_send(struct conn *c, const void *p, size_t n);
enum io conn_queue_quiet(struct conn *c, const void *p, size_t n);
enum io conn_flush(struct conn *c);

/* Write what is queued, then p[0..n) as one TLS record (plain: as is) of
 * which only the first half reaches the client, then reset the connection
 * (RST): a connection that dies in the middle of a record. */
void conn_reset_mid_record(struct conn *c, const void *p, size_t n);
/* Write what is queued, send a fatal TLS alert (internal_error), close. */
void conn_alert(struct conn *c);

/* Server side handshake now.  IO_ERROR when it failed (recorded with the
 * reason and the client's alert, if any). */
enum io conn_handshake(struct conn *c, const struct tls_config *cfg);
int conn_tls_active(const struct conn *c);
/* Channel-binding bytes of this session ("tls-unique" or "tls-exporter"),
 * malloc'd; NULL when the session cannot give that type. */
unsigned char *conn_channel_binding(struct conn *c, const char *type,
				    size_t *len);

/* ---- sasl.c ------------------------------------------------------------ */

/* How a step ended, and so what the runner does next. */
enum run {
	RUN_NEXT,           /* go on with the next step */
	RUN_FAIL,           /* a mismatch: answer 500 from now on, fail the run */
	RUN_END,            /* the connection is over as the script wanted */
	RUN_LOST,           /* the connection is gone against the script: fail */
	RUN_ABORT,          /* timeout or setup error: stop serving, fail */
};

struct Gsasl;            /* GNU SASL's context, kept out of the callers */

struct sasl_params {
	struct Gsasl *gsasl;     /* owned by main */
	const struct step *step; /* mechanism, user, password */
	const char *auth_line;   /* the AUTH command line just expected */
	int offer_cb;            /* give channel bindings to non-PLUS SCRAM too
	                          * (a -PLUS mechanism was advertised) */
	const char *where;       /* "script:LINE" for messages */
	const char *scram_iter;  /* SCRAM iteration count to ask for, or NULL */
};

/* Make the GNU SASL context, with our callback.  NULL on failure. */
struct Gsasl *sasl_context_new(void);
void sasl_context_free(struct Gsasl *gsasl);
/* Can GNU SASL play the server side of mech? */
int sasl_supports(struct Gsasl *gsasl, const char *mech);
/* Run the exchange for the AUTH line and answer 235, 535 or 501. */
enum run sasl_run(struct conn *c, struct record *rec,
		  const struct sasl_params *p);

/* ---- the runner (sendas-testserver.c) ---------------------------------- */

/* Record why I/O ended a step (EOF, timeout, error) while the script
 * waited for `waiting_for`, and say how the run goes on. */
enum run run_io_failure(struct record *rec, enum io st, const char *where,
			const char *waiting_for);

/* ---- shared helpers (script.c) ----------------------------------------- */

/* Parse a whole decimal number in [min, max].  0 or -1. */
int parse_long(const char *s, long min, long max, long *out);
/* Length of a client line without its CRLF; -1 when it does not end in
 * CRLF (bare LF, or no LF at all). */
long line_content_len(const unsigned char *p, size_t n);

#endif
