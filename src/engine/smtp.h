/* smtp.h: the SMTP submission engine (RFC 5321, 3207, 4954, 2920, 6409).
 *
 * The engine talks SMTP and nothing else: it does not choose accounts, read
 * files or print.  A session is opened (connect, greeting, EHLO, STARTTLS or
 * implicit TLS, EHLO again, AUTH), carries one or more transactions, and is
 * closed with QUIT.  Each step is a named state; smtp_set_state() in smtp.c is
 * the only place that changes it, and it is traced.  Every command is queued
 * with the reply it expects; one reader (next_reply() in smtp.c) reads the
 * replies in order and hands each to the handler of what its command
 * expected, so pipelining, BDAT chunks sent ahead, a pipelined AUTH and the
 * QUIT that leaves with the content are all one mechanism.
 *
 * Every outcome is written into a struct smtp_result: the stage reached, the
 * reply that decided it (the first failure of a pipelined group, never the
 * 503/554 that follow from it), and each recipient's own reply.  Errors come
 * back as -1 plus struct error, whose category the caller's classifier
 * (smtp_params.classify) derived from the stage and the reply. */
#ifndef SENDAS_SMTP_H
#define SENDAS_SMTP_H

#include <stddef.h>
#include <sys/types.h>

#include "auth.h"
#include "content.h"
#include "error.h"
#include "reply.h"
#include "tls.h"

enum smtp_state {
	SMTP_CONNECT,
	SMTP_GREETING,
	SMTP_EHLO,
	SMTP_STARTTLS,
	SMTP_TLS,
	SMTP_AUTH,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_BODY,              /* the content and the final dot */
	SMTP_BDAT,              /* RFC 3030 chunks; the verdict is on BDAT LAST */
	SMTP_RSET,
	SMTP_QUIT,
	SMTP_DONE,
	SMTP_STATE_COUNT
};

/* "MAIL", "RCPT", "after DATA", ... for messages and traces. */
const char *smtp_state_name(enum smtp_state st);

enum smtp_tls_mode {
	SMTP_TLS_STARTTLS,      /* RFC 3207; refuse to go on without it */
	SMTP_TLS_IMPLICIT,      /* RFC 8314, port 465 */
	SMTP_TLS_OFF,           /* plaintext: no AUTH is ever sent */
};

/* Capabilities from EHLO, as bits. */
enum smtp_cap {
	CAP_PIPELINING = 1 << 0,
	CAP_SIZE = 1 << 1,
	CAP_8BITMIME = 1 << 2,
	CAP_SMTPUTF8 = 1 << 3,
	CAP_DSN = 1 << 4,
	CAP_CHUNKING = 1 << 5,
	CAP_ENHANCEDSTATUSCODES = 1 << 6,
	CAP_STARTTLS = 1 << 7,
	CAP_AUTH = 1 << 8,
};

/* Where the engine reports what it sends and receives, for -v.  dir is '>'
 * (client), '<' (server) or '*' (an event).  AUTH data is already redacted. */
typedef void smtp_trace_fn(void *ctx, char dir, const char *text, size_t len);

/* Each complete reply the engine read (334 challenges included), with the
 * step it answered; ctx is trace_ctx.  For observers that keep replies:
 * they get them parsed, from the one reader. */
typedef void smtp_reply_fn(void *ctx, enum smtp_state step, const struct reply *r);

/* What a refusal at a step means (classify.c's classify_reply(), which sits
 * in the policy layer above the engine and is handed down through here).
 * NULL: 4xx is CAT_TEMPORARY, anything else CAT_UNAVAILABLE. */
typedef enum category smtp_classify_fn(enum smtp_state stage, const struct reply *r);

struct smtp_params {
	const char *host;       /* A-label */
	const char *port;
	enum smtp_tls_mode tls_mode;
	struct tls_params tls;
	const char *helo_name;  /* EHLO argument */
	int timeout;            /* seconds for each read and write */
	/* RFC 5321 4.5.3.2: the reply to the final dot (and to BDAT LAST) may
	 * take ten minutes; a client that gives up earlier makes duplicates.
	 * Seconds; the longer of this and timeout applies.  0: timeout. */
	int final_timeout;
	/* Seconds for the whole of smtp_open(), and again for each
	 * smtp_send(): a server that trickles bytes cannot hold us longer.
	 * 0: none. */
	int deadline;
	const struct auth_params *auth;  /* NULL: do not authenticate */
	/* Let a one-round-trip AUTH (PLAIN) leave with the first transaction
	 * when the server pipelines (RFC 4954 section 4): smtp_open() then
	 * returns before the AUTH reply, and smtp_send() (or smtp_close())
	 * reads it.  A refused AUTH is then the cause smtp_send() reports, the
	 * 530/503 replies after it only consequences.  Leave 0 when the caller
	 * must know the login's outcome from smtp_open() itself. */
	int pipeline_auth;
	smtp_trace_fn *trace;   /* NULL: silent */
	void *trace_ctx;
	smtp_reply_fn *on_reply;  /* NULL: none */
	smtp_classify_fn *classify;
};

