/* test_neutral.c: errors kept language-neutral and rendered again in
 * another language (issue 19, "mailq reasons mix languages"). */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "neutral.h"
#include "tap.h"

/* A small German catalogue, with the reorderings translators make. */
static const char *const german[][2] = {
	{ "%s refused %s: %d %s", "%1$s hat %2$s abgelehnt: %3$d %4$s" },
	{ "cannot read %s: %s", "%s kann nicht gelesen werden: %s" },
	{ "%s after %d seconds", "nach %2$d Sekunden: %1$s" },
	{ "its deadline", "ihre Frist" },
	{ "the session took longer than %s", "die Sitzung dauerte länger als %s" },
	{ "account %s", "Konto %s" },
	{ "in the %.*s field", "im Feld %.*s" },
	{ "%d%% done", "zu %d %% fertig" },
	{ "%s: wrong translation", "%s %s %s" },
	{ "%s; fix it", "%s; beheben Sie das" },
};

static const char *to_german(const char *msgid, void *ctx)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof german / sizeof german[0]; i++)
		if (strcmp(german[i][0], msgid) == 0)
			return german[i][1];
	return msgid;
}

static const char *as_is(const char *msgid, void *ctx)
{
	(void)ctx;
	return msgid;
}

static const char *fake_library(int code)
{
	static char text[64];

	snprintf(text, sizeof text, "the library's words %d", code);
	return text;
}

/* The error's neutral form rendered in German and in English. */
static void both(const struct error *e, const char *de, const char *en, const char *what)
{
	char out[ERROR_TEXT_MAX];

	ok(neutral_render_in(e->neutral, to_german, NULL, out, sizeof out) == 0,
	   "%s: renders", what);
	is_str(out, de, "%s: in German", what);
	ok(neutral_render_in(e->neutral, as_is, NULL, out, sizeof out) == 0,
	   "%s: renders again", what);
	is_str(out, en, "%s: in English", what);
}

static void test_set(void)
{
	struct error e, inner;
	char arg[ERROR_ARG_MAX], word[ERROR_WORD_MAX];

	error_set(&e, CAT_TEMPORARY, N_("%s refused %s: %d %s"), "mx.example", "RCPT", 451,
		  "4.3.0 try later");
	is_str(e.text, "mx.example refused RCPT: 451 4.3.0 try later",
	       "the text is rendered in the current locale (C)");
	ok(e.neutral[0] == '_' && !strchr(e.neutral, '\n'), "a neutral form: %s", e.neutral);
	both(&e, "mx.example hat RCPT abgelehnt: 451 4.3.0 try later",
	     "mx.example refused RCPT: 451 4.3.0 try later", "positional %1$s .. %4$s");

	error_set(&e, CAT_IO, N_("%s after %d seconds"), "gave up", 30);
	both(&e, "nach 30 Sekunden: gave up", "gave up after 30 seconds",
	     "a translation that reorders");

	error_set(&e, CAT_IO, N_("%d%% done"), 50);
	both(&e, "zu 50 % fertig", "50% done", "%% in the msgid and the translation");

	error_set(&e, CAT_IO, N_("in the %.*s field"), 4, "Fromxyz");
	both(&e, "im Feld From", "in the From field", "%.*s: the precision is applied once");

	error_set(&e, CAT_IO, N_("%5.1f|%-4s|%lu|%zu|%lld|%x|%c"), 3.14159, "ab", 7ul,
		  (size_t)8, -9ll, 255u, 'z');
	both(&e, "  3.1|ab  |7|8|-9|ff|z", "  3.1|ab  |7|8|-9|ff|z",
	     "each conversion rendered with its own spec");

	error_set(&e, CAT_TIMEOUT, N_("the session took longer than %s"),
		  error_word(N_("its deadline"), word));
	both(&e, "die Sitzung dauerte länger als ihre Frist",
	     "the session took longer than its deadline", "a word argument is translated");

	error_set(&e, CAT_IO, N_("cannot read %s: %s"), "/x", error_errno(ENOENT, word));
	is_str(e.text, "cannot read /x: No such file or directory", "an errno: strerror()");
	ok(strstr(e.neutral, " #2") != NULL, "kept as its number: %s", e.neutral);
	both(&e, "/x kann nicht gelesen werden: No such file or directory",
	     "cannot read /x: No such file or directory", "an errno (C locale: strerror)");
	error_set(&e, CAT_DNS, N_("%s after %d seconds"), error_gai(EAI_NONAME, word), 5);
	is_str(e.text, "Name or service not known after 5 seconds", "a resolver error");
	ok(strstr(e.neutral, " #g-") != NULL, "kept as its code: %s", e.neutral);

	error_set(&e, CAT_TLS, N_("cannot read %s: %s"), "tls",
		  error_library("sendas-none", fake_library, 7, word));
	is_str(e.text, "cannot read tls: the library's words 7", "a library's words");
	ok(strstr(e.neutral, " $sendas-none/the%20library's%20words%207") != NULL,
	   "kept with its text domain: %s", e.neutral);
	both(&e, "tls kann nicht gelesen werden: the library's words 7",
	     "cannot read tls: the library's words 7", "a library's words (its own catalogue)");

	error_set(&e, CAT_IO, N_("%s: wrong translation"), "x");
	both(&e, "x: wrong translation", "x: wrong translation",
	     "a translation that does not fit its msgid is not used");

	error_set(&inner, CAT_IO, N_("cannot read %s: %s"), "/etc/x", "Permission denied");
	error_prefix(&inner, N_("account %s"), "work");
	is_str(inner.text, "account work: cannot read /etc/x: Permission denied",
	       "error_prefix: the text as before");
	both(&inner, "Konto work: /etc/x kann nicht gelesen werden: Permission denied",
	     "account work: cannot read /etc/x: Permission denied", "error_prefix");

	error_set(&inner, CAT_IO, N_("%s; fix it"), error_arg(&inner, arg));
	both(&inner, "Konto work: /etc/x kann nicht gelesen werden: Permission denied; "
	     "beheben Sie das",
	     "account work: cannot read /etc/x: Permission denied; fix it",
	     "an error inside another (error_arg of itself)");

	error_set(&e, CAT_IO, N_("cannot read %s: %s"), "\x1e_a\nreason x", "\x1e" "bad");
	ok(!strchr(e.neutral, '\n') && strcmp(e.text, "cannot read \x1e_a\nreason x: \x1e" "bad") == 0,
	   "a string that only looks nested is a literal (no record injection)");

	error_append(&inner, N_("; and %s"), "more");
	ok(strstr(inner.text, "fix it; and more") != NULL, "error_append: %s", inner.text);
}

