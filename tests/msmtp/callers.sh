#!/bin/bash
# Switching from msmtp in one command, on the Postfix bed: an msmtprc for
# the bed becomes the account file (--import-msmtprc --write), sendas is
# linked as msmtp, and the call lines from the documentation of the
# programs that call msmtp run unchanged:
#   - mutt, msmtp's manual: set sendmail="/path/to/msmtp" with
#     envelope_from=yes, and set sendmail="/path/to/msmtp -a my_account";
#   - neomutt with set sendmail="msmtp --read-envelope-from";
#   - git send-email --smtp-server=/path/to/msmtp;
#   - aerc: aerc-accounts(5) says "use aerc-sendmail(5) in combination with
#     msmtp(1) and --read-envelope-from", and aerc-sendmail(5) that aerc runs
#     the outgoing command "with a list of recipients on the command line
#     and pipe[s] the message to deliver to stdin".  aerc 0.14 is a
#     terminal program with no batch mode, so that command line is run here
#     as aerc runs it;
#   - msmtp's manual, configuration-free: msmtp --host=mailhub -f ADDRESS
#     --tls (with the bed's port, CA and login added: the manual's mailhub
#     takes mail on port 25 without a login);
#   - msmtp -X FILE logs there (only as msmtp).
. "$(dirname "$0")/../lib.sh"
bed_start

export HOME=$T/home GIT_CONFIG_NOSYSTEM=1
unset XDG_CONFIG_HOME SENDAS_CONFIG
mkdir -p "$HOME" "$T/bin"
ln -s "$SENDAS" "$T/bin/msmtp"
MSMTP=$T/bin/msmtp
( umask 077
  printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf '%s\n' "$BED_PASS2" >"$T/bob.pass" )

# delivered USER BEFORE SUBJECT LOGIN WHAT: a new message for USER with
# SUBJECT, submitted with LOGIN and sent from LOGIN's address.
delivered() {
	local user=$1 before=$2 subject=$3 login=$4 what=$5 f
	f=$(maildir_wait "$user" $((before + 1)))
	ok $? "$what: delivered"
	is "$(header "$f" Subject)" "$subject" "$what: the message"
	is "$(login_of_last)" "$login" "$what: sent through $login's account"
	is "$(header "$f" Return-Path)" "<$login>" "$what: envelope sender $login"
}

# The user's msmtprc, as msmtp's manual writes one.
cat >"$HOME/.msmtprc" <<EOF
defaults
host $BED_NAME
port $BED_SUBMISSION_PORT
tls on
tls_trust_file $BED_CA
auth on
logfile ~/msmtp.log

account alice
user $BED_USER1
passwordeval cat $T/alice.pass
from $BED_USER1

account bob : alice
user $BED_USER2
passwordeval "cat $T/bob.pass"
from $BED_USER2

account default : alice
EOF
chmod 600 "$HOME/.msmtprc"
"$SENDAS" --import-msmtprc --write >"$T/out" 2>"$T/err"
ok $? "sendas --import-msmtprc --write: exit 0"
like "$(cat "$T/err")" "wrote $HOME/.config/sendas/accounts.ini \(3 accounts\)" \
	"  wrote the account file"

# mutt, msmtp's manual.
cat >"$T/muttrc" <<EOF
set sendmail="$MSMTP"
set use_from=yes
set realname="Bob Example"
set from=$BED_USER2
set envelope_from=yes
set record=""
set copy=no
EOF
n=$(count "$BED_USER1")
printf 'Hello from mutt.\n' | mutt -n -F "$T/muttrc" -s "mutt envelope_from" "$BED_USER1" \
	>"$T/out" 2>&1
ok $? "mutt -F muttrc -s subj rcpt < body (sendmail=msmtp, envelope_from=yes): exit 0"
delivered "$BED_USER1" "$n" "mutt envelope_from" "$BED_USER2" "mutt"

sed -i "s|^set sendmail=.*|set sendmail=\"$MSMTP -a alice\"|; s|^set from=.*|set from=$BED_USER1|; /envelope_from/d" \
	"$T/muttrc"
n=$(count "$BED_USER2")
printf 'Hello again.\n' | mutt -n -F "$T/muttrc" -s "mutt -a" "$BED_USER2" >"$T/out" 2>&1
ok $? "mutt with sendmail=\"msmtp -a alice\": exit 0"
delivered "$BED_USER2" "$n" "mutt -a" "$BED_USER1" "mutt -a alice"

# neomutt with --read-envelope-from.
cat >"$T/neomuttrc" <<EOF
set sendmail="$MSMTP --read-envelope-from"
set use_from=yes
set real_name="Bob Example"
set from=$BED_USER2
set record=""
set copy=no
EOF
n=$(count "$BED_USER1")
printf 'Hello from neomutt.\n' | neomutt -n -F "$T/neomuttrc" -s "neomutt" "$BED_USER1" \
	>"$T/out" 2>&1
ok $? "neomutt with sendmail=\"msmtp --read-envelope-from\": exit 0"
[ $? = 0 ] || sed 's/^/#   /' "$T/out" | tail -5
delivered "$BED_USER1" "$n" "neomutt" "$BED_USER2" "neomutt --read-envelope-from"

