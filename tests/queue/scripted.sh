#!/bin/bash
# The queue against our scripted test server (tests/server): a 4xx queues
# and the next flush delivers, byte for byte; a permanent refusal goes to
# failed/ and is never retried; queue = off; a queue that cannot be
# written; lifetime expiry; a send that drains the queue over its own
# connection; a new connection after the engine had to drop one; a
# re-encoding for a server without 8BITMIME; mailq, --queue-retry,
# --queue-delete.  Times are never waited for: --queue-retry makes a
# message due, and expiry is shown by editing the stored queue time.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue   # queue_dir of every account here

# serve NAME: tests/lib.sh.

# accounts PORT [LINE...]: account "a" on 127.0.0.1:PORT, no TLS, no login.
accounts() {
	local p=$1; shift
	account_file "$T/acc.ini" a host=127.0.0.1 "port=$p" tls=off -tls_trust_file -user \
		-password "queue_dir=$Q" "$@"
}

greet() {  # greet [CAPABILITY]
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 %s\n' \
		"${1:-8BITMIME}"
}
txn() {    # txn RCPT: a transaction the server accepts
	printf 'expect MAIL FROM:<a@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<%s>*\nsend 250 2.1.5 ok\n' "$1"
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 queued\n'
}
bye() { printf 'expect QUIT\nsend 221 bye\n'; }

message() {  # message SUBJECT: with Date and Message-ID, so that sendas adds nothing
	printf 'From: a@example.test\nTo: b@example.net\nSubject: %s\n' "$1"
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.test>\n\n' "$1"
	printf 'hello\n.lone dot and a dot line follow\n.\nend\n'
}

send() {  # send SUBJECT [ARGS...]: sets RC, ERR
	local subject=$1; shift
	message "$subject" | "$SENDAS" -C "$T/acc.ini" -i "$@" b@example.net 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
}