static void test_server_text(void)
{
	struct error e;
	char out[ERROR_TEXT_MAX];

	error_set(&e, CAT_TEMPORARY, N_("%s refused %s: %d %s"), "h", "MAIL", 450,
		  "100% sure\\x1B[31m a b\xc3\xbc");
	ok(neutral_render_in(e.neutral, to_german, NULL, out, sizeof out) == 0 &&
	   strcmp(out, "h hat MAIL abgelehnt: 450 100% sure\\x1B[31m a b\xc3\xbc") == 0,
	   "the server's words stay verbatim: %s", out);
	error_set_text(&e, CAT_UNAVAILABLE, "relayed %s words");
	both(&e, "relayed %s words", "relayed %s words", "error_set_text: verbatim");
	error_set(&e, CAT_AUTH_FAILED, N_("%s refused %s: %d %s"), "h", "AUTH", 501, "c2VjcmV0");
	error_redacted(&e, "h refused AUTH: 501 [redacted]");
	ok(!strstr(e.neutral, "c2VjcmV0"), "error_redacted: the secret leaves the neutral form");
	both(&e, "h refused AUTH: 501 [redacted]", "h refused AUTH: 501 [redacted]",
	     "error_redacted: the redacted text as it is");
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"", "x", "_%", "_%4", "_%00", "_a%20b =x", "_%25s", "_%25s =a =b", "_%25s @5:_a",
		"_%25s @x:_a", "_%25s @3:!%2", "_%25s =a\tb", "_%25n =1", "_%251$s =a",
		"_%25s  =a", "_%25s =a ", "_%25s #0", "_%25s #4096", "_%25s #g2", "_%25s #12a",
		"_%25s #", "_%25s #g-", "_%25s #123456789", "_%25s $x", "_%25s $/x",
		"_%25s $x/", "_%25s $../x/y", "_%25s $A/x", "_%25s $x/a%",
	};
	char out[64], deep[256];
	size_t i;
	int r = 0;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		r |= neutral_render_in(bad[i], as_is, NULL, out, sizeof out) == 0;
	ok(!r, "every malformed form is refused");
	snprintf(deep, sizeof deep, "_%%25s @%zu:%s", strlen("_%25s @4:_abc"), "_%25s @4:_abc");
	ok(neutral_render_in(deep, as_is, NULL, out, sizeof out) == 0 && !strcmp(out, "abc"),
	   "nested messages render: %s", out);
	memset(deep, 0, sizeof deep);
	memcpy(deep, "_x", 2);
	for (i = 0; i < NEUTRAL_DEPTH_MAX; i++) {
		char next[sizeof deep + 32];

		snprintf(next, sizeof next, "!%%25s @%zu:%s", strlen(deep), deep);
		memcpy(deep, next, sizeof deep - 1);
	}
	ok(neutral_render_in(deep, as_is, NULL, out, sizeof out) < 0,
	   "nesting deeper than NEUTRAL_DEPTH_MAX is refused");
	ok(neutral_render_in("_%25s =" "\xc3\xbc\xc3\xbc\xc3\xbc", as_is, NULL, out, 6) == 0 &&
	   strcmp(out, "\xc3\xbc\xc3\xbc") == 0, "cut, but not inside a character");
}

static void test_limits(void)
{
	struct error e;
	char big[2 * ERROR_TEXT_MAX];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	error_set(&e, CAT_IO, N_("cannot read %s: %s"), big, "x");
	ok(strlen(e.text) == ERROR_TEXT_MAX - 1, "a long argument: the text is cut as before");
	error_set(&e, CAT_IO, "%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s",
		  "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
		  "15", "16", "17");
	ok(e.neutral[0] == '\0' && strncmp(e.text, "1 2 3", 5) == 0,
	   "more than NEUTRAL_ARGS_MAX arguments: the text alone");
	error_restore(&e, CAT_TEMPORARY, "_bogus%", "old text");
	is_str(e.text, "old text", "error_restore: a bad form shows the stored text");
	error_restore(&e, CAT_TEMPORARY, NULL, "old text");
	is_str(e.text, "old text", "error_restore: no form shows the stored text");
}

int main(void)
{
	test_set();
	test_server_text();
	test_malformed();
	test_limits();
	return tap_done();
}
