/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-sink.c: a fast SMTP sink for the benchmark (tests/bench/run).
 *
 * Accepts every message and keeps nothing, so that the client is what is
 * measured: a process per connection, large socket reads under GnuTLS (our
 * own pull function: one recv() serves many small TLS records, so a client
 * that writes one record per line is not slowed down by the sink), replies
 * written only when no complete command is buffered (as Postfix does).
 *
 *   bench-sink --listen ADDR:PORT --cert PEM --key PEM [--implicit-tls]
 *              [--no-chunking] [--priority GNUTLS-PRIORITY] [--port-file FILE]
 *              [--record FILE] [--say-cipher]
 *
 * With --record, every accepted message adds one line to FILE (O_APPEND, one
 * write(), so the sessions' processes never interleave a line):
 *   ID LOGIN SENDER
 * ID the value of the message's X-Bench-ID header field ("-" without one),
 * LOGIN the AUTH PLAIN initial response as sent (base64, "-" without AUTH),
 * SENDER the MAIL FROM path.  The queue benchmark (tests/bench/queue-scale)
 * counts these lines: every message exactly once, sent with its own login.
 *
 * Speaks EHLO, STARTTLS, AUTH (PLAIN with an initial response or not),
 * MAIL, RCPT, DATA, BDAT (unless --no-chunking), RSET, NOOP, QUIT; TLS 1.2
 * and 1.3 with session tickets, as real submission servers do. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAW_SIZE (256 * 1024)   /* one recv() from the socket */
#define IN_SIZE (256 * 1024)    /* decrypted input */
#define OUT_SIZE (16 * 1024)    /* queued replies */
#define HEAD_SIZE 2048           /* the start of a message, for --record */
#define FIELD_SIZE 512           /* a login or a sender, for --record */

struct opts {
	int implicit_tls, chunking;
	const char *priority;         /* GnuTLS priority string */
	int record_fd;                /* --record FILE, or -1 */
	int say_cipher;               /* --say-cipher: "cipher NAME" on stderr */
};

struct sink {
	int fd;
	gnutls_session_t tls;
	char raw[RAW_SIZE];           /* ciphertext read ahead for GnuTLS */
	size_t raw_start, raw_end;
	char in[IN_SIZE];             /* plaintext not yet consumed */
	size_t in_start, in_end;
	char out[OUT_SIZE];
	size_t out_len;
	char head[HEAD_SIZE];         /* the message's first bytes (--record) */
	size_t head_len;
	char login[FIELD_SIZE], sender[FIELD_SIZE];
};

static gnutls_certificate_credentials_t cred;
static gnutls_datum_t ticket_key;

static void die(const char *what)
{
	fprintf(stderr, "bench-sink: %s\n", what);
	exit(1);
}

/* GnuTLS pulls from our read-ahead buffer: many records per recv().  A
 * large read with nothing buffered goes straight to GnuTLS's buffer. */
static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t n)
{
	struct sink *k = p;
	ssize_t r;

	if (k->raw_start == k->raw_end && n >= 4096)
		return recv(k->fd, data, n, 0);
	if (k->raw_start == k->raw_end) {
		r = recv(k->fd, k->raw, sizeof k->raw, 0);
		if (r <= 0)
			return r;
		k->raw_start = 0;
		k->raw_end = (size_t)r;
	}
	if (n > k->raw_end - k->raw_start)
		n = k->raw_end - k->raw_start;
	memcpy(data, k->raw + k->raw_start, n);
	k->raw_start += n;
	return (ssize_t)n;
}

/* The socket blocks, and a TLS server has no handshake timeout here: "data
 * may be there" lets GnuTLS call pull(), which waits. */
static int pull_timeout(gnutls_transport_ptr_t p, unsigned ms)
{
	(void)p;
	(void)ms;
	return 1;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t n)
{
	struct sink *k = p;

	return send(k->fd, data, n, MSG_NOSIGNAL);
}

