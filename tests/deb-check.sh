#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/deb-check.sh BUILDDIR VERSION (make deb-check, after make deb): the
# Debian packages pass lintian without errors or warnings, and in a
# throwaway Debian 12 root they install, replace an installed MTA
# (sendas-mta), upgrade and purge cleanly.  Needs root.
#
# The root: a minimal debootstrap of bookworm with sendas's libraries,
# made once into $SENDAS_DEB_BASE (default /var/cache/sendas-tests/bookworm,
# about 30 s) and never changed: each run works on an overlay of it in a
# private mount namespace, in a temporary directory.  Nothing is fetched
# from the network inside the root (apt-get only installs local files).
set -u
builddir=$1 version=$2
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
base=${SENDAS_DEB_BASE:-/var/cache/sendas-tests/bookworm}
mirror=${SENDAS_DEB_MIRROR:-http://deb.debian.org/debian}
arch=$(dpkg --print-architecture)
T=$(mktemp -d "${TMPDIR:-/tmp}/sendas-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
diag() { sed 's/^/#   /'; }

[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root (chroot, mounts)"; exit 1; }
for tool in lintian debootstrap dpkg-deb unshare; do
	command -v "$tool" >/dev/null || { echo "Bail out! $tool is missing (tests/deps.sh)"; exit 1; }
done
deb() { echo "$builddir/${1}_${version}_$arch.deb"; }
for p in sendas sendas-mta; do
	[ -f "$(deb $p)" ] || { echo "Bail out! $(deb $p) is missing: run make deb"; exit 1; }
done

# --- lintian ------------------------------------------------------------
lintian --pedantic -I "$builddir/sendas_${version}_$arch.changes" >"$T/lintian" 2>&1
grep -v 'running with root privileges' "$T/lintian" | diag
! grep -qE '^[EW]: ' "$T/lintian"
ok $? "lintian: no error, no warning ($(grep -cE '^[EWIP]: ' "$T/lintian") tags in all)"

# --- the throwaway root --------------------------------------------------
if [ ! -x "$base/usr/bin/dpkg" ]; then
	echo "# making $base (debootstrap, once)"
	rm -rf "$base.new"
	debootstrap --variant=minbase --include=libgnutls30,libgsasl18,libidn2-0,libinih1 \
		bookworm "$base.new" "$mirror" >"$T/debootstrap.log" 2>&1 &&
		mv "$base.new" "$base" || { tail -20 "$T/debootstrap.log" | diag; }
fi
[ -x "$base/usr/bin/dpkg" ]
ok $? "a Debian 12 root to install into ($base)"

# A fake MTA as the root's mail system, for sendas-mta to replace.
mkdir -p "$T/fake/DEBIAN" "$T/fake/usr/sbin"
printf 'Package: fake-mta\nVersion: 1\nArchitecture: all\nMaintainer: t <t@localhost>\nProvides: mail-transport-agent\nConflicts: mail-transport-agent\nReplaces: mail-transport-agent\nDescription: an MTA to be replaced\n' \
	>"$T/fake/DEBIAN/control"
printf '#!/bin/sh\necho fake-mta\n' >"$T/fake/usr/sbin/sendmail"
chmod 755 "$T/fake/usr/sbin/sendmail"
dpkg-deb -b "$T/fake" "$T/fake-mta.deb" >/dev/null

# The upgrade: the same packages as the next version.
bump() { # bump PKG: $T/PKG-next.deb, version VERSION+1
	rm -rf "$T/x" && dpkg-deb -R "$(deb "$1")" "$T/x" &&
		sed -i -e "s/^Version: .*/Version: $version+1/" \
			-e "s/(= $version)/(= $version+1)/" "$T/x/DEBIAN/control" &&
		dpkg-deb -b "$T/x" "$T/$1-next.deb" >/dev/null
}
bump sendas && bump sendas-mta
ok $? "packages of the next version made for the upgrade"

mkdir -p "$T/upper" "$T/work" "$T/root"
cp "$(deb sendas)" "$T/sendas.deb"
# apt wants a local package under its canonical file name.
mta_deb=$(basename "$(deb sendas-mta)")
cp "$(deb sendas-mta)" "$T/$mta_deb"

# The steps run as one script in the root; each prints "STEP name rc".
cat >"$T/steps.sh" <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C DEBIAN_FRONTEND=noninteractive
step() { name=$1; shift; "$@" >>/tmp/steps.log 2>&1; echo "STEP $name $?"; }
inv() { # the files of the root, without what dpkg and apt keep about themselves
	find / -xdev \( -path /proc -o -path /tmp -o -path /var/lib/dpkg -o -path /var/log \
		-o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/systemd/deb-systemd-helper-enabled \
		-o -path /var/lib/systemd/deb-systemd-user-helper-enabled \) -prune -o -print | sort
}
inv >/tmp/before
step install dpkg -i /tmp/sendas.deb
step runs sendas --version
step timer-enabled test -L /etc/systemd/system/timers.target.wants/sendas-queue.timer
step german test -f /usr/share/locale/de/LC_MESSAGES/sendas.mo
step fake-mta dpkg -i /tmp/fake-mta.deb
step mta-replaces apt-get install -y -q /tmp/sendas-mta_*.deb
step fake-gone sh -c '! dpkg-query -W -f="\${Status}" fake-mta 2>/dev/null | grep -q "ok installed"'
step sendmail-is-sendas sh -c '[ "$(readlink -f /usr/sbin/sendmail)" = /usr/bin/sendas ] && /usr/sbin/sendmail --version | grep -q sendas'
step mailq-newaliases sh -c '[ "$(readlink -f /usr/bin/mailq)" = /usr/bin/sendas ] && [ "$(readlink -f /usr/sbin/newaliases)" = /usr/bin/sendas ] && [ "$(readlink -f /usr/lib/sendmail)" = /usr/bin/sendas ]'
step upgrade dpkg -i /tmp/sendas-next.deb /tmp/sendas-mta-next.deb
step upgraded sh -c 'dpkg-query -W -f="\${Version}\n" sendas sendas-mta | grep -vc "+1$" | grep -qx 0'
step still-enabled test -L /etc/systemd/system/timers.target.wants/sendas-queue.timer
step purge dpkg --purge sendas-mta sendas
step no-files sh -c '! ls /var/lib/dpkg/info/sendas* 2>/dev/null && [ ! -e /usr/bin/sendas ] && [ ! -e /usr/sbin/sendmail ] && [ ! -L /etc/systemd/system/timers.target.wants/sendas-queue.timer ]'
inv >/tmp/after
step nothing-left diff /tmp/before /tmp/after
EOF
chmod 755 "$T/steps.sh"

unshare --mount --propagation private -- sh -c '
	T=$1; base=$2
	mount -t overlay sendas-deb -o "lowerdir=$base,upperdir=$T/upper,workdir=$T/work" "$T/root" || exit 1
	mount -t proc proc "$T/root/proc"
	mount --rbind /dev "$T/root/dev"
	cp "$T"/sendas.deb "$T"/sendas-mta_*.deb "$T"/sendas-next.deb "$T"/sendas-mta-next.deb \
		"$T"/fake-mta.deb "$T"/steps.sh "$T/root/tmp/"
	chroot "$T/root" /tmp/steps.sh
	cp "$T/root/tmp/steps.log" "$T/root/tmp/before" "$T/root/tmp/after" "$T/" 2>/dev/null
' sh "$T" "$base" >"$T/steps.out" 2>&1

step() { # step NAME DESCRIPTION
	grep -qx "STEP $1 0" "$T/steps.out"
	ok $? "$2"
}
step install "sendas installs (dpkg -i)"
step runs "the installed sendas runs"
step timer-enabled "sendas-queue.timer is enabled, so the system queue is flushed"
step german "the German catalog is installed"
step fake-mta "an MTA (fake-mta) is installed"
step mta-replaces "apt installs sendas-mta over it"
step fake-gone "and removes the other MTA (Conflicts/Provides mail-transport-agent)"
step sendmail-is-sendas "/usr/sbin/sendmail runs sendas"
step mailq-newaliases "mailq, newaliases and /usr/lib/sendmail run sendas"
step upgrade "both upgrade to the next version (dpkg -i)"
step upgraded "and are that version"
step still-enabled "the timer is still enabled after the upgrade"
step purge "both purge (dpkg --purge)"
step no-files "no file, link or dpkg record of them remains"
step nothing-left "the root holds exactly the files it held before"
if [ "$failed" -gt 0 ]; then
	diag <"$T/steps.out"
	tail -40 "$T/steps.log" 2>/dev/null | diag
fi
echo "1..$n"
[ "$failed" -eq 0 ]
