/* smtpd.h: the SMTP server side (RFC 5321; PIPELINING 2920, SIZE 1870,
 * 8BITMIME 6152, SMTPUTF8 6531, ENHANCEDSTATUSCODES 2034, DSN 3461,
 * CHUNKING 3030).
 *
 * One engine for every way in: `sendas -bs` (a pipe), the local submission
 * socket (AF_UNIX, the caller's uid from SO_PEERCRED) and, later, TCP with
 * STARTTLS and AUTH (the smarthost).  The engine speaks SMTP and nothing
 * else: it parses commands, enforces the limits below, spools the content
 * dot-unstuffed into an unlinked file, and asks its handler (struct
 * smtpd_handler) for the verdicts that need sendas: MAIL (may this sender
 * be used at all?) and the final dot (deliver or durably queue, or refuse).
 * The reply to the final dot is the handler's verdict, nothing else.
 *
 * One command table (smtpd.c), one handler per command, one function that
 * changes the state.  Replies are RFC 5321's: 500 unknown command or line
 * too long, 501 bad arguments, 503 out of order, 502 not implemented
 * (VRFY, EXPN), 452 too many recipients, 552 too large, 555 unknown MAIL or
 * RCPT parameter, 421 when the session ends (timeouts, too many commands or
 * errors).
 *
 * Line handling, documented because it decides what can be smuggled:
 *   - a command line ends in CRLF and is at most SMTPD_COMMAND_LINE_MAX
 *     octets with it; a longer one is consumed to its end and answered 500;
 *     a command with a bare LF, a bare CR or a NUL is answered 500 too;
 *   - the content ends only at CRLF "." CRLF.  A text line is at most
 *     SMTPD_TEXT_LINE_MAX octets with its CRLF.  A longer line, a bare LF or
 *     bare CR, or a NUL makes the engine read on to the final dot and refuse
 *     the message there (500 5.5.2 for a long line, 550 5.6.0 otherwise), so
 *     a "\n.\n" can never end the data early (SMTP smuggling, 2023);
 *   - a line starting with "." loses that first dot (RFC 5321 4.5.2);
 *   - BDAT chunks are taken as they are (no unstuffing, no line rules: the
 *     send path makes the content canonical, CRLF only, as for the command
 *     line); a chunk is always read to its end before its BDAT is judged,
 *     so its bytes never pass for commands; DATA after BDAT is 503.
 *
 * A client that goes away (EOF, a read error, a timeout) mid-DATA gets
 * nothing delivered: the handler's deliver() is called only after the final
 * dot, and the spool is an unlinked file that disappears with the session.
 *
 * Ownership: the caller owns struct smtpd_peer and the handler context; the
 * engine owns the transaction and passes it to the handler for the length of
 * a call only.  Nothing is global; one session per call of smtpd_serve(). */
#ifndef SENDAS_SMTPD_H
#define SENDAS_SMTPD_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define SMTPD_COMMAND_LINE_MAX 512      /* RFC 5321 4.5.3.1.4, with CRLF */
#define SMTPD_TEXT_LINE_MAX 1000        /* RFC 5321 4.5.3.1.6, with CRLF */
#define SMTPD_PATH_MAX 256              /* RFC 5321 4.5.3.1.3, with <> */
#define SMTPD_RCPTS_MAX 100             /* RFC 5321 4.5.3.1.8: at least 100 */
#define SMTPD_SIZE_DEFAULT (50L * 1024 * 1024)  /* octets of content; in SIZE */
#define SMTPD_COMMANDS_MAX 10000        /* commands in one session */
#define SMTPD_ERRORS_MAX 20             /* refused commands before 421 */
#define SMTPD_IDLE_TIMEOUT 300          /* s waiting for a line: RFC 5321 4.5.3.2.7 */
#define SMTPD_TOTAL_TIMEOUT 3600        /* s for a whole session */
#define SMTPD_REPLY_TEXT_MAX 4096       /* a handler's reply text */
#define SMTPD_HOSTNAME_MAX 255
#define SMTPD_AUTH_LINE_MAX 12288       /* RFC 4954 4: an AUTH response line */

