/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_message.c: stdin to spool and header, against a corpus of real-world
 * messages (tests/unit/data/messages, see its README), and the limits:
 * canonical line ends at every chunk boundary, the lone dot, NUL, long
 * lines, 8-bit, added and dropped fields, and memory that does not grow
 * with the message (getrusage, not a timing). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "cli.h"
#include "message.h"
#include "spool.h"
#include "tap.h"
#include "xalloc.h"

#define FIXTURE_NOW 1767225600          /* Thu, 1 Jan 2026 00:00:00 UTC */
#define FIXTURE_ARGS_MAX 32
#define FIXTURES_MAX 200
#define FILE_MAX (16 * 1024 * 1024)
#define OUT_MAX (64 * 1024 * 1024)

static const unsigned char fixed_random[MESSAGE_ID_RANDOM] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* ---- helpers ---------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	struct buf b;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	buf_init(&b, FILE_MAX);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		must(buf_add(&b, chunk, (size_t)n));
	close(fd);
	*len = b.len;
	return buf_detach(&b);
}

static void spit(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
}

/* An fd that reads as data, like a redirected stdin. */
static int input_fd(const char *data, size_t len)
{
	int fd = memfd_create("input", 0);

	if (write(fd, data, len) != (ssize_t)len)
		printf("# short write to memfd\n");
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The bytes the engine would send: prefix, then the spool. */
static void wire(const struct message *m, struct buf *out)
{
	char chunk[65536];
	off_t off = 0;
	ssize_t n;

	must(buf_add(out, m->prefix.data ? m->prefix.data : "", m->prefix.len));
	while ((n = pread(m->fd, chunk, sizeof chunk, off)) > 0) {
		must(buf_add(out, chunk, (size_t)n));
		off += n;
	}
}

/* Read data with the given options; the header and the spool as strings. */
static int read_str(const char *data, size_t len, int ignore_dots, size_t read_size,
		    struct message *m, struct error *err)
{
	struct message_options mo = { .ignore_dots = ignore_dots, .read_size = read_size };
	int fd = input_fd(data, len), r;

	message_init(m);
	error_clear(err);
	r = message_read(fd, &mo, m, err);
	close(fd);
	return r;
}

static char *spool_str(const struct message *m)
{
	struct message copy = *m;
	struct buf out;

	buf_init(&out, OUT_MAX);
	copy.prefix.data = NULL;
	copy.prefix.len = 0;
	wire(&copy, &out);
	return buf_detach(&out);
}

/* ---- the corpus --------------------------------------------------------- */

static char *fixture_path(const char *dir, const char *name, const char *ext)
{
	return xasprintf("%s/%s.%s", dir, name, ext);
}

struct fixture {
	char *argv[FIXTURE_ARGS_MAX + 1];
	int argc;
	int seven_bit;            /* "#7bit": the server lacks 8BITMIME */
	char *args_text;
	char argv0[9];
};

static void fixture_args(const char *dir, const char *name, struct fixture *f)
{
	char *path = fixture_path(dir, name, "args"), *p, *nl;
	size_t len;

	f->argc = 0;
	f->seven_bit = 0;
	strcpy(f->argv0, "sendmail");
	f->argv[f->argc++] = f->argv0;
	f->args_text = slurp(path, &len);
	free(path);
	for (p = f->args_text; p && *p && f->argc < FIXTURE_ARGS_MAX; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (strcmp(p, "#7bit") == 0)
			f->seven_bit = 1;
		else if (*p != '#')
			f->argv[f->argc++] = p;
	}
	f->argv[f->argc] = NULL;
}

/* What -f or the From: field make the envelope sender, as send.c does. */
static char *fixture_sender(const struct options *o, const struct message *m, int *utf8,
			    struct error *err)
{
	char *from;

	*utf8 = 0;
	if (o->sender)
		return address_mailbox(o->sender, utf8, err);
	from = message_from_address(m);
	return from ? from : xstrdup("sender@example.org");
}

static int fixture_steps(const struct fixture *f, struct message *m, struct address_list *l,
			 struct buf *env, struct error *err, const char *in_path,
			 size_t read_size)
{
	struct options o;
	struct message_options mo = { .read_size = read_size };
	struct message_prepare p = { .now = FIXTURE_NOW, .random = fixed_random };
	char *sender;
	int fd, r, utf8;
	size_t i;

	if (cli_parse(f->argc, f->argv, &o, err) < 0)
		return -1;
	mo.ignore_dots = o.ignore_dots;
	fd = open(in_path, O_RDONLY);
	r = message_read(fd, &mo, m, err);
	close(fd);
	if (r < 0 || message_envelope_rcpts(m, o.rcpts, o.nrcpts, o.read_recipients, l, err) < 0)
		return -1;
	sender = fixture_sender(&o, m, &utf8, err);
	if (!sender)
		return -1;
	must(buf_printf(env, "sender <%s>\n", sender));
	for (i = 0; i < l->n; i++)
		must(buf_printf(env, "rcpt <%s>\n", l->addrs[i]));
	p.sender = sender;
	p.full_name = o.full_name;
	r = message_prepare(m, &p, err);
	free(sender);
	if (r == 0 && f->seven_bit)
		r = message_make_7bit(m, err);
	if (r == 0)
		must(buf_printf(env, "8bitmime %d\nsmtputf8 %d\nreencoded %d\nsize %lld\n", m->has_8bit,
			   l->smtputf8 || utf8, m->reencoded, (long long)message_size(m)));
	return r;
}

/* The envelope as text and the bytes on the wire, or the error. */
static void fixture_run(const char *dir, const char *name, const struct fixture *f,
			size_t read_size, struct buf *env, struct buf *out)
{
	char *path = fixture_path(dir, name, "in");
	struct message m;
	struct address_list l;
	struct error err;

	message_init(&m);
	address_list_init(&l);
	error_clear(&err);
	if (fixture_steps(f, &m, &l, env, &err, path, read_size) < 0)
		must(buf_printf(env, "error %s: %s\n", category_name(err.category), err.text));
	else
		wire(&m, out);
	address_list_release(&l);
	message_release(&m);
	free(path);
}

static int same_file(const char *path, const struct buf *want_or_write, int write_mode)
{
	size_t len;
	char *have;
	int same;

	if (write_mode) {
		if (want_or_write->len)
			spit(path, buf_str(want_or_write), want_or_write->len);
		else
			unlink(path);
		return 1;
	}
	have = slurp(path, &len);
	if (!have)
		return want_or_write->len == 0;
	same = len == want_or_write->len && memcmp(have, buf_str(want_or_write), len) == 0;
	if (!same)
		printf("# %s differs (%zu bytes expected, %zu got)\n", path, len,
		       want_or_write->len);
	free(have);
	return same;
}

/* Every line of a re-encoded body fits RFC 2045; none of any output is
 * over 998; every line ends in CRLF. */
static int lines_ok(const struct buf *out, int reencoded)
{
	const char *p = buf_str(out), *end = p + out->len, *lf, *body = strstr(p, "\r\n\r\n");
	size_t max;

	for (; p < end; p = lf + 1) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (!lf || lf == p || lf[-1] != '\r' || memchr(p, '\r', (size_t)(lf - p - 1)))
			return 0;
		max = reencoded && body && p > body ? MESSAGE_QP_LINE_MAX : MESSAGE_LINE_MAX;
		if ((size_t)(lf - p - 1) > max)
			return 0;
	}
	return 1;
}

