/* SPDX-License-Identifier: GPL-3.0-or-later */
/* message.c: see message.h.
 *
 * Reading is one pass over stdin in large chunks.  Whole body lines of
 * plain text, the bulk of any large message, take a fast path: one memchr
 * for the line end and one copy, CRLF added, into the spool's buffer
 * (body_lines).  Everything else is cut into spans of ordinary bytes; a
 * span is copied as a whole, and line ends, CR, NUL and the first 8-bit
 * byte are the only places where the reader stops to think.  Where the
 * next CR, NUL and 8-bit byte are is found once per chunk, not per line.
 * The header section goes to m->header; the body to the spool writer
 * (spool.h), which writes it to the file behind the reader, on a second
 * thread once the message is large. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "mailname.h"
#include "message.h"
#include "spool.h"
#include "xalloc.h"

#define READ_CHUNK (256 * 1024)            /* one read() from stdin */
#define QP_OUT_MAX (4 * READ_CHUNK)        /* "=XX" per byte and soft breaks */
#define ENCODED_WORD_INPUT 45              /* bytes per RFC 2047 word: 60 base64 */

/* ---- spool files ---------------------------------------------------- */

static const char *spool_dir(const struct message_options *o)
{
	const char *tmp = getenv("TMPDIR");

	if (o && o->spool_dir)
		return o->spool_dir;
	return tmp && *tmp ? tmp : "/tmp";
}

/* ---- reading: stdin ⇒ header + canonical spool ------------------------ */

enum byte_class { B_PLAIN, B_8BIT, B_CR, B_LF, B_NUL };

/* What a byte means to the reader; plain bytes are found in bulk by
 * span_end(). */
static const unsigned char class_all[256] = {
	[0] = B_NUL, ['\r'] = B_CR, ['\n'] = B_LF, [0x80 ... 0xff] = B_8BIT,
};

struct reader {
	struct message *m;
	int ignore_dots;
	size_t read_size;
	struct spool_writer *spool;  /* the body goes here */
	size_t line_len;        /* octets of the current line so far */
	unsigned long lineno;   /* the current line, from 1 */
	size_t field_start;     /* where the current line starts in m->header */
	int in_header;
	int pending_cr;         /* the last chunk ended in CR */
	int pending_cr_header;  /* ... and that CR ended a header line */
	int pending_dot;        /* the line so far is a "." held back */
	int done;               /* the lone dot was read */
	struct error *err;
};

static int body_add(struct reader *r, const char *s, size_t n)
{
	return spool_write(r->spool, s, n, r->err);
}

static int emit(struct reader *r, const char *s, size_t n)
{
	if (!r->in_header)
		return body_add(r, s, n);
	if (buf_add(&r->m->header, s, n) < 0)
		return error_set(r->err, CAT_INPUT,
				 N_("the header section is larger than %d bytes"),
				 MESSAGE_HEADER_MAX);
	return 0;
}

enum line_kind { LINE_FIELD, LINE_CONTINUATION, LINE_BLANK, LINE_OTHER };

/* RFC 5322 2.2: a field name is printable ASCII without ':'; obsolete
 * syntax allows white space before the colon. */
static enum line_kind classify(const char *s, size_t n, int first)
{
	size_t i = 0, name;

	if (n == 0)
		return LINE_BLANK;
	if (s[0] == ' ' || s[0] == '\t')
		return first ? LINE_OTHER : LINE_CONTINUATION;
	while (i < n && s[i] > ' ' && s[i] < 0x7f && s[i] != ':')
		i++;
	name = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return name > 0 && i < n && s[i] == ':' ? LINE_FIELD : LINE_OTHER;
}

static void header_truncate(struct buf *h, size_t len)
{
	h->len = len;
	if (h->data)
		h->data[len] = '\0';
}

static int has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* The line in the header buffer is not a field: the body starts with it,
 * and its 8-bit bytes count for the body. */
static int leave_header(struct reader *r)
{
	struct message *m = r->m;
	const char *s = buf_str(&m->header);
	size_t n = m->header.len - r->field_start;
	int rc;

	r->in_header = 0;
	m->body_line = r->lineno;
	m->body_8bit = has_8bit(s + r->field_start, n);
	m->header_8bit = has_8bit(s, r->field_start);
	rc = body_add(r, s + r->field_start, n);
	header_truncate(&m->header, r->field_start);
	return rc;
}

/* A header line is complete: keep it, end the header, or hand it to the
 * body (a message without header, or one without the empty line). */
static int header_line_end(struct reader *r)
{
	struct buf *h = &r->m->header;
	const char *s = buf_str(h) + r->field_start;
	size_t n = h->len - r->field_start;

	switch (classify(s, n, r->field_start == 0)) {
	case LINE_BLANK:
		r->in_header = 0;
		r->m->body_line = r->lineno + 1;
		return 0;
	case LINE_OTHER:
		if (r->lineno == 1 && n >= 5 && memcmp(s, "From ", 5) == 0) {
			header_truncate(h, r->field_start);   /* an mbox separator */
			return 0;
		}
		if (leave_header(r) < 0)
			return -1;
		return body_add(r, "\r\n", 2);
	default:
		if (r->field_start == 0)
			r->m->header_line = r->lineno;
		if (emit(r, "\r\n", 2) < 0)
			return -1;
		r->field_start = h->len;
		return 0;
	}
}