/* Who is on the other side.  Filled by smtpd_peer_identify() from the
 * input descriptor; the smarthost (TCP) will add the client address, the
 * TLS session and the AUTH identity here, so that handlers see one struct. */
enum smtpd_peer_kind {
	SMTPD_PEER_PIPE,          /* a pipe or terminal: the invoking user */
	SMTPD_PEER_UNIX,          /* an AF_UNIX stream socket: uid from SO_PEERCRED */
	SMTPD_PEER_TCP,           /* TCP (issue 16) */
};

/* How bytes move when not by read(2)/write(2) on the descriptors: the
 * smarthost puts its TLS session here after STARTTLS (issue 16).  The
 * descriptors stay, for poll(); pending() says how many bytes the
 * transport holds already (TLS records read but not handed out), so that
 * the engine does not wait for the descriptor then.  recv and send return
 * as read(2) and write(2) do. */
struct smtpd_transport {
	ssize_t (*recv)(void *ctx, void *buf, size_t n);
	ssize_t (*send)(void *ctx, const void *buf, size_t n);
	size_t (*pending)(void *ctx);
	void *ctx;
};

struct smtpd_peer {
	enum smtpd_peer_kind kind;
	int in_fd;
	int out_fd;
	const struct smtpd_transport *transport;  /* NULL: the descriptors */
	int have_cred;            /* uid, gid and pid are the peer's (SO_PEERCRED) */
	uid_t uid;                /* for a pipe: our own real uid */
	gid_t gid;
	pid_t pid;
	char addr[64];            /* TCP: "[address]:port"; else "" */
	int tls;                  /* TCP: STARTTLS done (issue 16) */
	const char *auth_user;    /* TCP: the AUTH identity, or NULL (issue 16) */
};

/* Fill p for the descriptors in_fd/out_fd: an AF_UNIX socket gives the
 * peer's credentials, anything else is a pipe run by our real uid. */
void smtpd_peer_identify(int in_fd, int out_fd, struct smtpd_peer *p);

/* One transaction, as the engine collected it.  Addresses are as the
 * client wrote them between < and > (the null sender is ""), at most
 * SMTPD_PATH_MAX - 2 octets, without CR, LF or NUL. */
struct smtpd_txn {
	char *sender;
	char **rcpts;             /* rcpts[nrcpts] is NULL */
	size_t nrcpts;
	int body_8bit;            /* BODY=8BITMIME */
	int smtputf8;             /* SMTPUTF8 */
	long size_declared;       /* SIZE=, or -1 */
	char *dsn_ret;            /* RET=FULL|HDRS, or NULL */
	char *dsn_envid;          /* ENVID=, or NULL */
	char *dsn_notify;         /* NOTIFY= of the first recipient that had one */
	int fd;                   /* deliver(): the content, unstuffed, CRLF lines,
				   * in an unlinked file at offset 0; else -1 */
	off_t size;               /* octets in fd */
};

/* A verdict from a handler: code (2xx, 4xx, 5xx), an enhanced code ("" for
 * none; the engine adds X.0.0 from the class then) and text, whose lines
 * are separated by '\n' (each becomes a reply line; CR and other controls
 * are replaced by the engine). */
struct smtpd_reply {
	int code;
	char enhanced[16];
	struct buf text;          /* at most SMTPD_REPLY_TEXT_MAX */
};

