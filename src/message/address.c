/* SPDX-License-Identifier: GPL-3.0-or-later */
/* address.c: see address.h.
 *
 * A hand-written recursive-descent reader of RFC 5322 section 3.4 (with the
 * obsolete forms of section 4.4 that real mail still carries), producing
 * RFC 5321 paths.  It reads over an explicit length, so a NUL byte cannot cut
 * an address short and hide what follows it. */
#include "config.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "i18n.h"
#include "xalloc.h"

#define UTF8_BAD 0xffffffffu

/* What the parser found, before it is merged into the caller's list. */
struct parser {
	const char *p, *end;     /* cursor and end of the text */
	const char *elem;        /* start of the current element, for messages */
	struct buf local;        /* the phrase or local part read last, unquoted */
	struct buf domain;
	int words;               /* words in that phrase */
	int local_ok;            /* it has the shape word *("." word) */
	int spaced;              /* two words without a dot: a display name */
	int in_group;
	size_t mailboxes;        /* mailboxes read, duplicates included */
	size_t groups;
	struct address_list *out;
	struct error *err;
};

enum { ELEMENT_DONE, ELEMENT_GROUP };

static int is_atext(unsigned char c)
{
	/* RFC 5322 atext, and UTF-8 bytes (RFC 6532): checked as UTF-8 later. */
	static const char extra[] = "!#$%&'*+-/=?^_`{|}~";

	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr(extra, c) != NULL;
}

static int at(const struct parser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

/* The list is a vector plus a hash set of indexes, so that thousands of
 * recipients cost no quadratic duplicate search. */
static size_t addr_hash(const char *a)
{
	const char *dom = strrchr(a, '@');
	size_t h = 14695981039346656037ull;
	const char *p;

	for (p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (dom && p > dom && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 1099511628211ull;
	}
	return h;
}

/* Same local part, same domain in any case (RFC 5321 2.4). */
static int addr_equal(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');

	if (!da || !db)
		return !da && !db && strcmp(a, b) == 0;
	return da - a == db - b && memcmp(a, b, (size_t)(da - a)) == 0 &&
	       strcasecmp(da, db) == 0;
}

/* The slot holding a, or the empty slot where it would go. */
static size_t *list_slot(const struct address_list *l, const char *a)
{
	size_t i = addr_hash(a) & (l->nslots - 1);

	while (l->slots[i] && !addr_equal(l->addrs[l->slots[i] - 1], a))
		i = (i + 1) & (l->nslots - 1);
	return &l->slots[i];
}

static void list_rehash(struct address_list *l)
{
	size_t i;

	free(l->slots);
	l->nslots = l->nslots ? 2 * l->nslots : 16;
	l->slots = xcalloc(l->nslots, sizeof *l->slots);
	for (i = 0; i < l->n; i++)
		*list_slot(l, l->addrs[i]) = i + 1;
}

static int list_add(struct address_list *l, const char *a, struct error *err)
{
	size_t *slot;

	if (2 * (l->n + 1) > l->nslots)
		list_rehash(l);
	slot = list_slot(l, a);
	if (*slot)
		return 0;
	if (l->n == ADDRESS_LIST_MAX)
		return error_set(err, CAT_INPUT, N_("more than %d addresses in one list"),
				 ADDRESS_LIST_MAX);
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->addrs = xrealloc(l->addrs, l->cap * sizeof *l->addrs);
	}
	l->addrs[l->n++] = xstrdup(a);
	l->addrs[l->n] = NULL;
	*slot = l->n;
	return 0;
}

void address_list_init(struct address_list *l)
{
	memset(l, 0, sizeof *l);
}

void address_list_release(struct address_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->addrs[i]);
	free(l->addrs);
	free(l->slots);
	address_list_init(l);
}

const char *address_quote(char out[ADDRESS_QUOTE_SIZE], const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, shown = 0;

	for (i = 0; i < len && shown < ADDRESS_QUOTE_MAX; i++, shown++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : 'n';
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;   /* UTF-8 passes: the terminal shows it */
		}
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

int utf8_feed(unsigned *state, const unsigned char *p, size_t n)
{
	/* The allowed range of the byte after E0, ED, F0 and F4 (RFC 3629 4). */
	static const unsigned char lo[] = { 0x80, 0xa0, 0x80, 0x90, 0x80 };
	static const unsigned char hi[] = { 0xbf, 0xbf, 0x9f, 0xbf, 0x8f };
	unsigned need = *state & 3, lim = *state >> 2;
	size_t i;

	if (*state == UTF8_BAD)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned c = p[i];

		if (need == 0) {
			if (c < 0x80)
				continue;
			if (c < 0xc2 || c > 0xf4)
				goto bad;
			need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
			lim = c == 0xe0 ? 1 : c == 0xed ? 2 : c == 0xf0 ? 3 : c == 0xf4 ? 4 : 0;
			continue;
		}
		if (c < lo[lim] || c > hi[lim])
			goto bad;
		lim = 0;
		need--;
	}
	*state = need | lim << 2;
	return 1;
bad:
	*state = UTF8_BAD;
	return 0;
}

