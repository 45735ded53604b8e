#!/bin/bash
# The account key syslog (sendas-accounts(5)) against the real Postfix +
# Dovecot bed, with no syslog daemon: sendas runs in a private mount
# namespace whose /dev/log is a datagram socket bound by a small listener
# of ours, so the test sees exactly what glibc's syslog(3) sends.  Checked:
# the <PRI> of a sent message (info) and of a refused or deferred one
# (warning) for each kind of facility setting, the ident and PID, the line
# itself against the documented format and against the logfile line of
# the same send, one datagram per message (none with syslog = off), the
# cut of an overlong line (against our scripted test server, which takes
# any number of recipients), and that no password or AUTH data arrives.
#
# Needs root (unshare -m, mount); without it, or when the namespace cannot
# be set up, it bails out: a test that cannot see the syslog line must not
# pass by skipping.
. "$(dirname "$0")/../lib.sh"

# TAP's stdout as fd 3: bail may be called where stdout is redirected.
exec 3>&1
bail() { echo "Bail out! $*" >&3; exit 1; }
[ "$(id -u)" -eq 0 ] || bail "needs root (unshare -m and mount for a private /dev/log)"
export PATH=$PATH:/usr/sbin:/sbin
for tool in unshare mount python3; do
	command -v "$tool" >/dev/null 2>&1 || bail "$tool not installed"
done

# The host's /dev/log as it is now (usually absent without a daemon): the
# test must leave it as it was.
host_devlog() { stat -c '%d:%i:%F' /dev/log 2>/dev/null || echo absent; }
host_devlog_before=$(host_devlog)

bed_start

