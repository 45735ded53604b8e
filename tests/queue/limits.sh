#!/bin/bash
# Send limits (send_limits.h) against the scripted test server: ten
# concurrent senders under messages_per_hour = 3 send exactly three, the
# other seven are queued with their next try at the moment the hour window
# allows (the oldest slot + 3600 s), and the queued line says so; a flush
# before then sends nothing, even with --queue-retry; once the window has
# passed (the counter's times moved back, not waited for) a flush sends
# three and defers the rest to the new window; messages_per_day likewise;
# max_size and max_recipients refuse before any connection (65, 64); the
# first message of a rated account whose queue directory does not exist
# yet (a fresh $XDG_STATE_HOME) is sent, not refused for the counter.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue

accounts() {  # accounts PORT [LINE...]: account "a", no TLS, no login; a queued
	local p=$1; shift   # message exits 75 (queued_exit), so the codes count them
	account_file "$T/acc.ini" a host=127.0.0.1 "port=$p" tls=off -tls_trust_file -user \
		-password "queue_dir=$Q" queued_exit=75 "$@"
}
greet() { printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'; }
txn() {
	printf 'expect MAIL FROM:<a@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<b@example.net>*\nsend 250 2.1.5 ok\n'
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 queued\n'
}
bye() { printf 'expect QUIT\nsend 221 bye\n'; }
message() {
	printf 'From: a@example.test\nTo: b@example.net\nSubject: %s\n' "$1"
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.test>\n\nhello\n' "$1"
}
ids() { ls "$Q" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
counter() { echo "$Q/limits/a.count"; }
slots() { tail -n +2 "$(counter)"; }
# next_tries: the NEXT of each queued message's last "attempt" record.
next_tries() {
	local id
	for id in $(ids); do
		grep -a '^attempt ' "$Q/$id" | tail -1 | awk '{ print $3 }'
	done
}
# age SECONDS: every slot in the counter that many seconds older.
age() {
	awk -v d="$1" 'NR == 1 { print; next } { print $1 - d }' "$(counter)" >"$T/count.new" &&
		mv "$T/count.new" "$(counter)"
}
data_count() { grep -c '^C: DATA' "$1"; }

# 1. Ten at once, three per hour.
{ greet; txn; bye; echo next; greet; txn; bye; echo next; greet; txn; bye; } >"$T/ten.script"
serve ten
accounts "$port" messages_per_hour=3
for i in $(seq 10); do
	message "m$i" | "$SENDAS" -C "$T/acc.ini" -i b@example.net >"$T/out.$i" 2>"$T/err.$i" &
	pids[i]=$!
done
sent=0 queued=0 other=0
for i in $(seq 10); do
	wait "${pids[i]}"
	case $? in
	0) sent=$((sent + 1)) ;;
	75) queued=$((queued + 1)) ;;
	*) other=$((other + 1)); sed 's/^/# /' "$T/err.$i" ;;
	esac
done
wait "$server_pid"
is "$?" 0 "the server saw three transactions and nothing else"
is "$sent:$queued:$other" "3:7:0" "ten concurrent senders, messages_per_hour = 3: three sent, seven queued"
is "$(data_count "$T/ten.record")" 3 "three messages reached the server"
is "$(slots | wc -l)" 3 "the counter holds three slots, shared by ten processes"
is "$(ids | wc -l)" 7 "seven messages are queued"
first=$(slots | sort -n | head -1)
is "$(next_tries | sort -u)" "$((first + 3600))" \
	"each is due when the oldest slot leaves the hour window ($((first + 3600)))"
cat "$T"/err.* >"$T/errs"
is "$(grep -c '^sendas: queued as [0-9a-f]\{16\}; the account.s send limit allows the next try at [0-9-]* [0-9:]* (in \(59m\|1h\)' "$T/errs")" 7 \
	"the queued line says when the limit allows the next try"
is "$(grep -c "account a has sent 3 messages in the last hour, its limit (messages_per_hour)" "$T/errs")" 7 \
	"and which limit it is"
grep -q "connect" "$T/errs"
ok $((1 - $?)) "no queued message tried to connect"

# 2. Nothing early: -q sends nothing, and a message made due by
#    --queue-retry is deferred again to the same moment, without a
#    connection (no server listens now).
"$SENDAS" -C "$T/acc.ini" -q >"$T/out" 2>"$T/err"
is "$?" 75 "-q before the window passes sends nothing: all still queued, exit 75"
like "$(cat "$T/out")" "^sendas: 0 sent, 7 still queued \\(next try in (59m|1h)[^)]*\\), 0 moved" \
	"  its summary says when the window allows the next"
