#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The parallel queue flush (drain.h): every account at once, each over
# queue_connections sessions, against a server that serves many sessions
# at once (parallel-server.py).  Every message arrives exactly once; a
# refused one goes to failed/, a deferred one stays queued; the exit code
# and the summary are those of the same queue flushed over one session;
# three concurrent -q never send a message twice and their counts add up;
# a refused login is tried once per account, not once per session;
# a flush killed with every worker (kill -9 of the process group) loses
# nothing, and the next flush sends the rest.  Not timed.
. "$(dirname "$0")/../lib.sh"

Q=$T/queue
SERVER="$top_srcdir/tests/queue/parallel-server.py"
ACCOUNT_DEFAULTS=("host=127.0.0.1" "tls=off" "queue_dir=$Q" "queued_exit=75")

# accounts PORT CONNECTIONS: accounts a1..a3 for s1..s3@example.test.
accounts() {
	local i
	account_file "$T/acc.ini" a1 "port=$1" "queue_connections=$2" from=s1@example.test
	for i in 2 3; do
		account_add "$T/acc.ini" "a$i" "port=$1" "queue_connections=$2" "from=s$i@example.test"
	done
}

# queue_messages ID...: each queued for s(N mod 3 + 1), N counting from 0,
# while the accounts' server refuses connections.
queue_messages() {
	local id n=0 rc
	accounts 1 1
	for id in "$@"; do
		printf 'From: s%d@example.test\nTo: r@example.net\nSubject: %s\nX-Test-ID: %s\n\nbody\n' \
			$((n % 3 + 1)) "$id" "$id" |
			"$SENDAS" -C "$T/acc.ini" -i r@example.net 2>/dev/null
		rc=$?
		[ "$rc" = 75 ] || echo "# queueing $id: exit $rc"
		n=$((n + 1))
	done
}

# server NAME [DELAY-MS [OPTION]]: parallel-server.py recording to
# $T/NAME.record; sets port and server_pid.
server() {
	rm -f "$T/$1.port"
	: >"$T/$1.record"
	python3 "$SERVER" --port-file "$T/$1.port" --record "$T/$1.record" \
		--delay-ms "${2:-0}" ${3:+"$3"} 2>"$T/$1.err" &
	server_pid=$!
	cleanups+=("kill $server_pid")
	wait_for "$server_pid" -s "$T/$1.port"
	port=$(cat "$T/$1.port")
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null; }

ids() { ls "$Q" 2>/dev/null | grep -cE '^[0-9a-f]{16}$'; }
failed_ids() { ls "$Q/failed" 2>/dev/null | grep -cE '^[0-9a-f]{16}$'; }
sent_ids() { awk '$1 == "sent" { print $2 }' "$1"; }
dups() { sent_ids "$1" | sort | uniq -d | wc -l; }
# peak RECORD: the most sessions open at one time.
peak() {
	awk '$1 == "open" { n++; if (n > m) m = n } $1 == "close" { n-- } END { print m + 0 }' "$1"
}
# sessions_of RECORD SENDER: the distinct sessions SENDER's messages came in.
sessions_of() { awk -v s="$2" '$1 == "sent" && $3 == s { print $4 }' "$1" | sort -u | wc -l; }

seq_ids() { local i; for ((i = 1; i <= $2; i++)); do echo "$1$i"; done; }

# 1. 30 messages, 3 accounts, queue_connections = 3: each exactly once,
#    three sessions per account, all accounts at the same time.
mapfile -t all < <(seq_ids m 30)
queue_messages "${all[@]}"
is "$(ids)" 30 "30 messages queued"
server one 50
accounts "$port" 3
"$SENDAS" -C "$T/acc.ini" -q >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "-q with queue_connections = 3: exit 0, nothing on stderr"
is "$(cat "$T/out")" "sendas: 30 sent, none still queued, 0 moved to failed/" "the summary adds up"
stop_server
is "$(sent_ids "$T/one.record" | sort -u | wc -l)" 30 "every message arrived"
is "$(dups "$T/one.record")" 0 "none twice"
is "$(sent_ids "$T/one.record" | sort | tr '\n' ' ')" "$(printf '%s\n' "${all[@]}" | sort | tr '\n' ' ')" \
	"exactly the queued ones"
is "$(ids)" 0 "the queue is empty"
for s in 1 2 3; do
	is "$(sessions_of "$T/one.record" "s$s@example.test")" 3 "account a$s: over 3 sessions"
done
is "$(grep -c '^open' "$T/one.record")" 9 "9 sessions in all, no more"
peak=$(peak "$T/one.record")
ok "$([ "$peak" -ge 4 ]; echo $?)" "sessions of different accounts and of one account overlap (peak $peak)"
is "$(grep -c '^close' "$T/one.record")" 9 "each session ended (QUIT)"

