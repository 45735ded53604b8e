#!/bin/sh
# selftest.sh: TAP test of sendas-testserver, driven by python3 (smtplib,
# ssl and raw sockets) so that the server is proven before sendas relies on
# it.  Needs certtool (gnutls-bin) and python3; skips without them.
#
#   TESTSERVER=path/to/sendas-testserver tests/server/selftest.sh
#
# SELFTEST_KEEP=1 keeps the scripts, records and logs for a look.
#
# The default binary is ./tests/server/sendas-testserver, as seen from the
# top build directory, where automake runs its tests.
#
# Note: python's smtplib sends commands in lower case ("mail FROM:<a>"),
# so the scripts below expect them that way; the glob is case-sensitive.

server=${TESTSERVER:-./tests/server/sendas-testserver}

for tool in python3 certtool; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not found"
		exit 0
	fi
done
if ! [ -x "$server" ]; then
	echo "Bail out! $server is not built"
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sendas-testserver.XXXXXX") || exit 1
if [ -n "${SELFTEST_KEEP:-}" ]; then
	echo "# keeping $dir"
else
	trap 'rm -rf "$dir"' EXIT
fi
trap 'exit 1' INT TERM

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	for f in "$dir/$name.record" "$dir/$name.stderr" "$dir/$name.client"; do
		[ -s "$f" ] && sed "s|^|# ${f##*/}: |" "$f"
	done
}

# check DESCRIPTION 'SHELL CONDITION': one TAP line; the condition is
# eval'ed, so write it in single quotes.
check() {
	if eval "$2"; then ok "$1"; else not_ok "$1"; fi
}

# has TEXT: the record of the current test has a line that is exactly TEXT
# (so 'has "C: QUIT\r\n"' looks for the escaped form, as recorded).
has() {
	grep -qxF -- "$1" "$dir/$name.record"
}

# passed: client and server both exited 0.
passed() {
	test "$client_rc$server_rc" = 00
}

# ---- throwaway CA and server certificate --------------------------------

make_certs() {
	cat >"$dir/ca.tmpl" <<-EOF
	cn = "sendas-testserver selftest CA"
	ca
	cert_signing_key
	expiration_days = 2
	EOF
	cat >"$dir/server.tmpl" <<-EOF
	cn = "localhost"
	dns_name = "localhost"
	ip_address = "127.0.0.1"
	tls_www_server
	signing_key
	encryption_key
	expiration_days = 2
	EOF
	certtool --generate-privkey --key-type=ecdsa --outfile "$dir/ca.key" &&
	certtool --generate-self-signed --load-privkey "$dir/ca.key" \
		--template "$dir/ca.tmpl" --outfile "$dir/ca.pem" &&
	certtool --generate-privkey --key-type=ecdsa --outfile "$dir/server.key" &&
	certtool --generate-certificate --load-privkey "$dir/server.key" \
		--load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca.key" \
		--template "$dir/server.tmpl" --outfile "$dir/server.pem"
} >"$dir/certtool.log" 2>&1

if ! make_certs; then
	echo "Bail out! certtool failed: $(tail -n 3 "$dir/certtool.log")"
	exit 1
fi
tls="--cert $dir/server.pem --key $dir/server.key"

# ---- the python client ---------------------------------------------------

cat >"$dir/client.py" <<'PYTHON'
"""Scenarios for selftest.sh: python3 client.py SCENARIO PORT CAFILE.
Exit 0 when the client saw what the scenario wants."""
import base64, hashlib, hmac, os, smtplib, socket, ssl, sys, time

scenario, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
HOST = "127.0.0.1"
MSG = "Subject: hi\r\n\r\n.dot\r\nbody\r\n"


def context():
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False      # the certificate names localhost
    return ctx


def smtp(**kw):
    return smtplib.SMTP(HOST, port, timeout=10, **kw)


def raw():
    return socket.create_connection((HOST, port), timeout=10)


def read_reply(f):
    """One (multi-line) reply from a file object: (code, [lines])."""
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise EOFError("server closed")
        lines.append(line)
        if line[3:4] != b"-":
            return int(line[:3]), lines


