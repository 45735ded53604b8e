#!/bin/bash
# kill -9 on the new paths (issue 13): sendas killed at random instants
# while a hostile server makes it queue a message (junk instead of the reply
# to the final dot, a reset before it, a reply trickled past
# session_deadline, a garbled 451 over the line limit) and while -q
# retries such messages against the same server, which never accepts one.
# After every trial:
#   - nothing is half there: each queue file lists (mailq names each ID
#     once, --queue-ids agrees with the directory), tmp/ holds no visible
#     message;
#   - nothing is lost: a send that exited 75 left its message queued, and a
#     queued message stays queued (no server here ever accepts one);
#   - nothing is misfiled: failed/ stays empty, since every one of these
#     failures is temporary;
#   - every last error recorded is one escaped line.
# TRIALS rounds (default 25), one killed send and one killed flush each;
# SEED repeats the random choices.
. "$(dirname "$0")/../lib.sh"

TRIALS=${TRIALS:-25}
SEED=${SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED, $TRIALS rounds"
Q=$T/queue

head -c 150000 /dev/urandom | base64 -w 76 >"$T/body"   # about 200 kB
message() {
	printf 'From: x@a.test\nTo: r@example.net\nSubject: crash %s\n' "$1"
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <crash%s@a.test>\n\n' "$1"
	cat "$T/body"
}

# The faults, one server script each: the last segment repeats, so a flush
# of several messages meets the same fault on every connection.
greet='send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
to_dot='expect MAIL *\nsend 250 ok\nexpect RCPT *\nsend 250 ok\nexpect DATA\nsend 354 go\nexpect-data\n'
faults=(
	"$greet$to_dot"'sendraw \\x1b[31mjunk\\r\\n\neof\n'
	"$greet$to_dot"'reset\n'
	"$greet"'expect MAIL *\ntrickle 300 451 4.3.0 slow\\x07ly, very slowly\\r\\n\n'
	"$greet"'expect MAIL *\nhugeline 3000 451 \neof\n'
)

serve_fault() {  # serve_fault INDEX: a server for one trial, and the account file
	printf '%b' "${faults[$1]}" >"$T/s.script"
	serve s --connections 200 --timeout 5
	{
		printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\n' "$port"
		printf 'from = *@a.test\nqueue_dir = %s\ntimeout = 1\nsession_deadline = 2\n' "$Q"
	} | write_accounts "$T/acc.ini"
}
stop_server() {
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
}


ids() { ls "$Q" 2>/dev/null | grep -E '^[0-9a-f]{16}$' | sort; }
# The killed process must be sendas itself, not a shell around it.
send_one() { exec "$SENDAS" -C "$T/acc.ini" -i r@example.net <"$T/m" 2>/dev/null; }
flush() { exec "$SENDAS" -C "$T/acc.ini" -q 2>/dev/null; }
due_all() {
	local id
	for id in $(ids); do "$SENDAS" -C "$T/acc.ini" --queue-retry "$id" 2>/dev/null; done
}

bad=0 sent75=0 lost=0 half=0 misfiled=0 dirty=0
check() {  # check WHAT: the invariants, after a trial
	local listed want id
	want=$(ids)
	listed=$("$SENDAS" -C "$T/acc.ini" --queue-ids 2>"$T/ids.err" | sort)
	if [ "$listed" != "$want" ] || [ -s "$T/ids.err" ]; then
		half=$((half + 1)); echo "# $1: --queue-ids and the directory differ"
		diff <(echo "$want") <(echo "$listed") | sed 's/^/#   /'; sed 's/^/#   /' "$T/ids.err"
	fi
	"$SENDAS" -C "$T/acc.ini" -bp >"$T/mailq" 2>&1
	for id in $want; do
		[ "$(grep -c "^$id " "$T/mailq")" = 1 ] || {
			half=$((half + 1)); echo "# $1: $id is not listed once"; }
	done
	for id in $known; do
		[ -e "$Q/$id" ] || { lost=$((lost + 1)); echo "# $1: $id was queued and is gone"; }
	done
	if ls "$Q/failed" 2>/dev/null | grep -qE '^[0-9a-f]{16}$'; then
		misfiled=$((misfiled + 1)); echo "# $1: a message went to failed/"
	fi
	if LC_ALL=C grep -aP '^(attempt|failed) .*[\x00-\x08\x0b-\x1f\x7f]' $(for i in $want; do echo "$Q/$i"; done) \
		/dev/null >/dev/null; then
		dirty=$((dirty + 1)); echo "# $1: a record holds a control character"
	fi
	known=$want
}

# Calibrate: how long one unkilled send takes here with each fault.
declare -a took
for f in "${!faults[@]}"; do
	serve_fault "$f"
	message "cal$f" >"$T/m"
	start=$(date +%s%N)
	(send_one)
	rc=$?
	took[$f]=$(( ($(date +%s%N) - start) / 1000000 ))
	stop_server
	is "$rc" 75 "fault $f unkilled: the send exits 75 (${took[$f]} ms)"
done
known=$(ids)
is "$(echo "$known" | wc -w)" "${#faults[@]}" "each calibration message is queued"

for ((t = 1; t <= TRIALS; t++)); do
	f=$((RANDOM % ${#faults[@]}))
	serve_fault "$f"
	message "$t" >"$T/m"
	run_killed $((took[f] * 1200)) send_one
	[ "$RC" = 75 ] && sent75=$((sent75 + 1))
	check "trial $t send (fault $f, rc $RC)"
	[ "$RC" = 75 ] && [ "$(ids | wc -l)" -lt "$(echo "$known" | wc -w)" ] && lost=$((lost + 1))
	due_all
	run_killed $((took[f] * 3000)) flush
	check "trial $t flush (fault $f, rc $RC)"
	stop_server
done
echo "# sends that finished with 75 before the kill: $sent75 of $TRIALS"
is "$half" 0 "no message is half there (mailq and --queue-ids agree with the directory)"
is "$lost" 0 "no queued message is lost"
is "$misfiled" 0 "none goes to failed/: every fault here is temporary"
is "$dirty" 0 "every recorded error is one escaped line"
ok "$([ "$(ids | wc -l)" -ge "${#faults[@]}" ] && echo 0 || echo 1)" \
	"the queue still holds every message ($(ids | wc -l))"
done_testing
