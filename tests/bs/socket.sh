#!/bin/bash
# The local submission service without a running systemd:
# systemd-socket-activate --accept --inetd runs `sendas -bs` per connection
# on a UNIX socket, as sendas.socket and sendas@.service do, with the
# account file as a credential ($CREDENTIALS_DIRECTORY/sendas.ini) and the
# queue in $STATE_DIRECTORY.  As www-data, who has no account file, the
# command line hands its message to that socket ($SENDAS_SOCKET): delivered,
# refused by the provider (its reply, the exit code of a direct send),
# queued (exit 0 as a direct send, "queued as ID") and then flushed; PHP's mail() and Symfony
# (-bs, relayed) as www-data too; the caller's uid in the log and in the
# Received field.
. "$(dirname "$0")/../lib.sh"

command -v systemd-socket-activate >/dev/null ||
	{ echo "Bail out! systemd-socket-activate is missing (tests/deps.sh installs systemd)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root to run clients as www-data"; exit 1; }
id www-data >/dev/null 2>&1 || { echo "Bail out! no user www-data"; exit 1; }
chmod 755 "$T"
WWW_UID=$(id -u www-data)
SOCK=$T/run/submit
mkdir -p "$T/run" "$T/creds" "$T/state"
chmod 755 "$T/run"

greet() {
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
}
txn() {  # txn RCPT DATA-REPLY [SENDER]
	printf 'expect MAIL FROM:<%s>*\nsend 250 2.1.0 ok\n' "${3:-app@example.test}"
	printf 'expect RCPT TO:<%s>*\nsend 250 2.1.5 ok\n' "$1"
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend %s\n' "$2"
}
bye() { printf 'expect QUIT\nsend 221 bye\n'; }
{
	greet; txn one@example.net '250 2.0.0 ok'; bye; echo next
	greet; txn two@example.net '550 5.7.1 Rejected: no such thing'; bye; echo next
	greet; txn three@example.net '451 4.3.0 busy, try later'; bye; echo next
	greet; txn three@example.net '250 2.0.0 ok'; bye; echo next
	greet; txn php@example.net '250 2.0.0 ok'; bye; echo next
	greet; txn sf@example.net '250 2.0.0 ok'; bye; echo next
	greet; txn own@example.net '250 2.0.0 ok' robot@example.test; bye
} >"$T/up.script"
testserver_start up
{
	printf '[defaults]\nhost = 127.0.0.1\nport = %s\ntls = off\n' "$port"
	printf '[account app]\nfrom = *@example.test\nallow_users = alice, @www-data\n'
	printf '[account local]\nfrom = robot@example.test\nlocal_senders = yes\n'
} | write_accounts "$T/creds/sendas.ini"

# The service: as root here (it stands for the dynamic user sendas).
( umask 000; exec systemd-socket-activate --accept --inetd -l "$SOCK" \
	-E CREDENTIALS_DIRECTORY="$T/creds" -E STATE_DIRECTORY="$T/state" \
	-E TMPDIR=/tmp "$SENDAS" -bs ) 2>"$T/service.log" &
activate_pid=$!
cleanups+=("kill $activate_pid")
wait_for "$activate_pid" -S "$SOCK"
ok $? "the socket is there"
chmod 666 "$SOCK"   # as sendas.socket's SocketMode=

# as_www CMD...: run as www-data, with no account file and the socket.
as_www() {
	runuser -u www-data -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
		XDG_CONFIG_HOME="$T/www-config" SENDAS_SOCKET="$SOCK" "$@"
}
message() {  # message RCPT SUBJECT
	printf 'From: app@example.test\nTo: %s\nSubject: %s\n\nhello from www-data\n' "$1" "$2"
}

message one@example.net one | as_www "$SENDAS" -t -i >"$T/out" 2>"$T/err"
is "$?" 0 "as www-data: delivered through the socket, exit 0"
is "$(cat "$T/err")" "" "... and nothing on stderr"
as_www "$SENDAS" --which app@example.test >"$T/which" 2>&1
like "$(cat "$T/which")" "local submission service.*$SOCK" "--which says the message would go to the socket"

message two@example.net two | as_www "$SENDAS" -t -i >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 69 "refused by the provider at the dot: 69, the exit code of a direct send"
like "$(cat "$T/err")" "Rejected: no such thing" "the provider's reply reaches the user"
like "$(cat "$T/err")" "account app" "... with the account that sent it"

message three@example.net three | as_www "$SENDAS" -t -i >"$T/out" 2>"$T/err"
is "$?" 0 "a temporary failure: queued by the service, exit 0 as for a direct send (queued_exit)"
like "$(cat "$T/err")" "^sendas: queued as [0-9a-f]{16}, not sent yet: .*busy, try later" \
	"\"queued as ID, not sent yet: why\", one line"
id=$(grep -oE '[0-9a-f]{16}' "$T/err" | tail -1)
[ -n "$id" ] && [ -f "$T/state/$id" ]
ok $? "the message waits in the service's queue (\$STATE_DIRECTORY)"