/* A line of len octets (line end not counted) is complete. */
static void count_line(struct reader *r, size_t len, int in_header)
{
	struct message *m = r->m;
	unsigned long *first = in_header ? &m->header_long_line : &m->body_long_line;

	m->lines++;
	if (len > m->longest_line)
		m->longest_line = len;
	if (len > MESSAGE_LINE_MAX && *first == 0)
		*first = r->lineno;
	r->lineno++;
}

static int end_line(struct reader *r)
{
	int rc = r->in_header ? header_line_end(r) : body_add(r, "\r\n", 2);

	count_line(r, r->line_len, r->in_header);
	r->line_len = 0;
	return rc;
}

/* At the start of a line, before the span loop: the lone dot.  Returns 1
 * when the byte at p was consumed. */
static int line_start(struct reader *r, const unsigned char *p)
{
	if (r->pending_dot) {
		r->pending_dot = 0;
		if (*p == '\n' || *p == '\r') {
			r->done = 1;
			return 1;
		}
		r->line_len = 1;
		return emit(r, ".", 1) < 0 ? -1 : 0;
	}
	if (*p == '.' && !r->ignore_dots) {
		r->pending_dot = 1;
		return 1;
	}
	return 0;
}

/* A bare CR ends a line everywhere (nothing is smuggled past a server that
 * reads CR as a line end), but in the header it would start a new field
 * that the sender never wrote: "Subject: x\rBcc: victim" from a web form
 * that strips only LF.  So in the header it is refused. */
static int bare_cr_in_header(struct reader *r, unsigned long lineno)
{
	return error_set(r->err, CAT_INPUT,
			 N_("line %lu of the header contains a bare CR, which could add header fields; refusing the message"),
			 lineno);
}

/* The byte that stopped a span. */
static int special(struct reader *r, const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;

	switch (class_all[*p]) {
	case B_NUL:
		return error_set(r->err, CAT_INPUT,
				 N_("line %lu of the message contains a NUL byte"), r->lineno);
	case B_CR:
		p++;
		if (p == end) {
			r->pending_cr = 1;
			r->pending_cr_header = r->in_header;
		} else if (*p == '\n') {
			p++;
		} else if (r->in_header) {
			return bare_cr_in_header(r, r->lineno);
		}
		break;
	case B_LF:
		p++;
		break;
	default:
		*(r->in_header ? &r->m->header_8bit : &r->m->body_8bit) = 1;
		return 0;   /* the span goes on with the 8-bit table */
	}
	*pp = p;
	return end_line(r);
}

/* The first byte in [p, end) that is not 8-bit clean, or NULL.  Eight bytes
 * at a time: ASCII text is the common case. */
