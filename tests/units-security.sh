#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every service in src/systemd (system/ and user/, made from .in or plain,
# templates through an instance) is sandboxed: systemd-analyze security
# rates its exposure 2.0 or lower.  And the rating can fail: the same unit
# without its [Service] sandbox lines is rated above 2.0.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null ||
	{ echo "Bail out! systemd-analyze is missing (tests/deps.sh installs systemd)"; exit 1; }
src=$top_srcdir/src/systemd
LIMIT=2.0

# make_unit UNIT-SOURCE DIR: the unit as the build makes it, in DIR; prints its path
# (a template as an instance of it).
make_unit() {
	local name
	name=$(basename "$1" .in)
	sed -e "s|@bindir[@]|/usr/bin|g" -e "s|@sysconfdir[@]|/etc|g" "$1" >"$2/$name"
	case $name in
	*@.service) ln -s "$name" "$2/${name%@.service}@check.service"
		echo "$2/${name%@.service}@check.service" ;;
	*) echo "$2/$name" ;;
	esac
}
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }

units=0
for f in "$src"/*.service* "$src"/*/*.service*; do
	[ -e "$f" ] || continue
	scope=system
	case $f in */user/*) scope=user ;; esac
	dir=$T/$scope/$units
	mkdir -p "$dir"
	unit=$(make_unit "$f" "$dir")
	units=$((units + 1))
	fig=$(unit_exposure "$unit" "$scope")
	at_most "$fig" "$LIMIT"
	ok $? "$scope $(basename "$f" .in): exposure ${fig:-?} <= $LIMIT"
	[ -n "$fig" ] || sed 's/^/#   /' "$T/exposure.err"
done
[ "$units" -ge 3 ]
ok $? "every service was rated ($units)"

# The check can fail: the sandbox lines are what brings the figure down.
mkdir -p "$T/bare"
unit=$(make_unit "$src/system/sendas-queue.service.in" "$T/bare")
sed -i -E '/^(NoNewPrivileges|CapabilityBoundingSet|Protect|Private|Restrict|System|Lock|Memory|Remove|Device|UMask|ProcSubset)/d' "$unit"
fig=$(unit_exposure "$unit" system)
! at_most "$fig" "$LIMIT"
ok $? "without its sandbox lines sendas-queue.service is rated ${fig:-?} > $LIMIT"
done_testing