/* Show a multi-line text as TAP diagnostics. */
static void diag_lines(const char *s)
{
	const char *nl;

	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		printf("#   %.*s\n", (int)(nl - s), s);
	}
}

static void fixture_check(const char *dir, const char *name, int write_mode)
{
	struct fixture f;
	struct buf env, out, env2, out2;
	char *path;
	static const size_t sizes[] = { 1, 2, 3, 7, 64 };
	size_t i;
	int stable = 1;

	fixture_args(dir, name, &f);
	buf_init(&env, OUT_MAX);
	buf_init(&out, OUT_MAX);
	fixture_run(dir, name, &f, 0, &env, &out);
	path = fixture_path(dir, name, "env");
	ok(same_file(path, &env, write_mode), "%s: envelope or error as expected", name);
	if (!same_file(path, &env, 0) || write_mode)
		diag_lines(buf_str(&env));
	free(path);
	path = fixture_path(dir, name, "out");
	ok(same_file(path, &out, write_mode), "%s: the bytes on the wire as expected", name);
	free(path);
	ok(out.len == 0 || lines_ok(&out, strstr(buf_str(&env), "reencoded 1") != NULL),
	   "%s: CRLF everywhere, no line too long", name);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		buf_init(&env2, OUT_MAX);
		buf_init(&out2, OUT_MAX);
		fixture_run(dir, name, &f, sizes[i], &env2, &out2);
		stable &= env2.len == env.len && out2.len == out.len &&
			  memcmp(buf_str(&env2), buf_str(&env), env.len) == 0 &&
			  memcmp(buf_str(&out2), buf_str(&out), out.len) == 0;
		buf_release(&env2);
		buf_release(&out2);
	}
	ok(stable, "%s: the same when read 1, 2, 3, 7 and 64 bytes at a time", name);
	buf_release(&env);
	buf_release(&out);
	free(f.args_text);
}

static const char *corpus_dir(void)
{
	static char dir[4096];
	const char *top = getenv("top_srcdir");
	struct stat st;

	snprintf(dir, sizeof dir, "%s/tests/unit/data/messages", top ? top : ".");
	if (stat(dir, &st) == 0)
		return dir;
	snprintf(dir, sizeof dir, "%s/../tests/unit/data/messages", top ? top : ".");
	return dir;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void)
{
	const char *dir = corpus_dir(), *w = getenv("FIXTURE_WRITE");
	char *names[FIXTURES_MAX];
	size_t n = 0, i, len;
	struct dirent *de;
	DIR *d = opendir(dir);

	ok(d != NULL, "the corpus is at %s", dir);
	while (d && (de = readdir(d)) && n < FIXTURES_MAX) {
		len = strlen(de->d_name);
		if (len > 3 && strcmp(de->d_name + len - 3, ".in") == 0)
			names[n++] = xstrndup(de->d_name, len - 3);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	ok(n >= 30, "the corpus has %zu messages", n);
	for (i = 0; i < n; i++) {
		fixture_check(dir, names[i], w && *w == '1');
		free(names[i]);
	}
}

/* ---- canonical form, chunk by chunk ------------------------------------ */

/* Read data (with -i or not) at several chunk sizes; all must agree with
 * the expected header and spool. */
static void canon(const char *data, size_t len, int ignore_dots, const char *want_header,
		  const char *want_spool, const char *what)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 5 };
	struct message m;
	struct error err;
	size_t i;
	int all = 1;
	char *spool;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (read_str(data, len, ignore_dots, sizes[i], &m, &err) < 0) {
			printf("# %s: %s\n", what, err.text);
			all = 0;
		}
		spool = spool_str(&m);
		if (i == 0) {
			is_str(buf_str(&m.header), want_header, "%s: header", what);
			is_str(spool, want_spool, "%s: body", what);
		}
		all &= strcmp(buf_str(&m.header), want_header) == 0 &&
		       strcmp(spool, want_spool) == 0;
		free(spool);
		message_release(&m);
	}
	ok(all, "%s: the same at every chunk size", what);
}

#define CANON(in, dots, h, b, what) canon(in, sizeof in - 1, dots, h, b, what)

/* A bare CR in the header is refused at every chunk size: it would start a
 * field the sender never wrote. */
