/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_dotstuff.c: SMTP transparency as a streaming step. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"
#include "tap.h"

/* Stuff in one go, or split into chunks of size step. */
static char *stuff(const char *in, size_t step)
{
	size_t n = strlen(in), off = 0, o = 0;
	char *out = malloc(2 * n + 1);
	int bol = 1;

	while (off < n) {
		size_t k = n - off < step ? n - off : step;

		o += dotstuff(in + off, k, &bol, out + o);
		off += k;
	}
	out[o] = '\0';
	return out;
}

static void check(const char *in, const char *want, const char *what)
{
	size_t step;
	char *got;
	int all = 1;

	got = stuff(in, (size_t)-1);
	is_str(got, want, "%s", what);
	free(got);
	for (step = 1; step <= 4; step++) {
		got = stuff(in, step);
		all &= strcmp(got, want) == 0;
		free(got);
	}
	ok(all, "%s, in chunks of 1 to 4 bytes", what);
}

int main(void)
{
	check("", "", "empty input");
	check("hello\r\n", "hello\r\n", "no dots");
	check(".\r\n", "..\r\n", "a lone dot is doubled");
	check("a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n", "dots at line starts");
	check("a.b\r\nx. \r\n", "a.b\r\nx. \r\n", "dots inside lines untouched");
	check(".\r\n.\r\n", "..\r\n..\r\n", "consecutive dot lines");
	return tap_done();
}
