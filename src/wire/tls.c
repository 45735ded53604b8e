/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.c: see tls.h.  The only file that includes GnuTLS. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "buf.h"
#include "error.h"
#include "escape.h"
#include "i18n.h"
#include "tls.h"
#include "xalloc.h"

/* RFC 8997: nothing older than TLS 1.2, although GnuTLS's NORMAL allows it. */
#define DEFAULT_PRIORITY "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-SSL3.0"
#define PIN_PREFIX "sha256:"
#define PIN_LEN 32                  /* SHA-256 */
#define HOST_NAMES_MAX 200          /* how much of a certificate's names we quote */
#define PEM_FILE_MAX (16 << 20)     /* Debian's whole CA bundle is 0.2 MiB */

enum tls_op { OP_HANDSHAKE, OP_SEND, OP_RECV };

struct tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	char *host;                 /* GnuTLS keeps a pointer to it for verification */
	int own_priority;           /* the user's priority string, not ours */
	int pinned;                 /* a fingerprint replaces CA verification */
	unsigned char pin[PIN_LEN];
	unsigned char seen[PIN_LEN]; /* the server's fingerprint, for the message */
	int seen_valid;
	int pin_failed;             /* check_pin refused the server */
	int broken;                 /* timeout or fatal error: no close_notify */
	int after_starttls;         /* tls_params.after_starttls */
	struct tls_peer *peer_out;  /* tls_params.peer */
	int fd;
	const struct io_clock *clock;  /* borrowed from conn.c: timeouts, deadline */
	int server;                 /* tls_accept(): cred belongs to a tls_server */
	struct buf *refused_chain;  /* tls_params.refused_chain */
};

static void describe_session(struct tls *t, struct buf *out);

/* The name used in messages; without a host (pinned) "the server". */
static const char *peer(const struct tls *t)
{
	return t->host ? t->host : _("the server");
}

/* RFC 6066: an IP literal is never sent as SNI. */
static int is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

/* "[::1]" -> "::1" so that GnuTLS checks the IP SAN; "example.org." ->
 * "example.org" because SNI and certificates never carry the root dot. */
static char *host_copy(const char *host)
{
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		return xstrndup(host + 1, n - 2);
	if (n >= 2 && host[n - 1] == '.')
		n--;
	return xstrndup(host, n);
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "sha256:" and 64 hex digits in either case; a colon may separate two
 * digits, as in openssl's "AB:CD:..." output. */
static int parse_pin(const char *s, unsigned char pin[PIN_LEN])
{
	size_t digits = 0;
	int v;

	if (strncasecmp(s, PIN_PREFIX, strlen(PIN_PREFIX)) != 0)
		return -1;
	for (s += strlen(PIN_PREFIX); *s; s++) {
		if (*s == ':' && digits > 0 && hex_value(s[1]) >= 0)
			continue;
		if ((v = hex_value(*s)) < 0 || digits == 2 * PIN_LEN)
			return -1;
		if (digits % 2 == 0)
			pin[digits / 2] = (unsigned char)(v << 4);
		else
			pin[digits / 2] |= (unsigned char)v;
		digits++;
	}
	return digits == 2 * PIN_LEN ? 0 : -1;
}

/* No early exit: the time taken does not say how much of the pin matched. */
static int same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* out gets 2 * n + 1 bytes. */
static void hex_string(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* SHA-256 of the DER of the server's certificate number i. */
static int peer_digest(gnutls_session_t s, unsigned i, unsigned char out[PIN_LEN])
{
	const gnutls_datum_t *certs;
	unsigned n = 0;

	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || i >= n)
		return -1;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[i].data, certs[i].size, out) < 0)
		return -1;
	return 0;
}

/* Verify callback for a pinned server: runs inside the handshake, so a
 * mismatch fails it before any application data (and any AUTH). */
static int check_pin(gnutls_session_t s)
{
	struct tls *t = gnutls_session_get_ptr(s);

	t->seen_valid = gnutls_certificate_type_get(s) == GNUTLS_CRT_X509 &&
			peer_digest(s, 0, t->seen) == 0;
	t->pin_failed = !t->seen_valid || !same_bytes(t->pin, t->seen, PIN_LEN);
	return t->pin_failed ? -1 : 0;
}

/* GnuTLS's words for code, in the language of whoever reads them
 * (error_library(), error.h). */
static const char *gnutls_words(int code, char *buf)
{
	return error_library("gnutls30", gnutls_strerror, code, buf);
}

/* A PEM file: a regular file of sane size (gnutls_load_file would read
 * /dev/zero until memory ran out).  errno survives gnutls_load_file, so an
 * unreadable file is reported as such. */
