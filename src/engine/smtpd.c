/* smtpd.c: see smtpd.h.  The session is a state, a reader that knows line
 * limits, and one table of commands; each command has one handler. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "smtpd.h"
#include "spool.h"
#include "xalloc.h"

#define IN_SIZE (64 * 1024)       /* the input buffer: many pipelined lines */
#define OUT_MAX (256 * 1024)      /* replies waiting to be written */
#define SPOOL_CHUNK (64 * 1024)   /* content written to the spool at once */
#define REPLY_LINE_MAX 500        /* text octets of one reply line */

enum state {
	ST_GREETED,               /* no EHLO/HELO yet */
	ST_READY,                 /* EHLO done, no transaction */
	ST_MAIL,                  /* MAIL accepted, no recipient yet */
	ST_RCPT,                  /* at least one recipient */
	ST_BDAT,                  /* BDAT chunks came, not yet the LAST one */
	ST_END,
};

/* What the reader found. */
enum line {
	LINE_OK,                  /* ends in CRLF, within the limit, clean */
	LINE_LONG,                /* over the limit: consumed to its LF */
	LINE_BAD,                 /* bare LF, bare CR or NUL */
	LINE_EOF,
	LINE_TIMEOUT,
	LINE_ERROR,
};

struct session {
	const struct smtpd_params *sp;
	const struct smtpd_peer *p;
	enum state state;
	int esmtp;
	struct smtpd_txn txn;
	char in[IN_SIZE];
	size_t start, len;        /* unread input: in[start..len) */
	struct buf out;
	time_t deadline;          /* the total timeout */
	unsigned commands, errors;
	int closing;              /* a handler answered 421: end after this command */
	enum smtpd_end end;
	unsigned long transactions;
	struct content *bdat;     /* the chunks so far (RFC 3030), or NULL */
};

/* ---- replies ---------------------------------------------------------- */

void smtpd_reply_set(struct smtpd_reply *r, int code, const char *enhanced,
		     const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	snprintf(r->enhanced, sizeof r->enhanced, "%s", enhanced ? enhanced : "");
	buf_reset(&r->text);
	va_start(ap, fmt);
	buf_vprintf_trunc(&r->text, fmt, ap);   /* a person's text: cut, never refused */
	va_end(ap);
}

/* What goes to the client waits in s->out, at most OUT_MAX bytes.  Its
 * overflow is sticky (buf.h): flush_out() then sends nothing and ends the
 * session, so no reply leaves cut short. */
static void out_printf(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&s->out, fmt, ap) < 0)
		s->out.overflow = 1;
	va_end(ap);
}

static void out_add(struct session *s, const void *p, size_t n)
{
	if (buf_add(&s->out, p, n) < 0)
		s->out.overflow = 1;
}

/* One reply line: controls become '?', the text is cut at REPLY_LINE_MAX. */
static void put_line(struct session *s, int code, char sep, const char *enh,
		     const char *text, size_t n)
{
	size_t i;

	if (n > REPLY_LINE_MAX)
		n = REPLY_LINE_MAX;
	out_printf(s, "%03d%c", code, sep);
	if (*enh)
		out_printf(s, "%s ", enh);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		char shown = c < 0x20 || c == 0x7f ? '?' : (char)c;

		out_add(s, &shown, 1);
	}
	out_add(s, "\r\n", 2);
}

/* Where to cut a text line of n octets so that the first part fits a
 * reply line: at the last space within REPLY_LINE_MAX, else hard. */
static size_t cut_at(const char *text, size_t n)
{
	size_t i = REPLY_LINE_MAX;

	if (n <= REPLY_LINE_MAX)
		return n;
	while (i > REPLY_LINE_MAX / 2 && text[i] != ' ')
		i--;
	return text[i] == ' ' ? i : REPLY_LINE_MAX;
}

/* A reply of one or more '\n'-separated lines; a line too long for a
 * reply line (RFC 5321 4.5.3.1.5) is folded at a space. */
static void put_reply(struct session *s, int code, const char *enh, const char *text)
{
	size_t n = strcspn(text, "\n"), k;

	for (;;) {
		k = cut_at(text, n);
		if (k == n && (!text[n] || !text[n + 1]))
			break;    /* the last line */
		put_line(s, code, '-', enh, text, k);
		text += k < n ? k + (text[k] == ' ') : n + 1;
		n = strcspn(text, "\n");
	}
	put_line(s, code, ' ', enh, text, n);
}

