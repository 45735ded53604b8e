/* SPDX-License-Identifier: GPL-3.0-or-later */
/* message.h: the message from stdin, spooled and scanned in one pass.
 *
 * The input is read once.  The header section stays in memory (bounded);
 * the body goes to an unlinked spool file in canonical form: every line ends
 * in CRLF (bare LF and bare CR become CRLF, so nothing can be smuggled: SMTP
 * smuggling, Dec 2023), the last line too.  Memory use does not grow with the
 * message.  Unless -i, a line with a single "." ends the input (sendmail
 * semantics).  A NUL byte is refused with its line number (CAT_INPUT).
 *
 * Why the header is not in the spool: every change sendas makes is to the
 * header (Bcc dropped; Date, Message-ID, From added; MIME fields when the body
 * is re-encoded).  Keeping it apart means no change ever rewrites a 50 MB
 * spool: message_prepare() builds the header block to send (m->prefix) from
 * the header as read, minus the fields to drop, plus the fields to add.  The
 * engine sends m->prefix, then the spool from offset 0 (struct smtp_content).
 * Only a re-encoding (lines over 998 octets, or 8-bit text for a server
 * without 8BITMIME) writes a new spool, because the body itself changes.
 *
 * A message that does not start with a header (`echo hi | sendas a@b`) has
 * an empty header and all of it as body; a first line "From " (an mbox
 * separator) is dropped, as Postfix does.
 *
 * Use:
 *   message_init(&m);
 *   message_read(0, &opts, &m, &err);           stdin ⇒ header + spool
 *   message_envelope_rcpts(&m, o.rcpts, o.nrcpts, o.read_recipients, &l, &err);
 *   message_prepare(&m, &(struct message_prepare){ sender, full_name, time(NULL) }, &err);
 *   ...smtp_open(); if the server lacks 8BITMIME and m.has_8bit:
 *   message_make_7bit(&m, &err);
 *   content = { m.prefix.data, m.prefix.len, m.fd, message_size(&m) };
 *   envelope.body_8bit = m.has_8bit; envelope.smtputf8 = l.smtputf8 || sender's;
 *   message_release(&m); */
#ifndef SENDAS_MESSAGE_H
#define SENDAS_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "address.h"
#include "buf.h"
#include "error.h"

#define MESSAGE_HEADER_MAX (1024 * 1024)  /* the header section we keep */
#define MESSAGE_ADDED_MAX 4096            /* the fields sendas adds */
#define MESSAGE_PREFIX_MAX (2 * MESSAGE_HEADER_MAX + 2 * MESSAGE_ADDED_MAX)  /* folded, traced */
#define MESSAGE_LINE_MAX 998              /* RFC 5322 2.1.1, octets without CRLF */
#define MESSAGE_FOLD_WIDTH 78             /* RFC 5322 2.1.1: where a fold should be */
#define MESSAGE_QP_LINE_MAX 76            /* RFC 2045 6.7 (5), with the soft break */
#define MESSAGE_ID_RANDOM 16              /* random bytes in a Message-ID we make */

struct message_options {
	int ignore_dots;          /* -i: a lone "." is content */
	const char *spool_dir;    /* NULL: $TMPDIR or /tmp */
	size_t read_size;         /* bytes per read(), at most the default; 0: the
				   * default.  Tests use tiny ones to put chunk
				   * boundaries everywhere. */
};

struct message {
	int fd;                   /* the spool (the body), read with pread from 0 */
	off_t size;               /* bytes in the spool */
	struct buf header;        /* the header section as read: CRLF lines, without
				   * the empty line that ends it */
	off_t body_offset;        /* always 0: the spool holds the body alone */
	unsigned long lines;      /* lines read, up to the lone dot */
	size_t longest_line;      /* octets, without CRLF, as read */
	int has_8bit;             /* a byte >= 0x80 in the header or the body sent */
	int header_8bit;
	int body_8bit;
	unsigned long header_line;      /* the input line where the header starts */
	unsigned long body_line;        /* the input line where the body starts */
	unsigned long header_long_line; /* first header line over MESSAGE_LINE_MAX; 0: none */
	unsigned long body_long_line;   /* first body line over MESSAGE_LINE_MAX; 0: none */
	int reencoded;            /* the body was re-encoded quoted-printable */
	char *spool_dir;          /* where the spool lives (for a re-encoded one) */
	struct buf added;         /* header fields sendas adds (CRLF lines) */
	struct buf trace;         /* trace fields put first (a Received field of
				   * the server side), CRLF lines */
	unsigned drop;            /* MESSAGE_DROP_* bits: fields left out */
	struct buf prefix;        /* what to send before the spool: message_prepare() */
};

/* Header fields left out of the prefix. */
enum {
	MESSAGE_DROP_BCC = 1 << 0,         /* Bcc and Resent-Bcc: never sent */
	MESSAGE_DROP_CTE = 1 << 1,         /* Content-Transfer-Encoding: re-encoded */
	MESSAGE_RENAME_FROM = 1 << 2,      /* not dropped: From sent as X-Original-From */
};