static int utf8_valid(const char *s, size_t n)
{
	unsigned st = 0;

	return utf8_feed(&st, (const unsigned char *)s, n) && st == 0;
}

/* The element being read, from its start to the next comma after the
 * cursor: what a person recognises as "the address". */
static int syntax(struct parser *ps, const char *reason)
{
	char word[ERROR_WORD_MAX];
	char q[ADDRESS_QUOTE_SIZE];
	const char *stop = ps->p < ps->end ? memchr(ps->p, ',', (size_t)(ps->end - ps->p)) : NULL;
	const char *start = ps->elem ? ps->elem : ps->p;

	if (!stop)
		stop = ps->end;
	while (start < stop && (*start == ' ' || *start == '\t'))
		start++;
	address_quote(q, start, (size_t)(stop - start));
	return error_set(ps->err, CAT_INPUT, N_("invalid address '%s': %s"), q,
			 error_word(reason, word));
}

/* The parser's buffers hold the input at most, so this cannot happen; but
 * nothing is ever cut short silently. */
static int too_long(struct parser *ps)
{
	return syntax(ps, N_("the address is longer than 254 octets"));
}

/* Spaces, tabs and comments; comments nest and may hold quoted pairs. */
static int skip_cfws(struct parser *ps)
{
	size_t depth;

	for (;;) {
		while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
			ps->p++;
		if (!at(ps, '('))
			return 0;
		depth = 0;
		do {
			if (ps->p == ps->end)
				return syntax(ps, N_("a comment is not closed"));
			if (*ps->p == '\\' && ps->p + 1 < ps->end)
				ps->p++;
			else if (*ps->p == '(')
				depth++;
			else if (*ps->p == ')')
				depth--;
			ps->p++;
		} while (depth > 0);
	}
}

/* A quoted string, its content unquoted into ps->local. */
static int parse_quoted(struct parser *ps)
{
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		if (*ps->p == '\\' && ps->p + 1 < ps->end)
			ps->p++;
		if (buf_addc(&ps->local, *ps->p++) < 0)
			return too_long(ps);
	}
	if (ps->p == ps->end)
		return syntax(ps, N_("a quoted string is not closed"));
	ps->p++;
	return 1;
}

/* One word into ps->local: 1 read, 0 none here, -1 error. */
static int parse_word(struct parser *ps)
{
	const char *start = ps->p;

	if (at(ps, '"'))
		return parse_quoted(ps);
	while (ps->p < ps->end && is_atext((unsigned char)*ps->p))
		ps->p++;
	if (buf_add(&ps->local, start, (size_t)(ps->p - start)) < 0)
		return too_long(ps);
	return ps->p > start;
}

/* A display name or a local part: words and dots (RFC 5322 obs-phrase and
 * obs-local-part both allow CFWS around the dots).  Which one it was is
 * known only from what follows, so both readings are kept. */
static int parse_phrase(struct parser *ps)
{
	int prev_word = 0, r;

	buf_reset(&ps->local);
	ps->words = 0;
	ps->local_ok = 1;
	ps->spaced = 0;
	for (;;) {
		if (skip_cfws(ps) < 0)
			return -1;
		if (at(ps, '.')) {
			ps->local_ok &= prev_word;
			if (buf_addc(&ps->local, '.') < 0)
				return too_long(ps);
			ps->p++;
			prev_word = 0;
			continue;
		}
		r = parse_word(ps);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		ps->spaced |= prev_word;   /* two words in a row: a display name */
		prev_word = 1;
		ps->words++;
	}
	ps->local_ok &= (prev_word || ps->local.len == 0) && !ps->spaced;
	return 0;
}