static int load_file(const char *path, gnutls_datum_t *d, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct stat st;
	int r;

	if (stat(path, &st) < 0)
		return error_set(err, CAT_CONFIG, N_("cannot read '%s': %s"), path,
				 error_errno(errno, eno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, CAT_CONFIG, N_("'%s' is not a regular file"), path);
	if (st.st_size > PEM_FILE_MAX)
		return error_set(err, CAT_CONFIG,
				 N_("'%s' is larger than %d MiB; is it the right file?"),
				 path, PEM_FILE_MAX >> 20);
	errno = 0;
	if ((r = gnutls_load_file(path, d)) < 0)
		return error_set(err, CAT_CONFIG, N_("cannot read '%s': %s"), path,
				 errno ? error_errno(errno, eno) : gnutls_words(r, eno));
	return 0;
}

static int load_trust_file(struct tls *t, const char *path, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	gnutls_datum_t d;
	int r;

	if (load_file(path, &d, err) < 0)
		return -1;
	r = gnutls_certificate_set_x509_trust_mem(t->cred, &d, GNUTLS_X509_FMT_PEM);
	gnutls_free(d.data);
	if (r < 0)
		return error_set(err, CAT_CONFIG, N_("cannot use the trust file '%s': %s"),
				 path, gnutls_words(r, eno));
	if (r == 0)
		return error_set(err, CAT_CONFIG,
				 N_("the trust file '%s' contains no PEM certificates"),
				 path);
	return 0;
}

static int load_trust(struct tls *t, const struct tls_params *p, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	int r;

	if (t->pinned)
		return 0;
	if (p->trust_file)
		return load_trust_file(t, p->trust_file, err);
	r = gnutls_certificate_set_x509_system_trust(t->cred);
	if (r < 0)
		return error_set(err, CAT_CONFIG,
				 N_("cannot load the system's trusted certificates: %s"),
				 gnutls_words(r, eno));
	if (r == 0)
		return error_set(err, CAT_CONFIG,
				 N_("the system has no trusted certificates; install them "
				   "(ca-certificates) or set a trust file"));
	return 0;
}

static int load_client_cert(struct tls *t, const struct tls_params *p,
			    struct error *err)
{
	char eno[ERROR_WORD_MAX];
	gnutls_datum_t cert, key;
	int r;

	if (!p->cert_file && !p->key_file)
		return 0;
	if (!p->cert_file || !p->key_file)
		return error_set(err, CAT_CONFIG, N_("a client certificate needs both "
						    "a certificate file and a key file"));
	if (load_file(p->cert_file, &cert, err) < 0)
		return -1;
	if (load_file(p->key_file, &key, err) < 0) {
		gnutls_free(cert.data);
		return -1;
	}
	r = gnutls_certificate_set_x509_key_mem2(t->cred, &cert, &key,
						 GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_memset(key.data, 0, key.size);   /* our copy of the private key */
	gnutls_free(key.data);
	gnutls_free(cert.data);
	if (r < 0)
		return error_set(err, CAT_CONFIG, N_("cannot use the client certificate "
						    "'%s' with the key '%s': %s"),
				 p->cert_file, p->key_file, gnutls_words(r, eno));
	return 0;
}

static int set_priority(struct tls *t, const char *priority, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	const char *use = priority ? priority : DEFAULT_PRIORITY;
	const char *where = NULL;
	int r;

	r = gnutls_priority_set_direct(t->session, use, &where);
	if (r == GNUTLS_E_INVALID_REQUEST && priority && where)
		return error_set(err, CAT_CONFIG, N_("the TLS priority string '%s' is not "
						    "valid at character %zu ('%s')"),
				 priority, (size_t)(where - priority) + 1, where);
	if (r < 0)
		return error_set(err, priority ? CAT_CONFIG : CAT_INTERNAL,
				 N_("cannot use the TLS priority string '%s': %s"),
				 use, gnutls_words(r, eno));
	return 0;
}

/* GnuTLS's transport: one recv() or send() each, the socket armed first
 * with what is left of the timeout and the deadline (EAGAIN when nothing is,
 * which timed_out() reads as a timeout). */
static ssize_t clocked_pull(gnutls_transport_ptr_t ptr, void *data, size_t n)
{
	struct tls *t = ptr;

	if (io_clock_arm(t->clock, t->fd) < 0)
		return -1;
	return recv(t->fd, data, n, 0);
}

static ssize_t clocked_push(gnutls_transport_ptr_t ptr, const void *data, size_t n)
{
	struct tls *t = ptr;

	if (io_clock_arm(t->clock, t->fd) < 0)
		return -1;
	return send(t->fd, data, n, MSG_NOSIGNAL);
}

/* GnuTLS asks this only with a timeout of its own, which we never set;
 * "data may be there" lets the blocking pull decide. */
static int clocked_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	(void)ptr, (void)ms;
	return 1;
}

static int setup_session(struct tls *t, int fd, const struct tls_params *p,
			 struct error *err)
{
	char eno[ERROR_WORD_MAX];
	int r;

	/* NO_SIGNAL: a server that hangs up must not kill us with SIGPIPE.
	 * FALSE_START (RFC 7918, TLS 1.2 with forward-secret AEAD suites only;
	 * TLS 1.3 needs none): EHLO leaves with our Finished instead of a round
	 * trip later.  The certificate is verified before that, and the server's
	 * Finished before any reply is read, so before AUTH. */
	if ((r = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL |
			     GNUTLS_ENABLE_FALSE_START)) < 0 ||
	    (r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0)
		return error_set(err, CAT_INTERNAL, N_("cannot start a TLS session: %s"),
				 gnutls_words(r, eno));
	gnutls_session_set_ptr(t->session, t);
	if (set_priority(t, p->priority, err) < 0)
		return -1;
	if (t->host && !is_ip_literal(t->host) &&
	    (r = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, t->host,
					strlen(t->host))) < 0)
		return error_set(err, CAT_INTERNAL,
				 N_("cannot send the server name '%s': %s"),
				 t->host, gnutls_words(r, eno));
	if (t->pinned)
		gnutls_session_set_verify_function(t->session, check_pin);
	else    /* the chain, and the name (an IP literal against IP SANs) */
		gnutls_session_set_verify_cert(t->session, t->host, 0);
	/* The socket's own timeouts, armed by our pull and push functions, are
	 * the only ones: no second clock in GnuTLS. */
	gnutls_handshake_set_timeout(t->session, 0);
	gnutls_transport_set_ptr(t->session, t);
	gnutls_transport_set_pull_function(t->session, clocked_pull);
	gnutls_transport_set_push_function(t->session, clocked_push);
	gnutls_transport_set_pull_timeout_function(t->session, clocked_pull_timeout);
	(void)fd;
	return 0;
}