static const unsigned char *first_8bit(const unsigned char *p, const unsigned char *end)
{
	uint64_t w;

	for (; end - p >= 8; p += 8) {
		memcpy(&w, p, sizeof w);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	for (; p < end; p++)
		if (*p >= 0x80)
			return p;
	return NULL;
}

/* Where the next CR, NUL and 8-bit byte of a chunk are.  Found once per
 * chunk and again only after a span has passed them, not once per line:
 * most chunks have none of them, and a line is only about 70 octets. */
struct chunk_marks {
	const unsigned char *end;
	const unsigned char *cr, *nul, *eight;   /* end when there is none;
						  * NULL: not looked for yet */
};

static const unsigned char *mark(const unsigned char **at, const unsigned char *p,
				 const unsigned char *end, int c)
{
	const unsigned char *q;

	if (!*at || *at < p) {
		q = c < 0 ? first_8bit(p, end) : memchr(p, c, (size_t)(end - p));
		*at = q ? q : end;
	}
	return *at;
}

/* Where the plain bytes that start at p end: at the first CR, LF or NUL,
 * or, while the section has shown none, the first 8-bit byte.  glibc's
 * memchr is vectorised; the byte-by-byte table loop this replaces ran at
 * about 1 GB/s and was the slowest step of a large message. */
static const unsigned char *span_end(struct chunk_marks *k, const unsigned char *p,
				     int find_8bit)
{
	const unsigned char *stop = memchr(p, '\n', (size_t)(k->end - p)), *q;

	if (!stop)
		stop = k->end;
	if ((q = mark(&k->cr, p, k->end, '\r')) < stop)
		stop = q;
	if ((q = mark(&k->nul, p, k->end, '\0')) < stop)
		stop = q;
	if (find_8bit && (q = mark(&k->eight, p, k->end, -1)) < stop)
		stop = q;
	return stop;
}

/* The common case: whole body lines of plain text, each found with one
 * memchr and copied with its CRLF straight into the spool's buffer.  It
 * stops, leaving the line to the general loop below, at anything that
 * needs thought there: a bare CR, a NUL, the section's first 8-bit byte, a
 * leading dot that may be the lone dot, a line that does not end in this
 * chunk.  NULL on a spool failure. */
static const unsigned char *body_lines(struct reader *r, struct chunk_marks *k,
				       const unsigned char *p)
{
	struct message *m = r->m;
	const unsigned char *lf;
	size_t len, avail = 0;
	char *out = NULL;

	while ((lf = memchr(p, '\n', (size_t)(k->end - p)))) {
		len = (size_t)(lf - p);
		if (mark(&k->cr, p, k->end, '\r') < lf) {
			if (k->cr != lf - 1)
				break;
			len--;                          /* CRLF already */
		}
		if (mark(&k->nul, p, k->end, '\0') < lf ||
		    (!m->body_8bit && mark(&k->eight, p, k->end, -1) < lf) ||
		    (*p == '.' && !r->ignore_dots))
			break;
		if (len + 2 > avail) {
			if (!(out = spool_room(r->spool, len + 2, &avail, r->err)))
				return NULL;
		}
		memcpy(out, p, len);
		memcpy(out + len, "\r\n", 2);
		spool_commit(r->spool, len + 2);
		out += len + 2;
		avail -= len + 2;
		count_line(r, len, 0);
		p = lf + 1;
	}
	return p;
}

static int feed(struct reader *r, const unsigned char *p, const unsigned char *end)
{
	struct chunk_marks k = { .end = end };   /* no mark known yet */
	const unsigned char *s;
	int rc;

	while (p < end && !r->done) {
		if (r->pending_cr) {
			r->pending_cr = 0;
			if (*p != '\n' && r->pending_cr_header)
				return bare_cr_in_header(r, r->lineno - 1);
			if (*p == '\n' && ++p == end)
				break;
		}
		if (!r->in_header && r->line_len == 0 && !r->pending_dot) {
			if (!(p = body_lines(r, &k, p)))
				return -1;
			if (p == end)
				break;
		}
		if (r->line_len == 0 && (rc = line_start(r, p)) != 0) {
			if (rc < 0)
				return -1;
			p++;
			continue;
		}
		s = p;
		p = span_end(&k, p, !*(r->in_header ? &r->m->header_8bit : &r->m->body_8bit));
		if (p > s && emit(r, (const char *)s, (size_t)(p - s)) < 0)
			return -1;
		r->line_len += (size_t)(p - s);
		if (p < end && special(r, &p, end) < 0)
			return -1;
	}
	/* A very long first "line" that is no field: it is body; stop
	 * collecting it in the header buffer. */
	if (r->in_header && r->line_len > MESSAGE_LINE_MAX &&
	    classify(buf_str(&r->m->header) + r->field_start,
		     r->m->header.len - r->field_start, r->field_start == 0) == LINE_OTHER)
		return leave_header(r);
	return 0;
}

/* End of input: a last line without a line end gets one; ".<EOF>" is the
 * lone dot too. */
static int finish(struct reader *r)
{
	if (r->pending_dot)
		r->done = 1;
	else if (!r->done && r->line_len > 0 && end_line(r) < 0)
		return -1;
	return 0;
}

/* A pipe on stdin (cat FILE | sendmail, every caller that writes a message
 * into a pipe) holds 64 KiB by default: each read() then takes a quarter of
 * READ_CHUNK and the writer and sendas wake each other four times as often.
 * The pipe grows to the reader's chunk when the system allows (Linux: up to
 * /proc/sys/fs/pipe-max-size, 1 MiB by default); on a system or a file
 * where it does not, nothing changes.  About a third of the time of a
 * 500 MB message from a pipe (tests/bench). */
static void widen_pipe(int in_fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;

	if (fstat(in_fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(in_fd, F_SETPIPE_SZ, READ_CHUNK);
#else
	(void)in_fd;
#endif
}

static int read_all(int in_fd, struct reader *r)
{
	char eno[ERROR_WORD_MAX];
	unsigned char *in = xmalloc(READ_CHUNK);
	ssize_t n;
	int rc = 0;

	widen_pipe(in_fd);
	while (rc == 0 && !r->done) {
		n = read(in_fd, in, r->read_size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = error_set(r->err, CAT_IO, N_("cannot read the message: %s"),
				       error_errno(errno, eno));
		else if (n == 0)
			break;
		else
			rc = feed(r, in, in + n);
	}
	free(in);
	return rc == 0 ? finish(r) : rc;
}

int message_read(int in_fd, const struct message_options *o, struct message *m,
		 struct error *err)
{
	struct reader r = { .m = m, .lineno = 1, .in_header = 1, .err = err };
	struct error ignored;   /* a spool failure after an earlier error */
	int rc;

	r.ignore_dots = o && o->ignore_dots;
	r.read_size = o && o->read_size && o->read_size < READ_CHUNK ? o->read_size : READ_CHUNK;
	free(m->spool_dir);
	m->spool_dir = xstrdup(spool_dir(o));
	m->fd = spool_open(m->spool_dir, err);
	if (m->fd < 0)
		return -1;
	m->body_line = 1;
	r.spool = spool_writer_new(m->fd, m->spool_dir);
	rc = read_all(in_fd, &r);
	if (spool_writer_finish(r.spool, &m->size, rc < 0 ? &ignored : err) < 0)
		rc = -1;
	if (r.in_header)
		m->body_line = r.lineno;
	m->has_8bit = m->header_8bit || m->body_8bit;
	return rc;
}

void message_init(struct message *m)
{
	memset(m, 0, sizeof *m);
	m->fd = -1;
	buf_init(&m->header, MESSAGE_HEADER_MAX);
	buf_init(&m->added, MESSAGE_ADDED_MAX);
	buf_init(&m->trace, MESSAGE_ADDED_MAX);
	buf_init(&m->prefix, MESSAGE_PREFIX_MAX);
}

void message_release(struct message *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->spool_dir);
	buf_release(&m->header);
	buf_release(&m->added);
	buf_release(&m->trace);
	buf_release(&m->prefix);
	message_init(m);
}

off_t message_size(const struct message *m)
{
	return (off_t)m->prefix.len + m->size;
}

/* ---- the header as read ---------------------------------------------- */

struct field {
	size_t start, end;        /* the whole field in m->header, CRLFs included */
	const char *name;
	size_t name_len;
	const char *value;        /* after the colon, folded, without the last CRLF */
	size_t value_len;
};

/* The field at *pos.  Every line kept in the header is a field or the
 * continuation of one (classify()), so each field has its colon. */
static int next_field(const struct buf *h, size_t *pos, struct field *f)
{
	const char *s = buf_str(h), *lf, *colon;
	size_t e = *pos;

	if (e >= h->len)
		return 0;
	f->start = e;
	do {
		lf = memchr(s + e, '\n', h->len - e);
		e = lf ? (size_t)(lf - s) + 1 : h->len;
	} while (e < h->len && (s[e] == ' ' || s[e] == '\t'));
	f->end = e;
	colon = memchr(s + f->start, ':', e - f->start);
	f->name = s + f->start;
	f->name_len = (size_t)(colon - f->name);
	while (f->name_len && (f->name[f->name_len - 1] == ' ' || f->name[f->name_len - 1] == '\t'))
		f->name_len--;
	f->value = colon + 1;
	f->value_len = (size_t)(s + e - f->value);
	if (f->value_len >= 2 && s[e - 1] == '\n')
		f->value_len -= 2;
	*pos = e;
	return 1;
}

static int field_is(const struct field *f, const char *name)
{
	return f->name_len == strlen(name) && strncasecmp(f->name, name, f->name_len) == 0;
}

static int field_in(const struct field *f, const char *const *names)
{
	for (; *names; names++)
		if (field_is(f, *names))
			return 1;
	return 0;
}

/* Unfolded (RFC 5322 2.2.3: a CRLF before white space goes) and trimmed.
 * The header is canonical: every CR there is part of a CRLF. */
static char *field_value(const struct field *f)
{
	char *v = xmalloc(f->value_len + 1), *o = v;
	const char *p = f->value, *end = f->value + f->value_len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			*o++ = *p;
	while (o > v && (o[-1] == ' ' || o[-1] == '\t'))
		o--;
	*o = '\0';
	return v;
}

static size_t field_count(const struct message *m, const char *name)
{
	struct field f;
	size_t pos = 0, n = 0;

	while (next_field(&m->header, &pos, &f))
		n += field_is(&f, name);
	return n;
}

static int has_field(const struct message *m, const char *name)
{
	return field_count(m, name) > 0;
}

char *message_header(const struct message *m, const char *name)
{
	struct field f;
	size_t pos = 0;

	while (next_field(&m->header, &pos, &f))
		if (field_is(&f, name))
			return field_value(&f);
	return NULL;
}

char *message_from_address(const struct message *m)
{
	struct error ignored;
	char *a = NULL;

	return message_from(m, &a, &ignored) > 0 ? a : NULL;
}

int message_from(const struct message *m, char **addr, struct error *err)
{
	char *v = message_header(m, "From"), arg[ERROR_ARG_MAX];
	struct error why;

	*addr = NULL;
	if (!v)
		return 0;
	error_clear(&why);
	*addr = address_first(v, &why);
	/* address.c's reason quotes the field (escaped, bounded). */
	if (!*addr && why.category != CAT_NONE)
		error_set(err, CAT_INPUT, N_("the From field is not a valid address: %s"),
			  error_arg(&why, arg));
	free(v);
	return *addr ? 1 : why.category != CAT_NONE ? -1 : 0;
}

/* ---- recipients (-t) ------------------------------------------------- */

static const char *const original_rcpt_fields[] = { "To", "Cc", "Bcc", NULL };
static const char *const resent_rcpt_fields[] = { "Resent-To", "Resent-Cc", "Resent-Bcc",
						   NULL };

static int is_resent(const struct field *f)
{
	return f->name_len > 7 && strncasecmp(f->name, "Resent-", 7) == 0;
}

/* The part of the header -t reads, [*from, *to), and which fields: the
 * first block of Resent- fields (RFC 5322 3.6.6: each resending prepends
 * one) when it has recipient fields, else the whole header. */
static const char *const *rcpt_scope(const struct message *m, size_t *from, size_t *to)
{
	struct field f;
	size_t pos = 0;
	int in_block = 0, has_rcpt = 0;

	*from = 0;
	*to = m->header.len;
	while (next_field(&m->header, &pos, &f)) {
		if (is_resent(&f) && !in_block) {
			in_block = 1;
			*from = f.start;
		} else if (!is_resent(&f) && in_block) {
			*to = f.start;
			break;
		}
		has_rcpt |= in_block && field_in(&f, resent_rcpt_fields);
	}
	if (has_rcpt)
		return resent_rcpt_fields;
	*from = 0;   /* a block without Resent-To/Cc/Bcc names nobody new */
	*to = m->header.len;
	return original_rcpt_fields;
}

int message_recipients(const struct message *m, struct address_list *l, struct error *err)
{
	size_t pos, to;
	const char *const *names = rcpt_scope(m, &pos, &to);
	struct field f;
	char *v;
	int rc = 0;

	while (rc == 0 && pos < to && next_field(&m->header, &pos, &f)) {
		if (!field_in(&f, names))
			continue;
		v = field_value(&f);
		rc = address_list_parse(l, v, err);
		if (rc < 0)
			error_prefix(err, N_("in the %.*s field"), (int)f.name_len, f.name);
		free(v);
	}
	return rc;
}

int message_envelope_rcpts(const struct message *m, const char *const *args,
			   size_t nargs, int from_header, struct address_list *l,
			   struct error *err)
{
	size_t i;

	for (i = 0; i < nargs; i++)
		if (address_list_parse(l, args[i], err) < 0)
			return -1;
	if (from_header && message_recipients(m, l, err) < 0)
		return -1;
	if (l->n)
		return 0;
	return error_set(err, CAT_USAGE, from_header
			 ? N_("no recipients: the message names none in To, Cc or Bcc, "
			     "and none was given as an argument")
			 : N_("no recipients given"));
}

/* ---- fields sendas adds ---------------------------------------------- */

/* RFC 5322 3.3, with English names whatever the locale. */
static int add_date(struct buf *b, time_t now)
{
	return buf_adds(b, "Date: ") | message_date(b, now) | buf_adds(b, "\r\n");
}

int message_date(struct buf *b, time_t now)
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&now, &tm);
	off = tm.tm_gmtoff / 60;
	return buf_printf(b, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday],
			  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			  tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static int base64(struct buf *b, const unsigned char *s, size_t n)
{
	int r = 0;

	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i;
	char q[4];

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)s[i] << 16 | (i + 1 < n ? (unsigned long)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);
		q[0] = set[v >> 18 & 63];
		q[1] = set[v >> 12 & 63];
		q[2] = i + 1 < n ? set[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? set[v & 63] : '=';
		r |= buf_add(b, q, 4);
	}
	return r;
}

/* RFC 2047 "B" words of at most ENCODED_WORD_INPUT bytes, never cutting a
 * UTF-8 character, folded between words (the space is not part of the
 * decoded text, RFC 2047 6.2). */
static int add_encoded_words(struct buf *b, const char *s, size_t n)
{
	int r = 0;
	unsigned st = 0;
	int utf8 = utf8_feed(&st, (const unsigned char *)s, n) && st == 0;
	const char *charset = utf8 ? "UTF-8" : "unknown-8bit";   /* RFC 1428 */
	size_t k;

	while (n) {
		k = n < ENCODED_WORD_INPUT ? n : ENCODED_WORD_INPUT;
		while (utf8 && k < n && k > 1 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		r |= buf_printf(b, "=?%s?B?", charset);
		r |= base64(b, (const unsigned char *)s, k);
		r |= buf_adds(b, n > k ? "?=\r\n " : "?=");
		s += k;
		n -= k;
	}
	return r;
}

/* A display name: as is when it is atoms, quoted when it has specials,
 * encoded words when it is not printable ASCII. */
static int add_phrase(struct buf *b, const char *name)
{
	size_t i, n = strlen(name);
	int plain = n && name[0] != ' ' && name[n - 1] != ' ', r;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c >= 0x7f)
			return add_encoded_words(b, name, n);
		if (strchr("()<>[]:;@\\,.\"", c))
			plain = 0;
	}
	if (plain)
		return buf_add(b, name, n);
	r = buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (name[i] == '"' || name[i] == '\\')
			r |= buf_addc(b, '\\');
		r |= buf_addc(b, name[i]);
	}
	return r | buf_addc(b, '"');
}

