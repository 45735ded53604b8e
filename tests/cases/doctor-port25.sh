#!/bin/bash
# doctor-port25.sh: sendas --check on port 25 recognises the signs of an
# interception (a greeting that names another host, STARTTLS missing), in
# a private network namespace where a python3 server plays the intercepting
# box on 127.0.0.1:25; and a real-looking server there shows none.  Needs
# root for the namespace (as the Postfix bed does).
if [ -z "${SENDAS_IN_NAMESPACE:-}" ]; then
	exec unshare -n env SENDAS_IN_NAMESPACE=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
ip link set lo up || { echo "Bail out! cannot bring up lo in the namespace"; exit 1; }

# box GREETING-HOST CAPS: an SMTP server on 127.0.0.1:25 that greets as
# GREETING-HOST and offers CAPS (comma-separated), for two connections.
box() {
	rm -f "$T/box.ready"
	python3 - "$1" "$2" "$T/box.ready" <<'PY' &
import socket, sys
name, caps, ready = sys.argv[1], [c for c in sys.argv[2].split(",") if c], sys.argv[3]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 25))
srv.listen(4)
srv.settimeout(20)
open(ready, "w").close()
for _ in range(2):
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    r = c.makefile("rb")
    c.sendall(("220 %s ESMTP\r\n" % name).encode())
    for line in r:
        word = line.split(b" ")[0].strip().upper()
        if word in (b"EHLO", b"HELO"):
            lines = [name] + caps
            c.sendall("".join("250%s%s\r\n" % ("-" if i < len(lines) - 1 else " ", l)
                              for i, l in enumerate(lines)).encode())
        elif word == b"QUIT":
            c.sendall(b"221 bye\r\n")
            break
        else:
            c.sendall(b"502 no\r\n")
    c.close()
PY
	box_pid=$!
	wait_for "$box_pid" -e "$T/box.ready"
}

account_file "$T/acc.ini" isp host=localhost port=25 -user -password -tls_trust_file

box intercept.isp.example 8BITMIME
"$SENDAS" -C "$T/acc.ini" --check >"$T/out" 2>&1
RC=$?
wait "$box_pid"
OUT=$(cat "$T/out")
is "$RC" 69 "port 25 without STARTTLS: exit 69"
like "$OUT" "^  port 25 +warning +the greeting names intercept\.isp\.example; STARTTLS is not offered; something on the way may intercept port 25: use the provider's submission port \(587 or 465\)$" \
	"  the signs of interception, and the fix"
like "$OUT" "^  certificate +failed +.*does not offer STARTTLS" "  the certificate step names the missing STARTTLS"

box localhost STARTTLS
"$SENDAS" -C "$T/acc.ini" --check >"$T/out" 2>&1
wait "$box_pid"
OUT=$(cat "$T/out")
like "$OUT" "^  port 25 +ok +no sign of interception$" "a greeting with the host's own name and STARTTLS: no sign"

done_testing