ids() { ls "$Q" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
failed_ids() { ls "$Q/failed" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }

# data_blocks RECORD: every DATA content in the record, one file each
# ($T/data.1, ...); prints how many.
data_blocks() {
	awk -v out="$T/data." '
		/^C: DATA\\r\\n$/ { n++; inside = 1; next }
		inside && /^C: / { print > (out n); if ($0 == "C: .\\r\\n") inside = 0 }
		END { print n + 0 }' "$1"
}

# 1. A 4xx queues; the next due flush delivers on a new connection; a
#    direct send of the same message sends the same bytes.
{
	greet; printf 'expect MAIL FROM:<a@example.test>*\nsend 451 4.3.0 try later\n'; bye
	echo next; greet; txn b@example.net; bye
	echo next; greet; txn b@example.net; bye
} >"$T/retry.script"
serve retry
accounts "$port"
send retry
is "$RC" 75 "a 4xx at MAIL exits 75"
like "$ERR" '^sendas: queued as [0-9a-f]{16}; will retry$' "and says it is queued"
like "$ERR" 'the message was queued' "the failure report says so too"
id=$(ids)
is "$(echo "$id" | wc -w)" 1 "one message is queued"
is "$("$SENDAS" -C "$T/acc.ini" --queue-ids)" "$id" "--queue-ids prints its ID"
list=$("$SENDAS" -C "$T/acc.ini" -bp)
like "$list" "^$id  [0-9]+ bytes  queued [0-9]+s ago$" "mailq: ID, size, age"
like "$list" '^  account: +a$' "mailq: account"
like "$list" '^  from: +a@example\.test$' "mailq: sender"
like "$list" '^  to: +b@example\.net$' "mailq: recipients"
like "$list" '^  attempts: +1, next try in (1m|[0-9]+s)$' "mailq: attempts, next try"
like "$list" '^  last error: .*451 4\.3\.0 try later' "mailq: the last error"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "-q sends nothing before the next try"
is "$(ids)" "$id" "and the message stays"
"$SENDAS" -C "$T/acc.ini" --queue-retry "$id"
ok $? "--queue-retry makes it due"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 0 "-q delivers it"
is "$(ids)" "" "and the queue is empty"
send retry
is "$RC" 0 "a direct send of the same message"
wait "$server_pid"
ok $? "the server saw what its script wanted (a failure, the flush, the direct send)"
is "$(data_blocks "$T/retry.record")" 2 "two messages were delivered"
cmp -s "$T/data.1" "$T/data.2"
ok $? "the flushed message is byte for byte the directly sent one"
is "$(grep -c '^# connection' "$T/retry.record")" 3 "one connection each"

# 2. A permanent refusal: failed/, with the reason; never retried.
{
	greet; printf 'expect MAIL FROM:<a@example.test>*\nsend 250 ok\n'
	printf 'expect RCPT TO:<b@example.net>*\nsend 550 5.1.1 no such user\n'
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/refused.script"
serve refused
accounts "$port"
send refused
is "$RC" 67 "a refused recipient exits 67, as before"
like "$ERR" "^sendas: kept as [0-9a-f]{16} in $Q/failed \(mailq lists it" "and a copy is kept"
wait "$server_pid"
fid=$(failed_ids)
is "$(echo "$fid" | wc -w)" 1 "failed/ holds it"
is "$(ids)" "" "the queue does not"
list=$("$SENDAS" -C "$T/acc.ini" -bp)
like "$list" '^Failed, not retried, in ' "mailq lists failed messages apart"
like "$list" "^$fid  " "with their ID"
like "$list" '^  reason: +.*550 5\.1\.1 no such user' "and the reason"
accounts 1   # nothing listens there: a flush that tried would say so
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "-q does not retry a failed message"
is "$(failed_ids)" "$fid" "which stays in failed/"
"$SENDAS" -C "$T/acc.ini" --queue-retry "$fid"
ok $? "--queue-retry takes a failed message back"
is "$(ids):$(failed_ids)" "$fid:" "into the queue"
"$SENDAS" -C "$T/acc.ini" --queue-delete "$fid"
ok $? "--queue-delete removes it"
is "$(ids)$(failed_ids)" "" "from everywhere"
"$SENDAS" -C "$T/acc.ini" --queue-delete "$fid" 2>"$T/err"
is "$?" 65 "deleting it again: 65"
like "$(cat "$T/err")" "no message $fid in the queue" "naming it"
"$SENDAS" -C "$T/acc.ini" --queue-delete ../x 2>"$T/err"
is "$?" 64 "an ID that is not one: 64"
"$SENDAS" -C "$T/acc.ini" --queue-retry 2>"$T/err"
is "$?" 64 "--queue-retry without IDs: 64"
is "$("$SENDAS" -C "$T/acc.ini" -bp)" "The queue is empty." "mailq of an empty queue"

# 3. queue = off; a queue that cannot be written.
accounts 1 "queue = off"
send off
is "$RC" 75 "queue = off: still 75"
like "$ERR" '^sendas: not sent; account a keeps no queue \(queue = off\)$' "not sent"
like "$ERR" 'the message was not queued' "the report agrees"
is "$(ids)" "" "nothing queued"
: >"$T/file"
Q=$T/file/queue accounts 1
send unwritable
is "$RC" 75 "an unwritable queue: 75"
like "$ERR" "^sendas: not sent, and it cannot be queued: cannot create the queue directory $T/file/queue: Not a directory$" "the user is told why"
like "$ERR" 'the message was not queued' "the report agrees"

# 4. Lifetime: a message older than queue_lifetime goes to failed/ at the
#    next flush, without another try; mailq and the exit code say so.
accounts 1
send old
id=$(ids)
age() {  # age ID SECONDS: make the stored queue time that old
	local f=$Q/$1 when=$(($(date +%s) - $2))
	python3 - "$f" "$when" <<'PY'
import sys
path, when = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
head, sep, rest = data.partition(b'\n\n')
lines = [b'queued ' + when.encode() if l.startswith(b'queued ') else l
         for l in head.split(b'\n')]
open(path, 'wb').write(b'\n'.join(lines) + sep + rest)
PY
}
age "$id" $((4 * 86400))
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?:$(ids)" "0:$id" "4 days old, not due: still queued"
age "$id" $((5 * 86400 + 60))
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 69 "past the 5 days: the flush exits 69"
like "$(cat "$T/err")" "^sendas: $id failed, kept in $Q/failed: not sent within 5d \(queue_lifetime\); the last error was: cannot connect" "with the reason"
is "$(ids):$(failed_ids)" ":$id" "it moved to failed/"
"$SENDAS" -C "$T/acc.ini" --queue-delete "$id"
accounts 1 "queue_lifetime = 2h"
send short
id=$(ids)
age "$id" $((3 * 3600))
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
like "$(cat "$T/err")" "^sendas: $id failed, .*not sent within 2h" "queue_lifetime = 2h"
"$SENDAS" -C "$T/acc.ini" --queue-delete "$id"

# 5. Session failures defer: the account is gone from the file.
accounts 1
send orphan
id=$(ids)
sed -i 's/^\[account a\]/[account b]/' "$T/acc.ini"
"$SENDAS" -C "$T/acc.ini" --queue-retry "$id"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 75 "a message whose account is gone: 75"
like "$(cat "$T/err")" "^sendas: $id not sent, next try in 2m: account a is no longer in" "deferred, not failed"
like "$("$SENDAS" -C "$T/acc.ini" -bp)" '^  attempts: +2, next try in' "the attempt counts"
"$SENDAS" -C "$T/acc.ini" --queue-delete "$id"

# 6. One connection for an account's messages; when the engine had to
#    drop it (a recipient refused after 354), the next message gets a new
#    one; QUIT leaves with the last.  Then a send drains the queue over its
#    own connection.
accounts 1
send first
send second
send third
is "$(ids | wc -l)" 3 "three messages queued"
"$SENDAS" -C "$T/acc.ini" --queue-retry $(ids)
{
	greet "PIPELINING"
	txn b@example.net
	printf 'expect MAIL FROM:*\nsend 250 ok\nexpect RCPT TO:*\nsend 550 5.1.1 gone\n'
	printf 'expect DATA\nsend 354 go\neof\n'
	echo next; greet "PIPELINING"; txn b@example.net; bye
} >"$T/drain.script"
serve drain
accounts "$port"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 67 "a flush with one refused message exits with its code"
wait "$server_pid"
ok $? "two messages on the first connection, the third on a new one"
# The third was the last of the flush: QUIT left with its final dot, in
# the same write (no read of the server's between them).
is "$(grep -E '^(R|C): ' "$T/drain.record" | grep -B1 '^C: QUIT' | head -1)" 'C: .\r\n' \
	"QUIT went in the same write as the last message's final dot"
like "$(cat "$T/err")" "failed, kept in $Q/failed: .*550 5\.1\.1 gone" "the refused one failed"
is "$(ids):$(failed_ids | wc -l)" ":1" "the others were sent"
"$SENDAS" -C "$T/acc.ini" --queue-delete $(failed_ids)
accounts 1
send queued
"$SENDAS" -C "$T/acc.ini" --queue-retry $(ids)
{ greet; txn b@example.net; txn b@example.net; bye; } >"$T/piggy.script"
serve piggy
accounts "$port"
send direct
is "$RC:$ERR" "0:" "a successful send"
wait "$server_pid"
ok $? "also sent the due message over its connection"
is "$(grep -c '^# connection' "$T/piggy.record")" 1 "one connection"
is "$(ids)" "" "the queue is empty"

# 7. A message queued before the server was known: 8-bit, then a server
#    without 8BITMIME gets it quoted-printable, as a direct send would.
accounts 1
printf 'From: a@example.test\nSubject: eight\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\303\274\303\237e\n' |
	"$SENDAS" -C "$T/acc.ini" b@example.net 2>/dev/null
is "$?" 75 "an 8-bit message is queued"
grep -q '^8bitmime yes$' "$Q/$(ids)"
ok $? "with its need for 8BITMIME"
"$SENDAS" -C "$T/acc.ini" --queue-retry $(ids)
{ greet "SIZE 1000000"; txn b@example.net; bye; } >"$T/seven.script"
serve seven
accounts "$port"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 0 "flushed to a server without 8BITMIME"
wait "$server_pid"
grep -q '^C: Content-Transfer-Encoding: quoted-printable\\r\\n$' "$T/seven.record" &&
	grep -q '^C: Gr=C3=BC=C3=9Fe\\r\\n$' "$T/seven.record"
ok $? "re-encoded quoted-printable"
! grep -q 'BODY=8BITMIME' "$T/seven.record"
ok $? "and not announced as 8-bit"
done_testing
