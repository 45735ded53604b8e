#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerate the build system from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
# automake's TAP driver is not installed by --add-missing; every test here
# speaks TAP, so take it from the automake that generates the Makefile.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
autoreconf --install --force
