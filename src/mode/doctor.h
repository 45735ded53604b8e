/* doctor.h: the --check mode: what is wrong with an account, step by step.
 *
 * "sendas --check [ACCOUNT...]" (every account when none is named) checks
 * each account's first host in the order a session meets its problems and
 * prints, per account, a table with one line per step and a verdict (ok,
 * warning, failed, skipped):
 *   DNS          the host's addresses
 *   TCP          a connection to the port, with the time it took
 *   TLS mode     whether the port speaks as tls says: a server that greets
 *                in plain text while tls = implicit, or says nothing for
 *                DOCTOR_GREETING_WAIT_MS while tls = starttls (and then
 *                completes a TLS handshake: implicit TLS) is named with the
 *                fix, within about two seconds rather than after the timeout
 *   port 25      (port 25 only) signs of interception: a greeting that
 *                names another host, STARTTLS missing, a certificate for
 *                another name
 *   certificate  verified, days to expiry (a warning under
 *                DOCTOR_EXPIRY_WARN_DAYS); when it does not verify, why, and
 *                for an untrusted (self-signed) one the tls_fingerprint line
 *                that would pin it
 *   AUTH         the mechanisms offered, and the login
 *   sender       --probe of the account's own address (MAIL and RCPT)
 * A step after a failed one is skipped.  Nothing is sent.
 *
 * Returns 0 when every account works (warnings allowed), else the exit
 * code of the first failure's category. */
#ifndef SENDAS_DOCTOR_H
#define SENDAS_DOCTOR_H

#include "error.h"
#include "options.h"

#define DOCTOR_GREETING_WAIT_MS 1500
#define DOCTOR_EXPIRY_WARN_DAYS 14

int mode_check(const struct options *o);

struct account;

/* One account's table on stdout; login 0 (--configure, no credentials
 * yet): AUTH shows only the offer and the sender probe is skipped.  The
 * first failed step's category, or CAT_NONE. */
enum category doctor_check(const struct options *o, const struct account *a, int login);

#endif