# git send-email --smtp-server=/path/to/msmtp.
git config --global user.name "Alice Example"
git config --global user.email "$BED_USER1"
git config --global init.defaultBranch main
repo=$T/repo
git init -q "$repo"
printf 'one\n' >"$repo/README"
git -C "$repo" add README && git -C "$repo" commit -q -m "Initial"
printf 'two\n' >>"$repo/README"
git -C "$repo" commit -q -a -m "README: a second line"
git -C "$repo" format-patch -q -1 -o "$T/patches"
n=$(count "$BED_USER2")
git -C "$repo" send-email --quiet --confirm=never --suppress-cc=all \
	--smtp-server="$MSMTP" --to="$BED_USER2" "$T"/patches/*.patch >"$T/out" 2>&1
ok $? "git send-email --smtp-server=/path/to/msmtp: exit 0"
delivered "$BED_USER2" "$n" "[PATCH] README: a second line" "$BED_USER1" "git send-email"

# aerc: outgoing = msmtp --read-envelope-from, run as aerc runs it.
n=$(count "$BED_USER2")
printf 'From: Alice <%s>\nTo: %s\nSubject: aerc\nDate: Fri, 4 Dec 2026 12:00:00 +0000\n\nHi.\n' \
	"$BED_USER1" "$BED_USER2" | "$MSMTP" --read-envelope-from "$BED_USER2" >"$T/out" 2>&1
ok $? "aerc's outgoing command: msmtp --read-envelope-from RCPT < message: exit 0"
delivered "$BED_USER2" "$n" "aerc" "$BED_USER1" "aerc"

# --read-envelope-from wins over -f, as in msmtp.
n=$(count "$BED_USER1")
printf 'From: %s\nSubject: ref\n\nx\n' "$BED_USER2" |
	"$MSMTP" --read-envelope-from -f "$BED_USER1" "$BED_USER1" >"$T/out" 2>&1
ok $? "msmtp --read-envelope-from -f OTHER: exit 0"
delivered "$BED_USER1" "$n" "ref" "$BED_USER2" "--read-envelope-from with -f"

# Configuration-free, msmtp's manual: --host ... -f ... --tls.
n=$(count "$BED_USER2")
printf 'Subject: hostline\n\nx\n' | "$MSMTP" --host="$BED_NAME" -f "$BED_USER1" --tls \
	--port="$BED_SUBMISSION_PORT" --tls-trust-file="$BED_CA" --auth=on \
	--user="$BED_USER1" --passwordeval="cat $T/alice.pass" "$BED_USER2" >"$T/out" 2>&1
ok $? "msmtp --host=H -f ADDR --tls (port, CA, login added): exit 0"
[ $? = 0 ] || sed 's/^/#   /' "$T/out" | tail -5
delivered "$BED_USER2" "$n" "hostline" "$BED_USER1" "--host"
printf 'Subject: implicit\n\nx\n' | "$MSMTP" --host="$BED_NAME" -f "$BED_USER1" --tls \
	--tls-starttls=off --port="$BED_SMTPS_PORT" --tls-trust-file="$BED_CA" \
	--auth --user="$BED_USER1" --passwordeval="cat $T/alice.pass" "$BED_USER2" \
	>"$T/out" 2>&1
ok $? "msmtp --host --tls --tls-starttls=off (implicit TLS): exit 0"
printf 'Subject: plain\n\nx\n' | "$MSMTP" --host="$BED_NAME" -f "$BED_USER1" \
	--port="$BED_SUBMISSION_PORT" --auth=on --user="$BED_USER1" \
	--passwordeval="cat $T/alice.pass" "$BED_USER2" >"$T/out" 2>&1
isnt_zero=$?
[ "$isnt_zero" -ne 0 ]
ok $? "msmtp --host without --tls and with --auth: not sent (no login without TLS)"

# --serverinfo with --host, as msmtp's manual shows it (without
# --tls-certcheck=off: sendas always checks; the bed's CA instead).
"$MSMTP" --serverinfo --tls --host="$BED_NAME" --port="$BED_SUBMISSION_PORT" \
	--tls-trust-file="$BED_CA" >"$T/out" 2>&1
ok $? "msmtp --serverinfo --tls --host=H: exit 0"
like "$(cat "$T/out")" "^server: $BED_NAME:$BED_SUBMISSION_PORT \(account command-line, tls starttls\)" \
	"  describes the server named on the command line"

# The log: the account's logfile (~/msmtp.log from the msmtprc), and -X.
like "$(cat "$HOME/msmtp.log" 2>/dev/null)" "sendas\[[0-9]+\]: .*$BED_USER2" \
	"the msmtprc's logfile is written"
n=$(count "$BED_USER2")
printf 'From: %s\nSubject: logged\n\nx\n' "$BED_USER1" |
	"$MSMTP" -X "$T/x.log" "$BED_USER2" >"$T/out" 2>&1
ok $? "msmtp -X FILE: exit 0"
like "$(cat "$T/x.log" 2>/dev/null)" "$BED_USER2" "msmtp -X FILE: logged there"
printf 'From: %s\nSubject: logged\n\nx\n' "$BED_USER1" |
	"$MSMTP" -X - "$BED_USER2" >"$T/out" 2>&1
like "$(cat "$T/out")" "sendas\[[0-9]+\]: .*$BED_USER2" "msmtp -X -: logged on stdout"
done_testing