static void reply(struct session *s, int code, const char *enh, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply(struct session *s, int code, const char *enh, const char *fmt, ...)
{
	struct buf text;
	va_list ap;

	buf_init(&text, SMTPD_REPLY_TEXT_MAX);
	va_start(ap, fmt);
	buf_vprintf_trunc(&text, fmt, ap);
	va_end(ap);
	put_reply(s, code, enh, buf_str(&text));
	buf_release(&text);
	if (code >= 500)
		s->errors++;
}

/* A handler's verdict, with an enhanced code from its class when it gave
 * none (RFC 2034: every 2xx/4xx/5xx after the greeting has one). */
static void put_verdict(struct session *s, const struct smtpd_reply *r)
{
	char enh[16];
	int code = r->code >= 200 && r->code <= 599 ? r->code : 451;

	if (r->enhanced[0] && r->enhanced[0] - '0' == code / 100)
		snprintf(enh, sizeof enh, "%s", r->enhanced);
	else
		snprintf(enh, sizeof enh, "%d.0.0", code / 100);
	put_reply(s, code, enh, r->text.len ? buf_str(&r->text) : "ok");
}

static ssize_t peer_send(const struct smtpd_peer *p, const void *buf, size_t n)
{
	const struct smtpd_transport *t = p->transport;

	return t ? t->send(t->ctx, buf, n) : write(p->out_fd, buf, n);
}

static ssize_t peer_recv(const struct smtpd_peer *p, void *buf, size_t n)
{
	const struct smtpd_transport *t = p->transport;

	return t ? t->recv(t->ctx, buf, n) : read(p->in_fd, buf, n);
}

static int peer_pending(const struct smtpd_peer *p)
{
	const struct smtpd_transport *t = p->transport;

	return t && t->pending && t->pending(t->ctx) > 0;
}

static int flush_out(struct session *s)
{
	size_t done = 0;
	ssize_t w;

	if (s->out.overflow) {
		buf_reset(&s->out);
		return -1;
	}
	while (done < s->out.len) {
		w = peer_send(s->p, s->out.data + done, s->out.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			buf_reset(&s->out);
			return -1;
		}
		done += (size_t)w;
	}
	buf_reset(&s->out);
	return 0;
}

static void log_line(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_line(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!s->sp->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->sp->log(s->sp->log_ctx, line);
}

/* ---- the reader ------------------------------------------------------- */

/* Wait for input (writing the pending replies first: a pipelined group is
 * answered in one write) and read it.  LINE_OK when bytes came. */
static enum line fill(struct session *s)
{
	int idle = s->sp->idle_timeout > 0 ? s->sp->idle_timeout : SMTPD_IDLE_TIMEOUT;
	time_t now = time(NULL);
	struct pollfd pfd = { .fd = s->p->in_fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (s->start > 0) {
		memmove(s->in, s->in + s->start, s->len - s->start);
		s->len -= s->start;
		s->start = 0;
	}
	if (flush_out(s) < 0)
		return LINE_ERROR;
	if (now >= s->deadline)
		return LINE_TIMEOUT;
	if (s->deadline - now < idle)
		idle = (int)(s->deadline - now);
	r = 1;
	while (!peer_pending(s->p) && (r = poll(&pfd, 1, idle * 1000)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return LINE_TIMEOUT;
	if (r < 0)
		return LINE_ERROR;
	do
		n = peer_recv(s->p, s->in + s->len, sizeof s->in - s->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? LINE_EOF : LINE_ERROR;
	if (n == 0)
		return LINE_EOF;
	s->len += (size_t)n;
	return LINE_OK;
}

/* Drop input up to and including the next LF. */
static enum line skip_line(struct session *s)
{
	const char *lf;
	enum line r;

	for (;;) {
		lf = memchr(s->in + s->start, '\n', s->len - s->start);
		if (lf) {
			s->start = (size_t)(lf - s->in) + 1;
			return LINE_LONG;
		}
		s->start = s->len;
		r = fill(s);
		if (r != LINE_OK)
			return r;
	}
}

static int line_is_clean(const char *l, size_t n)
{
	return n >= 2 && l[n - 2] == '\r' && !memchr(l, '\r', n - 2) && !memchr(l, '\0', n);
}

/* The next line, at most max octets with its line end.  *line points into
 * the buffer until the next call; *n includes the line end. */
static enum line next_line(struct session *s, size_t max, const char **line, size_t *n)
{
	const char *lf;
	enum line r;

	for (;;) {
		lf = memchr(s->in + s->start, '\n', s->len - s->start);
		if (lf) {
			*line = s->in + s->start;
			*n = (size_t)(lf - *line) + 1;
			s->start += *n;
			if (*n > max)
				return LINE_LONG;
			return line_is_clean(*line, *n) ? LINE_OK : LINE_BAD;
		}
		if (s->len - s->start >= max)
			return skip_line(s);
		r = fill(s);
		if (r != LINE_OK)
			return r;
	}
}

static void session_close(struct session *s, enum line r);

/* ---- the transaction -------------------------------------------------- */

static void txn_reset(struct smtpd_txn *t)
{
	size_t i;

	free(t->sender);
	for (i = 0; i < t->nrcpts; i++)
		free(t->rcpts[i]);
	free(t->rcpts);
	free(t->dsn_ret);
	free(t->dsn_envid);
	free(t->dsn_notify);
	if (t->fd >= 0)
		close(t->fd);
	*t = (struct smtpd_txn){ .fd = -1, .size_declared = -1 };
}

static void set_state(struct session *s, enum state st)
{
	if (st == ST_READY || st == ST_END) {
		txn_reset(&s->txn);
		free(s->bdat);
		s->bdat = NULL;
	}
	s->state = st;
}

/* ---- parsing ---------------------------------------------------------- */

int smtpd_parse_command(const char *line, size_t len, char verb[16], const char **args)
{
	size_t i, n;

	if (len == 0 || len > SMTPD_COMMAND_LINE_MAX - 2)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return -1;
	for (n = 0; n < len && line[n] != ' '; n++)
		;
	if (n == 0 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		char c = line[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return -1;
		verb[i] = (char)(c & ~0x20);
	}
	verb[n] = '\0';
	while (n < len && line[n] == ' ')
		n++;
	*args = line + n;
	return 0;
}

/* A path's content: no controls, no spaces outside quotes, bounded. */
static int path_chars_ok(const char *p, size_t n)
{
	size_t i;
	int quoted = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f || c == '<')
			return 0;
		if (c == '"')
			quoted = !quoted;
		else if (c == '\\' && quoted && i + 1 < n)
			i++;
		else if ((c == ' ' || c == '>') && !quoted)
			return 0;
	}
	return !quoted;
}

int smtpd_parse_path(const char *args, const char *keyword, char **path,
		     const char **params, const char **reason)
{
	size_t k = strlen(keyword), n;
	const char *p, *end;

	*reason = "Syntax error in parameters";
	if (strncasecmp(args, keyword, k) != 0 || args[k] != ':')
		return -1;
	p = args + k + 1;
	p += strspn(p, " ");     /* "MAIL FROM: <a@b>": common enough to allow */
	if (*p != '<')
		return -1;
	p++;
	if (*p == '@') {         /* a source route (RFC 5321 C, 4.1.2): ignored */
		p = strchr(p, ':');
		if (!p)
			return -1;
		p++;
	}
	for (end = p; *end && (*end != '>' || end[-1] == '\\'); end++)
		if (*end == '"')
			for (end++; *end && *end != '"'; end++)
				if (*end == '\\' && end[1])
					end++;
	if (*end != '>')
		return -1;
	n = (size_t)(end - p);
	if (n > SMTPD_PATH_MAX - 2) {
		*reason = "Path too long";
		return -1;
	}
	if (!path_chars_ok(p, n))
		return -1;
	end++;
	if (*end && *end != ' ')
		return -1;
	*params = end + strspn(end, " ");
	*path = xstrndup(p, n);
	return 0;
}

/* The next "KEY[=VALUE]" of a parameter list; 0 at the end. */
static int next_param(const char **list, char *key, size_t ksize, const char **val,
		      size_t *vlen)
{
	const char *p = *list, *eq, *sp;
	size_t n;

	p += strspn(p, " ");
	if (!*p)
		return 0;
	sp = p + strcspn(p, " ");
	eq = memchr(p, '=', (size_t)(sp - p));
	n = (size_t)((eq ? eq : sp) - p);
	if (n >= ksize)
		n = ksize - 1;
	memcpy(key, p, n);
	key[n] = '\0';
	*val = eq ? eq + 1 : NULL;
	*vlen = eq ? (size_t)(sp - eq - 1) : 0;
	*list = sp;
	return 1;
}

/* ---- commands --------------------------------------------------------- */

/* What the handler offers now: STARTTLS before TLS, AUTH when it says. */
static void ehlo_extensions(struct session *s)
{
	const struct smtpd_handler *h = s->sp->handler;
	const char *mechs = h && h->auth_mechs ? h->auth_mechs(h->ctx, s->p) : NULL;

	if (h && h->starttls && !s->p->tls)
		out_printf(s, "%s", "250-STARTTLS\r\n");
	if (mechs && *mechs)
		out_printf(s, "250-AUTH %s\r\n", mechs);
}

static void ehlo_reply(struct session *s, const char *args)
{
	long size = s->sp->size_max > 0 ? s->sp->size_max : SMTPD_SIZE_DEFAULT;

	out_printf(s, "250-%s greets %.64s\r\n", s->sp->hostname, args);
	out_printf(s, "%s", "250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n");
	out_printf(s, "250-SIZE %ld\r\n", size);
	ehlo_extensions(s);
	out_printf(s, "%s", "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 HELP\r\n");
}

static int helo_arg_ok(const char *args)
{
	size_t n = strcspn(args, " ");

	return n > 0 && n <= SMTPD_HOSTNAME_MAX;
}

static void cmd_ehlo(struct session *s, const char *args)
{
	if (!helo_arg_ok(args)) {
		reply(s, 501, "5.5.4", "Syntax: EHLO hostname");
		return;
	}
	set_state(s, ST_READY);
	s->esmtp = 1;
	ehlo_reply(s, args);
}

static void cmd_helo(struct session *s, const char *args)
{
	if (!helo_arg_ok(args)) {
		reply(s, 501, "5.5.4", "Syntax: HELO hostname");
		return;
	}
	set_state(s, ST_READY);
	s->esmtp = 0;
	out_printf(s, "250 %s\r\n", s->sp->hostname);
}

static long size_max(const struct session *s)
{
	return s->sp->size_max > 0 ? s->sp->size_max : SMTPD_SIZE_DEFAULT;
}

static int xtext_ok(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > 100)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e || v[i] == '=')
			return 0;
	return 1;
}

/* One MAIL parameter into the transaction; NULL, or the refusal. */
static const char *mail_param(struct session *s, const char *key, const char *v, size_t n)
{
	struct smtpd_txn *t = &s->txn;
	char *end;

	if (!strcasecmp(key, "SIZE") && v && n > 0 && n < 20) {
		errno = 0;
		t->size_declared = strtol(v, &end, 10);
		if (errno || end != v + n || t->size_declared < 0)
			return "501 5.5.4 SIZE needs a number";
		if (t->size_declared > size_max(s)) {
			log_line(s, "limit: SIZE=%ld over %ld: 552 5.3.4", t->size_declared,
				 size_max(s));
			return "552 5.3.4 Message too big";
		}
		return NULL;
	}
	if (!strcasecmp(key, "BODY") && v && (n == 4 || n == 8)) {
		if (!strncasecmp(v, "8BITMIME", n) && n == 8)
			t->body_8bit = 1;
		else if (strncasecmp(v, "7BIT", n) || n != 4)
			return "501 5.5.4 BODY is 7BIT or 8BITMIME";
		return NULL;
	}
	if (!strcasecmp(key, "SMTPUTF8") && !v) {
		t->smtputf8 = 1;
		return NULL;
	}
	if (!strcasecmp(key, "RET") && v && n == 4 && !t->dsn_ret &&
	    (!strncasecmp(v, "FULL", n) || !strncasecmp(v, "HDRS", n))) {
		t->dsn_ret = xstrndup(v, n);
		return NULL;
	}
	if (!strcasecmp(key, "ENVID") && v && xtext_ok(v, n) && !t->dsn_envid) {
		t->dsn_envid = xstrndup(v, n);
		return NULL;
	}
	return "555 5.5.4 Unsupported MAIL parameter";
}

/* "555 5.5.4 text" into a reply. */
static void reply_coded(struct session *s, const char *coded)
{
	char enh[16];
	int code = (int)strtol(coded, NULL, 10);
	size_t n = strcspn(coded + 4, " ");

	snprintf(enh, sizeof enh, "%.*s", (int)n, coded + 4);
	reply(s, code, enh, "%s", coded + 4 + n + 1);
}

static int mail_params(struct session *s, const char *params)
{
	const char *v, *refusal;
	char key[16];
	size_t n;

	while (next_param(&params, key, sizeof key, &v, &n)) {
		refusal = s->esmtp ? mail_param(s, key, v, n)
				   : "555 5.5.4 MAIL parameters need EHLO";
		if (refusal) {
			reply_coded(s, refusal);
			return -1;
		}
	}
	return 0;
}

static void handler_verdict(struct session *s, struct smtpd_reply *r)
{
	put_verdict(s, r);
	if (r->code >= 500)
		s->errors++;
	if (r->code == 421)
		s->closing = 1;
}

static void cmd_mail(struct session *s, const char *args)
{
	const struct smtpd_handler *h = s->sp->handler;
	struct smtpd_reply r = { .code = 250 };
	const char *params, *reason;

	if (smtpd_parse_path(args, "FROM", &s->txn.sender, &params, &reason) < 0) {
		reply(s, 501, "5.5.4", "%s: MAIL FROM:<address>", reason);
		return;
	}
	if (mail_params(s, params) < 0) {
		txn_reset(&s->txn);
		return;
	}
	buf_init(&r.text, SMTPD_REPLY_TEXT_MAX);
	smtpd_reply_set(&r, 250, "2.1.0", "Sender ok");
	if (h && h->mail)
		h->mail(h->ctx, s->p, &s->txn, &r);
	handler_verdict(s, &r);
	if (r.code / 100 == 2)
		set_state(s, ST_MAIL);
	else
		txn_reset(&s->txn);
	buf_release(&r.text);
}

static int rcpt_params(struct session *s, const char *params)
{
	const char *v;
	char key[16];
	size_t n;

	while (next_param(&params, key, sizeof key, &v, &n)) {
		if (s->esmtp && !strcasecmp(key, "NOTIFY") && v && n > 0 && n < 64) {
			if (!s->txn.dsn_notify)
				s->txn.dsn_notify = xstrndup(v, n);
		} else if (!(s->esmtp && !strcasecmp(key, "ORCPT") && v && n > 0 &&
			     n < SMTPD_PATH_MAX + 16)) {
			reply(s, 555, "5.5.4", "Unsupported RCPT parameter");
			return -1;
		}
	}
	return 0;
}

static void cmd_rcpt(struct session *s, const char *args)
{
	size_t max = s->sp->rcpts_max > 0 ? s->sp->rcpts_max : SMTPD_RCPTS_MAX;
	const struct smtpd_handler *h = s->sp->handler;
	struct smtpd_reply r;
	const char *params, *reason;
	char *path;

	if (s->txn.nrcpts >= max) {
		reply(s, 452, "4.5.3", "Too many recipients");
		log_line(s, "limit: more than %zu recipients from=<%s>: 452 4.5.3", max,
			 s->txn.sender);
		return;
	}
	if (smtpd_parse_path(args, "TO", &path, &params, &reason) < 0) {
		reply(s, 501, "5.5.4", "%s: RCPT TO:<address>", reason);
		return;
	}
	if (!*path || rcpt_params(s, params) < 0) {
		if (!*path)
			reply(s, 501, "5.1.3", "A recipient cannot be empty");
		free(path);
		return;
	}
	buf_init(&r.text, SMTPD_REPLY_TEXT_MAX);
	smtpd_reply_set(&r, 250, "2.1.5", "Recipient ok");
	if (h && h->rcpt)
		h->rcpt(h->ctx, s->p, &s->txn, path, &r);
	handler_verdict(s, &r);
	if (r.code / 100 == 2) {
		s->txn.rcpts = xrealloc(s->txn.rcpts, (s->txn.nrcpts + 2) * sizeof *s->txn.rcpts);
		s->txn.rcpts[s->txn.nrcpts++] = path;
		s->txn.rcpts[s->txn.nrcpts] = NULL;
		set_state(s, ST_RCPT);
	} else {
		free(path);
	}
	buf_release(&r.text);
}

/* ---- DATA ------------------------------------------------------------- */

struct content {
	char buf[SPOOL_CHUNK];
	size_t n;
	off_t size;
	int too_big, too_long, bad, io;
};

static void content_flush(struct session *s, struct content *c)
{
	size_t done = 0;
	ssize_t w;

	while (!c->io && done < c->n) {
		w = write(s->txn.fd, c->buf + done, c->n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			c->io = 1;
		else
			done += (size_t)w;
	}
	c->n = 0;
}

static void content_add(struct session *s, struct content *c, const char *p, size_t n)
{
	if (c->too_big || c->too_long || c->bad || c->io)
		return;                 /* refused anyway: read on, keep nothing */
	if (c->size + (off_t)n > size_max(s)) {
		c->too_big = 1;
		return;
	}
	if (c->n + n > sizeof c->buf)
		content_flush(s, c);
	memcpy(c->buf + c->n, p, n);
	c->n += n;
	c->size += (off_t)n;
}

/* Read the content to the final dot.  LINE_OK there, else how the input
 * ended. */
static enum line read_content(struct session *s, struct content *c)
{
	const char *l;
	size_t n;
	enum line r;

	for (;;) {
		r = next_line(s, SMTPD_TEXT_LINE_MAX, &l, &n);
		if (r == LINE_LONG) {
			c->too_long = 1;
			continue;
		}
		if (r == LINE_BAD) {
			c->bad = 1;
			continue;
		}
		if (r != LINE_OK)
			return r;
		if (n == 3 && l[0] == '.')
			return LINE_OK;
		if (l[0] == '.')
			l++, n--;
		content_add(s, c, l, n);
	}
}

/* The refusal a content problem earns, or NULL. */
static const char *content_refusal(const struct content *c)
{
	if (c->too_long)
		return "500 5.5.2 Line too long: a text line is at most 1000 octets with CRLF";
	if (c->bad)
		return "550 5.6.0 Bare CR or LF, or a NUL, in the message: lines end in CRLF";
	if (c->too_big)
		return "552 5.3.4 Message too big";
	if (c->io)
		return "451 4.3.0 Cannot spool the message";
	return NULL;
}

static void deliver(struct session *s, struct content *c)
{
	const struct smtpd_handler *h = s->sp->handler;
	struct smtpd_reply r;

	buf_init(&r.text, SMTPD_REPLY_TEXT_MAX);
	smtpd_reply_set(&r, 250, "2.0.0", "Message accepted");
	s->txn.size = c->size;
	if (lseek(s->txn.fd, 0, SEEK_SET) != 0)
		smtpd_reply_set(&r, 451, "4.3.0", "Cannot read the spooled message");
	else if (h && h->deliver)
		h->deliver(h->ctx, s->p, &s->txn, &r);
	put_verdict(s, &r);
	s->transactions++;
	if (!s->sp->log_session_only)
		log_line(s, "transaction %lu from=<%s> rcpts=%zu size=%lld: %d %.*s",
		 s->transactions, s->txn.sender, s->txn.nrcpts, (long long)c->size, r.code,
		 (int)strcspn(buf_str(&r.text), "\n"), buf_str(&r.text));
	buf_release(&r.text);
}

static void session_close(struct session *s, enum line r);

/* The reply for content that cannot go (content_refusal()), logged. */
static void refuse_content(struct session *s, const struct content *c, const char *refusal)
{
	reply_coded(s, refusal);
	log_line(s, "message refused from=<%s> size>=%lld: %.9s", s->txn.sender,
		 (long long)c->size, refusal);
}

static const char *spool_dir(const struct session *s)
{
	const char *tmp = getenv("TMPDIR");

	return s->sp->spool_dir ? s->sp->spool_dir : tmp && *tmp ? tmp : "/tmp";
}

static void cmd_data(struct session *s, const char *args)
{
	struct content *c;
	struct error err;
	const char *refusal;
	enum line r;

	if (*args) {
		reply(s, 501, "5.5.4", "DATA takes no arguments");
		return;
	}
	error_clear(&err);
	s->txn.fd = spool_open(spool_dir(s), &err);
	if (s->txn.fd < 0) {
		reply(s, 451, "4.3.0", "Cannot spool the message: %s", err.text);
		return;
	}
	reply(s, 354, "", "End data with <CR><LF>.<CR><LF>");
	c = xcalloc(1, sizeof *c);
	r = read_content(s, c);
	content_flush(s, c);
	refusal = content_refusal(c);
	if (r != LINE_OK) {
		session_close(s, r);
		log_line(s, "client gone during DATA: nothing sent");
	} else if (refusal) {
		refuse_content(s, c, refusal);
	} else {
		deliver(s, c);
	}
	free(c);
	if (r != LINE_OK)
		set_state(s, ST_END);
	else
		set_state(s, ST_READY);
}

/* ---- BDAT (RFC 3030) --------------------------------------------------- */

/* "SIZE" or "SIZE LAST"; -1 when neither. */
static int parse_bdat(const char *args, off_t *size, int *last)
{
	long long v;
	char *end;

	if (*args < '0' || *args > '9')
		return -1;
	errno = 0;
	v = strtoll(args, &end, 10);
	if (errno || v < 0)
		return -1;
	*size = (off_t)v;
	end += strspn(end, " ");
	*last = strcasecmp(end, "LAST") == 0;
	return *last || !*end ? 0 : -1;
}

/* Consume a chunk of n octets, into c (NULL: dropped).  The bytes are
 * the message as they are: no dot-unstuffing, no line rules (the send
 * path makes the content canonical, as for the command line). */
static enum line read_chunk(struct session *s, struct content *c, off_t n)
{
	size_t take;
	enum line r;

	while (n > 0) {
		if (s->start == s->len && (r = fill(s)) != LINE_OK)
			return r;
		take = s->len - s->start;
		if ((off_t)take > n)
			take = (size_t)n;
		if (take > sizeof c->buf)
			take = sizeof c->buf;
		if (c)
			content_add(s, c, s->in + s->start, take);
		s->start += take;
		n -= (off_t)take;
	}
	return LINE_OK;
}

/* The chunk's end: 250 for more, the verdict after LAST. */
static void chunk_done(struct session *s, off_t n, int last)
{
	const char *refusal;

	if (!last) {
		reply(s, 250, "2.0.0", "%lld octets received", (long long)n);
		set_state(s, ST_BDAT);
		return;
	}
	content_flush(s, s->bdat);
	refusal = content_refusal(s->bdat);
	if (refusal)
		refuse_content(s, s->bdat, refusal);
	else
		deliver(s, s->bdat);
	set_state(s, ST_READY);
}

static void cmd_bdat(struct session *s, const char *args)
{
	struct error err;
	enum line r;
	off_t n;
	int last, in_txn = s->state == ST_RCPT || s->state == ST_BDAT;

	if (parse_bdat(args, &n, &last) < 0) {
		reply(s, 501, "5.5.4", "Syntax: BDAT octets [LAST]");
		return;
	}
	error_clear(&err);
	if (in_txn && !s->bdat && (s->txn.fd = spool_open(spool_dir(s), &err)) >= 0)
		s->bdat = xcalloc(1, sizeof *s->bdat);
	r = read_chunk(s, in_txn ? s->bdat : NULL, n);   /* read, whatever follows */
	if (r != LINE_OK) {
		session_close(s, r);
		log_line(s, "client gone during BDAT: nothing sent");
	} else if (!in_txn) {
		reply(s, 503, "5.5.1", "Need MAIL and RCPT before BDAT");
	} else if (!s->bdat) {
		reply(s, 451, "4.3.0", "Cannot spool the message: %s", err.text);
		set_state(s, ST_READY);
	} else {
		chunk_done(s, n, last);
	}
}

static void cmd_rset(struct session *s, const char *args)
{
	if (*args) {
		reply(s, 501, "5.5.4", "RSET takes no arguments");
		return;
	}
	if (s->state != ST_GREETED)
		set_state(s, ST_READY);
	reply(s, 250, "2.0.0", "Reset");
}

static void cmd_noop(struct session *s, const char *args)
{
	(void)args;
	reply(s, 250, "2.0.0", "OK");
}

static void cmd_quit(struct session *s, const char *args)
{
	(void)args;
	reply(s, 221, "2.0.0", "%s closing connection", s->sp->hostname);
	s->end = SMTPD_END_QUIT;
	set_state(s, ST_END);
}

static void cmd_vrfy(struct session *s, const char *args)
{
	if (!*args)
		reply(s, 501, "5.5.4", "Syntax: VRFY address");
	else  /* RFC 5321 3.5.3: we verify nothing, and say so */
		reply(s, 252, "2.5.2", "Cannot VRFY user; send the message and see");
}

static void cmd_expn(struct session *s, const char *args)
{
	(void)args;
	reply(s, 502, "5.5.1", "EXPN is not offered");
}

static void cmd_help(struct session *s, const char *args)
{
	(void)args;
	reply(s, 214, "2.0.0",
	      "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP\n"
	      "sendas relays each message through the account its sender selects");
}

/* ---- STARTTLS and AUTH (the smarthost, issue 16) ---------------------- */

static void cmd_starttls(struct session *s, const char *args)
{
	const struct smtpd_handler *h = s->sp->handler;

	if (!h || !h->starttls || s->p->tls) {
		reply(s, h && h->starttls ? 503 : 502, "5.5.1",
		      h && h->starttls ? "TLS is already active" : "STARTTLS is not offered");
		return;
	}
	if (*args) {
		reply(s, 501, "5.5.4", "STARTTLS takes no arguments");
		return;
	}
	reply(s, 220, "2.0.0", "Ready to start TLS");
	s->start = s->len = 0;    /* RFC 3207 5: nothing sent before TLS counts after */
	if (flush_out(s) < 0 || h->starttls(h->ctx) < 0) {
		s->end = SMTPD_END_IO;
		set_state(s, ST_END);
		return;
	}
	s->esmtp = 0;
	set_state(s, ST_GREETED);
}

/* The client's next AUTH response; NULL when the session ends. */
static char *auth_response(struct session *s, const char *challenge)
{
	const char *l;
	size_t n;
	enum line r;

	out_printf(s, "334 %s\r\n", challenge);
	r = next_line(s, SMTPD_AUTH_LINE_MAX, &l, &n);
	if (r == LINE_OK) {
		char *copy = xstrndup(l, n - 2);

		wipe(s->in + (l - s->in), n);   /* credentials, in base64 */
		return copy;
	}
	if (r == LINE_LONG || r == LINE_BAD)
		return xstrdup("*");  /* refused like a cancel, below */
	session_close(s, r);
	return NULL;
}

/* RFC 4954 4: "AUTH mech [initial-response]", then 334 rounds. */
static void auth_exchange(struct session *s, const char *mech, const char *initial)
{
	const struct smtpd_handler *h = s->sp->handler;
	struct smtpd_reply r;
	char *in = initial ? xstrdup(initial) : NULL, *challenge;
	int first = 1;

	buf_init(&r.text, SMTPD_REPLY_TEXT_MAX);
	smtpd_reply_set(&r, 535, "5.7.8", "Authentication credentials invalid");
	while (h->auth(h->ctx, s->p, mech, first, in && strcmp(in, "=") ? in : in ? "" : NULL,
		       &challenge, &r) == 1) {
		first = 0;
		free_secret(in);
		in = auth_response(s, challenge);
		free(challenge);
		if (!in)
			break;
		if (!strcmp(in, "*")) {
			smtpd_reply_set(&r, 501, "5.7.0", "Authentication cancelled");
			break;
		}
	}
	free_secret(in);
	if (s->state != ST_END)
		handler_verdict(s, &r);
	buf_release(&r.text);
}

static void cmd_auth(struct session *s, const char *args)
{
	const struct smtpd_handler *h = s->sp->handler;
	char mech[32];
	size_t n = strcspn(args, " ");
	const char *initial = args + n + strspn(args + n, " ");

	if (!h || !h->auth || !s->esmtp) {
		reply(s, h && h->auth ? 503 : 502, "5.5.1",
		      h && h->auth ? "Send EHLO before AUTH" : "AUTH is not offered");
		return;
	}
	if (s->p->auth_user) {
		reply(s, 503, "5.5.1", "Already authenticated");
		return;
	}
	if (n == 0 || n >= sizeof mech) {
		reply(s, 501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
		return;
	}
	snprintf(mech, sizeof mech, "%.*s", (int)n, args);
	for (n = 0; mech[n]; n++)
		mech[n] = (char)(mech[n] >= 'a' && mech[n] <= 'z' ? mech[n] - 32 : mech[n]);
	auth_exchange(s, mech, *initial ? initial : NULL);
}

/* Where a command may come; the refusal when it may not. */
enum {
	IN_GREETED = 1 << ST_GREETED,
	IN_READY = 1 << ST_READY,
	IN_MAIL = 1 << ST_MAIL,
	IN_RCPT = 1 << ST_RCPT,
	IN_BDAT = 1 << ST_BDAT,
	ANYWHERE = IN_GREETED | IN_READY | IN_MAIL | IN_RCPT | IN_BDAT,
};

static const struct command {
	const char *verb;
	unsigned allowed;
	const char *out_of_order;   /* 503 text */
	void (*run)(struct session *s, const char *args);
} commands[] = {
	{ "EHLO", ANYWHERE, NULL, cmd_ehlo },
	{ "HELO", ANYWHERE, NULL, cmd_helo },
	{ "MAIL", IN_READY, "Send EHLO first, and MAIL once per transaction", cmd_mail },
	{ "RCPT", IN_MAIL | IN_RCPT, "Need MAIL before RCPT", cmd_rcpt },
	{ "DATA", IN_RCPT, "Need MAIL and RCPT before DATA (and no DATA after BDAT)", cmd_data },
	{ "BDAT", ANYWHERE, NULL, cmd_bdat },   /* checks the order itself, after the chunk */
	{ "RSET", ANYWHERE, NULL, cmd_rset },
	{ "NOOP", ANYWHERE, NULL, cmd_noop },
	{ "QUIT", ANYWHERE, NULL, cmd_quit },
	{ "VRFY", ANYWHERE, NULL, cmd_vrfy },
	{ "EXPN", ANYWHERE, NULL, cmd_expn },
	{ "HELP", ANYWHERE, NULL, cmd_help },
	{ "STARTTLS", IN_READY, "Send EHLO first; STARTTLS is not allowed in a transaction",
	  cmd_starttls },
	{ "AUTH", IN_READY, "Send EHLO first; AUTH is not allowed in a transaction", cmd_auth },
};

static void unknown(struct session *s, const char *verb, const char *args)
{
	const struct smtpd_handler *h = s->sp->handler;
	struct smtpd_reply r;
	int answered = 0;

	if (h && h->verb && s->state != ST_GREETED) {
		buf_init(&r.text, 64 * SMTPD_REPLY_TEXT_MAX);
		smtpd_reply_set(&r, 500, "5.5.2", "Command unrecognized");
		answered = h->verb(h->ctx, s->p, verb, args, &r);
		if (answered)
			handler_verdict(s, &r);
		buf_release(&r.text);
	}
	if (!answered)
		reply(s, 500, "5.5.2", "Command unrecognized");
}

static void run_command(struct session *s, const char *verb, const char *args)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].verb, verb) != 0)
			continue;
		if (!(commands[i].allowed & (1u << s->state)))
			reply(s, 503, "5.5.1", "%s", commands[i].out_of_order);
		else
			commands[i].run(s, args);
		return;
	}
	unknown(s, verb, args);
}

