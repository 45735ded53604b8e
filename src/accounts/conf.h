/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf.h: the account file (sendas-accounts(5)), parsed with inih.
 *
 * The file is INI: an optional [defaults] section whose keys every account
 * inherits, then [account NAME] sections.  Parsing is strict about what can
 * hurt (unknown sections, duplicate keys or sections, lines inih would split,
 * secrets in a file others can read) and lenient about what cannot (an
 * unknown key is a warning naming the closest known key).
 *
 * The rules, for the man page:
 * - [defaults] may appear once, before the first [account NAME]: a file then
 *   means what it says when read from the top.  NAME is letters, digits,
 *   "-", "_" and "." (at most CONF_NAME_MAX bytes); names are case-sensitive,
 *   the words "defaults" and "account" and all keys are not.
 * - [account NAME : PARENT] takes every key of PARENT (an account above)
 *   that NAME does not set, before [defaults], except from and rewrite_from;
 *   as with [defaults], no password source when NAME names one.  The account
 *   "default" without from or rewrite_from has from = * (msmtp's fallback).
 * - Quoted values lose one pair of enclosing double quotes (no escapes, as
 *   msmtp); from, rewrite_from and domain take msmtp's %U (not in domain),
 *   %H, %C and %M; auth "on" is "auto", "off" drops user (no login).
 * - Every account needs host, and from or rewrite_from.  from and
 *   rewrite_from belong to one account each, so they are refused in
 *   [defaults].  Every other key is inherited unless the account sets it.
 * - A key with an empty value ("user =") is set to nothing in that section:
 *   the [defaults] value is not inherited, built-in defaults apply.
 * - At most one of password, password_file, password_command per section;
 *   an account that names any of them inherits none of them.
 * - Lines are at most CONF_LINE_MAX bytes; there are no continuation lines
 *   (an indented line is an ordinary line); ";" or "#" starts a comment line,
 *   and " ;" (after white space) starts a comment at the end of a value, so a
 *   password containing " ;" belongs in password_file.  ":" also separates a
 *   key from its value (inih).
 * - tls is starttls (default), implicit or off; port is 1..65535 (default 587,
 *   465 with tls = implicit); timeout is 1..86400 seconds (default 30), and so
 *   is password_command_timeout (default 30, for oauth_token_command too),
 *   final_reply_timeout (default 600, RFC 5321 4.5.3.2) and session_deadline
 *   (default 1800);
 *   tls_fingerprint is "sha256:" and 64 hex digits (colons allowed);
 *   "~/" at the start of a file name (password_file, tls_*_file, queue_dir,
 *   logfile) means $HOME; queue_dir must then be absolute; queue is a switch
 *   (conf_parse_switch), queue_lifetime a time (conf_parse_lifetime); host
 *   is a host name (letters, digits, inner hyphens, dot-separated labels of
 *   at most 63 bytes, at most CONF_HOST_MAX in all, a final dot allowed), an
 *   IPv4 address, or an IPv6 address in brackets; one with non-ASCII letters
 *   becomes its A-label.  Every value is checked when the file is loaded,
 *   so a typo shows on the first run, not the day a message is queued.
 * - An unknown key is a warning, with the closest known key when it is
 *   close (CONF_SUGGEST_DISTANCE).
 * - File safety (sendas-accounts(5) "SECURITY"), for root too: opened once
 *   with O_NOFOLLOW, checked on that descriptor: a regular file of at most
 *   CONF_FILE_MAX bytes, owned by the user sendas runs as (geteuid), or by
 *   root for the system file and for files in $CREDENTIALS_DIRECTORY; never
 *   writable by group or others; not readable by group or others when any
 *   section holds a password (in $CREDENTIALS_DIRECTORY group read is allowed,
 *   since systemd grants the service user read access with an ACL, whose mask
 *   shows in the group bits).
 *
 * Errors are CAT_CONFIG with "FILE:LINE: what is wrong; what to do" in
 * err->text ("FILE: ..." when no line is concerned).  Warnings have the same
 * form.  conf_load() sets inih's global run-time options (Debian's libinih
 * exports them); it is not thread-safe. */
#ifndef SENDAS_CONF_H
#define SENDAS_CONF_H

#include <stddef.h>

#include "error.h"
#include "mailname.h"

#define CONF_LINE_MAX 16384       /* longest line, without its newline (OAuth tokens: a few KB) */
#define CONF_NAME_MAX 64          /* longest account name */
#define CONF_FILE_MAX (1024 * 1024)
#define CONF_DEFAULT_TIMEOUT 30
#define CONF_TIMEOUT_MAX 86400
/* RFC 5321 4.5.3.2: ten minutes for the reply to the final dot. */
#define CONF_DEFAULT_FINAL_REPLY_TIMEOUT 600
/* For a session's opening and again for each message: longer than the
 * final reply's ten minutes plus a slow upload, short enough that a server
 * trickling bytes gives up its hold on a queue flush in half an hour. */
#define CONF_DEFAULT_SESSION_DEADLINE 1800
#define CONF_HOSTS_MAX 8           /* servers in one host list */
#define CONF_COUNT_MAX 100000     /* messages_per_hour, messages_per_day, max_recipients */
/* queue_connections: parallel sessions of one account in a queue flush.
 * Default 1: a provider sees one login per account at a time, as from a
 * mail client (some allow only a few at once, Microsoft 365 three per
 * mailbox, and answer more with 421); accounts are flushed in parallel
 * anyway.  The maximum is Postfix's default_destination_concurrency_limit. */
