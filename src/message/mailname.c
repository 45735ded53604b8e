/* mailname.c: see mailname.h. */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mailname.h"
#include "xalloc.h"

char *mailname_read(const char *file)
{
	char line[MAILNAME_MAX + 2], *start;
	FILE *fp = fopen(file ? file : MAILNAME_FILE, "re");
	size_t n;

	if (!fp)
		return NULL;
	if (!fgets(line, sizeof line, fp))
		line[0] = '\0';
	fclose(fp);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	start = line + strspn(line, " \t");
	if (!*start || strpbrk(start, " \t@"))
		return NULL;
	return xstrdup(start);
}

static char *canonical_name(const char *host)
{
	struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	char *fqdn = NULL;

	if (strchr(host, '.'))
		return xstrdup(host);
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname &&
	    strchr(res->ai_canonname, '.'))
		fqdn = xstrdup(res->ai_canonname);
	if (res)
		freeaddrinfo(res);
	return fqdn;
}

void local_names_get(struct local_names *n, const char *file)
{
	char host[256];

	memset(n, 0, sizeof *n);
	if (gethostname(host, sizeof host) == 0 && host[0]) {
		host[sizeof host - 1] = '\0';
		n->hostname = xstrdup(host);
		n->fqdn = canonical_name(host);
	}
	n->mailname = mailname_read(file);
	if (!n->mailname)
		n->mailname = xstrdup(n->fqdn ? n->fqdn : n->hostname ? n->hostname : "localhost");
}

void local_names_release(struct local_names *n)
{
	free(n->mailname);
	free(n->hostname);
	free(n->fqdn);
	memset(n, 0, sizeof *n);
}

/* Equal, case-insensitively, ignoring one trailing dot on either side. */
static int same_domain(const char *a, const char *b)
{
	size_t na, nb;

	if (!a || !b)
		return 0;
	na = strlen(a);
	nb = strlen(b);
	if (na && a[na - 1] == '.')
		na--;
	if (nb && b[nb - 1] == '.')
		nb--;
	return na == nb && na && strncasecmp(a, b, na) == 0;
}

int address_is_local(const char *address, const struct local_names *names)
{
	struct local_names own;
	const char *at = strrchr(address, '@'), *d;
	int local;

	if (!*address)
		return 0;
	if (!at)
		return 1;
	d = at + 1;
	if (same_domain(d, "localhost"))
		return 1;
	if (!names) {
		local_names_get(&own, NULL);
		names = &own;
	}
	local = same_domain(d, names->mailname) || same_domain(d, names->hostname) ||
		same_domain(d, names->fqdn);
	if (names == &own)
		local_names_release(&own);
	return local;
}

char *address_local_part(const char *address)
{
	const char *at = strrchr(address, '@');
	char *s = at ? xstrndup(address, (size_t)(at - address)) : xstrdup(address), *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}
