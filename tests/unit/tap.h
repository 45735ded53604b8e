/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tap.h: the smallest TAP producer, for tests/unit.
 *
 * Each test program prints "1..N" at the end (a trailing plan is valid TAP)
 * and one "ok"/"not ok" line per check; automake's tap-driver counts them.
 * A failed check also prints the expression, file and line as a diagnostic. */
#ifndef SENDAS_TAP_H
#define SENDAS_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap {
	int n;
	int failed;
};

static struct tap tap_state;

#define ok(cond, ...) tap_ok(!!(cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

#include <stdarg.h>

/* Print one result line; count a failure. */
static inline int tap_result(int pass, const char *fmt, va_list ap)
{
	tap_state.n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_state.n);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass)
		tap_state.failed++;
	return pass;
}

static inline int tap_ok(int pass, const char *expr, const char *file, int line,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static inline int tap_ok(int pass, const char *expr, const char *file, int line,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("# failed: %s at %s:%d\n", expr, file, line);
	fflush(stdout);
	return pass;
}

/* Compare strings, showing both on failure. */
static inline int tap_is_str(const char *got, const char *want, const char *file,
			     int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static inline int tap_is_str(const char *got, const char *want, const char *file,
			     int line, const char *fmt, ...)
{
	int pass = got && want ? strcmp(got, want) == 0 : got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("# at %s:%d\n#   got:  '%s'\n#   want: '%s'\n", file, line,
		       got ? got : "(null)", want ? want : "(null)");
	fflush(stdout);
	return pass;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_state.n);
	return tap_state.failed ? 1 : 0;
}

/* Test input is built with must(buf_add(...)): a full buffer breaks the
 * test ("Bail out!"), it never becomes a silent result. */
#define must(expr) tap_must((expr) == 0, #expr)

static inline void tap_must(int good, const char *what)
{
	if (!good) {
		printf("Bail out! building the test input failed: %s\n", what);
		exit(1);
	}
}

#endif
