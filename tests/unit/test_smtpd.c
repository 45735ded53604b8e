/* test_smtpd.c: the SMTP server side, driven over pipes with a recording
 * handler: every reply RFC 5321 prescribes, the limits, dot-unstuffing,
 * NUL and bare CR/LF, the timeouts, a client gone mid-DATA, and the
 * command and path parsers. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "smtpd.h"
#include "tap.h"

/* What the handler saw. */
struct seen {
	int mails, rcpts, delivers;
	char sender[300];
	size_t nrcpts;
	char content[4096];
	size_t content_len;
	int refuse_rcpt;          /* refuse "no@x" */
	int deliver_code;
	char dsn_notify[64], dsn_ret[8];
	int body_8bit, smtputf8;
};

static void on_mail(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		    struct smtpd_reply *r)
{
	struct seen *s = ctx;
	int i;

	(void)p;
	s->mails++;
	snprintf(s->sender, sizeof s->sender, "%s", t->sender);
	if (!strcmp(t->sender, "nobody@x"))
		smtpd_reply_set(r, 550, "5.7.1", "no account for nobody@x\nsecond line");
	if (!strcmp(t->sender, "long@x")) {     /* 150 words of 7 octets: folded */
		smtpd_reply_set(r, 550, "5.7.1", "%s", "start");
		for (i = 0; i < 150; i++)
			must(buf_adds(&r->text, " word.x"));
		must(buf_adds(&r->text, "\nlast"));
	}
}

static void on_rcpt(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		    const char *rcpt, struct smtpd_reply *r)
{
	struct seen *s = ctx;

	(void)p;
	(void)t;
	s->rcpts++;
	if (s->refuse_rcpt && !strcmp(rcpt, "no@x"))
		smtpd_reply_set(r, 550, "5.1.1", "unknown");
}

static void on_deliver(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		       struct smtpd_reply *r)
{
	struct seen *s = ctx;
	ssize_t n;

	(void)p;
	s->delivers++;
	s->nrcpts = t->nrcpts;
	n = read(t->fd, s->content, sizeof s->content - 1);
	s->content_len = n > 0 ? (size_t)n : 0;
	s->content[s->content_len] = '\0';
	snprintf(s->dsn_notify, sizeof s->dsn_notify, "%s", t->dsn_notify ? t->dsn_notify : "");
	snprintf(s->dsn_ret, sizeof s->dsn_ret, "%s", t->dsn_ret ? t->dsn_ret : "");
	s->body_8bit = t->body_8bit;
	s->smtputf8 = t->smtputf8;
	if (s->deliver_code)
		smtpd_reply_set(r, s->deliver_code, "", "provider says no");
}

static int private_verb(void *ctx, const struct smtpd_peer *p, const char *verb,
			const char *args, struct smtpd_reply *r)
{
	(void)ctx;
	(void)p;
	if (strcmp(verb, "XQUEUE") != 0)
		return 0;
	smtpd_reply_set(r, 250, "2.0.0", "queue of %s", args);
	return 1;
}

static struct seen seen;
static char out[256 * 1024];
static enum smtpd_end ended;

/* Serve one session on input (len bytes, then EOF unless keep_open), with
 * the given limits; the replies land in out. */
