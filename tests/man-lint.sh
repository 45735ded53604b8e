#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The man pages are lint-clean (mandoc -T lint down to style level, groff
# -ww) and render without the broken bits they once had.
. "$(dirname "$0")/lib.sh"
command -v groff >/dev/null || { echo "Bail out! groff is missing (tests/deps.sh)"; exit 1; }
for page in man/sendas.1 man/sendas-accounts.5 man/sendas-smtpd.5; do
	# What depends on the machine, not the page: whether the pages an Xr
	# names are installed, and the state of mandoc's database.
	out=$(mandoc -T lint -W style "$top_srcdir/$page" 2>&1 |
		grep -v -e 'referenced manual not found' -e 'outdated mandoc.db')
	is "$out" "" "$page is lint-clean (mandoc, style level)"
	out=$(groff -ww -z -mandoc "$top_srcdir/$page" 2>&1)
	is "$out" "" "$page is clean for groff -ww"
	text=$(MANWIDTH=200 mandoc -T utf8 "$top_srcdir/$page" 2>/dev/null | col -b)
	! grep -nE '\b(Ns|Qq|Pq|Cm|Li) |Ar host' <<<"$text"
	ok $? "$page: no macro name in the rendered text"
	! grep -nE '""|"[a-z-]+, ' <<<"$text"
	ok $? "$page: no doubled or unbalanced quotes"
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

# keys_documented KEYS PAGE MIN WHAT: every key is in the man page.
keys_documented() {
	local k missing=
	for k in $1; do
		grep -qE "Cm $k( |$)" "$top_srcdir/$2" || missing+=" $k"
	done
	ok "$([ "$(grep -c . <<<"$1")" -ge "$3" ] && echo 0 || echo 1)" "$4 has at least $3 keys"
	is "$missing" "" "every key of $4 is in $2"
}
keys_documented "$(grep -oE '^\s*KEY\([a-z_]+,' "$top_srcdir/src/accounts/conf.c" |
	grep -oE '[a-z_]+,' | tr -d ,)" man/sendas-accounts.5 20 "the account file (conf.c)"
keys_documented "$(grep -oE '^\s*\{ "[a-z_]+", K_' "$top_srcdir/src/accounts/smtpd_conf.c" |
	grep -oE '"[a-z_]+"' | tr -d '"')" man/sendas-smtpd.5 15 "smtpd.ini (smtpd_conf.c)"
done_testing
