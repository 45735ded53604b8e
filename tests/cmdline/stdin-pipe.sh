#!/bin/bash
# A message on a pipe (cat FILE | sendmail, PHP, cron): sendas widens the
# pipe to its read size, so a large message comes in 256 KiB reads instead
# of 64 KiB ones (issue 21: a third of the time of 500 MB from a pipe,
# tests/bench/tls-limit).  A file on stdin is left alone.  Structure only,
# from strace: nothing here is timed.
. "$(dirname "$0")/../lib.sh"

command -v strace >/dev/null || { echo "Bail out! strace is missing (tests/deps.sh)"; exit 1; }
queueing_account "$T/acc.ini"
{
	printf 'From: a@a.test\nTo: r@example.net\nSubject: pipe\n\n'
	for i in $(seq 40000); do echo "line $i of a message that comes through a pipe"; done
} >"$T/msg"

# LeakSanitizer cannot run under ptrace (an ASan build exits 1 under
# strace); leaks are checked by every other test of that build.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# send HOW: the message to a closed port (so it is queued, with its content
# as sendas read it), stdin a pipe or the file; leaves $T/HOW.trace and
# the queued content in $T/HOW.content.
send() {
	rm -rf "$XDG_STATE_HOME"
	if [ "$1" = pipe ]; then
		cat "$T/msg" | strace -o "$T/$1.trace" -e trace=fcntl "$SENDAS" -C "$T/acc.ini" \
			-t >"$T/$1.out" 2>&1
	else
		strace -o "$T/$1.trace" -e trace=fcntl "$SENDAS" -C "$T/acc.ini" -t \
			<"$T/msg" >"$T/$1.out" 2>&1
	fi
	RC=$?
	sed '1,/^$/d' "$XDG_STATE_HOME"/sendas/queue/[0-9a-f]* | grep -v '^attempt ' >"$T/$1.content"
}

send pipe
is "$RC" 0 "a message on a pipe: read and queued"
grep -Eq "^fcntl\(0, F_SETPIPE_SZ, 262144\) += 262144$" "$T/pipe.trace"
ok $? "the pipe on stdin grows to 256 KiB"
like "$(tail -2 "$T/pipe.content")" "line 40000 of a message" "the whole message was read"

send file
is "$RC" 0 "a message in a file: read and queued"
! grep -q 'F_SETPIPE_SZ' "$T/file.trace"
ok $? "a file on stdin is not touched"
diff <(grep -Ev '^(Message-ID|Date):' "$T/pipe.content") <(grep -Ev '^(Message-ID|Date):' "$T/file.content") >/dev/null
ok $? "the same content either way"
done_testing
