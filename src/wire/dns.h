/* dns.h: the DNS records --configure reads (RFC 6186 SRV, MX), through
 * the system resolver (res_query(3), /etc/resolv.conf).  No I/O of its
 * own besides the resolver's; errors are only "found nothing". */
#ifndef SENDAS_DNS_H
#define SENDAS_DNS_H

#include <stddef.h>

#define DNS_NAME_MAX 256
#define DNS_RECORDS_MAX 16

struct dns_target {
	char host[DNS_NAME_MAX];  /* without the trailing dot */
	unsigned port;            /* SRV; 0 for MX */
	unsigned priority;        /* SRV priority or MX preference */
	unsigned weight;          /* SRV */
};

/* The SRV records of name, best first (lowest priority, then highest
 * weight), at most max; a target of "." (RFC 2782: no such service) is
 * returned as host "".  The number found, 0 when none or on any error. */
size_t dns_srv(const char *name, struct dns_target *out, size_t max);

/* The MX records of domain, best first; the same. */
size_t dns_mx(const char *domain, struct dns_target *out, size_t max);

#endif
