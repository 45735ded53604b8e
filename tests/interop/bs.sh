#!/bin/bash
# sendas -bs against the Postfix + Dovecot bed (STARTTLS, AUTH), driven by
# Python's smtplib over a pipe: a message reaches the recipient's maildir
# with our Received field, and Postfix's own refusal of a sender the login
# does not own (reject_sender_login_mismatch, 553 5.7.1) reaches the
# client as the reply to its final dot.
. "$(dirname "$0")/../lib.sh"
bed_start
export PYTHONPATH=$top_srcdir/tests/bs

( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass" )
{
	printf '[account alice]\nhost = %s\nport = %s\ntls_trust_file = %s\n' \
		"$BED_NAME" "$BED_SUBMISSION_PORT" "$BED_CA"
	printf 'user = %s\npassword_file = %s\nfrom = %s, carol@%s\nqueue_dir = %s\n' \
		"$BED_USER1" "$T/alice.pass" "$BED_USER1" "$BED_DOMAIN" "$T/queue"
} | write_accounts "$T/acc.ini"

python3 - "$SENDAS" "$T/acc.ini" "$BED_USER1" "$BED_USER2" "carol@$BED_DOMAIN" \
	>"$T/py.out" 2>"$T/py.err" <<'PY'
import smtplib, sys
from pipe_smtp import PipeSMTP

sendas, acc, alice, bob, carol = sys.argv[1:6]
s = PipeSMTP([sendas, "-bs", "-C", acc])
s.ehlo("client.test")
msg = "From: %s\r\nTo: %s\r\nSubject: bs interop\r\n\r\nthrough Postfix\r\n" % (alice, bob)
print("sent", s.sendmail(alice, [bob], msg))
try:
    s.sendmail(carol, [bob], msg.replace(alice, carol))
except smtplib.SMTPDataError as e:
    print("refused", e.smtp_code, e.smtp_error.decode().replace("\n", " | "))
print("quit", s.quit()[0], s.proc.wait(timeout=30))
PY
ok $? "the smtplib session ran"
sed 's/^/# /' "$T/py.err"
out=$(cat "$T/py.out")
like "$out" "^sent \{\}$" "a message from alice: 250 to the dot"
like "$out" "^refused 553 5\.7\.1 <carol@$BED_DOMAIN>: Sender address rejected: not owned by user $BED_USER1" \
	"Postfix's refusal of carol reaches the client: code, enhanced code, text"
like "$out" "^refused .* \| 5\.7\.1 sendas: account alice: " "... and sendas names the account"
like "$out" "^quit 221 0$" "QUIT, exit 0"
file=$(maildir_wait "$BED_USER2" 1)
ok $? "the message was delivered to bob"
grep -q '^Received: from localhost (uid [0-9]*)' "$file"
ok $? "with sendas's Received field"
grep -q '^through Postfix' "$file"
ok $? "and its body"
[ -z "$(ls "$T/queue" 2>/dev/null | grep -E '^[0-9a-f]{16}$')" ]
ok $? "nothing queued (carol's refusal is permanent)"

done_testing