static void flush(struct sink *k)
{
	size_t off = 0;
	ssize_t r;

	while (off < k->out_len) {
		r = k->tls ? gnutls_record_send(k->tls, k->out + off, k->out_len - off)
			   : send(k->fd, k->out + off, k->out_len - off, MSG_NOSIGNAL);
		if (r <= 0)
			exit(0);
		off += (size_t)r;
	}
	k->out_len = 0;
}

static void reply(struct sink *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(k->out + k->out_len, sizeof k->out - k->out_len - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof k->out - k->out_len - 2)
		die("reply too long");
	k->out_len += (size_t)n;
	memcpy(k->out + k->out_len, "\r\n", 2);
	k->out_len += 2;
}

/* Read more plaintext; the replies go first, since the client waits. */
static void fill(struct sink *k)
{
	ssize_t r;

	flush(k);
	if (k->in_start == k->in_end)
		k->in_start = k->in_end = 0;
	if (k->in_end == sizeof k->in) {
		memmove(k->in, k->in + k->in_start, k->in_end - k->in_start);
		k->in_end -= k->in_start;
		k->in_start = 0;
	}
	do
		r = k->tls ? gnutls_record_recv(k->tls, k->in + k->in_end, sizeof k->in - k->in_end)
			   : pull(k, k->in + k->in_end, sizeof k->in - k->in_end);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	if (r <= 0)
		exit(0);
	k->in_end += (size_t)r;
}

/* The next command line, without CRLF, NUL-terminated in place. */
static char *line(struct sink *k)
{
	char *lf;

	while (!(lf = memchr(k->in + k->in_start, '\n', k->in_end - k->in_start)))
		fill(k);
	char *s = k->in + k->in_start;
	k->in_start = (size_t)(lf - k->in) + 1;
	*lf = '\0';
	if (lf > s && lf[-1] == '\r')
		lf[-1] = '\0';
	return s;
}

/* Keep the first HEAD_SIZE bytes of the message being received. */
static void capture(struct sink *k, const char *p, size_t n)
{
	if (n > sizeof k->head - k->head_len)
		n = sizeof k->head - k->head_len;
	memcpy(k->head + k->head_len, p, n);
	k->head_len += n;
}

static void keep_field(char *to, const char *from)
{
	snprintf(to, FIELD_SIZE, "%.*s", (int)strcspn(from, " \t"), *from ? from : "-");
}

/* One line for an accepted message (see the top). */
static void record(struct sink *k, const struct opts *o)
{
	static const char field[] = "\nX-Bench-ID: ";
	char line[3 * FIELD_SIZE];
	const char *id = memmem(k->head, k->head_len, field, sizeof field - 1);
	size_t idlen = 1;
	int n;

	if (o->record_fd < 0)
		return;
	if (id) {
		id += sizeof field - 1;
		idlen = strcspn(id, "\r\n");
		if (id + idlen > k->head + k->head_len || idlen >= FIELD_SIZE)
			idlen = 0;
	}
	n = snprintf(line, sizeof line, "%.*s %s %s\n", (int)(id ? idlen : 1), id ? id : "-",
		     *k->login ? k->login : "-", *k->sender ? k->sender : "-");
	if (write(o->record_fd, line, (size_t)n) != n)
		die("cannot write the record file");
	k->head_len = 0;
}

/* Discard a whole TLS record of a BDAT chunk without copying it out of
 * GnuTLS; what follows the chunk in it goes to the input buffer.  Returns
 * the bytes of the chunk consumed. */
static unsigned long long skip_record(struct sink *k, unsigned long long n)
{
	gnutls_packet_t pkt;
	gnutls_datum_t d;
	ssize_t r;

	flush(k);
	do
		r = gnutls_record_recv_packet(k->tls, &pkt);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	if (r <= 0)
		exit(0);
	gnutls_packet_get(pkt, &d, NULL);
	if (d.size > n) {       /* the input buffer is empty here */
		k->in_start = 0;
		k->in_end = d.size - (size_t)n;
		memcpy(k->in, d.data + n, k->in_end);
		d.size = (unsigned)n;
	}
	capture(k, (const char *)d.data, d.size);
	gnutls_packet_deinit(pkt);
	return d.size;
}

