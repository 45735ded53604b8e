#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# German done right: every message of po/de.po is translated and used by
# the sources, and no English is left in what sendas says under
# LANG=de_DE.UTF-8: every transcript case (tests/cases) runs again in German
# (exit codes, wire and server checks as always; the texts are collected),
# and so do --help, --version, mailq and the common mistakes, and all that
# output is searched for the English text of translated messages
# (tests/po-english.py) and for the mistakes this catalogue once had.
#
# The locale is made privately (localedef into the test's directory,
# LOCPATH): the machine's locales and its default stay as they are.
. "$(dirname "$0")/lib.sh"
for tool in localedef msgfmt msgmerge msgattrib xgettext python3; do
	command -v "$tool" >/dev/null ||
		{ echo "Bail out! $tool is missing (tests/deps.sh: locales, gettext)"; exit 1; }
done

# The catalogue, merged with what the sources mark today.
(cd "$top_srcdir" && xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 \
	-f po/POTFILES.in -o "$T/sendas.pot") 2>"$T/xgettext.err"
ok $? "xgettext extracts the messages"
msgmerge -q --no-fuzzy-matching -o "$T/de.po" "$top_srcdir/po/de.po" "$T/sendas.pot"
ok $? "po/de.po merges with the sources"
unused=$(msgattrib --only-obsolete "$T/de.po" | grep -A1 '^#~ msgid' | grep -v '^--')
is "$unused" "" "every message of po/de.po is used by the sources"
stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$T/de.po" 2>&1)
like "$stats" '^[0-9]+ translated messages\.$' "every message is translated ($stats)"
out=$(python3 "$top_srcdir/tests/po-english.py" untranslated "$T/de.po")
ok $? "no translation is the English text itself"
[ -z "$out" ] || sed 's/^/#   /' <<<"$out"
# „…“ where German quotes: no ASCII quote pair in a translation.
ascii=$(msgattrib --no-obsolete "$T/de.po" | awk '/^msgstr/ { s = 1 } /^msgid/ { s = 0 } s' |
	grep -E "'[^' ]+'|\\\\\"[^\"]+\\\\\"")
is "$ascii" "" "translations quote with „…“, not ASCII quotes"

# A German locale of our own, and the catalogue as the build makes it.
german_catalogue
ok $? "a private de_DE.UTF-8 locale (localedef, LOCPATH)"
export LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 LANGUAGE=
like "$("$SENDAS" --help 2>&1 | head -1)" '^Aufruf: ' "sendas speaks German there"

# Every transcript case, in German.
mkdir -p "$T/out"
SENDAS_CASE_OUT=$T/out bash "$top_srcdir/tests/cases/run-cases.sh" >"$T/cases.tap" 2>&1
st=$?
bad=$(grep -c '^not ok' "$T/cases.tap")
[ "$st" -eq 0 ] && [ "$bad" -eq 0 ]
ok $? "every transcript case behaves the same in German ($(grep -c '^ok' "$T/cases.tap") checks)"
grep -A5 '^not ok' "$T/cases.tap" | head -30 | sed 's/^/#   /'
n=$(ls "$T/out"/*.stderr | wc -l)
ok "$([ "$n" -ge 80 ] && echo 0 || echo 1)" "their output is collected ($n cases)"

# What a new user meets first.
mkdir -p "$T/home"
queueing_account "$T/q.ini"
{
	"$SENDAS" --help
	"$SENDAS" --version
	HOME=$T/home SENDAS_CONFIG= XDG_CONFIG_HOME= "$SENDAS" a@b.example </dev/null
	"$SENDAS" --bogus
	"$SENDAS" -C "$T/q.ini" --which a@q.example
	printf 'Subject: q\n\nq\n' | XDG_STATE_HOME=$T/state "$SENDAS" -C "$T/q.ini" -f a@q.example b@q.example
	XDG_STATE_HOME=$T/state "$SENDAS" -C "$T/q.ini" --list-queue
	XDG_STATE_HOME=$T/state "$SENDAS" -C "$T/q.ini" -q
	printf '[account x]\nhost = h\nport = 465\nfrom = *\n' >"$T/465.ini"; chmod 600 "$T/465.ini"
	"$SENDAS" -C "$T/465.ini" a@b.example </dev/null
} >"$T/out/direct.txt" 2>&1
like "$(cat "$T/out/direct.txt")" 'Warteschlange' "the direct commands ran in German"

# No English in any of it.
hits=$(python3 "$top_srcdir/tests/po-english.py" "$T/de.po" "$T/out"/*)
is "$hits" "" "no English text of a translated message in the German output"
all=$(cat "$T/out"/*)
for bad in 'Zeitüberschreitung (Zeitüberschreitung)' 'Schritt: (connect|greeting|done|end of data|TLS handshake)' \
	'Anmeldename keine' 'Angebote' 'timed out' 'will retry'; do
	! grep -qE -- "$bad" <<<"$all"
	ok $? "German output never says: $bad"
done
like "$all" 'Schritt: (Verbindungsaufbau|Begrüßung|TLS-Handshake)' "step names are German"
done_testing