static void refused_bare_cr(const char *data, const char *what)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 5 };
	struct message m;
	struct error err;
	size_t i;
	int all = 1;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int r = read_str(data, strlen(data), 0, sizes[i], &m, &err);

		all &= r < 0 && err.category == CAT_INPUT && strstr(err.text, "bare CR") != NULL;
		message_release(&m);
	}
	ok(all, "%s: refused", what);
}

static void test_line_ends(void)
{
	CANON("Subject: x\n\na\nb\r\nc\rd\r\r\ne", 0, "Subject: x\r\n",
	      "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n", "LF, CRLF, CR, CR CRLF, no final line end");
	refused_bare_cr("Subject: x\r\r\nbody\n\r\n", "CR, then CR LF, in the header");
	refused_bare_cr("A: 1\rB: 2\r\rbody\r", "bare CR between header fields (injection)");
	CANON("A: 1\n\nbody\rmore\r\r\nend", 0, "A: 1\r\n", "body\r\nmore\r\n\r\nend\r\n",
	      "bare CR in the body: a line end");
	CANON("", 0, "", "", "empty input");
	CANON("\n", 0, "", "", "one empty line: an empty header and body");
	CANON("hello world\nsecond\n", 0, "", "hello world\r\nsecond\r\n",
	      "no header: all of it is body");
	CANON("Subject: x\nno blank line here\n", 0, "Subject: x\r\n",
	      "no blank line here\r\n", "no empty line between header and body");
	CANON("From me@x Mon Jan 1 00:00:00 2026\nSubject: x\n\nFrom here\n", 0,
	      "Subject: x\r\n", "From here\r\n", "an mbox From_ line is dropped, not later ones");
	CANON(" folded first\nSubject: x\n", 0, "", " folded first\r\nSubject: x\r\n",
	      "a continuation as first line is body");
	CANON("Subject: a\n  b\n\tc\nTo : x@y\n\nB\n", 0,
	      "Subject: a\r\n  b\r\n\tc\r\nTo : x@y\r\n", "B\r\n",
	      "folded fields and obsolete space before the colon");
	CANON("X: 1\n\n\n\n", 0, "X: 1\r\n", "\r\n\r\n", "empty body lines are kept");
}

static void test_lone_dot(void)
{
	CANON("S: x\n\nbody\n.\nafter\n", 0, "S: x\r\n", "body\r\n", "a lone dot ends the input");
	CANON("S: x\n\nbody\r\n.\r\nafter\n", 0, "S: x\r\n", "body\r\n", ". CRLF too");
	CANON("S: x\n\nbody\r.\rafter\n", 0, "S: x\r\n", "body\r\n", ". CR too");
	CANON("S: x\n\nbody\n.", 0, "S: x\r\n", "body\r\n", ". at the end of input");
	CANON("S: x\n.\nbody\n", 0, "S: x\r\n", "", "a lone dot in the header");
	CANON(".\nall gone\n", 0, "", "", "a lone dot first");
	CANON("S: x\n\n..\n. \n.x\nx.\n", 0, "S: x\r\n", "..\r\n. \r\n.x\r\nx.\r\n",
	      "dots that are not alone stay as they are (the engine stuffs them)");
	CANON("S: x\n\nbody\n.\nafter\n.\n", 1, "S: x\r\n", "body\r\n.\r\nafter\r\n.\r\n",
	      "-i: the dot is content");
	CANON(".\n", 1, "", ".\r\n", "-i: a lone dot first is content");
	CANON("S: x\n\n.", 1, "S: x\r\n", ".\r\n", "-i: a dot at the end of input");
}

static void test_nul(void)
{
	struct message m;
	struct error err;
	int r;

	r = read_str("A: b\n\nline 3\nli\0ne 4\n", 21, 0, 0, &m, &err);
	ok(r < 0 && err.category == CAT_INPUT &&
	   strcmp(err.text, "line 4 of the message contains a NUL byte") == 0,
	   "a NUL byte: %s", err.text);
	message_release(&m);
	r = read_str("A: \0b\n", 6, 0, 1, &m, &err);
	ok(r < 0 && strstr(err.text, "line 1 "), "in the header, read byte by byte: %s",
	   err.text);
	message_release(&m);
	r = read_str("A: b\n\n\r\r\0", 9, 0, 0, &m, &err);
	ok(r < 0 && strstr(err.text, "line 5 "), "bare CRs in the body count as lines: %s", err.text);
	message_release(&m);
}

static void test_8bit_and_long(void)
{
	struct message m;
	struct error err;
	struct buf in;

	read_str("Subject: Gr\xc3\xbc\xc3\x9f" "e\n\nplain\n", 23, 0, 0, &m, &err);
	ok(m.header_8bit && !m.body_8bit && m.has_8bit, "8-bit in the header only");
	message_release(&m);
	read_str("S: x\n\nGr\xc3\xbc\xc3\x9f" "e\n", 14, 0, 0, &m, &err);
	ok(!m.header_8bit && m.body_8bit && m.has_8bit, "8-bit in the body only");
	message_release(&m);
	read_str("Gr\xc3\xbc\xc3\x9f" "e, no header\n", 19, 0, 1, &m, &err);
	ok(!m.header_8bit && m.body_8bit, "8-bit in a first line that is body");
	message_release(&m);
	buf_init(&in, OUT_MAX);
	must(buf_adds(&in, "S: x\n\nshort\n"));
	while (in.len < 12 + 999)
		must(buf_addc(&in, 'y'));
	must(buf_adds(&in, "\nshort\n"));
	read_str(buf_str(&in), in.len, 0, 0, &m, &err);
	ok(m.body_long_line == 4 && m.header_long_line == 0 && m.longest_line == 999,
	   "a line of 999 octets is line 4 (%lu)", m.body_long_line);
	message_release(&m);
	buf_reset(&in);
	while (in.len < 2 * MESSAGE_HEADER_MAX)
		must(buf_adds(&in, "no colon in this very long first line "));
	read_str(buf_str(&in), in.len, 0, 0, &m, &err);
	ok(m.header.len == 0 && m.body_long_line == 1 && m.size == (off_t)in.len + 2,
	   "a first line of 2 MB without a colon is body, not a header over its limit");
	message_release(&m);
	buf_reset(&in);
	while (in.len < MESSAGE_HEADER_MAX + 10)
		must(buf_adds(&in, "X-Filler: 0123456789012345678901234567890123456789\n"));
	ok(read_str(buf_str(&in), in.len, 0, 0, &m, &err) < 0 && err.category == CAT_INPUT &&
	   strstr(err.text, "header section is larger"), "a header over its limit: %s", err.text);
	message_release(&m);
	buf_release(&in);
}

