/* cidr.c: see cidr.h. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int prefix_of(const char *s, unsigned max, unsigned *prefix)
{
	char *end;
	unsigned long v;

	if (!s) {
		*prefix = max;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*prefix = (unsigned)v;
	return 0;
}

/* Whether the bits after prefix are all zero. */
static int host_bits_clear(const unsigned char *a, unsigned len, unsigned prefix)
{
	unsigned i;

	for (i = prefix; i < len * 8; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

int cidr_parse(const char *text, struct cidr *c)
{
	char addr[CIDR_TEXT_MAX];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned len;

	if (n == 0 || n >= sizeof addr)
		return -1;
	memcpy(addr, text, n);
	addr[n] = '\0';
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, addr, c->addr) == 1)
		c->family = AF_INET, len = 4;
	else if (inet_pton(AF_INET6, addr, c->addr) == 1)
		c->family = AF_INET6, len = 16;
	else
		return -1;
	if (prefix_of(slash ? slash + 1 : NULL, len * 8, &c->prefix) < 0)
		return -1;
	return host_bits_clear(c->addr, len, c->prefix) ? 0 : -1;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

int cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)sa;
	const unsigned char *a;

	if (sa->sa_family == AF_INET && c->family == AF_INET)
		return prefix_equal(c->addr, (const unsigned char *)&v4->sin_addr, c->prefix);
	if (sa->sa_family != AF_INET6)
		return 0;
	a = (const unsigned char *)&v6->sin6_addr;
	if (c->family == AF_INET6)
		return prefix_equal(c->addr, a, c->prefix);
	return !memcmp(a, v4_mapped, sizeof v4_mapped) &&
	       prefix_equal(c->addr, a + 12, c->prefix);
}

void cidr_peer_text(const struct sockaddr *sa, char *out, size_t size, char *addr,
		    size_t addr_size)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)sa;
	char text[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
		port = ntohs(v4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const unsigned char *a = (const unsigned char *)&v6->sin6_addr;

		if (!memcmp(a, v4_mapped, sizeof v4_mapped))
			inet_ntop(AF_INET, a + 12, text, sizeof text);
		else
			inet_ntop(AF_INET6, a, text, sizeof text);
		port = ntohs(v6->sin6_port);
	}
	snprintf(out, size, "[%s]:%u", text, port);
	if (addr)
		snprintf(addr, addr_size, "%s", text);
}
