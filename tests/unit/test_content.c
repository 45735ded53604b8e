/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_content.c: the content as the engine sends it (content.c): exact
 * BDAT lengths and byte ranges, the CRLF added to a content without one,
 * dot-stuffing, a spool shorter than promised, a queue file's offset.  The
 * bytes go through a real struct conn to a socket on loopback and are read
 * back from the other end. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "content.h"
#include "tap.h"

/* A listening socket on 127.0.0.1 and a conn to it; *peer is the accepted
 * end the test reads from. */
static struct conn *connect_pair(int *peer)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	struct conn_params p = { .host = "127.0.0.1", .timeout = 5 };
	struct error err;
	struct conn *c;
	char port[16];
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
		return NULL;
	snprintf(port, sizeof port, "%d", ntohs(sa.sin_port));
	p.port = port;
	c = conn_open(&p, &err);
	*peer = accept(lfd, NULL, NULL);
	close(lfd);
	return c;
}

/* A spool file holding text at offset `before` (a queue file's envelope
 * comes first) and `after` more bytes behind it. */
static int spool(const char *text, size_t before, const char *after)
{
	FILE *f = tmpfile();
	size_t i;
	int fd;

	for (i = 0; i < before; i++)
		fputc('#', f);
	fputs(text, f);
	fputs(after, f);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	return fd;
}

/* Everything the peer received once the conn is flushed and closed. */
static char *drain(struct conn *c, int peer)
{
	static char got[1 << 16];
	struct error err;
	size_t n = 0;
	ssize_t r;

	conn_flush(c, &err);
	conn_close(c);
	while ((r = read(peer, got + n, sizeof got - 1 - n)) > 0)
		n += (size_t)r;
	got[n] = '\0';
	close(peer);
	return got;
}

/* Send content [0, length) in ranges of `step` bytes, as BDAT chunks
 * would; NULL and err when content_send() fails. */
static char *send_ranges(const struct smtp_content *sc, off_t length, off_t step,
			 struct error *err)
{
	int peer;
	struct conn *c = connect_pair(&peer);
	off_t off;

	for (off = 0; c && off < length; off += step)
		if (content_send(c, sc, off, length - off < step ? length - off : step, err) < 0) {
			conn_close(c);
			close(peer);
			return NULL;
		}
	return c ? drain(c, peer) : NULL;
}

static char *send_stuffed(const struct smtp_content *sc)
{
	struct error err;
	int peer;
	struct conn *c = connect_pair(&peer);

	if (!c || content_send_stuffed(c, sc, &err) < 0)
		return NULL;
	return drain(c, peer);
}

static void ranges(const struct smtp_content *sc, const char *want, const char *what)
{
	struct error err;
	off_t len = content_length(sc, &err);
	off_t steps[] = { 1, 2, 7, 23, len };  /* across the prefix end and the CRLF */
	size_t i;
	char *got;

	ok(len == (off_t)strlen(want), "%s: content_length() is %lld", what, (long long)len);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		got = send_ranges(sc, len, steps[i], &err);
		ok(got && strcmp(got, want) == 0, "%s: sent in ranges of %lld bytes", what,
		   (long long)steps[i]);
	}
}

int main(void)
{
	const char *prefix = "From: a@example.test\r\n";
	const char *body = "\r\n.dot\r\nend";
	struct smtp_content sc = { .prefix = prefix, .prefix_len = strlen(prefix) };
	struct error err;
	char *got;

	/* A content that ends in CRLF: sent as it is. */
	sc.fd = spool("\r\nhello\r\n", 0, "");
	sc.size = (off_t)(sc.prefix_len + 9);
	ranges(&sc, "From: a@example.test\r\n\r\nhello\r\n", "ends in CRLF");
	close(sc.fd);

	/* No line end at the end: CRLF added, and counted in the length. */
	sc.fd = spool(body, 0, "");
	sc.size = (off_t)(sc.prefix_len + strlen(body));
	ranges(&sc, "From: a@example.test\r\n\r\n.dot\r\nend\r\n", "no final CRLF");
	got = send_stuffed(&sc);
	ok(got && strcmp(got, "From: a@example.test\r\n\r\n..dot\r\nend\r\n") == 0,
	   "stuffed: the dot doubled, CRLF added");
	close(sc.fd);

	/* A queue file: the content starts at an offset, records follow it. */
	sc.fd = spool(body, 37, "attempt 1 2 text\n");
	sc.offset = 37;
	ranges(&sc, "From: a@example.test\r\n\r\n.dot\r\nend\r\n", "at an offset, records after");
	got = send_stuffed(&sc);
	ok(got && strcmp(got, "From: a@example.test\r\n\r\n..dot\r\nend\r\n") == 0,
	   "stuffed at an offset: nothing after the content");
	close(sc.fd);
	sc.offset = 0;

	/* The spool is shorter than size says: an announced BDAT length cannot
	 * be kept, so this is an error, not a short chunk. */
	sc.fd = spool("\r\nhi\r\n", 0, "");
	sc.size = (off_t)(sc.prefix_len + 100);
	ok(content_length(&sc, &err) < 0 && err.category == CAT_IO,
	   "a short spool: content_length() fails with CAT_IO");
	error_clear(&err);
	ok(send_ranges(&sc, sc.size, 64, &err) == NULL && err.category == CAT_IO,
	   "a short spool: content_send() fails with CAT_IO");
	close(sc.fd);

	/* Only a prefix. */
	sc.fd = spool("", 0, "");
	sc.size = (off_t)sc.prefix_len;
	ranges(&sc, prefix, "prefix only");
	close(sc.fd);
	return tap_done();
}