/* The choices message_prepare() needs from the caller. */
struct message_prepare {
	const char *sender;       /* the envelope sender as sent ("": null sender):
				   * From when missing, the Message-ID domain */
	const char *full_name;    /* -F, or NULL */
	time_t now;               /* for a Date field */
	const unsigned char *random;  /* MESSAGE_ID_RANDOM bytes for a Message-ID
				       * (tests); NULL: getrandom() */
	/* rewrite_from: the sender before it was rewritten to sender, or NULL.
	 * When the From field names it (compared as message_from_address()
	 * gives it, case-insensitively) or there is no From field, the message
	 * goes out "From: sender" (with full_name), and the old field is kept
	 * as it was, renamed X-Original-From (with no From field, the original
	 * sender is put there).  A From field naming someone else is left
	 * alone: the caller chose the envelope sender on purpose (-f). */
	const char *original_sender;
	/* With original_sender: the From field's display name ("CronDaemon"
	 * in "CronDaemon <root@host>", "Cron Daemon" in "root (Cron Daemon)")
	 * goes with the rewritten address, before full_name.  A From field
	 * names the original sender also when both are local (mailname.h)
	 * with the same local part: "root" and "root@host". */
	int keep_display_name;
	/* A trace field (CRLF-terminated lines, at most MESSAGE_ADDED_MAX) to
	 * put above every other field, as RFC 5321 4.4 wants a Received field;
	 * NULL: none. */
	const char *trace;
};

void message_init(struct message *m);
void message_release(struct message *m);

/* Read in_fd to its end (or the lone dot) into m, fresh from message_init().
 * Errors: CAT_INPUT (NUL
 * byte, header section over MESSAGE_HEADER_MAX), CAT_IO (read or spool write
 * failed: the text says which). */
int message_read(int in_fd, const struct message_options *o, struct message *m,
		 struct error *err);

/* The value of the first header field called name (case-insensitive),
 * unfolded, without leading and trailing white space, as a new string; NULL
 * when there is none. */
char *message_header(const struct message *m, const char *name);

/* The first address of the From: field ("a@b", without display name,
 * comments or angle brackets, domain as A-label) as a new string, or NULL
 * when there is none or it is not valid. */
char *message_from_address(const struct message *m);

/* The same, telling the cases apart: 1 and *addr (a new string) when the
 * From field has an address; 0 when there is no From field (or it names no
 * mailbox); -1 and err (CAT_INPUT) when it cannot be parsed, naming the
 * field and quoting it (as address.c quotes: escaped, bounded). */
int message_from(const struct message *m, char **addr, struct error *err);

/* -t: add the addresses of To, Cc and Bcc to l; or, when the header has
 * Resent- fields, those of Resent-To, Resent-Cc and Resent-Bcc in the first
 * (topmost, the newest) block of Resent- fields.  Errors: CAT_INPUT naming
 * the field and the address. */
int message_recipients(const struct message *m, struct address_list *l,
		       struct error *err);

/* The envelope recipients: every argument (each an address list, as Postfix
 * reads them), then with from_header those of message_recipients().
 * Errors: CAT_INPUT (a bad address), CAT_USAGE (no recipient at all). */
int message_envelope_rcpts(const struct message *m, const char *const *args,
			   size_t nargs, int from_header, struct address_list *l,
			   struct error *err);

/* Make the message ready to send (once, before message_make_7bit): Bcc and Resent-Bcc left out; Date,
 * Message-ID and From added when missing (From only with a sender: "-F name
 * <sender>", RFC 2047 when the name is not ASCII); From rewritten for
 * rewrite_from (original_sender above); a body with lines over
 * MESSAGE_LINE_MAX re-encoded quoted-printable when it is not MIME or is one
 * text part (MIME fields added or adjusted); m->prefix built.  Errors:
 * CAT_INPUT with the line number (a long header line; a long body line in a
 * message that cannot be re-encoded), CAT_IO (the new spool), CAT_INTERNAL
 * (no random bytes). */
int message_prepare(struct message *m, const struct message_prepare *p,
		    struct error *err);

/* For a server without 8BITMIME: re-encode an 8-bit body quoted-printable
 * when that is possible (as above), and rebuild m->prefix; nothing to do for
 * a 7-bit message.  Errors: CAT_INPUT (8-bit header, or a body that cannot be
 * re-encoded), CAT_IO. */
int message_make_7bit(struct message *m, struct error *err);

/* Append now as an RFC 5322 date-time in local time, "Thu, 4 Dec 2026
 * 14:28:25 +0000" (English names whatever the locale); -1 when b is full. */
int message_date(struct buf *b, time_t now) BUF_CHECKED;

/* What goes on the wire before dot-stuffing: the prefix and the spool. */
off_t message_size(const struct message *m);

#endif