static void test_fields(void)
{
	struct message m;
	struct error err;
	char *v;
	static const char in[] = "Subject:  a\r\n  b\r\n\tc  \r\nto : X <x@Y.example>\r\n"
				 "Empty:\r\nFrom: \"Doe, J\" <j@faß.de>, k@k.example\r\n\r\n";

	read_str(in, sizeof in - 1, 0, 0, &m, &err);
	v = message_header(&m, "SUBJECT");
	is_str(v, "a  b\tc", "unfolded, trimmed, any case");
	free(v);
	v = message_header(&m, "To");
	is_str(v, "X <x@Y.example>", "a field with space before its colon");
	free(v);
	v = message_header(&m, "Empty");
	is_str(v, "", "an empty field");
	free(v);
	ok(message_header(&m, "Cc") == NULL, "a missing field");
	v = message_from_address(&m);
	is_str(v, "j@xn--fa-hia.de", "the From address, as an A-label");
	free(v);
	message_release(&m);
}

static void test_spool_file(void)
{
	struct message m;
	struct message_options mo = { .spool_dir = "/nonexistent/spool" };
	struct error err;
	struct stat st;
	int fd = input_fd("S: x\n\nb\n", 8);

	read_str("S: x\n\nb\n", 8, 0, 0, &m, &err);
	ok(fstat(m.fd, &st) == 0 && st.st_nlink == 0, "the spool has no name");
	ok((st.st_mode & 07777) == 0600, "and mode 0600 (%o)", (unsigned)(st.st_mode & 07777));
	ok(m.body_offset == 0 && m.size == 3, "the spool holds the body alone");
	message_release(&m);
	message_init(&m);
	error_clear(&err);
	ok(message_read(fd, &mo, &m, &err) < 0 && err.category == CAT_IO &&
	   strstr(err.text, "/nonexistent/spool"), "a bad spool directory: %s", err.text);
	message_release(&m);
	close(fd);
}

/* ---- fields sendas adds ------------------------------------------------ */

/* The prefix for a message read from in and prepared with p. */
static char *prepared(const char *in, const struct message_prepare *p, struct error *err)
{
	struct message m;
	char *r = NULL;

	if (read_str(in, strlen(in), 0, 0, &m, err) == 0 && message_prepare(&m, p, err) == 0)
		r = xstrndup(buf_str(&m.prefix), m.prefix.len);
	message_release(&m);
	return r;
}

static void date_in(const char *tz, const char *want)
{
	struct message_prepare p = { .sender = "s@x.example", .now = FIXTURE_NOW,
				     .random = fixed_random };
	struct error err;
	char *got;

	setenv("TZ", tz, 1);
	tzset();
	got = prepared("Message-ID: <a@b>\nFrom: s@x.example\n\n", &p, &err);
	is_str(got, want, "Date in TZ=%s", tz);
	free(got);
}

static void test_date(void)
{
	date_in("UTC0", "Message-ID: <a@b>\r\nFrom: s@x.example\r\n"
		"Date: Thu, 1 Jan 2026 00:00:00 +0000\r\n\r\n");
	date_in("IST-5:30", "Message-ID: <a@b>\r\nFrom: s@x.example\r\n"
		"Date: Thu, 1 Jan 2026 05:30:00 +0530\r\n\r\n");
	date_in("BRT3", "Message-ID: <a@b>\r\nFrom: s@x.example\r\n"
		"Date: Wed, 31 Dec 2025 21:00:00 -0300\r\n\r\n");
	/* Day and month names stay English whatever the locale (where one
	 * with other names is installed: not on every test machine). */
	if (setlocale(LC_TIME, "de_DE.UTF-8") || setlocale(LC_TIME, "fr_FR.UTF-8"))
		date_in("UTC0", "Message-ID: <a@b>\r\nFrom: s@x.example\r\n"
			"Date: Thu, 1 Jan 2026 00:00:00 +0000\r\n\r\n");
	setlocale(LC_TIME, "C");
}

static void from_is(const char *name, const char *sender, const char *want)
{
	struct message_prepare p = { .sender = sender, .full_name = name, .now = FIXTURE_NOW,
				     .random = fixed_random };
	struct error err;
	char *got = prepared("Date: x\nMessage-ID: <a@b>\n\n", &p, &err);

	is_str(got, want, "-F '%s' with sender '%s'", name ? name : "(none)", sender);
	free(got);
}

static void test_from(void)
{
	from_is(NULL, "s@x.example", "Date: x\r\nMessage-ID: <a@b>\r\nFrom: s@x.example\r\n\r\n");
	from_is("Joe Bloggs", "s@x.example",
		"Date: x\r\nMessage-ID: <a@b>\r\nFrom: Joe Bloggs <s@x.example>\r\n\r\n");
	from_is("Doe, John \"JD\"", "s@x.example",
		"Date: x\r\nMessage-ID: <a@b>\r\nFrom: \"Doe, John \\\"JD\\\"\" <s@x.example>\r\n\r\n");
	from_is("J. Smith", "s@x.example",
		"Date: x\r\nMessage-ID: <a@b>\r\nFrom: \"J. Smith\" <s@x.example>\r\n\r\n");
	from_is("Jörg Müller", "s@x.example",
		"Date: x\r\nMessage-ID: <a@b>\r\n"
		"From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <s@x.example>\r\n\r\n");
	from_is("\xe9t\xe9", "s@x.example",   /* Latin-1 bytes, not UTF-8 */
		"Date: x\r\nMessage-ID: <a@b>\r\nFrom: =?unknown-8bit?B?6XTp?= <s@x.example>\r\n\r\n");
	from_is("Tab\there", "Joe <s@faß.de>",
		"Date: x\r\nMessage-ID: <a@b>\r\nFrom: =?UTF-8?B?VGFiCWhlcmU=?= <s@xn--fa-hia.de>\r\n\r\n");
	from_is("Jörg", "", "Date: x\r\nMessage-ID: <a@b>\r\n\r\n");
	/* 40 two-byte characters: two words, neither cutting a character. */
	from_is("éééééééééééééééééééééééééééééééééééééééé", "s@x.example",
		"Date: x\r\nMessage-ID: <a@b>\r\n"
		"From: =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\r\n"
		" =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOp?= <s@x.example>\r\n\r\n");
}