#define CONF_CONNECTIONS_DEFAULT 1
#define CONF_CONNECTIONS_MAX 20
#define CONF_SIZE_MAX (1024 * 1024 * 1024)  /* max_size: 1 GB */
#define CONF_LIFETIME_MAX (365 * 86400)   /* queue_lifetime */
#define CONF_HOST_MAX 253                 /* a host name (RFC 1035) */
/* An unknown key gets a suggestion only this close to a known one
 * (Levenshtein distance); 3 for names of CONF_SUGGEST_LONG bytes or more. */
#define CONF_SUGGEST_DISTANCE 2
#define CONF_SUGGEST_LONG 12

enum tls_setting { TLS_SETTING_STARTTLS, TLS_SETTING_IMPLICIT, TLS_SETTING_OFF };

/* "starttls", "implicit" or "off": the word the account file uses. */
const char *tls_setting_name(enum tls_setting t);

struct account {
	char *name;
	char *host;               /* as written; A-label when it had non-ASCII
				   * letters; with several, the first */
	char *hosts;              /* several: all of them, "a,b,c", tried in
				   * order (session_open()); NULL with one */
	char *port;               /* digits; default: 587, or 465 with tls = implicit */
	enum tls_setting tls;     /* default: starttls */
	char *tls_trust_file;
	char *tls_fingerprint;
	char *tls_cert_file;
	char *tls_key_file;
	char *tls_priority;
	char *user;
	char *password;           /* secret: wiped on release */
	char *password_file;
	char *password_command;
	char *oauth_token_command;
	int password_command_timeout;  /* seconds for password_command and
					* oauth_token_command; 0: the default,
					* SECRET_COMMAND_TIMEOUT_MS */
	char *auth;               /* "auto" or a mechanism list */
	char *from;               /* patterns, comma or space separated */
	char *rewrite_from;
	char *domain;             /* EHLO name */
	int timeout;              /* seconds; default 30 */
	int final_reply_timeout;  /* seconds for the reply to the final dot;
				   * default CONF_DEFAULT_FINAL_REPLY_TIMEOUT */
	int session_deadline;     /* seconds for a session's opening, and for
				   * each message; default CONF_DEFAULT_SESSION_DEADLINE */
	int line;                 /* where the section starts, for messages */
	/* Stored for later issues, as written (paths with ~/ expanded). */
	char *queue_dir;
	char *queue;
	char *queue_lifetime;
	char *syslog;             /* "on", "off" or "LOG_MAIL" etc. (conf.c checks), or NULL */
	char *logfile;
	/* The machine's own mail (sendas-accounts(5), LOCAL SYSTEM MAIL). */
	char *aliases;            /* the aliases file; NULL: ALIASES_FILE when it
				   * exists; "off": none */
	int local_senders;        /* 1: sends for local senders no from matches
				   * (at most one account) */
	int queued_exit;          /* exit code once queued: 0 (default) or 75 */
	/* The provider's limits (limits.h); 0: none.  Counts 1..CONF_COUNT_MAX,
	 * max_size bytes 1..CONF_SIZE_MAX (written with k or M). */
	int messages_per_hour;
	int messages_per_day;
	int max_recipients;
	int max_size;
	/* Sessions a queue flush opens at once for this account (drain.h),
	 * 1..CONF_CONNECTIONS_MAX; 0: CONF_CONNECTIONS_DEFAULT. */
	int queue_connections;
	/* The local submission service: the local users and @groups who may
	 * use this account for any sender it matches (sendas-accounts(5)). */
	char *allow_users;
};

struct conf {
	char *path;
	struct account *accounts;
	size_t naccounts;
	/* The machine's names for "is this sender local?" (mailname.h); not
	 * owned.  NULL: looked up when needed (tests set their own). */
	const struct local_names *local_names;
};

/* Where the account file is: the first of -C FILE, $SENDAS_CONFIG,
 * $CREDENTIALS_DIRECTORY/sendas.ini, $XDG_CONFIG_HOME/sendas/accounts.ini
 * (~/.config/...), /etc/sendas/accounts.ini (SYSCONF_ACCOUNTS) that exists
 * (the explicit ones are returned even when missing, so the error names
 * them; a symbolic link "exists", so that conf_load() refuses it rather than
 * another file being used silently).  A new string, or NULL and err
 * (CAT_CONFIG naming the places looked at) when none exists. */
char *conf_locate(const char *explicit_path, struct error *err);

/* The user's account file, $XDG_CONFIG_HOME/sendas/accounts.ini (or
 * ~/.config/...), whether it exists or not: a new string, or NULL without a
 * home directory. */
char *conf_user_path(void);

/* Open path safely (O_NOFOLLOW, checks on that descriptor), parse, validate.
 * Warnings (unknown keys) go to warn(ctx, text) when warn is not NULL.
 * c needs no initialisation; on failure it is left empty (conf_release() is
 * harmless either way). */
int conf_load(struct conf *c, const char *path,
	     void (*warn)(void *ctx, const char *text), void *ctx, struct error *err);

void conf_release(struct conf *c);

/* queue: on, yes, true (1) or off, no, false (0), any case; -1 when none. */
int conf_parse_switch(const char *s);
/* queue_lifetime: a number with an optional unit s, m, h, d (the default)
 * or w, 1 s to CONF_LIFETIME_MAX, as seconds; -1 when invalid. */
long conf_parse_lifetime(const char *s);

/* The account named name, or NULL. */
const struct account *conf_find(const struct conf *c, const char *name);

/* "~" or "~/x" with $HOME (else the passwd entry of geteuid()) in front; any
 * other path copied.  A new string, or NULL and err (CAT_CONFIG) when there
 * is no home directory to use. */
char *conf_expand_path(const char *path, struct error *err);

#endif