# mailq and -q through the socket: each user sees and flushes their own.
as_www "$SENDAS" -bp >"$T/mailq" 2>&1
is "$?" 0 "mailq as www-data: exit 0"
like "$(cat "$T/mailq")" "^$id  [0-9]+ bytes  queued" "mailq as www-data lists its queued message"
like "$(cat "$T/mailq")" "busy, try later" "... with the last error"
as_nobody() {
	runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
		XDG_CONFIG_HOME="$T/www-config" SENDAS_SOCKET="$SOCK" "$@"
}
is "$(as_nobody "$SENDAS" -bp 2>&1)" "The queue is empty." "mailq as nobody: not www-data's message"
printf 'EHLO x\r\nXQUEUEIDS\r\nQUIT\r\n' | "$SENDAS" -bs -C /dev/null >"$T/pipe.out" 2>&1
like "$(cat "$T/pipe.out")" "^500 5\.5\.2 Command unrecognized" "the private verbs exist on the socket only"
# The verdict mark (handoff.h) is for the submission client on the socket
# only: a refused sender there ends in it; over a pipe it never shows.
printf 'EHLO x\r\nMAIL FROM:<a@-bad-.test>\r\nQUIT\r\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR)
sys.stdout.buffer.write(b"".join(iter(lambda: s.recv(65536), b"")))' "$SOCK" >"$T/mark.out" 2>&1
like "$(cat "$T/mark.out")" "^553-5\.1\.7 .*-bad-\.test" "on the socket: a bad sender gets 553 5.1.7 ..."
like "$(cat "$T/mark.out")" "^553 5\.1\.7 sendas-verdict: local-input" "... and the verdict mark for the client"
printf 'EHLO x\r\nMAIL FROM:<a@-bad-.test>\r\nQUIT\r\n' | "$SENDAS" -bs -C /dev/null >"$T/nomark.out" 2>&1
like "$(cat "$T/nomark.out")" "^553 5\.1\.7 .*-bad-\.test" "over a pipe: the same 553 5.1.7 ..."
unlike "$(cat "$T/nomark.out")" "sendas-verdict" "... without the mark"
ids=$(SENDAS_CONFIG= XDG_CONFIG_HOME=$T/none SENDAS_SOCKET=$SOCK "$SENDAS" --queue-ids 2>&1)
like "$ids" "^$id$" "root without an account file sees every message (--queue-ids) ..."
is "$(grep -c . <<<"$ids")" 2 "... www-data's queued one and the refused one in failed/"
CREDENTIALS_DIRECTORY=$T/creds STATE_DIRECTORY=$T/state "$SENDAS" --queue-retry "$id" >/dev/null 2>&1
as_nobody "$SENDAS" -q >"$T/flush" 2>&1
is "$?" 0 "-q as nobody: nothing of theirs to send"
[ -f "$T/state/$id" ]
ok $? "... and www-data's message stays"
as_www "$SENDAS" -q >"$T/flush" 2>&1
is "$?" 0 "-q as www-data: the service sends www-data's message"
[ ! -f "$T/state/$id" ]
ok $? "and the queue is empty again"

# PHP's mail() as www-data: sendmail_path = sendas -t -i.
as_www php -d "sendmail_path=$SENDAS -t -i" -r \
	'exit(mail("php@example.net", "php mail", "hello from php\n", "From: app@example.test") ? 0 : 1);' \
	>"$T/php.out" 2>&1
is "$?" 0 "PHP mail() as www-data returns true"

# Symfony's sendmail transport (-bs) as www-data: relayed to the socket.
cat >"$T/sf.php" <<'PHP'
<?php
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';
require '/usr/share/php/Symfony/Component/Mime/autoload.php';
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;
$mailer = new Mailer(new SendmailTransport($argv[1] . ' -bs'));
$mailer->send((new Email())->from('app@example.test')->to('sf@example.net')
	->subject('symfony www')->text("hello\n"));
echo "sent\n";
PHP
chmod 644 "$T/sf.php"
as_www php "$T/sf.php" "$SENDAS" >"$T/sf.out" 2>&1
like "$(cat "$T/sf.out")" "^sent$" "Symfony Mailer (-bs) as www-data: relayed to the service"

# Who may send as whom: nobody is not in allow_users.
message a@example.net nope | as_nobody "$SENDAS" -t -i >"$T/out" 2>"$T/err"
is "$?" 77 "nobody may not send as app@example.test: 77 (EX_NOPERM), as for no account"
like "$(cat "$T/err")" "user nobody \(uid $(id -u nobody)\) may not send as app@example\.test through account app: add the user \(or @group\) to allow_users" \
	"the refusal names the user, the sender, the account and the key"
printf 'Subject: root\n\nhi\n' | as_nobody "$SENDAS" -f root own@example.net >"$T/out" 2>"$T/err"
is "$?" 77 "nobody may not pick another local sender (root)"
printf 'Subject: own\n\nhi\n' | as_nobody "$SENDAS" own@example.net >"$T/out" 2>"$T/err"
is "$?" 0 "nobody as themselves: through the local_senders account"
is "$(cat "$T/err")" "" "... quietly"

wait "$server_pid"
ok $? "the provider saw each message as scripted"
rec=$(grep -v '^R: ' "$T/up.record")
is "$(grep -c "C: Received: from localhost (uid $WWW_UID, pid " "$T/up.record")" 6 \
	"every message carries a Received field with www-data's uid ($WWW_UID)"
like "$rec" 'C: Subject: php mail\\r\\n' "PHP's message reached the provider"
like "$rec" "C: Received: from localhost \(uid $(id -u nobody), pid " "nobody's own message, with nobody's uid"
like "$(cat "$T/service.log")" "connect from uid $WWW_UID \(pid [0-9]+\)" "the service logs the caller's uid"
like "$(cat "$T/service.log")" "transaction 1 from=<app@example.test> rcpts=1 size=[0-9]+: 250" \
	"and each transaction's verdict"

done_testing
