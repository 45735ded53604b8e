#!/bin/bash
# run-cases.sh: transcript tests against our scripted test server, in the
# spirit of curl's tests/data.  Each tests/cases/*.case file holds sections;
# a case states only what it is about, the rest comes from defaults:
#
#   === args      sendas arguments (one line, split by the shell, after
#                 substitution); -C is added.  Default: DEFAULT_ARGS below
#   === account   changes to the default account (ACCOUNT_DEFAULTS in
#                 tests/lib.sh, named alice): "key = value" sets or adds a
#                 key, "-key" removes one; a section that starts with "["
#                 is a whole account file instead.  Written mode 0600
#   === stdin     the message (LF line ends are fine: sendas canonicalises).
#                 Default: DEFAULT_STDIN below
#   === server    the test server's script (tests/server/README); "open"
#                 plays the greeting, EHLO, STARTTLS, EHLO and AUTH PLAIN of
#                 the default account, and the settings caps, caps-plain,
#                 login, greeting and ehlo change what it plays
#   === server-options  extra test server options (e.g. --implicit-tls)
#   === exit      the expected exit code
#   === stderr    extended regexes, each must match a line of stderr
#   === stderr-not  extended regexes that must match no line of stderr
#   === stderr-first  one extended regex the first line of stderr must match
#   === stdout    extended regexes, each must match a line of stdout; with
#                 --json in args, stdout is also validated against
#                 tests/data/result.schema.json (tests/json-check.py)
#   === wire      the expected client side of the record: its "R:" (one
#                 read, under TLS one TLS record) and "C:" lines, exactly
#                 and in order, each line a bash glob
#   === bytes     the "C:" lines alone, as in wire: the bytes in order,
#                 however the client grouped its writes
#   === record    extended regexes, each must match a line of the record
#
# Substituted everywhere but in the server script (written before the port
# is known): @PORT@ (the server's port), @CERTS@ (test certificates: ca.pem
# server.pem ...), @T@ (the case's scratch directory), and then @B64{TEXT}@,
# the base64 of TEXT with printf %b escapes (\001): SASL messages that hold
# the port, such as OAUTHBEARER's.
. "$(dirname "$0")/../lib.sh"

CASES=${CASES:-$top_srcdir/tests/cases}
DEFAULT_ARGS="-f bob@example.test carol@example.net"
DEFAULT_STDIN="From: Bob <bob@example.test>
To: carol@example.net
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <case@example.test>
Subject: test

hello"
# Messages that fail are queued or kept (keep.h): under $T, not in $HOME.
export XDG_STATE_HOME=$T/state
certs=$T/certs
mkdir -p "$certs"
sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
	{ echo "Bail out! cannot make test certificates"; exit 1; }

# has_section FILE NAME: whether the case has "=== NAME".
has_section() {
	grep -qx -- "=== $2" "$1"
}

# The case's section NAME, or DEFAULT when it has none.
section_or() {
	if has_section "$1" "$2"; then section "$1" "$2"; else printf '%s\n' "$3"; fi
}

# The account file: the default account changed by the case, or the case's
# own file when its section starts with "[".
write_case_accounts() {
	local -a changes=()
	section "$case" account >"$dir/account.spec"
	if grep -q '^\[' "$dir/account.spec"; then
		subst <"$dir/account.spec" | write_accounts "$dir/accounts.ini"
		return
	fi
	mapfile -t changes <"$dir/account.spec"
	account_file "$dir/accounts.ini.in" alice "${changes[@]}"
	subst <"$dir/accounts.ini.in" | write_accounts "$dir/accounts.ini"
}

# section FILE NAME: the body of "=== NAME" up to the next "=== ".
section() {
	awk -v want="=== $2" '
		/^=== / { inside = ($0 == want); next }
		inside { print }' "$1"
}

b64subst() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		while [[ $line =~ ^(.*)@B64\{([^}]*)\}@(.*)$ ]]; do
			line=${BASH_REMATCH[1]}$(printf '%b' "${BASH_REMATCH[2]}" |
				base64 -w0)${BASH_REMATCH[3]}
		done
		printf '%s\n' "$line"
	done
}

subst() {
	sed -e "s|@PORT@|$port|g" -e "s|@CERTS@|$certs|g" -e "s|@T@|$dir|g" | b64subst
}

start_server() {
	local opts
	opts=$(section "$case" server-options)
	section "$case" server >"$dir/script"
	"$TESTSERVER" --script "$dir/script" --record "$dir/record" \
		--port-file "$dir/port" --cert "$certs/server.pem" \
		--key "$certs/server.key" --timeout 10 $opts \
		>"$dir/server.out" 2>&1 &
	server_pid=$!
	for _ in $(seq 200); do
		[ -s "$dir/port" ] && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.05
	done
	port=$(cat "$dir/port" 2>/dev/null)
}

