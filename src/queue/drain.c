/* drain.c: see drain.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

/* The first login of an account's workers (drain.h): the lead worker logs
 * in first; the others wait for its outcome, so that a refused login costs
 * one attempt per flush, not one per session.  In shared memory. */
enum login_state { LOGIN_PENDING, LOGIN_OPEN, LOGIN_FAILED, LOGIN_NONE };

struct login_turn {
	enum login_state state;        /* LOGIN_NONE: the lead ended without a session */
	enum category category;        /* LOGIN_FAILED: why */
	char text[QUEUE_TEXT_MAX + 1];
};

#define LOGIN_WAIT_US 5000         /* how often a waiting worker looks */

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
	struct login_turn *turn;       /* the account's workers' (shared); NULL: alone */
	int lead;                      /* the account's first worker: logs in first */
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

/* The lead's outcome, for the other workers (after the lead's try). */
static void tell_login(struct flush *f, enum login_state state)
{
	if (!f->turn || !f->lead || f->turn->state != LOGIN_PENDING)
		return;
	if (state == LOGIN_FAILED) {
		f->turn->category = f->session_err.category;
		snprintf(f->turn->text, sizeof f->turn->text, "%.*s",
			 (int)sizeof f->turn->text - 1, f->session_err.text);
	}
	__atomic_store_n(&f->turn->state, state, __ATOMIC_RELEASE);
}

/* A worker that is not the lead waits for the lead's login, at most the
 * session deadline (a lead that died must not hold the others for good):
 * after a refusal it takes that reason as its own and never connects. */
static int wait_for_lead(struct flush *f)
{
	long waited = 0, limit = (long)(f->a && f->a->session_deadline ? f->a->session_deadline
					 : CONF_DEFAULT_SESSION_DEADLINE) * 1000000L;
	enum login_state state;

	while ((state = __atomic_load_n(&f->turn->state, __ATOMIC_ACQUIRE)) == LOGIN_PENDING &&
	       waited < limit) {
		usleep(LOGIN_WAIT_US);
		waited += LOGIN_WAIT_US;
	}
	if (state != LOGIN_FAILED)
		return 0;
	error_set(&f->session_err, f->turn->category, "%s", f->turn->text);
	return -1;
}

