/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_log.c: one log line per message, to syslog and/or a file (see
 * report.h).  key=value pairs, values quoted when they hold a space, a quote,
 * a backslash or '='.  Values are escaped as everywhere else (escape.h), so
 * one message is one line and server text reads as on stderr; inside quotes
 * a quote is \x22, in the same style, so a value ends at the next quote. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "escape.h"
#include "i18n.h"
#include "report.h"

#define LOG_BUILD_MAX (64 * 1024)   /* built first, then cut to REPORT_LOG_LINE_MAX */

static void add_value(struct buf *b, const char *v, size_t n)
{
	struct buf shown;
	const char *s;
	int quote;

	buf_init(&shown, n * 4 + 1);
	if (escape_add(&shown, v, n) < 0)
		shown.truncated = 1;    /* cannot happen: four bytes at most per byte */
	s = buf_str(&shown);
	quote = shown.len == 0 || strcspn(s, " \"=\\") < shown.len;
	if (quote)
		buf_addc_trunc(b, '"');
	for (; *s; s++)
		if (quote && *s == '"')
			buf_adds_trunc(b, "\\x22");
		else
			buf_addc_trunc(b, *s);
	if (quote)
		buf_addc_trunc(b, '"');
	buf_release(&shown);
}

static void add_field(struct buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	buf_printf_trunc(b, "%s%s=", b->len ? " " : "", key);
	add_value(b, v, strlen(v));
}

void report_log_field(struct buf *b, const char *key, const char *v)
{
	add_field(b, key, v);
}

/* The reply's lines joined with " / ": IONOS puts its reason on line 2. */
static void add_reply(struct buf *b, const struct reply *r)
{
	struct buf joined;
	const char *line;
	size_t len;
	int i;

	buf_init(&joined, REPLY_TEXT_MAX + REPLY_LINES_MAX * 3);
	for (i = 0; i < r->nlines; i++) {
		line = reply_raw_line(r, i, &len);
		if (i)
			buf_adds_trunc(&joined, " / ");
		buf_add_trunc(&joined, line, len);
	}
	buf_adds_trunc(b, " reply=");
	add_value(b, buf_str(&joined), joined.len);
	buf_release(&joined);
}

static void add_recipients(struct buf *b, const struct report_context *rc)
{
	struct buf list;
	size_t i;

	buf_init(&list, LOG_BUILD_MAX);
	for (i = 0; i < rc->nrcpts; i++)
		buf_printf_trunc(&list, "%s<%s>", i ? "," : "", rc->rcpts[i]);
	add_field(b, "rcpts", buf_str(&list));
	buf_release(&list);
}

static void build_line(struct buf *b, const struct report_outcome *o)
{
	const struct report_context *rc = o->rc;
	const struct error *err = o->err;
	char num[64];

	add_field(b, "status", report_status(err));
	if (err->category != CAT_NONE) {
		add_field(b, "category", category_name(err->category));
		if (o->res)
			add_field(b, "step", smtp_state_name(o->res->stage));
	}
	add_field(b, "account", rc->account);
	if (rc->host) {
		snprintf(num, sizeof num, "%s:%s", rc->host, rc->port ? rc->port : "");
		add_field(b, "host", num);
	}
	if (rc->sender)
		buf_printf_trunc(b, " sender=<%s>", rc->sender);
	add_recipients(b, rc);
	buf_printf_trunc(b, " size=%lld", rc->size);
	add_field(b, "msgid", rc->message_id);
	if (o->res && o->res->reply.code)
		add_reply(b, &o->res->reply);
	else if (err->category != CAT_NONE)
		add_field(b, "error", err->text);
	if (o->obs)
		buf_printf_trunc(b, " duration_ms=%lld", report_elapsed_ms(o->obs));
}

static int append_file(const char *path, const char *line, size_t len, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char word[ERROR_WORD_MAX];
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	struct buf b;
	ssize_t n;
	int fd, saved;

	/* "-": standard output, as msmtp's "logfile -". */
	fd = strcmp(path, "-") == 0 ? dup(STDOUT_FILENO)
	     : open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, CAT_IO, N_("cannot open the log file %s: %s"), path,
				 error_errno(errno, eno));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, REPORT_LOG_LINE_MAX + 128);
	buf_printf_trunc(&b, "%s sendas[%ld]: %.*s\n", stamp, (long)getpid(), (int)len, line);
	/* One write with O_APPEND: lines of concurrent senders do not mix. */
	n = write(fd, b.data, b.len);
	saved = errno;
	close(fd);
	if (n != (ssize_t)b.len) {
		buf_release(&b);
		return error_set(err, CAT_IO, N_("cannot write to the log file %s: %s"), path,
				 n < 0 ? error_errno(saved, eno) : error_word(N_("short write"), word));
	}
	buf_release(&b);
	return 0;
}

int report_syslog_facility(const char *setting)
{
	static const struct {
		const char *name;
		int facility;
	} facilities[] = {
		{ "on", LOG_MAIL }, { "LOG_MAIL", LOG_MAIL }, { "LOG_USER", LOG_USER },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; setting && i < sizeof facilities / sizeof facilities[0]; i++)
		if (strcmp(setting, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

int report_log(const struct report_outcome *o, int facility, const char *logfile,
	       struct error *err)
{
	struct buf b;
	size_t len;
	int r;

	if (facility < 0 && !logfile)
		return 0;
	buf_init(&b, LOG_BUILD_MAX);
	build_line(&b, o);
	len = b.len;
	if (len > REPORT_LOG_LINE_MAX) {
		len = REPORT_LOG_LINE_MAX;
		memcpy(b.data + len - 3, "...", 3);
	}
	r = report_log_write(buf_str(&b), len, o->err->category != CAT_NONE, facility, logfile,
			     err);
	buf_release(&b);
	return r;
}

int report_log_write(const char *line, size_t len, int warning, int facility,
		     const char *logfile, struct error *err)
{
	if (facility >= 0) {
		openlog("sendas", LOG_PID, facility);
		syslog(warning ? LOG_WARNING : LOG_INFO, "%.*s", (int)len, line);
		closelog();
	}
	return logfile ? append_file(logfile, line, len, err) : 0;
}
