/* drain.c: see drain.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "classify.h"
#include "drain.h"
#include "escape.h"
#include "i18n.h"
#include "message.h"
#include "queue.h"
#include "send_limits.h"
#include "session.h"
#include "xalloc.h"

/* One account's turn in one queue directory. */
struct flush {
	struct queue *q;
	char *name;                    /* the account the messages name (owned) */
	const struct account *a;       /* NULL: no longer in the account file */
	const char *conf_path;
	struct queue_settings set;
	time_t now;
	int verbose;
	int may_connect;               /* 0: only the session given */
	int all;                       /* -q: every message now; --due: the due ones */
	const char *owner;             /* only this owner's messages (queue.h); NULL: all */
	int quiet;                     /* after a send without -v: never on stderr */
	int log_facility;              /* when quiet: syslog facility; -1: nowhere */
	smtp_trace_fn *trace;          /* for the sessions it opens; NULL: silent */
	struct smtp_session *s;
	unsigned caps;
	struct smtp_result res;
	struct error session_err;      /* why no session could be opened */
	struct session_setup setup;    /* parameters, credentials */
	struct drain_result *out;
};

/* Local errors outrank refusals, which outrank deferrals. */
static int code_rank(int code)
{
	if (code == EX_OK)
		return 0;
	if (code == EX_TEMPFAIL)
		return 1;
	return code == EX_IOERR || code == EX_CONFIG ? 3 : 2;
}

static void note_code(struct drain_result *r, int code)
{
	if (code_rank(code) > code_rank(r->code))
		r->code = code;
}

/* One line about a queued message: on stderr, or, after a send (quiet),
 * to the account's syslog only (log_facility; -1: nowhere), since cron
 * mails every stderr line of a send that succeeded. */
