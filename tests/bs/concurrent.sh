#!/bin/bash
# 200 concurrent `sendas -bs` sessions (smtplib over pipes, one thread
# each), all relaying to the test server: every session is answered 250,
# and the server receives each message exactly once: nothing lost, nothing
# duplicated.  Bounded: 240 s for the clients, the server's own timeout.
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
	--connections "$N" --timeout 110 >"$T/c.out" 2>&1 &
server_pid=$!
cleanups+=("kill $server_pid")
wait_for "$server_pid" -s "$T/c.port"
# The server takes one connection at a time, so the last of 200 waits for
# all the others (under ASan, tens of seconds): a timeout long enough that
# none gives up and queues its message instead.
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\ntimeout = 110\n' \
	"$(cat "$T/c.port")" "$T/queue" | write_accounts "$T/acc.ini"

start=$(date +%s)
timeout 240 python3 - "$SENDAS" "$T/acc.ini" "$N" >"$T/py.out" 2>"$T/py.err" <<'PY'
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
ok $? "the clients finished within 240 s ($(( $(date +%s) - start )) s)"
sed 's/^/# /' "$T/py.err" | head -5
is "$(grep -c ' 250 0$' "$T/py.out")" "$N" "all $N sessions were answered 250 and exited 0"
# Every 250 is a message delivered or durably queued: a session that
# waited too long for the one-at-a-time server (sanitizer builds) queues.
queued=$(grep -l '^Subject: concurrent' "$T/queue"/[0-9a-f]* 2>/dev/null | wc -l)
diag "delivered at once: $(grep -c 'C: Subject: concurrent' "$T/c.record"), queued: $queued"
if [ "$queued" -eq 0 ]; then
	wait "$server_pid"
	ok $? "the server saw $N clean transactions"
else
	kill "$server_pid" 2>/dev/null
	ok 0 "the server saw the sessions that did not give up (the others queued)"
fi
{
	grep -o 'C: Subject: concurrent [0-9]*' "$T/c.record" | sed 's/^C: //'
	grep -ho '^Subject: concurrent [0-9]*' "$T/queue"/[0-9a-f]* 2>/dev/null
} | sort >"$T/subjects"
is "$(wc -l <"$T/subjects")" "$N" "$N messages delivered or queued"
is "$(sort -u "$T/subjects" | wc -l)" "$N" "each exactly once (no duplicates, none lost)"

done_testing
