#!/bin/bash
# --check-config (issue 13 #8, #9, #14): every key of the account file is
# checked when it is loaded, and this mode says so without sending: exit 0
# or 78, the problem named with its line.
. "$(dirname "$0")/../lib.sh"

check() {  # check FILE-TEXT: sets RC, OUT, ERR
	printf '%b' "$1" | write_accounts "$T/acc.ini"
	"$SENDAS" -C "$T/acc.ini" --check-config >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

good='[defaults]\nqueue_lifetime = 2d\nsession_deadline = 600\n'
good+='[account a]\nhost = smtp.example.org\nfrom = *@a.test\nqueue = off\n'
good+='[account b]\nhost = [::1]\nfrom = *@b.test\nqueue_dir = ~/q\n'
check "$good"
is "$RC" 0 "a good file: exit 0"
is "$OUT" "$T/acc.ini: no problems found (accounts: 2)" "and says so on stdout"
is "$ERR" "" "nothing on stderr"

check "${good}queue_lifetim = 3d\n"
is "$RC" 78 "an unknown key: exit 78"
like "$ERR" "acc.ini:12: unknown key \"queue_lifetim\" ignored; did you mean \"queue_lifetime\"\?" \
	"the key is named with its line and a close suggestion"
like "$ERR" "problems found: 1" "and counted"

check "${good}xyzzy = 3\n"
like "$ERR" 'unknown key "xyzzy" ignored; sendas-accounts\(5\) lists the keys' \
	"no suggestion when nothing is close"

check '[account a]\nhost = h\nfrom = *@a.test\nqueue_lifetime = 5 days\n'
is "$RC" 78 "a bad queue_lifetime: exit 78"
like "$ERR" 'acc.ini:4: queue_lifetime = "5 days" is not a time' "named with its line"

check '[account a]\nhost = h\nfrom = *@a.test\nqueue = sometimes\n'
like "$RC:$ERR" '^78:.*acc.ini:4: queue = "sometimes" is not on or off' "a bad queue"

check '[account a]\nhost = h\nfrom = *@a.test\nqueue_dir = relative/q\n'
like "$RC:$ERR" '^78:.*acc.ini:4: queue_dir = "relative/q" is not an absolute path' \
	"a relative queue_dir"

check '[account a]\nhost = -oProxyCommand=x\nfrom = *@a.test\n'
like "$RC:$ERR" '^78:.*acc.ini:2: host = "-oProxyCommand=x" is not a host name' \
	"a host that is an option"
check '[account a]\nhost = smtp example.org\nfrom = *@a.test\n'
like "$RC:$ERR" '^78:.*is not a host name' "a host with a space"
check "[account a]\nhost = $(printf 'a%.0s' $(seq 300)).example\nfrom = *@a.test\n"
like "$RC:$ERR" '^78:.*at most 253 bytes' "a host of 300 bytes"

# The same problems stop a send at once, before any network (no queue).
printf '[account a]\nhost = h\nfrom = *@a.test\nqueue_lifetime = 5x\n' | write_accounts "$T/acc.ini"
printf 'From: x@a.test\n\nhi\n' | "$SENDAS" -C "$T/acc.ini" -i r@example.net 2>"$T/err"
is "$?" 78 "a send with a bad queue_lifetime fails at once (78)"
like "$(cat "$T/err")" 'queue_lifetime = "5x"' "naming the key"

"$SENDAS" -C "$T/missing.ini" --check-config 2>"$T/err"
is "$?" 78 "a missing file: exit 78"
done_testing