static void serve_n(const char *input, size_t len, int keep_open, int idle, long size_max)
{
	struct smtpd_handler h = { .mail = on_mail, .rcpt = on_rcpt, .deliver = on_deliver,
				   .verb = private_verb, .ctx = &seen };
	struct smtpd_params sp = { .hostname = "test.host", .handler = &h, .idle_timeout = idle,
				   .size_max = size_max };
	struct smtpd_peer peer;
	int in[2], outfd;
	char tmpl[] = "/tmp/smtpd-out.XXXXXX";
	ssize_t n;
	pid_t pid;

	if (pipe(in) < 0)
		abort();
	outfd = mkstemp(tmpl);
	unlink(tmpl);
	pid = fork();
	if (pid == 0) {           /* the writer: large inputs do not fit a pipe */
		close(in[0]);
		if (write(in[1], input, len) < 0)
			_exit(1);
		if (keep_open)
			sleep(5);
		_exit(0);
	}
	close(in[1]);
	smtpd_peer_identify(in[0], outfd, &peer);
	ended = smtpd_serve(&sp, &peer);
	close(in[0]);
	kill(pid, 9);
	waitpid(pid, NULL, 0);
	n = pread(outfd, out, sizeof out - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(outfd);
}

static void serve(const char *input)
{
	serve_n(input, strlen(input), 0, 0, 0);
}

static void reset(void)
{
	memset(&seen, 0, sizeof seen);
}

/* The reply lines in order, each code plus the first words, as one string. */
static int has(const char *needle)
{
	return strstr(out, needle) != NULL;
}

static void test_session(void)
{
	reset();
	serve("EHLO c.test\r\nMAIL FROM:<a@x> SIZE=100 BODY=8BITMIME SMTPUTF8 RET=HDRS\r\n"
	      "RCPT TO:<b@y> NOTIFY=FAILURE ORCPT=rfc822;b@y\r\nRCPT TO:<c@y>\r\nDATA\r\n"
	      "Subject: t\r\n\r\n..dot\r\n..\r\nend\r\n.\r\nQUIT\r\n");
	ok(!strncmp(out, "220 test.host ESMTP", 19), "greeting");
	ok(has("250-PIPELINING\r\n") && has("250-8BITMIME\r\n") && has("250-SMTPUTF8\r\n") &&
	   has("250-SIZE 52428800\r\n") && has("250-DSN\r\n") &&
	   has("250-ENHANCEDSTATUSCODES\r\n"), "EHLO offers the extensions");
	ok(has("250 2.1.0 Sender ok\r\n") && has("250 2.1.5 Recipient ok\r\n"), "MAIL, RCPT");
	ok(has("354 End data"), "354");
	ok(seen.delivers == 1 && seen.nrcpts == 2, "delivered once, to two recipients");
	is_str(seen.content, "Subject: t\r\n\r\n.dot\r\n.\r\nend\r\n", "dot-unstuffed content");
	ok(seen.body_8bit && seen.smtputf8 && !strcmp(seen.dsn_ret, "HDRS") &&
	   !strcmp(seen.dsn_notify, "FAILURE"), "parameters reach the handler");
	ok(has("250 2.0.0 Message accepted\r\n") && has("221 2.0.0"), "verdict, QUIT");
	ok(ended == SMTPD_END_QUIT, "ended with QUIT");
}

static void test_order_and_syntax(void)
{
	reset();
	serve("MAIL FROM:<a@x>\r\nEHLO\r\nHELO h\r\nRCPT TO:<b@y>\r\nDATA\r\n"
	      "MAIL FROM:a@x\r\nMAIL FROM:<a@x> FOO=1\r\nMAIL FROM:<a@x>\r\nMAIL FROM:<a@x>\r\n"
	      "RCPT TO:<>\r\nRCPT TO:<b@y> BAR\r\nRCPT TO:<b@y>\r\nDATA x\r\nRSET x\r\nNOOP\r\n"
	      "VRFY\r\nVRFY b\r\nEXPN x\r\nFOO\r\n1234\r\nXQUEUE me\r\nQUIT\r\n");
	ok(strstr(out, "503 5.5.1 Send EHLO first") != NULL, "MAIL before EHLO: 503");
	ok(has("501 5.5.4 Syntax: EHLO hostname"), "EHLO without a name: 501");
	ok(has("503 5.5.1 Need MAIL before RCPT"), "RCPT without MAIL: 503");
	ok(has("503 5.5.1 Need MAIL and RCPT before DATA"), "DATA without RCPT: 503");
	ok(has("501 5.5.4 Syntax error in parameters: MAIL FROM:<address>"),
	   "MAIL without angle brackets: 501");
	ok(has("555 5.5.4 MAIL parameters need EHLO"), "a parameter after HELO: 555");
	ok(seen.mails == 1 && has("503 5.5.1 Send EHLO first, and MAIL once"),
	   "a second MAIL in a transaction: 503");
	ok(has("501 5.1.3 A recipient cannot be empty"), "RCPT TO:<>: 501");
	ok(has("555 5.5.4 Unsupported RCPT parameter"), "unknown RCPT parameter: 555");
	ok(has("501 5.5.4 DATA takes no arguments") && has("501 5.5.4 RSET takes no"),
	   "DATA x, RSET x: 501");
	ok(has("250 2.0.0 OK"), "NOOP");
	ok(has("501 5.5.4 Syntax: VRFY") && has("252 2.5.2"), "VRFY: 501 without, 252 with");
	ok(has("502 5.5.1 EXPN"), "EXPN: 502");
	ok(has("500 5.5.2 Command unrecognized") && has("500 5.5.2 Syntax error, command"),
	   "unknown command, not a command: 500");
	ok(has("250 2.0.0 queue of me"), "a handler's private verb");
	ok(seen.delivers == 0, "nothing delivered");
}

/* text n times onto b. */
static void repeat(struct buf *b, const char *text, int n)
{
	while (n-- > 0)
		must(buf_adds(b, text));
}

/* A transaction up to DATA, then lines lines of 51 octets. */
static void data_of(struct buf *b, int lines)
{
	must(buf_adds(b, "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"));
	repeat(b, "0123456789012345678901234567890123456789012345678\r\n", lines);
}

static void test_limits(void)
{
	struct buf in;
	int i;

	buf_init(&in, 1 << 20);
	must(buf_adds(&in, "EHLO c\r\nMAIL FROM:<a@x>\r\n"));
	for (i = 0; i < SMTPD_RCPTS_MAX + 1; i++)
		must(buf_printf(&in, "RCPT TO:<r%d@y>\r\n", i));
	must(buf_adds(&in, "MAIL FROM:<a@x> SIZE=99999999999\r\nQUIT\r\n"));
	reset();
	serve(in.data);
	ok(seen.rcpts == SMTPD_RCPTS_MAX && has("452 4.5.3 Too many recipients"),
	   "recipient %d: 452", SMTPD_RCPTS_MAX + 1);
	buf_reset(&in);
	must(buf_adds(&in, "EHLO c\r\nMAIL FROM:<a@x> SIZE=2000\r\nNOOP "));
	repeat(&in, "x", SMTPD_COMMAND_LINE_MAX);
	must(buf_adds(&in, "\r\nQUIT\r\n"));
	reset();
	serve_n(in.data, in.len, 0, 0, 1000);
	ok(has("552 5.3.4 Message too big\r\n500 5.5.2 Line too long"), "SIZE= over the limit: 552 at MAIL");
	ok(has("500 5.5.2 Line too long: a command is at most 512"), "a long command: 500");
	buf_reset(&in);
	data_of(&in, 30);
	must(buf_adds(&in, ".\r\nRSET\r\nQUIT\r\n"));
	reset();
	serve_n(in.data, in.len, 0, 0, 1000);
	ok(has("552 5.3.4 Message too big\r\n250 2.0.0 Reset") && seen.delivers == 0,
	   "content over the limit: 552 at the dot, nothing delivered, session goes on");
	buf_reset(&in);
	data_of(&in, 0);
	repeat(&in, "x", SMTPD_TEXT_LINE_MAX - 1);
	must(buf_adds(&in, "\r\n.\r\nQUIT\r\n"));
	reset();
	serve_n(in.data, in.len, 0, 0, 0);
	ok(has("500 5.5.2 Line too long: a text line") && seen.delivers == 0,
	   "a text line of 1001 octets: 500 at the dot");
	buf_reset(&in);
	repeat(&in, "FOO\r\n", SMTPD_ERRORS_MAX + 5);
	reset();
	serve(in.data);
	ok(has("421 4.7.0 Too many errors") && ended == SMTPD_END_LIMIT, "too many errors: 421");
	buf_reset(&in);
	repeat(&in, "NOOP\r\n", SMTPD_COMMANDS_MAX + 5);
	reset();
	serve_n(in.data, in.len, 0, 0, 0);
	ok(has("421 4.7.0 Too many commands") && ended == SMTPD_END_LIMIT,
	   "too many commands: 421");
	buf_release(&in);
}

static void test_bad_bytes(void)
{
	static const char nul[] = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
				  "a\0b\r\n.\r\nNO\0OP\r\nQUIT\r\n";

	reset();
	serve("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\n.\nMAIL FROM:<e@vil>\n"
	      ".\r\nQUIT\r\n");
	ok(has("550 5.6.0 Bare CR or LF") && seen.delivers == 0 && seen.mails == 1,
	   "a bare LF: \\n.\\n does not end the data (no smuggling); 550 at the real dot");
	reset();
	serve("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\ry\r\n.\r\nQUIT\r\n");
	ok(has("550 5.6.0") && seen.delivers == 0, "a bare CR in the content: 550");
	reset();
	serve_n(nul, sizeof nul - 1, 0, 0, 0);
	ok(has("550 5.6.0") && has("500 5.5.2 Bare CR or LF, or a NUL, in a command") &&
	   seen.delivers == 0, "NUL in the content: 550; in a command: 500");
	reset();
	serve("EHLO c\nQUIT\r\n");
	ok(has("500 5.5.2 Bare CR or LF") && has("221"), "a command ending in a bare LF: 500");
}

static void test_endings(void)
{
	static const char half_data[] =
		"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nhalf\r\n";

	reset();
	serve("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nSubject: half\r\n");
	ok(seen.delivers == 0 && ended == SMTPD_END_EOF, "a client gone mid-DATA: nothing sent");
	reset();
	serve_n("EHLO c\r\n", 8, 1, 1, 0);
	ok(has("421 4.4.2 test.host timeout") && ended == SMTPD_END_TIMEOUT,
	   "idle timeout: 421");
	reset();
	serve_n(half_data, strlen(half_data), 1, 1, 0);
	ok(has("354 ") && has("421 4.4.2") && ended == SMTPD_END_TIMEOUT && seen.delivers == 0,
	   "idle timeout in DATA: 421, nothing delivered");
	reset();
	serve("EHLO c\r\nMAIL FROM:<nobody@x>\r\nRCPT TO:<b@y>\r\nMAIL FROM:<a@x>\r\n"
	      "RCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
	ok(has("550-5.7.1 no account for nobody@x\r\n550 5.7.1 second line\r\n"
	       "503 5.5.1 Need MAIL before RCPT"), "a refusal at MAIL, multi-line; RCPT then 503");
	ok(seen.delivers == 1, "the next transaction goes through");
	reset();
	seen.deliver_code = 554;
	seen.refuse_rcpt = 1;
	serve("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<no@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n"
	      ".\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\ny\r\n.\r\nQUIT\r\n");
	ok(has("550 5.1.1 unknown") && seen.nrcpts == 1, "a refused recipient is left out");
	ok(has("554 5.0.0 provider says no\r\n250 2.1.0") && seen.delivers == 2,
	   "two transactions, each answered on its own (enhanced code from the class)");
}

/* RFC 3030: chunks taken as they are, the order checked after each chunk
 * is read (so its bytes never pass for commands), the limits as for DATA. */
static void test_bdat(void)
{
	static const char chunks[] = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
				     "BDAT 9\r\n.dot\nbareBDAT 0 LAST\r\nQUIT\r\n";
	static const char big[] = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 40 LAST\r\n"
				  "0123456789012345678901234567890123456789QUIT\r\n";
	static const char gone[] = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
				   "BDAT 100 LAST\r\nonly part";

	reset();
	serve(chunks);
	ok(has("250-CHUNKING\r\n"), "EHLO offers CHUNKING");
	ok(has("250 2.0.0 9 octets received\r\n250 2.0.0 Message accepted") &&
	   seen.delivers == 1 && !strcmp(seen.content, ".dot\nbare"),
	   "two chunks, the last empty: the bytes as they came (no unstuffing, bare LF kept)");
	reset();
	serve("EHLO c\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	      "BDAT 2\r\nabDATA\r\nRSET\r\nBDAT x\r\nQUIT\r\n");
	ok(has("503 5.5.1 Need MAIL and RCPT before BDAT\r\n250 2.0.0 OK"),
	   "BDAT out of order: its chunk (\"QUIT\\r\\n\") is read and dropped, then 503");
	ok(has("250 2.0.0 2 octets received\r\n503 5.5.1 Need MAIL and RCPT before DATA"),
	   "DATA after BDAT: 503");
	ok(has("250 2.0.0 Reset\r\n501 5.5.4 Syntax: BDAT") && seen.delivers == 0,
	   "RSET drops the chunks; a bad BDAT: 501");
	reset();
	serve_n(big, strlen(big), 0, 0, 30);
	ok(has("552 5.3.4 Message too big\r\n221") && seen.delivers == 0,
	   "a chunk over the size limit: 552 after LAST");
	reset();
	serve(gone);
	ok(seen.delivers == 0 && ended == SMTPD_END_EOF, "a client gone mid-chunk: nothing sent");
}

/* A transport of our own (as TLS will be): bytes from a string, replies
 * into a buffer, no descriptor read or written. */
struct memio {
	const char *in;
	size_t pos, len;
	struct buf out;
};

static ssize_t mem_recv(void *ctx, void *buf, size_t n)
{
	struct memio *m = ctx;

	n = n < m->len - m->pos ? n : m->len - m->pos;
	n = n < 7 ? n : 7;        /* small pieces: lines cross reads */
	memcpy(buf, m->in + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static ssize_t mem_send(void *ctx, const void *buf, size_t n)
{
	struct memio *m = ctx;

	return buf_add(&m->out, buf, n) < 0 ? -1 : (ssize_t)n;
}

static size_t mem_pending(void *ctx)
{
	(void)ctx;
	return 1;                 /* always worth a recv: 0 from it is the end */
}

static void test_transport(void)
{
	static const char session[] = "EHLO t\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
				      "via transport\r\n.\r\nQUIT\r\n";
	struct memio m = { .in = session, .len = sizeof session - 1 };
	struct smtpd_transport t = { .recv = mem_recv, .send = mem_send,
				     .pending = mem_pending, .ctx = &m };
	struct smtpd_handler h = { .deliver = on_deliver, .ctx = &seen };
	struct smtpd_params sp = { .hostname = "t.host", .handler = &h };
	struct smtpd_peer peer = { .kind = SMTPD_PEER_TCP, .in_fd = -1, .out_fd = -1,
				   .transport = &t };

	reset();
	buf_init(&m.out, 1 << 16);
	ok(smtpd_serve(&sp, &peer) == SMTPD_END_QUIT, "a session over a transport hook");
	ok(strstr(buf_str(&m.out), "250 2.0.0 Message accepted") &&
	   !strcmp(seen.content, "via transport\r\n"), "... delivers through it");
	buf_release(&m.out);
}

/* Every reply line within RFC 5321's 512 octets; the long text folded at
 * spaces into 550- lines, nothing lost. */
static void test_long_reply(void)
{
	const char *l, *next;
	size_t words = 0, longest = 0;

	reset();
	serve("EHLO c\r\nMAIL FROM:<long@x>\r\nQUIT\r\n");
	for (l = out; (next = strstr(l, "\r\n")) != NULL; l = next + 2) {
		const char *w;

		if ((size_t)(next - l + 2) > longest)
			longest = (size_t)(next - l + 2);
		for (w = l; (w = strstr(w, "word.x")) && w < next; w++)
			words++;
	}
	ok(longest <= 512, "every reply line fits 512 octets (longest %zu)", longest);
	ok(words == 150 && has("550-5.7.1 start word.x") && has("550 5.7.1 last\r\n"),
	   "a long text is folded, every word kept (%zu)", words);
}

static void test_parsers(void)
{
	const char *args, *params, *reason;
	char verb[16], *path;

	ok(smtpd_parse_command("mail FROM:<a>", 13, verb, &args) == 0 && !strcmp(verb, "MAIL") &&
	   !strcmp(args, "FROM:<a>"), "verb uppercased, arguments");
	ok(smtpd_parse_command("", 0, verb, &args) < 0 &&
	   smtpd_parse_command(" X", 2, verb, &args) < 0 &&
	   smtpd_parse_command("ABCDEFGHIJKLMNOPQ", 17, verb, &args) < 0 &&
	   smtpd_parse_command("A1", 2, verb, &args) < 0, "not commands");
	ok(smtpd_parse_path("FROM:<>", "FROM", &path, &params, &reason) == 0 && !*path,
	   "null sender");
	free(path);
	ok(smtpd_parse_path("TO:<@r1,@r2:u@d> NOTIFY=NEVER", "TO", &path, &params, &reason) == 0 &&
	   !strcmp(path, "u@d") && !strcmp(params, "NOTIFY=NEVER"), "source route dropped");
	free(path);
	ok(smtpd_parse_path("TO:<\"a b\"@d>", "TO", &path, &params, &reason) == 0 &&
	   !strcmp(path, "\"a b\"@d"), "quoted local part");
	free(path);
	ok(smtpd_parse_path("TO:<a@d>x", "TO", &path, &params, &reason) < 0 &&
	   smtpd_parse_path("TO:<a@d", "TO", &path, &params, &reason) < 0 &&
	   smtpd_parse_path("TO:<a b@d>", "TO", &path, &params, &reason) < 0 &&
	   smtpd_parse_path("FROM:<a@d>", "TO", &path, &params, &reason) < 0,
	   "bad paths refused");
}

int main(void)
{
	test_session();
	test_order_and_syntax();
	test_limits();
	test_bad_bytes();
	test_endings();
	test_parsers();
	test_transport();
	test_long_reply();
	test_bdat();
	return tap_done();
}