is "$(grep -c 'messages_per_hour' "$T/err"):$(grep -vc 'messages_per_hour' "$T/err")" "7:0" \
	"  each of the seven is deferred naming the limit"
# shellcheck disable=SC2046
"$SENDAS" -C "$T/acc.ini" --queue-retry $(ids)
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 75 "-q after --queue-retry: still over the limit, exit 75"
is "$(grep -c 'not sent, next try in .*messages_per_hour' "$T/err")" 7 \
	"every message deferred by the limit, none sent early"
is "$(next_tries | sort -u)" "$((first + 3600))" "  still due when the window allows"
is "$(slots | wc -l)" 3 "  the counter is unchanged"

# 3. The window has passed: three go over one connection, four wait for
#    the next window.
age 3600
{ greet; txn; txn; txn; bye; } >"$T/later.script"
serve later
accounts "$port" messages_per_hour=3
# shellcheck disable=SC2046
"$SENDAS" -C "$T/acc.ini" --queue-retry $(ids)
"$SENDAS" -C "$T/acc.ini" -q 2>"$T/err"
is "$?" 75 "-q after an hour: four still wait, exit 75"
wait "$server_pid"
is "$?" 0 "  the server saw three transactions"
is "$(data_count "$T/later.record")" 3 "  three sent"
is "$(ids | wc -l)" 4 "  four queued"
now_first=$(slots | sort -n | awk -v t="$(date +%s)" '$1 > t - 3600' | head -1)
is "$(next_tries | sort -u)" "$((now_first + 3600))" "  due when the new window allows"

# 4. Per day: two a day, the third waits a day; restarts share the count.
rm -rf "$Q"
{ greet; txn; bye; echo next; greet; txn; bye; } >"$T/day.script"
serve day
accounts "$port" messages_per_day=2 messages_per_hour=100
for i in 1 2 3; do
	message "d$i" | "$SENDAS" -C "$T/acc.ini" -i b@example.net 2>"$T/err"
	rc[i]=$?
done
wait "$server_pid"
is "${rc[1]}:${rc[2]}:${rc[3]}" "0:0:75" "messages_per_day = 2: the third is queued"
like "$(cat "$T/err")" "has sent 2 messages in the last day, its limit \(messages_per_day\)" \
	"  the daily limit is named"
first=$(slots | sort -n | head -1)
is "$(next_tries)" "$((first + 86400))" "  due a day after the first"
like "$(cat "$T/err")" "allows the next try at .* \(in (23h59m|1d)" "  in a day"

# 5. Size and recipients: refused before any connection (nothing listens
#    on $port now: a connection would exit 75).
accounts "$port" max_size=1k max_recipients=2
{ message big; head -c 2000 /dev/zero | tr '\0' x; echo; } |
	"$SENDAS" -C "$T/acc.ini" -i b@example.net 2>"$T/err"
is "$?" 65 "max_size = 1k: a larger message exits 65"
like "$(cat "$T/err")" "the message is [0-9]+ bytes, but account a may send at most 1024 \(max_size\)" \
	"  the limit is named"
message many | "$SENDAS" -C "$T/acc.ini" -i b@example.net c@example.net d@example.net 2>"$T/err"
is "$?" 64 "max_recipients = 2: three recipients exit 64"
like "$(cat "$T/err")" "3 recipients, but account a may send to at most 2 per message \(max_recipients\)" \
	"  the limit is named"
account_file "$T/bad.ini" a "max_size=1G2" messages_per_hour=0
"$SENDAS" -C "$T/bad.ini" --which a@example.test >/dev/null 2>"$T/err"
is "$?" 78 "a bad limit value is a configuration error"

# 6. The counter of a rated account under a queue directory whose parents
#    do not exist yet (sendas made only the last level: "cannot use the
#    send limit counter ...: No such file or directory", exit 74).
{ greet; txn; bye; } >"$T/fresh.script"
serve fresh
Q=$T/fresh/state/sendas/queue
accounts "$port" messages_per_hour=10
message first | "$SENDAS" -C "$T/acc.ini" -i b@example.net 2>"$T/err"
is "$?" 0 "a rated account's first message with no queue directory yet is sent"
is "$(cat "$T/err")" "" "  without a word on stderr"
is "$(slots | wc -l)" 1 "  and takes its slot in the new counter"
wait "$server_pid"

done_testing
