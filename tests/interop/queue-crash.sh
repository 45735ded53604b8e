#!/bin/bash
# Crash test: sendas killed with SIGKILL at random instants of enqueueing
# (the server down, a message of 300 kB being written and synced) and of
# flushing (the real Postfix bed up), alternately, a few hundred times.
# Afterwards (and after every trial where it can be seen):
#   - no message is half there: the queue lists without a damaged file;
#   - a send that exited 75 left its message queued;
#   - every message that was ever queued is delivered, byte for byte;
#     nothing else is;
#   - a message delivered twice was the one in flight in a flush that was
#     killed and left it queued: the window from the end of its content to
#     the unlink after the server's 250 (flush.h).  Duplicates are counted
#     and shown.
# The kills follow each run's duration as measured here (adjust), so the
# test works the same on a fast or a slow machine; SEED repeats the random
# choices (not the timing).
. "$(dirname "$0")/../lib.sh"
bed_start

TRIALS=${TRIALS:-250}   # rounds: one enqueue and one flush trial each
SEED=${SEED:-$$}
RANDOM=$SEED
diag "seed $SEED, $TRIALS rounds"

Q=$T/queue
( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass" )
accounts() {  # accounts PORT
	bed_account_defaults
	account_text alice "port=$1" "queue_dir=$Q"
}
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
accounts "$closed" | write_accounts "$T/down.ini"
accounts "$BED_SUBMISSION_PORT" | write_accounts "$T/up.ini"

head -c 225000 /dev/urandom | base64 -w 76 >"$T/body"   # about 300 kB
message() {  # message N: unique by its Message-ID
	printf 'From: %s\nTo: %s\nSubject: crash %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n' \
		"$BED_USER1" "$BED_USER2" "$1"
	printf 'Message-ID: <crash%s@example.test>\n\n' "$1"
	cat "$T/body"
}
ids() { ls "$Q" 2>/dev/null | grep -E '^[0-9a-f]{16}$'; }
number_of() {  # number_of ID: N of the queued message's Message-ID <crashN@...>
	head -c 4096 "$Q/$1" | sed -n 's/^Message-ID: <crash\([0-9]*\)@example.test>\r$/\1/p'
}
now_us() { echo $(($(date +%s%N) / 1000)); }

# run_killed: tests/lib.sh.

# How long a run takes here, unkilled (the middle of three): the kills
# start spread over 1.2 times that (then see adjust).  Calibration messages
# are numbered from 9001, and delivered like the others.
declare -A accepted=() in_window=()
took() {  # took CMD...: run it; its time in microseconds
	local start
	start=$(now_us)
	"$@"
	echo $(( $(now_us) - start ))
}
middle() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
enqueue_t=() flush_t=()
for c in 1 2 3; do
	message $((9000 + c)) >"$T/m"
	accepted[$((9000 + c))]=1
	enqueue_t+=("$(took sh -c '"$1" -C "$2" "$3" <"$4" 2>/dev/null' sh \
		"$SENDAS" "$T/down.ini" "$BED_USER2" "$T/m")")
	"$SENDAS" -C "$T/up.ini" --queue-retry $(ids)
	flush_t+=("$(took "$SENDAS" -C "$T/up.ini" -q)")
done
enqueue_us=$(( $(middle "${enqueue_t[@]}") * 12 / 10 ))
flush_us=$(( $(middle "${flush_t[@]}") * 12 / 10 ))
is "$(ids)" "" "calibration: three messages queued and flushed"
diag "kills within ${enqueue_us} us of an enqueue, ${flush_us} us of a flush"

# adjust MAX_US: after a run that was killed a little later, after one that
# ended first a little earlier: about 70 % of the runs are killed, at
# instants spread over all of a run as long as runs take now.
adjust() {
	[ "$RC" = 137 ] && echo $(($1 * 104 / 100)) || echo $(($1 * 9 / 10))
}

enqueue_killed=0 flush_killed=0 lost_75=0 damaged=0
killed_writing=0 killed_committed=0 flush_early=0
for ((k = 1; k <= TRIALS; k++)); do
	message "$k" >"$T/m"
	before=$(ids)
	run_killed "$enqueue_us" sh -c 'exec "$1" -C "$2" "$3" <"$4" 2>/dev/null' sh \
		"$SENDAS" "$T/down.ini" "$BED_USER2" "$T/m"
	new=$(comm -13 <(echo "$before") <(ids))
	enqueue_us=$(adjust "$enqueue_us")
	if [ "$RC" = 137 ]; then
		enqueue_killed=$((enqueue_killed + 1))
		[ -n "$(ls "$Q/tmp")" ] && killed_writing=$((killed_writing + 1))
		[ -n "$new" ] && killed_committed=$((killed_committed + 1))
	fi
	[ -n "$new" ] && accepted[$k]=1
	[ "$RC" = 75 ] && [ -z "$new" ] && lost_75=$((lost_75 + 1))
	"$SENDAS" -C "$T/up.ini" -bp >/dev/null 2>"$T/list.err" || damaged=$((damaged + 1))

	[ -z "$(ids)" ] || "$SENDAS" -C "$T/up.ini" --queue-retry $(ids) 2>/dev/null
	run_killed "$flush_us" sh -c 'exec "$1" -C "$2" -q -v 2>"$3"' sh \
		"$SENDAS" "$T/up.ini" "$T/flush.err"
	flush_us=$(adjust "$flush_us")
	[ "$RC" = 137 ] || continue
	flush_killed=$((flush_killed + 1))
	[ -s "$T/flush.err" ] || flush_early=$((flush_early + 1))
	# The message in flight, if the killed flush left it queued, may have
	# reached the server: the duplicate window.
	inflight=$(sed -n 's/^sendas: sending \([0-9a-f]*\)$/\1/p' "$T/flush.err" | tail -1)
	if [ -n "$inflight" ] && [ -e "$Q/$inflight" ]; then
		n=$(number_of "$inflight")
		in_window[$n]=$(( ${in_window[$n]:-0} + 1 ))
	fi
done
diag "at the end kills within ${enqueue_us} us of an enqueue, ${flush_us} us of a flush"
diag "$enqueue_killed enqueues killed mid-run ($killed_writing while writing the file, $killed_committed after it was committed), $flush_killed flushes ($flush_early before connecting)"
ok $((enqueue_killed < 50 || flush_killed < 50)) "at least 50 of each were killed mid-run"
is "$lost_75" 0 "every send that exited 75 left its message queued"
is "$damaged" 0 "the queue never showed a damaged (half-written) message"

# Drain, unkilled.
for _ in 1 2 3; do
	[ -z "$(ids)" ] && break
	"$SENDAS" -C "$T/up.ini" --queue-retry $(ids)
	"$SENDAS" -C "$T/up.ini" -q 2>>"$T/final.err"
done
is "$(ids)" "" "the queue is empty at the end"
is "$(ls "$Q/failed" "$Q/tmp" | grep -c '^[0-9a-f]\{16\}$')" 0 "nothing failed, nothing left in tmp/"

# Wait for Postfix to deliver what it accepted.
for _ in $(seq 300); do
	postqueue -c "$BED_POSTFIX_CONFIG" -p 2>/dev/null | grep -q 'Mail queue is empty' && break
	sleep 0.1
done
declare -A copies=()
bad_content=0
for f in $(maildir_files "$BED_USER2"); do
	n=$(sed -n 's/^Message-ID: <crash\([0-9]*\)@example.test>$/\1/p' "$f" | head -1)
	copies[$n]=$(( ${copies[$n]:-0} + 1 ))
	message "$n" >"$T/want"
	awk 'found || /^From: / { found = 1; print }' "$f" | cmp -s - "$T/want" ||
		bad_content=$((bad_content + 1))
done
lost=0 stray=0 dups=0 outside=0
for n in "${!accepted[@]}"; do
	[ -n "${copies[$n]:-}" ] || lost=$((lost + 1))
done
for n in "${!copies[@]}"; do
	[ -n "${accepted[$n]:-}" ] || stray=$((stray + 1))
	extra=$(( copies[$n] - 1 ))
	dups=$((dups + extra))
	[ "$extra" -le "${in_window[$n]:-0}" ] || outside=$((outside + 1))
done
windows=0
for n in "${!in_window[@]}"; do windows=$((windows + in_window[$n])); done
diag "${#accepted[@]} messages queued, ${#copies[@]} delivered, $dups duplicates, $windows kills in the duplicate window or before it"
is "$lost" 0 "no queued message was lost"
is "$stray" 0 "no message that was never queued was delivered"
is "$bad_content" 0 "every delivered message is byte for byte the one sent"
is "$outside" 0 "every duplicate comes from a kill in the window (content sent, file not yet removed)"
done_testing
