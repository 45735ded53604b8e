/* width.c: see width.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "width.h"

static size_t characters(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

size_t text_columns(const char *s)
{
	mbstate_t st;
	size_t n = 0, len = strlen(s), r;
	wchar_t wc;
	int w;

	if (MB_CUR_MAX == 1)
		return characters(s);
	memset(&st, 0, sizeof st);
	while (len > 0) {
		r = mbrtowc(&wc, s, len, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof st);
			r = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
		}
		n += w < 0 ? 1 : (size_t)w;
		s += r;
		len -= r;
	}
	return n;
}

void print_padded(FILE *out, const char *s, size_t width)
{
	size_t cols = text_columns(s);

	fputs(s, out);
	for (; cols < width; cols++)
		putc(' ', out);
}