/* rewrite_from: the message read from in, sent as alerts@example.net
 * because original was rewritten (full_name as -F). */
static void rewritten_is(const char *in, const char *original, const char *name,
			 const char *want, const char *what)
{
	struct message_prepare p = { .sender = "alerts@example.net", .full_name = name,
				     .now = FIXTURE_NOW, .random = fixed_random,
				     .original_sender = original };
	struct error err;
	char *got = prepared(in, &p, &err);

	is_str(got, want, "rewrite_from: %s", what);
	free(got);
}

static void test_rewrite_from(void)
{
	static const char eight[] = "From: root@host.local\nDate: x\nMessage-ID: <a@b>\n\n"
				    "Gr\xc3\xbc\xc3\x9f" "e\n";
	static const char kept[] = "X-Original-From: root@host.local\r\n";
	struct message m;
	struct error err;
	char *again;

	rewritten_is("Date: x\nMessage-ID: <a@b>\nFrom: root@host.local\nSubject: s\n\n",
		     "root@host.local", NULL,
		     "Date: x\r\nMessage-ID: <a@b>\r\nX-Original-From: root@host.local\r\n"
		     "Subject: s\r\nFrom: alerts@example.net\r\n\r\n",
		     "From renamed X-Original-From in place, the new From added");
	/* Debian cron: "From: root (Cron Daemon)", sendmail -FCronDaemon. */
	rewritten_is("From: root (Cron Daemon)\nDate: x\nMessage-ID: <a@b>\n\n", "root",
		     "CronDaemon",
		     "X-Original-From: root (Cron Daemon)\r\nDate: x\r\nMessage-ID: <a@b>\r\n"
		     "From: CronDaemon <alerts@example.net>\r\n\r\n",
		     "cron's unqualified root with a comment, and -F");
	rewritten_is("FROM: systemd\n <ROOT@Host.Local>\nDate: x\nMessage-ID: <a@b>\n\n",
		     "root@host.local", NULL,
		     "X-Original-From: systemd\r\n <ROOT@Host.Local>\r\nDate: x\r\n"
		     "Message-ID: <a@b>\r\nFrom: alerts@example.net\r\n\r\n",
		     "a folded From in capitals, its address in another case: kept as it was");
	rewritten_is("Date: x\nMessage-ID: <a@b>\n\n", "nobody@host.local", NULL,
		     "Date: x\r\nMessage-ID: <a@b>\r\nX-Original-From: nobody@host.local\r\n"
		     "From: alerts@example.net\r\n\r\n",
		     "no From field: the original sender goes into X-Original-From");
	rewritten_is("From: Alice <alice@example.org>\nDate: x\nMessage-ID: <a@b>\n\n",
		     "root@host.local", NULL,
		     "From: Alice <alice@example.org>\r\nDate: x\r\nMessage-ID: <a@b>\r\n\r\n",
		     "-f root with a From naming someone else: From left alone");
	rewritten_is("From: root@host.local\nFrom: root@host.local\nDate: x\nMessage-ID: <a@b>\n\n",
		     "root@host.local", NULL,
		     "From: root@host.local\r\nFrom: root@host.local\r\nDate: x\r\n"
		     "Message-ID: <a@b>\r\n\r\n",
		     "two From fields: left alone");
	rewritten_is("Date: x\nMessage-ID: <a@b>\nFrom: root@host.local\n\n", NULL, NULL,
		     "Date: x\r\nMessage-ID: <a@b>\r\nFrom: root@host.local\r\n\r\n",
		     "without original_sender nothing changes");

	/* The renaming survives a rebuild of the prefix (message_make_7bit). */
	if (read_str(eight, strlen(eight), 0, 0, &m, &err) == 0 &&
	    message_prepare(&m, &(struct message_prepare){ .sender = "alerts@example.net",
			    .now = FIXTURE_NOW, .original_sender = "root@host.local" },
			    &err) == 0 &&
	    message_make_7bit(&m, &err) == 0) {
		again = xstrndup(buf_str(&m.prefix), m.prefix.len);
		ok(strncmp(again, kept, sizeof kept - 1) == 0 &&
		   strstr(again, "\r\nFrom: alerts@example.net\r\n") &&
		   strstr(again, "quoted-printable"),
		   "rewrite_from: still renamed after re-encoding for a 7-bit server");
		free(again);
	} else {
		ok(0, "rewrite_from and re-encoding: %s", err.text);
	}
	message_release(&m);
}

static void message_id_is(const char *in, const char *sender, const char *want)
{
	struct message_prepare p = { .sender = sender, .now = FIXTURE_NOW, .random = fixed_random };
	struct error err;
	char *got = prepared(in, &p, &err);

	is_str(got, want, "Message-ID for sender '%s'", sender);
	free(got);
}