/* The fields sendas adds outgrew MESSAGE_ADDED_MAX (m->added's overflow is
 * sticky: one check after a run of adds). */
static int added_too_long(struct error *err)
{
	return error_set(err, CAT_INPUT, N_("the header fields sendas adds would exceed %d bytes"),
			 MESSAGE_ADDED_MAX);
}

/* The right side of a Message-ID we make: the sender's domain, else the
 * From: domain, else one that names no host of ours. */
static char *id_domain(const struct message *m, const char *sender)
{
	struct error ignored;
	char *a = sender && *sender ? address_mailbox(sender, NULL, &ignored) : NULL;
	const char *d;
	char *r;

	if (!a || !address_domain(a)) {
		free(a);
		a = message_from_address(m);
	}
	d = a ? address_domain(a) : NULL;
	r = xstrdup(d ? d : "localhost");
	free(a);
	return r;
}

static int add_message_id(struct message *m, const struct message_prepare *p,
			  struct error *err)
{
	char eno[ERROR_WORD_MAX];
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[MESSAGE_ID_RANDOM];
	char id[MESSAGE_ID_RANDOM * 8 / 5 + 2], *domain;
	size_t i, o = 0, bits = 0;
	unsigned v = 0;
	ssize_t got;
	int r;

	if (p->random) {
		memcpy(rnd, p->random, sizeof rnd);
	} else {
		while ((got = getrandom(rnd, sizeof rnd, 0)) < 0 && errno == EINTR)
			;
		if (got != (ssize_t)sizeof rnd)
			return error_set(err, CAT_INTERNAL,
					 N_("cannot get random bytes for a Message-ID: %s"),
					 error_errno(errno, eno));
	}
	for (i = 0; i < sizeof rnd; i++) {
		v = (v << 8 | rnd[i]) & 0xffff;
		for (bits += 8; bits >= 5; bits -= 5)
			id[o++] = b32[v >> (bits - 5) & 31];
	}
	if (bits)
		id[o++] = b32[v << (5 - bits) & 31];
	id[o] = '\0';
	domain = id_domain(m, p->sender);
	r = buf_printf(&m->added, "Message-ID: <%s@%s>\r\n", id, domain);
	free(domain);
	return r < 0 ? added_too_long(err) : 0;
}

