/* SPDX-License-Identifier: GPL-3.0-or-later */
/* neutral.c: see neutral.h. */
#include "config.h"

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "buf.h"
#include "i18n.h"
#include "neutral.h"
#include "xalloc.h"

#define SPEC_MAX 48               /* one conversion, stars filled in */
#define VALUE_MAX 1024            /* one argument, rendered */

/* ---- conversions ---- */

/* One conversion of a format: "%[N$][flags][width][.prec][len]conv". */
struct conv {
	size_t len;               /* bytes from the '%' */
	unsigned pos;             /* N of "N$", or 0 */
	int width_star, prec_star;   /* a '*' (its own "M$" ignored: not in msgids) */
	char mod[3];              /* "", "hh", "h", "l", "ll", "L", "z", "j", "t" */
	char type;                /* the conversion character */
};

static size_t digits(const char *p, unsigned *value)
{
	size_t n = 0;

	*value = 0;
	while (p[n] >= '0' && p[n] <= '9' && n < 6)
		*value = *value * 10 + (unsigned)(p[n++] - '0');
	return n;
}

/* A '*', maybe "*M$": 1 when there is one, and its bytes skipped. */
static int star(const char **p)
{
	unsigned m;
	size_t n;

	if (**p != '*')
		return 0;
	(*p)++;
	n = digits(*p, &m);
	if (n && (*p)[n] == '$')
		*p += n + 1;
	return 1;
}

static const char *length_mod(const char *p, char mod[3])
{
	static const char *const mods[] = { "hh", "ll", "h", "l", "L", "z", "j", "t" };
	size_t i;

	mod[0] = '\0';
	for (i = 0; i < sizeof mods / sizeof mods[0]; i++)
		if (strncmp(p, mods[i], strlen(mods[i])) == 0) {
			memcpy(mod, mods[i], strlen(mods[i]) + 1);
			return p + strlen(mods[i]);
		}
	return p;
}

/* Parse the conversion at p (p[0] == '%', not "%%").  0 when it is not one
 * that is kept. */
static int parse_conv(const char *p, struct conv *c)
{
	const char *s = p + 1;
	unsigned v;
	size_t n = digits(s, &v);

	memset(c, 0, sizeof *c);
	if (n && s[n] == '$' && v > 0) {
		c->pos = v;
		s += n + 1;
	}
	s += strspn(s, "-+ #0'I");
	c->width_star = star(&s);
	if (!c->width_star)
		s += digits(s, &v);
	if (*s == '.') {
		s++;
		c->prec_star = star(&s);
		if (!c->prec_star)
			s += digits(s, &v);
	}
	s = length_mod(s, c->mod);
	if (!*s || !strchr("diouxXcspeEfFgGaA", *s) || (strchr("csp", *s) && c->mod[0]))
		return 0;   /* wide characters and strings are not kept */
	c->type = *s;
	c->len = (size_t)(s + 1 - p);
	return 1;
}

/* ---- percent-encoding ---- */

static int plain_byte(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != '%';
}