def scram(name, user, password, sock=None, cb_name=None, corrupt_cb=False,
          flag="n"):
    """A SCRAM client (RFC 5802) as an smtplib authobject."""
    hname = "sha256" if "256" in name else "sha1"
    nonce = base64.b64encode(os.urandom(18)).decode()
    gs2 = "p=%s,," % cb_name if cb_name else flag + ",,"
    bare = "n=%s,r=%s" % (user, nonce)
    state = {}

    def step(challenge=None):
        if challenge is None:
            return gs2 + bare
        if "auth" not in state:
            server_first = challenge.decode()
            f = dict(x.split("=", 1) for x in server_first.split(","))
            assert f["r"].startswith(nonce)
            cbdata = gs2.encode()
            if cb_name:
                cbdata += sock.get_channel_binding(cb_name)
            if corrupt_cb:
                cbdata = cbdata[:-1] + bytes([cbdata[-1] ^ 1])
            without_proof = "c=%s,r=%s" % (base64.b64encode(cbdata).decode(), f["r"])
            salted = hashlib.pbkdf2_hmac(hname, password.encode(),
                                         base64.b64decode(f["s"]), int(f["i"]))
            client_key = hmac.new(salted, b"Client Key", hname).digest()
            stored = hashlib.new(hname, client_key).digest()
            auth = ",".join((bare, server_first, without_proof)).encode()
            sig = hmac.new(stored, auth, hname).digest()
            proof = bytes(a ^ b for a, b in zip(client_key, sig))
            state["auth"], state["salted"] = auth, salted
            return without_proof + ",p=" + base64.b64encode(proof).decode()
        server_key = hmac.new(state["salted"], b"Server Key", hname).digest()
        want = hmac.new(server_key, state["auth"], hname).digest()
        assert challenge.decode() == "v=" + base64.b64encode(want).decode()
        state["verified"] = True
        return ""
    step.state = state
    return step


def plain():
    s = smtp()
    s.sendmail("a@x.test", ["b@y.test"], MSG)
    s.quit()


def starttls():
    s = smtp()
    s.starttls(context=context())
    s.sendmail("a@x.test", ["b@y.test"], MSG)
    s.quit()


def implicit():
    s = smtplib.SMTP_SSL(HOST, port, timeout=10, context=context())
    s.sendmail("a@x.test", ["b@y.test"], MSG)
    s.quit()


def login(password="s3cret", want=235):
    s = smtp()
    s.ehlo()
    try:
        s.login("alice", password)
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == want, e
    else:
        assert want == 235, "login succeeded"
    s.quit()


def open_login():
    s = smtp()
    s.starttls(context=context())
    s.login("alice", "s3cret")
    s.quit()


def auth_cancel():
    s = smtp()
    s.ehlo()
    assert s.docmd("AUTH", "LOGIN")[0] == 334
    assert s.docmd("*")[0] == 501
    s.quit()


def scram_login(name, want=235, **kw):
    s = smtp()
    s.starttls(context=context())
    s.ehlo()
    step = scram(name, "alice", "s3cret", sock=s.sock, **kw)
    try:
        s.auth(name, step)
        assert step.state.get("verified"), "server signature not checked"
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == want, e
    else:
        assert want == 235, "authentication succeeded"
    s.quit()