/* line is the command in the input buffer, which is wiped once copied:
 * AUTH's initial response is a credential (so are the lines of its
 * exchange, auth_response()). */
static void dispatch(struct session *s, char *line, size_t n)
{
	char cmd[SMTPD_COMMAND_LINE_MAX + 1], verb[16];
	const char *args;

	memcpy(cmd, line, n);     /* n < SMTPD_COMMAND_LINE_MAX: the reader says */
	cmd[n] = '\0';
	if (n > 4 && !strncasecmp(line, "AUTH", 4))
		wipe(line, n);
	if (smtpd_parse_command(cmd, n, verb, &args) < 0)
		reply(s, 500, "5.5.2", "Syntax error, command unrecognized");
	else
		run_command(s, verb, args);
	wipe(cmd, sizeof cmd);
}

/* ---- the session ------------------------------------------------------ */

static void session_close(struct session *s, enum line r)
{
	if (r == LINE_TIMEOUT) {
		reply(s, 421, "4.4.2", "%s timeout: closing connection", s->sp->hostname);
		s->end = SMTPD_END_TIMEOUT;
	} else if (r == LINE_EOF) {
		s->end = SMTPD_END_EOF;
	} else {
		s->end = SMTPD_END_IO;
	}
	set_state(s, ST_END);
}

