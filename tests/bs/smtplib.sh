#!/bin/bash
# sendas -bs driven by Python's smtplib over a pipe, against our scripted
# test server (tests/server): a delivered message (dot-unstuffed from the
# client, stuffed again upstream, with a Received field naming our uid),
# several transactions on one session each answered on its own, a
# provider's refusal reaching the client as its reply (code, enhanced
# code, text, and sendas's account and reason), no account for a sender
# (550 5.7.1 at MAIL, before any connection), a temporary failure queued
# durably (250), and a client gone mid-DATA (nothing reaches the server).
. "$(dirname "$0")/../lib.sh"

Q=$T/queue
export PYTHONPATH=$top_srcdir/tests/bs

greet() {
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250-PIPELINING\n'
	printf 'send 250 8BITMIME\n'
}
mail_rcpt() {  # mail_rcpt SENDER RCPT
	printf 'expect MAIL FROM:<%s>*\nsend 250 2.1.0 ok\n' "$1"
	printf 'expect RCPT TO:<%s>*\nsend 250 2.1.5 ok\nexpect DATA\nsend 354 go\n' "$2"
}
bye() { printf 'expect QUIT\nsend 221 bye\n'; }

# 1-2: one session: no account for a sender (no connection), a delivered
# message, then a provider refusal at the dot, then a 4xx that is queued.
{
	greet; mail_rcpt a@example.test b@example.net
	printf 'expect-data\nsend 250 2.0.0 queued as UP1\n'; bye
	echo next; greet; mail_rcpt a@example.test c@example.net
	printf 'expect-data\nsend 550 5.7.1 Message refused: spam score 99\n'; bye
	echo next; greet; mail_rcpt a@example.test d@example.net
	printf 'expect-data\nsend 451 4.3.0 try again later\n'; bye
} >"$T/s.script"
testserver_start s
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\n' \
	"$port" "$Q" | write_accounts "$T/acc.ini"

python3 - "$SENDAS" "$T/acc.ini" >"$T/py.out" 2>"$T/py.err" <<'PY'
import smtplib, sys
from pipe_smtp import PipeSMTP

sendas, acc = sys.argv[1], sys.argv[2]
s = PipeSMTP([sendas, "-bs", "-C", acc])
code, text = s.ehlo("client.test")
print("ehlo", code, " ".join(sorted(s.esmtp_features)))
msg = ("From: a@example.test\r\nTo: b@example.net\r\nSubject: one\r\n"
       "Message-ID: <one@example.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n"
       "hello\r\n.dot line\r\n.\r\nend\r\n")
try:
    s.sendmail("nobody@elsewhere.test", ["b@example.net"], msg)
except smtplib.SMTPSenderRefused as e:
    print("norefuse", e.smtp_code, e.smtp_error.decode().replace("\n", " | "))
s.rset()
print("badrcpt", s.docmd("MAIL", "FROM:<a@example.test>")[0],
      " ".join(str(x) for x in s.docmd("RCPT", "TO:<b@exa mple.net>")), s.rset()[0])
print("badsender", " ".join(str(x) for x in s.docmd("MAIL", "FROM:<a@-bad-.test>")))
print("sent", s.sendmail("a@example.test", ["b@example.net"], msg), s.noop()[0])
def transaction(rcpt, subject):
    """The reply to the final dot, which smtplib.sendmail() would raise."""
    s.docmd("MAIL", "FROM:<a@example.test>")
    s.docmd("RCPT", "TO:<%s>" % rcpt)
    s.docmd("DATA")
    s.send(smtplib.quotedata(msg.replace("one", subject)).encode() + b"\r\n.\r\n")
    code, text = s.getreply()
    return "%d %s" % (code, text.decode().replace("\n", " | "))

print("refused", transaction("c@example.net", "two"))
print("queued", transaction("d@example.net", "three"))
print("quit", s.quit()[0])
print("exit", s.proc.wait(timeout=30))
PY
ok $? "the smtplib session ran"
sed 's/^/# /' "$T/py.err"
out=$(cat "$T/py.out")
like "$out" "^ehlo 250 .*8bitmime.*dsn.*enhancedstatuscodes.*pipelining.*size.*smtputf8" \
	"EHLO offers PIPELINING 8BITMIME SMTPUTF8 SIZE ENHANCEDSTATUSCODES DSN"
like "$out" "^norefuse 550 5\.7\.1 .*nobody@elsewhere\.test" \
	"no account for the sender: 550 5.7.1 at MAIL, naming the sender"
