#!/bin/bash
# The man pages are lint-clean (mandoc -T lint at warning level).
. "$(dirname "$0")/lib.sh"
for page in man/sendas.1 man/sendas-accounts.5 man/sendas-smtpd.5; do
	out=$(mandoc -T lint -W warning "$top_srcdir/$page" 2>&1)
	is "$out" "" "$page is lint-clean"
done
# Every exit code in --help is in the man page's EXIT STATUS table.
codes=$("$SENDAS" --help | sed -n '/^Exit status:/,$p' | grep -oE '(^|[ :;])(0|6[4-9]|7[0-8]) [a-z]' |
	grep -oE '[0-9]+' | sort -u)
missing=
for c in $codes; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$top_srcdir/man/sendas.1" | grep -qx "\.It $c" || missing+=" $c"
done
ok "$([ "$(grep -c . <<<"$codes")" -ge 10 ] && echo 0 || echo 1)" "--help lists the exit codes"
is "$missing" "" "every exit code of --help is in sendas(1)"

# Every key of the account file (conf.c's key table) is in sendas-accounts(5).
keys=$(grep -oE '^\s*KEY\([a-z_]+,' "$top_srcdir/src/accounts/conf.c" | grep -oE '[a-z_]+,' | tr -d ,)
missing=
for k in $keys; do
	grep -qE "^\.It Cm $k( |$)|Cm $k( |$)" "$top_srcdir/man/sendas-accounts.5" || missing+=" $k"
done
ok "$([ "$(grep -c . <<<"$keys")" -ge 20 ] && echo 0 || echo 1)" "conf.c has at least 20 keys"
is "$missing" "" "every key of the account file is in sendas-accounts(5)"

# Every key of smtpd.ini (smtpd_conf.c's key tables) is in sendas-smtpd(5).
keys=$(grep -oE '^\s*\{ "[a-z_]+", K_' "$top_srcdir/src/accounts/smtpd_conf.c" | grep -oE '"[a-z_]+"' |
	tr -d '"')
missing=
for k in $keys; do
	grep -qE "Cm $k( |$)" "$top_srcdir/man/sendas-smtpd.5" || missing+=" $k"
done
ok "$([ "$(grep -c . <<<"$keys")" -ge 15 ] && echo 0 || echo 1)" "smtpd_conf.c has at least 15 keys"
is "$missing" "" "every key of smtpd.ini is in sendas-smtpd(5)"
done_testing
