#!/bin/bash
# tests/fuzz/run.sh: build every tests/fuzz/fuzz_NAME.c with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer against the library
# sources, and run each for a bounded time from its committed corpus
# tests/fuzz/corpus/NAME/.  TAP: one check per target; a crash, a leak, a
# sanitizer report or a timeout fails it, and the input that did it is
# kept (FUZZ_OUT) and shown.
#
#   tests/fuzz/run.sh [NAME...]      default: every fuzz_*.c
#   FUZZ_SECONDS=N                   per target (default 20)
#   FUZZ_OUT=DIR                     where builds and findings go
#                                    (default: a temporary directory,
#                                    kept only when something failed)
#   FUZZ_CC=clang-14                 the compiler (clang with libFuzzer)
#
# It needs config.h from a configured build: $top_builddir (set by make
# check), else ./build.  New inputs go to a scratch corpus, never into the
# committed one; to grow that, run longer and minimise (README, FUZZING).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
here=$top_srcdir/tests/fuzz
seconds=${FUZZ_SECONDS:-20}
cc=${FUZZ_CC:-$(command -v clang-14 || command -v clang || echo clang)}
n=0 failed=0

ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

if [ -n "${FUZZ_OUT:-}" ]; then
	out=$FUZZ_OUT keep=1
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/sendas-fuzz.XXXXXX") keep=0
fi
finish() {
	[ "$failed" = 0 ] && [ "$keep" = 0 ] && rm -rf "$out"
	[ "$failed" = 0 ] || echo "# builds and findings kept in $out"
}
trap finish EXIT

if [ "$#" -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in "$here"/fuzz_*.c; do
		f=${f##*/fuzz_}
		names+=("${f%.c}")
	done
fi
echo "1..$((${#names[@]} + 1))"

# The library, once: every source but the programs (main.c, complgen.c:
# whatever defines main()).
if ! [ -f "$top_builddir/config.h" ]; then
	echo "Bail out! no config.h in $top_builddir: configure first (tests/build.sh build)"
	exit 1
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
pkgs="gnutls libgsasl libidn2 inih"
cflags="-g -O1 -std=gnu11 $san -I$top_builddir $(for d in "$top_srcdir"/src/*/; do printf -- '-I%s ' "${d%/}"; done)
	$(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) $(sed -n 's/^LIBS = //p' "$top_builddir/Makefile")"  # what configure found
mkdir -p "$out/obj"
build_lib() {
	local src obj objs=()
	for src in "$top_srcdir"/src/*/*.c; do
		grep -q '^int main(' "$src" && continue
		obj=$out/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o
		objs+=("$obj")
		# shellcheck disable=SC2086
		$cc $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || return 1
	done
	printf '%s\n' "${objs[@]}" >"$out/objs"
}
build_lib >"$out/build.log" 2>&1
ok $? "the library builds with $cc, libFuzzer, ASan and UBSan"
[ "$failed" = 0 ] || { sed 's/^/#   /' "$out/build.log" | tail -20; exit 1; }

run_target() {  # run_target NAME: build, then fuzz for $seconds
	local name=$1 bin=$out/fuzz_$name corpus=$here/corpus/$name scratch=$out/corpus-$name
	mkdir -p "$scratch" "$out/findings-$name" "$out/tmp-$name"
	# shellcheck disable=SC2086,SC2046
	$cc $cflags -fsanitize=fuzzer "$here/fuzz_$name.c" $(cat "$out/objs") $libs \
		-o "$bin" >"$out/build-$name.log" 2>&1 || { cat "$out/build-$name.log"; return 1; }
	[ -d "$corpus" ] || { echo "no corpus in $corpus"; return 1; }
	TMPDIR=$out/tmp-$name \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/findings-$name/" -print_final_stats=1 \
		"$scratch" "$corpus" >"$out/run-$name.log" 2>&1
}

for name in "${names[@]}"; do
	if run_target "$name"; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/run-$name.log" | grep -o '[0-9]*$')
		ok 0 "fuzz_$name: ${seconds} s, no crash (${runs:-?} runs)"
	else
		ok 1 "fuzz_$name: ${seconds} s, no crash"
		grep -E 'ERROR|SUMMARY|Test unit written|#[0-9]+ 0x' "$out/run-$name.log" 2>/dev/null |
			head -25 | sed 's/^/#   /'
		for f in "$out/findings-$name"/*; do
			[ -f "$f" ] && echo "#   input $f (base64): $(head -c 300 "$f" | base64 -w0)"
		done
	fi
done
[ "$failed" = 0 ]
