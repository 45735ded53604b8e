#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# mkcerts.sh DIR -- make the test PKI for the Postfix test bed with GnuTLS certtool.
#
# Creates under DIR (all keys ECDSA P-256: fast to generate, accepted everywhere):
#   ca.pem, ca.key                 test CA; the only CA clients are told to trust
#   server.pem, server.key         CN/SAN localhost + IP 127.0.0.1, signed by ca, valid
#   wrongname.pem, wrongname.key   signed by ca, SAN only wrong.example (name mismatch)
#   expired.pem, expired.key       signed by ca, SAN localhost, validity entirely in the past
#   other-ca.pem, other-ca.key     a second CA that clients do NOT trust
#   untrusted.pem, untrusted.key   SAN localhost, signed by other-ca (unknown issuer)
#   selfsigned.pem, selfsigned.key SAN localhost, self-signed (its own issuer)
#   server.sha256                  "sha256:" + lowercase hex SHA-256 of server.pem's DER
#
# We use certtool rather than openssl because sendas itself is built on GnuTLS and the
# CI image only ships gnutls-bin.  Templates are written to DIR/tmpl so a failure can be
# reproduced by hand.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir/tmpl"
cd "$dir"

# certtool prints the certificate text to stderr/stdout; keep a log instead of noise.
log=certtool.log
: >"$log"

genkey() { # genkey NAME: ECDSA P-256 private key in NAME.key, readable by root only
    certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
        --outfile "$1.key" >>"$log" 2>&1
    chmod 600 "$1.key"
}

# ca NAME CN: a self-signed CA certificate.
mkca() {
    genkey "$1"
    cat >"tmpl/$1.tmpl" <<EOF
cn = "$2"
organization = "sendas test bed"
serial = $(date +%s)01
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
EOF
    certtool --generate-self-signed --load-privkey "$1.key" \
        --template "tmpl/$1.tmpl" --outfile "$1.pem" >>"$log" 2>&1
}

# leaf NAME ISSUER SERIAL TEMPLATE-LINES: a TLS server certificate signed by ISSUER.
leaf() {
    name=$1 issuer=$2 serial=$3
    shift 3
    genkey "$name"
    {
        echo 'organization = "sendas test bed"'
        echo "serial = $(date +%s)$serial"
        for line in "$@"; do echo "$line"; done
        echo tls_www_server
        echo signing_key
    } >"tmpl/$name.tmpl"
    certtool --generate-certificate --load-privkey "$name.key" \
        --load-ca-certificate "$issuer.pem" --load-ca-privkey "$issuer.key" \
        --template "tmpl/$name.tmpl" --outfile "$name.pem" >>"$log" 2>&1
}

mkca ca "sendas test CA"
mkca other-ca "sendas untrusted CA"

leaf server ca 10 'cn = "localhost"' 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' \
    'expiration_days = 3650'
leaf wrongname ca 11 'cn = "wrong.example"' 'dns_name = "wrong.example"' \
    'expiration_days = 3650'
# Both dates in the past, so the certificate is expired (not "not yet valid").
leaf expired ca 12 'cn = "localhost"' 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' \
    'activation_date = "2000-01-01 00:00:00"' 'expiration_date = "2001-01-01 00:00:00"'
leaf untrusted other-ca 13 'cn = "localhost"' 'dns_name = "localhost"' \
    'ip_address = "127.0.0.1"' 'expiration_days = 3650'

# A self-signed server certificate for localhost (no CA vouches for it).
genkey selfsigned
cat >tmpl/selfsigned.tmpl <<EOF
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
organization = "sendas test bed"
serial = $(date +%s)14
expiration_days = 3650
tls_www_server
signing_key
EOF
certtool --generate-self-signed --load-privkey selfsigned.key \
    --template tmpl/selfsigned.tmpl --outfile selfsigned.pem >>"$log" 2>&1

# Pin: SHA-256 over the DER encoding of the leaf certificate.  certtool prints it with
# colons in some versions and without in others; normalise to lowercase hex.
fp=$(certtool --fingerprint --hash=sha256 --infile server.pem 2>>"$log" \
    | tr -d ':[:space:]' | tr 'A-F' 'a-f')
case $fp in
    *[!0-9a-f]* | "") echo "$0: cannot compute fingerprint" >&2; exit 1 ;;
esac
[ ${#fp} -eq 64 ] || { echo "$0: bad fingerprint length: $fp" >&2; exit 1; }
printf 'sha256:%s\n' "$fp" >server.sha256
