/* report.c: see report.h. */
#include "config.h"

#include <string.h>

#include "i18n.h"
#include "report.h"

void report_trace(void *ctx, char dir, const char *text, size_t len)
{
	FILE *out = ctx;
	const char *prefix = dir == '>' ? "--> " : dir == '<' ? "<-- " : "*** ";
	const char *end = text + len, *nl;

	/* Events may span lines (TLS details); prefix each one. */
	while (text < end) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (!nl)
			nl = end;
		fprintf(out, "%s%.*s\n", prefix, (int)(nl - text), text);
		text = nl + 1;
	}
	fflush(out);
}

static void print_reply(FILE *out, const struct reply *r)
{
	const char *p = buf_str(&r->text), *nl;

	while (*p) {
		nl = strchr(p, '\n');
		fprintf(out, "    %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void print_refused_recipients(FILE *out, const struct smtp_result *res,
				     const struct report_context *rc)
{
	size_t i;

	for (i = 0; i < res->nrcpts && i < rc->nrcpts; i++) {
		if (res->rcpts[i].accepted || res->rcpts[i].reply.code == 0)
			continue;
		fprintf(out, _("  recipient %s refused:\n"), rc->rcpts[i]);
		print_reply(out, &res->rcpts[i].reply);
	}
}

static void print_where(FILE *out, const struct smtp_result *res,
			const struct report_context *rc)
{
	if (res)
		fprintf(out, _("  step: %s\n"), smtp_state_name(res->stage));
	if (rc->account)
		fprintf(out, _("  account: %s\n"), rc->account);
	if (rc->host)
		fprintf(out, _("  server: %s:%s\n"), rc->host, rc->port ? rc->port : "");
	if (rc->user)
		fprintf(out, _("  login: %s\n"), rc->user);
	if (rc->sender)
		fprintf(out, _("  sender: <%s>\n"), rc->sender);
}

void report_failure(FILE *out, const struct error *err, const struct smtp_result *res,
		    const struct report_context *rc)
{
	fprintf(out, "sendas: %s (%s)\n", err->text, category_label(err->category));
	if (res && res->reply.code) {
		fprintf(out, _("  the server said:\n"));
		print_reply(out, &res->reply);
	}
	if (res && err->category == CAT_RECIPIENT)
		print_refused_recipients(out, res, rc);
	print_where(out, res, rc);
	fflush(out);
}