/* Open this worker's session, in its turn. */
static void login_turn(struct flush *f)
{
	if (f->turn && !f->lead && wait_for_lead(f) < 0)
		return;
	open_session(f, &f->session_err);
	tell_login(f, f->s ? LOGIN_OPEN : LOGIN_FAILED);
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

	if (r == 0 && queue_remove_batched(f->q, e, &err) < 0) {
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
		login_turn(f);
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

/* The messages of one account in a listing, oldest first, and where its
 * workers are: the next one to take is claimed with an atomic add on
 * *next, which lives in memory shared with the workers (drain.h). */
struct group {
	char *name;                    /* owned */
	size_t *at;                    /* indices into the listing */
	size_t n;
	unsigned workers;
	unsigned long *next;           /* shared */
	struct login_turn *turn;       /* shared */
};

/* Take and send the messages of g, one at a time, claiming each. */
static void flush_account(struct flush *f, char (*ids)[QUEUE_ID_LEN + 1], struct group *g)
{
	struct queue_entry e;
	struct error err;
	unsigned long k;

	while ((k = __atomic_fetch_add(g->next, 1, __ATOMIC_RELAXED)) < g->n) {
		int r = queue_take(f->q, QUEUE_ACTIVE, ids[g->at[k]], &e, &err);

		if (r < 0)
			warn(f, &err);
		if (r == 0) {
			flush_entry(f, &e, k + 1 == g->n);
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
		int r = queue_peek_envelope(proto->q, QUEUE_ACTIVE, ids[i], &e, &err);

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

/* One account's turn (one worker): its settings, its session, its messages. */
static void flush_one_account(struct flush *f, char (*ids)[QUEUE_ID_LEN + 1],
			      struct group *g)
{
	struct error err;

	smtp_result_init(&f->res);
	session_setup_init(&f->setup);
	error_clear(&f->session_err);
	if (queue_settings(f->a, f->conf_path, &f->set, &err) < 0) {
		warn(f, &err);
		queue_settings(NULL, NULL, &f->set, &err);
	}
	flush_account(f, ids, g);
	tell_login(f, LOGIN_NONE);
	close_session(f);
	if (queue_sync_removals(f->q, &err) < 0)
		warn(f, &err);
	queue_settings_release(&f->set);
	smtp_result_release(&f->res);
	session_setup_release(&f->setup);
}

/* The listing's messages grouped by account, in order of first appearance;
 * names is consumed. */
static struct group *make_groups(char **names, size_t n, size_t *ngroups)
{
	struct group *g = NULL;
	size_t i, j;

	*ngroups = 0;
	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		for (j = 0; j < *ngroups && strcmp(g[j].name, names[i]) != 0; j++)
			;
		if (j == *ngroups) {
			g = xrealloc(g, (*ngroups + 1) * sizeof *g);
			g[j] = (struct group){ .name = names[i] };
			names[i] = NULL;
			++*ngroups;
		}
		g[j].at = xrealloc(g[j].at, (g[j].n + 1) * sizeof *g[j].at);
		g[j].at[g[j].n++] = i;
		free(names[i]);
		names[i] = NULL;
	}
	return g;
}

static void free_groups(struct group *g, size_t n)
{
	while (n--) {
		free(g[n].name);
		free(g[n].at);
	}
	free(g);
}

/* Sessions for account a's n messages: queue_connections, never more than
 * there are messages; one for an account no longer in the file (its
 * messages wait without a session). */
static unsigned connections_for(const struct account *a, size_t n)
{
	size_t c = !a ? 1 : a->queue_connections ? (size_t)a->queue_connections
			  : CONF_CONNECTIONS_DEFAULT;

	return (unsigned)(c < n ? c : n);
}

/* What the workers share: a claim counter per account, then a result per
 * worker.  Anonymous and shared, so forked workers see one another's
 * claims and the parent their results. */
struct shared {
	void *map;
	size_t size;
	struct drain_result *res;
	unsigned long *next;
	struct login_turn *turn;
};

_Static_assert(sizeof(struct drain_result) % sizeof(unsigned long) == 0,
	       "the counters after the results would be misaligned");

static int shared_map(struct shared *sh, size_t ngroups, size_t nworkers)
{
	sh->size = ngroups * (sizeof *sh->next + sizeof *sh->turn) + nworkers * sizeof *sh->res;
	/* Zeroed: counters at 0, logins LOGIN_PENDING.  The most aligned
	 * first: results (time_t), counters, then the turns (int, char). */
	sh->map = mmap(NULL, sh->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh->map == MAP_FAILED)
		return -1;
	sh->res = sh->map;
	sh->next = (unsigned long *)(sh->res + nworkers);
	sh->turn = (struct login_turn *)(sh->next + ngroups);
	return 0;
}

/* Fold one worker's outcome into out. */
static void merge_result(struct drain_result *out, const struct drain_result *r)
{
	note_code(out, r->code);
	out->sent += r->sent;
	out->deferred += r->deferred;
	out->failed += r->failed;
	if (r->next_try && (!out->next_try || r->next_try < out->next_try))
		out->next_try = r->next_try;
}

/* One worker: account g's messages, as they come, into *res; lead: the
 * account's first worker. */
static void run_worker(const struct flush *proto, const struct conf *conf,
		       char (*ids)[QUEUE_ID_LEN + 1], struct group *g,
		       struct drain_result *res, int lead)
{
	struct flush f = *proto;

	*res = (struct drain_result){ .code = EX_OK };
	f.out = res;
	f.turn = g->workers > 1 ? g->turn : NULL;
	f.lead = lead;
	f.name = g->name;
	if (conf)
		f.a = conf_find(conf, f.name);
	flush_one_account(&f, ids, g);
}

/* A worker that did not end with exit 0 (killed, crashed): what it had
 * not settled stays queued, untouched; the flush as a whole failed. */
static void reap(const struct flush *proto, pid_t pid, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	say(proto, LOG_ERR, _("sendas: queue worker %ld ended abnormally (status %d); its "
			      "unsent messages stay queued\n"), (long)pid, status);
	note_code(proto->out, EX_SOFTWARE);
}

/* Wait for one worker. */
static void reap_one(const struct flush *proto)
{
	int status;
	pid_t pid;

	do
		pid = wait(&status);
	while (pid < 0 && errno == EINTR);
	if (pid > 0)
		reap(proto, pid, status);
}

/* Start worker w in a process of its own; in this one when fork() fails
 * (or when it is the only one).  Returns its pid, or 0 when it already ran. */
static pid_t start_worker(const struct flush *proto, const struct conf *conf,
			  char (*ids)[QUEUE_ID_LEN + 1], struct group *g,
			  struct drain_result *res, int lead, int alone)
{
	pid_t pid = alone ? -1 : (fflush(NULL), fork());

	if (pid > 0)
		return pid;
	run_worker(proto, conf, ids, g, res, lead);
	if (pid == 0) {
		fflush(NULL);
		_exit(0);
	}
	return 0;
}

/* Every account's workers at once, at most DRAIN_WORKERS_MAX running;
 * their results merged into proto->out. */
static void run_workers(const struct flush *proto, const struct conf *conf,
			char (*ids)[QUEUE_ID_LEN + 1], struct group *g, size_t ngroups,
			struct shared *sh, size_t nworkers)
{
	size_t i, w = 0, running = 0;
	unsigned k;

	for (i = 0; i < ngroups; i++) {
		g[i].next = &sh->next[i];
		g[i].turn = &sh->turn[i];
		for (k = 0; k < g[i].workers; k++, w++) {
			for (; running >= DRAIN_WORKERS_MAX; running--)
				reap_one(proto);
			running += start_worker(proto, conf, ids, &g[i], &sh->res[w], k == 0,
						nworkers == 1) > 0;
		}
	}
	for (; running; running--)
		reap_one(proto);
	for (w = 0; w < nworkers; w++)
		merge_result(proto->out, &sh->res[w]);
}

/* The due messages in proto's queue, of every account (conf set), in
 * parallel (drain.h), or of proto's account alone (conf NULL) over its
 * one session. */
static void flush_queue(const struct flush *proto, const struct conf *conf)
{
	char (*ids)[QUEUE_ID_LEN + 1];
	char **names;
	struct group *g;
	struct shared sh;
	struct error err;
	size_t n, i, ngroups, nworkers = 0;

	error_clear(&err);
	queue_clean(proto->q);
	ids = queue_list(proto->q, QUEUE_ACTIVE, &n, &err);
	if (err.category != CAT_NONE)
		warn(proto, &err);
	names = account_names(proto, ids, n, conf ? NULL : proto->a->name);
	g = make_groups(names, n, &ngroups);
	free(names);
	for (i = 0; i < ngroups; i++) {
		g[i].workers = conf ? connections_for(conf_find(conf, g[i].name), g[i].n) : 1;
		nworkers += g[i].workers;
	}
	if (ngroups && shared_map(&sh, ngroups, nworkers) == 0) {
		run_workers(proto, conf, ids, g, ngroups, &sh, nworkers);
		munmap(sh.map, sh.size);
	} else if (ngroups) {
		char eno[ERROR_WORD_MAX];

		error_set(&err, CAT_INTERNAL, N_("cannot map memory for the queue workers: %s"),
			  error_errno(errno, eno));
		warn(proto, &err);
	}
	free_groups(g, ngroups);
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

/* Whether any message of account a in q is due at now.  Reads every
 * message only when the due hint (queue.h) does not already say that none
 * is; having read them all without finding one, it raises the hint to the
 * earliest next try it saw. */
static int any_due(struct queue *q, const struct account *a, time_t now)
{
	struct queue_entry e;
	struct error err;
	char (*ids)[QUEUE_ID_LEN + 1];
	time_t hint = queue_due_hint(q), earliest = QUEUE_DUE_NEVER;
	size_t n = 0, i;
	int due = 0;

	if (hint > now)
		return 0;
	error_clear(&err);
	ids = queue_list(q, QUEUE_ACTIVE, &n, &err);
	if (err.category != CAT_NONE)
		return 0;
	for (i = 0; i < n && !due; i++) {
		if (queue_peek(q, QUEUE_ACTIVE, ids[i], &e, &err) != 0) {
			earliest = now;        /* unreadable now: no promise about it */
			continue;
		}
		due = strcmp(e.account, a->name) == 0 && queue_due(&e, now);
		if (e.next_try < earliest)
			earliest = e.next_try;
		queue_entry_release(&e);
	}
	if (!due)
		queue_raise_due_hint(q, hint, earliest > now ? earliest : 0);
	free(ids);
	return due;
}

int drain_pending(const struct account *a, const char *conf_path, time_t now)
{
	struct queue_settings set;
	struct queue q;
	struct error err;
	int due = 0;

	if (queue_settings(a, conf_path, &set, &err) == 0 &&
	    queue_open(&q, set.dir, 0, &err) == 0) {
		due = any_due(&q, a, now);
		queue_close(&q);
	}
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
