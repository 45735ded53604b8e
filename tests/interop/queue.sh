#!/bin/bash
# The queue against the real Postfix + Dovecot bed: with the server
# unreachable a send is queued (75); with it back, a flush delivers the
# message exactly once, byte for byte what a direct send delivers; Postfix's
# permanent refusal goes to failed/ and is never tried again; its 450 keeps
# the message queued; two flushes at once deliver each message once.
. "$(dirname "$0")/../lib.sh"
bed_start

Q=$T/queue
( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass" )
# accounts PORT: alice, with her own login, and the queue in $Q.
accounts() {
	bed_account_defaults
	account_text alice "port=$1" "queue_dir=$Q"
}
write_both() {
	# down.ini: a port nothing listens on, the server is down; up.ini: the bed.
	local closed
	closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	accounts "$closed" | write_accounts "$T/down.ini"
	accounts "$BED_SUBMISSION_PORT" | write_accounts "$T/up.ini"
}
write_both

message() {  # message SUBJECT RCPT
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n' \
		"$BED_USER1" "$2" "$1"
	printf 'Message-ID: <%s@example.test>\nMIME-Version: 1.0\n' "$1"
	printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	printf '.starts with a dot\n.\nGr\303\274\303\237e\nend\n'
}
ids() { ls "$Q" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
failed_ids() { ls "$Q/failed" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
retry_all() { [ -z "$(ids)" ] || "$SENDAS" -C "$T/up.ini" --queue-retry $(ids); }

# copies ID USER: how many delivered messages of USER carry Message-ID <ID@...>.
copies() {
	local f n=0
	for f in $(maildir_files "$2"); do
		grep -q "^Message-ID: <$1@example.test>$" "$f" && n=$((n + 1))
	done
	echo "$n"
}
# settle: wait until Postfix has delivered all it accepted.
settle() {
	for _ in $(seq 200); do
		postqueue -c "$BED_POSTFIX_CONFIG" -p 2>/dev/null | grep -q 'Mail queue is empty' &&
			return 0
		sleep 0.1
	done
	return 1
}
# delivered_file ID USER: the file delivered with Message-ID <ID@...>.
delivered_file() {
	local f
	for f in $(maildir_files "$2"); do
		grep -q "^Message-ID: <$1@example.test>$" "$f" && { echo "$f"; return; }
	done
}
# same_content SENT DELIVERED (as in submit.sh): from our first header on.
same_content() {
	local first
	first=$(head -1 "$1")
	awk -v first="$first" 'found || $0 == first { found = 1; print }' "$2" >"$T/stored"
	cmp -s "$1" "$T/stored"
}

# 1. Down: queued.  Up: one flush delivers it once, as a direct send would.
message queued "$BED_USER2" >"$T/queued.eml"
"$SENDAS" -C "$T/down.ini" -i "$BED_USER2" <"$T/queued.eml" 2>"$T/err"
is "$?" 75 "the server is down: exit 75"
like "$(cat "$T/err")" '^sendas: queued as [0-9a-f]{16}; will retry$' "queued as ID"
id=$(ids)
retry_all
"$SENDAS" -C "$T/up.ini" -q 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "the server is back: the flush succeeds, silently"
is "$(ids)" "" "the queue is empty"
sed 's/^Message-ID: <queued@/Message-ID: <direct@/' "$T/queued.eml" >"$T/direct.eml"
"$SENDAS" -C "$T/up.ini" -i "$BED_USER2" <"$T/direct.eml"
ok $? "the same message sent directly"
settle
is "$(copies queued "$BED_USER2")" 1 "the queued message was delivered exactly once"
same_content "$T/queued.eml" "$(delivered_file queued "$BED_USER2")"
ok $? "byte for byte what was given"
same_content "$T/direct.eml" "$(delivered_file direct "$BED_USER2")"
ok $? "as the direct send was"
"$SENDAS" -C "$T/up.ini" -q 2>"$T/err"
settle
is "$(copies queued "$BED_USER2")" 1 "another flush sends nothing again"

# 2. Postfix's permanent refusal: failed/, never retried.
message refused "$BED_UNKNOWN_RCPT" | "$SENDAS" -C "$T/up.ini" -i "$BED_UNKNOWN_RCPT" 2>"$T/err"
is "$?" 67 "an unknown recipient: 67"
like "$(cat "$T/err")" "kept as [0-9a-f]{16} in $Q/failed" "kept in failed/"
fid=$(failed_ids)
like "$("$SENDAS" -C "$T/up.ini" -bp)" "^  reason: .*550 5\.1\.1" "with Postfix's reply as the reason"
before=$(grep -c 'sasl_method' "$BED_POSTFIX_LOG")
"$SENDAS" -C "$T/up.ini" -q 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "a flush leaves it alone"
is "$(grep -c 'sasl_method' "$BED_POSTFIX_LOG")" "$before" "without even connecting"
is "$(failed_ids)" "$fid" "it stays in failed/"

# 3. Postfix's 450: queued; a flush that meets it again defers it again.
message tempfail "$BED_TEMPFAIL_RCPT" | "$SENDAS" -C "$T/up.ini" -i "$BED_TEMPFAIL_RCPT" 2>"$T/err"
is "$?" 75 "a 450 at RCPT: 75"
like "$(cat "$T/err")" 'queued as [0-9a-f]{16}' "queued"
retry_all
"$SENDAS" -C "$T/up.ini" -q 2>"$T/err"
is "$?" 75 "the flush meets the 450 again: 75"
like "$(cat "$T/err")" "not sent, next try in 2m: .*450 4\.2\.0" "deferred with Postfix's reply"
like "$("$SENDAS" -C "$T/up.ini" -bp)" '^  attempts: +2, next try in' "two attempts now"
"$SENDAS" -C "$T/up.ini" --queue-delete $(ids) $(failed_ids)
ok $? "deleted"

# 4. Two flushes at once: every message once.
for i in $(seq 30); do
	message "both$i" "$BED_USER3" | "$SENDAS" -C "$T/down.ini" -i "$BED_USER3" 2>/dev/null
done
is "$(ids | wc -l)" 30 "30 messages queued"
retry_all
"$SENDAS" -C "$T/up.ini" -q -v 2>"$T/q1" &
p1=$!
"$SENDAS" -C "$T/up.ini" -q -v 2>"$T/q2" &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
is "$r1:$?" "0:0" "both flushes succeed"
diag "the first flush sent $(grep -c '^sendas: [0-9a-f]* sent$' "$T/q1"), the second $(grep -c '^sendas: [0-9a-f]* sent$' "$T/q2")"
is "$(ids)" "" "the queue is empty"
settle
once=0
for i in $(seq 30); do
	[ "$(copies "both$i" "$BED_USER3")" = 1 ] && once=$((once + 1))
done
is "$once" 30 "each of the 30 was delivered exactly once"
is "$(maildir_files "$BED_USER3" | wc -l)" 30 "and nothing else"
done_testing
