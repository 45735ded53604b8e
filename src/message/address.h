/* SPDX-License-Identifier: GPL-3.0-or-later */
/* address.h: mailbox syntax, IDN A-labels, "needs SMTPUTF8".  Pure.
 *
 * One parser reads every address sendas is given: the recipients on the
 * command line (each argument is an RFC 5322 address list, as Postfix and
 * sendmail read them: "a@b, Joe <c@d>" works), -f, and the To/Cc/Bcc/From/
 * Resent-* fields of the header (already unfolded).  It knows display names,
 * quoted local parts, nested comments, groups ("undisclosed-recipients:;",
 * "team: a@b, c@d;"), angle addresses with obsolete routes, and encoded words
 * in display names (they are atoms of a phrase, so they are skipped).
 *
 * Every address that comes out is normalised for the envelope:
 *   - CR, LF or NUL anywhere in the input is refused: header injection;
 *   - the local part is sent as a dot-atom when it is one, else quoted;
 *   - the domain is turned into its A-label (libidn2, UTS #46 non-transitional)
 *     and checked for LDH syntax ourselves, since libidn2 passes ASCII through
 *     unvalidated; domain literals ([192.0.2.1], [IPv6:...]) are checked too;
 *   - a non-ASCII local part cannot be converted: it needs SMTPUTF8 (RFC 6531),
 *     which the list records.
 * An address without a domain ("root", as cron and systemd units write it) is
 * kept as it is: the submission server qualifies or refuses it.
 *
 * Errors are CAT_INPUT, with a sentence that names the offending address. */
#ifndef SENDAS_ADDRESS_H
#define SENDAS_ADDRESS_H

#include <stddef.h>

#include "error.h"

#define ADDRESS_MAX 254          /* RFC 5321 4.5.3.1.3: a path is 256 with <> */
#define ADDRESS_DOMAIN_MAX 253   /* a DNS name in text form, without the root dot */
#define ADDRESS_LABEL_MAX 63     /* RFC 1035 */
#define ADDRESS_LIST_MAX 10000   /* addresses in one list: more is a mistake */
#define ADDRESS_QUOTE_MAX 80     /* characters of a bad address shown in a message */

/* An ordered set of normalised addresses; duplicates (same local part, domain
 * compared case-insensitively) are kept once, at their first place. */
struct address_list {
	char **addrs;            /* owned; addrs[n] is NULL */
	size_t n;
	int smtputf8;            /* some local part is not ASCII */
	size_t cap;              /* private from here on */
	size_t *slots;           /* hash set of indexes + 1; 0 is empty */
	size_t nslots;
};

void address_list_init(struct address_list *l);
void address_list_release(struct address_list *l);

/* Add every mailbox of an address list (a header value or a command-line
 * argument).  Groups contribute their members, empty groups nothing.  On
 * error nothing of text is added. */
int address_list_parse(struct address_list *l, const char *text, struct error *err);
/* The same for text that may contain NUL bytes (len octets). */
int address_list_parse_mem(struct address_list *l, const char *text, size_t len,
			   struct error *err);

/* Exactly one mailbox ("a@b", "<a@b>", "Joe <a@b>", "a@b (Joe)"): the
 * envelope sender.  "" and "<>" give "" (the null sender).  Returns a new
 * string; *smtputf8 (may be NULL) says whether it needs SMTPUTF8. */
char *address_mailbox(const char *text, int *smtputf8, struct error *err);

/* The first mailbox of an address list as a new string, or NULL when the
 * list has none (err is then left alone) or is invalid (err set). */
char *address_first(const char *text, struct error *err);

/* The one domain normaliser, for addresses and for the account file alike.
 * d (NUL-terminated): a "[...]" address literal, checked to be an IPv4 or
 * "IPv6:" address; or a domain name, turned into its A-label when it is not
 * ASCII (libidn2, UTS #46 non-transitional) and checked for LDH syntax
 * (labels of 1..63 letters, digits and inner hyphens, at most
 * ADDRESS_DOMAIN_MAX bytes, no trailing dot).  Appends the result to out,
 * ASCII letters lowercased when fold.  NULL, or the reason that d is not
 * a domain, untranslated (a msgid for gettext() or error_word(), error.h;
 * libidn2's own words as it gives them); out is then as it was. */
struct buf;
const char *address_domain_normalise(const char *d, int fold, struct buf *out);

/* address_domain_normalise(domain, fold) as a new string, or NULL and err
 * (CAT_INPUT: "\"DOMAIN\" is not a valid domain name: why"). */
char *address_domain_alabel(const char *domain, struct error *err);

/* The domain part of a normalised address (after the last '@'), or NULL. */
const char *address_domain(const char *addr);

/* Whether n octets are well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).  In pieces: *state starts at 0 and is
 * the number of continuation bytes still expected plus the constraint on the
 * next one; returns 0 once malformed (and stays so), else 1.  An input is
 * complete and valid when the last call returned 1 with *state back at 0. */
int utf8_feed(unsigned *state, const unsigned char *p, size_t n);

/* A copy of s fit for an error message: controls and non-UTF-8 bytes as
 * \r, \n, \xNN; cut to ADDRESS_QUOTE_MAX characters with "...".  out must
 * hold ADDRESS_QUOTE_MAX * 4 + 4 bytes. */
#define ADDRESS_QUOTE_SIZE (ADDRESS_QUOTE_MAX * 4 + 4)
const char *address_quote(char out[ADDRESS_QUOTE_SIZE], const char *s, size_t len);

#endif
