#!/bin/bash
# failover.sh: host = A, B, C is tried in order on a connection or TLS
# failure, never once the session is ready: three hosts on loopback with one
# port, 127.0.0.3 dead (nothing listens), 127.0.0.2 TLS-broken (a small
# python3 server that accepts STARTTLS, then presents an untrusted
# certificate for another name, or answers the ClientHello with plain
# text), 127.0.0.1 our scripted test server.  A refusal after the login (a
# 451 at MAIL) or a refused login never moves on; every host failing queues
# the message, and a queue flush fails over the same way.
. "$(dirname "$0")/../lib.sh"

certs=$T/certs
mkdir -p "$certs"
sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
	{ echo "Bail out! cannot make test certificates"; exit 1; }
export XDG_STATE_HOME=$T/state

# broken MODE PORT: on 127.0.0.2:PORT (0: any, with 127.0.0.1 held dead on
# the same port), one line per connection in
# $T/broken.log; MODE untrusted (a handshake with untrusted.pem) or garbage
# (plain text after "220 go").  Writes the port to $T/broken.port.
broken() {
	rm -f "$T/broken.port" "$T/broken.log"
	: >"$T/broken.log"
	python3 - "$1" "$2" "$T/broken.port" "$T/broken.log" "$certs" <<'PY' &
import socket, ssl, sys
mode, port, port_file, log, certs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
if port == 0:
    # 127.0.0.1 must be dead on the same port: hold it, bound but not
    # listening (a connection is refused), so that no other test's server
    # can take it.
    hold = socket.socket()
    hold.bind(("127.0.0.1", 0))
    port = hold.getsockname()[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.2", port))
srv.listen(8)
srv.settimeout(20)
with open(port_file + ".new", "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
import os
os.rename(port_file + ".new", port_file)
while True:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    with open(log, "a") as f:
        f.write("connection\n")
    c.settimeout(10)
    r = c.makefile("rb")
    try:
        c.sendall(b"220 broken.test ESMTP\r\n")
        r.readline()
        c.sendall(b"250-broken.test\r\n250 STARTTLS\r\n")
        r.readline()
        c.sendall(b"220 2.0.0 go\r\n")
        if mode == "garbage":
            c.recv(4096)
            c.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certs + "/untrusted.pem", certs + "/untrusted.key")
            ctx.wrap_socket(c, server_side=True)
    except Exception:
        pass
    c.close()
PY
	broken_pid=$!
	wait_for "$broken_pid" -s "$T/broken.port"
	port=$(cat "$T/broken.port")
}

# good NAME: the scripted test server on 127.0.0.1 with $T/NAME.script.
good() { serve "$1" --cert "$certs/server.pem" --key "$certs/server.key"; }

accounts() {  # accounts PORT HOSTS
	# queued_exit = 75: the exit code says "queued" (sendas-accounts(5)).
	account_file "$T/acc.ini" alice "host=$2" "port=$1" "tls_trust_file=$certs/ca.pem" \
		queued_exit=75
}

txn_script() {
	printf 'open\nexpect MAIL FROM:<alice@example.test>*\nsend 250 2.1.0 Ok\n'
	printf 'expect RCPT TO:<bob@example.net>*\nsend 250 2.1.5 Ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 Ok: queued\n'
	printf 'expect QUIT\nsend 221 bye\n'
}

send() {  # send [ARGS]: sets RC; stderr in $T/err
	printf 'From: alice@example.test\nTo: bob@example.net\nSubject: failover\n\nhello\n' |
		"$SENDAS" -C "$T/acc.ini" "$@" -f alice@example.test bob@example.net 2>"$T/err"
	RC=$?
}

three="127.0.0.3, 127.0.0.2,127.0.0.1"

# 1. Dead, untrusted TLS, good: sent through the third.
txn_script >"$T/ok.script"
good ok
broken untrusted "$port"
accounts "$port" "$three"
send -v
is "$RC" 0 "dead, TLS-broken (untrusted certificate), good: sent"
wait "$server_pid"
is "$?" 0 "  the third host saw the transaction"
is "$(wc -l <"$T/broken.log")" 1 "  the second host was tried once"
like "$(cat "$T/err")" "127\.0\.0\.3 failed \(.*\); trying the next host, 127\.0\.0\.2" \
	"  -v: the dead host, then the next"
like "$(cat "$T/err")" "127\.0\.0\.2 failed \(cannot trust the certificate .*\); trying the next host, 127\.0\.0\.1" \
	"  -v: the untrusted certificate, then the next"
kill "$broken_pid" 2>/dev/null; wait "$broken_pid" 2>/dev/null

# 2. Dead, garbage after STARTTLS, good.
good ok
broken garbage "$port"
accounts "$port" "$three"
send -v
is "$RC" 0 "dead, TLS-broken (no TLS after STARTTLS), good: sent"
wait "$server_pid"
is "$?" 0 "  the third host saw the transaction"
like "$(cat "$T/err")" "127\.0\.0\.2 failed \(127\.0\.0\.2 accepted STARTTLS but then did not answer with TLS" \
	"  -v: the broken handshake, then the next"
kill "$broken_pid" 2>/dev/null; wait "$broken_pid" 2>/dev/null

# 3. A 451 at MAIL on the first host: no other host is tried.
{ printf 'open\nexpect MAIL FROM:<alice@example.test>*\nsend 451 4.3.0 try later\n'
  printf 'expect RCPT *\nsend 503 no\nexpect DATA\nsend 503 no\nexpect RSET\nsend 250 ok\n'
  printf 'expect QUIT\nsend 221 bye\n'; } >"$T/451.script"
good 451
broken untrusted "$port"
accounts "$port" "127.0.0.1, 127.0.0.2"
send
is "$RC" 75 "a 451 at MAIL on the first host: exit 75"
wait "$server_pid"
is "$(wc -l <"$T/broken.log")" 0 "  and the second host is never tried"
like "$(cat "$T/err")" "^  server: 127\.0\.0\.1:$port$" "  the report names the host used"
rm -rf "$XDG_STATE_HOME"

# 4. A refused login: no other host is tried.
{ printf 'login PLAIN alice@example.test another password\nopen\n'
  printf 'expect MAIL *\nsend 503 no\nexpect RCPT *\nsend 503 no\nexpect DATA\nsend 503 no\n'
  printf 'expect QUIT\nsend 221 bye\n'; } >"$T/auth.script"
good auth
accounts "$port" "127.0.0.1, 127.0.0.2"
send
is "$RC" 77 "a refused login on the first host: exit 77"
wait "$server_pid"
is "$(wc -l <"$T/broken.log")" 0 "  and the second host is never tried"
kill "$broken_pid" 2>/dev/null; wait "$broken_pid" 2>/dev/null
rm -rf "$XDG_STATE_HOME"

# 5. Every host fails: queued, the last one named; a flush fails over too.
broken untrusted 0
accounts "$port" "$three"
send
is "$RC" 75 "dead, TLS-broken, dead: exit 75"
like "$(cat "$T/err")" "^  server: 127\.0\.0\.1:$port$" "  the report names the host tried last"
like "$(cat "$T/err")" "^sendas: queued as [0-9a-f]{16}; will retry in 1m \\(sendas -q sends it now\\)$" "  and the message is queued"
is "$(wc -l <"$T/broken.log")" 1 "  the TLS-broken host was tried once"
kill "$broken_pid" 2>/dev/null; wait "$broken_pid" 2>/dev/null
txn_script >"$T/flush.script"
good flush
broken untrusted "$port"
accounts "$port" "$three"
id=$(ls "$XDG_STATE_HOME/sendas/queue" | grep -E '^[0-9a-f]{16}$')
"$SENDAS" -C "$T/acc.ini" --queue-retry "$id"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 0 "a queue flush fails over to the third host"
wait "$server_pid"
is "$?" 0 "  which saw the transaction"
is "$(ls "$XDG_STATE_HOME/sendas/queue" | grep -cE '^[0-9a-f]{16}$')" 0 "  the queue is empty"
kill "$broken_pid" 2>/dev/null; wait "$broken_pid" 2>/dev/null

done_testing
