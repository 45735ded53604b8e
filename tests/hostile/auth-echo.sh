#!/bin/bash
# A server that echoes what was sent in AUTH (issue 13 #6): "501 5.5.2
# <base64 blob> invalid".  The blob encodes the password; no output and no
# file may hold it, nor any part of it: stderr with -v, the log file,
# --json, the queue file's last error, failed/, mailq.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue
LOG=$T/sendas.log
USER_=alice@example.test
PASS='Pw-3ch0ed s3cret'
certs=$T/certs
mkdir -p "$certs"
sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
	{ echo "Bail out! cannot make test certificates"; exit 1; }
secrets=$(secret_forms "$USER_" "$PASS")

serve_body() {  # serve_body SCRIPT-BODY: the test server, and an account file
	printf '%s\n' "$1" >"$T/s.script"
	serve s --cert "$certs/server.pem" --key "$certs/server.key"
	{
		printf '[account a]\nhost = localhost\nport = %s\n' "$port"
		printf 'tls_trust_file = %s/ca.pem\nuser = %s\n' "$certs" "$USER_"
		printf 'password = %s\nfrom = *@example.test\n' "$PASS"
		printf 'queue_dir = %s\nlogfile = %s\n%s\n' "$Q" "$LOG" "${AUTH_LINE:-}"
	} | write_accounts "$T/acc.ini"
}

open_tls() {  # open_tls MECHS [PIPELINING]
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 STARTTLS\n'
	printf 'expect STARTTLS\nsend 220 go\nstarttls\nexpect EHLO *\nsend 250-mock\n'
	[ -n "${2:-}" ] && printf 'send 250-PIPELINING\n'
	printf 'send 250 AUTH %s\n' "$1"
}

send_one() {  # send_one [ARGS...]: stdout to $T/out, stderr to $T/err
	printf 'From: %s\nTo: r@example.net\nSubject: x\n\nhello\n' "$USER_" |
		"$SENDAS" -C "$T/acc.ini" "$@" -i r@example.net >"$T/out" 2>"$T/err"
	RC=$?
	wait "$server_pid"
	SRV=$?
}

# leaks WHAT FILE...: every secret form absent from every file.
no_leak() {
	local what=$1 f s found=
	shift
	for f in "$@"; do
		[ -e "$f" ] || continue
		while IFS= read -r s; do
			grep -rqF -- "$s" "$f" && found+=" $(basename "$f"):$s"
		done <<<"$secrets"
	done
	is "$found" "" "$what: no form of the password anywhere"
}

# 1. AUTH PLAIN, refused with the whole blob echoed.
serve_body "$(open_tls PLAIN; printf 'expect AUTH PLAIN *\nsend-echo 501 5.5.2 {} invalid\nexpect QUIT\nsend 221 bye\n')"
send_one -v
is "$RC:$SRV" "77:0" "a 501 echoing the AUTH PLAIN blob: auth failed (77)"
grep -q '^    501 5\.5\.2 \[redacted\] invalid$' "$T/err"
ok $? "the report shows the reply with the blob redacted"
grep -q '^<-- 501 5\.5\.2 \[redacted\] invalid$' "$T/err"
ok $? "the -v transcript too"
"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq" 2>&1
no_leak "whole echo" "$T/err" "$T/out" "$LOG" "$Q" "$T/mailq"

# 2. The same with --json.
serve_body "$(open_tls PLAIN; printf 'expect AUTH PLAIN *\nsend-echo 501 5.5.2 {} invalid\nexpect QUIT\nsend 221 bye\n')"
send_one --json
is "$RC" 77 "--json: auth failed"
no_leak "--json" "$T/err" "$T/out"

# 3. Only the middle of the blob, in a temporary refusal of a pipelined
#    AUTH: the message is queued, with the reply as its last error.
serve_body "$(open_tls PLAIN yes; printf 'expect AUTH PLAIN *\nsend-echo 454 4.7.0 bad {mid} try later\nexpect MAIL *\nsend 530 auth first\nexpect RCPT *\nsend 530 auth first\nexpect DATA\nsend 530 auth first\nexpect QUIT\nsend 221 bye\n')"
send_one -v
is "$RC:$SRV" "75:0" "a 454 quoting the middle of the blob: queued (75)"
grep -q '454 4\.7\.0 bad [A-Za-z0-9+/]*\[redacted\][A-Za-z0-9+/]* try later' "$T/err"
ok $? "the part of the blob that encodes the password is redacted"
"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq" 2>&1
grep -q 'last error: .*\[redacted\]' "$T/mailq"
ok $? "mailq's last error shows the redaction"
no_leak "middle echo" "$T/err" "$LOG" "$Q" "$T/mailq"

# 4. AUTH LOGIN: the password's own base64, echoed in the refusal.
AUTH_LINE='auth = LOGIN'
serve_body "$(open_tls LOGIN; printf 'expect AUTH LOGIN*\nsend 334 UGFzc3dvcmQ6\nexpect *\nsend-echo 535 5.7.8 {} is wrong\nexpect QUIT\nsend 221 bye\n')"
send_one -v
is "$RC" 77 "AUTH LOGIN with the password's base64 echoed: auth failed"
grep -q '535 5\.7\.8 \[redacted\] is wrong' "$T/err"
ok $? "the password's base64 is redacted"
no_leak "LOGIN echo" "$T/err" "$LOG" "$Q"

# 5. The password itself, decoded and quoted by the server.
AUTH_LINE=
serve_body "$(open_tls PLAIN; printf 'expect AUTH PLAIN *\nsend 535 5.7.8 password %s is wrong\nexpect QUIT\nsend 221 bye\n' "$PASS")"
send_one -v
is "$RC" 77 "a refusal quoting the password in clear"
grep -q '535 5\.7\.8 password \[redacted\] is wrong' "$T/err"
ok $? "the password is redacted"
no_leak "clear echo" "$T/err" "$LOG" "$Q"

done_testing