static int put_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (; *s && r == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (plain_byte(c))
			r = buf_addc(b, (char)c);
		else
			r = buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return r;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode n bytes of p into a new string; NULL when malformed. */
static char *unescape(const char *p, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (p[i] != '%') {
			if (!plain_byte((unsigned char)p[i]))
				break;
			*o++ = p[i];
			continue;
		}
		hi = i + 2 < n ? hexval(p[i + 1]) : -1;
		lo = hi >= 0 ? hexval(p[i + 2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0))
			break;
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	if (i < n) {
		free(out);
		return NULL;
	}
	*o = '\0';
	return out;
}

/* ---- encoding ---- */

/* The spec of c at p with its stars filled in from ap. */
static void fill_spec(char spec[SPEC_MAX], const char *p, const struct conv *c, va_list *ap)
{
	struct buf b;
	size_t i;

	buf_init(&b, SPEC_MAX - 1);
	for (i = 0; i < c->len; i++) {
		if (p[i] != '*') {
			buf_addc_trunc(&b, p[i]);
			continue;
		}
		buf_printf_trunc(&b, "%d", va_arg(*ap, int));
		while (p[i + 1] >= '0' && p[i + 1] <= '9')   /* "*M$": not in msgids */
			i++;
	}
	snprintf(spec, SPEC_MAX, "%s", buf_str(&b));
	buf_release(&b);
}

/* The spec is one conversion of a msgid, checked by parse_conv() and typed
 * below by its conversion and length modifier: not a literal, by design. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#define FORMAT_ONE(T) snprintf(out, VALUE_MAX, spec, va_arg(*ap, T))

static void format_int(char *out, const char *spec, const struct conv *c, va_list *ap)
{
	int is_signed = c->type == 'd' || c->type == 'i';

	if (!strcmp(c->mod, "l"))
		is_signed ? FORMAT_ONE(long) : FORMAT_ONE(unsigned long);
	else if (!strcmp(c->mod, "ll"))
		is_signed ? FORMAT_ONE(long long) : FORMAT_ONE(unsigned long long);
	else if (!strcmp(c->mod, "z"))
		is_signed ? FORMAT_ONE(ssize_t) : FORMAT_ONE(size_t);
	else if (!strcmp(c->mod, "j"))
		is_signed ? FORMAT_ONE(intmax_t) : FORMAT_ONE(uintmax_t);
	else if (!strcmp(c->mod, "t"))
		FORMAT_ONE(ptrdiff_t);
	else
		is_signed ? FORMAT_ONE(int) : FORMAT_ONE(unsigned);
}

/* One argument, rendered with its own conversion. */
static void format_value(char *out, const char *spec, const struct conv *c, va_list *ap)
{
	if (strchr("diouxX", c->type))
		format_int(out, spec, c, ap);
	else if (c->type == 'c')
		FORMAT_ONE(int);
	else if (c->type == 's')
		FORMAT_ONE(const char *);
	else if (c->type == 'p')
		FORMAT_ONE(void *);
	else if (!strcmp(c->mod, "L"))
		FORMAT_ONE(long double);
	else
		FORMAT_ONE(double);
}
#pragma GCC diagnostic pop

/* The system's words for s: "N", an errno (1 to NEUTRAL_ERRNO_MAX), or
 * "g-N", a getaddrinfo() error (EAI_*: -1 to -NEUTRAL_ERRNO_MAX).  NULL
 * when s is neither. */
static const char *system_text(const char *s)
{
	int gai = s[0] == 'g' && s[1] == '-';
	unsigned v;
	size_t n = digits(s + (gai ? 2 : 0), &v);

	if (!n || s[n + (gai ? 2 : 0)] || v == 0 || v > NEUTRAL_ERRNO_MAX)
		return NULL;
	return gai ? gai_strerror(-(int)v) : strerror((int)v);
}

static int well_formed(const char *msg);

/* The length of the text domain at s ("DOMAIN/..."), or 0. */
static size_t domain_len(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n > 0 && n <= NEUTRAL_DOMAIN_MAX && s[n] == '/' ? n : 0;
}

/* One argument field: "=" and the rendered value, or for a plain "%s" whose
 * string is marked, "@" and the word or message. */
static int put_arg(struct buf *b, const char *spec, const struct conv *c, va_list *ap)
{
	char value[VALUE_MAX];
	struct buf sub;
	const char *s;
	int r;

	if (c->type != 's' || strcmp(spec, "%s") != 0) {
		format_value(value, spec, c, ap);
		return buf_addc(b, '=') | put_escaped(b, value);
	}
	s = va_arg(*ap, const char *);
	if (!s)
		s = "(null)";
	if (s[0] == NEUTRAL_ERRNO[0] && system_text(s + 1))
		return buf_printf(b, "#%s", s + 1);
	if (s[0] == NEUTRAL_LIBRARY[0] && domain_len(s + 1) && s[domain_len(s + 1) + 2])
		return buf_printf(b, "$%.*s", (int)domain_len(s + 1) + 1, s + 1) |
		       put_escaped(b, s + domain_len(s + 1) + 2);
	if (s[0] != NEUTRAL_WORD[0] && (s[0] != NEUTRAL_NESTED[0] || !well_formed(s + 1)))
		return buf_addc(b, '=') | put_escaped(b, s);
	buf_init(&sub, NEUTRAL_MAX);
	if (s[0] == NEUTRAL_WORD[0])
		r = buf_addc(&sub, '_') | put_escaped(&sub, s + 1);
	else
		r = buf_adds(&sub, s + 1);
	if (r == 0)
		r = buf_printf(b, "@%zu:%s", sub.len, buf_str(&sub));
	buf_release(&sub);
	return r;
}

static int encode(struct buf *b, int translate, const char *fmt, va_list *ap)
{
	const char *p;
	unsigned n = 0;
	int r = buf_addc(b, translate ? '_' : '!') | put_escaped(b, fmt);

	for (p = strchr(fmt, '%'); p && r == 0; p = strchr(p, '%')) {
		struct conv c;
		char spec[SPEC_MAX];

		if (p[1] == '%') {
			p += 2;
			continue;
		}
		if (!parse_conv(p, &c) || c.pos || ++n > NEUTRAL_ARGS_MAX)
			return -1;
		fill_spec(spec, p, &c, ap);
		r = buf_addc(b, ' ') | put_arg(b, spec, &c, ap);
		p += c.len;
	}
	return r;
}

int neutral_vencode(char *out, size_t size, int translate, const char *fmt, va_list ap)
{
	struct buf b;
	va_list copy;
	int r;

	buf_init(&b, size - 1);
	va_copy(copy, ap);
	r = encode(&b, translate, fmt, &copy);
	va_end(copy);
	snprintf(out, size, "%s", r == 0 ? buf_str(&b) : "");
	buf_release(&b);
	return r == 0 ? 0 : -1;
}

int neutral_encode(char *out, size_t size, int translate, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = neutral_vencode(out, size, translate, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- rendering ---- */

/* A decoded message: its msgid and its arguments, rendered. */
struct parsed {
	char *msgid;
	int translate;
	char *vals[NEUTRAL_ARGS_MAX];
	size_t n;
};

static void parsed_release(struct parsed *m)
{
	size_t i;

	free(m->msgid);
	for (i = 0; i < m->n; i++)
		free(m->vals[i]);
}

/* The catalogue a rendering looks msgids up in. */
struct catalogue {
	neutral_translate_fn *translate;
	void *ctx;
};

static int render_at(const struct catalogue *cat, const char *msg, size_t len,
		     unsigned depth, struct buf *out);

/* A "$DOMAIN/MSGID" field at msg[*i]: the library's words, translated
 * with its own catalogue. */
static int library_arg(const char *msg, size_t len, size_t *i, char **val)
{
	size_t at = *i + 1, j = at, n;
	char *field, *msgid = NULL;

	while (j < len && msg[j] != ' ')
		j++;
	*i = j;
	field = xstrndup(msg + at, j - at);
	n = domain_len(field);
	if (n && field[n + 1])
		msgid = unescape(field + n + 1, strlen(field + n + 1));
	if (msgid) {
		field[n] = '\0';
		*val = xstrdup(dgettext(field, msgid));
	}
	free(msgid);
	free(field);
	return *val ? 0 : -1;
}

/* The argument field at msg[*i], rendered into a new *val; *i past it. */
static int parse_arg(const struct catalogue *cat, const char *msg, size_t len, size_t *i,
		     unsigned depth, char **val)
{
	size_t at = *i, j = at + 1, sub = 0;
	struct buf b;
	int r;

	*val = NULL;
	if (msg[at] == '$')
		return library_arg(msg, len, i, val);
	if (msg[at] == '#') {
		char num[8];

		while (j < len && msg[j] != ' ' && j - at < sizeof num)
			j++;
		snprintf(num, sizeof num, "%.*s", (int)(j - at - 1), msg + at + 1);
		*i = j;
		if (!system_text(num) || (j < len && msg[j] != ' '))
			return -1;
		*val = xstrdup(system_text(num));
		return 0;
	}
	if (msg[at] == '=') {
		while (j < len && msg[j] != ' ')
			j++;
		*val = unescape(msg + at + 1, j - at - 1);
		*i = j;
		return *val ? 0 : -1;
	}
	while (msg[at] == '@' && j < len && msg[j] >= '0' && msg[j] <= '9' && sub < NEUTRAL_MAX)
		sub = sub * 10 + (size_t)(msg[j++] - '0');
	if (msg[at] != '@' || j == at + 1 || j >= len || msg[j] != ':' || sub > len - j - 1)
		return -1;
	buf_init(&b, VALUE_MAX);
	r = render_at(cat, msg + j + 1, sub, depth + 1, &b);
	if (r == 0)
		*val = xstrdup(buf_str(&b));
	buf_release(&b);
	*i = j + 1 + sub;
	return r;
}

/* The argument number of each value of a msgid (a star takes one too): how
 * many values, or -1 when it is not a msgid that encode() keeps. */
static int arg_numbers(const char *fmt, unsigned nums[NEUTRAL_ARGS_MAX])
{
	const char *p;
	unsigned next = 1;
	int n = 0;

	for (p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
		struct conv c;

		if (p[1] == '%') {
			p += 2;
			continue;
		}
		if (!parse_conv(p, &c) || c.pos || n >= NEUTRAL_ARGS_MAX)
			return -1;
		next += (unsigned)(c.width_star + c.prec_star);
		nums[n++] = next++;
		p += c.len;
	}
	return n;
}

/* The value conversion c stands for: by position, else the next one. */
static const char *value_for(const struct conv *c, size_t *k, const struct parsed *m,
			     const unsigned *nums)
{
	size_t j;

	if (!c->pos)
		return *k < m->n ? m->vals[(*k)++] : NULL;
	for (j = 0; j < m->n; j++)
		if (nums[j] == c->pos)
			return m->vals[j];
	return NULL;
}

/* fmt (the msgid or its translation) with the values put in. */
static int substitute(const char *fmt, const struct parsed *m, const unsigned *nums,
		      struct buf *out)
{
	const char *p = fmt, *v;
	size_t k = 0, lit;
	struct conv c;

	while (*p) {
		lit = strcspn(p, "%");
		buf_add_trunc(out, p, lit);
		p += lit;
		if (!*p)
			break;
		if (p[1] == '%') {
			buf_addc_trunc(out, '%');
			p += 2;
			continue;
		}
		if (!parse_conv(p, &c) || !(v = value_for(&c, &k, m, nums)))
			return -1;
		buf_adds_trunc(out, v);
		p += c.len;
	}
	return 0;
}

static int render_parsed(const struct catalogue *cat, const struct parsed *m, struct buf *out)
{
	unsigned nums[NEUTRAL_ARGS_MAX];
	const char *fmt = m->translate && *m->msgid ? cat->translate(m->msgid, cat->ctx) : m->msgid;
	size_t start = out->len;

	if (arg_numbers(m->msgid, nums) != (int)m->n)
		return -1;
	if (fmt != m->msgid && substitute(fmt, m, nums, out) == 0)
		return 0;
	out->len = start;   /* a translation that does not fit its msgid */
	if (out->data)
		out->data[start] = '\0';
	return substitute(m->msgid, m, nums, out);
}

static int render_at(const struct catalogue *cat, const char *msg, size_t len,
		     unsigned depth, struct buf *out)
{
	struct parsed m = { 0 };
	size_t i;
	int r;

	if (depth >= NEUTRAL_DEPTH_MAX || len == 0 || (msg[0] != '_' && msg[0] != '!'))
		return -1;
	m.translate = msg[0] == '_';
	for (i = 1; i < len && msg[i] != ' '; i++)
		;
	m.msgid = unescape(msg + 1, i - 1);
	r = m.msgid ? 0 : -1;
	while (r == 0 && i < len) {
		if (msg[i] != ' ' || i + 1 >= len || m.n >= NEUTRAL_ARGS_MAX) {
			r = -1;
			break;
		}
		i++;
		r = parse_arg(cat, msg, len, &i, depth, &m.vals[m.n]);
		if (r == 0)
			m.n++;
	}
	if (r == 0)
		r = render_parsed(cat, &m, out);
	parsed_release(&m);
	return r;
}

static const char *as_is(const char *msgid, void *ctx)
{
	(void)ctx;
	return msgid;
}

/* Whether msg is an encoded message (a nested argument is copied as it is,
 * so it must be one: printable, one line, and it renders). */
static int well_formed(const char *msg)
{
	const struct catalogue cat = { as_is, NULL };
	const char *p;
	struct buf b;
	int r;

	for (p = msg; *p; p++)
		if (((unsigned char)*p < ' ' || *p == 0x7f))
			return 0;
	buf_init(&b, NEUTRAL_MAX);
	r = render_at(&cat, msg, (size_t)(p - msg), 0, &b);
	buf_release(&b);
	return r == 0;
}

/* Cut s (of length len, size bytes) so that no UTF-8 character is halved. */
static void cut_utf8(char *s, size_t len)
{
	size_t i = len, need;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3)
		i--;
	if (i == 0 || (unsigned char)s[i - 1] < 0xC0)
		return;
	need = (unsigned char)s[i - 1] >= 0xF0 ? 4 : (unsigned char)s[i - 1] >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

int neutral_render_in(const char *msg, neutral_translate_fn *translate, void *ctx,
		      char *out, size_t size)
{
	const struct catalogue cat = { translate, ctx };
	struct buf b;
	int r;

	buf_init(&b, size - 1);
	r = render_at(&cat, msg, strlen(msg), 0, &b);
	snprintf(out, size, "%s", r == 0 ? buf_str(&b) : "");
	if (r == 0 && b.truncated)
		cut_utf8(out, strlen(out));
	buf_release(&b);
	return r;
}

static const char *from_gettext(const char *msgid, void *ctx)
{
	(void)ctx;
	return gettext(msgid);
}

int neutral_render(const char *msg, char *out, size_t size)
{
	return neutral_render_in(msg, from_gettext, NULL, out, size);
}
