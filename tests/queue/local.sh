#!/bin/bash
# The machine's own mail against the scripted test server (issue 14),
# without the real callers (tests/callers/system-mail.sh has those):
#   - the default sender (no -f, no From field): login@mailname, the From
#     field with the passwd name; local_senders sends it as the account;
#   - a From field "CronDaemon <root@host>" keeps its display name;
#   - aliases: root resolved, an unknown local name refused before any
#     connection (67), naming the file;
#   - exit 0 once queued (one line), 75 with queued_exit = 75;
#   - -q sends what is not due yet, with a summary; exit 0 / 75;
#   - local refusals (no account file, no account, an alias error) kept in
#     failed/, listed by mailq, sent by --queue-retry once fixed; nothing
#     kept at a terminal; "not sent and not kept" when there is no room;
#   - --which root names local_senders.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue
export STATE_DIRECTORY=$Q   # the default queue, for refusals without an account
ME=$(id -un)
HOSTNAME_=$(hostname)

serve() {  # serve NAME: the test server on $T/NAME.script; sets port, server_pid
	rm -f "$T/$1.port"
	"$TESTSERVER" --script "$T/$1.script" --record "$T/$1.record" \
		--port-file "$T/$1.port" --timeout 10 >"$T/$1.out" 2>&1 &
	server_pid=$!
	wait_for "$server_pid" -s "$T/$1.port"
	port=$(cat "$T/$1.port")
}
greet() { printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'; }
txn() {    # txn SENDER RCPT
	printf 'expect MAIL FROM:<%s>*\nsend 250 2.1.0 ok\n' "$1"
	printf 'expect RCPT TO:<%s>*\nsend 250 2.1.5 ok\n' "$2"
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 queued\n'
}
bye() { printf 'expect QUIT\nsend 221 bye\n'; }

accounts() {  # accounts PORT [LINE...]: alerts, for local senders, no TLS
	local p=$1; shift
	{
		printf '[account alerts]\nhost = 127.0.0.1\nport = %s\ntls = off\n' "$p"
		printf 'from = alerts@example.net\nlocal_senders = yes\nqueue_dir = %s\n' "$Q"
		printf 'aliases = %s\n' "$T/aliases"
		printf '%s\n' "$@"
	} | write_accounts "$T/acc.ini"
}
printf '# aliases\npostmaster: root\nroot: admin@example.net\n' >"$T/aliases"
ids() { ls "$Q" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
failed_ids() { ls "$Q/failed" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
record_has() { grep -qF -- "$1" "$T/$2.record"; }

# 1. No -f, no From field: login@mailname selects alerts through
#    local_senders; root is resolved to admin@example.net.
{ greet; txn alerts@example.net admin@example.net; bye; } >"$T/default.script"
serve default
accounts "$port"
printf 'Subject: cron\n\nout\n' | "$SENDAS" -C "$T/acc.ini" -i root 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "no -f, no From: sent, nothing on stderr"
wait "$server_pid"
ok $? "the server saw alerts@example.net to admin@example.net (root's alias)"
like "$(cat "$T/default.record")" "C: From: .*<alerts@example\.net>" "the From field names alerts"
like "$(cat "$T/default.record")" "C: X-Original-From: $ME@" "the original sender (login@mailname) is kept"

# 2. cron's From field: the display name is kept, -F wins.
{ greet; txn alerts@example.net admin@example.net; bye; } >"$T/cron.script"
serve cron
accounts "$port"
printf 'From: "CronDaemon" <root@%s>\nSubject: cron\n\nout\n' "$HOSTNAME_" |
	"$SENDAS" -C "$T/acc.ini" -i -oem root 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "From: CronDaemon <root@host>: sent"
wait "$server_pid"
like "$(cat "$T/cron.record")" 'C: From: CronDaemon <alerts@example\.net>' \
	"CronDaemon <root@host> becomes CronDaemon <alerts@example.net>"
{ greet; txn alerts@example.net admin@example.net; bye; } >"$T/cronF.script"
serve cronF
accounts "$port"
printf 'From: root (Cron Daemon)\nSubject: cron\n\nout\n' |
	"$SENDAS" -C "$T/acc.ini" -FCronDaemon -i root 2>"$T/err"
wait "$server_pid"
like "$(cat "$T/cronF.record")" 'C: From: CronDaemon <alerts@example\.net>' "-F wins over the display name"

# 3. --which root.
out=$("$SENDAS" -C "$T/acc.ini" --which root 2>&1)
like "$out" "local_senders" "--which root names local_senders"
like "$out" "sent as: alerts@example.net" "--which root: sent as alerts"

# 4. An unknown local name: refused before any connection, 67.
accounts 1
printf 'Subject: x\n\nx\n' | "$SENDAS" -C "$T/acc.ini" -f alerts@example.net www-data 2>"$T/err"
is "$?" 67 "an unknown local recipient: 67"
like "$(cat "$T/err")" "www-data is a local name without an alias.*www-data: ADDRESS.*$T/aliases" \
	"the line names the alias to add and the file"
like "$(cat "$T/err")" "kept as [0-9a-f]{16} in $Q/failed" "and the message is kept in failed/"
alias_id=$(failed_ids)

# 5. Exit 0 once queued, one line; 75 with queued_exit = 75.
accounts 1
printf 'Subject: q\n\nq\n' | "$SENDAS" -C "$T/acc.ini" -f alerts@example.net root 2>"$T/err"
is "$?" 0 "queued: exit 0"
is "$(grep -c . "$T/err")" 1 "queued: one line"
like "$(cat "$T/err")" "^sendas: queued as [0-9a-f]{16}, not sent yet: .*; next try in 1m" \
	"queued: says queued, why, the next try"
accounts 1 "queued_exit = 75"
printf 'Subject: q\n\nq\n' | "$SENDAS" -C "$T/acc.ini" -f alerts@example.net root 2>"$T/err"
is "$?" 75 "queued_exit = 75: exit 75"
is "$(ids | wc -l)" 2 "two messages queued"

# 6. -q sends them now, although not due, with a summary; then 0.
{ greet; txn alerts@example.net admin@example.net; txn alerts@example.net admin@example.net; bye; } \
	>"$T/flush.script"
serve flush
accounts "$port"
out=$("$SENDAS" -C "$T/acc.ini" -q --due 2>/dev/null)
is "$?:$(ids | wc -l)" "75:2" "-q --due: not due, still queued, 75"
like "$out" "^sendas: 0 sent, 2 still queued \(next try in " "-q --due: the summary"
out=$("$SENDAS" -C "$T/acc.ini" -q 2>"$T/err")
is "$?:$(ids | wc -l)" "0:0" "-q: both sent now, 0"
is "$out" "sendas: 2 sent, none still queued, 0 moved to failed/" "-q: the summary"
wait "$server_pid"
ok $? "the server took both"

# 7. No account file, no account for the sender: kept in failed/ (stderr is
#    not a terminal), listed, sent by --queue-retry once fixed.
printf 'From: nobody@example.org\nSubject: lost?\n\nbody\n' |
	"$SENDAS" -C "$T/missing.ini" -i admin@example.net 2>"$T/err"
is "$?" 78 "no account file: 78"
like "$(cat "$T/err")" "kept as [0-9a-f]{16} in $Q/failed" "no account file: kept in failed/"
noconf_id=$(comm -13 <(echo "$alias_id") <(failed_ids))
accounts 1
printf 'From: nobody@example.org\nSubject: lost?\n\nbody\n' |
	"$SENDAS" -C "$T/acc.ini" -i admin@example.net 2>"$T/err"
is "$?" 77 "no account for the sender: 77"
like "$(cat "$T/err")" "kept as [0-9a-f]{16} in $Q/failed" "no account: kept in failed/"
like "$(cat "$T/err")" "^sendas: once the configuration is fixed, sendas --queue-retry [0-9a-f]{16} sends it$" \
	"and says how to send it once fixed"
is "$(failed_ids | wc -l)" 3 "three messages in failed/"
list=$("$SENDAS" -C "$T/acc.ini" -bp)
like "$list" '^  account: +-$' "mailq lists them (account -)"
like "$list" "missing.ini: cannot open" "mailq says why"
like "$list" "from: +nobody@example.org" "mailq: the sender, found before the account file"
# Fixed: nobody@example.org gets an account; www-data an alias.
printf 'www-data: root\n' >>"$T/aliases"
{ greet; txn alerts@example.net admin@example.net; bye; echo next
  greet; txn nobody@example.org admin@example.net; bye; } >"$T/retry.script"
serve retry
accounts "$port"
printf '[account other]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = nobody@example.org\n' \
	"$port" >>"$T/acc.ini"
"$SENDAS" -C "$T/acc.ini" --queue-retry $alias_id "$noconf_id" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "--queue-retry sends both once the configuration is fixed"
wait "$server_pid"
ok $? "the server got www-data's message at admin@ and nobody@'s as itself"
is "$(failed_ids | wc -l)" 1 "one left in failed/"

# 8. At a terminal nothing is kept: the user sees the error.
if command -v script >/dev/null; then
	before=$(failed_ids | wc -l)
	script -qec "printf 'From: x@example.org\n\nb\n' | '$SENDAS' -C '$T/missing.ini' -i a@example.net" /dev/null >/dev/null
	is "$(failed_ids | wc -l)" "$before" "stderr a terminal: nothing kept"
fi

# 9. Quiet success: a send that succeeds, then finds a queued message the
#    server defers again over its session, writes nothing on stderr.
accounts 1
printf 'Subject: q\n\nq\n' | "$SENDAS" -C "$T/acc.ini" -f alerts@example.net root 2>/dev/null
is "$(ids | wc -l)" 1 "one message queued"
"$SENDAS" -C "$T/acc.ini" --queue-retry $(ids) 2>/dev/null
{ greet; txn alerts@example.net admin@example.net
  printf 'expect MAIL FROM:<alerts@example.net>*\nsend 451 4.3.0 later\n'; bye; } >"$T/quiet.script"
serve quiet
accounts "$port"
printf 'Subject: now\n\nnow\n' | "$SENDAS" -C "$T/acc.ini" -f alerts@example.net root 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "a successful send says nothing, though the queued one was deferred"
wait "$server_pid"
ok $? "the server saw both: the send, then the queued message deferred"
is "$(ids | wc -l)" 1 "the queued message waits"
"$SENDAS" -C "$T/acc.ini" -v --queue-delete $(ids) 2>/dev/null

# 10. newaliases: the count, or each error with its line, 65.
mkdir -p "$T/bin"
ln -sf "$SENDAS" "$T/bin/newaliases"
out=$("$T/bin/newaliases" -C "$T/acc.ini" 2>&1)
is "$?" 0 "newaliases: 0"
like "$out" "^$T/aliases: 3 aliases, 3 targets" "newaliases: counts the aliases of the account file's file"
printf 'ops: |/bin/cat\nbroken line\n' >>"$T/aliases"
out=$("$T/bin/newaliases" -C "$T/acc.ini" 2>&1)
is "$?" 65 "newaliases with an error: 65"
like "$out" "$T/aliases:5: \\|/bin/cat of alias \"ops\" is a pipe" "the refused pipe is named with its line (5)"
like "$out" "^newaliases: $T/aliases:6: expected \"name: address, address\"" "the error names its line (6)"

# 11. Neither sent nor kept: says so, 75.
: >"$T/file"
printf 'x\n' | STATE_DIRECTORY=$T/file/queue "$SENDAS" -C "$T/missing.ini" -i a@example.net 2>"$T/err"
is "$?" 75 "not sent and not kept: 75"
like "$(cat "$T/err")" "^sendas: not sent and not kept: " "says not sent and not kept"
! grep -q "queued" "$T/err"
ok $? "and never claims to be queued"

done_testing