/* "From: -F name <sender>", or the sender alone; none for the null sender. */
static int add_from(struct message *m, const struct message_prepare *p, struct error *err)
{
	char *a;
	int r;

	if (!p->sender || !*p->sender)
		return 0;
	a = address_mailbox(p->sender, NULL, err);
	if (!a)
		return -1;
	r = buf_adds(&m->added, "From: ");
	if (p->full_name && *p->full_name) {
		r |= add_phrase(&m->added, p->full_name);
		r |= buf_printf(&m->added, " <%s>", a);
	} else {
		r |= buf_adds(&m->added, a);
	}
	r |= buf_adds(&m->added, "\r\n");
	free(a);
	return r < 0 ? added_too_long(err) : 0;
}

/* The same sender: equal, or both local with the same local part. */
static int same_sender(const char *a, const char *b)
{
	char *la, *lb;
	int same;

	if (strcasecmp(a, b) == 0)
		return 1;
	if (!address_is_local(a, NULL) || !address_is_local(b, NULL))
		return 0;
	la = address_local_part(a);
	lb = address_local_part(b);
	same = strcmp(la, lb) == 0;
	free(la);
	free(lb);
	return same;
}

/* The text between first and last of v, trimmed and unquoted; NULL when
 * empty. */
static char *phrase_between(const char *first, const char *last)
{
	while (first < last && (*first == ' ' || *first == '\t' || *first == '"'))
		first++;
	while (last > first && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '"'))
		last--;
	return last > first ? xstrndup(first, (size_t)(last - first)) : NULL;
}

