#!/bin/bash
# git send-email (the real one) through sendas as /usr/sbin/sendmail,
# against a server that answers 4xx once: sendas queues the patch and exits
# 0, so git send-email reports success and the user does not send again;
# sendas -q delivers it; the server gets exactly one copy, with the
# envelope, From field and recipient git asked for.  In a private mount
# namespace, so /usr/sbin/sendmail is sendas for this test alone.
if [ -z "${SENDAS_IN_NS:-}" ]; then
	exec env SENDAS_IN_NS=1 unshare -m --propagation private "$BASH" "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

git send-email --help >/dev/null 2>&1 || git send-email -h 2>&1 | grep -q usage ||
	{ echo "Bail out! git send-email is missing (tests/deps.sh installs git-email)"; exit 1; }
mount --bind "$SENDAS" /usr/sbin/sendmail ||
	{ echo "Bail out! cannot bind sendas over /usr/sbin/sendmail in the namespace"; exit 1; }

# The server: RCPT refused with 451 on the first connection, all taken on
# the second.
{
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<dev@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<list@example.net>*\nsend 451 4.7.1 greylisted, try again\n'
	printf 'expect QUIT\nsend 221 bye\nnext\n'
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<dev@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<list@example.net>*\nsend 250 2.1.5 ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 queued\n'
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/s.script"
"$TESTSERVER" --script "$T/s.script" --record "$T/s.record" --port-file "$T/s.port" \
	--timeout 20 >"$T/s.out" 2>&1 &
server_pid=$!
wait_for "$server_pid" -s "$T/s.port"
printf '[account dev]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = dev@example.test\nqueue_dir = %s\n' \
	"$(cat "$T/s.port")" "$T/queue" | write_accounts "$T/acc.ini"
export SENDAS_CONFIG=$T/acc.ini

# A patch to send.
export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.test
export GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.test HOME=$T
git init -q "$T/repo" && cd "$T/repo" && echo one >file && git add file &&
	git commit -qm "add file" && git format-patch -q -1 -o "$T/patches"
ok $? "a patch to send"

git send-email --smtp-server=/usr/sbin/sendmail --from="Dev <dev@example.test>" \
	--to=list@example.net --confirm=never --suppress-cc=all --no-thread \
	--quiet "$T"/patches/*.patch >"$T/git.out" 2>"$T/git.err"
ok $? "git send-email reports success (sendas queued the patch, exit 0)"
like "$(cat "$T/git.err")" "^sendas: queued as [0-9a-f]{16}, not sent yet: .*451" \
	"the one line says it was queued and why"
is "$(ls "$T/queue" | grep -cE '^[0-9a-f]{16}$')" 1 "one message queued"

"$SENDAS" -q >"$T/q.out" 2>"$T/q.err"
is "$?" 0 "sendas -q delivers it: 0"
like "$(cat "$T/q.out")" "^sendas: 1 sent, none still queued" "the summary"
wait "$server_pid"
ok $? "the server saw the 4xx, then one transaction"
is "$(grep -c '^C: DATA' "$T/s.record")" 1 "exactly one copy was delivered"
is "$(grep -c '^C: MAIL FROM:<dev@example.test>' "$T/s.record")" 2 "envelope sender dev@example.test, both times"
is "$(grep -c '^C: RCPT TO:<list@example.net>' "$T/s.record")" 2 "recipient list@example.net, both times"
like "$(cat "$T/s.record")" '^C: From: Dev <dev@example\.test>' "the From field is git's"
like "$(cat "$T/s.record")" '^C: Subject: \[PATCH\] add file' "the patch itself"
is "$(ls "$T/queue" | grep -cE '^[0-9a-f]{16}$')" 0 "the queue is empty"

done_testing
