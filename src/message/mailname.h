/* mailname.h: the machine's own mail names, and "is this address local?".
 *
 * The mail name is the domain of mail the machine writes itself (cron, at,
 * sudo, mail(1)): the first line of /etc/mailname (Debian's convention, as
 * Postfix's myorigin and msmtp read it), else the host's fully qualified
 * name (gethostname(), then getaddrinfo() with AI_CANONNAME; the DNS is not
 * asked when the name has a dot already), else the bare host name.
 *
 * An address is local when it is a bare name ("root", as cron writes it),
 * or its domain is "localhost", the mail name, the host name or the fully
 * qualified host name (compared case-insensitively, a trailing dot
 * ignored).  The SMTP-in side (issue 15), account selection (local_senders)
 * and aliases all ask address_is_local(), so the three agree.
 *
 * Ownership: struct local_names owns its strings; local_names_release()
 * frees them.  Errors: none; a name that cannot be found is NULL (an
 * unreadable /etc/mailname falls back to the host name, as Postfix does). */
#ifndef SENDAS_MAILNAME_H
#define SENDAS_MAILNAME_H

#define MAILNAME_FILE "/etc/mailname"
#define MAILNAME_MAX 253          /* a domain; a longer first line is ignored */

struct local_names {
	char *mailname;           /* never NULL after local_names_get(): "localhost" at worst */
	char *hostname;           /* gethostname(), or NULL */
	char *fqdn;               /* the canonical name, or NULL */
};

/* The first line of file (NULL: MAILNAME_FILE), trimmed, when it looks
 * like a domain, as a new string; else NULL (no file, empty, or not a
 * domain).  msmtp's %M reads exactly this. */
char *mailname_read(const char *file);

/* Fill n from file (NULL: MAILNAME_FILE) and the host's names. */
void local_names_get(struct local_names *n, const char *file);
void local_names_release(struct local_names *n);

/* Whether address (normalised, without angle brackets) is local as above.
 * names NULL: the machine's names, looked up for this call. */
int address_is_local(const char *address, const struct local_names *names);

/* The local part of address, lowercased (ASCII), as a new string. */
char *address_local_part(const char *address);

#endif
