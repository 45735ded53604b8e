/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_json.c: the JSON writer: structure, escaping, UTF-8 repair, misuse. */
#include "config.h"

#include <string.h>

#include "json.h"
#include "tap.h"

/* s (n bytes) as a JSON string body. */
static const char *escaped(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	json_escape(b, s, n);
	return buf_str(b);
}

static void test_escape(void)
{
	struct buf b;

	buf_init(&b, 1024);
	is_str(escaped(&b, "a\"b\\c", 5), "a\\\"b\\\\c", "quote and backslash");
	is_str(escaped(&b, "\n\r\t\b\f", 5), "\\n\\r\\t\\b\\f", "short escapes");
	is_str(escaped(&b, "\x01\x1f\x7f", 3), "\\u0001\\u001f\\u007f", "other controls");
	is_str(escaped(&b, "a\0b", 3), "a\\u0000b", "NUL inside");
	is_str(escaped(&b, "fa\xc3\x9f \xe2\x82\xac \xf0\x9f\x93\xa7", 13),
	       "fa\xc3\x9f \xe2\x82\xac \xf0\x9f\x93\xa7", "valid UTF-8 passes");
	is_str(escaped(&b, "a\xff" "b", 3), "a\xef\xbf\xbd" "b", "a stray byte becomes U+FFFD");
	is_str(escaped(&b, "\xc0\xaf", 2), "\xef\xbf\xbd\xef\xbf\xbd", "overlong '/' refused");
	is_str(escaped(&b, "\xed\xa0\x80", 3), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	       "a surrogate refused");
	is_str(escaped(&b, "\xf4\x90\x80\x80", 4),
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "beyond U+10FFFF refused");
	is_str(escaped(&b, "x\xe2\x82", 3), "x\xef\xbf\xbd\xef\xbf\xbd", "a truncated sequence");
	is_str(escaped(&b, "\xe2\x82" "A", 3), "\xef\xbf\xbd\xef\xbf\xbd" "A",
	       "a sequence cut by ASCII keeps the ASCII");
	buf_release(&b);
}

static void test_document(void)
{
	struct buf b;
	struct json j;

	buf_init(&b, 1024);
	json_init(&j, &b);
	json_object_begin(&j, NULL);
	json_string(&j, "s", "x");
	json_string(&j, "n", NULL);
	json_int(&j, "i", -42);
	json_bool(&j, "t", 1);
	json_array_begin(&j, "a");
	json_int(&j, NULL, 1);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_begin(&j, NULL);
	json_array_end(&j);
	json_null(&j, NULL);
	json_array_end(&j);
	json_string_len(&j, "k\"ey", "ab", 1);
	json_object_end(&j);
	ok(json_finish(&j) == 0, "a whole document");
	is_str(buf_str(&b), "{\"s\":\"x\",\"n\":null,\"i\":-42,\"t\":true,\"a\":[1,{},[],null],"
	       "\"k\\\"ey\":\"a\"}", "compact, commas and nesting right");
	buf_release(&b);
}

static int misuse(int what)
{
	struct buf b;
	struct json j;
	int i, r;

	buf_init(&b, what == 4 ? 8 : 1024);
	json_init(&j, &b);
	json_object_begin(&j, NULL);
	if (what == 0)
		json_int(&j, NULL, 1);          /* no key in an object */
	if (what == 1) {
		json_array_begin(&j, "a");
		json_int(&j, "k", 1);           /* a key in an array */
		json_array_end(&j);
	}
	if (what == 2)
		json_array_end(&j);             /* closing what is not open */
	for (i = 0; what == 3 && i < JSON_DEPTH_MAX; i++)
		json_object_begin(&j, "d");     /* too deep */
	if (what == 4)
		json_string(&j, "long", "does not fit in 8 bytes");
	if (what != 5)
		json_object_end(&j);            /* 5: left open */
	r = json_finish(&j);
	buf_release(&b);
	return r;
}

int main(void)
{
	test_escape();
	test_document();
	ok(misuse(0) < 0, "a value without a key in an object fails");
	ok(misuse(1) < 0, "a key inside an array fails");
	ok(misuse(2) < 0, "closing the wrong kind fails");
	ok(misuse(3) < 0, "nesting deeper than JSON_DEPTH_MAX fails");
	ok(misuse(4) < 0, "a full buffer fails");
	ok(misuse(5) < 0, "an unclosed object fails");
	return tap_done();
}
