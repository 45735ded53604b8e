# SPDX-License-Identifier: GPL-3.0-or-later
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
# Root's mailq and -q also serve the system units' queue (queue.h): never
# the machine's in a test.
export SENDAS_SYSTEM_QUEUE=$T/system-queue
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

# unlike TEXT PATTERN DESCRIPTION: no line of TEXT matches grep -E PATTERN.
unlike() {
	local text=$1 pat=$2; shift 2
	if printf '%s\n' "$text" | grep -Eq -- "$pat"; then
		ok 1 "$@"
		printf '%s\n' "$text" | grep -E -- "$pat" | sed 's/^/#   matches: /' | head -5
	else
		ok 0 "$@"
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

# count USER: how many messages a bed user has.
count() { maildir_files "$1" | grep -c .; }

# header FILE NAME: the first NAME field of a delivered message, unfolded.
header() {
	python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
v = m.get(sys.argv[2])
print("" if v is None else " ".join(str(v).split()))
PY
}

# login_of_last: the SASL login of the latest message the bed's Postfix
# accepted.
login_of_last() {
	grep -o 'sasl_username=[^ ,]*' "$BED_POSTFIX_LOG" | tail -1 | cut -d= -f2
}

# write_accounts FILE: an account file from stdin, private.
write_accounts() {
	( umask 077; cat >"$1" )
}

# queueing_account FILE: an account "q" for every sender whose server is a
# closed port on 127.0.0.1: each message sent through it is queued (75).
queueing_account() {
	write_accounts "$1" <<'INI'
[account q]
host = 127.0.0.1
port = 1
tls = off
from = *
INI
}

# The account a test starts from: the scripted test server's (port and
# trust file as tests/cases substitute them).  A test may set its own.
ACCOUNT_DEFAULTS=(
	"host=localhost" "port=@PORT@" "tls=starttls" "tls_trust_file=@CERTS@/ca.pem"
	"user=alice@example.test" "password=s3cret pass" "from=*@example.test"
)

# bed_account_defaults: after bed_start, ACCOUNT_DEFAULTS for the bed:
# alice (BED_USER1) on its submission port, her password in $T/alice.pass
# (which the test writes).
bed_account_defaults() {
	ACCOUNT_DEFAULTS=(
		"host=$BED_NAME" "port=$BED_SUBMISSION_PORT" "tls=starttls"
		"tls_trust_file=$BED_CA" "user=$BED_USER1" "password_file=$T/alice.pass"
		"from=$BED_USER1"
	)
}

# account_file FILE NAME [KEY=VALUE | -KEY]...: a private account file with
# one account NAME: ACCOUNT_DEFAULTS, then each KEY=VALUE (spaces around =
# are fine) sets or adds a key in place and each -KEY removes one.
# account_add appends a further account the same way; account_text NAME
# [KEY=VALUE | -KEY]... prints it.
account_text() { _account_write - "$@"; }
account_file() { _account_write "$@" >"$1.new" && write_accounts "$1" <"$1.new"; rm -f "$1.new"; }
account_add() { _account_write "$@" >>"$1"; }
_account_write() {
	local name=$2 spec key i
	local -a keys=() vals=()
	shift 2
	for spec in "${ACCOUNT_DEFAULTS[@]}" "$@"; do
		[[ $spec =~ ^[[:space:]]*$ ]] && continue
		if [[ $spec =~ ^-([a-z_0-9]+)$ ]]; then
			key=${BASH_REMATCH[1]}
			for i in "${!keys[@]}"; do
				[ "${keys[i]}" = "$key" ] && unset 'keys[i]' 'vals[i]'
			done
			continue
		fi
		[[ $spec =~ ^[[:space:]]*([^=[:space:]]+)[[:space:]]*=[[:space:]]?(.*)$ ]] ||
			{ echo "Bail out! account_file: \"$spec\" is not KEY=VALUE or -KEY"; exit 1; }
		key=${BASH_REMATCH[1]}
		for i in "${!keys[@]}"; do
			[ "${keys[i]}" = "$key" ] && break
			i=
		done
		if [ -n "${i:-}" ] && [ "${keys[i]:-}" = "$key" ]; then
			vals[i]=${BASH_REMATCH[2]}
		else
			keys+=("$key")
			vals+=("${BASH_REMATCH[2]}")
		fi
	done
	printf '[account %s]\n' "$name"
	for i in "${!keys[@]}"; do
		printf '%s = %s\n' "${keys[i]}" "${vals[i]}"
	done
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
# as the queue's reason records spell it (src/base/neutral.h)
forms.add("".join(c if " " < c != "\x7f" and c != "%" else "%%%02X" % ord(c) for c in pw))
for authz in ("", user):
    forms.add(base64.b64encode(f"{authz}\0{user}\0{pw}".encode()).decode())
for pad in (b"", b"\0", b"\0\0"):
    forms.add(base64.b64encode(pad + pw.encode()).decode()[4:-4])
print("\n".join(f for f in forms if len(f) >= 6))
EOF
}

# german_catalogue: a private de_DE.UTF-8 locale (localedef into $T/locale,
# LOCPATH) and po/de.po as the build makes it ($T/msgs, SENDAS_LOCALEDIR),
# both exported; the machine's locales and its default stay as they are.
# A command then speaks German with LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8.
# 1 when the locale cannot be made.
german_catalogue() {
	mkdir -p "$T/locale" "$T/msgs/de/LC_MESSAGES"
	localedef -i de_DE -f UTF-8 "$T/locale/de_DE.UTF-8" >"$T/localedef.out" 2>&1
	[ -f "$T/locale/de_DE.UTF-8/LC_MESSAGES/SYS_LC_MESSAGES" ] || return 1
	msgfmt -o "$T/msgs/de/LC_MESSAGES/sendas.mo" "$top_srcdir/po/de.po" || return 1
	export LOCPATH=$T/locale SENDAS_LOCALEDIR=$T/msgs
	# glibc's setlocale keeps the LOCPATH it split (argz) for good;
	# LeakSanitizer (the sanitizer build) would call that a leak of sendas.
	echo 'leak:__argz_add_sep' >"$T/lsan.supp"
	export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0
}

# own_processes ROOT PS-FILE: the arguments of ROOT and of every process
# below it, from PS-FILE (ps -eww -o pid=,ppid=,args=, taken earlier): the
# processes a test started, not the rest of the machine.
own_processes() {
	awk -v root="$1" '
		{ pid = $1; ppid[pid] = $2; $1 = ""; $2 = ""; args[pid] = substr($0, 3) }
		END {
			for (p in args) {
				q = p
				for (d = 0; d < 64 && q != "" && q != 0; d++) {
					if (q == root) { print args[p]; break }
					q = ppid[q]
				}
			}
		}' "$2"
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

# serve NAME [OPTION...]: the scripted test server (tests/server) playing
# $T/NAME.script, recording to $T/NAME.record, its output in $T/NAME.out,
# with --timeout 10 unless an OPTION says otherwise; sets port and
# server_pid once it listens.
serve() {
	local name=$1; shift
	rm -f "$T/$name.port"
	"$TESTSERVER" --script "$T/$name.script" --record "$T/$name.record" \
		--port-file "$T/$name.port" --timeout 10 "$@" >"$T/$name.out" 2>&1 &
	server_pid=$!
	wait_for "$server_pid" -s "$T/$name.port"
	port=$(cat "$T/$name.port" 2>/dev/null)
}

# run_killed MAX_US CMD...: run CMD, SIGKILL it after a random time up to
# MAX_US microseconds (if it is still running); sets RC.  CMD must be the
# process to kill (exec in a function), not a shell around it.
run_killed() {
	local max=$1 delay pid; shift
	if ! [ -p "$T/never" ]; then
		mkfifo "$T/never"
		exec 9<>"$T/never"
	fi
	delay=$(( (RANDOM * 32768 + RANDOM) % (max + 1) ))
	"$@" &
	pid=$!
	# read -t on a FIFO nobody writes: a wait without a process to start.
	read -r -t "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))" -u 9
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null   # (bash reports the kill on stderr)
	RC=$?
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

# unit_exposure UNIT-FILE [user]: the overall exposure figure that
# systemd-analyze security (offline, no running systemd) gives the unit;
# its complaints in $T/exposure.err.
unit_exposure() {
	local scope=()
	[ "${2:-}" = user ] && scope=(--user)
	mkdir -p "$T/xdg-run" && chmod 700 "$T/xdg-run"
	XDG_RUNTIME_DIR=$T/xdg-run systemd-analyze "${scope[@]}" security --offline=true \
		--no-pager "$1" 2>"$T/exposure.err" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
