#!/bin/bash
# Every documented option of `sendas --help` is in the man page and in the
# bash, zsh and fish completions; each completion loads in its shell and
# completes an account name from a test account file.
. "$(dirname "$0")/lib.sh"
C=$top_srcdir/completions

# The options --help documents: long names and single letters.
help=$("$SENDAS" --help | sed '/^Accepted and ignored/,$d')
longs=$(grep -oE -- '--[a-z][a-z-]+' <<<"$help" | grep -v -- '--$' | sort -u)
shorts=$(grep -oE -- '^  -[A-Za-z],' <<<"$help" | tr -d ' ,-' | sort -u)
shorts+=$'\n'$(grep -oE -- '^  -[A-Za-z] ' <<<"$help" | tr -d ' -' | sort -u)
ok "$([ "$(grep -c . <<<"$longs")" -ge 20 ] && echo 0 || echo 1)" \
	"--help documents at least 20 long options ($(grep -c . <<<"$longs"))"

# has FILE WHAT PATTERN-PREFIX: every option appears in FILE.
has_all() {
	local file=$1 what=$2 missing= o
	for o in $longs; do
		grep -qE -- "(^|[^a-z-])${3}${o#--}([^a-z-]|$)" "$file" || missing+=" $o"
	done
	is "$missing" "" "every long option of --help is in $what"
}
has_all "$top_srcdir/man/sendas.1" "man/sendas.1" 'Fl -'
has_all "$C/sendas" "the bash completion" '--'
has_all "$C/_sendas" "the zsh completion" '--'
has_all "$C/sendas.fish" "the fish completion" '-l '

missing=
for s in $shorts; do
	grep -qE -- "Fl $s( |$)" "$top_srcdir/man/sendas.1" || missing+=" -$s"
	grep -qE -- "(^|[ '])-$s( |'|$)" "$C/sendas" || missing+=" bash:-$s"
	grep -qE -- "-$s[^a-z-]" "$C/_sendas" || missing+=" zsh:-$s"
	grep -qE -- "-s $s( |$)" "$C/sendas.fish" || missing+=" fish:-$s"
done
is "$missing" "" "every short option of --help is in the man page and the three completions"

# A test account file and a PATH where "sendas" is the one just built.
mkdir -p "$T/bin"; ln -s "$SENDAS" "$T/bin/sendas"
write_accounts "$T/acc.ini" <<'INI'
[defaults]
host = localhost

[account work]
from = *@work.example
[account Private-1]
from = me@home.example
INI
export PATH=$T/bin:$PATH

# bash: load bash-completion and ours, then ask as readline would.
out=$(bash --norc -c '
	. /usr/share/bash-completion/bash_completion
	. "$1"
	COMP_WORDS=(sendas -C "$2" -a ""); COMP_CWORD=4; COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
	_sendas; printf "%s\n" "${COMPREPLY[@]}"
	COMP_WORDS=(sendas --dsn-r); COMP_CWORD=1; COMP_LINE="sendas --dsn-r"; COMP_POINT=${#COMP_LINE}
	_sendas; printf "%s\n" "${COMPREPLY[@]}"' _ "$C/sendas" "$T/acc.ini" 2>&1)
like "$out" '^work$' "bash completes -a with an account name from the file given by -C"
like "$out" '^Private-1$' "bash completes every account"
like "$out" '^--dsn-return=$' "bash completes long options"

# Queue IDs: queue one message (nothing listens on port 1), then complete
# the argument of --queue-delete.
export XDG_STATE_HOME=$T/state
write_accounts "$T/q.ini" <<'INI'
[account q]
host = 127.0.0.1
port = 1
tls = off
from = *
INI
printf 'Subject: q\n\nq\n' | "$SENDAS" -C "$T/q.ini" -f a@q.example b@q.example 2>"$T/q.err"
is "$?" 0 "a message to a closed port is queued (exit 0 once queued)"
id=$("$SENDAS" -C "$T/q.ini" --queue-ids)
like "$id" '^[0-9a-f]{16}$' "--queue-ids prints its ID"
out=$(bash --norc -c '
	. /usr/share/bash-completion/bash_completion
	. "$1"
	COMP_WORDS=(sendas --queue-delete ""); COMP_CWORD=2; COMP_LINE="sendas --queue-delete "; COMP_POINT=${#COMP_LINE}
	_sendas; printf "%s\n" "${COMPREPLY[@]}"' _ "$C/sendas" 2>&1)
is "$out" "$id" "bash completes --queue-delete with the queued ID"
out=$(fish --no-config -c "source $C/sendas.fish; complete -C 'sendas --queue-retry '" 2>&1)
like "$out" "^$id" "fish completes --queue-retry with the queued ID"

# zsh: compile the function (syntax), then run the account helper.
zsh -n "$C/_sendas"
ok $? "the zsh completion parses"
out=$(SENDAS_CONFIG=$T/acc.ini zsh -f -c '
	_describe() { shift 3; print -l ${(P)1}; }
	source <(sed -n "/^_sendas_accounts()/,/^}/p" "$1")
	words=(sendas -a ""); _sendas_accounts' _ "$C/_sendas" 2>&1)
like "$out" '^work$' "zsh completes an account name from \$SENDAS_CONFIG"

# fish: load the file and ask for completions.
out=$(SENDAS_CONFIG=$T/acc.ini fish --no-config -c "source $C/sendas.fish; complete -C 'sendas -a '" 2>&1)
like "$out" '^Private-1' "fish completes -a with an account name"
out=$(fish --no-config -c "source $C/sendas.fish; complete -C 'sendas --pro'" 2>&1)
like "$out" '^--probe-max' "fish completes long options"
done_testing