/* Our socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO, so GNUTLS_E_AGAIN with
 * errno EAGAIN means the timeout expired.  GNUTLS_E_AGAIN with errno left
 * alone (callers set it to 0) means GnuTLS handled a post-handshake message,
 * such as a TLS 1.3 session ticket, and wants to be called again. */
static int timed_out(int r)
{
	return r == GNUTLS_E_TIMEDOUT ||
	       (r == GNUTLS_E_AGAIN && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/* EINTR, post-handshake messages, warning alerts, a renegotiation request
 * (which a client may ignore): call the same function again. */
static int try_again(int r)
{
	return !timed_out(r) && !gnutls_error_is_fatal(r);
}

static int fail_timeout(struct tls *t, enum tls_op op, struct error *err)
{
	if (op == OP_HANDSHAKE)
		return error_set(err, CAT_TIMEOUT,
				 N_("%s did not complete the TLS handshake in time"),
				 peer(t));
	if (op == OP_SEND)
		return error_set(err, CAT_TIMEOUT, N_("%s did not accept data in time"),
				 peer(t));
	return error_set(err, CAT_TIMEOUT, N_("%s did not answer in time"), peer(t));
}

static const char *alert_name(int code)
{
	const char *name = gnutls_alert_get_name((gnutls_alert_description_t)code);

	return name ? name : "?";
}

static int fail_alert(struct tls *t, enum tls_op op, struct error *err)
{
	char name[ERROR_WORD_MAX];
	const char *alert = error_library("gnutls30", alert_name,
					  (int)gnutls_alert_get(t->session), name);

	if (op == OP_HANDSHAKE)
		return error_set(err, CAT_TLS,
				 N_("%s refused the TLS handshake with the alert '%s'"),
				 peer(t), alert);
	return error_set(err, CAT_CONNECT, N_("%s ended the TLS session with the alert '%s'"),
			 peer(t), alert);
}

/* A server that refuses us after the handshake (TLS 1.3 with a missing
 * client certificate) sends an alert and closes, and our next write fails
 * with EPIPE.  The alert says why; the connection is gone, so reading it
 * cannot block. */
static int alert_waiting(struct tls *t, int saved_errno)
{
	char c;

	if (saved_errno != EPIPE && saved_errno != ECONNRESET)
		return 0;
	return gnutls_record_recv(t->session, &c, 1) == GNUTLS_E_FATAL_ALERT_RECEIVED;
}

/* The handshake met bytes that are not the TLS it expected.  Before any
 * ServerHello that is a server speaking something else, most often an SMTP
 * banner on a STARTTLS port; after it, a server that chose an old version. */
static int fail_garbled(struct tls *t, int r, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	int last_in = gnutls_handshake_get_last_in(t->session);   /* -1: none yet */

	if (last_in < (int)GNUTLS_HANDSHAKE_SERVER_HELLO && t->after_starttls)
		return error_set(err, CAT_TEMPORARY, N_("%s accepted STARTTLS but then did not "
						       "answer with TLS (a fault of the server "
						       "or of something on the way)"), peer(t));
	if (last_in < (int)GNUTLS_HANDSHAKE_SERVER_HELLO)
		return error_set(err, CAT_TLS, N_("%s did not answer with TLS; does this "
						 "port expect STARTTLS rather than TLS "
						 "from the start?"), peer(t));
	if (r == GNUTLS_E_UNSUPPORTED_VERSION_PACKET && !t->own_priority)
		return error_set(err, CAT_TLS, N_("%s offers only TLS 1.1 or older, which "
						 "are not secure enough (RFC 8997)"),
				 peer(t));
	if (r == GNUTLS_E_UNSUPPORTED_VERSION_PACKET)
		return error_set(err, CAT_TLS, N_("%s offers no TLS version that the "
						 "configured TLS priority string allows"),
				 peer(t));
	return error_set(err, CAT_TLS, N_("the TLS handshake with %s failed: %s"),
			 peer(t), gnutls_words(r, eno));
}

/* Turn a fatal GnuTLS result into err.  Verification failures have their own
 * messages (verify_error, pin_error).  After the handshake, whatever ends the
 * session (a reset, an EOF inside a record, an alert, a record that does not
 * decrypt) is the connection dropping: CAT_CONNECT, temporary, because
 * nothing before the final reply can have been delivered (issue 13). */
static int fail(struct tls *t, int r, enum tls_op op, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	int saved = errno;

	t->broken = 1;
	if (timed_out(r))
		return fail_timeout(t, op, err);
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	    (r == GNUTLS_E_PUSH_ERROR && alert_waiting(t, saved)))
		return fail_alert(t, op, err);
	if (r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR)
		return error_set(err, CAT_CONNECT, N_("the connection to %s failed: %s"),
				 peer(t), saved ? error_errno(saved, eno) : gnutls_words(r, eno));
	if (op != OP_HANDSHAKE)
		return error_set(err, CAT_CONNECT, N_("TLS error on the connection to %s: %s"),
				 peer(t), gnutls_words(r, eno));
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return error_set(err, CAT_CONNECT,
				 N_("%s closed the connection during the TLS handshake"),
				 peer(t));
	if (r == GNUTLS_E_UNEXPECTED_PACKET || r == GNUTLS_E_UNEXPECTED_PACKET_LENGTH ||
	    r == GNUTLS_E_UNSUPPORTED_VERSION_PACKET)
		return fail_garbled(t, r, err);
	return error_set(err, CAT_TLS, N_("the TLS handshake with %s failed: %s"),
			 peer(t), gnutls_words(r, eno));
}

/* Why a certificate is not acceptable, in the order a person should fix
 * things.  GNUTLS_CERT_UNEXPECTED_OWNER is worded by owner_reason(). */
static const struct {
	unsigned bit;
	const char *reason;
} verify_reasons[] = {
	{ GNUTLS_CERT_REVOKED, N_("it has been revoked") },
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, N_("it is not signed by a trusted authority") },
	{ GNUTLS_CERT_SIGNER_NOT_CA, N_("its issuer is not a certificate authority") },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, N_("its signature is not valid") },
	{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE,
	  N_("its issuer may not issue it (name constraints)") },
	{ GNUTLS_CERT_INSECURE_ALGORITHM, N_("it is signed with an insecure algorithm") },
	{ GNUTLS_CERT_EXPIRED, N_("it has expired") },
	{ GNUTLS_CERT_NOT_ACTIVATED,
	  N_("it is not valid yet (is this computer's clock right?)") },
	{ GNUTLS_CERT_UNEXPECTED_OWNER, NULL },
	{ GNUTLS_CERT_PURPOSE_MISMATCH, N_("it is not meant for a TLS server") },
	{ GNUTLS_CERT_MISMATCH, N_("it is not the expected certificate") },
	{ GNUTLS_CERT_MISSING_OCSP_STATUS, N_("the server sent no OCSP status for it") },
	{ GNUTLS_CERT_INVALID_OCSP_STATUS, N_("its OCSP status is not valid") },
	{ GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED,
	  N_("its revocation data is out of date") },
	{ GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE,
	  N_("its revocation data is dated in the future") },
	{ GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS,
	  N_("it has an unknown critical extension") },
};

