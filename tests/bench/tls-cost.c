/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls-cost: what GnuTLS needs to encrypt N bytes in full TLS records, the
 * reference for the CPU a client spends per megabyte (tests/bench/tls-limit,
 * tests/bench/regress).
 *
 *   tls-cost BYTES [CIPHER]      CIPHER as GnuTLS names it (AES-256-GCM)
 *
 * Encrypts BYTES of text in records of 16 KiB with the AEAD cipher of the
 * same libgnutls a client links, a fresh nonce per record as TLS 1.3 uses
 * them, and prints the CPU time of the loop in milliseconds (the process's
 * own clock: no I/O, no kernel).  The bytes are touched once before the
 * clock starts, as a client's bytes are hot in the cache when it encrypts
 * them; what this leaves out is everything but the cipher. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD (16 * 1024)
#define TAG 16

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	static unsigned char in[RECORD], out[RECORD + TAG];
	unsigned char key[32] = { 0x5e }, nonce[12] = { 0 };
	gnutls_cipher_algorithm_t alg;
	gnutls_aead_cipher_hd_t h;
	gnutls_datum_t k;
	unsigned long long total, done;
	size_t len;
	double t0;

	if (argc < 2 || argc > 3 || (total = strtoull(argv[1], NULL, 10)) == 0) {
		fputs("usage: tls-cost BYTES [CIPHER]\n", stderr);
		return 2;
	}
	alg = gnutls_cipher_get_id(argc > 2 ? argv[2] : "AES-256-GCM");
	k = (gnutls_datum_t){ key, (unsigned)gnutls_cipher_get_key_size(alg) };
	if (alg == GNUTLS_CIPHER_UNKNOWN || k.size == 0 || k.size > sizeof key ||
	    gnutls_aead_cipher_init(&h, alg, &k) < 0) {
		fprintf(stderr, "tls-cost: %s is no AEAD cipher here\n", argv[2]);
		return 2;
	}
	memset(in, 'x', sizeof in);
	t0 = cpu_ms();
	for (done = 0; done < total; done += RECORD) {
		len = sizeof out;
		nonce[11]++;
		if (nonce[11] == 0)
			nonce[10]++;
		if (gnutls_aead_cipher_encrypt(h, nonce, sizeof nonce, NULL, 0, TAG, in,
					       sizeof in, out, &len) < 0) {
			fputs("tls-cost: encryption failed\n", stderr);
			return 1;
		}
	}
	printf("%.3f\n", cpu_ms() - t0);
	gnutls_aead_cipher_deinit(h);
	return 0;
}
