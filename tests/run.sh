#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole test suite, from a fresh clone on Debian 12:
#   bash tests/run.sh
# installs what is missing, builds twice (plain, and with ASan + UBSan), runs
# `make check` in each (after the plain one, the performance regression
# check, `make bench-check`), then the fuzz targets for a bounded time
# (tests/fuzz/run.sh, FUZZ_SECONDS each), then `make distcheck` and `make
# deb-check` (the Debian packages), and ends with the line
# "N passed, N failed" summed over everything.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh tests/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0

# count LOG: add the totals of an automake test-suite.log.
count() {
	local log=$1 n
	for key in PASS XFAIL; do
		n=$(sed -n "s/^# $key: *\([0-9]*\).*/\1/p" "$log" | head -1)
		passed=$((passed + ${n:-0}))
	done
	for key in FAIL XPASS ERROR; do
		n=$(sed -n "s/^# $key: *\([0-9]*\).*/\1/p" "$log" | head -1)
		failed=$((failed + ${n:-0}))
	done
	n=$(sed -n "s/^# SKIP: *\([0-9]*\).*/\1/p" "$log" | head -1)
	skipped=$((skipped + ${n:-0}))
}

# suite NAME BUILDDIR [configure args]
suite() {
	local name=$1 dir=$2; shift 2
	echo "=== $name: build in $dir"
	if ! sh tests/build.sh "$dir" "$@"; then
		echo "=== $name: build FAILED"
		failed=$((failed + 1))
		return
	fi
	echo "=== $name: make check"
	make -C "$dir" -j2 check >"$dir/check.out" 2>&1
	grep -a -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$dir/check.out" | grep -v '^PASS' | head -50
	if [ -f "$dir/test-suite.log" ]; then
		count "$dir/test-suite.log"
		grep -a -E '^# (TOTAL|PASS|FAIL|ERROR|SKIP)' "$dir/test-suite.log"
		grep -aq '^# FAIL: *0' "$dir/test-suite.log" || sed -n '/^FAIL\|^ERROR/,/^$/p' "$dir/test-suite.log" | head -200
	else
		tail -30 "$dir/check.out"
		failed=$((failed + 1))
	fi
}

suite plain build --enable-sendmail-links

# The performance regression check (tests/bench/regress): on the plain
# build, while nothing else runs; ratios against tests/bench/baseline.
echo "=== performance: make bench-check"
make -C build bench-check >build/bench-check.out 2>&1
grep -a -E '^(ok|not ok|#)' build/bench-check.out
n=$(grep -ac '^ok ' build/bench-check.out); passed=$((passed + n))
n=$(grep -ac '^not ok ' build/bench-check.out); failed=$((failed + n))
grep -aq '^1\.\.' build/bench-check.out || { failed=$((failed + 1)); tail -20 build/bench-check.out; }

suite sanitizers build-asan --enable-sanitizers

# The fuzz targets (tests/fuzz/run.sh): their own step, against the plain
# build's config.h; each TAP line counts.
echo "=== fuzz: tests/fuzz/run.sh (${FUZZ_SECONDS:-20} s per target)"
top_srcdir=$top top_builddir=$top/build bash tests/fuzz/run.sh >build/fuzz.out 2>&1
grep -v '^ok ' build/fuzz.out | head -60
n=$(grep -c '^ok ' build/fuzz.out); passed=$((passed + n))
n=$(grep -c '^not ok ' build/fuzz.out); failed=$((failed + n))
grep -q '^ok ' build/fuzz.out || failed=$((failed + 1))   # it did not even start

echo "=== make distcheck"
if make -C build distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >build/distcheck.out 2>&1; then
	passed=$((passed + 1)); echo "distcheck: ok"
else
	failed=$((failed + 1)); echo "distcheck: FAILED"; tail -40 build/distcheck.out
fi

# The Debian packages: build, lintian, install/upgrade/purge in a throwaway
# root (about 1.5 min, the first time 30 s more for the root).
echo "=== make deb-check"
t0=$(date +%s)
if make -C build deb-check >build/deb-check.out 2>&1; then
	echo "deb-check: ok ($(($(date +%s) - t0)) s)"
else
	echo "deb-check: FAILED ($(($(date +%s) - t0)) s)"; tail -40 build/deb-check.out
fi
n=$(grep -ac '^ok ' build/deb-check.out); passed=$((passed + n))
n=$(grep -ac '^not ok ' build/deb-check.out); failed=$((failed + n))
grep -q '^1\.\.' build/deb-check.out || failed=$((failed + 1))

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