static void say(const struct flush *f, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(const struct flush *f, int priority, const char *fmt, ...)
{
	char line[QUEUE_TEXT_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!f->quiet)
		fputs(line, stderr);
	else if (f->log_facility >= 0)
		syslog(f->log_facility | priority, "%.*s", (int)strcspn(line, "\n"), line);
}

/* A message that stays queued, due at next. */
static void note_waiting(struct drain_result *r, time_t next)
{
	r->deferred++;
	if (!r->next_try || next < r->next_try)
		r->next_try = next;
}

static void warn(const struct flush *f, const struct error *err)
{
	say(f, LOG_ERR, "sendas: %s\n", err->text);
	note_code(f->out, category_exit_code(err->category));
}

/* ---- the session ---- */

static int open_session(struct flush *f, struct error *err)
{
	if (!f->a)
		return error_set(err, CAT_CONFIG, N_("account %s is no longer in %s"), f->name,
				 f->conf_path);
	if (!f->setup.password && !f->setup.token &&
	    session_credentials(f->a, &f->setup, err) < 0)
		return -1;
	session_params(f->a, f->a->user != NULL, f->trace, stderr, &f->setup);
	/* A refused login must come back from smtp_open(): it defers every
	 * message, where a refusal of one message fails that one. */
	f->setup.smtp.pipeline_auth = 0;
	smtp_result_release(&f->res);   /* a result is for one session */
	smtp_result_init(&f->res);
	f->s = session_open(&f->setup, f->a, &f->res, err);
	if (!f->s)
		return -1;
	f->caps = f->res.caps;
	return 0;
}

static void close_session(struct flush *f)
{
	if (f->may_connect)
		smtp_close(f->s);
	f->s = NULL;
}

/* ---- one message ---- */

/* A server without 8BITMIME gets what the send mode would have sent it:
 * the body re-encoded by message.c.  message_read() reads its input to the
 * end, and the records follow the content, so it reads an unnamed copy. */
static int reencode(struct flush *f, const struct queue_entry *e, struct message *m,
		    struct error *err)
{
	struct message_options mo = { .ignore_dots = 1 };
	int fd = queue_content_copy(f->q, e, err);
	int r = fd < 0 ? -1 : 0;

	if (r == 0)
		r = message_read(fd, &mo, m, err);
	if (r == 0)
		r = message_prepare(m, &(struct message_prepare){ .sender = e->sender,
				    .now = e->queued }, err);
	if (r == 0)
		r = message_make_7bit(m, err);
	if (fd >= 0)
		close(fd);
	return r;
}

static int send_entry(struct flush *f, const struct queue_entry *e, struct error *err)
{
	struct envelope env = {
		.sender = e->sender, .rcpts = (const char *const *)e->rcpts,
		.nrcpts = e->nrcpts, .body_8bit = e->body_8bit, .smtputf8 = e->smtputf8,
		.dsn_notify = e->notify, .dsn_ret = e->ret, .envid = e->envid,
	};
	struct smtp_content c = { .fd = e->fd, .offset = e->offset, .size = e->size };
	struct message m;
	int r = 0;

	if (f->verbose)
		fprintf(stderr, _("sendas: sending %s\n"), e->id);
	message_init(&m);
	if (e->body_8bit && !(f->caps & CAP_8BITMIME)) {
		r = reencode(f, e, &m, err);
		c = (struct smtp_content){ .prefix = m.prefix.data, .prefix_len = m.prefix.len,
					   .fd = m.fd, .size = message_size(&m) };
		env.body_8bit = m.has_8bit;
	}
	if (r == 0)
		r = smtp_send(f->s, &env, &c, &f->res, err);
	message_release(&m);
	return r;
}

/* The line for a message that stays queued, due at next. */
static void said_deferred(struct flush *f, const struct queue_entry *e,
			  const struct error *why, time_t next)
{
	char in[32], *shown;

	queue_duration(in, sizeof in, (long)(next - f->now));
	shown = escape_dup(why->text);
	say(f, LOG_WARNING, _("sendas: %s not sent, next try in %s: %s\n"), e->id, in, shown);
	free(shown);
	note_code(f->out, EX_TEMPFAIL);
	note_waiting(f->out, next);
}

static void defer(struct flush *f, struct queue_entry *e, const struct error *why)
{
	struct error err;

	if (queue_defer(f->q, e, why, f->now, &err) < 0) {
		warn(f, &err);
		return;
	}
	said_deferred(f, e, why, e->next_try);
}

/* Over the account's send limits: due again when the window allows. */
static void defer_limited(struct flush *f, struct queue_entry *e, const struct error *why,
			  time_t next)
{
	struct error err;

	if (queue_defer_until(f->q, e, why, f->now, next, &err) < 0) {
		warn(f, &err);
		return;
	}
	said_deferred(f, e, why, next);
}

/* A slot under the account's send limits (send_limits.h): 0 taken (or
 * none needed), else the message was deferred or the counter failed. */
static int take_slot(struct flush *f, struct queue_entry *e, struct limits_slot *slot)
{
	struct error err;
	int r;

	slot->at = 0;
	if (!f->a || !limits_rated(f->a))
		return 0;
	error_clear(&err);
	r = limits_take(f->q->dir, f->a, f->now, slot, &err);
	if (r == 1)
		defer_limited(f, e, &err, slot->next);
	else if (r < 0)
		defer(f, e, &err);
	return r;
}

static void fail(struct flush *f, struct queue_entry *e, const struct error *why)
{
	struct error err;
	char *shown;

	if (queue_fail(f->q, e, why, f->now, &err) < 0) {
		warn(f, &err);
		return;
	}
	shown = escape_dup(why->text);
	say(f, LOG_ERR, _("sendas: %s failed, kept in %s/failed: %s\n"), e->id, f->q->dir, shown);
	free(shown);
	note_code(f->out, category_exit_code(why->category));
	f->out->failed++;
}

/* Recipients a 452 split delivered before a later part failed: they are
 * done, whatever happens to the others. */
static void note_delivered(struct flush *f, struct queue_entry *e)
{
	const char **done = xcalloc(e->nrcpts + 1, sizeof *done);
	struct error err;
	size_t i, n = 0;

	for (i = 0; f->res.nrcpts == e->nrcpts && i < e->nrcpts; i++)
		if (f->res.rcpts[i].delivered)
			done[n++] = e->rcpts[i];
	if (n && queue_done(f->q, e, done, n, &err) < 0)
		warn(f, &err);
	free(done);
}

/* The outcome of a try: removed only after the server's 250. */
static void settle(struct flush *f, struct queue_entry *e, int r, const struct error *why)
{
	struct error err;

	if (r == 0 && queue_remove(f->q, e, &err) < 0) {
		say(f, LOG_ERR, _("sendas: %s was sent, but it cannot be removed from the "
				  "queue and may be sent again: %s\n"), e->id, err.text);
		note_code(f->out, EX_IOERR);
	} else if (r == 0 && f->verbose) {
		fprintf(stderr, _("sendas: %s sent\n"), e->id);
	}
	if (r == 0)
		f->out->sent++;
	if (r == 0)
		return;
	note_delivered(f, e);
	/* A local failure (reading the queue file, re-encoding) is not the
	 * message's fault either. */
	if (category_retryable(why->category) || category_local(why->category))
		defer(f, e, why);
	else
		fail(f, e, why);
}

static void expire(struct flush *f, struct queue_entry *e)
{
	struct error why;
	char life[32];

	queue_duration(life, sizeof life, f->set.lifetime);
	queue_last_reason(e, CAT_UNAVAILABLE, &why);
	error_prefix(&why, N_("not sent within %s (queue_lifetime); the last error was"), life);
	fail(f, e, &why);
}

/* last: no other message of this account follows, so QUIT can leave with
 * the end of this one (smtp_last_message()). */
static int any_delivered(const struct flush *f, const struct queue_entry *e)
{
	size_t i;

	for (i = 0; f->res.nrcpts == e->nrcpts && i < e->nrcpts; i++)
		if (f->res.rcpts[i].delivered)
			return 1;
	return 0;
}

static void flush_entry(struct flush *f, struct queue_entry *e, int last)
{
	struct limits_slot slot;
	struct error err;
	int r;

	if (f->now - e->queued >= f->set.lifetime) {
		expire(f, e);
		return;
	}
	if (!f->all && !queue_due(e, f->now)) {
		note_waiting(f->out, e->next_try);
		return;
	}
	if (!f->s && !f->may_connect)
		return;
	if (take_slot(f, e, &slot) != 0)
		return;
	if (!f->s && f->session_err.category == CAT_NONE)
		open_session(f, &f->session_err);
	if (!f->s) {
		limits_give_back(f->q->dir, f->a, &slot);
		defer(f, e, &f->session_err);
		return;
	}
	if (last)
		smtp_last_message(f->s);
	error_clear(&err);
	/* Every recipient done: a crash came after the last "done" record. */
	r = e->nrcpts ? send_entry(f, e, &err) : 0;
	if (r != 0 && !any_delivered(f, e))
		limits_give_back(f->q->dir, f->a, &slot);
	settle(f, e, r, &err);
	if (!smtp_usable(f->s))
		close_session(f);
}

/* ---- a queue directory ---- */

static int of_account(const struct flush *f, const char *name)
{
	return name && strcmp(name, f->name) == 0;
}

/* Every message of account name in ids, over one session; those it
 * handles are struck from names. */
static void flush_account(struct flush *f, char (*ids)[QUEUE_ID_LEN + 1], char **names,
			  size_t n)
{
	struct queue_entry e;
	struct error err;
	size_t i, last = n;

	for (i = 0; i < n; i++)
		if (of_account(f, names[i]))
			last = i;
	for (i = 0; i < n; i++) {
		if (!of_account(f, names[i]))
			continue;
		free(names[i]);
		names[i] = NULL;
		int r = queue_take(f->q, QUEUE_ACTIVE, ids[i], &e, &err);

		if (r < 0)
			warn(f, &err);
		if (r == 0) {
			flush_entry(f, &e, i == last);
			queue_entry_release(&e);
		}
	}
}

/* The account each message names, NULL for one that is gone (or, with
 * only set, of another account). */
static char **account_names(const struct flush *proto, char (*ids)[QUEUE_ID_LEN + 1],
			    size_t n, const char *only)
{
	char **names = xcalloc(n + 1, sizeof *names);
	struct queue_entry e;
	struct error err;
	size_t i;

	for (i = 0; i < n; i++) {
		int r = queue_peek(proto->q, QUEUE_ACTIVE, ids[i], &e, &err);

		if (r < 0)
			warn(proto, &err);
		if (r != 0)
			continue;
		if ((!only || strcmp(e.account, only) == 0) && queue_owned_by(&e, proto->owner))
			names[i] = xstrdup(e.account);
		queue_entry_release(&e);
	}
	return names;
}

/* One account's turn: its settings, its session, its messages. */
static void flush_one_account(struct flush *f, char (*ids)[QUEUE_ID_LEN + 1],
			      char **names, size_t n)
{
	struct error err;

	smtp_result_init(&f->res);
	session_setup_init(&f->setup);
	error_clear(&f->session_err);
	if (queue_settings(f->a, f->conf_path, &f->set, &err) < 0) {
		warn(f, &err);
		queue_settings(NULL, NULL, &f->set, &err);
	}
	flush_account(f, ids, names, n);
	close_session(f);
	queue_settings_release(&f->set);
	smtp_result_release(&f->res);
	session_setup_release(&f->setup);
}

/* The due messages in proto's queue, of every account (conf set) or of
 * proto's account alone (conf NULL). */
static void flush_queue(const struct flush *proto, const struct conf *conf)
{
	char (*ids)[QUEUE_ID_LEN + 1];
	char **names;
	struct error err;
	size_t n, i;

	error_clear(&err);
	queue_clean(proto->q);
	ids = queue_list(proto->q, QUEUE_ACTIVE, &n, &err);
	if (err.category != CAT_NONE)
		warn(proto, &err);
	names = account_names(proto, ids, n, conf ? NULL : proto->a->name);
	for (i = 0; i < n; i++) {
		struct flush f = *proto;

		if (!names[i])
			continue;
		f.name = xstrdup(names[i]);
		if (conf)
			f.a = conf_find(conf, f.name);
		flush_one_account(&f, ids, names, n);
		free(f.name);
	}
	free(names);
	free(ids);
}

void drain_dir(const char *dir, const struct conf *conf, int all, const char *owner,
	       int verbose, smtp_trace_fn *trace, struct drain_result *out)
{
	struct queue q;
	struct error err;
	struct flush proto = { .q = &q, .conf_path = conf->path, .now = time(NULL),
			       .verbose = verbose, .may_connect = 1, .all = all, .owner = owner,
			       .log_facility = -1, .trace = trace, .out = out };
	int r;

	error_clear(&err);
	r = queue_open(&q, dir, 0, &err);
	if (r < 0)
		warn(&proto, &err);
	if (r != 0)
		return;
	flush_queue(&proto, conf);
	queue_close(&q);
}

/* ---- for the send mode ---- */

int drain_pending(const struct account *a, const char *conf_path, time_t now)
{
	struct queue_settings set;
	struct queue q;
	struct queue_entry e;
	struct error err;
	char (*ids)[QUEUE_ID_LEN + 1] = NULL;
	size_t n = 0, i;
	int due = 0;

	if (queue_settings(a, conf_path, &set, &err) == 0 &&
	    queue_open(&q, set.dir, 0, &err) == 0) {
		ids = queue_list(&q, QUEUE_ACTIVE, &n, &err);
		for (i = 0; i < n && !due; i++) {
			if (queue_peek(&q, QUEUE_ACTIVE, ids[i], &e, &err) != 0)
				continue;
			due = strcmp(e.account, a->name) == 0 && queue_due(&e, now);
			queue_entry_release(&e);
		}
		queue_close(&q);
	}
	free(ids);
	queue_settings_release(&set);
	return due;
}

void drain_after_send(struct smtp_session *s, unsigned caps, const struct account *a,
		      const char *conf_path, int verbose, int log_facility)
{
	struct drain_result out = { .code = EX_OK };
	struct error err;
	struct queue q;
	struct queue_settings set;
	struct flush proto = { .q = &q, .a = a, .conf_path = conf_path, .now = time(NULL),
			       .verbose = verbose, .s = s, .caps = caps,
			       .quiet = !verbose, .log_facility = log_facility, .out = &out };

	if (queue_settings(a, conf_path, &set, &err) < 0)
		return;
	if (queue_open(&q, set.dir, 0, &err) == 0) {
		flush_queue(&proto, NULL);
		queue_close(&q);
	}
	queue_settings_release(&set);
}
