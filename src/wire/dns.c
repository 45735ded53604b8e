/* dns.c: see dns.h. */
#include "config.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define ANSWER_MAX 8192

static int better(const void *x, const void *y)
{
	const struct dns_target *a = x, *b = y;

	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return (a->weight < b->weight) - (a->weight > b->weight);
}

/* One answer record of type: its target into t.  0, or -1 to skip it. */
static int parse_rr(const ns_msg *msg, const ns_rr *rr, int type, struct dns_target *t)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t fixed = type == ns_t_srv ? 6 : 2;

	if ((int)ns_rr_type(*rr) != type || ns_rr_rdlen(*rr) < fixed)
		return -1;
	memset(t, 0, sizeof *t);
	t->priority = ns_get16(rd);
	if (type == ns_t_srv) {
		t->weight = ns_get16(rd + 2);
		t->port = ns_get16(rd + 4);
	}
	if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rd + fixed, t->host,
			       sizeof t->host) < 0)
		return -1;
	if (strcmp(t->host, ".") == 0)
		t->host[0] = '\0';
	return 0;
}

static size_t query(const char *name, int type, struct dns_target *out, size_t max)
{
	unsigned char *answer = malloc(ANSWER_MAX);
	ns_msg msg;
	ns_rr rr;
	size_t n = 0;
	int len, i;

	if (!answer)
		return 0;
	len = res_query(name, ns_c_in, type, answer, ANSWER_MAX);
	if (len > 0 && len <= ANSWER_MAX && ns_initparse(answer, len, &msg) == 0)
		for (i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++)
			if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 &&
			    parse_rr(&msg, &rr, type, &out[n]) == 0)
				n++;
	free(answer);
	qsort(out, n, sizeof *out, better);
	return n;
}

size_t dns_srv(const char *name, struct dns_target *out, size_t max)
{
	return query(name, ns_t_srv, out, max);
}

size_t dns_mx(const char *domain, struct dns_target *out, size_t max)
{
	return query(domain, ns_t_mx, out, max);
}
