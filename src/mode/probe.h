/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.h: the --probe mode: which senders does a provider accept for a
 * login?
 *
 * "sendas --probe [-a ACCOUNT] SENDER..." connects and authenticates once
 * (the account named by -a, else the one chosen for the first SENDER), then
 * for each sender asks MAIL FROM, RCPT TO (--probe-rcpt, else the account's
 * own address) and RSET (smtp_probe()): nothing is sent.  --probe-data sends
 * instead, per sender, a short test message marked as such (Subject,
 * X-Sendas-Probe, Auto-Submitted) to that recipient, for providers that
 * decide after the content (Microsoft 365, SES, Yahoo).
 *
 * At most --probe-max senders (default CLI_PROBE_MAX_DEFAULT) are tried per
 * run, because providers lock accounts after repeated refusals; more is a
 * usage error before any connection.  After a broken connection the rest
 * are not tried (no second login).
 *
 * Output on stdout: a table (sender, step, code, enhanced code, verdict,
 * the reply's text), or with --json one object per sender (type "probe").
 * Verdicts: accepted; refused (the provider refuses the sender, or wants a
 * login for it); temporary (a 4xx: try again later); inconclusive (the
 * recipient was refused, so the sender question stays open); error (not
 * tried, or the connection broke).
 *
 * Returns the exit code: 0 when every sender was accepted, 77 when any was
 * refused, else the exit code of the first sender that was not accepted;
 * for a failure before the first probe (account file, login, TLS), its own
 * exit code, with the failure report on stderr. */
#ifndef SENDAS_PROBE_H
#define SENDAS_PROBE_H

#include "options.h"

int mode_probe(const struct options *o);

#endif
