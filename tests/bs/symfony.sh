#!/bin/bash
# Symfony Mailer's sendmail transport (Debian's php-symfony-mailer), which
# runs "sendmail -bs" and speaks SMTP to it, with its command pointed at
# our binary: a message reaches the test server, and a provider's refusal
# reaches the PHP code as the exception Symfony throws with the reply.
. "$(dirname "$0")/../lib.sh"

greet() {
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
}
{
	greet
	printf 'expect MAIL FROM:<app@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<user@example.net>*\nsend 250 2.1.5 ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 queued as UP1\n'
	printf 'expect QUIT\nsend 221 bye\nnext\n'
	greet
	printf 'expect MAIL FROM:<app@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<user@example.net>*\nsend 250 2.1.5 ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\n'
	printf 'send 554 5.7.1 Rejected by policy: message looks like spam\n'
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/sf.script"
testserver_start sf
printf '[account app]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nqueue_dir = %s\n' \
	"$port" "$T/queue" | write_accounts "$T/acc.ini"

cat >"$T/send.php" <<'PHP'
<?php
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';
require '/usr/share/php/Symfony/Component/Mime/autoload.php';
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;

$mailer = new Mailer(new SendmailTransport($argv[1] . ' -bs -C ' . $argv[2]));
foreach (['first', 'second'] as $subject) {
	$email = (new Email())->from('app@example.test')->to('user@example.net')
		->subject("symfony $subject")->text("Hello from Symfony.\n.\nA dot line above.\n");
	try {
		$mailer->send($email);
		echo "$subject: sent\n";
	} catch (\Throwable $e) {
		echo "$subject: " . get_class($e) . ': ' . str_replace("\n", ' | ', $e->getMessage()) . "\n";
	}
}
PHP
out=$(php "$T/send.php" "$SENDAS" "$T/acc.ini" 2>&1)
ok $? "php ran"
like "$out" "^first: sent$" "Symfony Mailer: the message was sent"
like "$out" "^second: .*TransportException: .*554.*Rejected by policy: message looks like spam" \
	"the provider's refusal reaches Symfony as its reply"
like "$out" "^second: .*sendas: account app: " "... with sendas's account and reason"
wait "$server_pid"
ok $? "the server saw both transactions as scripted"
rec=$(grep -v '^R: ' "$T/sf.record")
like "$rec" 'C: Subject: symfony first\\r\\n' "the first message reached the server"
like "$rec" 'C: \.\.\\r\\n' "its lone dot line, stuffed once more upstream"
like "$rec" 'C: Received: from localhost \(uid [0-9]+\)\\r\\n' "with a Received field"

done_testing