/* Append ", name" for each DNS and IP name of the certificate (its common
 * name when it has none), so the user sees which host name would work. */
static void add_cert_names(gnutls_x509_crt_t crt, struct buf *names)
{
	char name[256], ip[INET6_ADDRSTRLEN];
	size_t size;
	unsigned i;
	int type;

	for (i = 0; names->len < HOST_NAMES_MAX; i++) {
		size = sizeof name - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &size, NULL);
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (type < 0)
			break;
		name[size] = '\0';
		if (type == GNUTLS_SAN_DNSNAME) {
			buf_adds_trunc(names, ", ");
			escape_add(names, name, size);   /* the server chose it */
		}
		else if (type == GNUTLS_SAN_IPADDRESS)
			buf_printf_trunc(names, ", %s",
				   inet_ntop(size == 4 ? AF_INET : AF_INET6, name, ip,
					     sizeof ip) ? ip : "?");
	}
	size = sizeof name;
	if (names->len == 0 &&
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name,
					  &size) == 0) {
		buf_adds_trunc(names, ", ");
		escape_add(names, name, strlen(name));
	}
}

static void owner_reason(struct tls *t, struct error *out)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	struct buf names;
	unsigned n = 0;

	buf_init(&names, HOST_NAMES_MAX + sizeof ", " + 256);
	certs = gnutls_certificate_get_peers(t->session, &n);
	if (certs && n > 0 && gnutls_x509_crt_init(&crt) == 0) {
		if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0)
			add_cert_names(crt, &names);
		gnutls_x509_crt_deinit(crt);
	}
	if (names.len > 0)
		error_set(out, CAT_TLS, N_("it is for %s, not for %s"), buf_str(&names) + 2,
			  peer(t));
	else
		error_set(out, CAT_TLS, N_("it is not for %s"), peer(t));
	buf_release(&names);
}

