#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Install what building and testing sendas needs on Debian 12, if missing.
# Run as root, or with sudo available.  Idempotent and quiet when all is there.
#
# It never changes the machine's mail system.  The tests' Postfix and Dovecot
# run privately (tests/beds/postfix-bed, as on high loopback ports) from a root
# that tests/debroot.sh unpacks: postfix is never installed (it would replace
# msmtp-mta, exim4 or nullmailer, which conflict on mail-transport-agent), nor
# dovecot-core (its installation would enable and start a system IMAP service).
# Only their ordinary libraries are installed.  Before installing anything it
# asks apt what would happen (apt-get -s): if that would install a package
# providing mail-transport-agent it refuses; if it would remove any installed
# package it stops, names them and says how to allow it
# (SENDAS_DEPS_ALLOW_REMOVE=1).
set -e
here=$(cd "$(dirname "$0")" && pwd)

# time, git-email and libmailtools-perl: tests/interop/callers.sh reads
# peak memory with GNU time and runs the real git send-email.  systemd:
# systemd-analyze for tests/queue/units.sh and tests/units-security.sh, and
# systemd.pc for configure.  bash-completion, zsh, fish: tests/completions.sh
# loads each completion.  groff: tests/man-lint.sh.  locales: the German
# output checks generate de_DE.UTF-8 privately (tests/po-german.sh).
# debhelper, devscripts, lintian, fakeroot, debootstrap: make deb-check.
# clang-14, libclang-rt-14-dev: the libFuzzer targets (tests/fuzz/run.sh).
# msmtp (not msmtp-mta, an MTA): tests/msmtp/corpus.sh holds --import-msmtprc
# against msmtp --pretend; mutt, neomutt, aerc: tests/msmtp/callers.sh runs
# the call lines of their documentation.
# cron, at, s-nail, php-cli, sudo: tests/callers/ drive the machine's own
# callers (bsd-mailx depends on an MTA: tests/debroot.sh unpacks it).
# php-symfony-mailer: tests/bs/symfony.sh runs Symfony Mailer's sendmail
# transport (sendmail -bs).  libcrypt-dev: the smarthost's users file
# (crypt_r); swaks, curl: tests/smtpd/clients.sh.
PACKAGES="build-essential autoconf automake autopoint gettext pkg-config
libgnutls28-dev libgsasl-dev libidn2-dev libinih-dev libcrypt-dev swaks curl
gnutls-bin python3 python3-jsonschema valgrind mandoc groff strace
time git git-email libmailtools-perl systemd locales
bash-completion zsh fish msmtp mutt neomutt aerc
cron at s-nail php-cli sudo php-symfony-mailer
debhelper devscripts lintian fakeroot debootstrap clang-14 libclang-rt-14-dev
iproute2 util-linux"
# The libraries postfix and dovecot-core link against (apt-cache depends), so
# that they run from tests/debroot.sh's root.
BED_LIBS="libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3
libapparmor1 libbz2-1.0 libcap2 libcrypt1 libexttextcat-2.0-0 liblua5.4-0
liblz4-1 liblzma5 libpam0g libsodium23 libstemmer0d libsystemd0 libtirpc3
libunwind8 libwrap0 libzstd1 zlib1g
libsasl2-modules"
# libsasl2-modules: the PLAIN mechanism of Cyrus SASL (a plugin, not a link
# dependency), which Postfix's smtp client logs in with in the queue and
# relay benchmarks (tests/bench/queue-scale, tests/bench/relay-load).

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

say() { echo "tests/deps.sh: $*" >&2; }

missing=
for p in $PACKAGES $BED_LIBS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done

# mta_providers: every package that provides mail-transport-agent.
mta_providers() {
	apt-cache showpkg mail-transport-agent 2>/dev/null |
		sed -n '/^Reverse Provides:/,/^[A-Z]/{/^Reverse Provides:/d;/^[A-Z]/d;p}' |
		awk '{ print $1 }' | sort -u
}

# check_plan PKG...: refuse what would touch the mail system or remove packages.
check_plan() {
	plan=$($SUDO apt-get install -s -y --no-install-recommends "$@") ||
		{ say "apt-get cannot install:$*"; exit 1; }
	installs=$(printf '%s\n' "$plan" | awk '$1 == "Inst" { print $2 }' | sort -u)
	removals=$(printf '%s\n' "$plan" | awk '$1 == "Remv" { print $2 }' | sort -u)
	providers=" $(mta_providers | tr '\n' ' ') "
	mtas=
	for p in $installs; do
		case $providers in *" $p "*) mtas="$mtas $p" ;; esac
	done
	if [ -n "$mtas" ]; then
		say "refusing: installing the test dependencies would install" \
			"${mtas# }, a mail transport agent, which would replace the" \
			"machine's mail system.  Nothing was changed."
		exit 1
	fi
	if [ -n "$removals" ] && [ "${SENDAS_DEPS_ALLOW_REMOVE:-}" != 1 ]; then
		say "stopping: installing$* would remove these installed packages:" \
			"$(echo $removals).  Nothing was changed.  To allow it, run:" \
			"SENDAS_DEPS_ALLOW_REMOVE=1 sh tests/deps.sh"
		exit 1
	fi
}

if [ -n "$missing" ]; then
	say "installing:$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	check_plan $missing
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

# The bed's postfix and dovecot-core, unpacked once (tests running in parallel
# would otherwise fetch them at the same time).  apt-get download needs the
# package lists: a machine whose lists were cleaned gets them first.
if ! $SUDO sh "$here/debroot.sh" postfix dovecot-core >/dev/null 2>&1; then
	$SUDO apt-get update -qq
	$SUDO sh "$here/debroot.sh" postfix dovecot-core >/dev/null
fi
