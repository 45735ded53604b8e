#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# po-check: every source file that marks messages with _() is listed in
# po/POTFILES.in, and po/de.po translates every marked message (none
# missing, none fuzzy).
. "$(dirname "$0")/lib.sh"

cd "$top_srcdir" || exit 1
missing=$(grep -l '\b_("' src/*/*.c | while read -r f; do
	grep -qx "$f" po/POTFILES.in || echo "$f"
done)
is "$missing" "" "every source file with _() is in po/POTFILES.in"

listed_missing=$(grep -v '^#' po/POTFILES.in | while read -r f; do
	[ -z "$f" ] || [ -f "$f" ] || echo "$f"
done)
is "$listed_missing" "" "every file in po/POTFILES.in exists"

xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 -f po/POTFILES.in \
	-o "$T/sendas.pot" 2>"$T/xgettext.err"
ok $? "xgettext extracts the messages"
msgmerge -q --no-fuzzy-matching -o "$T/de.po" po/de.po "$T/sendas.pot" 2>"$T/msgmerge.err"
ok $? "po/de.po merges with the current messages"
stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$T/de.po" 2>&1)
like "$stats" '^[0-9]+ translated messages\.$' "po/de.po translates every message ($stats)"
msgfmt -c -o /dev/null po/de.po
ok $? "po/de.po passes msgfmt -c"
done_testing
