/* script.c: read a test server script into a struct script.
 *
 * The grammar is in the comment at the top of sendas-testserver.c.  Every
 * check that can be made before a client connects is made here, so a broken
 * script fails at once with "FILE:LINE: reason" instead of halfway through a
 * test. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testserver.h"

/* A parser checks and stores the argument (NULL when the line has none);
 * 0, or -1 with the reason in why. */
typedef int parse_fn(struct step *st, const char *arg, char *why, size_t wl);

/* verbs[] is indexed by enum verb. */
struct verb_def {
	const char *name;
	parse_fn *parse;
	int terminal;       /* the connection is over: nothing may follow */
};

static void *xalloc_or_die(void *p)
{
	if (!p) {
		fputs("sendas-testserver: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *s = xalloc_or_die(malloc(n + 1));

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

long line_content_len(const unsigned char *p, size_t n)
{
	if (n < 2 || p[n - 1] != '\n' || p[n - 2] != '\r')
		return -1;
	return (long)(n - 2);
}

static int no_arg(struct step *st, const char *arg, char *why, size_t wl)
{
	(void)st;
	if (arg)
		snprintf(why, wl, "takes no argument");
	return arg ? -1 : 0;
}

/* send TEXT: the text exactly as written (trailing blanks too) + CRLF. */
static int parse_send(struct step *st, const char *arg, char *why, size_t wl)
{
	size_t n = arg ? strlen(arg) : 0;

	(void)why, (void)wl;
	st->text = xalloc_or_die(malloc(n + 3));
	memcpy(st->text, arg ? arg : "", n);
	memcpy(st->text + n, "\r\n", 3);
	st->len = n + 2;
	return 0;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* sendraw ESCAPED: \r \n \t \\ and \xNN; nothing is added. */
static int parse_sendraw(struct step *st, const char *arg, char *why, size_t wl)
{
	size_t n = 0;
	const char *s;

	if (!arg || !*arg) {
		snprintf(why, wl, "needs the bytes to send");
		return -1;
	}
	st->text = xalloc_or_die(malloc(strlen(arg) + 1));
	for (s = arg; *s; s++) {
		int hi, lo;

		if (*s != '\\') {
			st->text[n++] = *s;
			continue;
		}
		switch (*++s) {
		case 'r': st->text[n++] = '\r'; break;
		case 'n': st->text[n++] = '\n'; break;
		case 't': st->text[n++] = '\t'; break;
		case '\\': st->text[n++] = '\\'; break;
		case 'x':
			hi = s[1] ? hex_value((unsigned char)s[1]) : -1;
			lo = hi >= 0 && s[2] ? hex_value((unsigned char)s[2]) : -1;
			if (lo < 0)
				goto bad;
			st->text[n++] = (char)(hi << 4 | lo);
			s += 2;
			break;
		default:
			goto bad;
		}
	}
	st->len = n;
	return 0;
bad:
	snprintf(why, wl, "bad escape at \"%.8s\" (use \\r \\n \\t \\\\ \\xNN)",
		 s - 1);
	return -1;
}

/* trickle MS ESCAPED: the bytes of sendraw, one write per byte, MS
 * milliseconds apart. */
static int parse_trickle(struct step *st, const char *arg, char *why, size_t wl)
{
	const char *sp = arg ? strchr(arg, ' ') : NULL;
	char num[16];

	if (!sp || sp == arg || (size_t)(sp - arg) >= sizeof num)
		goto bad;
	memcpy(num, arg, (size_t)(sp - arg));
	num[sp - arg] = '\0';
	if (parse_long(num, 0, TRICKLE_MAX_MS, &st->num) < 0)
		goto bad;
	return parse_sendraw(st, sp + 1, why, wl);
bad:
	snprintf(why, wl, "takes milliseconds (0 to %d) and the bytes to send",
		 TRICKLE_MAX_MS);
	return -1;
}

/* scram-iter N: the iteration count the next SCRAM `auth` asks for. */
static int parse_scram_iter(struct step *st, const char *arg, char *why,
			    size_t wl)
{
	long v;

	if (parse_long(arg, 1, LONG_MAX, &v) == 0) {
		st->text = dup_bytes(arg, strlen(arg));
		st->len = strlen(arg);
		return 0;
	}
	snprintf(why, wl, "takes an iteration count");
	return -1;
}

/* expect [GLOB]: no argument matches an empty line. */
static int parse_glob(struct step *st, const char *arg, char *why, size_t wl)
{
	(void)why, (void)wl;
	st->text = dup_bytes(arg ? arg : "", arg ? strlen(arg) : 0);
	st->len = strlen(st->text);
	return 0;
}

static int parse_bdat(struct step *st, const char *arg, char *why, size_t wl)
{
	return parse_glob(st, arg ? arg : "BDAT *", why, wl);
}

static int parse_handshake(struct step *st, const char *arg, char *why,
			   size_t wl)
{
	if (arg && strcmp(arg, "fail") != 0) {
		snprintf(why, wl, "takes nothing or \"fail\"");
		return -1;
	}
	st->expect_fail = arg != NULL;
	return 0;
}

static int parse_tls_version(struct step *st, const char *arg, char *why,
			     size_t wl)
{
	static const struct { const char *name; long v; } versions[] = {
		{ "1.2", 12 }, { "1.3", 13 }, { "default", 0 },
	};

	for (size_t i = 0; arg && i < sizeof versions / sizeof *versions; i++)
		if (strcmp(arg, versions[i].name) == 0) {
			st->num = versions[i].v;
			return 0;
		}
	snprintf(why, wl, "takes 1.2, 1.3 or default");
	return -1;
}

static int parse_sleep(struct step *st, const char *arg, char *why, size_t wl)
{
	if (parse_long(arg, 0, SLEEP_MAX_MS, &st->num) == 0)
		return 0;
	snprintf(why, wl, "takes milliseconds, 0 to %d", SLEEP_MAX_MS);
	return -1;
}

static int parse_stall(struct step *st, const char *arg, char *why, size_t wl)
{
	if (parse_long(arg, 1, STALL_MAX_S, &st->num) == 0)
		return 0;
	snprintf(why, wl, "takes seconds, 1 to %d", STALL_MAX_S);
	return -1;
}

/* hugeline N [PREFIX]: N bytes before the CRLF, PREFIX (default "250 ")
 * first, then 'x' up to N. */
static int parse_hugeline(struct step *st, const char *arg, char *why,
			  size_t wl)
{
	const char *sp = arg ? strchr(arg, ' ') : NULL;
	const char *prefix = sp ? sp + 1 : "250 ";
	size_t numlen = sp ? (size_t)(sp - arg) : arg ? strlen(arg) : 0;
	char num[32];

	if (numlen == 0 || numlen >= sizeof num)
		goto bad;
	memcpy(num, arg, numlen);
	num[numlen] = '\0';
	if (parse_long(num, 1, HUGELINE_MAX, &st->num) < 0 ||
	    (size_t)st->num < strlen(prefix))
		goto bad;
	st->text = dup_bytes(prefix, strlen(prefix));
	st->len = strlen(prefix);
	return 0;
bad:
	snprintf(why, wl, "takes a length (1 to %d, at least the prefix) "
		 "and an optional prefix", HUGELINE_MAX);
	return -1;
}

/* auth MECH USER PASS: the password is the rest of the line. */
static int parse_auth(struct step *st, const char *arg, char *why, size_t wl)
{
	const char *u = arg ? strchr(arg, ' ') : NULL;
	const char *p = u ? strchr(u + 1, ' ') : NULL;

	if (!p || u == arg || p == u + 1 || !p[1]) {
		snprintf(why, wl, "takes MECHANISM USER PASSWORD");
		return -1;
	}
	for (const char *m = arg; m < u; m++)
		if (!isupper((unsigned char)*m) && !isdigit((unsigned char)*m) &&
		    *m != '-' && *m != '_') {
			snprintf(why, wl, "mechanism names are upper case");
			return -1;
		}
	st->text = dup_bytes(arg, (size_t)(u - arg));
	st->len = (size_t)(u - arg);
	st->user = dup_bytes(u + 1, (size_t)(p - u - 1));
	st->pass = dup_bytes(p + 1, strlen(p + 1));
	return 0;
}

static const struct verb_def verbs[] = {
	[V_SEND] =        { "send",        parse_send,        0 },
	[V_SENDRAW] =     { "sendraw",     parse_sendraw,     0 },
	[V_EXPECT] =      { "expect",      parse_glob,        0 },
	[V_EXPECT_DATA] = { "expect-data", no_arg,            0 },
	[V_EXPECT_BDAT] = { "expect-bdat", parse_bdat,        0 },
	[V_AUTH] =        { "auth",        parse_auth,        0 },
	[V_STARTTLS] =    { "starttls",    parse_handshake,   0 },
	[V_TLS] =         { "tls",         parse_handshake,   0 },
	[V_TLS_VERSION] = { "tls-version", parse_tls_version, 0 },
	[V_FLUSH] =       { "flush",       no_arg,            0 },
	[V_SLEEP] =       { "sleep",       parse_sleep,       0 },
	[V_STALL] =       { "stall",       parse_stall,       0 },
	[V_HUGELINE] =    { "hugeline",    parse_hugeline,    0 },
	[V_CLOSE] =       { "close",       no_arg,            1 },
	[V_RESET] =       { "reset",       no_arg,            1 },
	[V_EOF] =         { "eof",         no_arg,            1 },
	[V_TRICKLE] =     { "trickle",     parse_trickle,     0 },
	[V_RESET_MID_RECORD] = { "reset-mid-record", parse_sendraw, 1 },
	[V_SCRAM_ITER] =  { "scram-iter",  parse_scram_iter,  0 },
	[V_SEND_ECHO] =   { "send-echo",   parse_send,        0 },
	[V_ALERT] =       { "alert",       no_arg,            1 },
};
_Static_assert(sizeof verbs / sizeof *verbs == N_VERBS,
	       "a verb without a name");

/* The verb named by the n bytes at name; -1 when there is none. */
static int find_verb(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (strlen(verbs[i].name) == n && memcmp(verbs[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

const char *verb_name(enum verb v)
{
	return verbs[v].name;
}

static int is_terminal(const struct step *st)
{
	return verbs[st->verb].terminal || st->expect_fail;
}

size_t script_seg_end(const struct script *s, size_t seg)
{
	return seg + 1 < s->n_segs ? s->seg_start[seg + 1] : s->n_steps;
}

static void add_segment(struct script *s)
{
	s->seg_start = xalloc_or_die(reallocarray(s->seg_start, s->n_segs + 1,
						  sizeof *s->seg_start));
	s->seg_start[s->n_segs++] = s->n_steps;
}

/* The rules that need a step's neighbours: `tls` opens a connection and a
 * terminal step closes it.  Called before st joins the script. */
static int check_order(const struct script *s, const struct step *st,
		       char *why, size_t wl)
{
	size_t first = s->seg_start[s->n_segs - 1];

	if (s->n_steps > first && is_terminal(&s->steps[s->n_steps - 1])) {
		snprintf(why, wl, "the connection is already over (after \"%s\" "
			 "only \"next\" may follow)",
			 verb_name(s->steps[s->n_steps - 1].verb));
		return -1;
	}
	if (st->verb == V_TLS && s->n_steps != first) {
		snprintf(why, wl, "\"tls\" must be the first step of a connection");
		return -1;
	}
	return 0;
}

static int parse_line(struct script *s, char *line, unsigned lineno,
		      char *why, size_t wl);

/* ---- defaults: what most tests need before the part they are about ---- */

static const struct session_defaults session_defaults = {
	.greeting = "220 mock.test ESMTP test server",
	.ehlo = "EHLO localhost",
	.caps_plain = "STARTTLS",
	.caps = "PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, AUTH PLAIN",
	.login = "PLAIN alice@example.test s3cret pass",
};

/* The settings `open` reads, by verb. */
static const struct {
	const char *verb;
	size_t offset;
} settings[] = {
	{ "greeting", offsetof(struct session_defaults, greeting) },
	{ "ehlo", offsetof(struct session_defaults, ehlo) },
	{ "caps-plain", offsetof(struct session_defaults, caps_plain) },
	{ "caps", offsetof(struct session_defaults, caps) },
	{ "login", offsetof(struct session_defaults, login) },
};

/* A setting line: 1 taken, 0 not a setting, -1 bad. */
static int parse_setting(struct script *s, const char *verb, size_t vlen, const char *arg,
			 char *why, size_t wl)
{
	for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
		char *field = (char *)&s->session + settings[i].offset;

		if (strlen(settings[i].verb) != vlen || memcmp(settings[i].verb, verb, vlen))
			continue;
		if (arg && strlen(arg) >= SESSION_FIELD_MAX) {
			snprintf(why, wl, "\"%s\" is longer than %d bytes", settings[i].verb,
				 SESSION_FIELD_MAX - 1);
			return -1;
		}
		/* "login none" and a bare "caps" or "caps-plain": nothing. */
		snprintf(field, SESSION_FIELD_MAX, "%s",
			 !arg || (strcmp(settings[i].verb, "login") == 0 && strcmp(arg, "none") == 0)
			 ? "" : arg);
		return 1;
	}
	return 0;
}

/* Play one generated line as if it were in the script at lineno. */
static int emit(struct script *s, unsigned lineno, char *why, size_t wl, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int emit(struct script *s, unsigned lineno, char *why, size_t wl, const char *fmt, ...)
{
	char line[2 * SESSION_FIELD_MAX + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	return parse_line(s, line, lineno, why, wl);
}

/* "250-mock.test", then one line per capability of the comma-separated
 * list, the last one "250 " (or "250 mock.test" alone for none). */
static int emit_ehlo(struct script *s, unsigned lineno, const char *caps, char *why,
		     size_t wl)
{
	const char *p = caps + strspn(caps, ", ");
	int r = emit(s, lineno, why, wl, "expect %s", s->session.ehlo);

	if (r == 0 && !*p)
		return emit(s, lineno, why, wl, "send 250 mock.test");
	if (r == 0)
		r = emit(s, lineno, why, wl, "send 250-mock.test");
	while (r == 0 && *p) {
		size_t n = strcspn(p, ",");
		const char *next = p + n + strspn(p + n, ", ");

		while (n && p[n - 1] == ' ')
			n--;
		r = emit(s, lineno, why, wl, "send 250%c%.*s", *next ? '-' : ' ', (int)n, p);
		p = next;
	}
	return r;
}

/* open [tls|plain]: the greeting, EHLO, STARTTLS and EHLO again (unless the
 * connection is already secure, "tls", or stays plaintext, "plain"), and
 * the login, as the settings say. */
static int parse_open(struct script *s, const char *arg, unsigned lineno, char *why,
		      size_t wl)
{
	const struct session_defaults *d = &s->session;
	int starttls = !arg, r;
	char mech[64];

	if (arg && strcmp(arg, "tls") != 0 && strcmp(arg, "plain") != 0) {
		snprintf(why, wl, "\"open\" takes nothing, \"tls\" or \"plain\"");
		return -1;
	}
	r = emit(s, lineno, why, wl, "send %s", d->greeting);
	if (r == 0 && starttls)
		r = emit_ehlo(s, lineno, d->caps_plain, why, wl);
	if (r == 0 && starttls)
		r = emit(s, lineno, why, wl, "expect STARTTLS");
	if (r == 0 && starttls)
		r = emit(s, lineno, why, wl, "send 220 2.0.0 Ready to start TLS");
	if (r == 0 && starttls)
		r = emit(s, lineno, why, wl, "starttls");
	if (r == 0)
		r = emit_ehlo(s, lineno, d->caps, why, wl);
	if (r < 0 || !*d->login)
		return r;
	snprintf(mech, sizeof mech, "%.*s", (int)strcspn(d->login, " "), d->login);
	r = emit(s, lineno, why, wl, "expect AUTH %s *", mech);
	return r ? r : emit(s, lineno, why, wl, "auth %s", d->login);
}

/* One script line (no line terminator): a step, `next`, a setting, `open`,
 * or nothing. */
static int parse_line(struct script *s, char *line, unsigned lineno,
		      char *why, size_t wl)
{
	struct step st = { .line = lineno };
	int v;
	char *verb = line + strspn(line, " \t");
	size_t vlen = strcspn(verb, " ");
	const char *arg = verb[vlen] == ' ' ? verb + vlen + 1 : NULL;

	if (!*verb || *verb == '#')
		return 0;
	if (vlen == 4 && memcmp(verb, "next", 4) == 0) {
		if (arg)
			snprintf(why, wl, "\"next\" takes no argument");
		else
			add_segment(s);
		return arg ? -1 : 0;
	}
	if ((v = parse_setting(s, verb, vlen, arg, why, wl)) != 0)
		return v < 0 ? -1 : 0;
	if (vlen == 4 && memcmp(verb, "open", 4) == 0)
		return parse_open(s, arg, lineno, why, wl);
	if ((v = find_verb(verb, vlen)) < 0) {
		snprintf(why, wl, "unknown verb \"%.*s\"", (int)(vlen > 40 ? 40 : vlen),
			 verb);
		return -1;
	}
	st.verb = (enum verb)v;
	if (verbs[v].parse(&st, arg, why, wl) < 0 ||
	    check_order(s, &st, why, wl) < 0) {
		free(st.text), free(st.user), free(st.pass);
		return -1;
	}
	if (s->n_steps == SCRIPT_STEPS_MAX) {
		snprintf(why, wl, "more than %d steps", SCRIPT_STEPS_MAX);
		free(st.text), free(st.user), free(st.pass);
		return -1;
	}
	s->steps = xalloc_or_die(reallocarray(s->steps, s->n_steps + 1,
					      sizeof *s->steps));
	s->uses_tls |= st.verb == V_STARTTLS || st.verb == V_TLS;
	s->steps[s->n_steps++] = st;
	return 0;
}

/* Read one line into buf (SCRIPT_LINE_MAX + 2 bytes); strip LF or CRLF.
 * 1 read, 0 end of file, -1 too long. */
static int read_script_line(FILE *fp, char *buf)
{
	size_t n;

	if (!fgets(buf, SCRIPT_LINE_MAX + 2, fp))
		return 0;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(fp))
		return -1;
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 1;
}

int script_load(struct script *s, const char *path, char *err, size_t errlen)
{
	char why[256] = "";
	char *buf = xalloc_or_die(malloc(SCRIPT_LINE_MAX + 2));
	FILE *fp = fopen(path, "r");
	unsigned lineno = 0;
	int rc = 0, more;

	memset(s, 0, sizeof *s);
	s->session = session_defaults;
	s->path = dup_bytes(path, strlen(path));
	add_segment(s);
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	while (rc == 0 && (more = read_script_line(fp, buf)) != 0) {
		lineno++;
		if (more < 0) {
			snprintf(why, sizeof why, "line longer than %d bytes",
				 SCRIPT_LINE_MAX);
			rc = -1;
		} else {
			rc = parse_line(s, buf, lineno, why, sizeof why);
		}
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(why, sizeof why, "%s", strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
	fclose(fp);
	free(buf);
	return rc;
}

void script_release(struct script *s)
{
	for (size_t i = 0; i < s->n_steps; i++) {
		free(s->steps[i].text);
		free(s->steps[i].user);
		free(s->steps[i].pass);
	}
	free(s->steps);
	free(s->seg_start);
	free(s->path);
	memset(s, 0, sizeof *s);
}
