#!/bin/bash
# An unparsable From field (issue 13 #11): named and quoted, not "no
# envelope sender", and never silently replaced by $EMAIL.
. "$(dirname "$0")/../lib.sh"

# Nothing listens on port 1: a send that went ahead would say so.
printf '[account a]\nhost = 127.0.0.1\nport = 1\ntls = off\nfrom = *@a.test\nqueue = off\n' |
	write_accounts "$T/acc.ini"

send() {  # send FROM-LINE: with EMAIL set to an account's address
	printf '%b\nTo: r@example.net\nSubject: x\n\nhi\n' "$1" |
		EMAIL=fallback@a.test "$SENDAS" -C "$T/acc.ini" -t >"$T/out" 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
}

send 'From: Alice <alice@@a.test>'
is "$RC" 65 "a From field with two @: exit 65"
like "$(head -1 "$T/err")" "^sendas: the From field is not a valid address: invalid address 'Alice <alice@@a\.test>'" \
	"the first line names the From field and quotes it"
like "$ERR" "give -f ADDRESS" "and says what to do"
! grep -q "no envelope sender" "$T/err"
ok $? "not \"no envelope sender\""
! grep -qE "fallback@a\.test|cannot connect" "$T/err"
ok $? "\$EMAIL is not used instead: nothing was sent"

send 'From: <alice@a.test'
is "$RC" 65 "an unclosed angle bracket: exit 65"
like "$ERR" "the From field is not a valid address: .*<alice@a\.test" "named and quoted"

send 'From: Mallory \\x1b]8;;http://x\\x1b\\\\ <m@a.test>>'
is "$RC" 65 "a From field with escape sequences"
! LC_ALL=C grep -qP '\x1b' "$T/err"
ok $? "its quote reaches stderr escaped"

# Without any From field, $EMAIL is the documented fallback.
printf 'To: r@example.net\nSubject: x\n\nhi\n' |
	EMAIL=fallback@a.test "$SENDAS" -C "$T/acc.ini" -t >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "cannot connect to 127\.0\.0\.1 port 1" \
	"no From field: \$EMAIL is the sender (the send goes ahead)"
printf 'To: r@example.net\nSubject: x\n\nhi\n' |
	EMAIL= "$SENDAS" -C "$T/acc.ini" -t >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "no envelope sender" "no From field, no \$EMAIL: no envelope sender"
done_testing
