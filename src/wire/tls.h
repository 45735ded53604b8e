/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.h: the TLS layer.  tls.c is the only file that includes GnuTLS.
 *
 * A struct tls is one client session over a connected, blocking socket that
 * the caller owns (conn.c).  The caller sets SO_RCVTIMEO/SO_SNDTIMEO on the
 * socket; a timeout then surfaces here as CAT_TIMEOUT.
 *
 * Security defaults (RFC 8314, RFC 8997): the certificate is verified against
 * the system trust store, or trust_file when given, and the host name is
 * checked (and sent as SNI) in its A-label form; TLS 1.0 and 1.1 are off even
 * though GnuTLS's NORMAL allows them.  A "sha256:HEX" fingerprint pin, when
 * given, replaces CA verification (for self-signed servers) and must match the
 * server certificate exactly.  There is no option to skip verification. */
#ifndef SENDAS_TLS_H
#define SENDAS_TLS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "error.h"

/* The server's own certificate as the handshake saw it, verified or not
 * (the doctor reports its expiry and the tls_fingerprint line to pin it). */
struct tls_peer {
	int seen;                 /* a certificate came; the rest is set */
	time_t expires;
	char sha256[65];          /* lowercase hex of the DER's SHA-256 */
	int untrusted;            /* no trusted authority signed it (or self-signed) */
	int expired;
	int wrong_name;           /* not issued for the host */
};

struct tls_params {
	const char *host;         /* A-label host name to verify and send as SNI
				   * (no SNI for an IP literal, RFC 6066); NULL
				   * only together with a fingerprint */
	const char *trust_file;   /* PEM CA bundle, or NULL for the system store;
				   * ignored when a fingerprint is pinned */
	const char *fingerprint;  /* "sha256:AB:CD:..." or "sha256:abcd...", or NULL */
	const char *cert_file;    /* client certificate (PEM), or NULL */
	const char *key_file;     /* its key (PEM), or NULL */
	const char *priority;     /* GnuTLS priority string, or NULL for our default */
	struct tls_peer *peer;    /* when not NULL: filled by the handshake */
	int after_starttls;       /* the server accepted STARTTLS (RFC 3207): bytes
				   * that are not TLS are then its fault (CAT_TEMPORARY),
				   * not a port that expects STARTTLS */
	struct buf *refused_chain;  /* --serverinfo: when not NULL and the
				   * certificate is refused, what tls_describe()
				   * would say is appended here, its last line
				   * "verification: failed: REASONS" */
};

struct tls;

/* Handshake and verify on fd.  NULL and err on failure: CAT_TLS for
 * handshake and verification failures (the text lists every reason that
 * applies: expired, not for this host, not signed by a trusted authority,
 * fingerprint mismatch, ...), CAT_TEMPORARY when a server that accepted
 * STARTTLS answers with something that is not TLS, CAT_TIMEOUT,
 * CAT_CONNECT when the peer closed,
 * CAT_CONFIG for unreadable trust/cert/key files or a bad priority string
 * or fingerprint syntax, CAT_INTERNAL without host and fingerprint.
 *
 * clock (borrowed; it must outlive the struct tls) bounds every read and
 * write on fd, in the handshake and after it: each waits at most its
 * timeout, all of them together end at its deadline (clock.h). */
struct tls *tls_open(int fd, const struct tls_params *p, const struct io_clock *clock,
		     struct error *err);

/* Send all of n bytes (as few records as GnuTLS allows).  0, or -1 and err:
 * CAT_TIMEOUT, CAT_CONNECT (a reset, an EOF inside a record, an alert: after
 * the handshake every end of the session is the connection dropping). */
int tls_send(struct tls *t, const void *data, size_t n, struct error *err);

/* Receive up to n bytes: >0 bytes read, 0 the peer closed (EOF, also an
 * unclean close), -1 and err (CAT_TIMEOUT, CAT_CONNECT). */
ssize_t tls_recv(struct tls *t, void *data, size_t n, struct error *err);

/* Bytes already decrypted and buffered inside the TLS layer. */
size_t tls_pending(struct tls *t);

enum tls_cb_type {
	TLS_CB_EXPORTER,          /* RFC 9266 tls-exporter (TLS 1.3, and 1.2 with EMS) */
	TLS_CB_UNIQUE,            /* RFC 5929 tls-unique (TLS 1.2 only) */
};

/* Channel-binding data, base64 encoded, as GNU SASL wants it in
 * GSASL_CB_TLS_EXPORTER / GSASL_CB_TLS_UNIQUE.  A new string the caller frees
 * (it is not secret), or NULL when this session cannot provide that type. */
char *tls_channel_binding(struct tls *t, enum tls_cb_type type);

/* Append a human description for -v and --serverinfo: protocol version,
 * cipher suite, for each certificate in the chain its subject, issuer,
 * validity and SHA-256 fingerprint, then the verification result of the
 * chain.  Lines end in '\n'. */
void tls_describe(struct tls *t, struct buf *out);

/* "TLS1.3" etc., for short summaries. */
const char *tls_version_name(struct tls *t);

/* Send close_notify (best effort, no waiting) and free.  NULL is fine.
 * Does not close the fd. */
void tls_close(struct tls *t);

/* The server side (the smarthost's STARTTLS).  A struct tls_server holds
 * the certificate chain and key from two PEM files (read once; load a new
 * one to reload) and is shared by the sessions tls_accept() makes, which
 * must be closed before it is freed.  Errors: CAT_CONFIG for files that
 * cannot be read or do not fit, CAT_INTERNAL.  TLS 1.2 and newer only; no
 * client certificates are asked for. */
struct tls_server;
struct tls_server *tls_server_load(const char *cert_file, const char *key_file,
				   struct error *err);
void tls_server_free(struct tls_server *srv);

/* The server's handshake on fd (blocking, with the caller's SO_RCVTIMEO).
 * client names the peer in messages ("[192.0.2.1]:1234").  Then
 * tls_send(), tls_recv(), tls_pending() and tls_close() as for a client.
 * NULL and err as for tls_open(). */
struct tls *tls_accept(int fd, const struct tls_server *srv, const char *client,
		       struct error *err);

/* The library version string, for --version. */
const char *tls_library_version(void);

#endif