check_lines() {   # check_lines TEXT-FILE REGEX-FILE MUST(1|0) WHAT
	local text=$1 regexes=$2 must=$3 what=$4 re
	while IFS= read -r re; do
		[ -n "$re" ] || continue
		if grep -Eq -- "$re" "$text"; then
			ok $((1 - must)) "$name: $what matches /$re/"
		else
			ok "$must" "$name: $what matches /$re/"
		fi
		[ "$must" = 1 ] && ! grep -Eq -- "$re" "$text" && sed 's/^/#   /' "$text" | head -30
	done <"$regexes"
}

check_first_line() {
	local re first
	re=$(section "$case" stderr-first | subst)
	[ -n "$re" ] || return 0
	first=$(head -n 1 "$dir/stderr")
	if printf '%s\n' "$first" | grep -Eq -- "$re"; then
		ok 0 "$name: the first line of stderr matches /$re/"
	else
		ok 1 "$name: the first line of stderr matches /$re/"
		printf '#   first line: %s\n' "$first"
	fi
}

check_json() {
	case " $args " in *" --json "*) ;; *) return 0 ;; esac
	python3 "$top_srcdir/tests/json-check.py" "$top_srcdir/tests/data/result.schema.json" \
		"$dir/stdout" 2>"$dir/json.err"
	ok $? "$name: the --json output is valid against tests/data/result.schema.json"
	sed 's/^/#   /' "$dir/json.err" | head -10
}

check_wire() {  # check_wire SECTION KINDS WHAT: KINDS "R|C" or "C"
	local want=$dir/$1.want got=$dir/$1.got i=0 bad=0 w g
	section "$case" "$1" | subst >"$want"
	[ -s "$want" ] || return 0
	grep -E "^($2): " "$dir/record" >"$got"
	mapfile -t W <"$want"
	mapfile -t G <"$got"
	[ "${#W[@]}" -eq "${#G[@]}" ] || bad=1
	for ((i = 0; i < ${#W[@]} && !bad; i++)); do
		# The record escapes CR as \r: a backslash is literal here,
		# and only * and ? are wildcards.
		w=${W[i]//\\/\\\\}
		w=${w//[/\\[}
		# shellcheck disable=SC2053
		[[ ${G[i]} == $w ]] || bad=1
	done
	ok "$bad" "$name: $3"
	[ "$bad" = 0 ] || diff "$want" "$got" | sed 's/^/#   /' | head -40
}

run_case() {
	case=$1 name=$(basename "$1" .case) dir=$T/$name
	mkdir -p "$dir"
	start_server
	write_case_accounts
	section_or "$case" stdin "$DEFAULT_STDIN" >"$dir/stdin"
	args=$(section_or "$case" args "$DEFAULT_ARGS" | subst)
	# Each case its own queue: what one case queued must not be sent after
	# the next one's message (flush.h).
	# shellcheck disable=SC2086
	XDG_STATE_HOME=$dir/state \
		${SENDAS_WRAPPER:-} "$SENDAS" -C "$dir/accounts.ini" $args <"$dir/stdin" >"$dir/stdout" 2>"$dir/stderr"
	rc=$?
	wait "$server_pid"
	server_rc=$?
	is "$rc" "$(section "$case" exit)" "$name: exit code"
	[ "$rc" = "$(section "$case" exit)" ] || sed 's/^/#   stderr: /' "$dir/stderr" | head -20
	section "$case" stderr | subst >"$dir/stderr.re"
	check_lines "$dir/stderr" "$dir/stderr.re" 1 "stderr"
	section "$case" stderr-not | subst >"$dir/stderr-not.re"
	check_lines "$dir/stderr" "$dir/stderr-not.re" 0 "stderr never"
	check_first_line
	section "$case" stdout | subst >"$dir/stdout.re"
	check_lines "$dir/stdout" "$dir/stdout.re" 1 "stdout"
	check_json
	check_wire wire 'R|C' "the client's bytes and writes are as expected"
	check_wire bytes C "the client's bytes are as expected"
	section "$case" record | subst >"$dir/record.re"
	check_lines "$dir/record" "$dir/record.re" 1 "record"
	want_server=$(section "$case" server-exit)
	is "$server_rc" "${want_server:-0}" "$name: the test server's expectations were met"
	[ "$server_rc" = "${want_server:-0}" ] || sed 's/^/#   record: /' "$dir/record" | tail -15
}

shopt -s extglob
# CASE_GLOB picks some cases (tests/valgrind.sh); SENDAS_WRAPPER runs
# sendas under another program (valgrind).
for c in "$CASES"/${CASE_GLOB:-*}.case; do
	run_case "$c"
done
done_testing
