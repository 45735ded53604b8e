/* escape.c: see escape.h. */
#include "config.h"

#include <string.h>

#include "escape.h"
#include "xalloc.h"

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0; its
 * code point in *cp.  Overlong forms, surrogates and values past U+10FFFF
 * are not valid. */
static size_t utf8_sequence(const unsigned char *p, size_t n, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, *cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, *cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, *cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if (*cp < min[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Code points that are text in UTF-8 but steer a terminal or a reader. */
static int invisible_control(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

/* The next unit of p: how many bytes it takes (*used) and what it becomes
 * (into piece, which holds at least 16 bytes).  Returns the piece's length. */
static size_t next_piece(const unsigned char *p, size_t n, size_t *used, char piece[16])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned long cp;
	size_t len = 1, i, o = 0;

	if (p[0] >= 0x20 && p[0] < 0x7f) {
		piece[0] = (char)p[0];
		*used = 1;
		return 1;
	}
	if (p[0] >= 0x80 && (len = utf8_sequence(p, n, &cp)) > 0 && !invisible_control(cp)) {
		memcpy(piece, p, len);
		*used = len;
		return len;
	}
	if (len == 0)
		len = 1;
	for (i = 0; i < len; i++) {
		piece[o++] = '\\';
		piece[o++] = 'x';
		piece[o++] = hex[p[i] >> 4];
		piece[o++] = hex[p[i] & 15];
	}
	*used = len;
	return o;
}

int escape_add(struct buf *out, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	char piece[16];
	size_t used, len;

	while (n > 0) {
		len = next_piece(s, n, &used, piece);
		if (buf_add(out, piece, len) < 0)
			return -1;
		s += used;
		n -= used;
	}
	return 0;
}

size_t escape_into(char *dst, size_t size, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	char piece[16];
	size_t used, len, o = 0;

	while (n > 0) {
		len = next_piece(s, n, &used, piece);
		if (o + len > size - 1)
			break;
		memcpy(dst + o, piece, len);
		o += len;
		s += used;
		n -= used;
	}
	dst[o] = '\0';
	return o;
}

char *escape_dup(const char *s)
{
	struct buf b;

	buf_init(&b, strlen(s) * 4 + 1);
	escape_add(&b, s, strlen(s));
	return buf_detach(&b);
}
