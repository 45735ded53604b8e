#!/bin/bash
# Credentials end to end, against the Postfix + Dovecot bed: every password
# source logs in for real (password, password_file, password_command, ~/.netrc,
# $CREDENTIALS_DIRECTORY/<account>.password); a failing and a hanging
# password_command stop sendas before any connection; what a password_command
# sees (stdin, environment, the process list) holds no secret and no message.
# The unit tests (tests/unit/test_secret.c) cover the corner cases; this
# proves the sources reach a real server's AUTH.
. "$(dirname "$0")/../lib.sh"
bed_start

# Children must not inherit the bed's BED_PASS* from this script, or the
# environment checks below would find them there: sendas runs with a small,
# known environment.
run() {  # run ENV-ASSIGNMENTS... -- SENDAS-ARGS...; stdin: the message
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env -i PATH=/usr/bin:/bin HOME="$T/home" "${envs[@]}" "$SENDAS" "$@" 2>"$T/err"
}

connections() { grep -c 'connect from' "$BED_POSTFIX_LOG"; }

# logins USER: how many times Postfix saw USER log in.
logins() { grep -c "sasl_username=$1\$" "$BED_POSTFIX_LOG"; }

message() {  # message FROM SUBJECT
	printf 'From: %s\nTo: %s\nSubject: %s\n\nsecret sources\n' "$1" "$BED_USER3" "$2"
}

# account NAME USER SOURCE-LINES...: an account file with one account.
account() {
	local name=$1 user=$2; shift 2
	account_file "$T/acc.ini" "$name" "host=$BED_NAME" "port=$BED_SUBMISSION_PORT" -tls \
		"tls_trust_file=$BED_CA" "user=$user" -password "from=$user" "$@"
}

mkdir -m 700 "$T/home"
( umask 077
  printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf '%s\n' "$BED_PASS3" >"$T/carol.pass" )

# sends NAME USER: the message goes out with USER's login and arrives.
sent=0
sends() {
	local what=$1 user=$2 before rc
	before=$(logins "$user")
	message "$user" "$what" | run "${envs[@]}" -- -C "$T/acc.ini" "$BED_USER3"
	rc=$?
	ok "$rc" "$what: sendas exits 0"
	[ "$rc" = 0 ] || sed 's/^/#   /' "$T/err" | head -5
	sent=$((sent + 1))
	maildir_wait "$BED_USER3" "$sent" >/dev/null
	ok $? "$what: delivered"
	[ "$(logins "$user")" -gt "$before" ]
	ok $? "$what: Postfix saw $user log in"
}

# 1. Each source.
envs=()
account alice "$BED_USER1" "password = $BED_PASS1"
sends "password (shell metacharacters, a space)" "$BED_USER1"

account alice "$BED_USER1" "password_file = $T/alice.pass"
sends "password_file" "$BED_USER1"

account carol "$BED_USER3" "password_command = cat '$T/carol.pass'"
sends "password_command" "$BED_USER3"

