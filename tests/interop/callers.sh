#!/bin/bash
# Interop with every kind of caller, on the Postfix bed, each with its exact
# argument list and the kind of message it really writes: mutt/neomutt, git
# send-email (the real one), PHP's mail(), a systemd OnFailure= unit, cron;
# plus a 2,000-octet line and a 50 MB message whose peak memory is read from
# the process.  The program is called as "sendmail" (a symlink), as these
# callers call it, and finds its account file through $SENDAS_CONFIG, so
# that argv is the caller's and nothing else.
. "$(dirname "$0")/../lib.sh"
bed_start

( umask 077
  printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf '%s\n' "$BED_PASS2" >"$T/bob.pass" )
# alice also sends for the local senders no provider takes (root, as cron
# and systemd units write it): rewrite_from.
{
	printf '[defaults]\nhost = %s\nport = %s\ntls = starttls\ntls_trust_file = %s\n\n' \
		"$BED_NAME" "$BED_SUBMISSION_PORT" "$BED_CA"
	printf '[account alice]\nuser = %s\npassword_file = %s\nfrom = %s\nrewrite_from = root@*\n\n' \
		"$BED_USER1" "$T/alice.pass" "$BED_USER1"
	printf '[account bob]\nuser = %s\npassword_file = %s\nfrom = %s\n' \
		"$BED_USER2" "$T/bob.pass" "$BED_USER2"
} | write_accounts "$T/accounts.ini"
export SENDAS_CONFIG=$T/accounts.ini
mkdir -p "$T/bin"
ln -s "$SENDAS" "$T/bin/sendmail"
SENDMAIL=$T/bin/sendmail
HOST=$(uname -n)


# decoded_body FILE: the body of a delivered single-part message, its
# Content-Transfer-Encoding undone.
decoded_body() {
	python3 - "$1" <<'PY'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
sys.stdout.buffer.write(m.get_payload(decode=True))
PY
}