/* One reason more in out (error.h, so that it reads in any language):
 * "; " between them. */
static void add_reason(struct error *out, const struct error *one)
{
	char arg[ERROR_ARG_MAX];

	if (out->category == CAT_NONE)
		*out = *one;
	else
		error_append(out, "; %s", error_arg(one, arg));
}

/* Every reason that applies; GnuTLS's own words when we know none of the
 * bits.  out starts cleared (error_clear()). */
static void add_verify_reasons(struct tls *t, unsigned status, struct error *out)
{
	char word[ERROR_WORD_MAX];
	gnutls_datum_t text;
	struct error one;
	size_t i;

	for (i = 0; i < sizeof verify_reasons / sizeof verify_reasons[0]; i++) {
		if (!(status & verify_reasons[i].bit))
			continue;
		if (verify_reasons[i].reason)
			error_set(&one, CAT_TLS, "%s", error_word(verify_reasons[i].reason, word));
		else
			owner_reason(t, &one);
		add_reason(out, &one);
	}
	if (out->category == CAT_NONE && gnutls_certificate_verification_status_print(
				     status, GNUTLS_CRT_X509, &text, 0) == 0) {
		error_set(out, CAT_TLS, "%s", (const char *)text.data);
		gnutls_free(text.data);
	}
}

/* Whether the server's own certificate is self-signed (its issuer is
 * itself, so no authority vouches for it). */
static int peer_self_signed(gnutls_session_t s)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned n = 0;
	int self = 0;

	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0)
		self = gnutls_x509_crt_check_issuer(crt, crt) == 1;
	gnutls_x509_crt_deinit(crt);
	return self;
}

/* A self-signed certificate: say so, and the line that trusts exactly it
 * (sendas-accounts(5), tls_fingerprint), to add once its fingerprint is
 * confirmed with the server's operator. */
static void add_self_signed(struct tls *t, unsigned status, struct error *out)
{
	unsigned char d[PIN_LEN];
	char hex[2 * PIN_LEN + 1];

	if (!(status & GNUTLS_CERT_SIGNER_NOT_FOUND) || !peer_self_signed(t->session) ||
	    peer_digest(t->session, 0, d) < 0)
		return;
	hex_string(d, PIN_LEN, hex);
	error_append(out, N_("; it is self-signed: if its fingerprint is the one the server's "
			     "operator gives, add to the account: tls_fingerprint = sha256:%s"), hex);
}

