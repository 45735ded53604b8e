#!/bin/bash
# tests/layers.sh: the layers of src/ are visible in the #include graph.
#
# Each folder of src/ is a layer; a file may include headers of its own
# layer and of the layers below it, never of one above (the order is LAYERS
# below and in the README's ARCHITECTURE section).  Within the whole tree
# the modules (a .c and its .h are one module) include each other without
# a cycle.  The README's Architecture section names every module in its
# layer, top layer first.  Usage: tests/layers.sh [SRCDIR [README]]; TAP on
# stdout.
LAYERS="base message accounts wire engine policy queue mode cli"

top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
src=${1:-$top/src}
readme=${2:-$top/README}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

rank() {
	i=0
	for l in $LAYERS; do
		[ "$l" = "$1" ] && { echo "$i"; return; }
		i=$((i + 1))
	done
	echo -1
}

# "module layer" for every header and source file of src/*/.
for f in "$src"/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	mod=$(basename "$f"); mod=${mod%.[ch]}
	echo "$mod $layer"
done | sort -u >"$tmp/modules"

# "from-module from-layer to-module" for every quoted include of a header
# that lives in src/ (config.h and the like are not modules).
for f in "$src"/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	mod=$(basename "$f"); mod=${mod%.[ch]}
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$f" |
	while read -r to; do
		grep -q "^$to " "$tmp/modules" && echo "$mod $layer $to"
	done
done | sort -u >"$tmp/edges"

n=0
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
pass() { n=$((n + 1)); echo "ok $n - $1"; }

echo "1..4"
[ -s "$tmp/edges" ] && [ "$(wc -l <"$tmp/modules")" -gt 20 ] &&
	pass "the include graph of $(wc -l <"$tmp/modules") modules was read" ||
	fail "no include graph read from $src"

# Every folder is a known layer, and every include points down or sideways.
bad=""
for l in $(cut -d' ' -f2 "$tmp/modules" | sort -u); do
	[ "$(rank "$l")" -ge 0 ] || bad="$bad folder $l is not a layer;"
done
while read -r from layer to; do
	tolayer=$(grep "^$to " "$tmp/modules" | cut -d' ' -f2 | head -n1)
	[ "$(rank "$tolayer")" -le "$(rank "$layer")" ] ||
		bad="$bad $layer/$from includes $tolayer/$to.h;"
done <"$tmp/edges"
[ -z "$bad" ] && pass "every include points to its own layer or one below" ||
	fail "includes that point up:$bad"

# No cycle among modules: tsort names the loop.
awk '$1 != $3 { print $3, $1 }' "$tmp/edges" >"$tmp/pairs"
if tsort "$tmp/pairs" >/dev/null 2>"$tmp/loops"; then
	pass "no include cycle among modules"
else
	fail "include cycle: $(grep -v 'input contains a loop' "$tmp/loops" | sed 's/.*: //' | tr '\n' ' ')"
fi

# The README: "layer/ [module module ...]" per layer, from the top down.
sed -n '/^Architecture$/,/^[A-Z][a-z]*$/p' "$readme" | tr '\n' ' ' |
	grep -o '[a-z]*/ *\[[^]]*\]' |
	sed 's|^\([a-z]*\)/ *\[\(.*\)\]$|\1 \2|' >"$tmp/readme"
want=$(for l in $LAYERS; do
	printf '%s %s\n' "$l" "$(awk -v l="$l" '$2 == l { print $1 }' "$tmp/modules" | sort | tr '\n' ' ')"
done | tac)
got=$(while read -r l mods; do
	printf '%s %s\n' "$l" "$(printf '%s\n' $mods | sort | tr '\n' ' ')"
done <"$tmp/readme")
if [ -n "$got" ] && [ "$want" = "$got" ]; then
	pass "the README's Architecture section names every module in its layer"
else
	fail "the README's Architecture section does not match the tree"
	diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/#   /'
fi