like "$out" "^norefuse .*acc\.ini" "... with the account file's explanation"
like "$out" "^badrcpt 250 501 " "a recipient with a space: 501 (syntax)"
like "$out" "^badsender 553 b.5\.1\.7 .*-bad-\.test" "an invalid sender domain: 553 5.1.7 at MAIL"
like "$out" "^sent \{\} 250$" "a delivered message: 250 to the dot"
like "$out" "^refused 550 5\.7\.1 Message refused: spam score 99 \| 5\.7\.1 sendas: account a: " \
	"a provider's refusal reaches the client: its code, enhanced code and text, then sendas's account"
like "$out" "^queued 250 2\.0\.0 Queued as [0-9a-f]{16} \(account a\), will retry" \
	"a temporary failure is durably queued: 250 with the queue ID"
unlike "$out" "sendas-verdict" "no verdict mark for a caller on a pipe (it is the socket's)"
like "$out" "^quit 221" "QUIT"
like "$out" "^exit 0$" "sendas -bs exits 0 after QUIT"
wait "$server_pid"
ok $? "the server saw exactly the three transactions (no connection for the refused sender)"
rec=$(grep -v '^R: ' "$T/s.record")
like "$rec" 'C: Received: from localhost \(uid '"$(id -u)"'\)\\r\\n' "the Received field names the caller's uid"
like "$rec" 'C: \\tby .* \(sendas [^)]*\) with ESMTP;\\r\\n' "... and sendas as the receiving side"
like "$rec" 'C: \.\.dot line\\r\\n' "dot-unstuffed from the client, stuffed again upstream"
like "$rec" 'C: \.\.\\r\\n' "a lone dot in the content survives"
[ "$(ls "$Q" | grep -cE '^[0-9a-f]{16}$')" -eq 1 ]
ok $? "the 4xx message is in the queue"
[ "$(ls "$Q/failed" | grep -cE '^[0-9a-f]{16}$')" -eq 1 ]
ok $? "the refused one is kept in failed/, as after a direct send"

# 3: no account file (and no local submission service): MAIL says why.
printf 'EHLO c\r\nMAIL FROM:<a@example.test>\r\nQUIT\r\n' |
	SENDAS_SOCKET=$T/no-such-socket "$SENDAS" -bs -C "$T/missing.ini" >"$T/nofile.out" 2>&1
like "$(cat "$T/nofile.out")" "^451 4\.3\.5 .*missing\.ini" \
	"no account file: MAIL is answered 451 4.3.5, naming the file"

# 4: BDAT (RFC 3030): two chunks, relayed as one message.
{ greet; mail_rcpt a@example.test e@example.net; printf 'expect-data\nsend 250 2.0.0 ok\n'; bye; } \
	>"$T/bdat.script"
testserver_start bdat
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\n' \
	"$port" "$Q" | write_accounts "$T/acc.ini"
part1=$'From: a@example.test\r\nSubject: chunked\r\nMessage-ID: <c@example.test>\r\n\r\nfirst '
part2=$'half\r\n.dot line\r\n'
{
	printf 'EHLO c\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<e@example.net>\r\n'
	printf 'BDAT %d\r\n%s' "${#part1}" "$part1"
	printf 'BDAT %d LAST\r\n%s' "${#part2}" "$part2"
	printf 'QUIT\r\n'
} | "$SENDAS" -bs -C "$T/acc.ini" >"$T/bdat.out" 2>&1
like "$(cat "$T/bdat.out")" "^250 2\.0\.0 ${#part1} octets received" "BDAT: a chunk is acknowledged"
like "$(cat "$T/bdat.out")" "^250 2\.0\.0 Sent through account a" "the LAST one gets the verdict"
wait "$server_pid"
ok $? "the server got the message"
like "$(grep -v '^R: ' "$T/bdat.record")" 'C: first half\\r\\n' "the chunks joined into one message"
like "$(grep -v '^R: ' "$T/bdat.record")" 'C: \.\.dot line\\r\\n' "a dot line stuffed upstream as any other"

# 5: a client gone in the middle of DATA: nothing reaches the server.
greet >"$T/gone.script"
testserver_start gone
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\n' \
	"$port" "$Q" | write_accounts "$T/acc.ini"
printf 'EHLO c\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nSubject: half\r\n\r\nhalf a mess' |
	"$SENDAS" -bs -C "$T/acc.ini" >"$T/gone.out" 2>&1
ok $? "sendas -bs exits 0 when the client goes away"
like "$(cat "$T/gone.out")" "354 " "the client had been told to send the data"
sleep 0.3
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
ok "$(grep -c '# connection' "$T/gone.record")" "nothing was sent upstream (no connection at all)"
[ "$(ls "$Q" | grep -cE '^[0-9a-f]{16}$')" -eq 1 ] &&
	[ "$(ls "$Q/failed" | grep -cE '^[0-9a-f]{16}$')" -eq 1 ]
ok $? "nothing was queued or kept either"

done_testing