static void test_message_id(void)
{
	struct message_prepare p = { .sender = "s@x.example", .now = FIXTURE_NOW };
	struct error err;
	char *a, *b;

	message_id_is("Date: x\nFrom: f@from.example\n\n", "s@Sender.Example",
		      "Date: x\r\nFrom: f@from.example\r\n"
		      "Message-ID: <aaisem2ekvthpcezvk54zxpo74@Sender.Example>\r\n\r\n");
	message_id_is("Date: x\nFrom: f@from.example\n\n", "",
		      "Date: x\r\nFrom: f@from.example\r\n"
		      "Message-ID: <aaisem2ekvthpcezvk54zxpo74@from.example>\r\n\r\n");
	message_id_is("Date: x\n\n", "", "Date: x\r\n"
		      "Message-ID: <aaisem2ekvthpcezvk54zxpo74@localhost>\r\n\r\n");
	message_id_is("Date: x\n\n", "root", "Date: x\r\n"
		      "Message-ID: <aaisem2ekvthpcezvk54zxpo74@localhost>\r\nFrom: root\r\n\r\n");
	a = prepared("Date: x\nFrom: y@z\n\n", &p, &err);
	b = prepared("Date: x\nFrom: y@z\n\n", &p, &err);
	ok(a && b && strcmp(a, b) != 0 && strstr(a, "@x.example>"),
	   "getrandom makes a new Message-ID each time");
	free(a);
	free(b);
	a = prepared("Date: x\nFrom: y@z\n\n", &(struct message_prepare){ .sender = "a@@b" }, &err);
	ok(!a || !strstr(a, "a@@b"), "a bad sender never reaches the header");
	free(a);
}

/* A header line over 998 octets is folded, and unfolds to what it was. */
static void test_fold(void)
{
	struct message_prepare p = { .sender = "s@x.example", .now = FIXTURE_NOW,
				     .random = fixed_random };
	struct message m, again;
	struct error err;
	struct buf in;
	char *before, *after;
	size_t i;

	buf_init(&in, OUT_MAX);
	must(buf_adds(&in, "To: "));
	for (i = 0; i < 60; i++)
		must(buf_printf(&in, "%s\"Name, %zu\" <u%zu@example.org> (c %zu)", i ? ",\t" : "", i, i, i));
	must(buf_adds(&in, "\n\nbody\n"));
	read_str(buf_str(&in), in.len, 0, 0, &m, &err);
	ok(m.header_long_line == 1 && message_prepare(&m, &p, &err) == 0,
	   "a To: line of %zu octets is accepted", in.len);
	read_str(buf_str(&m.prefix), m.prefix.len, 0, 0, &again, &err);
	before = message_header(&m, "To");
	after = message_header(&again, "To");
	ok(before && after && strcmp(before, after) == 0, "folded, it unfolds to the same value");
	ok(again.longest_line <= MESSAGE_FOLD_WIDTH, "and every line is within 78 (%zu)",
	   again.longest_line);
	free(before);
	free(after);
	message_release(&again);
	message_release(&m);
	buf_release(&in);
}

/* ---- quoted-printable ------------------------------------------------- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* RFC 2045 6.7 decoding, strict: a test must see what a reader will see. */
static char *qp_decode(const char *s, size_t n, size_t *len)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			out[o++] = s[i];
		} else if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else {
			free(out);
			return NULL;
		}
	}
	*len = o;
	return out;
}

/* No line over 76, no white space before a line end, only printable ASCII. */
static int qp_clean(const char *s, size_t n)
{
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			if (i && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				return 0;
			col = 0;
			i++;
			continue;
		}
		if (++col > MESSAGE_QP_LINE_MAX || (unsigned char)s[i] >= 0x7f ||
		    ((unsigned char)s[i] < ' ' && s[i] != '\t'))
			return 0;
	}
	return 1;
}

static void test_qp(void)
{
	static const char qp_start[] = "a =3D b\t=20\r\nends in space=20\r\n"
				       "ends in tab=09\r\n.\r\n";
	struct message m;
	struct message_prepare p = { .sender = "s@x.example", .now = FIXTURE_NOW,
				     .random = fixed_random };
	struct error err;
	struct buf in, body;
	char *spool, *dec;
	size_t i, len;
	int r;

	buf_init(&in, OUT_MAX);
	buf_init(&body, OUT_MAX);
	must(buf_adds(&in, "Subject: q\n\n"));
	must(buf_adds(&body, "a = b\t \r\nends in space \r\nends in tab\t\r\n.\r\n"));
	for (i = 0; i < 3000; i++)
		must(buf_addc(&body, (char)(i % 223 + 33 > 126 ? i % 223 + 33 : i % 94 + 33)));
	must(buf_adds(&body, "\r\n"));
	for (i = 0; i < 1200; i++)
		must(buf_adds(&body, i % 7 ? "é" : "  "));
	must(buf_adds(&body, "\r\n"));
	must(buf_add(&in, body.data, body.len));
	r = read_str(buf_str(&in), in.len, 1, 0, &m, &err);
	r = r == 0 ? message_prepare(&m, &p, &err) : r;
	ok(r == 0 && m.reencoded && !m.body_8bit, "long lines: re-encoded");
	ok(strstr(buf_str(&m.prefix), "MIME-Version: 1.0\r\nContent-Type: text/plain; "
			"charset=unknown-8bit\r\nContent-Transfer-Encoding: quoted-printable\r\n") != NULL,
	   "MIME fields added (bytes over 0x7f that are not UTF-8: unknown-8bit)");
	spool = spool_str(&m);
	ok(strncmp(spool, qp_start, strlen(qp_start)) == 0,
	   "'=' and white space before line ends are encoded");
	ok(qp_clean(spool, (size_t)m.size), "every line within 76 octets, nothing raw");
	dec = qp_decode(spool, (size_t)m.size, &len);
	ok(dec && len == body.len && memcmp(dec, body.data, len) == 0,
	   "decoding gives back the body, byte for byte");
	free(dec);
	free(spool);
	message_release(&m);
	buf_release(&in);
	buf_release(&body);
}

