#!/bin/bash
# One `sendas -bs` session of 1,000 messages (a queue worker of a web
# application keeps its sendmail -bs open): the process's memory and
# descriptors stay flat, read from /proc after message 100 and after
# message 1,000: resident set within 256 KiB, the same descriptors; every
# message is answered 250 and reaches the test server once.  Structural,
# not timed (bounded: 300 s).  Under ASan, freed memory is held in a
# quarantine that grows the resident set by itself: it is turned off here
# (ASAN_OPTIONS quarantine_size_mb=0), leaks still count.
. "$(dirname "$0")/../lib.sh"

N=1000
export PYTHONPATH=$top_srcdir/tests/bs
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
{
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<a@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<b@example.net>*\nsend 250 2.1.5 ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 ok\nexpect QUIT\nsend 221 bye\n'
} >"$T/l.script"
serve l --connections "$N" --timeout 280   # the script once per connection
cleanups+=("kill $server_pid")
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\n' \
	"$port" "$T/queue" | write_accounts "$T/acc.ini"

timeout 300 python3 - "$SENDAS" "$T/acc.ini" "$N" >"$T/py.out" 2>"$T/py.err" <<'PY'
import os, sys
from pipe_smtp import PipeSMTP

sendas, acc, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

def usage(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    fds = sorted(os.readlink("/proc/%d/fd/%s" % (pid, fd))
                 for fd in os.listdir("/proc/%d/fd" % pid))
    return rss, fds

s = PipeSMTP([sendas, "-bs", "-C", acc])
s.ehlo("long.test")
ok, marks = 0, {}
for i in range(1, n + 1):
    msg = "From: a@example.test\r\nSubject: long %d\r\n\r\nbody %d\r\n" % (i, i)
    s.mail("a@example.test")
    s.rcpt("b@example.net")
    code, text = s.data(msg)
    ok += code == 250
    if i in (100, n):
        marks[i] = usage(s.proc.pid)
s.quit()
rc = s.proc.wait(timeout=60)
(rss1, fds1), (rss2, fds2) = marks[100], marks[n]
print("answered", ok)
print("exit", rc)
print("rss", rss1, rss2, rss2 - rss1)
print("fds", len(fds1), len(fds2), "same" if fds1 == fds2 else "differ: %r -> %r" % (fds1, fds2))
PY
ok $? "the session of $N messages ran (within 300 s)"
sed 's/^/# /' "$T/py.err" | head -5
sed 's/^/# /' "$T/py.out"
is "$(awk '$1 == "answered" { print $2 }' "$T/py.out")" "$N" "every message was answered 250"
is "$(awk '$1 == "exit" { print $2 }' "$T/py.out")" 0 "sendas -bs exited 0 after QUIT"
growth=$(awk '$1 == "rss" { print $4 }' "$T/py.out")
ok "$([ -n "$growth" ] && [ "$growth" -le 256 ]; echo $?)" \
	"resident set flat from message 100 to $N (grew ${growth:-?} KiB, at most 256)"
like "$(awk '$1 == "fds"' "$T/py.out")" "^fds ([0-9]+) \1 same$" \
	"the same descriptors after message 100 and after message $N"
wait "$server_pid"
ok $? "the server saw $N clean transactions"
is "$(grep -c '^C: Subject: long [0-9]*' "$T/l.record")" "$N" "$N messages at the server"
is "$(grep -o '^C: Subject: long [0-9]*' "$T/l.record" | sort -u | wc -l)" "$N" \
	"each exactly once"

done_testing
