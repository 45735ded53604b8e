/* smarthost.h: `sendas --smtpd`: the smarthost for the network.  Scanners,
 * Exchange send connectors and SMTP-only applications deliver to it over
 * TCP; each message goes out through the account its MAIL FROM selects,
 * and the provider's verdict is the reply to the final dot, in the same
 * session (smarthost_session.h).
 *
 * The listener runs in the foreground and logs to stderr (a container, or
 * systemd's journal).  It listens on the smtpd.ini `listen` addresses, or
 * on the sockets systemd passes (sendas-smtpd.socket; LISTEN_FDS, no
 * Accept=), and forks one process per connection, after these checks, each
 * refused with its reply and a log line before any SMTP:
 *   - a client outside every [network]: 554 5.7.1;
 *   - max_connections sessions at once, or max_connections_per_client from
 *     one address: 421 4.7.0;
 *   - an address with max_auth_failures failed logins within
 *     auth_failure_block seconds: 421 4.7.0.
 * SIGHUP reloads the TLS certificate and key and the account file (a file
 * that fails to load leaves the old one in use, and says so); SIGTERM and
 * SIGINT stop listening and wait for the sessions to end.  Exit: 0 after
 * SIGTERM, EX_CONFIG for settings that do not load, EX_OSERR when no
 * address can be listened on. */
#ifndef SENDAS_SMARTHOST_H
#define SENDAS_SMARTHOST_H

#include "options.h"

#define SMARTHOST_LISTEN_BACKLOG 1024   /* a burst of clients must not overflow the
					 * accept queue: SMTP clients wait for the
					 * greeting and never notice a dropped ACK */
#define SMARTHOST_FAILURE_SLOTS 4096   /* addresses whose failed logins are kept */
#define SMARTHOST_STOP_WAIT 30         /* s to wait for sessions at SIGTERM */
#define SMARTHOST_ALARM_GRACE 300      /* s past session_timeout before SIGALRM
					* ends a session process, whatever it does */

int mode_smarthost(const struct options *o);

#endif