static unsigned commands_max(const struct session *s)
{
	return s->sp->commands_max > 0 ? s->sp->commands_max : SMTPD_COMMANDS_MAX;
}

/* One command line; 0 to go on. */
static int step(struct session *s)
{
	const char *line;
	size_t n;
	enum line r = next_line(s, SMTPD_COMMAND_LINE_MAX, &line, &n);

	if (r == LINE_OK && ++s->commands > commands_max(s)) {
		reply(s, 421, "4.7.0", "Too many commands: closing connection");
		log_line(s, "limit: more than %u commands: 421 4.7.0", commands_max(s));
		s->end = SMTPD_END_LIMIT;
		set_state(s, ST_END);
	} else if (r == LINE_OK) {
		dispatch(s, s->in + (line - s->in), n - 2);
	} else if (r == LINE_LONG) {
		reply(s, 500, "5.5.2", "Line too long: a command is at most %d octets with CRLF",
		      SMTPD_COMMAND_LINE_MAX);
	} else if (r == LINE_BAD) {
		reply(s, 500, "5.5.2", "Bare CR or LF, or a NUL, in a command: lines end in CRLF");
	} else {
		session_close(s, r);
	}
	if (s->state != ST_END && s->closing) {
		s->end = SMTPD_END_LIMIT;
		set_state(s, ST_END);
	}
	if (s->state != ST_END && s->errors > SMTPD_ERRORS_MAX) {
		reply(s, 421, "4.7.0", "Too many errors: closing connection");
		s->end = SMTPD_END_LIMIT;
		set_state(s, ST_END);
	}
	return s->state == ST_END;
}

