#!/bin/bash
# The smarthost's access rules and limits, each checked at the client (its
# reply) and in the log (its line), and nothing relayed: the provider (our
# test server) expects only the one good message sent last.
#   - a client from a network not listed (127.0.0.2): 554 5.7.1 at connect;
#   - AUTH before STARTTLS on a network not marked plaintext_auth:
#     no AUTH in EHLO, 538 5.7.11 (RFC 4954);
#   - MAIL without AUTH on a require_auth network: 530 5.7.0;
#   - a wrong password: 535 5.7.8; at max_auth_failures 421 4.7.0 and the
#     connection closed, and the address refused at connect (421 4.7.0);
#   - max_connections_per_client and max_connections: 421 4.7.0 at connect;
#   - max_recipients: 452 4.5.3; SIZE= over max_message_size and content
#     over it: 552 5.3.4; max_commands: 421 4.7.0; idle_timeout and
#     session_timeout: 421 4.4.2.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-smtpd.sh"

smtpd_setup 1
printf 'app:%s\n' "$(mkhash app-secret-1 '$y$')" >"$T/users"
chmod 600 "$T/users"
mkdir "$T/etc"
cat >"$T/etc/smtpd.ini" <<INI
[smtpd]
listen = 127.0.0.1:0
tls_cert_file = $certs/server.pem
tls_key_file = $certs/server.key
users_file = $T/users
max_connections = 3
max_connections_per_client = 2
max_recipients = 2
max_message_size = 2k
max_commands = 30
idle_timeout = 2
session_timeout = 4
max_auth_failures = 2
logfile = relay.log

[network 127.0.0.1/32]
[network 127.0.0.5/32]
[network 127.0.0.6/32]
require_auth = yes
INI
smarthost_start "$T/etc/smtpd.ini" "$T/acc.ini"
ok $? "sendas --smtpd listens (port $smtpd_port)"

python3 - "$smtpd_port" "$certs/ca.pem" >"$T/py.out" 2>&1 <<'PY'
import sys, time
from raw_smtp import Raw, show
port, ca = int(sys.argv[1]), sys.argv[2]

c = Raw(port, source="127.0.0.2")
show("denied", c.reply())
print("denied-closed", c.closed())

c = Raw(port)
c.reply()
show("ehlo", c.cmd("EHLO plain.test"))
show("early-auth", c.cmd("AUTH PLAIN " + c.b64("\0app\0app-secret-1")))
c.cmd("QUIT")

c = Raw(port, source="127.0.0.6")
c.reply()
c.cmd("EHLO needsauth.test")
show("noauth-mail", c.cmd("MAIL FROM:<a@example.test>"))
c.cmd("QUIT")

c = Raw(port, source="127.0.0.5")
c.reply()
c.cmd("EHLO guess.test")
show("starttls", c.starttls(ca))
c.cmd("EHLO guess.test")
show("unknown-mech", c.cmd("AUTH CRAM-MD5"))
show("login", c.cmd("AUTH LOGIN"))
show("cancel", c.cmd("*"))
show("wrong1", c.cmd("AUTH PLAIN " + c.b64("\0app\0guess-1")))
show("wrong2", c.cmd("AUTH PLAIN " + c.b64("\0app\0guess-2")))
print("wrong2-closed", c.closed())
time.sleep(0.5)
c = Raw(port, source="127.0.0.5")
show("blocked", c.reply())

held = [Raw(port), Raw(port)]
for h in held:
    h.reply()
c = Raw(port)
show("per-client", c.reply())
held.append(Raw(port, source="127.0.0.6"))
held[-1].reply()
c = Raw(port, source="127.0.0.6")
show("overall", c.reply())
for h in held:
    h.cmd("QUIT")
time.sleep(0.5)

c = Raw(port)
c.reply()
c.cmd("EHLO many.test")
c.cmd("MAIL FROM:<a@example.test>")
show("rcpt1", c.cmd("RCPT TO:<r1@example.net>"))
show("rcpt2", c.cmd("RCPT TO:<r2@example.net>"))
show("rcpt3", c.cmd("RCPT TO:<r3@example.net>"))
show("rset", c.cmd("RSET"))
show("size", c.cmd("MAIL FROM:<a@example.test> SIZE=5000"))
c.cmd("MAIL FROM:<a@example.test>")
c.cmd("RCPT TO:<big@example.net>")
c.cmd("DATA")
show("big", c.cmd("Subject: too big\r\n\r\n" + ("x" * 70 + "\r\n") * 40 + "."))
c.cmd("QUIT")

c = Raw(port)
c.reply()
for i in range(30):
    r = c.cmd("NOOP")
show("commands", c.cmd("NOOP"))
print("commands-closed", c.closed())

c = Raw(port)
c.reply()
t0 = time.time()
show("idle", c.reply())
print("idle-after", round(time.time() - t0))

c = Raw(port)
c.reply()
t0 = time.time()
for i in range(10):
    r = c.cmd("NOOP")
    if r[0] != 250:
        break
    time.sleep(1.5)
show("total", r)
print("total-after", round(time.time() - t0))

c = Raw(port)
c.reply()
c.cmd("EHLO good.test")
c.cmd("MAIL FROM:<a@example.test>")
c.cmd("RCPT TO:<good@example.net>")
c.cmd("DATA")
show("good", c.cmd("Subject: the good one\r\n\r\nhello\r\n."))
c.cmd("QUIT")
PY
ok $? "the client script ran"
sed 's/^/# /' "$T/py.out"
out=$(cat "$T/py.out")
like "$out" "^denied 554 554 5\.7\.1 Access denied" "foreign network: 554 5.7.1 at connect"
like "$out" "^denied-closed True" "... and the connection closed"
like "$out" "^ehlo 250 .*STARTTLS" "STARTTLS offered"
unlike "$out" "^ehlo .*AUTH" "no AUTH offered before STARTTLS"
like "$out" "^early-auth 538 538 5\.7\.11 Encryption required" "AUTH before STARTTLS: 538 5.7.11"
like "$out" "^noauth-mail 530 530 5\.7\.0 Authentication required" \
	"require_auth network: MAIL without AUTH is 530 5.7.0"
