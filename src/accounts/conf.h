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
 *   is password_command_timeout (default 30, for oauth_token_command too);
 *   tls_fingerprint is "sha256:" and 64 hex digits (colons allowed);
 *   "~/" at the start of a file name (password_file, tls_*_file, queue_dir,
 *   logfile) means $HOME; a host with non-ASCII letters becomes its A-label.
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

#define CONF_LINE_MAX 16384       /* longest line, without its newline (OAuth tokens: a few KB) */
#define CONF_NAME_MAX 64          /* longest account name */
#define CONF_FILE_MAX (1024 * 1024)
#define CONF_DEFAULT_TIMEOUT 30
#define CONF_TIMEOUT_MAX 86400

enum tls_setting { TLS_SETTING_STARTTLS, TLS_SETTING_IMPLICIT, TLS_SETTING_OFF };

/* "starttls", "implicit" or "off": the word the account file uses. */
const char *tls_setting_name(enum tls_setting t);

struct account {
	char *name;
	char *host;               /* as written; A-label when it had non-ASCII letters */
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
	int line;                 /* where the section starts, for messages */
	/* Stored for later issues, as written (paths with ~/ expanded). */
	char *queue_dir;
	char *queue;
	char *queue_lifetime;
	char *syslog;             /* "on", "off" or "LOG_MAIL" etc. (conf.c checks), or NULL */
	char *logfile;
	/* The local submission service: the local users and @groups who may
	 * use this account for any sender it matches (sendas-accounts(5)). */
	char *allow_users;
	/* The account for local senders (a bare name, @localhost, @ the mail
	 * name or the host name): they are sent as its own address, and any
	 * local user may send as themselves through it. */
	int local_senders;
};

struct conf {
	char *path;
	struct account *accounts;
	size_t naccounts;
};

/* Where the account file is: the first of -C FILE, $SENDAS_CONFIG,
 * $CREDENTIALS_DIRECTORY/sendas.ini, $XDG_CONFIG_HOME/sendas/accounts.ini
 * (~/.config/...), /etc/sendas/accounts.ini (SYSCONF_ACCOUNTS) that exists
 * (the explicit ones are returned even when missing, so the error names
 * them; a symbolic link "exists", so that conf_load() refuses it rather than
 * another file being used silently).  A new string, or NULL and err
 * (CAT_CONFIG naming the places looked at) when none exists. */
char *conf_locate(const char *explicit_path, struct error *err);

/* Open path safely (O_NOFOLLOW, checks on that descriptor), parse, validate.
 * Warnings (unknown keys) go to warn(ctx, text) when warn is not NULL.
 * c needs no initialisation; on failure it is left empty (conf_release() is
 * harmless either way). */
int conf_load(struct conf *c, const char *path,
	     void (*warn)(void *ctx, const char *text), void *ctx, struct error *err);

void conf_release(struct conf *c);

/* The account named name, or NULL. */
const struct account *conf_find(const struct conf *c, const char *name);

/* "~" or "~/x" with $HOME (else the passwd entry of geteuid()) in front; any
 * other path copied.  A new string, or NULL and err (CAT_CONFIG) when there
 * is no home directory to use. */
char *conf_expand_path(const char *path, struct error *err);

#endif