static void skip(struct sink *k, unsigned long long n)
{
	size_t avail;

	while (n > 0) {
		if (k->in_start == k->in_end && k->tls) {
			n -= skip_record(k, n);
			continue;
		}
		if (k->in_start == k->in_end)
			fill(k);
		avail = k->in_end - k->in_start;
		if (avail > n)
			avail = (size_t)n;
		capture(k, k->in + k->in_start, avail);
		k->in_start += avail;
		n -= avail;
	}
}

/* Discard a DATA body up to the line ".", which may span reads: state is
 * how much of "\r\n.\r\n" was matched (the body starts after a CRLF). */
static void data(struct sink *k)
{
	static const char end[] = "\r\n.\r\n";
	int state = 2;
	char *p, *e, *cr;

	for (;;) {
		if (k->in_start == k->in_end)
			fill(k);
		p = k->in + k->in_start;
		e = k->in + k->in_end;
		while (p < e) {
			if (state == 0) {       /* fast path: jump to the next CR */
				cr = memchr(p, '\r', (size_t)(e - p));
				if (!cr) {
					p = e;
					break;
				}
				p = cr;
			}
			if (*p == end[state])
				state++;
			else
				state = *p == '\r' ? 1 : 0;
			p++;
			if (state == 5) {
				capture(k, k->in + k->in_start, (size_t)(p - k->in) - k->in_start);
				k->in_start = (size_t)(p - k->in);
				return;
			}
		}
		capture(k, k->in + k->in_start, k->in_end - k->in_start);
		k->in_start = k->in_end;
	}
}

static void start_tls(struct sink *k, const struct opts *o)
{
	int r;

	if (gnutls_init(&k->tls, GNUTLS_SERVER) < 0 ||
	    gnutls_priority_set_direct(k->tls, o->priority, NULL) < 0 ||
	    gnutls_credentials_set(k->tls, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_session_ticket_enable_server(k->tls, &ticket_key) < 0)
		die("cannot set up a TLS session");
	gnutls_transport_set_ptr(k->tls, k);
	gnutls_transport_set_pull_function(k->tls, pull);
	gnutls_transport_set_pull_timeout_function(k->tls, pull_timeout);
	gnutls_transport_set_push_function(k->tls, push);
	do
		r = gnutls_handshake(k->tls);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		exit(0);
	/* For tests/bench/tls-limit: the cipher whose cost is the reference. */
	if (o->say_cipher)
		fprintf(stderr, "cipher %s\n", gnutls_cipher_get_name(gnutls_cipher_get(k->tls)));
}

static void ehlo(struct sink *k, const struct opts *o)
{
	reply(k, "250-sink.test");
	reply(k, "250-PIPELINING");
	reply(k, "250-SIZE 1000000000");
	reply(k, "250-8BITMIME");
	if (o->chunking)
		reply(k, "250-CHUNKING");
	reply(k, "250-ENHANCEDSTATUSCODES");
	reply(k, k->tls ? "250 AUTH PLAIN" : "250 STARTTLS");
}

static int is(const char *cmd, const char *verb)
{
	size_t n = strlen(verb);

	return strncasecmp(cmd, verb, n) == 0 && (cmd[n] == '\0' || cmd[n] == ' ');
}

static void session(struct sink *k, const struct opts *o)
{
	char *cmd;

	if (o->implicit_tls)
		start_tls(k, o);
	reply(k, "220 sink.test ESMTP bench sink");
	for (;;) {
		cmd = line(k);
		if (is(cmd, "EHLO") || is(cmd, "HELO")) {
			ehlo(k, o);
		} else if (is(cmd, "STARTTLS") && !k->tls) {
			reply(k, "220 2.0.0 Ready to start TLS");
			flush(k);
			if (k->in_start != k->in_end)
				exit(0);        /* injection: bytes before the handshake */
			start_tls(k, o);
		} else if (is(cmd, "AUTH")) {
			const char *ir = strchr(cmd + 5, ' ');

			if (ir) {
				keep_field(k->login, ir + 1);
			} else {
				reply(k, "334 ");
				keep_field(k->login, line(k));
			}
			reply(k, "235 2.7.0 Authentication successful");
		} else if (is(cmd, "MAIL")) {
			keep_field(k->sender, cmd + 5 + strspn(cmd + 5, " "));
			k->head_len = 0;
			reply(k, "250 2.0.0 Ok");
		} else if (is(cmd, "RCPT") || is(cmd, "RSET") || is(cmd, "NOOP")) {
			reply(k, "250 2.0.0 Ok");
		} else if (is(cmd, "DATA")) {
			reply(k, "354 End data with <CR><LF>.<CR><LF>");
			flush(k);
			data(k);
			record(k, o);
			reply(k, "250 2.0.0 Ok: queued");
		} else if (is(cmd, "BDAT") && o->chunking) {
			int last = strcasestr(cmd, " LAST") != NULL;

			skip(k, strtoull(cmd + 5, NULL, 10));
			if (last)
				record(k, o);
			reply(k, last ? "250 2.0.0 Ok: queued" : "250 2.0.0 Ok: chunk");
		} else if (is(cmd, "QUIT")) {
			reply(k, "221 2.0.0 Bye");
			flush(k);
			if (k->tls)
				gnutls_bye(k->tls, GNUTLS_SHUT_WR);
			return;
		} else {
			reply(k, "502 5.5.2 Error: command not recognized");
		}
	}
}

static int listen_on(const char *spec, const char *port_file)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	char host[64], tmp[4096];
	const char *colon = strrchr(spec, ':');
	int fd, one = 1;
	FILE *f;

	if (!colon || (size_t)(colon - spec) >= sizeof host)
		die("--listen ADDR:PORT");
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	sa.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("--listen needs an IPv4 address");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* 1024: tests/bench/relay-load opens up to 500 connections at once; an
	 * accept queue of 128 overflowed and left clients waiting for a greeting. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1024) < 0)
		die("cannot listen");
	getsockname(fd, (struct sockaddr *)&sa, &len);
	if (port_file) {
		snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (!f)
			die("cannot write the port file");
		fprintf(f, "%d\n", ntohs(sa.sin_port));
		fclose(f);
		rename(tmp, port_file);
	}
	return fd;
}

