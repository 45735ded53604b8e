#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/deps.sh never changes the machine's mail system: a dry run with a fake
# apt-get, apt-cache and dpkg-query first on PATH (they log what they are asked
# and answer from files this test writes; nothing is installed).
. "$(dirname "$0")/lib.sh"
fake=$T/bin
mkdir -p "$fake"
log=$T/apt.log
# The fake's knowledge: what is installed, what a simulated install plans.
export FAKE_LOG=$log FAKE_INSTALLED=$T/installed FAKE_PLAN=$T/plan FAKE_DEB=$T/fake.deb
cat >"$fake/dpkg-query" <<'EOF'
#!/bin/sh
pkg=$(eval echo \${$#})
if grep -qxF "$pkg" "$FAKE_INSTALLED"; then printf 'install ok installed'; exit 0; fi
exit 1
EOF
cat >"$fake/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get $*" >>"$FAKE_LOG"
case " $* " in
*" download "*) cp "$FAKE_DEB" "$(echo "$@" | sed 's/.* \([^ =]*\)=.*/\1/')_1_all.deb" ;;
*" -s "*) cat "$FAKE_PLAN" ;;
esac
exit 0
EOF
cat >"$fake/apt-cache" <<'EOF'
#!/bin/sh
case $1 in
showpkg) printf 'Package: mail-transport-agent\nVersions: \n\nReverse Depends: \n  bsd-mailx,mail-transport-agent\nDependencies: \nProvides: \nReverse Provides: \npostfix 3.7.11 (= )\nexim4-daemon-light 4.96 (= )\nmsmtp-mta 1.8.23 (= )\nnullmailer 1:2.2 (= )\n' ;;
policy) echo "  Candidate: 1" ;;
esac
EOF
printf '#!/bin/sh\nexec "$@"\n' >"$fake/sudo"
chmod +x "$fake"/*
# A tiny real package for tests/debroot.sh to unpack.
mkdir -p "$T/deb/DEBIAN" "$T/deb/usr/share/doc/fake"
printf 'Package: fake\nVersion: 1\nArchitecture: all\nMaintainer: t <t@localhost>\nDescription: fake\n' >"$T/deb/DEBIAN/control"
dpkg-deb -b "$T/deb" "$FAKE_DEB" >/dev/null

deps() { # deps [ENV=VALUE...]: run tests/deps.sh against the fakes
	: >"$log"
	env PATH="$fake:$PATH" SENDAS_DEBROOT="$T/root" "$@" sh "$top_srcdir/tests/deps.sh" >"$T/out" 2>&1
}
requested() { grep -v -e ' -s ' -e ' download ' -e ' update' "$log" | grep ' install '; }

# 1. A machine with nothing installed: the plan is harmless.
: >"$FAKE_INSTALLED"
printf 'Inst groff (1.22 Debian:12 [amd64])\nInst libicu72 (72.1 Debian:12 [amd64])\n' >"$FAKE_PLAN"
deps
ok $? "deps.sh installs what is missing"
req=$(requested)
like "$req" 'libgnutls28-dev' "it asks apt-get to install the build dependencies"
like "$req" 'libsasl2-2 .*libstemmer0d' "and the libraries the bed's postfix and dovecot need"
for mta in postfix dovecot-core exim4-daemon-light msmtp-mta nullmailer; do
	! grep -qw -- "$mta" <<<"$req"
	ok $? "it never asks to install $mta"
done
grep -q -- ' -s .*install\| install -s' "$log"
ok $? "it asks apt what would happen (apt-get -s) first"
[ "$(grep -n ' -s ' "$log" | head -1 | cut -d: -f1)" -lt "$(grep -n ' -qq ' "$log" | grep -v update | head -1 | cut -d: -f1)" ]
ok $? "before installing"
grep -q ' download .*postfix=' "$log" && grep -q ' download .*dovecot-core=' "$log"
ok $? "postfix and dovecot-core are only downloaded, for tests/debroot.sh"
[ -d "$T/root/usr/share/doc/fake" ]
ok $? "and unpacked into the private root"

# 2. An install that would remove an installed MTA stops and says so.
printf 'Remv msmtp-mta [1.8.23-1]\nInst groff (1.22 Debian:12 [amd64])\n' >"$FAKE_PLAN"
deps
st=$?
out=$(cat "$T/out")
[ $st -ne 0 ]
ok $? "deps.sh stops when apt would remove a package"
like "$out" 'would remove these installed packages: msmtp-mta' "it names what would be removed"
like "$out" 'SENDAS_DEPS_ALLOW_REMOVE=1 sh tests/deps.sh' "it says how to allow it"
like "$out" 'Nothing was changed' "it says nothing was changed"
is "$(requested)" "" "nothing was installed"

# 3. Allowed explicitly: it proceeds.
deps SENDAS_DEPS_ALLOW_REMOVE=1
ok $? "with SENDAS_DEPS_ALLOW_REMOVE=1 it proceeds"
like "$(requested)" 'libgnutls28-dev' "and installs"

# 4. A plan that would pull in an MTA is refused, even when removals are allowed.
printf 'Inst exim4-daemon-light (4.96 Debian:12 [amd64])\nRemv postfix [3.7]\n' >"$FAKE_PLAN"
deps SENDAS_DEPS_ALLOW_REMOVE=1
st=$?
[ $st -ne 0 ]
ok $? "a plan that installs a mail transport agent is refused"
like "$(cat "$T/out")" 'exim4-daemon-light, a mail transport agent' "naming it"
is "$(requested)" "" "and nothing was installed"

# 5. Everything there: no apt-get install at all.
sed -n '/^PACKAGES="/,/"$/p; /^BED_LIBS="/,/"$/p' "$top_srcdir/tests/deps.sh" |
	sed 's/^[A-Z_]*="//; s/"$//' | tr ' ' '\n' | sed '/^$/d' >"$FAKE_INSTALLED"
deps
ok $? "with everything installed deps.sh succeeds"
! grep -q ' install' "$log"
ok $? "and installs nothing"
done_testing