/* The display name of the From field: "Name <a@b>" or "a@b (Name)". */
static char *from_display_name(const struct message *m)
{
	char *v = message_header(m, "From"), *name = NULL, *lt, *open, *close;

	if (!v)
		return NULL;
	if ((lt = strchr(v, '<')))
		name = phrase_between(v, lt);
	else if ((open = strchr(v, '(')) && (close = strrchr(v, ')')) && close > open)
		name = phrase_between(open + 1, close);
	free(v);
	return name;
}

/* rewrite_from (message.h, original_sender): the From field follows the
 * envelope, the old one is kept for the reader.  Only a single From field
 * is renamed (RFC 5322 allows one; renaming thousands would also outgrow
 * MESSAGE_PREFIX_MAX). */
static int rewrite_from(struct message *m, const struct message_prepare *p,
			struct error *err)
{
	char *from = message_from_address(m);
	size_t present = field_count(m, "From");
	int names_original = from && same_sender(from, p->original_sender);
	char *display = NULL;
	struct message_prepare q = *p;
	int r;

	free(from);
	if (present > 1 || (present && !names_original))
		return 0;
	if (present) {
		m->drop |= MESSAGE_RENAME_FROM;
		if (p->keep_display_name && (display = from_display_name(m)))
			q.full_name = display;
	} else if (buf_printf(&m->added, "X-Original-From: %s\r\n", p->original_sender) < 0) {
		free(display);
		return added_too_long(err);
	}
	r = add_from(m, &q, err);
	free(display);
	return r;
}

/* ---- the header block to send ----------------------------------------- */

static const struct {
	unsigned bit;
	const char *name;
} droppable[] = {
	{ MESSAGE_DROP_BCC, "Bcc" },
	{ MESSAGE_DROP_BCC, "Resent-Bcc" },
	{ MESSAGE_DROP_CTE, "Content-Transfer-Encoding" },
};

/* Fields sent as read, under another name. */
static const struct {
	unsigned bit;
	const char *name;
	const char *new_name;
} renamed[] = {
	{ MESSAGE_RENAME_FROM, "From", "X-Original-From" },
};