struct envelope {
	const char *sender;     /* "" for the null sender */
	const char *const *rcpts;
	size_t nrcpts;
	int body_8bit;          /* BODY=8BITMIME */
	int smtputf8;           /* SMTPUTF8 */
	/* DSN (RFC 3461), sent only when the server offers DSN; NULL: none. */
	const char *dsn_notify; /* NOTIFY= for every recipient */
	const char *dsn_ret;    /* RET= */
	const char *envid;      /* ENVID=, already xtext-safe (cli.c checks) */
};

struct smtp_rcpt_result {
	struct reply reply;
	int accepted;
	int delivered;          /* its transaction's content was accepted */
};

struct smtp_result {
	enum smtp_state stage;  /* the step that decided the outcome */
	struct reply reply;     /* the reply that decided it (code 0: none) */
	struct smtp_rcpt_result *rcpts;
	size_t nrcpts;
	unsigned caps;
	unsigned long size_limit;
	char *greeting_host;    /* first word of the 220 greeting */
	char *auth_offered;     /* the server's AUTH list, or NULL */
	const char *auth_mech;  /* the mechanism used, or NULL */
	char *tls_version;      /* e.g. "TLS1.3", or NULL */
	unsigned long writes;   /* writes made on the connection */
};

void smtp_result_init(struct smtp_result *r);
void smtp_result_release(struct smtp_result *r);

struct smtp_session;

/* Connect, greet, secure, authenticate.  NULL and err on failure; res says
 * the stage and the reply.  With p->pipeline_auth, an AUTH PLAIN may still
 * be waiting for its reply on return (see there). */
struct smtp_session *smtp_open(const struct smtp_params *p, struct smtp_result *res,
			       struct error *err);

/* One message: MAIL, RCPT..., then DATA and the content dot-stuffed, or
 * with CHUNKING the content unstuffed in BDAT chunks, the last one "BDAT n
 * LAST" (RFC 3030), all in large writes; the commands pipelined when offered
 * (RFC 2920).  With one recipient and a small message, MAIL, RCPT and BDAT
 * LAST with the content leave in one write (with a pipelined AUTH, the same
 * write): nothing can be delivered against our will, since a refused RCPT
 * leaves no recipient for BDAT LAST.
 *
 * All recipients must be accepted or nothing is sent (RSET, or dropping the
 * connection when the server already said 354), so a retry never duplicates.
 * One exception, RFC 5321 4.5.3.1.10: recipients refused with "452 too many
 * recipients" after others were accepted get the message in a further
 * transaction; rcpts[].delivered says who has it when a later one fails.
 * With a pipelined AUTH that the server refused but a BDAT LAST it accepted
 * anyway (a server that takes mail without a login), the message was
 * accepted and smtp_send() says so.  0 when the server accepted the message. */
int smtp_send(struct smtp_session *s, const struct envelope *env,
	      const struct smtp_content *content, struct smtp_result *res,
	      struct error *err);

/* The next smtp_send() is the last on this session: its QUIT leaves in the
 * same write as the end of the content and its reply is read right after
 * the verdict, so smtp_close() costs no round trip.  For queue flushes, call
 * it before the last message only. */
void smtp_last_message(struct smtp_session *s);

/* Whether the session can carry another message: not once the engine
 * dropped the connection (an I/O error, or content the server was already
 * reading that had to be aborted), nor once QUIT went with the last
 * message.  A queue flush then opens a new one. */
int smtp_usable(const struct smtp_session *s);

/* QUIT (best effort, unless smtp_send() sent it already) and free.  NULL is
 * fine. */
void smtp_close(struct smtp_session *s);

/* --probe: may this login use env->sender?  MAIL FROM (SMTPUTF8 when
 * env->smtputf8; no other parameter), then RCPT TO for each recipient, one
 * command at a time so that a refusal's step is exact, then RSET: nothing
 * is sent and no transaction stays open.  0 when every command was
 * accepted (res->stage RCPT, res->reply the last RCPT reply); -1 and err:
 * the first refusal, classified (res->stage, res->reply, the session stays
 * usable), or an I/O or protocol error (the session is then closed and every
 * later call fails with CAT_CONNECT).  Open the session without
 * pipeline_auth, so that an AUTH refusal comes from smtp_open(). */
int smtp_probe(struct smtp_session *s, const struct envelope *env,
	       struct smtp_result *res, struct error *err);

/* --serverinfo: tls_describe() of the session's TLS; nothing when plain. */
void smtp_describe_tls(struct smtp_session *s, struct buf *out);

#endif
