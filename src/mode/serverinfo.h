/* SPDX-License-Identifier: GPL-3.0-or-later */
/* serverinfo.h: the --serverinfo mode: what an account's server offers.
 *
 * "sendas --serverinfo [-a ACCOUNT]" (-a may be left out when the account
 * file has one account) connects as the account says (STARTTLS, implicit
 * TLS or plain), without logging in and without reading any credential, and
 * prints on stdout: the server and the greeting; the TLS session (version,
 * cipher), each certificate of the chain with its subject, issuer, validity
 * and fingerprint, and whether it verifies; the capabilities of the last
 * EHLO reply verbatim; the AUTH mechanisms and the SIZE limit.
 *
 * A certificate that does not verify ends the session (sendas never goes on
 * without verification): the chain the server sent is still printed, then
 * "verification: failed: REASONS" and a line saying that sendas refuses this
 * server as configured.
 *
 * Returns the exit code: 0, or the failure's (69 for TLS, 68 for an unknown
 * host, 75 for a refused connection, 78 for the account file, 64 when -a is
 * needed), with the failure report on stderr. */
#ifndef SENDAS_SERVERINFO_H
#define SENDAS_SERVERINFO_H

#include "options.h"

int mode_serverinfo(const struct options *o);

#endif
