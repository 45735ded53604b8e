#!/bin/bash
# The machine's own mail, with the real programs (issue 14): mail -s from
# bsd-mailx and from s-nail to root, a real cron daemon (a job without
# MAILTO that prints, as root and as a user), an at job (atd), sudo mailing
# a bad-password alert, PHP's mail(); each delivered by the Postfix bed,
# where the envelope (Return-Path), the From field and the recipient
# (Delivered-To) are checked.
#
# Everything runs in a private mount namespace: /etc is an overlay whose
# changes land in the test's directory (the account file, /etc/aliases,
# /etc/mailname, /etc/crontab, /etc/sudoers, a test user; the system
# account file goes under the build's sysconfdir, an overlay too when that
# is not /etc), /usr/sbin is an overlay and sendas is bound over its
# sendmail (which need not exist on the machine), /run, /root and (at the
# end) /var/lib are tmpfs, and the cron and at spools are the test's own.  The machine stays as it was.  bsd-mailx depends on an
# MTA, so it is unpacked by tests/debroot.sh, never installed.
if [ -z "${SENDAS_IN_NS:-}" ]; then
	exec env SENDAS_IN_NS=1 unshare -m --propagation private "$BASH" "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

for prog in cron atd at s-nail php sudo useradd; do
	command -v "$prog" >/dev/null ||
		{ echo "Bail out! $prog is missing (tests/deps.sh installs cron, at, s-nail, php-cli, sudo)"; exit 1; }
done
DEBROOT=$(sh "$top_srcdir/tests/debroot.sh" bsd-mailx liblockfile1 | tail -1) ||
	{ echo "Bail out! tests/debroot.sh bsd-mailx failed"; exit 1; }

bed_start
chmod 755 "$T"
MAILNAME=box.example.test

# ---- the private machine ----
mkdir -p "$T/etc-up" "$T/etc-work" "$T/spool" "$T/home"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc-up,workdir=$T/etc-work" /etc ||
	{ echo "Bail out! cannot mount an overlay on /etc in the namespace"; exit 1; }
mount -t tmpfs tmpfs /run
# root's home (its queue, ~/.config) is the namespace's own: cron's root
# jobs and root's -q below must not touch the machine's.
mount -t tmpfs -o mode=700 tmpfs /root
# /usr/sbin/sendmail need not exist (no MTA is installed): an overlay on
# /usr/sbin gets the file to bind sendas over.
mkdir -p "$T/sbin-up" "$T/sbin-work"
mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$T/sbin-up,workdir=$T/sbin-work" /usr/sbin ||
	{ echo "Bail out! cannot mount an overlay on /usr/sbin in the namespace"; exit 1; }
touch /usr/sbin/sendmail
mount --bind "$SENDAS" /usr/sbin/sendmail
# The system account file is where the build looks ($(sysconfdir), e.g.
# /usr/local/etc): outside /etc it gets its own overlay.
SYSCONF=${SENDAS_SYSCONFDIR:-/etc}
case $SYSCONF in
/etc) ;;
*)	# A prefix not installed yet (make distcheck's _inst/etc): its folders
	# are made for the test and removed after it, empty.
	if ! [ -d "$SYSCONF" ]; then
		made=$SYSCONF
		while ! [ -d "$(dirname "$made")" ]; do made=$(dirname "$made"); done
		mkdir -p "$SYSCONF" ||
			{ echo "Bail out! cannot make $SYSCONF (sysconfdir)"; exit 1; }
		cleanups+=("umount '$SYSCONF'; d='$SYSCONF'; while rmdir \"\$d\" && [ \"\$d\" != '$made' ]; do d=\$(dirname \"\$d\"); done")
	fi
	mkdir -p "$T/sysconf-up" "$T/sysconf-work"
	mount -t overlay overlay \
		-o "lowerdir=$SYSCONF,upperdir=$T/sysconf-up,workdir=$T/sysconf-work" "$SYSCONF" ||
		{ echo "Bail out! cannot mount an overlay on $SYSCONF in the namespace"; exit 1; }
	;;