/* A domain: a dot-atom (labels may be UTF-8) or a domain literal. */
static int parse_domain(struct parser *ps)
{
	int prev_label = 0;
	const char *start;

	buf_reset(&ps->domain);
	if (skip_cfws(ps) < 0)
		return -1;
	if (at(ps, '[')) {
		start = ps->p;
		while (ps->p < ps->end && *ps->p != ']' && *ps->p != '\\')
			ps->p++;
		if (!at(ps, ']'))
			return syntax(ps, N_("a domain literal is not closed"));
		ps->p++;
		if (buf_add(&ps->domain, start, (size_t)(ps->p - start)) < 0)
			return too_long(ps);
		return skip_cfws(ps);
	}
	for (;;) {
		if (skip_cfws(ps) < 0)
			return -1;
		start = ps->p;
		if (at(ps, '.')) {
			ps->p++;
			prev_label = 0;
		} else {
			while (ps->p < ps->end && is_atext((unsigned char)*ps->p))
				ps->p++;
			if (ps->p == start)
				break;
			if (prev_label)
				return syntax(ps, N_("the domain contains a space"));
			prev_label = 1;
		}
		if (buf_add(&ps->domain, start, (size_t)(ps->p - start)) < 0)
			return too_long(ps);
	}
	if (ps->domain.len == 0)
		return syntax(ps, at(ps, '@')
			      ? N_("it has two '@' (an '@' in the local part must be quoted)")
			      : N_("the domain is missing after '@'"));
	return 0;
}

static int is_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!(is_atext((unsigned char)s[i]) || (s[i] == '.' && s[i - 1] != '.')))
			return 0;
	return 1;
}

/* RFC 5321 Local-part: a Dot-string when it is one, else a Quoted-string. */
static int render_local(struct parser *ps, struct buf *out)
{
	const char *s = buf_str(&ps->local);
	size_t i, n = ps->local.len;
	int r;

	if (n == 0)
		return syntax(ps, N_("the local part is empty"));
	if (!utf8_valid(s, n))
		return syntax(ps, N_("the local part is not valid UTF-8"));
	if (is_dot_atom(s, n))
		return buf_add(out, s, n);
	r = buf_addc(out, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return syntax(ps, N_("the local part contains a control character"));
		if (c == '"' || c == '\\')
			r |= buf_addc(out, '\\');
		r |= buf_addc(out, (char)c);
	}
	r |= buf_addc(out, '"');
	return r < 0 ? too_long(ps) : 0;
}

/* Letters, digits, hyphens; labels of 1 to 63; not starting or ending with
 * a hyphen (RFC 5321 4.1.2 sub-domain). */
static const char *ldh_problem(const char *d)
{
	size_t label = 0, total = strlen(d);
	const char *p;

	if (total > ADDRESS_DOMAIN_MAX)
		return N_("the domain is too long");
	for (p = d;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0)
				return N_("the domain has an empty label");
			if (p[-1] == '-')
				return N_("a domain label ends with '-'");
			if (*p == '\0')
				return NULL;
			label = 0;
			continue;
		}
		if (label == 0 && *p == '-')
			return N_("a domain label starts with '-'");
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return N_("the domain contains a character not allowed in host names");
		if (++label > ADDRESS_LABEL_MAX)
			return N_("a domain label is longer than 63 characters");
	}
}

/* [192.0.2.1] or [IPv6:2001:db8::1] (RFC 5321 4.1.3). */
static const char *literal_problem(const char *d, size_t n)
{
	char ip[ADDRESS_MAX + 1];
	unsigned char bin[16];
	int v6 = n > 6 && strncasecmp(d + 1, "IPv6:", 5) == 0;

	if (n - 2 > ADDRESS_MAX)
		return N_("the domain is too long");
	memcpy(ip, d + 1 + (v6 ? 5 : 0), n - 2 - (v6 ? 5 : 0));
	ip[n - 2 - (v6 ? 5 : 0)] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, bin) != 1)
		return N_("the domain literal is not an IP address");
	return NULL;
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static void fold_ascii(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* The normalised form of d without its case folded: a literal or the
 * A-label, checked.  NULL or the reason (a msgid; libidn2's own words as
 * libidn2 gives them). */
static const char *domain_normal(const char *d, struct buf *out)
{
	size_t n = strlen(d);
	char *alabel = NULL;
	const char *problem;
	int rc;

	if (n >= 2 && d[0] == '[' && d[n - 1] == ']') {
		problem = literal_problem(d, n);
		if (!problem && buf_add(out, d, n) < 0)
			problem = N_("the domain is too long");
		return problem;
	}
	if (!is_ascii(d)) {
		if (!utf8_valid(d, n))
			return N_("the domain is not valid UTF-8");
		rc = idn2_to_ascii_8z(d, &alabel, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc != IDN2_OK)
			return idn2_strerror(rc);
		d = alabel;
	}
	problem = ldh_problem(d);
	if (!problem && buf_adds(out, d) < 0)
		problem = N_("the domain is too long");
	idn2_free(alabel);
	return problem;
}

const char *address_domain_normalise(const char *d, int fold, struct buf *out)
{
	size_t start = out->len;
	const char *problem = domain_normal(d, out);

	if (problem) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	} else if (fold) {
		fold_ascii(out->data + start, out->len - start);
	}
	return problem;
}

