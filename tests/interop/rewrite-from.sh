#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# rewrite_from and --which against the Postfix + Dovecot bed.  A cron-like
# local sender (root@localhost, or cron's bare "root") that no provider would
# accept goes out as the account's own address, in the envelope and in the
# From field, and the original From is kept as X-Original-From in the
# delivered copy; Postfix's reject_sender_login_mismatch would refuse
# root@localhost otherwise.  --which explains the same choice without
# connecting.
. "$(dirname "$0")/../lib.sh"
bed_start

( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf '%s\n' "$BED_PASS2" >"$T/bob.pass" )
{
	printf '[defaults]\nhost = %s\nport = %s\ntls_trust_file = %s\n\n' \
		"$BED_NAME" "$BED_SUBMISSION_PORT" "$BED_CA"
	printf '[account alerts]\nuser = %s\npassword_file = %s\nfrom = %s\n' \
		"$BED_USER1" "$T/alice.pass" "$BED_USER1"
	printf 'rewrite_from = root@*, *@localhost, nobody@*\n\n'
	printf '[account bob]\nuser = %s\npassword_file = %s\nfrom = %s\n' \
		"$BED_USER2" "$T/bob.pass" "$BED_USER2"
} | write_accounts "$T/acc.ini"

connections() { grep -c 'connect from' "$BED_POSTFIX_LOG"; }

# header FILE NAME: the first NAME: field of a delivered message.
header() { awk -v n="$2:" 'tolower($1) == tolower(n) { print; exit } /^$/ { exit }' "$1"; }

# 1. --which: the choice and why, no network.
before=$(connections)
out=$("$SENDAS" -C "$T/acc.ini" --which root@localhost 2>"$T/err")
is "$?" 0 "--which root@localhost: exit 0"
like "$out" "^account: alerts$" "  names the account"
like "$out" '^matched: rewrite_from "root@\*"' "  and the pattern that matched"
like "$out" "^sent as: $BED_USER1$" "  and the address it goes out as"
like "$out" "^  bob: nothing matches \(from $BED_USER2\)$" "  and why bob lost"
like "$out" "^server: $BED_NAME:$BED_SUBMISSION_PORT \(tls starttls\)$" "  and the server"
like "$out" "^login: $BED_USER1$" "  and the login"
out=$("$SENDAS" -C "$T/acc.ini" --which "Bob <$BED_USER2>")
like "$out" "^account: bob$" "--which with a display name: bob"
like "$out" "^matched: from \"$BED_USER2\" \(the exact address\)$" "  the exact address"
"$SENDAS" -C "$T/acc.ini" --which mallory@elsewhere.example >"$T/out" 2>"$T/err"
is "$?" 77 "--which for a sender no account may use: exit 77"
is "$(cat "$T/out")" "" "  nothing on stdout"
like "$(cat "$T/err")" "no account in .* may send as mallory@elsewhere\.example; the accounts are: alerts \(from $BED_USER1; rewrite_from root@\*, \*@localhost, nobody@\*\), bob" \
	"  stderr names the sender and each account with its patterns"
is "$(connections)" "$before" "--which never connects"
sed "s|^password_file = $T/bob.pass\$|password_command = touch '$T/ran'; echo x|" "$T/acc.ini" |
	write_accounts "$T/cmd.ini"
"$SENDAS" -C "$T/cmd.ini" --which "$BED_USER2" >/dev/null 2>&1
ok $? "--which for an account with a password_command: exit 0"
[ ! -e "$T/ran" ] && grep -q "^password_command = touch" "$T/cmd.ini"
ok $? "  the password_command was not run: --which reads no credential"

# 2. root@localhost, as a cron job on this machine would send.
n=$(maildir_files "$BED_USER2" | grep -c .)
printf 'From: root@localhost (Cron Daemon)\nTo: %s\nSubject: cron\n\nbackup done\n' \
	"$BED_USER2" | "$SENDAS" -C "$T/acc.ini" -FCronDaemon "$BED_USER2" 2>"$T/err"
rc=$?
ok "$rc" "root@localhost through rewrite_from is accepted by Postfix"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/err" | head -5
f=$(maildir_wait "$BED_USER2" $((n + 1)))
[ -n "$f" ] && [ -f "$f" ]
ok $? "  and delivered"
is "$(header "$f" Return-Path)" "Return-Path: <$BED_USER1>" "  the envelope sender is the account's address"
is "$(header "$f" From)" "From: CronDaemon <$BED_USER1>" "  so is the From field (with -F)"
is "$(header "$f" X-Original-From)" "X-Original-From: root@localhost (Cron Daemon)" \
	"  the original From is kept, as it was, in X-Original-From"
is "$(grep -ci '^from:' "$f")" 1 "  one From field only"

# 3. Cron's unqualified "root" as -f, and no From field at all.
printf 'To: %s\nSubject: bare root\n\nhi\n' "$BED_USER2" |
	"$SENDAS" -C "$T/acc.ini" -f root "$BED_USER2" 2>"$T/err"
ok $? "-f root (no domain), no From field: accepted"
f=$(maildir_wait "$BED_USER2" $((n + 2)))
is "$(header "$f" Return-Path)" "Return-Path: <$BED_USER1>" "  sent as $BED_USER1"
is "$(header "$f" From)" "From: $BED_USER1" "  a From field is added for the account"
is "$(header "$f" X-Original-From)" "X-Original-From: root" "  the original sender is recorded"

# 4. Without rewrite_from, Postfix's own refusal: the bed is doing its job.
sed "/^rewrite_from/d; s/^from = $BED_USER1\$/&, root@localhost/" "$T/acc.ini" |
	write_accounts "$T/plain.ini"
printf 'From: root@localhost\nSubject: x\n\nx\n' |
	"$SENDAS" -C "$T/plain.ini" "$BED_USER2" 2>"$T/err"
is "$?" 77 "root@localhost in from (not rewritten): Postfix refuses it, exit 77"
like "$(cat "$T/err")" "Sender address rejected: not owned by user $BED_USER1" \
	"  with its reject_sender_login_mismatch text"

done_testing