/* The name f goes out under, or NULL: its own. */
static const char *new_name(const struct message *m, const struct field *f)
{
	size_t i;

	for (i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if ((m->drop & renamed[i].bit) && field_is(f, renamed[i].name))
			return renamed[i].new_name;
	return NULL;
}

static int dropped(const struct message *m, const struct field *f)
{
	size_t i;

	for (i = 0; i < sizeof droppable / sizeof droppable[0]; i++)
		if ((m->drop & droppable[i].bit) && field_is(f, droppable[i].name))
			return 1;
	return 0;
}

/* Where to fold s[start..end): the last white space within width octets
 * that follows a non-blank, so that no piece is blank or ends in white
 * space; 0 when there is none. */
static size_t fold_point(const char *s, size_t start, size_t end, size_t width)
{
	size_t k = start + width < end ? start + width : end - 1;

	for (; k > start + 1; k--)
		if ((s[k] == ' ' || s[k] == '\t') && s[k - 1] != ' ' && s[k - 1] != '\t')
			return k;
	return 0;
}

/* Never expected (build_prefix() says why), never cut short. */
static int prefix_too_long(struct error *err)
{
	return error_set(err, CAT_INPUT, N_("the header section is larger than %d bytes"),
			 MESSAGE_PREFIX_MAX);
}

/* One header line (with its CRLF) into the prefix.  One over
 * MESSAGE_LINE_MAX is folded before white space (RFC 5322 2.2.3: unfolding
 * gives it back), at MESSAGE_FOLD_WIDTH where it can be, as 2.1.1 asks. */
static int add_header_line(struct message *m, const char *s, size_t n, unsigned long lineno,
			   struct error *err)
{
	size_t start = 0, end = n - 2, k;

	while (end - start > MESSAGE_LINE_MAX ||
	       (end > MESSAGE_LINE_MAX && end - start > MESSAGE_FOLD_WIDTH)) {
		k = fold_point(s, start, end, MESSAGE_FOLD_WIDTH);
		if (!k)
			k = fold_point(s, start, end, MESSAGE_LINE_MAX);
		if (!k && end - start <= MESSAGE_LINE_MAX)
			break;
		if (!k)
			return error_set(err, CAT_INPUT,
					 N_("line %lu is longer than %d octets, and it is in the "
					   "header, without a space where it could be folded"),
					 lineno, MESSAGE_LINE_MAX);
		if (buf_add(&m->prefix, s + start, k - start) < 0 ||
		    buf_add(&m->prefix, "\r\n", 2) < 0)
			return prefix_too_long(err);
		start = k;
	}
	return buf_add(&m->prefix, s + start, n - start) < 0 ? prefix_too_long(err) : 0;
}

/* The first line of a renamed field (s, n octets, up to its CRLF): the new
 * name, then the line from the colon on. */
static int add_renamed_line(struct message *m, const char *name, const struct field *f,
			    const char *s, size_t n, unsigned long lineno, struct error *err)
{
	struct buf line;
	int r;

	buf_init(&line, n + strlen(name) + 1);
	if (buf_adds(&line, name) < 0 || buf_add(&line, s + f->name_len, n - f->name_len) < 0)
		r = prefix_too_long(err);
	else
		r = add_header_line(m, line.data, line.len, lineno, err);
	buf_release(&line);
	return r;
}

/* The header as read minus the dropped fields, the added ones, the empty
 * line.  Within MESSAGE_PREFIX_MAX by construction (a renamed field grows by
 * a few octets; MESSAGE_ADDED_MAX leaves room). */
static int build_prefix(struct message *m, struct error *err)
{
	const char *h = buf_str(&m->header), *lf;
	unsigned long lineno = m->header_line;
	const char *name;
	struct field f;
	size_t pos = 0, p, n;
	int r;

	buf_reset(&m->prefix);
	if (buf_add(&m->prefix, buf_str(&m->trace), m->trace.len) < 0)
		return prefix_too_long(err);
	while (next_field(&m->header, &pos, &f)) {
		name = new_name(m, &f);
		for (p = f.start; p < f.end; p = (size_t)(lf - h) + 1, lineno++) {
			lf = memchr(h + p, '\n', f.end - p);
			n = (size_t)(lf - h) + 1 - p;
			if (dropped(m, &f))
				continue;
			r = name && p == f.start ? add_renamed_line(m, name, &f, h + p, n, lineno, err)
						 : add_header_line(m, h + p, n, lineno, err);
			if (r < 0)
				return -1;
		}
	}
	if (buf_add(&m->prefix, buf_str(&m->added), m->added.len) < 0 ||
	    buf_add(&m->prefix, "\r\n", 2) < 0)
		return prefix_too_long(err);
	return 0;
}

/* ---- quoted-printable re-encoding (RFC 2045 6.7) ---------------------- */

struct qp {
	char *out;
	size_t len;
	size_t col;             /* octets on the output line */
	unsigned char held;     /* a space or tab held back: encoded at a line end */
	unsigned utf8;          /* utf8_feed() state over the body */
	int eight;
	off_t size;
};

static void qp_put(struct qp *q, const char *s, size_t n)
{
	if (q->col + n > MESSAGE_QP_LINE_MAX - 1) {
		memcpy(q->out + q->len, "=\r\n", 3);   /* soft line break */
		q->len += 3;
		q->col = 0;
	}
	memcpy(q->out + q->len, s, n);
	q->len += n;
	q->col += n;
}

static void qp_byte(struct qp *q, unsigned char c, int literal)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[3] = { '=', hex[c >> 4], hex[c & 15] };

	if (literal)
		qp_put(q, (const char *)&c, 1);
	else
		qp_put(q, enc, 3);
}

/* The spool is canonical: a CR is always part of a CRLF, so LF alone
 * marks line ends here. */
static void qp_encode(struct qp *q, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '\r')
			continue;
		if (c == '\n') {
			if (q->held)
				qp_byte(q, q->held, 0);
			q->held = 0;
			memcpy(q->out + q->len, "\r\n", 2);
			q->len += 2;
			q->col = 0;
			continue;
		}
		if (q->held)
			qp_byte(q, q->held, 1);
		q->held = 0;
		if (c == ' ' || c == '\t')
			q->held = c;
		else
			qp_byte(q, c, c >= 33 && c <= 126 && c != '=');
	}
}

