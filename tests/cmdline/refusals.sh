#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The program as callers run it, end to end, without a server: the names it
# is called by (symlinks sendmail, mailq, newaliases), the modes it refuses,
# and every refusal of a bad address or message that happens before any
# connection, each with its exit code and its message.
#
# The account's password_command fails: sendas gets the credentials after
# every check of the command line and the message and before any
# connection, so a refusal that did not happen shows as exit 78 (and
# nothing can reach a network or a queue), never as a pass.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/bin"
for name in sendmail mailq newaliases sendas; do
	ln -s "$SENDAS" "$T/bin/$name"
done
account_file "$T/accounts.ini" alice host=127.0.0.1 -port -tls -tls_trust_file -password \
	password_command=false from=alice@example.test
passed='password_command: exited with status 1'   # every check passed
export SENDAS_CONFIG=$T/accounts.ini

# run NAME INPUT ARGS...: run the program called NAME; sets RC, OUT, ERR.
run() {
	local name=$1 input=$2; shift 2
	printf '%b' "$input" | "$T/bin/$name" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# refused CODE REGEX DESCRIPTION: the last run exited CODE and its first
# stderr line matches REGEX.
refused() {
	local code=$1 re=$2; shift 2
	is "$RC" "$code" "$*: exit $code"
	like "$(head -1 "$T/err")" "$re" "$*: the message"
}

msg='From: alice@example.test\nTo: bob@example.test\nSubject: hi\n\nhello\n'

########################################################################
# Personalities.
########################################################################
run newaliases ''
is "$RC" 0 "newaliases: exit 0"
like "$OUT" "nothing to rebuild" "newaliases: checks the aliases file, nothing to rebuild"
is "$ERR" "" "newaliases: nothing on stderr"
env -u SENDAS_CONFIG HOME=/nonexistent "$T/bin/newaliases" </dev/null >"$T/out" 2>&1
ok $? "newaliases needs no account file and no input"
run newaliases '' bob@example.test
refused 64 "takes no recipients" "newaliases with an argument"
run mailq '' bob@example.test
refused 64 "takes no recipients" "mailq with a recipient (it lists, it does not send)"
run sendmail "$msg"
refused 64 "no recipients: name them as arguments, or use -t" "sendmail without recipients"
run sendmail "$msg" --help
is "$RC" 0 "sendmail --help: exit 0"
like "$OUT" "^Usage: sendas " "sendmail --help shows the usage"
run sendmail "$msg" -bm bob@example.test
refused 78 "$passed" "sendmail -bm bob: the send mode (up to the credentials)"

# Modes a daemon or an MTA has, refused rather than half done (dma
# treats -bs like -D, ssmtp exits 0).
for name in sendmail sendas; do
	for flag in -bd -bD -bl -bi -bt -bv -bh -bH -bP -ba -I; do
		run "$name" "$msg" "$flag"
		refused 64 "option '$flag' is not supported: " "$name $flag"
	done
done
run sendmail 'HELO x\r\n' -bd -t
like "$(cat "$T/err")" "^Try 'sendas --help'\.$" "sendmail -bd: points to --help"
run sendmail "$msg" -X "$T/x.log" bob@example.test
refused 64 "option '-X' is not supported: .*CVE-2016-10033" "sendmail -X FILE"
[ ! -e "$T/x.log" ]
ok $? "sendmail -X FILE: no file written"
run sendmail "$msg" -q1h
refused 64 "option '-q1h' is not supported: queue intervals" "sendmail -q1h"
run sendmail "$msg" bob@example.test -X/tmp/x
refused 64 "'-X/tmp/x' comes after the recipients" "an option after the recipients"
run sendmail "$msg" -- -bob@example.test
refused 78 "$passed" "after --, -bob@example.test is a recipient (a valid address)"

########################################################################
# Addresses: a line break or NUL anywhere is header injection; bad syntax.
########################################################################
run sendmail "$msg" $'bob@example.test\r\nBcc: victim@example.test'
refused 65 "^sendas: refusing address 'bob@example\.test\\\\r\\\\nBcc: victim@example\.test': it contains a line break or a NUL byte \(header injection\)" \
	"CR LF in a recipient argument"
run sendmail "$msg" $'bob@example.test\n'
refused 65 "refusing address 'bob@example\.test\\\\n'.*header injection" "LF in a recipient argument"
run sendmail "$msg" -f $'alice@example.test\rX-Injected: 1' bob@example.test
refused 65 "refusing address 'alice@example\.test\\\\rX-Injected: 1'.*header injection" "CR in -f"
run sendmail "$msg" -F $'Alice\nBcc: victim@example.test' bob@example.test
refused 64 "option '-F' needs a name of one line" "LF in -F (it would go into a From: field)"
run sendmail 'From: alice@example.test\nTo: bob@exa\0mple.test\nSubject: x\n\nhello\n' -t
refused 65 "^sendas: line 2 of the message contains a NUL byte" "NUL in a To: address (-t)"
for bad in 'bob@@example.test' 'bob@exa mple.test' '<bob@example.test' 'bob@-example.test' \
	   '@example.test' 'bob@example..test' 'bob@' '"bob@example.test' 'bob@exa_mple.test'; do
	run sendmail "$msg" "$bad"
	refused 65 "^sendas: invalid address '$(printf '%s' "$bad" | sed 's/[][\.*^$]/\\&/g')'" \
		"bad syntax: $bad"
done
run sendmail 'From: alice@example.test\nTo: Bob <bob@example.test\nSubject: x\n\nhello\n' -t
refused 65 "^sendas: in the To field: invalid address" "bad syntax in To: with -t names the field"
run sendmail "$msg" -f 'alice@example.test bob@example.test' bob@example.test
refused 65 "invalid address 'alice@example\.test bob@example\.test'" "two addresses as -f"

########################################################################
# No recipients.
########################################################################
run sendmail 'From: alice@example.test\nSubject: x\n\nhello\n' -t
refused 64 "no recipients: the message names none in To, Cc or Bcc" "-t and no To, Cc or Bcc"
run sendmail 'From: alice@example.test\nTo: undisclosed-recipients:;\nSubject: x\n\nhello\n' -t
refused 64 "no recipients" "-t and only an empty group"
run sendmail "$msg" ''
refused 64 "no recipients given" "an empty recipient argument"

########################################################################
# The message.
########################################################################
run sendmail 'From: alice@example.test\nSubject: x\n\nline 4\nline 5 \0 here\n' bob@example.test
refused 65 "^sendas: line 5 of the message contains a NUL byte \(invalid input\)$" "NUL in the body, with its line number"
run sendmail 'From: alice@example.test\r\nSubject: x\r\n\r\nline 4\rline 5\0\n' bob@example.test
refused 65 "line 5 of the message contains a NUL byte" "a bare CR counts as a line end for the line number"
long=$(head -c 1500 /dev/zero | tr '\0' y)
multipart="From: alice@example.test\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nshort\n$long\n--b--\n"
run sendmail "$multipart" bob@example.test
refused 65 "^sendas: line 10 is longer than 998 octets, and the message cannot be re-encoded: it is not a single text part \(invalid input\)$" \
	"a 1,500-octet line in a multipart message, with its line number"
run sendmail "From: alice@example.test\nSubject: x\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n$long\n" bob@example.test
refused 65 "^sendas: line 6 is longer than 998 octets, and the message cannot be re-encoded: its body is encoded already" \
	"a 1,500-octet line in a base64 body"
run sendmail "From: alice@example.test\nSubject: x\nX-Long: $long\n\nhello\n" bob@example.test
refused 65 "^sendas: line 3 is longer than 998 octets, and it is in the header, without a space where it could be folded" \
	"a 1,500-octet header line that cannot be folded"
run sendmail "From: alice@example.test\nSubject: x\n\n$long\n" bob@example.test
refused 78 "$passed" "a long line in a plain message is no refusal: it is re-encoded"

done_testing