static void test_make_7bit(void)
{
	static const struct {
		const char *in;
		int ok;
		const char *want;
	} cases[] = {
		/* Nothing to do: the spool and the prefix stay untouched. */
		{ "Subject: x\n\nplain ascii\n", 1, "plain ascii\r\n" },
		{ "Subject: x\nContent-Transfer-Encoding: 8bit\n\nGr\xc3\xbc\xc3\x9f" "e\n", 1,
		  "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n" },
		{ "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n\n\xe9t\xe9\n",
		  1, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n=E9t=E9\r\n" },
		{ "Subject: Gr\xc3\xbc\xc3\x9f" "e\n\nbody\n", 0,
		  "the header has 8-bit characters, and the server does not accept 8BITMIME" },
		{ "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n\xc3\xa9\n", 0,
		  "the body has 8-bit characters, the server does not accept 8BITMIME, and the "
		  "message cannot be re-encoded: it is not a single text part" },
		{ "Content-Transfer-Encoding: quoted-printable\n\n\xc3\xa9\n", 0,
		  "the body has 8-bit characters, the server does not accept 8BITMIME, and the "
		  "message cannot be re-encoded: its body is encoded already" },
	};
	struct message m;
	struct error err;
	struct buf out;
	size_t i;
	int r;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		read_str(cases[i].in, strlen(cases[i].in), 0, 0, &m, &err);
		r = message_make_7bit(&m, &err);
		buf_init(&out, OUT_MAX);
		if (r == 0)
			wire(&m, &out);
		else
			must(buf_adds(&out, err.text));
		ok((r == 0) == cases[i].ok && (r == 0 || err.category == CAT_INPUT),
		   "8BITMIME missing, case %zu", i);
		is_str(buf_str(&out), cases[i].want, "case %zu", i);
		buf_release(&out);
		message_release(&m);
	}
}

/* ---- memory does not grow with the message ----------------------------- */

#define SMALL_INPUT (1024 * 1024)
#define LARGE_INPUT (50 * 1024 * 1024)
#define RSS_SLACK_KB (8 * 1024)   /* buffers freed and taken again, sanitizer quarantine */

/* A child writes size bytes of systemd-status-like text (UTF-8, and a
 * 1500-octet line now and then) into a pipe, as a caller's stdin. */
