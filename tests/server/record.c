/* SPDX-License-Identifier: GPL-3.0-or-later */
/* record.c: the record file, one line per event, flushed at once so that a
 * killed or hung run still shows how far it got.
 *
 * Bytes are escaped so the record is plain ASCII and one event never spans
 * two lines: \r \n \t \\ and \xNN for anything else outside 0x20..0x7e.
 * A shell test can then diff it, or grep for an exact "C: ...\r\n". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testserver.h"

int record_open(struct record *r, const char *path)
{
	r->fp = fopen(path, "w");
	return r->fp ? 0 : -1;
}

void record_close(struct record *r)
{
	if (r->fp)
		fclose(r->fp);
	r->fp = NULL;
}

/* The escaped form of one byte, in at most 4 characters plus NUL. */
static const char *escape_byte(unsigned char c, char tmp[5])
{
	switch (c) {
	case '\r': return "\\r";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\\': return "\\\\";
	}
	if (c >= 0x20 && c < 0x7f) {
		tmp[0] = (char)c;
		tmp[1] = '\0';
	} else {
		snprintf(tmp, 5, "\\x%02x", c);
	}
	return tmp;
}

char *escape_into(char *dst, size_t cap, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t len = 0;
	char tmp[5];

	for (size_t i = 0; i < n; i++) {
		const char *e = escape_byte(s[i], tmp);
		size_t el = strlen(e);

		if (len + el + 4 > cap) {    /* room for "..." and NUL */
			memcpy(dst + len, "...", 3);
			len += 3;
			break;
		}
		memcpy(dst + len, e, el);
		len += el;
	}
	dst[len] = '\0';
	return dst;
}

void record_read(struct record *r, size_t n)
{
	fprintf(r->fp, "R: %zu\n", n);
	fflush(r->fp);
}

void record_bytes(struct record *r, char tag, const void *p, size_t n)
{
	const unsigned char *s = p;
	char tmp[5];

	fprintf(r->fp, "%c: ", tag);
	for (size_t i = 0; i < n; i++)
		fputs(escape_byte(s[i], tmp), r->fp);
	fputc('\n', r->fp);
	fflush(r->fp);
}

static void record_line(struct record *r, const char *prefix, const char *fmt,
			va_list ap) __attribute__((format(printf, 3, 0)));

static void record_line(struct record *r, const char *prefix, const char *fmt,
			va_list ap)
{
	fputs(prefix, r->fp);
	vfprintf(r->fp, fmt, ap);
	fputc('\n', r->fp);
	fflush(r->fp);
}

void record_note(struct record *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_line(r, "# ", fmt, ap);
	va_end(ap);
}

void record_error(struct record *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_line(r, "! ", fmt, ap);
	va_end(ap);
	fputs("sendas-testserver: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
