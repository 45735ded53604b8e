#!/bin/bash
# The hostile server during a queue flush (sendas -q), issue 13: what
# tests/hostile/*.case shows for a send must hold in -q too.  A garbled
# reply, a reset or a line over the limit leaves the message queued (never
# failed/), and a NUL in a reply neither crashes the flush nor stops the
# other accounts'.  Plain TCP: the TLS faults are in the .case files.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue

accounts() {  # accounts PORT-A PORT-B: accounts a and b, no TLS, no login
	{
		printf '[defaults]\nhost = 127.0.0.1\ntls = off\nqueue_dir = %s\n' "$Q"
		printf 'timeout = 5\n'
		printf '[account a]\nport = %s\nfrom = *@a.test\n' "$1"
		printf '[account b]\nport = %s\nfrom = *@b.test\n' "$2"
	} | write_accounts "$T/acc.ini"
}

greet() { printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'; }
txn_to_dot() {  # txn_to_dot SENDER
	printf 'expect MAIL FROM:<%s>*\nsend 250 ok\nexpect RCPT TO:<r@example.net>*\n' "$1"
	printf 'send 250 ok\nexpect DATA\nsend 354 go\nexpect-data\n'
}
bye() { printf 'expect QUIT\nsend 221 bye\n'; }

queue_one() {  # queue_one SENDER: a message queued by a 451
	{ greet; printf 'expect MAIL FROM:<%s>*\nsend 451 4.3.0 later\n' "$1"; bye; } \
		>"$T/q.script"
	serve q
	accounts "$port" "$port"
	printf 'From: %s\nTo: r@example.net\nSubject: x\n\nhello\n' "$1" |
		"$SENDAS" -C "$T/acc.ini" -i r@example.net 2>"$T/err"
	is "$?" 75 "$1: queued by a 451"
	wait "$server_pid"
}

ids() { ls "$Q" 2>/dev/null | grep -cE '^[0-9a-f]{16}$'; }
failed() { ls "$Q/failed" 2>/dev/null | grep -cE '^[0-9a-f]{16}$'; }

flush() {  # flush WHAT SCRIPT-BODY: one flush of every due message
	printf '%s\n' "$2" >"$T/f.script"
	serve f
	accounts "$port" "$port"
	for id in $(ls "$Q" | grep -E '^[0-9a-f]{16}$'); do
		"$SENDAS" -C "$T/acc.ini" --queue-retry "$id"
	done
	"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
	RC=$?
	wait "$server_pid"
	SRV=$?
}

queue_one x@a.test

# Defect 7: junk instead of the reply to the final dot.
flush junk "$(greet; txn_to_dot x@a.test; printf 'sendraw HTTP/1.1 400 Bad Request\\r\\n\\r\\n\neof\n')"
is "$RC" 75 "-q: junk after the final dot exits 75"
is "$(ids):$(failed)" "1:0" "-q: the message stays queued, failed/ stays empty"
like "$(cat "$T/err")" 'not an SMTP reply' "-q: and says what came"

# Defect 7: a 451 over the 2,048-byte limit.
flush long "$(greet; printf 'expect MAIL FROM:<x@a.test>*\nhugeline 3000 451 \neof\n')"
is "$RC" 75 "-q: a 451 over the line limit exits 75"
is "$(ids):$(failed)" "1:0" "-q: the message stays queued"
like "$(cat "$T/err")" 'longer than 2048 bytes' "-q: the limit is named as it is"

# Defect 2: a reset before the final reply.
flush reset "$(greet; txn_to_dot x@a.test; printf 'reset\n')"
is "$RC" 75 "-q: a reset before the final reply exits 75"
is "$(ids):$(failed)" "1:0" "-q: the message stays queued"

# Defect 1: a NUL in the EHLO reply of account a's server does not crash
# the flush, and account b's message is flushed in the same run (in
# whichever order the flush takes them).
queue_one y@b.test
flush nul "$(printf 'send 220 mock ESMTP\nexpect EHLO *\n'
	printf 'sendraw 250-mock\\x00junk\\r\\n250-PIPE\\x00LINING\\r\\n250 8BITMIME\\r\\n\n'
	txn_to_dot '*'; printf 'send 250 2.0.0 ok\n'; bye; echo next
	greet; txn_to_dot '*'; printf 'send 250 2.0.0 ok\n'; bye)"
is "$RC:$SRV" "0:0" "-q: a NUL inside the EHLO reply: both accounts' messages delivered"
is "$(ids):$(failed)" "0:0" "-q: the queue is empty"

done_testing
