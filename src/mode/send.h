/* SPDX-License-Identifier: GPL-3.0-or-later */
/* send.h: the send mode: one message, through the account file, account
 * selection and credentials, to the engine, and into a report.
 *
 * send_message() is the one path every way in uses: the command line
 * (mode_send: stdin, the envelope from -f/From/$EMAIL and the arguments or
 * -t) and the SMTP server side (bs.c: the envelope from MAIL and RCPT, the
 * content spooled by smtpd.c).  Same selection, same preparation, same
 * submission, same queueing, same logs.  The verdict says what happened;
 * mode_send turns it into the exit code, bs.c into the reply to the dot. */
#ifndef SENDAS_SEND_H
#define SENDAS_SEND_H

#include <stdio.h>

#include "conf.h"
#include "error.h"
#include "keep.h"
#include "options.h"
#include "smtp.h"

struct send_request {
	const struct options *o;  /* -a, -F, -v; -C when conf is NULL; and, when
				   * envelope is NULL, -f, -t, -i, the recipients
				   * and the DSN options */
	const struct conf *conf;  /* the account file, or NULL: load it here */
	int in_fd;                /* the message */
	/* The envelope as an SMTP client gave it, or NULL: from the command
	 * line.  Its content is then read with ignore_dots (it was already
	 * unstuffed). */
	const struct send_envelope {
		const char *sender;   /* "" for the null sender */
		const char *const *rcpts;
		size_t nrcpts;
		const char *dsn_notify, *dsn_ret, *envid;  /* or NULL */
	} *envelope;
	const char *trace;        /* a Received field (CRLF lines) to put first, or NULL */
	const char *owner;        /* the submitting uid for a queued copy, or NULL */
	FILE *report;             /* the failure report, warnings and where the message
				   * was kept; NULL: nowhere (the verdict says it) */
	int json;                 /* --json on stdout */
	/* A message refused for a local reason (the account file, no account,
	 * the aliases) is kept in failed/ when report is not a terminal
	 * (cron, systemd, scripts); 0: never (an SMTP client has the refusal
	 * as its reply; --queue-retry of such a copy has the copy). */
	int keep_local;
};

struct send_verdict {
	int exit_code;            /* 0, or sysexits.h as for the command line */
	struct error err;         /* why not sent (CAT_NONE when it was) */
	struct reply reply;       /* the provider's deciding reply (code 0: none) */
	enum smtp_state stage;    /* where it was decided, when reply.code */
	char account[128];        /* the account used, or "" */
	enum kept kept;           /* what became of a message not sent */
	char queue_id[QUEUE_ID_LEN + 1];
};

void send_verdict_init(struct send_verdict *v);
void send_verdict_release(struct send_verdict *v);

/* Send one message as described above; the verdict is filled either way.
 * Returns v->exit_code. */
int send_message(const struct send_request *rq, struct send_verdict *v);

/* The command line: send_message() on stdin, reports on stderr; with no
 * readable account file, through the local submission socket (handoff.h). */
int mode_send(const struct options *o);

/* The command line's send for the message in fd (read to its end;
 * o->ignore_dots as for stdin), reports on stderr.  keep_local as in
 * struct send_request (mailq.h's --queue-retry of a local refusal: 0). */
int send_message_fd(const struct options *o, int fd, int keep_local);

#endif
