#!/bin/sh
# Install what building and testing sendas needs on Debian 12, if missing.
# Run as root, or with sudo available.  Idempotent and quiet when all is there.
set -e

# time, git-email and libmailtools-perl: tests/interop/callers.sh reads
# peak memory with GNU time and runs the real git send-email.  systemd:
# systemd-analyze for tests/queue/units.sh, and systemd.pc for configure.
# bash-completion, zsh, fish: tests/completions.sh loads each completion.
# php-cli, php-symfony-mailer: tests/bs/symfony.sh runs Symfony Mailer's
# sendmail transport (sendmail -bs) and tests/bs/socket.sh PHP's mail().
PACKAGES="build-essential autoconf automake autopoint gettext pkg-config
libgnutls28-dev libgsasl-dev libidn2-dev libinih-dev libcrypt-dev swaks curl
gnutls-bin python3 python3-jsonschema postfix dovecot-core valgrind mandoc strace
time git git-email libmailtools-perl systemd
bash-completion zsh fish php-cli php-symfony-mailer"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "tests/deps.sh: installing:$missing" >&2
# Postfix asks how to configure the system instance: not at all.  The test
# beds run private instances and never touch /etc/postfix.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
