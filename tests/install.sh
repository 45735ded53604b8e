#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make install DESTDIR=...` puts every file where it belongs: the binary,
# both man pages, the three completions, the German catalog, the systemd
# units, the examples; and the sendmail/mailq links when configured.
. "$(dirname "$0")/lib.sh"
dest=$T/dest
make -s -C "$top_builddir" install DESTDIR="$dest" >"$T/install.out" 2>&1
st=$?
ok $st "make install DESTDIR=... succeeds"
[ $st -eq 0 ] || sed 's/^/#   /' "$T/install.out" | tail -20

# The directories configure chose, as the Makefile knows them (expanded).
make -s -C "$top_builddir" --no-print-directory print-install-dirs >"$T/dirs"
ok $? "the Makefile says where files go"
# shellcheck disable=SC1090
. "$T/dirs"

expect() {  # expect PATH DESCRIPTION
	[ -e "$dest$1" ]
	ok $? "$2 ($1)"
}
expect "$bindir/sendas" "the program"
[ -x "$dest$bindir/sendas" ] && "$dest$bindir/sendas" --version >/dev/null
ok $? "the installed program runs"
expect "$mandir/man1/sendas.1" "sendas(1)"
expect "$mandir/man5/sendas-accounts.5" "sendas-accounts(5)"
expect "$bashdir/sendas" "the bash completion"
expect "$zshdir/_sendas" "the zsh completion"
expect "$fishdir/sendas.fish" "the fish completion"
expect "$localedir/de/LC_MESSAGES/sendas.mo" "the German catalog"
for u in sendas-queue.service sendas-queue.timer sendas-status@.service; do
	expect "$sysunits/$u" "system unit $u"
done
for u in sendas-queue.service sendas-queue.timer; do
	expect "$userunits/$u" "user unit $u"
done
grep -q "ExecStart=$bindir/sendas" "$dest$sysunits/sendas-queue.service"
ok $? "the units name the installed program"
grep -q "^LoadCredential=sendas.ini:$sysconfdir/sendas/accounts.ini$" "$dest$sysunits/sendas-queue.service"
ok $? "and the account file under --sysconfdir ($sysconfdir)"
grep -aq "$sysconfdir/sendas/accounts.ini" "$dest$bindir/sendas"
ok $? "the program looks for the account file under --sysconfdir"
for e in accounts.ini neomuttrc gitconfig crontab onfailure.conf; do
	expect "$docdir/examples/$e" "example $e"
done
# (configure --enable-sendmail-links; tests/run.sh's plain build has it)
if [ "$sendmail_links" = yes ]; then
	is "$(readlink "$dest$sbindir/sendmail")" "$bindir/sendas" "sendmail links to sendas"
	is "$(readlink "$dest$bindir/mailq")" "$bindir/sendas" "mailq links to sendas"
	is "$(readlink "$dest$bashdir/sendmail") $(readlink "$dest$fishdir/mailq.fish")" \
		"sendas sendas.fish" "their bash and fish completions are sendas's"
else
	[ ! -e "$dest$sbindir/sendmail" ]
	ok $? "without --enable-sendmail-links no sendmail link is installed"
fi
make -s -C "$top_builddir" uninstall DESTDIR="$dest" >/dev/null 2>&1
is "$(find "$dest" -type f -o -type l | wc -l)" 0 "make uninstall removes every file"
done_testing
