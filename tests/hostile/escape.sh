#!/bin/bash
# Escape sequences from a hostile server (issue 13 #5, #13): ESC, an OSC 8
# hyperlink, backspace, CR, a C1 CSI, a right-to-left override and a NUL
# in a reply reach no output raw, and every output shows them the same
# visible way (escape.h): the failure report and the -v transcript on
# stderr, the log file, mailq and the queue file's last error; --json
# keeps its own escaping of the raw bytes.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue
LOG=$T/sendas.log

serve_s() {  # the test server on $T/s.script, and an account file for it
	serve s
	printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@a.test\n' "$port" |
		{ cat; printf 'queue_dir = %s\nlogfile = %s\nqueued_exit = 75\n' "$Q" "$LOG"; } |
		write_accounts "$T/acc.ini"
}

# The reply: the first line carries ESC colours and an OSC 8 link, the
# second a backspace, a CR, a C1 CSI, an RLO and a NUL.
nasty='\x1b[31mred\x1b[0m \x1b]8;;http://evil.test\x1b\\click\x1b]8;;\x1b\\'
nasty2='X\x08Y\x0dZ \xc2\x9b2J \xe2\x80\xaeabc \x00hidden'
want1='\\x1B\[31mred\\x1B\[0m \\x1B\]8;;http://evil\.test\\x1B\\click\\x1B\]8;;\\x1B\\'
want2='X\\x08Y\\x0DZ \\xC2\\x9B2J \\xE2\\x80\\xAEabc \\x00hidden'

# has_no_controls FILE: no byte below 0x20 but LF, no DEL, no C1 or RLO.
has_no_controls() {
	! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]' "$1"
}

{
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<x@a.test>*\n'
	printf 'sendraw 451-4.3.0 %s\\r\\n451 4.3.0 %s\\r\\n\n' "$nasty" "$nasty2"
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/s.script"
serve_s
printf 'From: x@a.test\nTo: r@example.net\nSubject: x\n\nhello\n' |
	"$SENDAS" -C "$T/acc.ini" -v -i r@example.net >"$T/out" 2>"$T/err"
is "$?" 75 "a 451 with escape sequences: queued (75)"
wait "$server_pid"
ok $? "the server saw what its script wanted"

has_no_controls "$T/err"
ok $? "stderr (report and -v transcript) holds no control character"
grep -q -- "^    451-4\.3\.0 $want1\$" "$T/err"
ok $? "the report shows line 1 escaped"
grep -q -- "^    451 4\.3\.0 $want2\$" "$T/err"
ok $? "the report shows line 2 escaped, past its NUL"
grep -q -- "^<-- 451-4\.3\.0 $want1\$" "$T/err"
ok $? "the -v transcript shows it the same way"
grep -q -- "^<-- 451 4\.3\.0 $want2\$" "$T/err"
ok $? "the -v transcript shows line 2 past its NUL"

has_no_controls "$LOG"
ok $? "the log file holds no control character"
grep -q -- "reply=\"451-4\.3\.0 $want1 / 451 4\.3\.0 $want2\"" "$LOG"
ok $? "the log file shows the reply the same way"

id=$(ls "$Q" | grep -E '^[0-9a-f]{16}$')
sed '/^$/q' "$Q/$id" >"$T/envelope"   # the records; the content follows
has_no_controls "$T/envelope"
ok $? "the queue file's records hold no control character"
grep -q -- "$want1" "$Q/$id"
ok $? "the queue file's last error shows it the same way"
"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq" 2>&1
has_no_controls "$T/mailq"
ok $? "mailq prints no control character"
grep -q -- "^  last error: .*$want1" "$T/mailq"
ok $? "mailq shows the last error the same way"

# A flush quotes the error text in its one line: the same again.
serve_s
"$SENDAS" -C "$T/acc.ini" --queue-retry "$id"
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 75 "-q: the same 451 again: still queued"
wait "$server_pid"
has_no_controls "$T/err"
ok $? "-q: stderr holds no control character"
grep -q -- "^sendas: $id not sent, next try in .*$want1" "$T/err"
ok $? "-q: its line quotes the reply the same way"

# An edited (or old: no reason records) queue file with raw control
# characters: mailq still escapes what it prints.
sed -i -e "s/^\(attempt [0-9]* [0-9]* \)/\1$(printf '\033')[2J/" -e '/^reason /d' "$Q/$id"
"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq2" 2>&1
has_no_controls "$T/mailq2" && grep -q '\\x1B\[2J' "$T/mailq2"
ok $? "mailq escapes a raw ESC in an edited queue file"
# A reason record whose argument decodes to ESC (neutral.h: "%1B"): the same.
printf 'attempt 1 2 plain\nreason !%%25s =%%1B[2Jevil\n' >>"$Q/$id"
"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq3" 2>&1
has_no_controls "$T/mailq3" && grep -q '^  last error: \\x1B\[2Jevil$' "$T/mailq3"
ok $? "mailq escapes an ESC encoded in a reason record"

# --json: its own escaping of the raw bytes, valid JSON.
rm -rf "$Q"
{
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<x@a.test>*\n'
	printf 'sendraw 550 5.7.1 %s \\x00tail\\r\\n\n' "$nasty"
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/s.script"
serve_s
printf 'From: x@a.test\nTo: r@example.net\nSubject: x\n\nhello\n' |
	"$SENDAS" -C "$T/acc.ini" --json -i r@example.net >"$T/json" 2>"$T/err"
wait "$server_pid"
has_no_controls "$T/json"
ok $? "--json holds no raw control character"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); l = d["reply"]["lines"][0]; sys.exit(0 if "\x1b]8;;http://evil.test" in l and l.endswith(" \x00tail") else 1)' "$T/json"
ok $? "--json carries the raw bytes in its own escaping, past a NUL"
has_no_controls "$T/err"
ok $? "stderr with --json holds no control character"
"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq" 2>&1
grep -q -- "^  reason: .*$want1" "$T/mailq" && has_no_controls "$T/mailq"
ok $? "mailq shows a failed message's reason the same way"

done_testing
