#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# debroot.sh PKG...: unpack Debian packages into a private root, without
# installing them, and print that root.
#
# For what the tests need but must not install on the machine: a package
# that provides or depends on mail-transport-agent (postfix, bsd-mailx)
# would replace the machine's MTA (msmtp-mta, exim4 and nullmailer conflict
# with it).  The files are unpacked with dpkg-deb -x; no maintainer script
# runs, no user is created, nothing under /etc or /usr changes.  A test runs
# the programs from this root, in a private mount namespace where it needs
# them at their usual paths.
#
# The root is $SENDAS_DEBROOT, default /var/cache/sendas-tests/debroot
# (kept between runs; a package is unpacked once per version).  Needs
# apt-get download, so run tests/deps.sh (apt-get update) first.
set -e
root=${SENDAS_DEBROOT:-/var/cache/sendas-tests/debroot}
debs=$root.debs
mkdir -p "$root" "$debs"
# Tests running in parallel share the root: one unpacks, the others wait.
exec 9>"$root.lock"
flock 9
for pkg in "$@"; do
	ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	[ -n "$ver" ] || ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "debroot.sh: no version of $pkg" >&2; exit 1; }
	stamp=$debs/$pkg.unpacked
	[ "$(cat "$stamp" 2>/dev/null)" = "$ver" ] && continue
	(cd "$debs" && rm -f "${pkg}"_*.deb && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null)
	dpkg-deb -x "$debs/${pkg}"_*.deb "$root"
	echo "$ver" >"$stamp"
done
echo "$root"
