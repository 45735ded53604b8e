#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Build sendas into a build directory: tests/build.sh BUILDDIR [configure args]
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1; shift
[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null 2>&1
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" --enable-werror "$@" >configure.out 2>&1 || {
	cat configure.out >&2; exit 1; }
make -j"$(nproc)" >make.out 2>&1 || { cat make.out >&2; exit 1; }