static int open_record(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		die("cannot open the record file");
	return fd;
}

int main(int argc, char **argv)
{
	const char *listen_spec = NULL, *cert = NULL, *key = NULL, *port_file = NULL;
	struct opts o = { .chunking = 1, .priority = "NORMAL", .record_fd = -1 };
	int lfd, fd, i, one = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen_spec = argv[++i];
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key = argv[++i];
		else if (!strcmp(argv[i], "--port-file") && i + 1 < argc)
			port_file = argv[++i];
		else if (!strcmp(argv[i], "--say-cipher"))
			o.say_cipher = 1;
		else if (!strcmp(argv[i], "--implicit-tls"))
			o.implicit_tls = 1;
		else if (!strcmp(argv[i], "--no-chunking"))
			o.chunking = 0;
		else if (!strcmp(argv[i], "--priority") && i + 1 < argc)
			o.priority = argv[++i];
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			o.record_fd = open_record(argv[++i]);
		else
			die("usage: bench-sink --listen ADDR:PORT --cert PEM --key PEM "
			    "[--implicit-tls] [--no-chunking] [--priority GNUTLS-PRIORITY] "
			    "[--port-file FILE] [--record FILE] [--say-cipher]");
	}
	if (!listen_spec || !cert || !key)
		die("--listen, --cert and --key are required");
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_session_ticket_key_generate(&ticket_key) < 0)
		die("cannot load the certificate and key");
	signal(SIGCHLD, SIG_IGN);       /* no zombies */
	lfd = listen_on(listen_spec, port_file);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (fork() == 0) {
			static struct sink k;

			close(lfd);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			k.fd = fd;
			session(&k, &o);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}