like "$out" "^unknown-mech 504 504 5\.5\.4 " "a mechanism not offered: 504 5.5.4"
like "$out" "^cancel 501 501 5\.7\.0 Authentication cancelled" \
	"AUTH cancelled with *: 501 5.7.0, not counted as a failed login"
like "$out" "^wrong1 535 535 5\.7\.8 " "a wrong password: 535 5.7.8"
like "$out" "^wrong2 421 421 4\.7\.0 Too many failed logins" \
	"max_auth_failures reached: 421 4.7.0"
like "$out" "^wrong2-closed True" "... and the connection closed"
like "$out" "^blocked 421 421 4\.7\.0 Too many failed logins" \
	"the address is refused at connect afterwards"
like "$out" "^per-client 421 421 4\.7\.0 Too many connections" \
	"max_connections_per_client: 421 4.7.0"
like "$out" "^overall 421 421 4\.7\.0 Too many connections" "max_connections: 421 4.7.0"
like "$out" "^rcpt2 250 " "recipients up to max_recipients are taken"
like "$out" "^rcpt3 452 452 4\.5\.3 Too many recipients" "max_recipients + 1: 452 4.5.3"
like "$out" "^size 552 552 5\.3\.4 " "SIZE= over max_message_size: 552 5.3.4"
like "$out" "^big 552 552 5\.3\.4 Message too big" "content over max_message_size: 552 5.3.4"
like "$out" "^commands 421 421 4\.7\.0 Too many commands" "max_commands: 421 4.7.0"
like "$out" "^commands-closed True" "... and the connection closed"
like "$out" "^idle 421 421 4\.4\.2 .*timeout" "idle_timeout: 421 4.4.2"
like "$out" "^idle-after [23]$" "... after about idle_timeout seconds"
like "$out" "^total 421 421 4\.4\.2 .*timeout" \
	"session_timeout: a client that is never idle long enough still gets 421 4.4.2"
like "$out" "^total-after [45]$" "... after about session_timeout seconds"
like "$out" "^good 250 250 2\.0\.0 Sent through account a" "a good message still goes through"

smarthost_stop
is "$smtpd_rc" 0 "SIGTERM ends the smarthost, exit 0"
wait "$server_pid"
ok $? "the provider saw the good message and nothing else"
is "$(grep -c 'Subject:' "$T/up.record")" 1 "one message relayed in all"

sed 's/^/# /' "$T/smtpd.log"
l() { like "$(cat "$T/smtpd.log")" "$1" "log: $2"; }
l 'event=refused client=\[127\.0\.0\.2\]:[0-9]+ reason="network not allowed"' "foreign network"
l 'event=auth client=\[127\.0\.0\.1\]:[0-9]+ status=refused reply="538 5\.7\.11' \
	"AUTH before STARTTLS"
l 'event=mail client=\[127\.0\.0\.6\]:[0-9]+ sender=<a@example\.test> status=refused reply="530 5\.7\.0' \
	"MAIL without AUTH"
l 'event=auth client=\[127\.0\.0\.5\]:[0-9]+ status=failed failures=1 reply="535 5\.7\.8' \
	"wrong password"
l 'event=auth client=\[127\.0\.0\.5\]:[0-9]+ status=failed failures=2 reply="421 4\.7\.0' \
	"the cap on failed logins"
l 'event=refused client=\[127\.0\.0\.5\]:[0-9]+ reason=max_auth_failures' \
	"the address refused after failed logins"
l 'event=refused client=\[127\.0\.0\.1\]:[0-9]+ reason=max_connections_per_client' \
	"too many connections from one address"
l 'event=refused client=\[127\.0\.0\.6\]:[0-9]+ reason=max_connections' \
	"too many connections"
l 'detail="limit: more than 2 recipients from=<a@example\.test>: 452 4\.5\.3"' \
	"too many recipients"
l 'detail="limit: SIZE=5000 over 2048: 552 5\.3\.4"' "SIZE= too large"
l 'detail="message refused from=<a@example\.test> size>=[0-9]+: 552 5\.3\.4"' \
	"content too large"
l 'detail="limit: more than 30 commands: 421 4\.7\.0"' "too many commands"
l 'detail="disconnect from \[127\.0\.0\.1\]:[0-9]+: timeout' "idle timeout"
leaked=0
for f in $(secret_forms app guess-1; secret_forms app guess-2); do
	grep -qF -- "$f" "$T/smtpd.log" && leaked=1
done
is "$leaked" 0 "no tried password, in any encoding, in the log"
# The log file (logfile = relay.log, next to smtpd.ini): the same lines in
# the account file's log format, with a UTC time stamp.
is "$(grep -c 'smtpd event=' "$T/etc/relay.log")" "$(grep -c 'smtpd event=' "$T/smtpd.log")" \
	"logfile: every line of stderr"
like "$(cat "$T/etc/relay.log")" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z sendas\[[0-9]+\]: smtpd event=refused client=\[127\.0\.0\.2\]' \
	"logfile: time stamp, sendas[PID], the line"
is "$(stat -c %a "$T/etc/relay.log")" 600 "logfile: mode 0600"
is "$(grep -c 'Sanitizer\|runtime error' "$T/smtpd.log")" 0 "no sanitizer report from any process"
done_testing