static int verify_error(struct tls *t, struct error *err)
{
	unsigned status = gnutls_session_get_verify_cert_status(t->session);
	char arg[ERROR_ARG_MAX];
	struct error reasons;
	int r;

	t->broken = 1;
	error_clear(&reasons);
	add_verify_reasons(t, status, &reasons);
	add_self_signed(t, status, &reasons);
	r = error_set(err, CAT_TLS, N_("cannot trust the certificate of %s: %s"),
		      peer(t), error_arg(&reasons, arg));
	if (t->refused_chain) {
		describe_session(t, t->refused_chain);
		buf_printf_trunc(t->refused_chain, _("verification: failed: %s\n"),
			   reasons.text);
	}
	return r;
}

static int pin_error(struct tls *t, struct error *err)
{
	char seen[2 * PIN_LEN + 1];

	t->broken = 1;
	if (!t->seen_valid)
		return error_set(err, CAT_TLS, N_("%s sent no certificate to compare with "
						 "the configured tls_fingerprint"),
				 peer(t));
	hex_string(t->seen, PIN_LEN, seen);
	error_set(err, CAT_TLS, N_("the server certificate's fingerprint sha256:%s "
				  "does not match the configured tls_fingerprint"),
		  seen);
	if (t->refused_chain) {
		describe_session(t, t->refused_chain);
		buf_printf_trunc(t->refused_chain, _("verification: failed: %s\n"), err->text);
	}
	return -1;
}

/* tls_params.peer: the leaf certificate, whether it verifies or not. */
static void note_peer(struct tls *t)
{
	struct tls_peer *p = t->peer_out;
	unsigned status = gnutls_session_get_verify_cert_status(t->session);
	unsigned char digest[PIN_LEN];
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned n = 0;

	if (!p || !(certs = gnutls_certificate_get_peers(t->session, &n)) || !n ||
	    peer_digest(t->session, 0, digest) < 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0) {
		p->seen = 1;
		p->expires = gnutls_x509_crt_get_expiration_time(crt);
		hex_string(digest, PIN_LEN, p->sha256);
		p->untrusted = !!(status & GNUTLS_CERT_SIGNER_NOT_FOUND);
		p->expired = !!(status & GNUTLS_CERT_EXPIRED);
		p->wrong_name = !!(status & GNUTLS_CERT_UNEXPECTED_OWNER);
	}
	gnutls_x509_crt_deinit(crt);
}

/* gnutls_handshake() until it is done or fails for good. */
static int handshake_steps(struct tls *t)
{
	int r;

	do {
		errno = 0;
		r = gnutls_handshake(t->session);
	} while (r < 0 && try_again(r));
	return r;
}

static int handshake(struct tls *t, struct error *err)
{
	int r = handshake_steps(t);

	note_peer(t);
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		return verify_error(t, err);
	if (r < 0 && t->pin_failed)
		return pin_error(t, err);
	if (r < 0)
		return fail(t, r, OP_HANDSHAKE, err);
	/* Belt and braces: GnuTLS failed the handshake already if this is set. */
	if (!t->pinned && gnutls_session_get_verify_cert_status(t->session) != 0)
		return verify_error(t, err);
	return 0;
}

static int check_params(const struct tls_params *p, unsigned char pin[PIN_LEN],
			struct error *err)
{
	if (p->fingerprint && parse_pin(p->fingerprint, pin) < 0)
		return error_set(err, CAT_CONFIG,
				 N_("the tls_fingerprint '%s' is not 'sha256:' "
				   "followed by 64 hexadecimal digits"), p->fingerprint);
	/* Without a name there is nothing to check the certificate against. */
	if (!p->fingerprint && (!p->host || !*p->host))
		return error_set(err, CAT_INTERNAL,
				 N_("no host name to verify the TLS certificate against"));
	return 0;
}

/* A session that failed: no close_notify, freed; NULL for the caller. */
static struct tls *give_up(struct tls *t)
{
	t->broken = 1;
	tls_close(t);
	return NULL;
}

struct tls *tls_open(int fd, const struct tls_params *p, const struct io_clock *clock,
		     struct error *err)
{
	char eno[ERROR_WORD_MAX];
	unsigned char pin[PIN_LEN] = { 0 };
	struct tls *t;
	int r;

	if (check_params(p, pin, err) < 0)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->own_priority = p->priority != NULL;
	t->pinned = p->fingerprint != NULL;
	t->after_starttls = p->after_starttls;
	t->peer_out = p->peer;
	memcpy(t->pin, pin, sizeof pin);
	t->host = p->host && *p->host ? host_copy(p->host) : NULL;
	t->refused_chain = p->refused_chain;
	t->fd = fd;
	t->clock = clock;
	if ((r = gnutls_certificate_allocate_credentials(&t->cred)) < 0) {
		error_set(err, CAT_INTERNAL, N_("cannot start a TLS session: %s"),
			  gnutls_words(r, eno));
		return give_up(t);
	}
	if (load_trust(t, p, err) < 0 || load_client_cert(t, p, err) < 0 ||
	    setup_session(t, fd, p, err) < 0 || handshake(t, err) < 0)
		goto fail;
	return t;
fail:
	return give_up(t);
}

