/* smtpd_conf.h: the smarthost's settings (sendas-smtpd(5)): smtpd.ini and
 * the users file.
 *
 * smtpd.ini is INI, read with inih: one optional [smtpd] section (where to
 * listen, TLS, the users file, the limits) and [network CIDR] sections,
 * the client networks allowed to connect, each with who may use which
 * account.  Without any [network] section, 127.0.0.0/8 and ::1 are allowed
 * (the default is loopback only); without the file, every default holds.
 * Unknown keys and sections, bad numbers and networks are errors
 * (CAT_CONFIG "FILE:LINE: what is wrong"): a typo in an access rule must
 * not open a relay.  The file is opened like the account file (O_NOFOLLOW,
 * owned by us or root, not writable by others).
 *
 * The users file has lines "user:crypt-hash[:account,account]" ('#' starts
 * a comment line); the hash is what crypt(3) makes (yescrypt "$y$",
 * sha512crypt "$6$", ...; mkpasswd(1) writes them); the accounts, when
 * given, are the only ones that login may send through.  It must not be
 * readable by others (hashes can be cracked offline).  It is read at each
 * AUTH, so a changed file needs no reload. */
#ifndef SENDAS_SMTPD_CONF_H
#define SENDAS_SMTPD_CONF_H

#include <stddef.h>
#include <sys/socket.h>

#include "cidr.h"
#include "error.h"

#define SMTPD_CONF_LISTEN_MAX 16          /* listen addresses */
#define SMTPD_CONF_NETWORKS_MAX 256       /* [network] sections */
#define SMTPD_CONF_DEFAULT_LISTEN "127.0.0.1:25"
#define SMTPD_USERS_LINE_MAX 1024
#define SMTPD_USER_MAX 128                /* a login name */
#define SMTPD_PASSWORD_MAX 256            /* longer ones are refused unchecked */

struct smtpd_network {
	struct cidr cidr;
	char text[CIDR_TEXT_MAX];     /* as written */
	char *accounts;           /* "a,b" (spaces or commas), or NULL: every account */
	int plaintext_auth;       /* AUTH without TLS (old printers) */
	int require_auth;         /* MAIL only after AUTH */
	int no_starttls;          /* starttls = no: not offered (devices whose
				   * TLS is too old to succeed) */
	int line;
};

struct smtpd_conf {
	char *path;               /* NULL: the defaults, no file */
	char *listen[SMTPD_CONF_LISTEN_MAX];   /* "ADDRESS:PORT", "[V6]:PORT" */
	size_t nlisten;
	char *hostname;           /* NULL: gethostname() */
	char *tls_cert_file, *tls_key_file;   /* both or neither: STARTTLS */
	char *users_file;         /* NULL: no AUTH */
	char *syslog;             /* the log lines to syslog too: "on" (LOG_MAIL),
				   * "LOG_MAIL", "LOG_LOCAL0".., "off"; or NULL */
	char *logfile;            /* ... and appended to this file, or NULL */
	unsigned max_connections;             /* default 100 */
	unsigned max_connections_per_client;  /* default 10 */
	unsigned max_commands;                /* per session, default 1000 */
	unsigned max_recipients;              /* per message, default 100 */
	long max_message_size;                /* octets, default 50 MiB */
	int idle_timeout;                     /* s, default 300 */
	int session_timeout;                  /* s, default 3600 */
	unsigned max_auth_failures;           /* per client address, default 5 */
	int auth_failure_block;               /* s an address stays refused, default 900 */
	struct smtpd_network *networks;
	size_t nnetworks;
};

/* Where smtpd.ini is: $SENDAS_SMTPD_CONFIG, $CREDENTIALS_DIRECTORY/smtpd.ini,
 * /etc/sendas/smtpd.ini; the first that is set or exists.  A new string, or
 * NULL for none (the defaults apply). */
char *smtpd_conf_locate(void);

/* Load path (NULL: the defaults only).  c needs no initialisation; on
 * failure it is left empty. */
int smtpd_conf_load(struct smtpd_conf *c, const char *path, struct error *err);
void smtpd_conf_release(struct smtpd_conf *c);

/* The first network (in file order) that holds sa, or NULL: refused. */
const struct smtpd_network *smtpd_conf_network(const struct smtpd_conf *c,
					       const struct sockaddr *sa);

/* Whether a list ("a,b c", NULL or "*": all) names account. */
int smtpd_list_allows(const char *list, const char *account);

/* Check user and password against the users file.  1 when they match
 * (*accounts: the login's accounts as a new string, NULL for all), 0 when
 * not (unknown user, wrong password, an unusable hash: the same answer and
 * about the same time), -1 and err (CAT_CONFIG) when the file is unusable. */
int smtpd_users_check(const char *path, const char *user, const char *password,
		      char **accounts, struct error *err);

#endif
