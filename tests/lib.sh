# tests/lib.sh: shared by the shell tests (bash).  TAP output, temporary
# directories, the Postfix bed and the scripted test server.
#
# The test harness exports top_srcdir, top_builddir, SENDAS and TESTSERVER.

set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SENDAS:=$top_builddir/src/sendas}"
: "${TESTSERVER:=$top_builddir/tests/server/sendas-testserver}"

tap_n=0
tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/sendas-test.XXXXXX")
# A send that fails queues the message or keeps a copy (sendas(1) QUEUE):
# into the test's own directory, never the user's.
export XDG_STATE_HOME=$T/state
unset STATE_DIRECTORY
cleanups=()

at_exit() {
	local i
	for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do
		eval "${cleanups[i]}" >/dev/null 2>&1 || :
	done
	rm -rf "$T"
}
trap at_exit EXIT

# ok CONDITION-EXIT-STATUS DESCRIPTION: "ok $? 'text'" after a command.
ok() {
	local status=$1; shift
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		printf '#   got:  %s\n#   want: %s\n' "$got" "$want"
	fi
}

# like TEXT PATTERN DESCRIPTION: grep -E PATTERN in TEXT.
like() {
	local text=$1 pat=$2; shift 2
	if printf '%s\n' "$text" | grep -Eq -- "$pat"; then
		ok 0 "$@"
	else
		ok 1 "$@"
		printf '%s\n' "$text" | sed 's/^/#   /' | head -20
		printf '#   does not match: %s\n' "$pat"
	fi
}

diag() { printf '# %s\n' "$*"; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# bed_start: start a Postfix + Dovecot bed and source its env (BED_*).
bed_start() {
	BED=$T/bed
	chmod 755 "$T"   # user postfix must reach the bed
	if ! "$top_srcdir/tests/beds/postfix-bed" start "$BED" >"$T/bed-start.log" 2>&1; then
		echo "Bail out! the Postfix bed did not start"
		sed 's/^/# /' "$T/bed-start.log"
		exit 1
	fi
	cleanups+=("'$top_srcdir/tests/beds/postfix-bed' stop '$BED'")
	# shellcheck disable=SC1091
	. "$BED/env"
}

# maildir_files USER: the delivered files of a bed user, oldest first.
maildir_files() {
	local user=${1%%@*}
	ls -1tr "$BED_MAILDIR_ROOT/example.test/$user/new/" 2>/dev/null |
		sed "s|^|$BED_MAILDIR_ROOT/example.test/$user/new/|"
}

# maildir_wait USER COUNT: wait (up to 10 s) until USER holds COUNT
# delivered messages; print the newest.  Delivery is asynchronous.
maildir_wait() {
	local i files
	for i in $(seq 100); do
		files=$(maildir_files "$1")
		[ "$(printf '%s\n' "$files" | grep -c .)" -ge "$2" ] && break
		sleep 0.1
	done
	printf '%s\n' "$files" | tail -1
	[ "$(printf '%s\n' "$files" | grep -c .)" -ge "$2" ]
}

# write_accounts FILE: an account file from stdin, private.
write_accounts() {
	( umask 077; cat >"$1" )
}

# secret_forms USER PASSWORD: the forms a leaked password would take, one
# per line: itself, its base64, AUTH PLAIN's base64 (with and without an
# authorization identity), and the middle of its base64 at each of the three
# alignments it can have inside a longer base64 string (the groups after the
# first and before the last depend on its bytes alone).  Forms shorter than
# 6 characters are left out: they would match by chance.
secret_forms() {
	python3 - "$1" "$2" <<'EOF'
import base64, sys
user, pw = sys.argv[1], sys.argv[2]
forms = {pw, base64.b64encode(pw.encode()).decode()}
for authz in ("", user):
    forms.add(base64.b64encode(f"{authz}\0{user}\0{pw}".encode()).decode())
for pad in (b"", b"\0", b"\0\0"):
    forms.add(base64.b64encode(pad + pw.encode()).decode()[4:-4])
print("\n".join(f for f in forms if len(f) >= 6))
EOF
}

# wait_for PID TEST-ARGS...: wait until `test TEST-ARGS` holds (a file a
# server writes when it is ready) or PID has exited, at most 10 s; fails
# when it never held.
wait_for() {
	local pid=$1 i
	shift
	for i in $(seq 200); do
		test "$@" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	test "$@"
}

# testserver_start NAME: the test server on $T/NAME.script, recording to
# $T/NAME.record; sets port and server_pid.
testserver_start() {
	rm -f "$T/$1.port"
	"$TESTSERVER" --script "$T/$1.script" --record "$T/$1.record" \
		--port-file "$T/$1.port" --timeout 10 >"$T/$1.out" 2>&1 &
	server_pid=$!
	cleanups+=("kill $server_pid")
	wait_for "$server_pid" -s "$T/$1.port"
	port=$(cat "$T/$1.port")
}

# Run sendas; sets OUT, ERR, RC.
run_sendas() {
	local input=$1; shift
	printf '%s' "$input" | "$SENDAS" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

[ -x "$SENDAS" ] || { echo "Bail out! $SENDAS is not built"; exit 1; }
