/* SPDX-License-Identifier: GPL-3.0-or-later */
/* neutral.h: a message kept so that it can be shown in any language.
 *
 * A translated sentence is fixed in the language of whoever made it.  What
 * outlives the process (the queue's reasons, queue.h) must be shown in the
 * language of whoever reads it: root's German mailq over a message that the
 * systemd timer (LANG=C) deferred.  So an error (error.h) also keeps its
 * message language-neutral: the msgid (the untranslated printf format) and
 * its arguments, each rendered once, with its own conversion, into a string.
 * Rendering looks the msgid up with gettext() in the reader's locale and puts
 * the stored strings in, in order or by position ("%2$s", as translators
 * may reorder them); "%%" is a percent sign.  A translation whose
 * conversions do not match the msgid's is not used (the msgid is).
 *
 * An argument can itself be a message: NEUTRAL_WORD before a msgid (a word
 * such as "its deadline", translated when rendered: error_word() in
 * error.h), NEUTRAL_LIBRARY before "DOMAIN/MSGID" (a message of a library
 * that translates its own, GnuTLS's say: dgettext(DOMAIN) when rendered,
 * error_library() in error.h), NEUTRAL_ERRNO before a decimal errno or "g" and an EAI_ code
 * (strerror() or gai_strerror() when rendered, error_errno() and
 * error_gai() in error.h: the C library translates them too), or
 * NEUTRAL_NESTED before an encoded message (an error inside another,
 * error_arg() in error.h).  Everything else is literal: a host name, a
 * number, the server's reply (already escaped: not ours to translate).
 *
 * The encoding is one line of printable text (it goes into queue records
 * as it is):
 *   message := KIND MSGID *( " " ARG )
 *   KIND    := "_" (MSGID is translated)  /  "!" (MSGID is used as it is)
 *   ARG     := "=" TEXT                   a literal string
 *            / "@" LENGTH ":" message     a message of LENGTH bytes
 *            / "$" DOMAIN "/" MSGID       a library's message (dgettext())
 *            / "#" ERRNO                  a system error (strerror(), 1 to 4095)
 *            / "#g-" N                    a resolver error (gai_strerror(-N))
 * DOMAIN is 1 to 32 of a-z 0-9 _ - (a text domain, no path).
 * MSGID and TEXT are percent-encoded: every byte up to and including space,
 * DEL and "%" becomes "%XX" (upper-case hex); all else, UTF-8 included,
 * stays.  LENGTH is decimal.  At most NEUTRAL_ARGS_MAX arguments per
 * message and NEUTRAL_DEPTH_MAX levels; a stored message is NEUTRAL_MAX
 * bytes at most, with its NUL.  Only d i o u x X c s p e E f F g G a A
 * conversions with the C length modifiers (no %n, no %m, no "N$" in a
 * msgid) are kept; anything else makes neutral_vencode() fail, and the
 * caller keeps the translated text alone. */
#ifndef SENDAS_NEUTRAL_H
#define SENDAS_NEUTRAL_H

#include <stdarg.h>
#include <stddef.h>

#define NEUTRAL_MAX 3072
#define NEUTRAL_ARGS_MAX 16
#define NEUTRAL_DEPTH_MAX 16
#define NEUTRAL_WORD "\x1f"       /* an argument that is a msgid */
#define NEUTRAL_NESTED "\x1e"     /* an argument that is an encoded message */
#define NEUTRAL_ERRNO "\x1d"      /* an argument that is an errno, in decimal */
#define NEUTRAL_LIBRARY "\x1c"    /* an argument that is "DOMAIN/MSGID" */
#define NEUTRAL_DOMAIN_MAX 32
#define NEUTRAL_ERRNO_MAX 4095

/* Encode fmt (translate: a msgid to translate when rendering; else used as
 * it is) with ap into out (size bytes).  0, or -1 when it does not fit or
 * fmt has a conversion that is not kept (out is then ""). */
int neutral_vencode(char *out, size_t size, int translate, const char *fmt, va_list ap);
int neutral_encode(char *out, size_t size, int translate, const char *fmt, ...);

/* Render the encoded msg in the current locale into out (size > 0; cut at
 * size - 1 bytes, never inside a UTF-8 character).  0, or -1 when msg is
 * malformed (out is then ""): a queue file is outside data. */
int neutral_render(const char *msg, char *out, size_t size);

/* The same with another catalogue: translate(msgid, ctx) returns the
 * translation or msgid itself (gettext()'s contract).  For the tests. */
typedef const char *neutral_translate_fn(const char *msgid, void *ctx);
int neutral_render_in(const char *msg, neutral_translate_fn *translate, void *ctx,
		      char *out, size_t size);

#endif
