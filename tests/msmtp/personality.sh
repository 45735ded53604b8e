#!/bin/bash
# sendas called as msmtp, and --import-msmtprc from the command line,
# without a server: the name in messages, -X/--logfile only as msmtp (never
# as sendmail or sendas: CVE-2016-10033), where the msmtprc is looked for,
# --write (mode 0600, never overwriting), and the options that go together.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/bin" "$T/home"
for name in msmtp sendmail sendas; do
	ln -s "$SENDAS" "$T/bin/$name"
done
export HOME=$T/home
unset XDG_CONFIG_HOME SENDAS_CONFIG

# run NAME ARGS...: the program as NAME, a message on stdin; sets RC, OUT, ERR.
run() {
	local name=$1; shift
	printf 'From: a@example.org\nSubject: x\n\nhi\n' | "$T/bin/$name" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

run msmtp --bogus a@example.org
is "$RC" 64 "msmtp --bogus: usage error"
like "$ERR" "^msmtp: unknown option '--bogus'" "as msmtp, messages start with msmtp:"
run sendmail --bogus a@example.org
like "$ERR" "^sendas: unknown option" "as sendmail they start with sendas:"

# PHPMailer's CVE-2016-10033: a sender like
# '"attacker\" -oQ/tmp/ -X/var/www/shell.php some"@example.org' put flags
# into sendmail's argv.  Every spelling is refused before anything runs.
for name in sendmail sendas; do
	for args in "-X $T/x.php" "-X$T/x.php" "-oQ/tmp/ -X$T/x.php" "--logfile=$T/x.php" \
		    "--logfile $T/x.php" "-tX$T/x.php"; do
		# shellcheck disable=SC2086
		run "$name" $args a@example.org
		is "$RC" 64 "$name $args: refused"
		like "$ERR" "CVE-2016-10033" "$name $args: the reason names the CVE"
	done
	[ ! -e "$T/x.php" ]
	ok $? "$name: no file was written"
done

# As msmtp, -X names the log (the send then fails for want of an account
# file, which is logged nowhere: the log is only written for a send).
run msmtp -X "$T/log" a@example.org
like "$ERR" "no account file" "msmtp -X FILE is accepted; the send goes on to the account file"

# --host and what goes with it.
run msmtp --host=h -a work a@example.org
is "$RC" 64 "--host with -a: usage error"
like "$ERR" "exclude each other" "  says why"
run msmtp --port=2525 a@example.org
is "$RC" 64 "--port without --host: usage error"
run msmtp --host=h --tls=maybe a@example.org
like "$ERR" "needs on or off" "--tls=maybe is refused"
run sendas --write
like "$ERR" "--write goes with --import-msmtprc" "--write alone is refused"
run sendas --import-msmtprc a b
like "$ERR" "takes one file" "--import-msmtprc with two files is refused"

# Where the msmtprc is found: ~/.msmtprc, then $XDG_CONFIG_HOME/msmtp/config.
run sendas --import-msmtprc
is "$RC" 78 "no msmtprc: configuration error"
like "$ERR" "no msmtp configuration found" "  says where it looked"
mkdir -p "$T/xdg/msmtp"
printf 'account x\nhost xdg.example\nfrom x@example.org\n' >"$T/xdg/msmtp/config"
XDG_CONFIG_HOME=$T/xdg run sendas --import-msmtprc
like "$OUT" "host = xdg.example" "\$XDG_CONFIG_HOME/msmtp/config is read"
printf 'account h\nhost home.example\nfrom h@example.org\n' >"$HOME/.msmtprc"
XDG_CONFIG_HOME=$T/xdg run sendas --import-msmtprc
like "$OUT" "host = home.example" "~/.msmtprc comes first"

# --write: the user's account file, mode 0600, loaded; never overwritten.
printf 'account h\nhost home.example\nfrom h@example.org\nauth on\nuser h\npassword s3cret\n' \
	>"$HOME/.msmtprc"
run sendas --import-msmtprc --write
is "$RC" 0 "--write: exit 0"
f=$HOME/.config/sendas/accounts.ini
is "$(stat -c %a "$f" 2>/dev/null)" 600 "--write: ~/.config/sendas/accounts.ini, mode 0600"
like "$ERR" "wrote $f \(1 accounts\)" "--write: says what it wrote"
like "$ERR" "a password in the account file; move it" "--write: the password warning"
like "$(cat "$f")" "^password = s3cret$" "the password is there"
sum=$(md5sum <"$f")
printf 'account other\nhost other.example\nfrom o@example.org\n' >"$HOME/.msmtprc"
run sendas --import-msmtprc --write
is "$RC" 73 "--write again: refused (EX_CANTCREAT)"
like "$ERR" "exists; sendas does not overwrite it" "  says why"
is "$(md5sum <"$f")" "$sum" "  and the file is as it was"
run sendas -C "$T/new.ini" --import-msmtprc --write "$HOME/.msmtprc"
is "$RC" 0 "--write -C FILE: another file"
like "$(cat "$T/new.ini")" "host = other.example" "  holds the conversion"
"$SENDAS" -C "$T/new.ini" --which o@example.org >"$T/out" 2>&1
like "$(cat "$T/out")" "^account: other" "  and sendas chooses from it"

# -P, --pretend: msmtp's form, the account by -a, by -f, else "default".
run msmtp -C "$T/new.ini" -P -a other a@example.org
is "$RC" 0 "msmtp -P -a NAME RCPT: exit 0"
like "$OUT" "^using account other from $T/new.ini" "-P: names the account and the file"
like "$OUT" "^host = other.example$" "-P: host"
like "$OUT" "^port = 25$" "-P: port (msmtp's 25)"
like "$OUT" "^tls = off$" "-P: tls"
like "$OUT" "^auth = none$" "-P: auth"
run msmtp -C "$HOME/.config/sendas/accounts.ini" --pretend -a h
like "$OUT" "^password = \*$" "-P: a password is a star"
! grep -q s3cret "$T/out" "$T/err"
ok $? "-P: and never itself"
run msmtp -C "$T/new.ini" -P
is "$RC" 78 "-P without -a, -f or a default account: configuration error"
like "$ERR" "no account chosen" "  says what to give"
run msmtp -C "$T/new.ini" -P -f o@example.org
like "$OUT" "^using account other" "-P -f ADDRESS: the account for that sender"
cp "$T/new.ini" "$T/odd.ini"
printf 'colour = blue\n' >>"$T/odd.ini"
run msmtp -C "$T/odd.ini" -P -a other
like "$ERR" "^msmtp: $T/odd.ini:[0-9]+: unknown key \"colour\"" \
	"as msmtp, the account file's warnings start with msmtp: too"
done_testing