int tls_send(struct tls *t, const void *data, size_t n, struct error *err)
{
	const char *p = data;
	ssize_t r;

	while (n > 0) {
		errno = 0;
		r = gnutls_record_send(t->session, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == 0 || !try_again((int)r)) {
			r = r == 0 ? GNUTLS_E_PUSH_ERROR : r;
			return fail(t, (int)r, OP_SEND, err);
		}
	}
	return 0;
}

ssize_t tls_recv(struct tls *t, void *data, size_t n, struct error *err)
{
	ssize_t r;

	do {
		errno = 0;
		r = gnutls_record_recv(t->session, data, n);
	} while (r < 0 && try_again((int)r));
	if (r >= 0)
		return r;
	/* A server that closes without close_notify is common and harmless for
	 * SMTP, which has its own end (QUIT): the SMTP layer judges. */
	if (r == GNUTLS_E_PREMATURE_TERMINATION) {
		t->broken = 1;
		return 0;
	}
	return fail(t, (int)r, OP_RECV, err);
}

size_t tls_pending(struct tls *t)
{
	return gnutls_record_check_pending(t->session);
}

/* RFC 9266 requires the extended master secret for tls-exporter on TLS 1.2;
 * RFC 5929's tls-unique does not exist in TLS 1.3. */
static int binding_available(struct tls *t, enum tls_cb_type type)
{
	int tls13 = gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3;

	if (type == TLS_CB_UNIQUE)
		return !tls13;
	return tls13 || gnutls_session_ext_master_secret_status(t->session);
}

char *tls_channel_binding(struct tls *t, enum tls_cb_type type)
{
	gnutls_channel_binding_t cb = type == TLS_CB_UNIQUE ? GNUTLS_CB_TLS_UNIQUE
							    : GNUTLS_CB_TLS_EXPORTER;
	gnutls_datum_t raw, b64;
	char *s;

	if (!binding_available(t, type) ||
	    gnutls_session_channel_binding(t->session, cb, &raw) < 0)
		return NULL;
	if (gnutls_base64_encode2(&raw, &b64) < 0) {
		gnutls_free(raw.data);
		return NULL;
	}
	s = xstrndup((const char *)b64.data, b64.size);
	gnutls_free(raw.data);
	gnutls_free(b64.data);
	return s;
}

/* ISO 8601 in UTC. */
static void add_time(struct buf *out, time_t when)
{
	char s[32];
	struct tm tm;

	if (when == (time_t)-1 || !gmtime_r(&when, &tm) ||
	    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf_adds_trunc(out, "?");
	else
		buf_adds_trunc(out, s);
}

static void add_dn(struct buf *out, gnutls_x509_crt_t crt, int issuer)
{
	gnutls_datum_t dn;
	int r;

	if (issuer)
		r = gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0);
	else
		r = gnutls_x509_crt_get_dn3(crt, &dn, 0);
	if (r < 0) {
		buf_adds_trunc(out, "?");
		return;
	}
	escape_add(out, (const char *)dn.data, dn.size);   /* the server chose it */
	gnutls_free(dn.data);
}

static void describe_cert(struct tls *t, unsigned i, const gnutls_datum_t *der,
			  struct buf *out)
{
	unsigned char digest[PIN_LEN];
	char hex[2 * PIN_LEN + 1];
	gnutls_x509_crt_t crt;

	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0) {
		buf_printf_trunc(out, _("certificate %u: "), i);
		add_dn(out, crt, 0);
		buf_printf_trunc(out, "\n  %s ", _("issuer:"));
		add_dn(out, crt, 1);
		buf_printf_trunc(out, "\n  %s ", _("valid from"));
		add_time(out, gnutls_x509_crt_get_activation_time(crt));
		buf_printf_trunc(out, " %s ", _("until"));
		add_time(out, gnutls_x509_crt_get_expiration_time(crt));
		if (peer_digest(t->session, i, digest) == 0) {
			hex_string(digest, PIN_LEN, hex);
			buf_printf_trunc(out, "\n  %s sha256:%s", _("fingerprint:"), hex);
		}
		buf_addc_trunc(out, '\n');
	}
	gnutls_x509_crt_deinit(crt);
}

