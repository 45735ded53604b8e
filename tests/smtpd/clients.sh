#!/bin/bash
# The smarthost (sendas --smtpd) with real clients, each message checked
# at our scripted test server standing in for the provider:
#   - swaks, plain SMTP from the allowed loopback network, no login;
#   - Python's smtplib with STARTTLS (the certificate verified against the
#     test CA) and AUTH PLAIN as a yescrypt user;
#   - curl smtp:// with --ssl-reqd and AUTH as a sha512crypt user;
#   - a scripted "printer" on a network marked plaintext_auth (127.0.0.3):
#     AUTH LOGIN without TLS, restricted to the account "scanner".
# (starttls = no there: its TLS is too old).  Each is relayed once, through the account its sender selects, with a
# Received field that says how it came (ESMTP, ESMTPSA, ESMTPA), and the
# provider's reply reaches the client; each session and transaction is one
# log line with client, login, sender, account, recipients and the
# upstream reply, and no password anywhere in the log.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-smtpd.sh"

smtpd_setup 4
printf '[account scanner]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = scan@scan.test\n' \
	"$port" >>"$T/acc.ini"
chmod 600 "$T/acc.ini"
{
	printf 'app:%s\n' "$(mkhash app-secret-1 '$6$')"
	printf 'printer:%s:scanner\n' "$(mkhash printer-secret-2 '$y$')"
} >"$T/users"
chmod 600 "$T/users"
cat >"$T/smtpd.ini" <<INI
[smtpd]
listen = 127.0.0.1:0
hostname = relay.test
tls_cert_file = $certs/server.pem
tls_key_file = $certs/server.key
users_file = $T/users

[network 127.0.0.3/32]
plaintext_auth = yes
starttls = no
accounts = scanner

[network 127.0.0.1/32]
INI
smarthost_start "$T/smtpd.ini" "$T/acc.ini"
ok $? "sendas --smtpd listens (port $smtpd_port)"

msg() {  # msg SUBJECT TO
	printf 'From: a@example.test\r\nTo: %s\r\nSubject: %s\r\n' "$2" "$1"
	printf 'Message-ID: <%s@example.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n' \
		"${1// /-}"
	printf 'Hello from %s.\r\n.a line with a dot\r\n' "$1"
}

# 1. swaks
swaks --server "127.0.0.1:$smtpd_port" --helo swaks.test --from a@example.test \
	--to b1@example.net --header "Subject: via swaks" --body 'swaks body' \
	>"$T/swaks.out" 2>&1
ok $? "swaks: delivered"
like "$(cat "$T/swaks.out")" "<-  250 2.0.0 Sent through account a: .*queued as UP1" \
	"swaks sees the provider's reply to the dot"
like "$(grep -c '<-  250-STARTTLS' "$T/swaks.out")" "^1$" "STARTTLS is offered"
is "$(grep -c 'AUTH' "$T/swaks.out")" 0 "AUTH is not offered before STARTTLS"

# 2. smtplib with STARTTLS and AUTH PLAIN
msg "via smtplib" b2@example.net >"$T/m2"
python3 - "$smtpd_port" "$certs/ca.pem" "$T/m2" >"$T/py.out" 2>&1 <<'PY'
import smtplib, ssl, sys
port, ca, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
s = smtplib.SMTP("127.0.0.1", port, local_hostname="app.test", timeout=20)
s.ehlo()
print("before", "auth" in s.esmtp_features, "starttls" in s.esmtp_features)
print("starttls", s.starttls(context=ctx)[0])
s.ehlo()
print("after", s.esmtp_features.get("auth", "").strip())
print("login", s.login("app", "app-secret-1")[0])
print("send", s.sendmail("a@example.test", ["b2@example.net"], open(path, "rb").read()))
code, text = s.docmd("MAIL", "FROM:<nobody@elsewhere.test>")
print("noaccount", code, text.decode().replace("\n", " | "))
s.rset()
print("quit", s.quit()[0])
PY
ok $? "smtplib: STARTTLS, AUTH PLAIN, delivered"
out=$(cat "$T/py.out")
like "$out" "^before False True" "smtplib: before STARTTLS, no AUTH; STARTTLS offered"
like "$out" "^after PLAIN LOGIN" "smtplib: after STARTTLS, AUTH PLAIN LOGIN"
like "$out" "^login 235" "smtplib: 235 for the right password"
like "$out" "^send \{\}" "smtplib: 250 to the dot"
like "$out" "^noaccount 5[0-9][0-9] .*nobody@elsewhere\.test" "a sender no account takes: refused, named"
unlike "$out" "sendas-verdict" "... without the local socket's verdict mark (a network client)"

# 3. curl smtp:// with STARTTLS (--ssl-reqd) and AUTH
msg "via curl" b3@example.net >"$T/m3"
curl -sS --ssl-reqd --cacert "$certs/ca.pem" --user app:app-secret-1 \
	--mail-from a@example.test --mail-rcpt b3@example.net --upload-file "$T/m3" \
	"smtp://127.0.0.1:$smtpd_port/curl.test" >"$T/curl.out" 2>&1
ok $? "curl smtp:// --ssl-reqd --user: delivered"

