/* test_escape.c: the one escaping function for text from outside (issue 13
 * #5 and #13). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tap.h"

static void check(const char *in, size_t n, const char *want, const char *what)
{
	char out[256], again[256];
	struct buf b;

	escape_into(out, sizeof out, in, n);
	is_str(out, want, "%s", what);
	escape_into(again, sizeof again, out, strlen(out));
	is_str(again, want, "%s: escaping again changes nothing", what);
	buf_init(&b, 1024);
	escape_add(&b, in, n);
	is_str(buf_str(&b), want, "%s: escape_add agrees", what);
	buf_release(&b);
}

#define CHECK(lit, want, what) check(lit, sizeof lit - 1, want, what)

int main(void)
{
	char small[8];
	char *d;

	CHECK("250 2.0.0 Ok: queued", "250 2.0.0 Ok: queued", "plain text stays");
	CHECK("550 \x1b[31mred\x1b[0m", "550 \\x1B[31mred\\x1B[0m", "ESC (colours)");
	CHECK("\x1b]8;;http://evil.test\x1b\\click\x1b]8;;\x1b\\",
	      "\\x1B]8;;http://evil.test\\x1B\\click\\x1B]8;;\\x1B\\", "OSC 8 hyperlink");
	CHECK("ok\bX\r\n\t\x7f", "ok\\x08X\\x0D\\x0A\\x09\\x7F", "backspace, CR, LF, tab, DEL");
	CHECK("a\0b", "a\\x00b", "NUL");
	CHECK("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac", "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac",
	      "UTF-8 text stays");
	CHECK("\xc2\x9b" "31m", "\\xC2\\x9B31m", "C1 CSI in UTF-8");
	CHECK("\x9b" "31m", "\\x9B31m", "a lone 8-bit CSI");
	CHECK("abc\xe2\x80\xae" "cba", "abc\\xE2\\x80\\xAEcba", "right-to-left override");
	CHECK("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80",
	      "\\xC0\\xAF \\xED\\xA0\\x80 \\xF4\\x90\\x80\\x80",
	      "overlong, surrogate, past U+10FFFF");
	CHECK("cut \xe2\x82", "cut \\xE2\\x82", "a character cut short");
	ok(escape_into(small, 5, "ab\x1b" "cd", 5) == 2 && strcmp(small, "ab") == 0,
	   "never half an escape");
	ok(escape_into(small, sizeof small, "abcd\xe2\x82\xac", 7) == 7,
	   "a character that fits is whole");
	ok(escape_into(small, sizeof small, "abcde\xe2\x82\xac", 8) == 5 &&
	   strcmp(small, "abcde") == 0, "never half a character");
	d = escape_dup("x\x1by");
	is_str(d, "x\\x1By", "escape_dup");
	free(d);
	return tap_done();
}