static int qp_copy(struct message *m, struct spool_writer *out, struct qp *q,
		   struct error *err)
{
	char eno[ERROR_WORD_MAX];
	unsigned char *in = xmalloc(READ_CHUNK);
	off_t off = 0;
	ssize_t n;
	int rc = 0;

	q->out = xmalloc(QP_OUT_MAX);
	while (rc == 0 && (n = pread(m->fd, in, READ_CHUNK, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_set(err, CAT_IO, N_("cannot read the spool file: %s"),
				       error_errno(errno, eno));
			break;
		}
		off += n;
		q->eight |= has_8bit((const char *)in, (size_t)n);
		utf8_feed(&q->utf8, in, (size_t)n);
		q->len = 0;
		qp_encode(q, in, (size_t)n);
		rc = spool_write(out, q->out, q->len, err);
	}
	free(in);
	free(q->out);
	return rc;
}

/* NULL when the body can be re-encoded: not MIME, or one text part whose
 * body is not encoded yet; else why not. */
static const char *mime_problem(const struct message *m)
{
	static const char *const identity[] = { "7bit", "8bit", "binary", NULL };
	char *type = message_header(m, "Content-Type");
	char *cte = message_header(m, "Content-Transfer-Encoding");
	const char *problem = NULL;
	const char *const *id = identity;

	if (type && strncasecmp(type, "text/", 5) != 0)
		problem = N_("it is not a single text part");
	if (cte && !problem) {
		cte[strcspn(cte, " \t(;")] = '\0';
		while (*id && strcasecmp(cte, *id) != 0)
			id++;
		if (!*id)
			problem = N_("its body is encoded already");
	}
	free(type);
	free(cte);
	return problem;
}

/* A new spool with the body quoted-printable, and the MIME fields that
 * say so. */
static int reencode(struct message *m, struct error *err)
{
	struct qp q = { .out = NULL };
	struct error ignored;
	struct spool_writer *w;
	int fd = spool_open(m->spool_dir, err), rc, r = 0;

	if (fd < 0)
		return -1;
	w = spool_writer_new(fd, m->spool_dir);
	rc = qp_copy(m, w, &q, err);
	if (spool_writer_finish(w, &q.size, rc < 0 ? &ignored : err) < 0 || rc < 0) {
		close(fd);
		return -1;
	}
	close(m->fd);
	m->fd = fd;
	m->size = q.size;
	m->body_8bit = 0;
	m->has_8bit = m->header_8bit;
	m->body_long_line = 0;
	m->reencoded = 1;
	m->drop |= MESSAGE_DROP_CTE;
	if (!has_field(m, "MIME-Version"))
		r = buf_adds(&m->added, "MIME-Version: 1.0\r\n");
	if (!has_field(m, "Content-Type"))
		r |= buf_printf(&m->added, "Content-Type: text/plain; charset=%s\r\n",
				!q.eight ? "us-ascii" : q.utf8 == 0 ? "utf-8" : "unknown-8bit");
	r |= buf_adds(&m->added, "Content-Transfer-Encoding: quoted-printable\r\n");
	return r < 0 ? added_too_long(err) : 0;
}

int message_prepare(struct message *m, const struct message_prepare *p, struct error *err)
{
	char word[ERROR_WORD_MAX];
	const char *problem;

	m->drop |= MESSAGE_DROP_BCC;
	buf_reset(&m->trace);
	if (p->trace && buf_adds(&m->trace, p->trace) < 0)
		return error_set(err, CAT_INTERNAL, N_("the trace field is too long"));
	if (!has_field(m, "Date") && add_date(&m->added, p->now) < 0)
		return added_too_long(err);
	if (!has_field(m, "Message-ID") && add_message_id(m, p, err) < 0)
		return -1;
	if (p->original_sender && p->sender && *p->sender) {
		if (rewrite_from(m, p, err) < 0)
			return -1;
	} else if (!has_field(m, "From") && add_from(m, p, err) < 0) {
		return -1;
	}
	if (m->body_long_line) {
		problem = mime_problem(m);
		if (problem)
			return error_set(err, CAT_INPUT,
					 N_("line %lu is longer than %d octets, and the message "
					   "cannot be re-encoded: %s"),
					 m->body_long_line, MESSAGE_LINE_MAX, error_word(problem, word));
		if (reencode(m, err) < 0)
			return -1;
	}
	return build_prefix(m, err);
}

int message_make_7bit(struct message *m, struct error *err)
{
	char word[ERROR_WORD_MAX];
	const char *problem;

	if (m->header_8bit)
		return error_set(err, CAT_INPUT,
				 N_("the header has 8-bit characters, and the server does not "
				   "accept 8BITMIME"));
	if (!m->body_8bit)
		return 0;
	problem = mime_problem(m);
	if (problem)
		return error_set(err, CAT_INPUT,
				 N_("the body has 8-bit characters, the server does not accept "
				   "8BITMIME, and the message cannot be re-encoded: %s"),
				 error_word(problem, word));
	if (reencode(m, err) < 0)
		return -1;
	return build_prefix(m, err);
}
