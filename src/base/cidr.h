/* cidr.h: client networks for the smarthost's access rules.  Pure.
 *
 * "192.0.2.0/24", "2001:db8::/32", or an address alone (a /32 or /128).
 * An IPv4-mapped IPv6 client ("::ffff:192.0.2.7", what a dual-stack socket
 * reports) matches IPv4 networks as its IPv4 address. */
#ifndef SENDAS_CIDR_H
#define SENDAS_CIDR_H

#include <sys/socket.h>

#define CIDR_TEXT_MAX 64          /* longest network as written */

struct cidr {
	int family;               /* AF_INET or AF_INET6 */
	unsigned char addr[16];   /* network order; bits beyond prefix are zero */
	unsigned prefix;          /* 0..32 or 0..128 */
};

/* 0, or -1 when text is not a network (also: host bits set, as in
 * "192.0.2.1/24", which is more often a mistake than meant). */
int cidr_parse(const char *text, struct cidr *c);

/* 1 when the address sa (AF_INET or AF_INET6) lies in c. */
int cidr_match(const struct cidr *c, const struct sockaddr *sa);

/* "[address]:port" of sa into out (at least 64 octets); the address alone
 * ("address", no brackets, no port) into addr when addr is not NULL. */
void cidr_peer_text(const struct sockaddr *sa, char *out, size_t size, char *addr,
		    size_t addr_size);

#endif
