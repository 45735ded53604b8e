/* report.h: what the user sees: the -v transcript and the failure report.
 *
 * The first line of a failure report is "sendas: <what failed> (<category>)",
 * so that callers that show one line (mutt, cron mail, systemd's journal)
 * show the essential; then the server's whole reply, verbatim; then where it
 * happened (step, account, server, login, sender); then a hint. */
#ifndef SENDAS_REPORT_H
#define SENDAS_REPORT_H

#include <stdio.h>

#include "error.h"
#include "smtp.h"

struct report_context {
	const char *account;
	const char *host;
	const char *port;
	const char *user;
	const char *sender;
	const char *const *rcpts;
	size_t nrcpts;
};

/* An smtp_trace_fn writing "--> ", "<-- " and "*** " lines to the FILE *
 * given as ctx.  Its input is already redacted by the engine. */
void report_trace(void *ctx, char dir, const char *text, size_t len);

/* The failure report on out.  res may be NULL (a local failure). */
void report_failure(FILE *out, const struct error *err, const struct smtp_result *res,
		    const struct report_context *rc);

#endif
