#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The systemd units (src/systemd) pass systemd-analyze verify, for the
# system and for the user manager, with nothing to say; and the check can
# fail (a misspelt key is reported).  The services are made as the build
# makes them, naming this build's sendas, which verify wants to exist.
. "$(dirname "$0")/../lib.sh"

command -v systemd-analyze >/dev/null ||
	{ echo "Bail out! systemd-analyze is missing (tests/deps.sh installs systemd)"; exit 1; }
src=$top_srcdir/src/systemd
mkdir -p "$T/system" "$T/user" "$T/bad" "$T/run"
chmod 700 "$T/run"
make_unit() {  # make_unit IN OUT: as src/systemd/local.mk does, bindir = the build
	sed -e "s|@bindir[@]|$(dirname "$SENDAS")|g" -e "s|@sysconfdir[@]|/etc|g" "$1" >"$2"
}
make_unit "$src/system/sendas-queue.service.in" "$T/system/sendas-queue.service"
make_unit "$src/system/sendas-status@.service.in" "$T/system/sendas-status@.service"
make_unit "$src/user/sendas-queue.service.in" "$T/user/sendas-queue.service"
cp "$src/sendas-queue.timer" "$T/system/"
cp "$src/sendas-queue.timer" "$T/user/"
make_unit "$src/system/sendas@.service.in" "$T/system/sendas@.service"
cp "$src/sendas.socket" "$T/system/"
# A template is verified through an instance of it.
ln -s sendas-status@.service "$T/system/sendas-status@check.service"
ln -s sendas@.service "$T/system/sendas@check.service"

# verify ARGS...: exit code 0 and not a word on stdout or stderr.
verify() {
	XDG_RUNTIME_DIR=$T/run systemd-analyze "$@" >"$T/verify.out" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$T/verify.out" ]
}

verify verify --man=no "$T/system/sendas-queue.service" "$T/system/sendas-queue.timer"
ok $? "system sendas-queue.service and .timer verify cleanly"
sed 's/^/#   /' "$T/verify.out"
verify verify --man=no "$T/system/sendas-status@check.service"
ok $? "sendas-status@.service verifies cleanly"
sed 's/^/#   /' "$T/verify.out"
verify verify --man=no "$T/system/sendas.socket" "$T/system/sendas@check.service"
ok $? "the local submission units sendas.socket and sendas@.service verify cleanly"
sed 's/^/#   /' "$T/verify.out"
exposure=$(unit_exposure "$T/system/sendas@check.service")
diag "sendas@.service exposure: $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'
ok $? "sendas@.service: systemd-analyze security exposure $exposure, at most 2.0"
tr "\n" " " <"$top_srcdir/README" | grep -q "exposure level is $exposure"
ok $? "the README states that figure"
grep -q '^Accept=yes$' "$T/system/sendas.socket" &&
	grep -q '^ListenStream=/run/sendas/submit$' "$T/system/sendas.socket" &&
	grep -q '^StandardInput=socket$' "$T/system/sendas@.service" &&
	grep -q '^ExecStart=.*/sendas -bs$' "$T/system/sendas@.service" &&
	grep -q '^LoadCredential=sendas.ini:/etc/sendas/accounts.ini$' "$T/system/sendas@.service"
ok $? "one sendas -bs per connection on /run/sendas/submit, the account file as a credential"
verify --user verify --man=no "$T/user/sendas-queue.service" "$T/user/sendas-queue.timer"
ok $? "user sendas-queue.service and .timer verify cleanly"
sed 's/^/#   /' "$T/verify.out"

sed 's/^Type=oneshot/Typo=oneshot/' "$T/system/sendas-queue.service" >"$T/bad/sendas-queue.service"
verify verify --man=no "$T/bad/sendas-queue.service"
ok $((! $?)) "a misspelt key does not pass"
grep -q "Unknown key 'Typo'" "$T/verify.out"
ok $? "and is named"

grep -q '^ExecStart=.*/sendas -q --due$' "$T/system/sendas-queue.service" &&
	grep -q '^ExecStart=+/usr/bin/env -u STATE_DIRECTORY -u CREDENTIALS_DIRECTORY HOME=/root .*/sendas -q --due$' \
		"$T/system/sendas-queue.service" &&
	grep -q '^SuccessExitStatus=75$' "$T/system/sendas-queue.service" &&
	grep -q '^SuccessExitStatus=75$' "$T/user/sendas-queue.service"
ok $? "the queue services run sendas -q, and 75 (still queued) is no failure"
grep -q '^DynamicUser=yes$' "$T/system/sendas-status@.service" &&
	grep -q '^LoadCredential=sendas.ini:/etc/sendas/accounts.ini$' "$T/system/sendas-status@.service" &&
	grep -q '^StateDirectory=sendas$' "$T/system/sendas-status@.service" &&
	grep -q 'sendas -t -i' "$T/system/sendas-status@.service"
ok $? "sendas-status@.service: dynamic user, the account file as a credential, a state directory, sendas -t"
done_testing