char *address_domain_alabel(const char *domain, struct error *err)
{
	char word[ERROR_WORD_MAX];
	struct buf b;
	const char *problem;

	buf_init(&b, ADDRESS_MAX);
	problem = address_domain_normalise(domain, 1, &b);
	if (!problem)
		return buf_detach(&b);
	buf_release(&b);
	error_set(err, CAT_INPUT, N_("\"%s\" is not a valid domain name: %s"), domain,
		  error_word(problem, word));
	return NULL;
}

static int render_domain(struct parser *ps, struct buf *out)
{
	const char *problem;

	if (buf_addc(out, '@') < 0)
		return too_long(ps);
	problem = address_domain_normalise(buf_str(&ps->domain), 0, out);
	return problem ? syntax(ps, problem) : 0;
}

/* The mailbox just read (ps->local, and ps->domain when with_domain) joins
 * the parser's list in its envelope form. */
static int emit_mailbox(struct parser *ps, int with_domain)
{
	struct buf a;
	size_t i;
	int r, utf8 = 0;

	if (ps->spaced)
		return syntax(ps, with_domain ? N_("the local part contains a space")
				  : N_("a name without an address"));
	if (!ps->local_ok)
		return syntax(ps, N_("the local part has a misplaced dot"));
	buf_init(&a, 2 * (ps->local.len + ps->domain.len) + 8);
	r = render_local(ps, &a);
	for (i = 0; r == 0 && i < ps->local.len; i++)
		utf8 |= (unsigned char)ps->local.data[i] >= 0x80;
	if (r == 0 && with_domain)
		r = render_domain(ps, &a);
	if (r == 0 && a.len > ADDRESS_MAX)
		r = syntax(ps, N_("the address is longer than 254 octets"));
	if (r == 0) {
		ps->mailboxes++;
		ps->out->smtputf8 |= utf8;
		r = list_add(ps->out, buf_str(&a), ps->err);
	}
	buf_release(&a);
	return r;
}

/* "<" [obs-route] addr-spec ">"; a route ("@a,@b:") is dropped (RFC 5322
 * 4.4); "<root>" is an address without a domain. */
static int parse_angle(struct parser *ps)
{
	int with_domain;

	ps->p++;
	if (skip_cfws(ps) < 0)
		return -1;
	if (at(ps, '@')) {
		while (ps->p < ps->end && *ps->p != ':' && *ps->p != '>')
			ps->p++;
		if (!at(ps, ':'))
			return syntax(ps, N_("a source route is not closed with ':'"));
		ps->p++;
	}
	if (parse_phrase(ps) < 0)
		return -1;
	if (at(ps, '>') && ps->words == 0)
		return syntax(ps, N_("the address is empty"));
	with_domain = at(ps, '@');
	if (with_domain) {
		ps->p++;
		if (parse_domain(ps) < 0)
			return -1;
	}
	if (!at(ps, '>'))
		return syntax(ps, N_("'<' is not closed with '>'"));
	ps->p++;
	return emit_mailbox(ps, with_domain);
}

/* One element of the list: a mailbox, or the start of a group. */
static int parse_element(struct parser *ps)
{
	if (parse_phrase(ps) < 0)
		return -1;
	if (at(ps, '<'))
		return parse_angle(ps);   /* what came before was the display name */
	if (at(ps, ':')) {
		if (ps->in_group)
			return syntax(ps, N_("a group inside a group"));
		if (ps->words == 0)
			return syntax(ps, N_("a group has no name"));
		ps->p++;
		ps->in_group = 1;
		ps->groups++;
		return ELEMENT_GROUP;
	}
	if (at(ps, '@')) {
		ps->p++;
		return parse_domain(ps) < 0 ? -1 : emit_mailbox(ps, 1);
	}
	if (ps->local.len == 0)
		return syntax(ps, N_("unexpected character"));
	return emit_mailbox(ps, 0);
}

