/* smarthost_session.h: one client connection of the smarthost
 * (smarthost.h): the SMTP engine (smtpd.h) over a TCP socket with
 * STARTTLS, AUTH against the users file, the access rules of the client's
 * network and login, and each transaction sent through send_message(), the
 * command line's path, whose verdict is the reply to the final dot.
 *
 * It runs in a process of its own (the listener forks one per
 * connection): nothing here outlives the session, and a crash loses one
 * connection.  Log lines (key=value, as report_log() writes them, never a
 * password) go to stderr in one write(2) each: one per transaction or
 * refused MAIL, one per refused AUTH and limit, one at the session's end. */
#ifndef SENDAS_SMARTHOST_SESSION_H
#define SENDAS_SMARTHOST_SESSION_H

#include <sys/socket.h>

#include "options.h"
#include "conf.h"
#include "smtpd.h"
#include "smtpd_conf.h"

struct tls_server;

/* What every session shares; the listener owns it (and reloads it on
 * SIGHUP between sessions). */
struct smarthost {
	const struct options *o;  /* -C, -a, -v */
	struct smtpd_conf conf;
	struct conf accounts;
	struct tls_server *tls;   /* NULL: no STARTTLS */
	char hostname[SMTPD_HOSTNAME_MAX + 1];
	int facility;             /* smtpd.ini syslog: the facility, or -1 */
};

/* Serve the connection fd from the client sa of network net.  failures
 * are the failed logins this address already had (the cap is per
 * address, across connections).  Returns the failed logins of this
 * session.  Does not close fd. */
unsigned smarthost_session(const struct smarthost *h, int fd, const struct sockaddr *sa,
			   const struct smtpd_network *net, unsigned failures);

/* A log line "sendas[PID]: smtpd " + text + "\n" on stderr, one write;
 * and "smtpd " + text to syslog and the log file when smtpd.ini says so
 * (the account file's format, report_log_write()). */
void smarthost_log(const struct smarthost *h, const struct buf *text);

#endif
