/* msmtprc.h: an msmtp configuration file turned into a sendas account file.
 * Pure: text in, text out; no I/O, no environment.
 *
 * msmtp's syntax (msmtp.texi "Configuration files", 1.8.x): one command a
 * line ("host smtp.example.org"), "#" starts a comment line only at the
 * start, an argument in double quotes loses them (no escapes, no inline
 * comments); "defaults" sets values for the accounts that follow;
 * "account NAME [: A, B]" starts an account from the current defaults and
 * then takes every setting A and B made (their own or inherited), in order;
 * a command before any "account" opens the account "default".
 *
 * The output has no [defaults]: every account is written out whole, so that
 * it reads the same whatever comes before it.  Ports and TLS are always
 * written, since msmtp's defaults (port 25, no TLS, no AUTH) are not
 * sendas's.  A setting sendas has no place for becomes a "# msmtp: ..."
 * comment in its account and a warning "FILE:LINE: ..." (one per msmtprc
 * line, however many accounts inherit it).  The account "default" is also
 * the one for any sender ("from = ..., *"), as msmtp falls back to it.
 * An account without host or from cannot be written; it becomes a comment
 * and a warning.
 *
 * Errors (CAT_CONFIG, "FILE:LINE: ..."): an "account" line without a name,
 * an unknown parent, a second account of the same name, a NUL byte, a line
 * longer than MSMTPRC_LINE_MAX, no account at all. */
#ifndef SENDAS_MSMTPRC_H
#define SENDAS_MSMTPRC_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "error.h"

#define MSMTPRC_LINE_MAX 16384    /* as CONF_LINE_MAX: what the output can hold */
#define MSMTPRC_ACCOUNTS_MAX 1000 /* accounts in one file */
#define MSMTPRC_OUT_MAX (4 * 1024 * 1024)

/* Convert text (len bytes, msmtprc syntax) read from path (for messages
 * and the header comment).  out must be initialised (buf_init with at least
 * MSMTPRC_OUT_MAX); the account file is appended.  warn(ctx, text) gets
 * each warning when not NULL.  Returns the number of accounts written, or
 * -1 and err. */
int msmtprc_convert(const char *text, size_t len, const char *path, struct buf *out,
		    void (*warn)(void *ctx, const char *text), void *ctx, struct error *err);

/* msmtp's places, in its order: ~/.msmtprc, $XDG_CONFIG_HOME/msmtp/config
 * (~/.config/msmtp/config when unset or relative), /etc/msmtprc.  home may
 * be NULL (then only /etc/msmtprc).  Fills places (new strings) and returns
 * how many. */
size_t msmtprc_places(const char *home, const char *xdg_config_home, char *places[3]);

/* msmtp's settings as its command line gives them (--host, --port,
 * --tls ...), in msmtp's words.  Strings are borrowed; NULL: msmtp's
 * default. */
struct msmtp_settings {
	const char *host;
	const char *port;         /* default: 25, or 465 with TLS without STARTTLS */
	const char *tls;          /* "on" or "off"; default off */
	const char *tls_starttls; /* "on" or "off"; default on */
	const char *tls_trust_file;
	const char *tls_fingerprint;
	const char *auth;         /* "on", "off" or a method; default off */
	const char *user;
	const char *passwordeval;
	const char *domain;
};

/* c as if its account file held one account, "command-line", made of s
 * (host must be set): it sends for any sender (from = *), keeps no queue
 * (msmtp has none).  c needs no initialisation; conf_release() frees it. */
void msmtprc_cmdline_conf(const struct msmtp_settings *s, struct conf *c);

#endif