/* The session and the chain the server sent, verified or not. */
static void describe_session(struct tls *t, struct buf *out)
{
	const gnutls_datum_t *certs;
	unsigned i, n = 0;
	char *desc;

	desc = gnutls_session_get_desc(t->session);
	buf_printf_trunc(out, _("TLS session: %s\n"), desc ? desc : tls_version_name(t));
	gnutls_free(desc);
	certs = gnutls_certificate_get_peers(t->session, &n);
	for (i = 0; certs && i < n; i++)
		describe_cert(t, i, &certs[i], out);
}

void tls_describe(struct tls *t, struct buf *out)
{
	describe_session(t, out);
	/* tls_open returned t, so the chain passed: say by which rule. */
	if (t->pinned)
		buf_printf_trunc(out, _("verification: the certificate matches the "
				  "configured tls_fingerprint\n"));
	else
		buf_printf_trunc(out, _("verification: verified for %s\n"), peer(t));
}

const char *tls_version_name(struct tls *t)
{
	gnutls_protocol_t version = gnutls_protocol_get_version(t->session);
	const char *name = gnutls_protocol_get_name(version);

	return name ? name : "?";
}

void tls_close(struct tls *t)
{
	if (!t)
		return;
	if (t->session) {
		/* After a timeout or fatal error the session cannot send; and
		 * GNUTLS_SHUT_WR does not wait for the server's answer. */
		if (!t->broken)
			gnutls_bye(t->session, GNUTLS_SHUT_WR);
		gnutls_deinit(t->session);
	}
	if (t->cred && !t->server)
		gnutls_certificate_free_credentials(t->cred);
	free(t->host);
	free(t);
}

/* ---- the server side (the smarthost) ---------------------------------- */

struct tls_server {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t priority;
};

void tls_server_free(struct tls_server *srv)
{
	if (!srv)
		return;
	if (srv->cred)
		gnutls_certificate_free_credentials(srv->cred);
	if (srv->priority)
		gnutls_priority_deinit(srv->priority);
	free(srv);
}

static int server_key_pair(struct tls_server *srv, const char *cert_file,
			   const char *key_file, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	gnutls_datum_t cert, key;
	int r;

	if (load_file(cert_file, &cert, err) < 0)
		return -1;
	if (load_file(key_file, &key, err) < 0) {
		gnutls_free(cert.data);
		return -1;
	}
	r = gnutls_certificate_set_x509_key_mem2(srv->cred, &cert, &key,
						 GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_memset(key.data, 0, key.size);
	gnutls_free(key.data);
	gnutls_free(cert.data);
	if (r < 0)
		return error_set(err, CAT_CONFIG, N_("cannot use the server certificate "
						    "'%s' with the key '%s': %s"),
				 cert_file, key_file, gnutls_words(r, eno));
	return 0;
}

struct tls_server *tls_server_load(const char *cert_file, const char *key_file,
				   struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct tls_server *srv = xcalloc(1, sizeof *srv);
	int r;

	if ((r = gnutls_certificate_allocate_credentials(&srv->cred)) < 0 ||
	    (r = gnutls_priority_init2(&srv->priority, DEFAULT_PRIORITY, NULL, 0)) < 0) {
		error_set(err, CAT_INTERNAL, N_("cannot start a TLS session: %s"),
			  gnutls_words(r, eno));
		tls_server_free(srv);
		return NULL;
	}
	if (server_key_pair(srv, cert_file, key_file, err) < 0) {
		tls_server_free(srv);
		return NULL;
	}
	return srv;
}

struct tls *tls_accept(int fd, const struct tls_server *srv, const char *client,
		       struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct tls *t = xcalloc(1, sizeof *t);
	int r;

	t->server = 1;
	t->cred = srv->cred;
	t->host = xstrdup(client);
	if ((r = gnutls_init(&t->session, GNUTLS_SERVER | GNUTLS_NO_SIGNAL)) < 0 ||
	    (r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0 ||
	    (r = gnutls_priority_set(t->session, srv->priority)) < 0) {
		error_set(err, CAT_INTERNAL, N_("cannot start a TLS session: %s"),
			  gnutls_words(r, eno));
		return give_up(t);
	}
	gnutls_certificate_server_set_request(t->session, GNUTLS_CERT_IGNORE);
	gnutls_handshake_set_timeout(t->session, 0);
	gnutls_transport_set_int2(t->session, fd, fd);
	if ((r = handshake_steps(t)) < 0) {
		fail(t, r, OP_HANDSHAKE, err);
		return give_up(t);
	}
	return t;
}

const char *tls_library_version(void)
{
	return gnutls_check_version(NULL);
}