def pipelined():
    """One write for MAIL+RCPT+DATA, then three writes for the second."""
    s = smtp()
    s.starttls(context=context())
    s.ehlo()
    f = s.sock.makefile("rb")
    s.sock.sendall(b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n")
    for want in (250, 250, 354):
        assert read_reply(f)[0] == want
    s.sock.sendall(b"one\r\n.\r\n")
    assert read_reply(f)[0] == 250
    for cmd, want in ((b"MAIL FROM:<a@x.test>\r\n", 250),
                      (b"RCPT TO:<b@y.test>\r\n", 250), (b"DATA\r\n", 354)):
        s.sock.sendall(cmd)
        assert read_reply(f)[0] == want
    s.sock.sendall(b"two\r\n.\r\nQUIT\r\n")
    assert read_reply(f)[0] == 250
    assert read_reply(f)[0] == 221


def mismatch():
    s = smtp()
    s.ehlo()
    code, _ = s.mail("evil@x.test")
    assert code == 500, code
    code, _ = s.rcpt("b@y.test")
    assert code == 500, code
    s.quit()


def sendraw():
    with raw() as c:
        data = b""
        while b"END" not in data:
            chunk = c.recv(4096)
            assert chunk, data
            data += chunk
        assert data == b"220 mock.test\r\nbare\nNUL\x00\xff\r\nEND", data


def bad_line(data):
    """Send a bad first line; want 500, then 221 to QUIT."""
    with raw() as c:
        f = c.makefile("rb")
        assert read_reply(f)[0] == 220
        c.sendall(data)
        code = 500
        while code == 500:
            code = read_reply(f)[0]
            if code == 500:
                c.sendall(b"QUIT\r\n")
        assert code == 221, code


def hugeline():
    with raw() as c:
        f = c.makefile("rb")
        assert read_reply(f)[0] == 220
        line = f.readline(200000)
        assert len(line) == 100002 and line.startswith(b"250 xxx"), len(line)
        assert line.endswith(b"x\r\n")
        assert f.readline() == b"250 after\r\n"


def close_midway():
    s = smtp()
    s.ehlo()
    try:
        s.mail("a@x.test")
    except smtplib.SMTPServerDisconnected:
        return
    raise AssertionError("the server did not close")


def untrusted():
    """The system trust store does not know our CA: the client must refuse."""
    s = smtp()
    try:
        s.starttls(context=ssl.create_default_context())
    except ssl.SSLCertVerificationError:
        return
    raise AssertionError("an untrusted certificate was accepted")


def reset():
    s = smtp()
    s.ehlo()
    try:
        s.mail("a@x.test")
    except (ConnectionResetError, smtplib.SMTPServerDisconnected):
        return
    raise AssertionError("the server did not reset")


def stall():
    s = smtplib.SMTP(HOST, port, timeout=1)
    t = time.monotonic()
    try:
        s.ehlo()
    except (TimeoutError, smtplib.SMTPServerDisconnected):
        s.close()
        assert time.monotonic() - t < 3
        return
    raise AssertionError("the server answered during a stall")


def bdat():
    with raw() as c:
        f = c.makefile("rb")
        assert read_reply(f)[0] == 220
        c.sendall(b"BDAT 7\r\nab\r\ncd\n")
        assert read_reply(f)[0] == 250
        c.sendall(b"BDAT 3 LAST\r\nxyz")
        assert read_reply(f)[0] == 250


def injection():
    with raw() as c:
        f = c.makefile("rb")
        assert read_reply(f)[0] == 220
        c.sendall(b"STARTTLS\r\nEHLO evil\r\n")
        assert read_reply(f)[0] == 220
        tls = context().wrap_socket(c)
        tls.sendall(b"QUIT\r\n")
        tls.recv(100)
        tls.close()


def two_connections():
    plain()
    s = smtp()
    s.ehlo()
    s.quit()


def tls_close(clean):
    c = context().wrap_socket(raw())
    f = c.makefile("rb")
    assert read_reply(f)[0] == 220
    c.sendall(b"QUIT\r\n")
    assert read_reply(f)[0] == 221
    f.close()
    if clean:
        c = c.unwrap()          # sends close_notify
    c.close()


scenarios = {
    "plain": plain, "starttls": starttls, "implicit": implicit,
    "auth": login,
    "auth-wrong": lambda: login(password="wrong", want=535), "auth-cancel": auth_cancel,
    "scram": lambda: scram_login("SCRAM-SHA-256"),
    "scram-sha1": lambda: scram_login("SCRAM-SHA-1"),
    "scram-plus": lambda: scram_login("SCRAM-SHA-256-PLUS", cb_name="tls-unique"),
    "scram-bad-cb": lambda: scram_login("SCRAM-SHA-256-PLUS", want=535,
                                        cb_name="tls-unique", corrupt_cb=True),
    "scram-y": lambda: scram_login("SCRAM-SHA-256", flag="y"),
    "scram-y-downgrade": lambda: scram_login("SCRAM-SHA-256", want=535, flag="y"),
    "pipelined": pipelined, "mismatch": mismatch, "sendraw": sendraw,
    "hugeline": hugeline, "untrusted": untrusted, "reset": reset,
    "longline": lambda: bad_line(b"x" * 70000 + b"\r\n"),
    "bare-lf": lambda: bad_line(b"EHLO x\n"), "close": close_midway, "stall": stall,
    "bdat": bdat, "injection": injection, "next": two_connections,
    "close-notify": lambda: tls_close(True),
    "no-close-notify": lambda: tls_close(False),
    "open-login": open_login,
}
scenarios[scenario]()
PYTHON

# ---- running one server and one client -----------------------------------

# run NAME CLIENT [SERVER OPTIONS...]: the script is $dir/NAME.script; sets
# $server_rc and $client_rc, leaves NAME.record, NAME.stderr, NAME.client.
run() {
	name=$1
	client=$2
	shift 2
	rm -f "$dir/$name.port"
	"$server" --script "$dir/$name.script" --record "$dir/$name.record" \
		--port-file "$dir/$name.port" --timeout 10 "$@" \
		2>"$dir/$name.stderr" &
	pid=$!
	tries=0
	while ! [ -s "$dir/$name.port" ] && [ $tries -lt 100 ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	client_rc=1
	if [ -s "$dir/$name.port" ]; then
		python3 "$dir/client.py" "$client" "$(cat "$dir/$name.port")" \
			"$dir/ca.pem" >"$dir/$name.client" 2>&1
		client_rc=$?
	fi
	wait $pid
	server_rc=$?
}

# load_bad_script: start the server on $dir/bad-script.script, which it must
# refuse before listening; sets $rc.
load_bad_script() {
	"$server" --script "$dir/bad-script.script" --record "$dir/bad-script.record" \
		--port-file "$dir/bad-script.port" 2>"$dir/bad-script.stderr"
	rc=$?
}

# write_script NAME: the script for test NAME, from stdin.
write_script() {
	cat >"$dir/$1.script"
}

# What smtplib.sendmail says after the greeting and EHLO.
transaction='expect mail FROM:<a@x.test>*
send 250 2.1.0 ok
expect rcpt TO:<b@y.test>*
send 250 2.1.5 ok
expect data
send 354 go ahead
expect-data
send 250 2.0.0 queued
expect quit
send 221 2.0.0 bye'

# ---- plain exchange ----------------------------------------------------

write_script plain <<EOF
# a plain conversation
send 220 mock.test ESMTP
expect ehlo *
send 250-mock.test
send 250 8BITMIME
$transaction
EOF
run plain plain
check "plain exchange: client and server succeed" 'passed'
check "plain exchange: record has the exact bytes both ways" \
	'has "C: mail FROM:<a@x.test>\r\n" && has "S: 250-mock.test\r\n"'
check "plain exchange: DATA body recorded as sent, dot-stuffed" \
	'has "C: ..dot\r\n" && has "# data: 28 bytes" &&
	 tail -n 1 "$dir/plain.record" | grep -qxF "# end: ok"'

# ---- TLS -----------------------------------------------------------------

write_script starttls <<EOF
send 220 mock.test ESMTP
expect ehlo *
send 250-mock.test
send 250 STARTTLS
expect STARTTLS
send 220 2.0.0 ready
starttls
expect ehlo *
send 250 mock.test
$transaction
EOF
run starttls starttls $tls
check "STARTTLS: client and server succeed, TLS 1.3 recorded" \
	'passed && has "# tls established TLS1.3"'

write_script implicit <<EOF
send 220 mock.test ESMTP
expect ehlo *
send 250 mock.test
$transaction
EOF
run implicit implicit $tls --implicit-tls
check "implicit TLS (--implicit-tls)" 'passed && has "# tls established TLS1.3"'

{ echo tls; cat "$dir/implicit.script"; } | write_script implicit-verb
run implicit-verb implicit $tls
check "implicit TLS (tls verb)" 'passed && has "# tls established TLS1.3"'

write_script untrusted <<'EOF'
send 220 mock.test ESMTP
expect ehlo *
send 250-mock.test
send 250 STARTTLS
expect STARTTLS
send 220 2.0.0 ready
starttls fail
EOF
run untrusted untrusted $tls
# (Under TLS 1.3 the client's alert comes encrypted after our Finished;
# what GnuTLS makes of it varies, so only the failure is checked.)
check "starttls fail: a client refusing the certificate" \
	'passed && grep -q "^# tls handshake failed: " "$dir/untrusted.record"'

write_script close-notify <<'EOF'
tls
send 220 mock.test ESMTP
expect QUIT
send 221 bye
eof
EOF
run close-notify close-notify $tls
check "eof: the client's close_notify is recorded" \
	'passed && has "# client closed the connection (close_notify)"'
write_script no-close-notify <"$dir/close-notify.script"
run no-close-notify no-close-notify $tls
check "eof: a close without close_notify is recorded" \
	'passed && has "# client closed the connection (no close_notify)"'

# ---- AUTH --------------------------------------------------------------

# auth_script MECH: greeting, EHLO offering MECH, the exchange, QUIT.
auth_script() {
	cat <<-EOF
	send 220 mock.test ESMTP
	expect ehlo *
	send 250-mock.test
	send 250 AUTH $1
	expect AUTH $1*
	auth $1 alice s3cret
	expect quit
	send 221 bye
	EOF
}

for mech in PLAIN LOGIN CRAM-MD5; do
	t=auth-$(echo $mech | tr A-Z a-z)
	auth_script $mech | write_script $t
	run $t auth
	check "AUTH $mech via smtplib" 'passed && has "# auth $mech user=alice ok"'
done

auth_script PLAIN | write_script auth-wrong
run auth-wrong auth-wrong
check "AUTH with a wrong password: 535, recorded, the run still passes" \
	'passed && has "# auth PLAIN user=alice failed (wrong password)"'

auth_script LOGIN | write_script auth-cancel
run auth-cancel auth-cancel
check "AUTH cancelled with *: 501, recorded" \
	'passed && has "# auth LOGIN user=- cancelled"'

# scram_script MECH [TLS-VERSION [ADVERTISED]]: STARTTLS, then AUTH MECH.
scram_script() {
	cat <<-EOF
	tls-version ${2:-default}
	send 220 mock.test ESMTP
	expect ehlo *
	send 250-mock.test
	send 250 STARTTLS
	expect STARTTLS
	send 220 ready
	starttls
	expect ehlo *
	send 250-mock.test
	send 250 AUTH ${3:-$1}
	expect AUTH $1 *
	auth $1 alice s3cret
	expect quit
	send 221 bye
	EOF
}

scram_script SCRAM-SHA-256 | write_script scram
run scram scram $tls
check "AUTH SCRAM-SHA-256 (python client checks the server signature)" \
	'passed && has "# auth SCRAM-SHA-256 user=alice cb=none ok"'

scram_script SCRAM-SHA-1 | write_script scram-sha1
run scram-sha1 scram-sha1 $tls
check "AUTH SCRAM-SHA-1" 'passed && has "# auth SCRAM-SHA-1 user=alice cb=none ok"'

scram_script SCRAM-SHA-256-PLUS 1.2 | write_script scram-plus
run scram-plus scram-plus $tls
check "AUTH SCRAM-SHA-256-PLUS, real tls-unique binding over TLS 1.2" \
	'passed && has "# tls established TLS1.2" &&
	 has "# auth SCRAM-SHA-256-PLUS user=alice cb=tls-unique ok"'

scram_script SCRAM-SHA-256-PLUS 1.2 | write_script scram-bad-cb
run scram-bad-cb scram-bad-cb $tls
check "AUTH SCRAM-SHA-256-PLUS with a wrong binding: 535" \
	'passed && grep -q "^# auth SCRAM-SHA-256-PLUS user=alice cb=tls-unique failed" \
	 "$dir/scram-bad-cb.record"'

scram_script SCRAM-SHA-256 default SCRAM-SHA-256 | write_script scram-y
run scram-y scram-y $tls
check "SCRAM flag y without -PLUS offered: accepted" \
	'passed && has "# auth SCRAM-SHA-256 user=alice cb=y ok"'

scram_script SCRAM-SHA-256 default "SCRAM-SHA-256 SCRAM-SHA-256-PLUS" |
	write_script scram-y-downgrade
run scram-y-downgrade scram-y-downgrade $tls
check "SCRAM flag y with -PLUS offered: refused as a downgrade" \
	'passed && grep -q "^# auth SCRAM-SHA-256 user=.* cb=y failed" \
	 "$dir/scram-y-downgrade.record"'

# ---- write grouping ------------------------------------------------------

write_script pipelined <<'EOF'
send 220 mock.test ESMTP
expect ehlo *
send 250-mock.test
send 250 STARTTLS
expect STARTTLS
send 220 ready
starttls
expect ehlo *
send 250-mock.test
send 250 PIPELINING
expect MAIL FROM:<a@x.test>
send 250 ok
expect RCPT TO:<b@y.test>
send 250 ok
expect DATA
send 354 go
expect-data
send 250 queued
expect MAIL FROM:<a@x.test>
send 250 ok
expect RCPT TO:<b@y.test>
send 250 ok
expect DATA
send 354 go
expect-data
send 250 queued
expect QUIT
send 221 bye
EOF
run pipelined pipelined $tls
# Under TLS each read is one record, so the R: lines show the client's
# writes.  Keep R: and C: from the read that brought the first MAIL on.
grep -E '^(R|C): ' "$dir/pipelined.record" |
	awk '/^C: MAIL/ && !seen++ { print prev } seen { print } { prev = $0 }' \
	>"$dir/pipelined.reads"
cat >"$dir/pipelined.want" <<'EOF'
R: 48
C: MAIL FROM:<a@x.test>\r\n
C: RCPT TO:<b@y.test>\r\n
C: DATA\r\n
R: 8
C: one\r\n
C: .\r\n
R: 22
C: MAIL FROM:<a@x.test>\r\n
R: 20
C: RCPT TO:<b@y.test>\r\n
R: 6
C: DATA\r\n
R: 14
C: two\r\n
C: .\r\n
C: QUIT\r\n
EOF
check "pipelining: client and server succeed" 'passed'
check "pipelining: one write is one R:, three writes are three" \
	'cmp -s "$dir/pipelined.want" "$dir/pipelined.reads" ||
	 { diff "$dir/pipelined.want" "$dir/pipelined.reads" | sed "s/^/# /"; false; }'

# ---- faults ------------------------------------------------------------

write_script mismatch <<'EOF'
send 220 mock.test ESMTP
expect ehlo *
send 250 mock.test
expect mail FROM:<a@x.test>*
send 250 ok
EOF
run mismatch mismatch
check "expect mismatch: exit 1; the client got 500s, and 221 to QUIT" \
	'test "$client_rc$server_rc" = 01'
check "expect mismatch: said in the record and on stderr" \
	'has "! mismatch.script:4: expected \"mail FROM:<a@x.test>*\", got \"mail FROM:<evil@x.test>\"" &&
	 grep -qF "mismatch.script:4: expected" "$dir/mismatch.stderr" &&
	 tail -n 1 "$dir/mismatch.record" | grep -qxF "# end: failed"'

write_script sendraw <<'EOF'
send 220 mock.test
sendraw bare\nNUL\x00\xff\r\nEND
eof
EOF
run sendraw sendraw
check "sendraw: bytes after 220 reach the client exactly" \
	'passed && has "S: bare\nNUL\x00\xff\r\nEND"'

write_script hugeline <<'EOF'
send 220 mock.test
hugeline 100000
send 250 after
eof
EOF
run hugeline hugeline
check "hugeline: one 100000-byte reply line" 'passed'

for t in longline bare-lf; do
	printf 'send 220 mock.test\nexpect EHLO *\n' | write_script $t
	run $t $t
done
name=longline
check "a client line over 65536 bytes: 500, exit 1, said why" \
	'test "$client_rc$server_rc" = 01 &&
	 grep -q "^! longline.script:2: bad line from the client (longer than 65536 bytes)" \
	 "$dir/longline.record"'
name=bare-lf
check "a client line ending in a bare LF: 500, exit 1, said why" \
	'test "$client_rc$server_rc" = 01 && has "C: EHLO x\n" &&
	 grep -q "^! bare-lf.script:2: bad line from the client (ends in a bare LF)" \
	 "$dir/bare-lf.record"'

write_script close <<'EOF'
send 220 mock.test
expect ehlo *
send 250 mock.test
expect mail FROM:<a@x.test>*
close
EOF
run close close
check "close mid-transaction: the client sees the connection go" \
	'passed && has "# closed the connection"'

write_script reset <<'EOF'
send 220 mock.test
expect ehlo *
send 250 mock.test
expect mail FROM:<a@x.test>*
reset
EOF
run reset reset
check "reset: the client sees a reset" 'passed && has "# reset the connection"'

write_script stall <<'EOF'
send 220 mock.test
expect ehlo *
stall 8
eof
EOF
start_time=$(date +%s)
run stall stall
check "stall: ends when the client gives up, not after 8 s" \
	'passed && test $(( $(date +%s) - start_time )) -lt 6 &&
	 has "# stall ended: the client closed its side"'

write_script bdat <<'EOF'
send 220 mock.test
expect-bdat
send 250 2.0.0 chunk
expect-bdat BDAT * LAST
send 250 2.0.0 queued
eof
EOF
run bdat bdat
check "expect-bdat: chunks read by size, bare LF and all" \
	'passed && has "C: cd\n" && has "# bdat: 7 bytes" &&
	 has "C: xyz" && has "# bdat: 3 bytes, last"'

write_script injection <<'EOF'
send 220 mock.test
expect STARTTLS
send 220 ready
starttls
expect QUIT
send 221 bye
EOF
run injection injection $tls
check "STARTTLS injection: bytes before the handshake fail the run" \
	'test "$client_rc$server_rc" = 01 &&
	 grep -q "^! .*sent 11 bytes after STARTTLS" "$dir/injection.record"'

{ cat "$dir/plain.script"; echo next; cat <<'EOF'; } | write_script next
send 220 second.test
expect ehlo *
send 250 second.test
expect quit
send 221 bye
EOF
run next next
check "next: two connections, each with its own part of the script" \
	'passed && has "# connection 2" && has "S: 220 second.test\r\n"'

# ---- defaults: open and its settings --------------------------------------

# smtplib: STARTTLS, then AUTH PLAIN alice s3cret, as `open` plays them.
write_script open <<EOF
ehlo ehlo *
caps-plain PIPELINING, STARTTLS
caps AUTH PLAIN LOGIN
login PLAIN alice s3cret
open
expect quit
send 221 bye
EOF
run open open-login $tls
check "open: the default opening with settings, STARTTLS and a login" \
	'passed && has "S: 220 mock.test ESMTP test server\r\n" &&
	 has "S: 250-PIPELINING\r\n" && has "S: 250 STARTTLS\r\n" &&
	 has "S: 250 AUTH PLAIN LOGIN\r\n" && has "# auth PLAIN user=alice ok"'

write_script open-plain <<EOF
ehlo ehlo *
caps
login none
open plain
$transaction
EOF
run open-plain plain
check "open plain: a bare 250 for no capabilities, no STARTTLS, no login" \
	'passed && has "S: 250 mock.test\r\n" && ! grep -q STARTTLS "$dir/open-plain.record"'

printf 'open sesame\n' | write_script bad-script
load_bad_script
check "open takes nothing, tls or plain" \
	'test $rc = 2 && grep -qF "bad-script.script:1: \"open\" takes nothing" \
	 "$dir/bad-script.stderr"'

printf 'open\nexpect MAIL*\n' | write_script open-mismatch
run open-mismatch plain $tls
check "a mismatch inside open names the line of open" \
	'test $server_rc = 1 && grep -q "open-mismatch.script:1: expected" "$dir/open-mismatch.stderr"'

# ---- the server's own failures -------------------------------------------

name=timeout
echo "send 220 mock.test" | write_script timeout
start_time=$(date +%s)
"$server" --script "$dir/timeout.script" --record "$dir/timeout.record" \
	--port-file "$dir/timeout.port" --timeout 1 2>"$dir/timeout.stderr"
rc=$?
check "timeout: exit 1 when no client comes" \
	'test $rc = 1 && test $(( $(date +%s) - start_time )) -lt 4 &&
	 has "! timeout: no connection 1 within 1 s"'

name=bad-script
printf 'send 220 x\nexpect ehlo *\nfrobnicate now\n' | write_script bad-script
load_bad_script
check "a bad script: exit 2 with FILE:LINE, before listening" \
	'test $rc = 2 && ! test -e "$dir/bad-script.port" &&
	 grep -qF "bad-script.script:3: unknown verb \"frobnicate\"" "$dir/bad-script.stderr"'

printf 'close\nsend 250 too late\n' | write_script bad-script
load_bad_script
check "a step after close is a script error" \
	'test $rc = 2 && grep -qF "bad-script.script:2: the connection is already over" \
	 "$dir/bad-script.stderr"'

echo "1..$n"
[ $failed -eq 0 ]