LOG=$T/sendas.log     # the logfile of every account here
NS=$T/ns              # the namespace's own files
RCV=$T/received       # one file per datagram, numbered in arrival order
SOCK=$NS/log.sock     # what the namespace's /dev/log is
mkdir -p "$NS/hostdev" "$RCV"
( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass" )

# The listener: binds SOCK (SOCK_DGRAM, what glibc's syslog(3) tries
# first; it falls back to SOCK_STREAM only when the connect fails with
# EPROTOTYPE, so a datagram socket gets one datagram per syslog() call)
# and stores each datagram as it came, bytes untouched, written under a
# temporary name and renamed so that a reader never sees half of one.
cat >"$NS/listener.py" <<'EOF'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(os.path.join(out, "ready"), "w").close()
n = 0
while True:
    data = s.recv(1 << 20)
    n += 1
    tmp = os.path.join(out, ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(out, "%06d" % n))
EOF
python3 "$NS/listener.py" "$SOCK" "$RCV" 2>"$NS/listener.err" &
listener_pid=$!
listener_cleanup=${#cleanups[@]}
cleanups+=("kill $listener_pid")
wait_for "$listener_pid" -e "$RCV/ready" || { sed 's/^/# /' "$NS/listener.err"; bail "the syslog listener did not start"; }
rm -f "$RCV/ready"

# The namespace: /dev on the host is devtmpfs (or a container's tmpfs),
# shared, and usually has no /dev/log to bind over; creating one there
# would change the host.  So the namespace gets a /dev of its own: a
# tmpfs with the device nodes a program may open bound back from the real
# /dev (kept reachable under NS/hostdev), the fd links, and an empty file
# /dev/log with the listener's socket bound over it.  /dev/pts and
# /dev/shm are left out: sendas does not use them.  NS/ready says that
# all of it worked; without it the run proves nothing, so the test bails.
# shellcheck disable=SC2016
ns_setup='
ns=$1 sock=$2; shift 2
mount --rbind /dev "$ns/hostdev"
mount -t tmpfs -o mode=0755,size=64k sendas-syslog-test /dev
for n in null zero full random urandom; do
	: >"/dev/$n"
	mount --bind "$ns/hostdev/$n" "/dev/$n"
done
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
: >/dev/log
mount --bind "$sock" /dev/log
[ -S /dev/log ]
: >"$ns/ready"
exec "$@"
'

# in_ns COMMAND...: run COMMAND in a fresh private mount namespace with our
# /dev/log; its status is COMMAND's.  Bails out when the namespace failed.
in_ns() {
	local rc
	rm -f "$NS/ready"
	unshare -m --propagation private -- /bin/sh -ec "$ns_setup" ns "$NS" "$SOCK" "$@" \
		2>"$NS/err"
	rc=$?
	if [ ! -e "$NS/ready" ]; then
		sed 's/^/# /' "$NS/err" >&3
		bail "cannot set up the mount namespace with a private /dev/log (unshare -m, mount)"
	fi
	cat "$NS/err" >&2
	return "$rc"
}

# collect: the datagrams received since the last collect, in DGRAMS.
# sendas has sent its datagram when it exits, but the listener may not
# have stored it yet: we send a marker of our own into the same socket and
# wait for it, so that everything sent before it has been stored.
marks=0 seen=0
collect() {
	local mark f i n
	marks=$((marks + 1))
	mark="sendas-test-marker $marks"
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), sys.argv[1])' \
		"$SOCK" "$mark" || bail "cannot send a marker to the listener"
	f=
	for _ in $(seq 200); do
		f=$(grep -lxF -- "$mark" "$RCV"/[0-9]* 2>/dev/null) && break
		sleep 0.05
	done
	[ -n "$f" ] || bail "the listener did not store our marker"
	n=$((10#${f##*/}))
	DGRAMS=()
	for ((i = seen + 1; i < n; i++)); do
		DGRAMS+=("$(cat "$RCV/$(printf %06d "$i")")")
	done
	seen=$n
}

# accounts FILE [LINE...]: alice's login for every address of the domain
# (so bob@ is refused at RCPT), and the logfile.
accounts() {
	local file=$1; shift
	bed_account_defaults
	account_file "$file" alice "from=*@$BED_DOMAIN" "logfile=$LOG" "$@"
}

message() {  # message FROM
	printf 'From: %s\nTo: %s\nSubject: syslog\nMessage-ID: <%s@example.test>\n\nhello\n' \
		"$1" "$BED_USER2" "$MSGID"
}

# send NAME INI FROM [OPTION...] RCPT...: in the namespace; sets RC,
# ERR, DGRAMS (what syslog got), FILELINE (the logfile's new line) and
# MSGID.  Everything sendas printed is kept in ALL, for the secret search.
ALL=$T/everything
: >"$ALL"
send() {
	local name=$1 ini=$2 from=$3; shift 3
	local lines
	MSGID="syslog$RANDOM$RANDOM"
	lines=$( (wc -l <"$LOG") 2>/dev/null || echo 0)
	message "$from" >"$T/in"
	in_ns "$SENDAS" -C "$ini" -f "$from" "$@" <"$T/in" >"$T/out" 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
	cat "$T/out" "$T/err" >>"$ALL"
	collect
	FILELINE=$(tail -n +$((lines + 1)) "$LOG" 2>/dev/null)
	local first=${DGRAMS[0]-}
	diag "$name: exit $RC, ${#DGRAMS[@]} datagram(s): ${first:0:300}"
}

# decode DATAGRAM: sets PRI, FACILITY.SEVERITY in PRIO, IDENT, PID, MSG.
# glibc sends "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE" (RFC 3164 without
# a host name; the daemon adds that).
facilities=(kern user mail daemon auth syslog lpr news uucp cron authpriv ftp
	    x12 x13 x14 x15 local0 local1 local2 local3 local4 local5 local6 local7)
severities=(emerg alert crit err warning notice info debug)
decode() {
	PRI='' PRIO='' IDENT='' PID='' MSG=
	[[ $1 =~ ^\<([0-9]{1,3})\>[A-Z][a-z]{2}\ [\ 0-9][0-9]\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ ([^[:space:][]+)\[([0-9]+)\]:\ (.*)$ ]] ||
		return 1
	PRI=${BASH_REMATCH[1]} IDENT=${BASH_REMATCH[2]} PID=${BASH_REMATCH[3]} MSG=${BASH_REMATCH[4]}
	PRIO=${facilities[PRI >> 3]:-?}.${severities[PRI & 7]}
}

# check NAME PRIO FORMAT-REGEX: the send left exactly one datagram, with
# priority PRIO, ident sendas, the PID of the logfile line (the same
# process), and the logfile line's text, which matches FORMAT-REGEX.
check() {
	local name=$1 prio=$2 format=$3 fpid fmsg
	is "${#DGRAMS[@]}" 1 "$name: one datagram for the message"
	decode "${DGRAMS[0]-}"
	ok $? "$name: it is <PRI>timestamp ident[pid]: message"
	is "$PRIO" "$prio" "$name: <$PRI> is $prio"
	is "$IDENT" sendas "$name: the ident is sendas"
	fpid='' fmsg=
	[[ $FILELINE =~ ^[0-9T:-]+Z\ sendas\[([0-9]+)\]:\ (.*)$ ]] &&
		fpid=${BASH_REMATCH[1]} fmsg=${BASH_REMATCH[2]}
	is "$PID" "$fpid" "$name: the PID is the one in the logfile line"
	is "$MSG" "$fmsg" "$name: the text is the logfile line's"
	like "$MSG" "$format" "$name: the line has the documented fields"
}

# 0. The namespace works and stays private.
in_ns /bin/sh -c 'stat -L -c "%d:%i:%F" /dev/log; : >/dev/null && echo null-ok' >"$T/out"
is "$(cat "$T/out")" "$(stat -c '%d:%i:%F' "$SOCK")
null-ok" "in the namespace /dev/log is the listener's socket, /dev/null still works"
is "$(host_devlog)" "$host_devlog_before" "the host's /dev/log is untouched"
ok "$(grep -q sendas-syslog-test /proc/self/mountinfo && echo 1 || echo 0)" \
	"the namespace's mounts are not seen outside it"

host="host=$BED_NAME:$BED_SUBMISSION_PORT"

# 1. Sent, syslog = on: mail.info.  auth = PLAIN, so the secret search
#    below has the base64 of "\0user\0password" to look for.
accounts "$T/on.ini" "syslog = on" "auth = PLAIN"
send "sent, on" "$T/on.ini" "$BED_USER1" -v "$BED_USER2"
is "$RC" 0 "sent, on: exit 0"
like "$ERR" '^--> AUTH PLAIN' "sent, on: it logged in with AUTH PLAIN"
check "sent, on" mail.info \
	"^status=sent account=alice $host sender=<$BED_USER1> rcpts=<$BED_USER2> size=[0-9]+ msgid=<$MSGID@example.test> reply=\"250 2\.0\.0 Ok: [0-9]+ bytes queued as [0-9A-F]+\" duration_ms=[0-9]+$"
[[ $MSG =~ size=([0-9]+).*Ok:\ ([0-9]+)\ bytes ]]
is "${BASH_REMATCH[1]-}" "${BASH_REMATCH[2]-none}" "sent, on: size= is the size Postfix received"
f=$(maildir_wait "$BED_USER2" 1)
like "$(cat "$f" 2>/dev/null)" "^Message-ID: <$MSGID@example.test>$" "sent, on: and it was delivered"

# 2. Sender refused at RCPT, same account: mail.warning, with category,
#    step and Postfix's reply.
send "refused, on" "$T/on.ini" "bob@$BED_DOMAIN" "$BED_USER2"
is "$RC" 77 "refused, on: exit 77"
check "refused, on" mail.warning \
	"^status=bounced category=sender-refused step=RCPT account=alice $host sender=<bob@$BED_DOMAIN> rcpts=<$BED_USER2> size=[0-9]+ msgid=<$MSGID@example.test> reply=\"553 5\.7\.1 <bob@$BED_DOMAIN>: Sender address rejected: not owned by user $BED_USER1\" duration_ms=[0-9]+$"

# 3. Other spellings and facilities: yes is mail too; LOG_LOCAL3 and
#    (case does not matter) log_local7, LOG_USER.
accounts "$T/yes.ini" "syslog = yes"
send "sent, yes" "$T/yes.ini" "$BED_USER1" "$BED_USER2"
is "$RC" 0 "sent, yes: exit 0"
check "sent, yes" mail.info "^status=sent account=alice $host "
accounts "$T/local3.ini" "syslog = LOG_LOCAL3"
send "sent, LOG_LOCAL3" "$T/local3.ini" "$BED_USER1" "$BED_USER2"
is "$RC" 0 "sent, LOG_LOCAL3: exit 0"
check "sent, LOG_LOCAL3" local3.info "^status=sent account=alice $host "
is "$PRI" 158 "sent, LOG_LOCAL3: <158> (19 * 8 + 6)"
accounts "$T/local7.ini" "syslog = log_local7"
send "refused, log_local7" "$T/local7.ini" "bob@$BED_DOMAIN" "$BED_USER2"
is "$RC" 77 "refused, log_local7: exit 77"
check "refused, log_local7" local7.warning "^status=bounced category=sender-refused step=RCPT "
is "$PRI" 188 "refused, log_local7: <188> (23 * 8 + 4)"
accounts "$T/user.ini" "syslog = LOG_USER"
send "sent, LOG_USER" "$T/user.ini" "$BED_USER1" "$BED_USER2"
is "$RC" 0 "sent, LOG_USER: exit 0"
check "sent, LOG_USER" user.info "^status=sent account=alice $host "

# 4. syslog = off and no syslog key: nothing reaches syslog, while the
#    logfile still gets its line (so the send did log).
for setting in "syslog = off" ""; do
	accounts "$T/off.ini" "$setting"
	send "${setting:-no syslog key}" "$T/off.ini" "$BED_USER1" "$BED_USER2"
	is "$RC:${#DGRAMS[@]}" 0:0 "${setting:-no syslog key}: sent, no datagram"
	like "$FILELINE" "sendas\[[0-9]+\]: status=sent " "${setting:-no syslog key}: the logfile has the line"
done

# 5. A value that is not a facility as msmtp names it (mail without LOG_)
#    is a configuration error, named, and nothing is sent or logged.
accounts "$T/bad.ini" "syslog = mail"
send "syslog = mail" "$T/bad.ini" "$BED_USER1" "$BED_USER2"
ok "$([ "$RC" -ne 0 ] && echo 0 || echo 1)" "syslog = mail: refused (exit $RC)"
like "$ERR" 'syslog = "mail" is not on, off, or a facility' "syslog = mail: the error names the value"
is "${#DGRAMS[@]}" 0 "syslog = mail: no datagram"

# 6. A line longer than REPORT_LOG_LINE_MAX (4096): cut, ending in "...",
#    still one datagram, the same as the logfile's.  300 recipients make
#    it long; the bed knows three users and sendas drops duplicates, so
#    this one goes to our scripted test server (tests/server), no TLS.
rcpts=()
for i in $(seq -w 300); do rcpts+=("r$i@example.net"); done
{
	printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
	printf 'expect MAIL FROM:<a@example.test>*\nsend 250 2.1.0 ok\n'
	printf 'expect RCPT TO:<%s>*\nsend 250 2.1.5 ok\n' "${rcpts[@]}"
	printf 'expect DATA\nsend 354 go\nexpect-data\nsend 250 2.0.0 queued\n'
	printf 'expect QUIT\nsend 221 bye\n'
} >"$T/long.script"
"$TESTSERVER" --script "$T/long.script" --record "$T/long.record" \
	--port-file "$T/long.port" --timeout 10 >"$T/long.server" 2>&1 &
server_pid=$!
server_cleanup=${#cleanups[@]}
cleanups+=("kill $server_pid")
wait_for "$server_pid" -s "$T/long.port" || diag "the test server did not start"
printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\nlogfile = %s\nsyslog = on\n' \
	"$(cat "$T/long.port" 2>/dev/null)" "$LOG" | write_accounts "$T/long.ini"
send "long" "$T/long.ini" a@example.test "${rcpts[@]}"
is "$RC" 0 "long: exit 0"
wait "$server_pid"
ok $? "long: the test server saw all 300 recipients"
cleanups[server_cleanup]=:
check "long" mail.info \
	"^status=sent account=a host=127\.0\.0\.1:[0-9]+ sender=<a@example.test> rcpts=<r001@example.net>,<r002@example.net>,"
is "${#MSG}" 4096 "long: the text is cut at 4096 bytes"
like "$MSG" '\.\.\.$' "long: and ends in ..."

# 7. Deferred (Postfix's 450 for tempfail@): mail.warning, status=deferred.
#    Last, because a later send would flush the queued message.
send "deferred" "$T/on.ini" "$BED_USER1" "$BED_TEMPFAIL_RCPT"
is "$RC" 75 "deferred: exit 75"
check "deferred" mail.warning \
	"^status=deferred category=temporary step=RCPT account=alice $host sender=<$BED_USER1> rcpts=<$BED_TEMPFAIL_RCPT> size=[0-9]+ msgid=<$MSGID@example.test> reply=\"450 4\.2\.0 <$BED_TEMPFAIL_RCPT>: Recipient address rejected: try again later\" duration_ms=[0-9]+$"

# 8. No password, nor any base64 form of it, in anything syslog received
#    (nor in sendas's output or the logfile, while we are at it).
collect
received=$(find "$RCV" -name '[0-9]*' | grep -c .)
cat "$LOG" >>"$ALL"
secrets=$(secret_forms "$BED_USER1" "$BED_PASS1")
found=0
while IFS= read -r s; do
	grep -rqF -- "$s" "$RCV" "$ALL" && { found=1; diag "found a secret form: $s"; }
done <<<"$secrets"
is "$found" 0 "no password, nor any base64 form of it, in any datagram, output or log line"
ok "$([ "$(grep -c . <<<"$secrets")" -ge 4 ] && [ "$received" -ge 12 ] &&
	grep -q '^--> AUTH PLAIN' "$ALL" && echo 0 || echo 1)" \
	"the secret search had forms to look for, $received datagrams and an AUTH PLAIN transcript"

# 9. The listener is ours to stop: it ends, and nothing is left bound.
kill "$listener_pid"
wait "$listener_pid" 2>/dev/null
cleanups[listener_cleanup]=:   # reaped: its PID is no longer ours to kill
ok "$(kill -0 "$listener_pid" 2>/dev/null && echo 1 || echo 0)" "the listener is stopped"
is "$(host_devlog)" "$host_devlog_before" "the host's /dev/log is still untouched"

done_testing