static int generator(size_t size, pid_t *pid)
{
	static const char line[] = "\xe2\x97\x8f unit.service - Example \xc3\xbc\xc3\x9f "
				   "Loaded: loaded (/etc/systemd/system/unit.service)\n";
	char chunk[65536], longline[1501];
	size_t done = 0, n, k;
	int p[2];

	if (pipe(p) < 0)
		return -1;
	*pid = fork();
	if (*pid != 0) {
		close(p[1]);
		return p[0];
	}
	close(p[0]);
	memset(longline, 'L', sizeof longline - 1);
	longline[sizeof longline - 1] = '\n';
	for (k = 0; done < size; k++) {
		for (n = 0; n + sizeof line < sizeof chunk; n += sizeof line - 1)
			memcpy(chunk + n, line, sizeof line - 1);
		if (write(p[1], chunk, n) < 0 || (k % 16 == 0 &&
		    write(p[1], longline, sizeof longline) < 0))
			_exit(1);
		done += n + (k % 16 == 0 ? sizeof longline : 0);
	}
	_exit(0);
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Read and prepare (with its quoted-printable pass) size bytes. */
static int big_run(size_t size, double *seconds, off_t *spooled)
{
	struct message m;
	struct message_options mo = { .ignore_dots = 1 };
	struct message_prepare p = { .sender = "s@x.example", .now = FIXTURE_NOW,
				     .random = fixed_random };
	struct error err;
	struct timespec a, b;
	pid_t pid;
	int fd = generator(size, &pid), r, status;

	message_init(&m);
	error_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = message_read(fd, &mo, &m, &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	*seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	*spooled = m.size;
	if (r == 0)
		r = message_prepare(&m, &p, &err);
	if (r == 0 && !m.reencoded)
		r = -1;
	if (r < 0)
		printf("# %s\n", err.text);
	close(fd);
	waitpid(pid, &status, 0);
	message_release(&m);
	return r;
}

static void test_memory(void)
{
	double t;
	off_t spooled;
	long small, large;

	ok(big_run(SMALL_INPUT, &t, &spooled) == 0, "1 MB read and re-encoded");
	small = max_rss_kb();
	ok(big_run(LARGE_INPUT, &t, &spooled) == 0 && spooled >= LARGE_INPUT,
	   "50 MB read and re-encoded");
	large = max_rss_kb();
	printf("# peak RSS after 1 MB: %ld KB, after 50 MB: %ld KB\n", small, large);
	printf("# read 50 MB from a pipe in %.3f s: %.0f MB/s (not a test)\n", t,
	       (double)spooled / t / 1e6);
	ok(large - small < RSS_SLACK_KB, "peak memory does not grow with the message (%ld KB)",
	   large - small);
}

/* ---- the fast path and the general loop agree -------------------------- */

static unsigned long rnd(unsigned long *state)
{
	*state ^= *state << 13;    /* xorshift64: the same messages every run */
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* A random message: short lines, a few over MESSAGE_LINE_MAX, line ends
 * LF, CRLF and CR, and now and then the bytes the reader stops at: a
 * leading or lone dot, a bare CR, 8-bit, and unless clean, NUL and a
 * header without the empty line after it. */
static size_t random_message(unsigned long *st, char *out, size_t lines, int clean)
{
	size_t n = 0, i, len, j, start;

	if (clean || rnd(st) % 4)
		n += (size_t)sprintf(out, "Subject: x%s\n%s", rnd(st) % 8 ? "" : "\x80",
				     clean || rnd(st) % 2 ? "\n" : "");
	for (i = 0; i < lines; i++) {
		len = rnd(st) % 30 == 0 ? 990 + rnd(st) % 20 : rnd(st) % 80;
		start = n;
		for (j = 0; j < len; j++) {
			unsigned long c = rnd(st) % 1000;

			out[n++] = (char)(c < 2 ? '\r' : c < 4 ? 0x80 + (int)(c % 64) :
					  c == 4 && !clean && rnd(st) % 20 == 0 ? '\0' :
					  'a' + (int)(c % 26));
		}
		if (len == 0 && rnd(st) % 3 == 0)
			out[n++] = '.';              /* a lone dot */
		else if (len > 0 && rnd(st) % 10 == 0)
			out[start] = '.';            /* a leading one */
		switch (rnd(st) % 20) {
		case 0: out[n++] = '\r'; break;
		case 1: case 2: case 3: out[n++] = '\r'; out[n++] = '\n'; break;
		default: out[n++] = '\n';
		}
	}
	return n;
}

struct reading {
	int r;
	char *err, *header, *spool;
	struct message m;
};

static void read_one(const char *data, size_t len, int dots, size_t size, struct reading *x)
{
	struct error err;

	x->r = read_str(data, len, dots, size, &x->m, &err);
	x->err = xstrdup(x->r < 0 ? err.text : "");
	x->header = xstrdup(buf_str(&x->m.header));
	x->spool = spool_str(&x->m);
}

static int same_reading(const struct reading *a, const struct reading *b)
{
	const struct message *x = &a->m, *y = &b->m;

	return a->r == b->r && strcmp(a->err, b->err) == 0 &&
	       (a->r < 0 || (strcmp(a->header, b->header) == 0 &&
			     strcmp(a->spool, b->spool) == 0 && x->size == y->size &&
			     x->lines == y->lines && x->longest_line == y->longest_line &&
			     x->body_long_line == y->body_long_line &&
			     x->header_long_line == y->header_long_line &&
			     x->body_8bit == y->body_8bit && x->header_8bit == y->header_8bit &&
			     x->body_line == y->body_line && x->header_line == y->header_line));
}

static void reading_release(struct reading *x)
{
	free(x->err);
	free(x->header);
	free(x->spool);
	message_release(&x->m);
}

/* Read in one chunk, most body lines go through the reader's fast path;
 * read a few bytes at a time, almost none do.  Everything must agree. */
static void test_fast_path_agrees(void)
{
	static const size_t sizes[] = { 1, 7, 4096 };
	unsigned long st = 0x5e17da5;
	size_t i, k, len, differ = 0, failed = 0, cap = 8 * SPOOL_BUFFER;
	char *data = xmalloc(cap);
	struct reading one, other;

	for (i = 0; i < 300; i++) {
		int dots = (int)(rnd(&st) % 2);

		len = random_message(&st, data, 1 + rnd(&st) % 60, 0);
		read_one(data, len, dots, 0, &one);
		failed += one.r < 0;
		for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			read_one(data, len, dots, sizes[k], &other);
			if (!same_reading(&one, &other) && differ++ == 0)
				printf("# message %zu differs at read size %zu\n", i, sizes[k]);
			reading_release(&other);
		}
		reading_release(&one);
	}
	ok(differ == 0, "300 random messages read whole and in 1, 7 and 4096 bytes agree "
	   "(%zu refused for a NUL or a bare CR in the header)", failed);
	/* Several spool buffers: the write-behind thread writes most of it. */
	len = 0;
	while (len < 4 * SPOOL_BUFFER)    /* each adds about 80 kB, at most 1.1 MB */
		len += random_message(&st, data + len, 1000, 1);
	read_one(data, len, 1, 0, &one);
	read_one(data, len, 1, 1000, &other);
	ok(one.r == 0 && one.m.size > 2 * SPOOL_BUFFER && same_reading(&one, &other),
	   "a %zu-byte message read whole and in 1000 bytes agrees (%s)", len, one.err);
	reading_release(&one);
	reading_release(&other);
	free(data);
}

/* ---- the spool writer ---------------------------------------------------- */

static int spool_fill(int fd, size_t total, off_t *size, struct error *err)
{
	struct spool_writer *w = spool_writer_new(fd, "the-dir");
	char block[1000];
	size_t n = 0;
	int r = 0;

	memset(block, 'x', sizeof block);
	error_clear(err);
	while (r == 0 && n < total) {
		size_t k = total - n < sizeof block ? total - n : sizeof block;

		r = spool_write(w, block, k, err);
		n += k;
	}
	return spool_writer_finish(w, size, r < 0 ? &(struct error){ 0 } : err) < 0 || r < 0 ? -1 : 0;
}

static void test_spool_writer(void)
{
	struct error err;
	struct stat st;
	off_t size;
	int fd = spool_open("/tmp", &err), full = open("/dev/full", O_WRONLY);

	size = -1;
	ok(fd >= 0 && spool_fill(fd, 3 * SPOOL_BUFFER + 5000, &size, &err) == 0 &&
	   fstat(fd, &st) == 0 && st.st_size == size && size == 3 * SPOOL_BUFFER + 5000,
	   "past three buffers, every byte reaches the spool");
	if (fd >= 0)
		close(fd);
	ok(spool_fill(full, 1000, &size, &err) < 0 && err.category == CAT_IO &&
	   strstr(err.text, "cannot write the spool file in the-dir:"),
	   "a small spool that cannot be written: %s", err.text);
	ok(spool_fill(full, 4 * SPOOL_BUFFER, &size, &err) < 0 && err.category == CAT_IO &&
	   strstr(err.text, "cannot write the spool file in the-dir:"),
	   "the write-behind thread's failure reaches the caller: %s", err.text);
	close(full);
}

int main(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	test_corpus();
	test_line_ends();
	test_lone_dot();
	test_nul();
	test_8bit_and_long();
	test_fields();
	test_spool_file();
	test_fast_path_agrees();
	test_spool_writer();
	test_date();
	test_from();
	test_rewrite_from();
	test_message_id();
	test_fold();
	test_qp();
	test_make_7bit();
	test_memory();
	return tap_done();
}