# 2. Refused and deferred messages: the same exit code and summary over
#    three sessions per account as over one (and 3 refused, 3 deferred).
mix=(ok1 refuse1 defer1 ok2 refuse2 defer2 ok3 refuse3 defer3 ok4 ok5 ok6)
for c in 1 3; do
	rm -rf "$Q"
	queue_messages "${mix[@]}"
	server "mix$c"
	accounts "$port" "$c"
	"$SENDAS" -C "$T/acc.ini" -q >"$T/out.$c" 2>"$T/err.$c"
	rc[c]=$?
	stop_server
	summary[c]=$(sed 's/next try in [0-9a-z]*/next try in N/' "$T/out.$c")
	is "$(sent_ids "$T/mix$c.record" | sort | tr '\n' ' ')" "ok1 ok2 ok3 ok4 ok5 ok6 " \
		"queue_connections = $c: the six good ones arrived, once each"
	is "$(ids):$(failed_ids)" "3:3" "queue_connections = $c: 3 deferred stay queued, 3 refused in failed/"
	is "$(grep -c 'failed, kept in' "$T/err.$c"):$(grep -c 'not sent, next try' "$T/err.$c")" "3:3" \
		"queue_connections = $c: a line for each"
done
is "${rc[3]}" "${rc[1]}" "the exit code over 3 sessions is that over one (${rc[1]})"
is "${summary[3]}" "${summary[1]}" "and so is the summary"
is "${summary[1]}" "sendas: 6 sent, 3 still queued (next try in N), 3 moved to failed/" \
	"which counts every message"

# 3. Three concurrent -q: each message once, the three summaries add up.
rm -rf "$Q"
mapfile -t all < <(seq_ids c 60)
queue_messages "${all[@]}"
server three 20
accounts "$port" 3
for k in 1 2 3; do
	"$SENDAS" -C "$T/acc.ini" -q >"$T/out.q$k" 2>&1 &
	pids[k]=$!
done
rcs=
for k in 1 2 3; do
	wait "${pids[k]}"
	rcs="$rcs$?"
done
stop_server
is "$rcs" 000 "three concurrent -q: each exits 0"
is "$(sent_ids "$T/three.record" | sort -u | wc -l):$(dups "$T/three.record")" "60:0" \
	"all 60 arrived, none twice"
total=$(sed -n 's/^sendas: \([0-9]*\) sent.*/\1/p' "$T"/out.q[123] | awk '{ n += $1 } END { print n }')
is "$total" 60 "their summaries count 60 sent between them"
is "$(ids)" 0 "the queue is empty"

# 4. kill -9 of a flush and all its workers: nothing lost; at most one
#    duplicate per killed session (a kill between the 250 and the unlink,
#    drain.h); the next flush sends the rest.
rm -rf "$Q"
mapfile -t all < <(seq_ids k 40)
queue_messages "${all[@]}"
server killed 20
accounts "$port" 2
setsid "$SENDAS" -C "$T/acc.ini" -q 2>/dev/null &
flush=$!
for _ in $(seq 100); do
	[ "$(grep -c '^sent' "$T/killed.record")" -ge 5 ] && break
	sleep 0.05
done
kill -KILL -- "-$flush"
{ wait "$flush"; } 2>/dev/null
sleep 0.2
before=$(sent_ids "$T/killed.record" | sort -u | wc -l)
left=$(ids)
ok "$([ "$before" -lt 40 ] && [ "$before" -ge 5 ]; echo $?)" \
	"the flush was killed midway ($before of 40 had arrived)"
ok "$([ $((before + left)) -ge 40 ]; echo $?)" "arrived ($before) + still queued ($left) >= 40: nothing lost"
"$SENDAS" -C "$T/acc.ini" -q >/dev/null 2>"$T/err"
is "$?" 0 "the next flush: exit 0"
stop_server
is "$(sent_ids "$T/killed.record" | sort -u | wc -l)" 40 "every message arrived in the end"
d=$(dups "$T/killed.record")
ok "$([ "$d" -le 6 ]; echo $?)" "duplicates: $d, at most one per killed session (6)"
is "$(ids):$(failed_ids)" "0:0" "the queue is empty"

# 5. A server that refuses every session: one attempt per account, not one
#    per session; every message deferred with the reason.
rm -rf "$Q"
mapfile -t all < <(seq_ids r 12)
queue_messages "${all[@]}"
server refusing 0 --refuse
accounts "$port" 3
"$SENDAS" -C "$T/acc.ini" -q >"$T/out" 2>"$T/err"
is "$?" 75 "every session refused: 75"
stop_server
is "$(grep -c '^open' "$T/refusing.record")" 3 "one session attempt per account, not three"
is "$(grep -c 'not sent, next try in .*554 5.3.2 parallel: no service' "$T/err")" 12 \
	"each of the 12 deferred with the server's reason"
is "$(cat "$T/out")" "sendas: 0 sent, 12 still queued (next try in 2m), 0 moved to failed/" \
	"the summary"
is "$(ids)" 12 "all still queued"

# 6. The key: 1..20, anything else refused when the file is loaded.
account_file "$T/bad.ini" a1 port=1 queue_connections=21 from=s1@example.test
"$SENDAS" -C "$T/bad.ini" --which s1@example.test >/dev/null 2>"$T/err"
is "$?" 78 "queue_connections = 21: a configuration error"
like "$(cat "$T/err")" 'queue_connections = "21" is not a number from 1 to 20' "named"
account_file "$T/bad.ini" a1 port=1 queue_connections=0 from=s1@example.test
"$SENDAS" -C "$T/bad.ini" --which s1@example.test >/dev/null 2>&1
is "$?" 78 "queue_connections = 0 too"

done_testing