# longest FILE: the longest line of FILE, in octets, without its LF.
longest() { LC_ALL=C awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$1"; }


# long_line N: N octets of "Grüße ✓ " again and again, UTF-8 to the end
# (a character cut at the end is replaced with x).
long_line() {
	python3 -c 'import sys; n = int(sys.argv[1]); s = ("Grüße ✓ " * n).encode()[:n]
while True:
    try: s.decode(); break
    except UnicodeDecodeError: s = s[:-1] + b"x"
sys.stdout.buffer.write(s)' "$1"
}

########################################################################
# mutt/neomutt: set sendmail="sendas -oem -oi"; with 8-bit content and
# $dsn_notify/$dsn_return set it adds -B8BITMIME -N -R; never -f by default,
# so the From: header decides the account.
########################################################################
cat >"$T/mutt.msg" <<EOF
Date: Mon, 23 Nov 2026 10:00:00 +0100
From: Bob Example <$BED_USER2>
To: Alice <$BED_USER1>
Subject: Grüße from mutt
Message-ID: <20261123090000.mutt1@bob.example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-Transfer-Encoding: 8bit
User-Agent: NeoMutt/20220429

Hallo Alice,

schöne Grüße.
.
-- 
Bob
EOF
n1=$(count "$BED_USER1")
n2=$(count "$BED_USER2")
"$SENDMAIL" -oem -oi -B8BITMIME -N success,failure -R hdrs -- "$BED_USER1" \
	<"$T/mutt.msg" >"$T/out" 2>"$T/err"
ok $? "mutt: sendas -oem -oi -B8BITMIME -N success,failure -R hdrs -- rcpt exits 0"
is "$(login_of_last)" "$BED_USER2" "mutt: no -f, so the From: header chose bob's account"
f=$(maildir_wait "$BED_USER1" $((n1 + 1)))
is "$(header "$f" Return-Path)" "<$BED_USER2>" "mutt: the envelope sender is the From: address"
tail -n +"$(grep -n '^Date: Mon, 23 Nov 2026 10:00:00 +0100$' "$f" | cut -d: -f1)" "$f" >"$T/stored"
cmp -s "$T/mutt.msg" "$T/stored"
ok $? "mutt: the 8-bit message arrives byte for byte (a lone dot with -oi included)"
# -N success: Postfix reports the delivery to bob; -R hdrs: headers only.
dsn=$(maildir_wait "$BED_USER2" $((n2 + 1)))
like "$(cat "$dsn" 2>/dev/null)" "Content-Type: text/rfc822-headers" \
	"mutt: -N success,failure reached Postfix: bob gets a delivery report, and -R hdrs made it headers only"
like "$(cat "$dsn" 2>/dev/null)" "^Action: delivered" "mutt: the report says delivered"

########################################################################
# git send-email, the real program: --smtp-server=PATH runs PATH with
# "-f sender -i rcpts" (-f with --envelope-sender) and a patch from git
# format-patch.  A wrapper records its argv and runs sendas as "sendmail".
# Then the order the task names, "-i -f sender rcpts", on the raw patch.
########################################################################
export HOME=$T/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "Alice Example"
git config --global user.email "$BED_USER1"
git config --global init.defaultBranch main
repo=$T/repo
git init -q "$repo"
printf 'line one\nline two\n' >"$repo/README"
git -C "$repo" add README && git -C "$repo" commit -q -m "Initial"
base=$(git -C "$repo" rev-parse HEAD)
{ printf 'line one\n.\n..dots\nline two: Grüße\n'; long_line 1200; printf '\n'; } >"$repo/README"
git -C "$repo" commit -q -a -m "README: dots, UTF-8 and a long line

From here on the README has lines a mailer must not mangle."
git -C "$repo" format-patch -q -1 -o "$T/patches"
cat >"$T/bin/git-sendmail" <<EOF
#!/bin/bash
printf '%s\n' "\$@" >"$T/git-argv"
exec -a sendmail "$SENDAS" "\$@"
EOF
chmod +x "$T/bin/git-sendmail"
n2=$(count "$BED_USER2")
git -C "$repo" send-email --quiet --confirm=never --no-chain-reply-to --suppress-cc=all \
	--envelope-sender=auto --smtp-server="$T/bin/git-sendmail" \
	--to="$BED_USER2" "$T"/patches/*.patch >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "git send-email: exits 0"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/err" | tail -5
is "$(tr '\n' ' ' <"$T/git-argv" 2>/dev/null)" "-f $BED_USER1 -i $BED_USER2 " \
	"git send-email runs the program with -f sender -i rcpts"
f=$(maildir_wait "$BED_USER2" $((n2 + 1)))
is "$(header "$f" Subject)" "[PATCH] README: dots, UTF-8 and a long line" \
	"git send-email: the patch arrives"
git clone -q "$repo" "$T/clone" && git -C "$T/clone" checkout -q "$base"
git -C "$T/clone" am -q "$f" >"$T/am.out" 2>&1
ok $? "git send-email: the delivered patch applies with git am"
cmp -s "$repo/README" "$T/clone/README"
ok $? "git send-email: and gives the same file, dots, UTF-8 and 1,200-octet line included"

# The same patch file from format-patch (mbox "From " line and all) with the
# argument list alone.
n2=$(count "$BED_USER2")
sed "s/^Subject: /To: $BED_USER2\nSubject: /" "$T"/patches/*.patch |
	"$SENDMAIL" -i -f "$BED_USER1" "$BED_USER2" 2>"$T/err"
ok $? "git format-patch output with -i -f sender rcpt: exits 0"
f=$(maildir_wait "$BED_USER2" $((n2 + 1)))
! grep -q '^From [0-9a-f]\{40\} ' "$f"
ok $? "the mbox separator line is not sent as a header"

########################################################################
# PHP mail(): popen("sendmail -t -i [additional_params]"), headers and
# body with LF line ends; the -f comes from a web form.
########################################################################
php_mail() {  # php_mail ADDITIONAL-PARAMS: as PHP's mail() runs it (/bin/sh -c)
	printf 'To: %s\nSubject: Contact form\nFrom: %s\nReply-To: visitor@example.net\nX-Mailer: PHP/8.2.7\n\nName: Visitor\nMessage: hello\nline two\n' \
		"$BED_USER2" "$BED_USER1" |
		sh -c "\"$SENDMAIL\" -t -i $1" >"$T/out" 2>"$T/err"
}
n2=$(count "$BED_USER2")
php_mail "-f$BED_USER1"
ok $? "PHP mail() with -t -i -fsender and LF-only input: exits 0"
f=$(maildir_wait "$BED_USER2" $((n2 + 1)))
like "$(cat "$f")" "^Message: hello$" "PHP mail(): the message arrives"
! grep -q $'\r' "$f"
ok $? "PHP mail(): the LF-only input became proper lines (no stray CR stored)"

# Attacks through -f: a line break (header injection), a second option
# (CVE-2016-10033's -X), a space inside the address.  Each refused, with the
# address named, nothing delivered, no file written.
n2=$(count "$BED_USER2")
php_mail "-f'$BED_USER1
Bcc: victim@example.test'"
is "$?" 65 "PHP mail(): an -f with a line break: exit 65"
like "$(cat "$T/err")" "refusing address '$BED_USER1\\\\nBcc: victim@example.test'.*header injection" \
	"the message names the address, the line break shown as \\n"
php_mail "-f'$BED_USER1"$'\r'"'"
is "$?" 65 "PHP mail(): an -f with a CR: exit 65"
like "$(cat "$T/err")" "refusing address '$BED_USER1\\\\r'" "the CR is shown as \\r"
php_mail "-f$BED_USER1 -X$T/shell.php"
is "$?" 64 "PHP mail(): a second option -X in the parameters: exit 64"
like "$(cat "$T/err")" "option '-X' is not supported.*CVE-2016-10033" "the message names -X and why"
php_mail "-f'$BED_USER1 -X$T/shell.php'"
is "$?" 65 "PHP mail(): an -f of one word with a space and -X: exit 65"
like "$(cat "$T/err")" "invalid address '$BED_USER1 -X$T/shell.php'" "the message names the address"
php_mail "-f'\"attacker\\\" -oQ/tmp/ -X$T/shell.php some\"@email.com'"
is "$?" 65 "PHP mail(): the CVE-2016-10033 sender (a quoted local part with spaces): exit 65"
like "$(cat "$T/err")" "the sender .*attacker.* is not an address" "the message names it"
[ ! -e "$T/shell.php" ]
ok $? "no attack wrote a file"
sleep 0.5
is "$(count "$BED_USER2")" "$n2" "no refused message was delivered"

########################################################################
# systemd OnFailure= (the Arch wiki recipe): "sendmail -t" from a unit's
# script, without $HOME, From: root@$HOSTNAME, the body from systemctl
# status --full: 8-bit, and lines far over 998 octets.  (The unit's
# User=nobody is not imitated: the bed's account file is root's.)
########################################################################
status_text() {
	printf '× backup.service - Nightly backup to the NAS\n'
	printf '     Loaded: loaded (/etc/systemd/system/backup.service; static)\n'
	printf '     Active: failed (Result: exit-code) since Mon 2026-11-23 03:00:12 CET; 5h 2min ago\n'
	printf '    Process: 4242 ExecStart=/usr/local/bin/backup --verbose --exclude=%s (code=exited, status=23)\n' \
		"$(long_line 1500)"
	printf '   Main PID: 4242 (code=exited, status=23)\n        CPU: 1.042s\n\n'
	printf 'Nov 23 03:00:11 %s backup[4242]: rsync: [sender] send_files failed to open "/srv/Fotos/Köln ✓/%s": Permission denied (13)\n' \
		"$HOST" "$(long_line 1600)"
	printf 'Nov 23 03:00:12 %s systemd[1]: backup.service: Failed with result '"'"'exit-code'"'"'.   \n' "$HOST"
	# No lone "." here: without -i (the recipe has none) it ends the
	# input, as in every sendmail.
	printf '.snapshot skipped\nFrom the NAS: done.\n'
}
status_text >"$T/status.txt"
cat >"$T/unit-mail" <<EOF
#!/bin/sh
# /usr/local/bin/systemd-email ADDRESS UNIT, as on the Arch wiki
$SENDMAIL -t <<ERRMAIL
To: \$1
From: systemd <root@$HOST>
Subject: \$2
Content-Transfer-Encoding: 8bit
Content-Type: text/plain; charset=UTF-8

\$(cat "$T/status.txt")
ERRMAIL
EOF
chmod +x "$T/unit-mail"
n1=$(count "$BED_USER1")
env -u HOME -u EMAIL "$T/unit-mail" "$BED_USER1" backup.service >"$T/out" 2>"$T/err"
ok $? "systemd OnFailure=: sendmail -t exits 0"
f=$(maildir_wait "$BED_USER1" $((n1 + 1)))
is "$(header "$f" Return-Path)" "<$BED_USER1>" \
	"systemd: root@$HOST went out as alice's address (rewrite_from)"
is "$(header "$f" Content-Transfer-Encoding)" "quoted-printable" \
	"systemd: the long lines were re-encoded quoted-printable"
ok "$([ "$(longest "$f")" -le 78 ] && echo 0 || echo 1)" \
	"systemd: no delivered line is longer than 78 octets ($(longest "$f"))"
decoded_body "$f" >"$T/status.got"
cmp -s "$T/status.txt" "$T/status.got"
ok $? "systemd: the decoded body is the status text, byte for byte (UTF-8, 1,500+ octet lines, trailing spaces)"
is "$(header "$f" Content-Type)" "text/plain; charset=UTF-8" "systemd: the unit's Content-Type stays"

########################################################################
# cron: "From: root (Cron Daemon)", no domain; "sendmail -t" (the recipe
# the task names), and cronie's own "-FCronDaemon -i -odi -oem -oi -t -f root".
########################################################################
cron_msg() {
	printf 'From: root (Cron Daemon)\nTo: %s\nSubject: Cron <root@%s> /usr/local/bin/report\n' "$BED_USER1" "$HOST"
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n'
	printf 'X-Cron-Env: <SHELL=/bin/sh>\nX-Cron-Env: <HOME=/root>\nX-Cron-Env: <LOGNAME=root>\n\n'
	printf 'report: 3 files, 0 errors (%s)\n' "$1"
}
n1=$(count "$BED_USER1")
cron_msg "sendmail -t" | env -u HOME "$SENDMAIL" -t >"$T/out" 2>"$T/err"
ok $? "cron: sendmail -t with From: root (Cron Daemon) exits 0"
f=$(maildir_wait "$BED_USER1" $((n1 + 1)))
is "$(header "$f" Return-Path)" "<$BED_USER1>" "cron: root went out as alice's address"
like "$(cat "$f")" "^report: 3 files, 0 errors \(sendmail -t\)$" "cron: the output arrives"
cron_msg "cronie" | env -u HOME "$SENDMAIL" -FCronDaemon -i -odi -oem -oi -t -f root >"$T/out" 2>"$T/err"
ok $? "cron: cronie's -FCronDaemon -i -odi -oem -oi -t -f root exits 0"
f=$(maildir_wait "$BED_USER1" $((n1 + 2)))
like "$(cat "$f")" "^report: 3 files, 0 errors \(cronie\)$" "cron: cronie's message arrives"

########################################################################
# A 2,000-octet line in a plain message (no MIME at all): readable.
########################################################################
{ printf 'From: %s\nTo: %s\nSubject: long line\n\nbefore\n' "$BED_USER1" "$BED_USER2"
  long_line 2000; printf '\nafter\n'; } >"$T/long.msg"
{ printf 'before\n'; long_line 2000; printf '\nafter\n'; } >"$T/long.body"
n2=$(count "$BED_USER2")
"$SENDMAIL" -i "$BED_USER2" <"$T/long.msg" 2>"$T/err"
ok $? "a 2,000-octet line: exits 0"
f=$(maildir_wait "$BED_USER2" $((n2 + 1)))
decoded_body "$f" >"$T/long.got"
cmp -s "$T/long.body" "$T/long.got"
ok $? "a 2,000-octet line: decoded, the body is what was sent"
is "$(header "$f" MIME-Version)" "1.0" "a 2,000-octet line: MIME-Version added"
is "$(header "$f" Content-Type)" "text/plain; charset=utf-8" "a 2,000-octet line: the charset is found"

########################################################################
# Memory: the peak resident set (kB, from the kernel via GNU time's %M)
# sending 1 MB and 50 MB is the same, and small.  Not a timing.
########################################################################
MEM_MARGIN_KB=1024      # runs differ by up to 256 kB; holding 2% of 49 MB would show
MEM_MAX_KB=10240        # 10 MB, for a plain build
big_message() {  # big_message OCTETS: a body of 100-octet lines, 8-bit, LF
	printf 'From: %s\nTo: %s\nSubject: big %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <big%s@example.test>\n' \
		"$BED_USER1" "$BED_USER2" "$1" "$1"
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	yes 'Grüße aus Köln: 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ ...............' |
		head -n $(($1 / 100))
}
peak() {  # peak FILE: send FILE, print the peak RSS in kB
	# AddressSanitizer keeps freed memory in quarantine (256 MB by default):
	# growth that would be its own, not ours.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 /usr/bin/time -f %M -o "$T/rss" "$SENDMAIL" -i "$BED_USER2" <"$1" 2>"$T/err" || return 1
	cat "$T/rss"
}
big_message 1000000 >"$T/1mb"
big_message 50000000 >"$T/50mb"
n2=$(count "$BED_USER2")
rss1=$(peak "$T/1mb")
ok $? "1 MB message: exits 0"
rss50=$(peak "$T/50mb")
ok $? "50 MB message: exits 0"
diag "peak RSS: 1 MB message ${rss1:-?} kB, 50 MB message ${rss50:-?} kB"
d=$(( ${rss50:-0} - ${rss1:-0} ))
ok "$([ "${rss1:-0}" -gt 0 ] && [ "${d#-}" -le "$MEM_MARGIN_KB" ] && echo 0 || echo 1)" \
	"peak memory does not grow with size: ${rss1:-?} kB vs ${rss50:-?} kB (within $MEM_MARGIN_KB kB)"
# Under AddressSanitizer its shadow memory and quarantine come on top: the
# bound is then for what sendas holds beyond its own --version.
runtime=0
if ldd "$SENDAS" | grep -q libasan; then
	runtime=$(/usr/bin/time -f %M "$SENDAS" --version 2>&1 >/dev/null | tail -1)
	diag "sanitizer build: $runtime kB for --version are not counted"
fi
ok "$([ $(( ${rss50:-99999999} - runtime )) -le "$MEM_MAX_KB" ] && echo 0 || echo 1)" \
	"the 50 MB message was sent in at most $MEM_MAX_KB kB"
f=$(maildir_wait "$BED_USER2" $((n2 + 2)))
tail -n +"$(grep -n '^From: ' "$f" | head -1 | cut -d: -f1)" "$f" | cmp -s "$T/50mb" -
ok $? "the 50 MB message arrives byte for byte"

# And a server that takes less: refused before upload with both sizes.
sed "s/^port = .*/port = $BED_SMALL_PORT/" "$T/accounts.ini" | write_accounts "$T/small.ini"
before=$(grep -c 'message-id=' "$BED_POSTFIX_LOG")
SENDAS_CONFIG=$T/small.ini "$SENDMAIL" -i "$BED_USER2" <"$T/1mb" 2>"$T/err"
is "$?" 65 "a server whose SIZE is smaller than the message: exit 65"
like "$(cat "$T/err")" "the message is [0-9]+ bytes, but .* accepts at most $BED_SMALL_LIMIT" \
	"the message gives both sizes"
is "$(grep -c 'message-id=' "$BED_POSTFIX_LOG")" "$before" "nothing was uploaded"

done_testing