/* Set a verdict (printf-style text; the old text is replaced). */
void smtpd_reply_set(struct smtpd_reply *r, int code, const char *enhanced,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The handler: what sendas decides.  Each gets ctx, the peer, the
 * transaction so far and a reply preset to the engine's acceptance; it
 * changes the reply to refuse.  NULL members accept. */
struct smtpd_handler {
	void (*mail)(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		     struct smtpd_reply *r);
	void (*rcpt)(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		     const char *rcpt, struct smtpd_reply *r);
	/* After the final dot: deliver upstream or queue durably (2xx), or
	 * refuse.  t->fd and t->size hold the content. */
	void (*deliver)(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
			struct smtpd_reply *r);
	/* A command the table does not know (private verbs: only the local
	 * socket has them).  Return 0 when it is not one of the handler's
	 * (the engine answers 500), 1 when r holds the answer; r's text
	 * lines may be many. */
	int (*verb)(void *ctx, const struct smtpd_peer *p, const char *verb,
		    const char *args, struct smtpd_reply *r);
	/* STARTTLS (RFC 3207), offered while the peer has no TLS when not
	 * NULL.  Called after the engine wrote "220" and dropped every octet
	 * the client sent after the command (no injection across the
	 * handshake).  It shakes hands and points the peer's io at the TLS
	 * session (its transport; the handler owns the peer); 0, or -1 to end
	 * the session.
	 * The engine then forgets EHLO, as RFC 3207 4.2 demands. */
	int (*starttls)(void *ctx);
	/* AUTH (RFC 4954).  auth_mechs: the mechanisms to announce now (for
	 * example none before STARTTLS), space separated, or NULL for no AUTH
	 * in the EHLO reply.  auth: one step of an exchange (first: the
	 * AUTH command itself, a new exchange; a cancelled one is never
	 * continued); in is the client's base64 response (NULL: none yet,
	 * "" for "="); return 1 with
	 * *challenge (base64, a new string) to send a 334, or 0 with r set:
	 * 235 (the handler has set the peer's auth_user), 535, 530, 504 or
	 * 421 (the engine ends the session after a 421 from any handler). */
	const char *(*auth_mechs)(void *ctx, const struct smtpd_peer *p);
	int (*auth)(void *ctx, const struct smtpd_peer *p, const char *mech, int first,
		    const char *in, char **challenge, struct smtpd_reply *r);
	void *ctx;
};

struct smtpd_params {
	const char *hostname;     /* in the greeting and EHLO reply */
	long size_max;            /* 0: SMTPD_SIZE_DEFAULT */
	size_t rcpts_max;         /* 0: SMTPD_RCPTS_MAX */
	int idle_timeout;         /* s; 0: SMTPD_IDLE_TIMEOUT */
	int total_timeout;        /* s; 0: SMTPD_TOTAL_TIMEOUT */
	unsigned commands_max;    /* 0: SMTPD_COMMANDS_MAX */
	const char *spool_dir;    /* for the content; NULL: $TMPDIR or /tmp */
	const struct smtpd_handler *handler;
	/* A line of the session log (connect, each transaction's verdict,
	 * disconnect) for syslog or stderr; NULL: none. */
	void (*log)(void *log_ctx, const char *line);
	void *log_ctx;
	/* The smarthost: log only the session's end (one line per session)
	 * and leave the transactions' lines to the handler, which knows the
	 * account and the provider's reply. */
	int log_session_only;
};

/* How a session ended. */
enum smtpd_end {
	SMTPD_END_QUIT,           /* QUIT answered */
	SMTPD_END_EOF,            /* the client went away */
	SMTPD_END_TIMEOUT,        /* idle or total timeout: 421 sent */
	SMTPD_END_LIMIT,          /* too many commands or errors: 421 sent */
	SMTPD_END_IO,             /* a read or write failed, or no spool */
};

/* Serve one session on p's descriptors, from the greeting to QUIT or the
 * end of the input.  Never exits; returns how it ended. */
enum smtpd_end smtpd_serve(const struct smtpd_params *sp, const struct smtpd_peer *p);

/* The command parser alone, for tests and the fuzz target: parse one
 * command line (without CRLF, len octets) into the verb (uppercased, at
 * most 15 octets) and a pointer to its arguments (line[len] must be NUL
 * for them to be a string).  0, or -1 when the line is not a command
 * (empty, a verb that is not 1..15 letters, controls, NUL, too long). */
int smtpd_parse_command(const char *line, size_t len, char verb[16], const char **args);

/* Parse "FROM:<path> params" (MAIL) or "TO:<path> params" (RCPT); the
 * keyword is "FROM" or "TO".  On success *path (a new string, "" for <>)
 * and *params (points into args) are set and 0 returned; otherwise -1 and
 * a reason (a constant string).  Pure. */
int smtpd_parse_path(const char *args, const char *keyword, char **path,
		     const char **params, const char **reason);

#endif