static int parse_list(struct parser *ps)
{
	int r;

	for (;;) {
		ps->elem = ps->p;
		if (skip_cfws(ps) < 0)
			return -1;
		if (ps->p == ps->end)
			return 0;   /* a group left open ("undisclosed-recipients:") is common */
		if (at(ps, ',')) {
			ps->p++;
			continue;
		}
		if (at(ps, ';')) {
			if (!ps->in_group)
				return syntax(ps, N_("';' outside a group"));
			ps->in_group = 0;
			ps->p++;
			continue;
		}
		r = parse_element(ps);
		if (r < 0)
			return -1;
		if (r == ELEMENT_GROUP || skip_cfws(ps) < 0)
			continue;
		if (ps->p < ps->end && !at(ps, ',') && !(at(ps, ';') && ps->in_group))
			return syntax(ps, N_("unexpected text after the address"));
	}
}

static int parse_into(struct address_list *tmp, const char *text, size_t len,
		      struct parser *ps, struct error *err)
{
	char q[ADDRESS_QUOTE_SIZE];
	int r;

	if (memchr(text, '\r', len) || memchr(text, '\n', len) || memchr(text, '\0', len))
		return error_set(err, CAT_INPUT,
				 N_("refusing address '%s': it contains a line break or a NUL "
				   "byte (header injection)"), address_quote(q, text, len));
	memset(ps, 0, sizeof *ps);
	ps->p = text;
	ps->end = text + len;
	ps->out = tmp;
	ps->err = err;
	buf_init(&ps->local, len + 1);
	buf_init(&ps->domain, len + 1);
	r = parse_list(ps);
	buf_release(&ps->local);
	buf_release(&ps->domain);
	return r;
}

static int list_has(const struct address_list *l, const char *a)
{
	return l->nslots && *list_slot(l, a);
}

int address_list_parse_mem(struct address_list *l, const char *text, size_t len,
			   struct error *err)
{
	struct address_list tmp;
	struct parser ps;
	size_t i, fresh = 0;
	int r;

	address_list_init(&tmp);
	r = parse_into(&tmp, text, len, &ps, err);
	for (i = 0; r == 0 && i < tmp.n; i++)
		fresh += !list_has(l, tmp.addrs[i]);
	if (r == 0 && l->n + fresh > ADDRESS_LIST_MAX)
		r = error_set(err, CAT_INPUT, N_("more than %d addresses in one list"),
			      ADDRESS_LIST_MAX);
	for (i = 0; r == 0 && i < tmp.n; i++)
		r = list_add(l, tmp.addrs[i], err);
	if (r == 0)
		l->smtputf8 |= tmp.smtputf8;
	address_list_release(&tmp);
	return r;
}

int address_list_parse(struct address_list *l, const char *text, struct error *err)
{
	return address_list_parse_mem(l, text, strlen(text), err);
}

char *address_mailbox(const char *text, int *smtputf8, struct error *err)
{
	struct address_list tmp;
	struct parser ps;
	char q[ADDRESS_QUOTE_SIZE], *a = NULL;
	size_t len = strlen(text);

	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len && (*text == ' ' || *text == '\t'))
		text++, len--;
	if (smtputf8)
		*smtputf8 = 0;
	if (len == 0 || (len == 2 && text[0] == '<' && text[1] == '>'))
		return xstrdup("");
	address_list_init(&tmp);
	if (parse_into(&tmp, text, len, &ps, err) == 0) {
		if (ps.mailboxes == 1 && ps.groups == 0)
			a = xstrdup(tmp.addrs[0]);
		else
			error_set(err, CAT_INPUT, N_("'%s' is not one address"),
				  address_quote(q, text, len));
	}
	if (a && smtputf8)
		*smtputf8 = tmp.smtputf8;
	address_list_release(&tmp);
	return a;
}

char *address_first(const char *text, struct error *err)
{
	struct address_list tmp;
	struct parser ps;
	char *a = NULL;

	address_list_init(&tmp);
	if (parse_into(&tmp, text, strlen(text), &ps, err) == 0 && tmp.n)
		a = xstrdup(tmp.addrs[0]);
	address_list_release(&tmp);
	return a;
}

const char *address_domain(const char *addr)
{
	const char *sign = strrchr(addr, '@');

	return sign ? sign + 1 : NULL;
}
