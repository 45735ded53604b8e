/* configure.h: the --configure mode: an account section from an address.
 *
 * "sendas --configure [--append] [-C FILE] ADDRESS" works out the
 * submission server for ADDRESS's domain, in this order:
 *   1. RFC 6186 SRV records: _submissions._tcp.DOMAIN (implicit TLS, RFC
 *      8314), then _submission._tcp.DOMAIN (STARTTLS); a target of "."
 *      means the service is not offered;
 *   2. the built-in provider table (providers.h) by the address's domain;
 *   3. the domain's MX records: a provider's MX hosts name the provider
 *      (a Google Workspace or Microsoft 365 domain), else the first MX host
 *      itself on port 587 with STARTTLS, said to be a guess;
 * prints the proposed account section (with the provider's sender rule and
 * known limits), then checks it with the doctor (doctor.h) without a login,
 * since no password source is set yet.  With --append, and only when the
 * check found nothing wrong, the section is appended to the account file
 * (-C FILE, else the one sendas would read; created mode 0600 when -C
 * names a file that does not exist).
 *
 * Returns 0, the check's failure's exit code, 64 for a bad address, 68
 * when nothing at all was found, 78 for the account file. */
#ifndef SENDAS_CONFIGURE_H
#define SENDAS_CONFIGURE_H

#include "options.h"

int mode_configure(const struct options *o);

#endif
