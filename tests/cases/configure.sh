#!/bin/bash
# configure.sh: sendas --configure ADDRESS against a local DNS server
# (tests/beds/dns-responder.py) in a private network and mount namespace
# whose /etc/resolv.conf points at it (and whose system trust store is the
# test CA, so the proposed account verifies our scripted test server):
# an RFC 6186 SRV record ("_submissions" says "." = not offered, then
# "_submission"), checked by the doctor and appended with --append, then
# refused as a duplicate; the built-in provider table (GMX with its sender
# rule, Gmail with its limits); an MX record of a provider (Microsoft 365);
# an MX guess; nothing at all.  Needs root for the namespaces (as the
# Postfix bed does).
if [ -z "${SENDAS_IN_NAMESPACE:-}" ]; then
	exec unshare -m -n --propagation private env SENDAS_IN_NAMESPACE=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

ip link set lo up || { echo "Bail out! cannot bring up lo in the namespace"; exit 1; }
certs=$T/certs
mkdir -p "$certs"
sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
	{ echo "Bail out! cannot make test certificates"; exit 1; }
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf &&
	mount --bind "$certs/ca.pem" /etc/ssl/certs/ca-certificates.crt ||
	{ echo "Bail out! cannot bind-mount resolv.conf and the trust store"; exit 1; }

tls_serve() { serve "$1" --cert "$certs/server.pem" --key "$certs/server.key"; }
dns() {  # dns <ZONE: (re)start the DNS server with these records
	[ -n "${dns_pid:-}" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
	cat >"$T/zone"
	rm -f "$T/dns.port" "$T/zone.log"
	python3 "$top_srcdir/tests/beds/dns-responder.py" "$T/zone" "$T/dns.port" 2>"$T/dns.err" &
	dns_pid=$!
	cleanups+=("kill $dns_pid 2>/dev/null")
	wait_for "$dns_pid" -s "$T/dns.port"
}
configure() {  # configure ARGS...: sets RC, OUT (stdout and stderr)
	"$SENDAS" --configure "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out" "$T/err")
}
# A connection that only peeks at the greeting (the doctor's TLS mode
# step), then the session without a login.
{ printf 'send 220 mock.test ESMTP test server\neof\nnext\n'
  printf 'login none\nopen\nexpect QUIT\nsend 221 bye\n'; } >"$T/srv.script"

# 1. SRV: _submissions not offered ("."), _submission on our server.
tls_serve srv
dns <<EOF2
_submissions._tcp.example.test SRV 0 0 0 .
_submission._tcp.example.test SRV 0 1 $port localhost.
EOF2
configure -C "$T/new.ini" --append alice@example.test
is "$RC" 0 "SRV: the proposal checks out, exit 0"
wait "$server_pid"
is "$?" 0 "  the doctor met our server (greeting, STARTTLS, EHLO)"
like "$OUT" "^; from the SRV record _submission\._tcp\.example\.test \(RFC 6186\)$" \
	"  the source is named: _submission, since _submissions says \".\""
like "$OUT" "^host = localhost$" "  host from the SRV target"
like "$OUT" "^port = $port$" "  port from the SRV record"
like "$OUT" "^tls = starttls$" "  _submission means STARTTLS"
like "$OUT" "^user = alice@example\.test$" "  the address is the login"
like "$OUT" "^  certificate +ok +verified for localhost" "  the doctor: the certificate verified"
like "$OUT" "^  AUTH +skipped +offered: PLAIN; no login without a password source$" \
	"  the doctor: the AUTH offer, no login"
like "$OUT" "^appended account example\.test to $T/new\.ini$" "  --append: appended"
is "$(stat -c %a "$T/new.ini")" 600 "  the new account file is private"
"$SENDAS" -C "$T/new.ini" --which alice@example.test >"$T/which" 2>&1
is "$?" 0 "  the appended account loads"
like "$(cat "$T/which")" "example\.test" "  and sends for the address"
grep -q "^_submissions._tcp.example.test 33$" "$T/zone.log"
ok $? "  _submissions was asked first"

tls_serve srv
dns <<EOF2
_submission._tcp.example.test SRV 0 1 $port localhost.
EOF2
configure -C "$T/new.ini" --append alice@example.test
is "$RC" 78 "--append again: the account exists, exit 78"
like "$OUT" "already has an account example\.test: not appended" "  and says so"
wait "$server_pid"
is "$(grep -c '^\[account ' "$T/new.ini")" 1 "  the file still has one section"

# 2. The built-in table (the DNS has nothing: the SRV queries fail, and
#    the doctor cannot resolve the provider's host in here).
dns </dev/null
configure alice@gmx.de
like "$OUT" "^; from the built-in provider table \(gmx\)$" "GMX: from the built-in table"
like "$OUT" "^host = mail\.gmx\.net$" "  mail.gmx.net"
like "$OUT" "^port = 587$" "  port 587"
like "$OUT" "^; gmx takes as senders: only the login's own address" "  with its sender rule"
is "$RC" 68 "  the check cannot resolve it here: exit 68"
like "$OUT" "^  DNS +failed +mail\.gmx\.net: " "  DNS failed, nothing else tried"
configure --append -C "$T/gmail.ini" bob@gmail.com
like "$OUT" "^host = smtp\.gmail\.com$" "Gmail: smtp.gmail.com"
like "$OUT" "^tls = implicit$" "  implicit TLS on 465"
like "$OUT" "^messages_per_day = 500$" "  its daily limit"
like "$OUT" "^max_recipients = 100$" "  its recipient limit"
like "$OUT" "not appended: the check failed" "  a failed check is not appended"
ok $([ ! -e "$T/gmail.ini" ]; echo $?) "  no file was written"

# 3. MX: a provider's MX host, then a plain guess; then nothing at all.
dns <<EOF2
corp.test MX 10 corp-test.mail.protection.outlook.com.
small.test MX 20 backup.small.test.
small.test MX 10 mx.small.test.
EOF2
configure carol@corp.test
like "$OUT" "^; from the MX record corp-test\.mail\.protection\.outlook\.com, a host of microsoft365$" \
	"MX at Microsoft 365: named"
like "$OUT" "^host = smtp\.office365\.com$" "  smtp.office365.com"
like "$OUT" "^; microsoft365 takes as senders: the login's own address, or one it has the Send As permission for$" \
	"  the Send As rule"
configure dave@small.test
like "$OUT" "^; from a guess: the domain's mail server mx\.small\.test \(its MX record\), port 587$" \
	"another MX: a guess, said to be one, the best preference first"
like "$OUT" "^host = mx\.small\.test$" "  the MX host"
configure eve@nothing.test
is "$RC" 68 "nothing found: exit 68"
like "$OUT" "found no SRV record, no provider and no MX record for nothing\.test" "  and says so"
configure not-an-address
is "$RC" 64 "not an address: exit 64"

done_testing