# netrc: machine = host, login = user; the password quoted, as curl reads it.
q=${BED_PASS1//\\/\\\\}
q=${q//\"/\\\"}
( umask 077
  printf 'machine other.example login x password y\n' >"$T/home/.netrc"
  printf 'machine %s\n  login %s\n  password "%s"\n' "$BED_NAME" "$BED_USER1" "$q" \
	>>"$T/home/.netrc" )
account alice "$BED_USER1"
sends "~/.netrc with HOME set, a quoted password" "$BED_USER1"
chmod 644 "$T/home/.netrc"
before=$(connections)
message "$BED_USER1" "netrc 644" | run -- -C "$T/acc.ini" "$BED_USER3"
is "$?" 78 "a ~/.netrc others can read is refused, not skipped: exit 78"
like "$(cat "$T/err")" "\.netrc: others can read it \(mode 0644\); run: chmod 600" \
	"  and the message says how to fix it"
is "$(connections)" "$before" "  before any connection"
rm "$T/home/.netrc"

# systemd LoadCredential=: $CREDENTIALS_DIRECTORY/<account>.password, read-only.
mkdir -m 700 "$T/creds"
( umask 077; printf '%s\n' "$BED_PASS2" >"$T/creds/bob.password" )
chmod 400 "$T/creds/bob.password"
account bob "$BED_USER2"
envs=("CREDENTIALS_DIRECTORY=$T/creds")
sends "\$CREDENTIALS_DIRECTORY/bob.password (UTF-8 password)" "$BED_USER2"
envs=()

# 2. A failing and a hanging password_command: refused before connecting.
before=$(connections)
account alice "$BED_USER1" "password_command = echo guess-\$((6*7)); exit 3"
message "$BED_USER1" "failing" | run -- -C "$T/acc.ini" "$BED_USER3"
is "$?" 78 "a failing password_command: exit 78"
like "$(cat "$T/err")" 'account alice: password_command: exited with status 3' \
	"  the account, the key and the status are named"
! grep -q 'guess-\$' "$T/err"
ok $? "  the command is not (it may hold a secret; issue 13)"
! grep -q guess-42 "$T/err"
ok $? "  its output is never shown"

account alice "$BED_USER1" "password_command = sleep 30 & echo \$! >'$T/bg.pid'; wait" \
	"password_command_timeout = 1"
message "$BED_USER1" "hanging" | run -- -C "$T/acc.ini" "$BED_USER3"
is "$?" 78 "a hanging password_command (password_command_timeout = 1): exit 78"
like "$(cat "$T/err")" "did not finish within 1 s and was stopped" "  the message says so"
pid=$(cat "$T/bg.pid" 2>/dev/null)
for _ in $(seq 100); do
	[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
	sleep 0.05
done
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
ok $? "  its whole process group was killed (background pid ${pid:-none})"
is "$(connections)" "$before" "neither made a connection"

# No source at all and no terminal: refused at once, never a hang.
account alice "$BED_USER1"
message "$BED_USER1" "none" | run -- -C "$T/acc.ini" "$BED_USER3"
is "$?" 78 "no password source and no terminal: exit 78"
like "$(cat "$T/err")" "account alice: no password" "  and says where a password could come from"

# 3. What a password_command sees.  Another account holds an inline
# password; while the command runs, sendas holds it in memory: it must not be
# in the command's environment, nor in any process's arguments.  The
# command's stdin is /dev/null, never the message; and by then sendas allows
# no core file (secret_protect_process, before the account file is read).
cat >"$T/pwcmd.sh" <<EOF
#!/bin/sh
readlink /proc/self/fd/0 >'$T/child.stdin'
tr '\\0' '\\n' </proc/self/environ >'$T/child.env'
ps -eww -o pid=,ppid=,args= >'$T/ps.txt'
p=\$PPID
[ "\$(cat /proc/\$p/comm)" = sendas ] || p=\$(cut -d' ' -f4 /proc/\$p/stat)
cat /proc/\$p/comm >'$T/parent.comm'
grep '^Max core file size' /proc/\$p/limits >'$T/parent.limits'
cat '$T/alice.pass'
EOF
chmod 700 "$T/pwcmd.sh"
{
	printf '[defaults]\nhost = %s\nport = %s\ntls_trust_file = %s\n' \
		"$BED_NAME" "$BED_SUBMISSION_PORT" "$BED_CA"
	printf '[account alice]\nuser = %s\nfrom = %s\npassword_command = %s\n' \
		"$BED_USER1" "$BED_USER1" "$T/pwcmd.sh"
	printf '[account bob]\nuser = %s\nfrom = %s\npassword = %s\n' \
		"$BED_USER2" "$BED_USER2" "$BED_PASS2"
} | write_accounts "$T/acc.ini"
message "$BED_USER1" "secret-body-marker" >"$T/msg"
# An unrelated process that holds the password in its arguments (another
# user's tool, a second test): not this test's, so not its business.  It
# leaves this test's process tree (setsid, its parent gone) and is killed
# by its own process group at the end.
( setsid sh -c 'echo $$ >"$1"; sleep 60; :' "$BED_PASS1" "$T/decoy.pid" </dev/null \
	>/dev/null 2>&1 & )
wait_for $$ -s "$T/decoy.pid"
decoy=$(cat "$T/decoy.pid")
cleanups+=("kill -- -$decoy")
# Core files allowed when sendas starts, so that the check below can fail.
( ulimit -c unlimited && run -- -v -C "$T/acc.ini" "$BED_USER3" <"$T/msg" )
ok $? "password_command with a script: sent"
sent=$((sent + 1))
is "$(cat "$T/child.stdin")" /dev/null "the command's stdin is /dev/null, not the message"
! grep -qF -e "$BED_PASS1" -e "$BED_PASS2" "$T/child.env"
ok $? "no password in the command's environment"
own_processes $$ "$T/ps.txt" >"$T/own-ps.txt"
! grep -qF -e "$BED_PASS1" -e "$BED_PASS2" "$T/own-ps.txt"
ok $? "no password in the arguments of any process this test started, while it runs"
grep -q "sendas .*-C $T/acc.ini" "$T/own-ps.txt"
ok $? "  (the process list was taken while sendas ran)"
grep -qF "$BED_PASS1" "$T/ps.txt" && ! grep -qF "$BED_PASS1" "$T/own-ps.txt"
ok $? "  an unrelated process held the password meanwhile, and was not counted"
is "$(cat "$T/parent.comm")" sendas "the command's parent (or grandparent) is sendas"
like "$(cat "$T/parent.limits")" "^Max core file size +0 +0 " \
	"  which, started with core files allowed, has none by then (secret_protect_process)"
b64=$(printf '\0%s\0%s' "$BED_USER1" "$BED_PASS1" | base64 -w0)
! grep -qF -e "$BED_PASS1" -e "$b64" -e "${b64:8:16}" "$T/err"
ok $? "-v shows neither the password nor the AUTH data"
like "$(cat "$T/err")" "^--> AUTH [A-Z0-9-]+ \[redacted\]|^--> \[redacted\]" "  AUTH is shown redacted"

done_testing
