#!/bin/bash
# Pipelining and CHUNKING against the real Postfix + Dovecot bed (Postfix
# offers PIPELINING and CHUNKING): AUTH PLAIN in one flight with MAIL, RCPT
# and BDAT LAST; a refused password in that flight, where Postfix answers
# the rest with its own consequences; several recipients; a message large
# enough for several BDAT chunks.  Every delivered message is compared byte
# for byte with what was sent (BDAT is not dot-stuffed: Postfix must store
# the dots exactly as they were).
. "$(dirname "$0")/../lib.sh"
bed_start
export XDG_STATE_HOME=$T/state   # a refused message is kept in the queue

( umask 077
  printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf 'not the password\n' >"$T/wrong.pass" )

account() {  # account PASSWORD-FILE
	bed_account_defaults
	account_file "$T/acc.ini" alice "password_file=$1" "auth=PLAIN"
}

message() {  # message FILE BYTES: lines of 70-75 octets, every 50th with a dot
	awk -v size="$2" -v from="$BED_USER1" -v to="$BED_USER2" -v id="$RANDOM$RANDOM" 'BEGIN {
		printf "From: %s\nTo: %s\nSubject: pipelining\n", from, to
		printf "Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.test>\n\n", id
		x = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		for (i = 0; n < size; i++) {
			line = (i % 50 == 0 ? "." : "") substr(x, 1, 70 + i % 6)
			print line
			n += length(line) + 1
		}
		print "."
		print ".."
	}' >"$1"
}

# same_content SENT DELIVERED: what Postfix stored, from our first header on.
same_content() {
	local first
	first=$(head -1 "$1")
	awk -v first="$first" 'found || $0 == first { found = 1; print }' "$2" >"$T/stored"
	cmp -s "$1" "$T/stored"
}

count() { maildir_files "$1" | grep -c .; }

# 1. One flight: AUTH PLAIN, MAIL, RCPT, BDAT LAST with the content, QUIT.
account "$T/alice.pass"
message "$T/small.eml" 2000
n=$(count "$BED_USER2")
"$SENDAS" -v -C "$T/acc.ini" -i -f "$BED_USER1" "$BED_USER2" <"$T/small.eml" 2>"$T/err"
ok $? "one flight: sendas exits 0"
# In the -v trace, everything up to QUIT is sent before the first reply.
sent_before_reply=$(sed -n '/--> AUTH PLAIN/,/<-- /p' "$T/err" | grep -c '^--> ')
is "$sent_before_reply" 6 "one flight: AUTH, MAIL, RCPT, BDAT, the content and QUIT leave before any reply"
like "$(cat "$T/err")" '<-- 250 2\.0\.0 Ok: [0-9]+ bytes queued' "one flight: Postfix's verdict came on BDAT LAST"
f=$(maildir_wait "$BED_USER2" $((n + 1)))
ok $? "one flight: delivered"
same_content "$T/small.eml" "$f"
ok $? "one flight: delivered byte for byte (dots unstuffed)"

# 2. A wrong password in the same flight: Postfix refuses AUTH (535), then
# MAIL or RCPT ("not logged in") and BDAT as consequences.
account "$T/wrong.pass"
n=$(count "$BED_USER2")
"$SENDAS" -C "$T/acc.ini" -i -f "$BED_USER1" "$BED_USER2" <"$T/small.eml" 2>"$T/err"
is $? 77 "refused password in the flight: exit 77"
like "$(cat "$T/err")" '^    535 5\.7\.8' "refused password in the flight: Dovecot's 535 is the reply shown"
like "$(cat "$T/err")" 'step: AUTH' "refused password in the flight: the step is AUTH"
! grep -q 'not logged in\|no valid recipients' "$T/err"
ok $? "refused password in the flight: the consequences are not reported as the cause"
sleep 0.5
is "$(count "$BED_USER2")" "$n" "refused password in the flight: nothing delivered"

# 3. Two recipients: BDAT LAST after the RCPT replies.
account "$T/alice.pass"
n2=$(count "$BED_USER2") n3=$(count "$BED_USER3")
"$SENDAS" -C "$T/acc.ini" -i -f "$BED_USER1" "$BED_USER2" "$BED_USER3" <"$T/small.eml" 2>"$T/err"
ok $? "two recipients: sendas exits 0"
f=$(maildir_wait "$BED_USER2" $((n2 + 1))) && same_content "$T/small.eml" "$f"
ok $? "two recipients: the first got it byte for byte"
f=$(maildir_wait "$BED_USER3" $((n3 + 1))) && same_content "$T/small.eml" "$f"
ok $? "two recipients: the second got it byte for byte"

# 4. 9 MiB: three BDAT chunks (4 MiB, 4 MiB, the rest LAST), pipelined.
message "$T/big.eml" 9437184
n=$(count "$BED_USER2")
"$SENDAS" -v -C "$T/acc.ini" -i -f "$BED_USER1" "$BED_USER2" <"$T/big.eml" 2>"$T/err"
ok $? "9 MiB: sendas exits 0"
is "$(grep -c '^--> BDAT ' "$T/err")" 3 "9 MiB: three BDAT chunks"
like "$(grep '^--> BDAT ' "$T/err" | tail -1)" '^--> BDAT [0-9]+ LAST$' "9 MiB: the last one is BDAT LAST"
f=$(maildir_wait "$BED_USER2" $((n + 1)))
ok $? "9 MiB: delivered"
same_content "$T/big.eml" "$f"
ok $? "9 MiB: delivered byte for byte"

done_testing
