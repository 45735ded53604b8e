#!/bin/bash
# The smarthost's systemd units: sendas-smtpd.socket and .service verify
# with nothing to say, the service's exposure is at most 2.0 and is the
# figure the README states; and socket activation works for real:
# systemd-socket-activate passes a listening socket (LISTEN_FDS, as
# sendas-smtpd.socket does without Accept=) and sendas --smtpd serves it,
# with SIGHUP reloading the certificate (a renewed one is used for the
# next session; one that does not load leaves the old in use, and says so).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-smtpd.sh"

for c in systemd-analyze systemd-socket-activate; do
	command -v $c >/dev/null ||
		{ echo "Bail out! $c is missing (tests/deps.sh installs systemd)"; exit 1; }
done
src=$top_srcdir/src/systemd
mkdir -p "$T/system" "$T/run"
chmod 700 "$T/run"
sed -e "s|@bindir[@]|$(dirname "$SENDAS")|g" "$src/system/sendas-smtpd.service.in" \
	>"$T/system/sendas-smtpd.service"
cp "$src/sendas-smtpd.socket" "$T/system/"
XDG_RUNTIME_DIR=$T/run systemd-analyze verify --man=no "$T/system/sendas-smtpd.socket" \
	"$T/system/sendas-smtpd.service" >"$T/verify.out" 2>&1
ok $? "sendas-smtpd.socket and .service verify"
is "$(cat "$T/verify.out")" "" "... with nothing to say"
exposure=$(unit_exposure "$T/system/sendas-smtpd.service")
diag "sendas-smtpd.service exposure: $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'
ok $? "sendas-smtpd.service: exposure $exposure, at most 2.0"
tr "\n" " " <"$top_srcdir/README" | grep -q "sendas-smtpd.service.s exposure level is $exposure"
ok $? "the README states that figure"
grep -q '^ListenStream=127.0.0.1:25$' "$T/system/sendas-smtpd.socket" &&
	! grep -q '^Accept=yes' "$T/system/sendas-smtpd.socket" &&
	grep -q '^ExecStart=.*/sendas --smtpd$' "$T/system/sendas-smtpd.service" &&
	grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$T/system/sendas-smtpd.service"
ok $? "port 25 on loopback, one long-running sendas --smtpd, reload by SIGHUP"

# Socket activation, and SIGHUP.
make_certs
mkdir "$T/etc"
cp "$certs/server.pem" "$T/etc/relay.pem"
cp "$certs/server.key" "$T/etc/relay.key"
printf '[smtpd]\ntls_cert_file = relay.pem\ntls_key_file = relay.key\n' >"$T/etc/smtpd.ini"
printf '[account a]\nhost = 127.0.0.1\nport = 9\ntls = off\nfrom = *@example.test\n' \
	>"$T/acc.ini"
chmod 600 "$T/acc.ini"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# systemd-socket-activate passes only the environment it is told to.
systemd-socket-activate -l "127.0.0.1:$port" -E SENDAS_SMTPD_CONFIG="$T/etc/smtpd.ini" \
	-E XDG_STATE_HOME="$XDG_STATE_HOME" "$SENDAS" --smtpd -C "$T/acc.ini" 2>"$T/smtpd.log" &
smtpd_pid=$!
cleanups+=("kill $smtpd_pid")
wait_for "$smtpd_pid" -n "$(ss -ltn "sport = :$port" 2>/dev/null | tail -n +2)"
sleep 0.3

handshake() {  # the name the certificate is checked against: localhost
	python3 - "$port" "$certs/ca.pem" <<'PY'
import sys
from raw_smtp import Raw, show
c = Raw(int(sys.argv[1]))
show("greeting", c.reply())
c.cmd("EHLO check.test")
try:
    show("starttls", c.starttls(sys.argv[2]))
    show("ehlo", c.cmd("EHLO check.test"))
except Exception as e:
    print("tls-error", type(e).__name__, e)
PY
}
out=$(handshake)
printf "%s\n" "$out" | sed "s/^/# /"
like "$out" "^greeting 220 220 .* ESMTP sendas" "the socket systemd passed is served"
like "$out" "^starttls 220 " "STARTTLS offered and started"
like "$out" "^ehlo 250 " "... with the certificate for localhost, verified"
like "$(cat "$T/smtpd.log")" "event=start" "the log on stderr"
is "$(grep -c 'event=listen' "$T/smtpd.log")" 0 "no socket of its own under socket activation"

cp "$certs/wrongname.pem" "$T/etc/relay.pem"
cp "$certs/wrongname.key" "$T/etc/relay.key"
kill -HUP "$smtpd_pid"
sleep 0.5
out=$(handshake)
printf "%s\n" "$out" | sed "s/^/# /"
like "$out" "^tls-error .*(match|mismatch)" "after SIGHUP the renewed certificate is served"
like "$(cat "$T/smtpd.log")" "event=reload status=ok" "the reload is logged"

echo broken >"$T/etc/relay.pem"
kill -HUP "$smtpd_pid"
sleep 0.5
out=$(handshake)
like "$out" "^tls-error .*(match|mismatch)" "a certificate that does not load leaves the old in use"
like "$(cat "$T/smtpd.log")" "event=reload error=.*relay\.pem" "... and the log says why"
kill -TERM "$smtpd_pid"
wait "$smtpd_pid"
is "$?" 0 "SIGTERM: exit 0"
is "$(grep -c 'Sanitizer\|runtime error' "$T/smtpd.log")" 0 "no sanitizer report from any process"
done_testing