esac
SYSFILE=$SYSCONF/sendas/accounts.ini
cp -a /var/spool/cron "$T/spool/" 2>/dev/null || mkdir -p "$T/spool/cron/crontabs" "$T/spool/cron/atjobs" "$T/spool/cron/atspool"
mount --bind "$T/spool/cron" /var/spool/cron
rm -f /etc/cron.d/* /etc/cron.hourly/* /etc/cron.daily/* 2>/dev/null
echo "$MAILNAME" >/etc/mailname
useradd -m -d "$T/home/carol" -c "Carol Tester,,," -s /bin/bash carol
chmod 755 "$T/home" "$T/home/carol"

( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass" )
mkdir -p "$SYSCONF/sendas"
# alice sends everything local (cron's root, at's carol, sudo's root) as
# herself; the aliases send root's mail to bob.
{
	printf '[account alice]\nhost = %s\nport = %s\ntls_trust_file = %s\n' \
		"$BED_NAME" "$BED_SUBMISSION_PORT" "$BED_CA"
	printf 'user = %s\npassword_file = %s\nfrom = %s\nlocal_senders = yes\n' \
		"$BED_USER1" "$T/alice.pass" "$BED_USER1"
} | write_accounts "$SYSFILE"
printf '# test aliases\npostmaster: root\nroot: %s\ncarol: root\n' "$BED_USER2" >/etc/aliases
# carol's own account file (her cron job runs as her; the system file and
# its password are root's).
mkdir -p "$T/home/carol/.config/sendas"
cp "$SYSFILE" "$T/home/carol/.config/sendas/accounts.ini"
cp "$T/alice.pass" "$T/home/carol/alice.pass"
sed -i "s|password_file = .*|password_file = $T/home/carol/alice.pass|" \
	"$T/home/carol/.config/sendas/accounts.ini"
chown -R carol: "$T/home/carol"
unset SENDAS_CONFIG XDG_STATE_HOME SENDAS_SYSTEM_QUEUE

# delivered SUBJECT-PATTERN: the file of bob's message whose Subject
# matches, waiting up to WAIT seconds (default 10).
delivered() {
	local i f n=$(( ${WAIT:-10} * 10 ))
	for i in $(seq "$n"); do
		for f in $(maildir_files bob); do
			grep -Eq "^Subject: .*$1" "$f" && { echo "$f"; return 0; }
		done
		sleep 0.1
	done
	return 1
}

# check NAME SUBJECT-PATTERN FROM-PATTERN: the message reached bob through
# the alias, with alice's envelope and a From field of alice.
check() {
	local name=$1 subj=$2 from=$3 f
	f=$(delivered "$subj")
	ok $? "$name: delivered to bob (root's alias)"
	[ -n "$f" ] || { ok 1 "$name: envelope"; ok 1 "$name: From"; ok 1 "$name: recipient"; return; }
	is "$(header "$f" Return-Path)" "<$BED_USER1>" "$name: envelope sender is alice (local_senders)"
	like "$(header "$f" From)" "$from" "$name: From field"
	is "$(header "$f" Delivered-To)" "$BED_USER2" "$name: recipient bob, resolved from root"
}

########################################################################
# Where carol's account file is found: a $HOME she cannot enter (cron's
# HOME=/root) is not hers: her passwd home is used; an unreadable file of
# hers is a warning, and the system file is used (as msmtp).
########################################################################
out=$(runuser -u carol -- env HOME=/root /usr/sbin/sendmail --version 2>&1)
like "$out" "account file: $T/home/carol/.config/sendas/accounts.ini" \
	"HOME=/root for carol: her own account file, through her passwd home"
chmod 000 "$T/home/carol/.config/sendas/accounts.ini"
out=$(runuser -u carol -- env HOME="$T/home/carol" /usr/sbin/sendmail --version 2>&1)
like "$out" "warning: cannot look at $T/home/carol/.config/sendas/accounts.ini: Permission denied" \
	"an unreadable account file of carol's: a warning"
like "$out" "account file: $SYSFILE" "and the system file is used"
chmod 600 "$T/home/carol/.config/sendas/accounts.ini"

newaliases_out=$(newaliases 2>&1); rc=$?
ok $rc "newaliases (sendas) checks /etc/aliases"
like "$newaliases_out" "3 aliases" "newaliases counts the aliases"

########################################################################
# mail -s from bsd-mailx: sendmail -i -- root, no From field, no -f.
########################################################################
echo "mailx body" | LD_LIBRARY_PATH=$DEBROOT/usr/lib/x86_64-linux-gnu \
	"$DEBROOT/usr/bin/bsd-mailx" -s "mailx to root" root 2>"$T/mailx.err"
ok $? "bsd-mailx mail -s root exits 0"
is "$(cat "$T/mailx.err")" "" "bsd-mailx: nothing on stderr"
check "bsd-mailx" "mailx to root" "^root <$BED_USER1>$"

########################################################################
# s-nail: the same, s-nail's way.
########################################################################
echo "s-nail body" | s-nail -s "snail to root" root 2>"$T/snail.err"
ok $? "s-nail mail -s root exits 0"
check "s-nail" "snail to root" "^root <$BED_USER1>$"

########################################################################
# PHP mail(): sendmail_path = sendmail -t -i, no From unless the script
# adds one.
########################################################################
php -n -d "sendmail_path=/usr/sbin/sendmail -t -i" \
	-r 'exit(mail("root", "php to root", "php body") ? 0 : 1);' 2>"$T/php.err"
ok $? "PHP mail() returns true"
check "php mail()" "php to root" "^root <$BED_USER1>$"

# The same as www-data, as a web server runs it: no home, its own account
# file (the system one and its password are root's), named by
# SENDAS_CONFIG in the server's environment.
mkdir -p "$T/www"
sed "s|password_file = .*|password_file = $T/www/alice.pass|" "$SYSFILE" >"$T/www/accounts.ini"
cp "$T/alice.pass" "$T/www/alice.pass"
chown -R www-data: "$T/www"
chmod 600 "$T/www/accounts.ini" "$T/www/alice.pass"
runuser -u www-data -- env SENDAS_CONFIG="$T/www/accounts.ini" php -n \
	-d "sendmail_path=/usr/sbin/sendmail -t -i" \
	-r 'exit(mail("root", "php as www-data", "php body") ? 0 : 1);' 2>"$T/php.err"
ok $? "PHP mail() as www-data returns true"
check "php mail() as www-data" "php as www-data" "^www-data <$BED_USER1>$"

########################################################################
# sudo: a wrong password mails mailto (root) through mailerpath.
########################################################################
cat >/etc/sudoers <<EOF
Defaults mailerpath=/usr/sbin/sendmail
Defaults mailerflags="-t"
Defaults mailto=root
Defaults mailsub="sudo alert %h"
Defaults mail_badpass
Defaults passwd_tries=1
root ALL=(ALL:ALL) ALL
EOF
chmod 440 /etc/sudoers
rm -rf /etc/sudoers.d/*
echo wrong | runuser -u carol -- sudo -S -p '' true >/dev/null 2>&1
ok $(( $? == 0 )) "sudo refuses the wrong password"
check "sudo" "sudo alert" "$BED_USER1"

########################################################################
# at: the job's output goes to its owner (root), mailed by atd.
########################################################################
echo 'echo at job output' | at now 2>/dev/null
ok $? "at takes a job"
atd -s
ok $? "atd -s runs the queue"
check "at" "Output from your job" "<$BED_USER1>"

########################################################################
# cron: a job without MAILTO that prints, as root (/etc/crontab) and as
# carol (her crontab); cron runs sendmail -FCronDaemon -i -B8BITMIME -oem
# USER, the output is mailed to the crontab's owner.
########################################################################
printf 'SHELL=/bin/sh\n* * * * * root echo cron root output\n' >/etc/crontab
printf '* * * * * echo cron carol output\n' >"$T/carol.cron"
crontab -u carol "$T/carol.cron"
ok $? "carol's crontab installed"
cron -f -L 0 &
cron_pid=$!
cleanups+=("kill $cron_pid")
WAIT=75 check "cron as root" "Cron <root@" "CronDaemon|Cron Daemon"
# carol's output goes to carol, whose alias is root, then bob.
WAIT=20 check "cron as carol" "Cron <carol@" "CronDaemon|Cron Daemon"
kill "$cron_pid" 2>/dev/null
wait "$cron_pid" 2>/dev/null

########################################################################
# Root and the system queue: a message the system units queued (in their
# StateDirectory, /var/lib/sendas) is listed by root's mailq and sent by
# root's -q, as sendas-queue.service would.  /var/lib is the namespace's
# own here.
########################################################################
mount -t tmpfs tmpfs /var/lib
mkdir -m 700 /var/lib/sendas
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/^port = .*/port = $closed/" "$SYSFILE" | write_accounts "$T/down.ini"
printf 'Subject: unit status\n\nfailed\n' |
	STATE_DIRECTORY=/var/lib/sendas /usr/sbin/sendmail -C "$T/down.ini" -i root 2>/dev/null
ok $? "a system unit's message is queued in /var/lib/sendas (exit 0)"
like "$(HOME=/root /usr/sbin/sendmail -bp 2>&1)" "^  account: +alice$" "root's mailq (sendmail -bp) lists it"
HOME=/root /usr/sbin/sendmail -q >"$T/q.out" 2>&1
is "$?" 0 "root's -q sends it"
check "system queue" "unit status" "$BED_USER1"
is "$(ls /var/lib/sendas | grep -cE '^[0-9a-f]{16}$')" 0 "the system queue is empty"

done_testing
