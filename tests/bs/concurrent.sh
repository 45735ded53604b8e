#!/bin/bash
# 200 concurrent `sendas -bs` sessions (smtplib over pipes, one thread
# each), all relaying to the test server: every session is answered 250,
# and the server receives each message exactly once: nothing lost, nothing
# duplicated.  Bounded: 120 s for the clients, the server's own timeout.
. "$(dirname "$0")/../lib.sh"

N=200
export PYTHONPATH=$top_srcdir/tests/bs
{
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<a@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<*@example.net>*\nsend 250 2.1.5 ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 ok\n'
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/c.script"
rm -f "$T/c.port"
"$TESTSERVER" --script "$T/c.script" --record "$T/c.record" --port-file "$T/c.port" \
	--connections "$N" --timeout 60 >"$T/c.out" 2>&1 &
server_pid=$!
cleanups+=("kill $server_pid")
wait_for "$server_pid" -s "$T/c.port"
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\n' \
	"$(cat "$T/c.port")" "$T/queue" | write_accounts "$T/acc.ini"

start=$(date +%s)
timeout 120 python3 - "$SENDAS" "$T/acc.ini" "$N" >"$T/py.out" 2>"$T/py.err" <<'PY'
import sys, threading
from pipe_smtp import PipeSMTP

sendas, acc, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
results = [None] * n

def session(i):
    try:
        s = PipeSMTP([sendas, "-bs", "-C", acc])
        s.ehlo("c%d.test" % i)
        msg = "From: a@example.test\r\nSubject: concurrent %d\r\n\r\nbody %d\r\n" % (i, i)
        s.mail("a@example.test")
        s.rcpt("r%d@example.net" % i)
        code, text = s.data(msg)
        s.quit()
        results[i] = (code, s.proc.wait(timeout=60))
    except Exception as e:
        results[i] = (repr(e), None)

threads = [threading.Thread(target=session, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i, r in enumerate(results):
    print(i, r[0], r[1])
PY
ok $? "the clients finished within 120 s ($(( $(date +%s) - start )) s)"
sed 's/^/# /' "$T/py.err" | head -5
is "$(grep -c ' 250 0$' "$T/py.out")" "$N" "all $N sessions were answered 250 and exited 0"
wait "$server_pid"
ok $? "the server saw $N clean transactions"
grep -o 'C: Subject: concurrent [0-9]*' "$T/c.record" | sort >"$T/subjects"
is "$(wc -l <"$T/subjects")" "$N" "$N messages arrived"
is "$(sort -u "$T/subjects" | wc -l)" "$N" "each exactly once (no duplicates, none lost)"
is "$(ls "$T/queue" 2>/dev/null | grep -cE '^[0-9a-f]{16}$')" 0 "nothing was queued"

done_testing