# 4. the printer: AUTH LOGIN without TLS, from the plaintext_auth network
python3 - "$smtpd_port" >"$T/printer.out" 2>&1 <<'PY'
import sys
from raw_smtp import Raw, show
c = Raw(int(sys.argv[1]), source="127.0.0.3")
show("greeting", c.reply())
show("ehlo", c.cmd("EHLO printer.test"))
show("auth", c.cmd("AUTH LOGIN"))
show("user", c.cmd(c.b64("printer")))
show("pass", c.cmd(c.b64("printer-secret-2")))
show("again", c.cmd("AUTH PLAIN " + c.b64("\0printer\0printer-secret-2")))
show("wrongacct", c.cmd("MAIL FROM:<a@example.test>"))
show("mail", c.cmd("MAIL FROM:<scan@scan.test>"))
show("rcpt", c.cmd("RCPT TO:<b4@example.net>"))
show("midauth", c.cmd("AUTH LOGIN"))
show("data", c.cmd("DATA"))
show("dot", c.cmd("From: scan@scan.test\r\nSubject: via printer\r\n\r\nscan.pdf\r\n."))
show("quit", c.cmd("QUIT"))
PY
out=$(cat "$T/printer.out")
like "$out" "^ehlo 250 .*250-AUTH PLAIN LOGIN" "printer network: AUTH offered without TLS"
unlike "$out" "^ehlo .*STARTTLS" "printer network (starttls = no): no STARTTLS offered"
like "$out" "^auth 334 334 VXNlciBOYW1l" "AUTH LOGIN asks for the user name (GNU SASL's \"User Name\")"
like "$out" "^user 334 334 UGFzc3dvcmQ=" "... then for the password"
like "$out" "^pass 235 " "the printer logs in without TLS"
like "$out" "^again 503 503 5\.5\.1 Already authenticated" "a second AUTH: 503 5.5.1"
like "$out" "^midauth 503 503 5\.5\.1 " "AUTH inside a transaction: 503 5.5.1"
like "$out" "^wrongacct 550 550 5\.7\.1 Sender <a@example\.test>: the account a may not be used" \
	"the printer may not use another account (550 5.7.1)"
like "$out" "^mail 250 250 2\.1\.0 Sender ok: account scanner" "the printer's own account"
like "$out" "^dot 250 250 2\.0\.0 Sent through account scanner: .*queued as UP4" \
	"the printer's scan is delivered"

smarthost_stop
is "$smtpd_rc" 0 "SIGTERM ends the smarthost, exit 0"
wait "$server_pid"
ok $? "the provider saw exactly the four messages it expected"
rec=$(cat "$T/up.record")
for s in "via swaks" "via smtplib" "via curl" "via printer"; do
	is "$(grep -c "Subject: $s" "$T/up.record")" 1 "\"$s\" relayed once"
done
is "$(grep -c 'C: Received: from \[127\.0\.0\.1\]:' "$T/up.record")" 3 \
	"Received: from [client address] on the three messages from 127.0.0.1"
is "$(grep -c 'C: Received: from \[127\.0\.0\.3\]:' "$T/up.record")" 1 "... and the printer's"
is "$(grep -c 'by relay\.test (sendas [^)]*) with ESMTP;' "$T/up.record")" 1 \
	"swaks's message: with ESMTP"
is "$(grep -c 'with ESMTPSA;' "$T/up.record")" 2 \
	"smtplib's and curl's: with ESMTPSA (TLS and AUTH, RFC 3848)"
is "$(grep -c 'with ESMTPA;' "$T/up.record")" 1 "the printer's: with ESMTPA (AUTH without TLS)"
like "$rec" "\.\.a line with a dot" "dots are stuffed again upstream"

log=$(cat "$T/smtpd.log")
sed 's/^/# /' "$T/smtpd.log" | head -40
is "$(log_count 'event=message .*status=sent')" 4 "four transaction lines, status=sent"
like "$log" "event=message client=\[127\.0\.0\.1\]:[0-9]+ sender=<a@example\.test> account=a rcpts=<b1@example\.net> size=[0-9]+ status=sent upstream=\"250 2\.0\.0 queued as UP1\"" \
	"the swaks line: client, sender, account, recipients, upstream reply"
like "$log" "event=message client=\[127\.0\.0\.1\]:[0-9]+ login=app sender=<a@example\.test> account=a rcpts=<b2@example\.net>" \
	"the smtplib line names the login"
like "$log" "event=message client=\[127\.0\.0\.3\]:[0-9]+ login=printer sender=<scan@scan\.test> account=scanner" \
	"the printer's line"
like "$log" "event=mail client=\[127\.0\.0\.3\]:[0-9]+ login=printer sender=<a@example\.test> account=a status=refused reply=\"550 5\.7\.1" \
	"the refused MAIL is logged"
is "$(log_count 'event=session .*disconnect from')" 4 "one line per session"
is "$(log_count 'event=auth .*status=ok')" 3 "three logins logged"
leaked=0
for f in $(secret_forms app app-secret-1; secret_forms printer printer-secret-2); do
	grep -qF -- "$f" "$T/smtpd.log" && leaked=1
done
is "$leaked" 0 "no password, in any encoding, in the log"
is "$(grep -c 'Sanitizer\|runtime error' "$T/smtpd.log")" 0 "no sanitizer report from any process"
done_testing