static const char *peer_text(const struct smtpd_peer *p, char *out, size_t size)
{
	if (p->kind == SMTPD_PEER_TCP)
		snprintf(out, size, "%s", p->addr);
	else if (p->have_cred)
		snprintf(out, size, "uid %lu (pid %ld)", (unsigned long)p->uid, (long)p->pid);
	else
		snprintf(out, size, "uid %lu", (unsigned long)p->uid);
	return out;
}

enum smtpd_end smtpd_serve(const struct smtpd_params *sp, const struct smtpd_peer *p)
{
	int total = sp->total_timeout > 0 ? sp->total_timeout : SMTPD_TOTAL_TIMEOUT;
	struct session *s = xcalloc(1, sizeof *s);
	static const char *const ends[] = { "quit", "client gone", "timeout", "limit",
					    "i/o error" };
	enum smtpd_end end;
	char who[96];

	s->sp = sp;
	s->p = p;
	s->txn = (struct smtpd_txn){ .fd = -1, .size_declared = -1 };
	s->deadline = time(NULL) + total;
	buf_init(&s->out, OUT_MAX);
	peer_text(p, who, sizeof who);
	if (!sp->log_session_only)
		log_line(s, "connect from %s", who);
	out_printf(s, "220 %s ESMTP sendas\r\n", sp->hostname);
	while (!step(s))
		;
	flush_out(s);
	end = s->end;
	log_line(s, "disconnect from %s%s%s: %s, %lu transactions, %u commands", who,
		 p->auth_user ? " login=" : "", p->auth_user ? p->auth_user : "", ends[end],
		 s->transactions, s->commands);
	set_state(s, ST_END);
	buf_release(&s->out);
	free(s);
	return end;
}

void smtpd_peer_identify(int in_fd, int out_fd, struct smtpd_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	*p = (struct smtpd_peer){ .kind = SMTPD_PEER_PIPE, .in_fd = in_fd, .out_fd = out_fd,
				  .uid = getuid(), .gid = getgid(), .pid = 0 };
	if (getsockopt(in_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof cred) {
		p->kind = SMTPD_PEER_UNIX;
		p->have_cred = 1;
		p->uid = cred.uid;
		p->gid = cred.gid;
		p->pid = cred.pid;
	}
}
