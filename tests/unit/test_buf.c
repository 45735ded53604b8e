/* test_buf.c: struct buf keeps its maximum: checked adds refuse and stay
 * refused (sticky overflow), the _trunc adds for display cut visibly. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "tap.h"

static void test_checked(void)
{
	struct buf b;

	buf_init(&b, 8);
	ok(buf_adds(&b, "12345") == 0 && b.len == 5, "an add within the maximum");
	ok(buf_adds(&b, "6789") < 0, "an add past the maximum is refused");
	ok(b.len == 5 && strcmp(buf_str(&b), "12345") == 0, "and adds nothing");
	ok(b.overflow, "the overflow is remembered");
	ok(buf_addc(&b, 'x') < 0 && b.len == 5, "sticky: a later add that would fit is refused too");
	ok(buf_printf(&b, "%d", 1) < 0, "so is a printf");
	ok((buf_adds(&b, "a") | buf_adds(&b, "b")) < 0, "a run of adds is checked once");
	buf_reset(&b);
	ok(!b.overflow && buf_adds(&b, "12345678") == 0 && b.len == 8,
	   "buf_reset starts over: exactly the maximum fits");
	buf_release(&b);
}

static void test_trunc(void)
{
	struct buf b;

	buf_init(&b, 6);
	buf_adds_trunc(&b, "abcd");
	ok(b.len == 4 && !b.truncated, "a display add that fits");
	buf_adds_trunc(&b, "\xc3\xa9\xc3\xa9");   /* éé: 4 bytes, room for 2 */
	ok(b.len == 6 && strcmp(buf_str(&b), "abcd\xc3\xa9") == 0 && b.truncated,
	   "cut where it ends, at a character boundary, and said so");
	buf_reset(&b);
	buf_adds_trunc(&b, "abcde");
	buf_adds_trunc(&b, "\xc3\xa9");
	ok(b.len == 5 && b.truncated, "never half a UTF-8 character");
	buf_reset(&b);
	buf_printf_trunc(&b, "%s-%d", "long text", 42);
	ok(b.len == 6 && strcmp(buf_str(&b), "long t") == 0 && b.truncated,
	   "printf_trunc: what fits of a longer text");
	buf_release(&b);
}

int main(void)
{
	test_checked();
	test_trunc();
	return tap_done();
}
