#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Interop with a real provider: Postfix + Dovecot on loopback (tests/beds).
# Real TLS, real AUTH with every mechanism the bed offers, Postfix's real
# sender rejection, and the delivered bytes read back from the maildir.
. "$(dirname "$0")/../lib.sh"
bed_start

# accounts FILE [extra lines for alice]: alice, bob and carol, each with
# their own login and address, on the submission port.
accounts() {
	local file=$1; shift
	{
		printf '[defaults]\nhost = %s\nport = %s\ntls = starttls\ntls_trust_file = %s\n\n' \
			"$BED_NAME" "$BED_SUBMISSION_PORT" "$BED_CA"
		printf '[account alice]\nuser = %s\npassword_file = %s\nfrom = %s\n' \
			"$BED_USER1" "$T/alice.pass" "$BED_USER1"
		printf '%s\n' "$@"
		printf '\n[account bob]\nuser = %s\npassword_file = %s\nfrom = %s\n' \
			"$BED_USER2" "$T/bob.pass" "$BED_USER2"
		printf '\n[account carol]\nuser = %s\npassword_file = %s\nfrom = *@carol.example, %s\n' \
			"$BED_USER3" "$T/carol.pass" "$BED_USER3"
	} | write_accounts "$file"
}
( umask 077
  printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf '%s\n' "$BED_PASS2" >"$T/bob.pass"
  printf '%s\n' "$BED_PASS3" >"$T/carol.pass" )
accounts "$T/acc.ini"

# A message with what breaks naive clients: lines that start with a dot, a
# lone dot, a 990-octet line, UTF-8, a line with trailing spaces.
long=$(head -c 990 /dev/zero | tr '\0' 'x')
message() {  # message FROM TO SUBJECT
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n' \
		"$1" "$2" "$3" "$RANDOM$RANDOM"
	printf '.starts with a dot\n.\n..two dots\n%s\nGrüße aus Köln: ✓\ntrailing spaces   \nend\n' "$long"
}

# same_content SENT DELIVERED: what Postfix stored, from our first header on
# (it prepends Return-Path, Delivered-To, Received...), equals what we sent.
same_content() {
	local first
	first=$(head -1 "$1")
	awk -v first="$first" 'found || $0 == first { found = 1; print }' "$2" >"$T/stored"
	cmp -s "$1" "$T/stored"
}

send_and_compare() {  # send_and_compare NAME PORT TLS USER-INDEX
	local name=$1 n
	message "$BED_USER1" "$BED_USER2" "$name" >"$T/sent"
	n=$(maildir_files "$BED_USER2" | grep -c .)
	shift
	"$SENDAS" -C "$T/acc.ini" "$@" -f "$BED_USER1" "$BED_USER2" <"$T/sent" 2>"$T/err"
	ok $? "$name: sendas exits 0"
	f=$(maildir_wait "$BED_USER2" $((n + 1)))
	same_content "$T/sent" "$f"
	ok $? "$name: the delivered message is byte for byte what was sent"
}

# 1. STARTTLS on the submission port, and implicit TLS.
send_and_compare "STARTTLS on the submission port" -i
accounts "$T/acc465.ini" "port = $BED_SMTPS_PORT" "tls = implicit"
cp "$T/acc465.ini" "$T/acc.ini.465"
message "$BED_USER1" "$BED_USER2" "implicit" >"$T/sent"
n=$(maildir_files "$BED_USER2" | grep -c .)
"$SENDAS" -C "$T/acc465.ini" -i -f "$BED_USER1" "$BED_USER2" <"$T/sent" 2>"$T/err"
ok $? "implicit TLS: sendas exits 0"
same_content "$T/sent" "$(maildir_wait "$BED_USER2" $((n + 1)))"
ok $? "implicit TLS: the delivered message is byte for byte what was sent"

# 2. Every mechanism the bed offers logs in; CRAM-MD5 only when configured.
for mech in plain login cram-md5 scram-sha-1 scram-sha-256; do
	accounts "$T/mech.ini" "auth = $mech"
	message "$BED_USER1" "$BED_USER3" "mech $mech" | \
		"$SENDAS" -v -C "$T/mech.ini" -f "$BED_USER1" "$BED_USER3" 2>"$T/err"
	ok $? "AUTH $mech logs in and the message is accepted"
	like "$(cat "$T/err")" "authenticating as alice@example.test with ${mech^^}" \
		"AUTH $mech was the mechanism used"
done
message "$BED_USER1" "$BED_USER3" "auto" | "$SENDAS" -v -C "$T/acc.ini" "$BED_USER3" 2>"$T/err"
ok $? "with auth = auto and no -f (sender from From:) the message is accepted"
like "$(cat "$T/err")" "with PLAIN$" "auto chooses PLAIN (verified TLS, no -PLUS) from PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256"

# 3. Each account sends as itself; the bed would refuse any other login.
for who in 1 2 3; do
	user=BED_USER$who
	message "${!user}" "$BED_USER1" "as ${!user}" | "$SENDAS" -v -C "$T/acc.ini" "$BED_USER1" 2>"$T/err"
	ok $? "sender ${!user} goes out with its own login"
	like "$(cat "$T/err")" "authenticating as ${!user} " "the login for ${!user} is ${!user}"
done
message "x@carol.example" "$BED_USER1" "pattern" | "$SENDAS" -C "$T/acc.ini" "$BED_USER1" 2>"$T/err"
rc=$?
is "$rc" 77 "x@carol.example matches carol's *@carol.example, and Postfix refuses it: 77"
like "$(cat "$T/err")" "Sender address rejected: not owned by user carol@example.test" \
	"Postfix's own rejection is shown verbatim"

# 4. A sender with no account is refused before any connection.
before=$(grep -c 'connect from' "$BED_POSTFIX_LOG")
message "mallory@elsewhere.example" "$BED_USER1" "none" | "$SENDAS" -C "$T/acc.ini" "$BED_USER1" 2>"$T/err"
is "$?" 77 "a sender no account may use: exit 77"
like "$(head -1 "$T/err")" "no account in .* may send as mallory@elsewhere.example" "the first line names the sender"
is "$(grep -c 'connect from' "$BED_POSTFIX_LOG")" "$before" "no connection was made for it"

# 5. Forcing the wrong account (-a): Postfix's real rejection, at RCPT and at MAIL.
message "$BED_USER2" "$BED_USER1" "wrong" >"$T/sent"
"$SENDAS" -C "$T/acc.ini" -a alice -f "$BED_USER2" "$BED_USER1" <"$T/sent" 2>"$T/err"
is "$?" 77 "bob's address through alice's login: exit 77"
like "$(cat "$T/err")" "^    553 5\.7\.1 <bob@example\.test>: Sender address rejected: not owned by user alice@example\.test$" \
	"the server's reply, verbatim"
like "$(cat "$T/err")" "step: RCPT" "Postfix refuses at RCPT (smtpd_delay_reject=yes)"
accounts "$T/early.ini" "port = $BED_EARLY_PORT"
"$SENDAS" -C "$T/early.ini" -a alice -f "$BED_USER2" "$BED_USER1" <"$T/sent" 2>"$T/err"
is "$?" 77 "on a port with smtpd_delay_reject=no: exit 77 too"
like "$(cat "$T/err")" "step: MAIL" "there Postfix refuses at MAIL"

# 6. A wrong password.
( umask 077; printf "wrong password\n" >"$T/bad.pass" )
accounts "$T/bad.ini"
sed -i "s|$T/alice.pass|$T/bad.pass|" "$T/bad.ini"
message "$BED_USER1" "$BED_USER2" "bad" | "$SENDAS" -C "$T/bad.ini" "$BED_USER2" 2>"$T/err"
is "$?" 77 "a wrong password: exit 77"
like "$(cat "$T/err")" "^    535 5\.7\.8 " "Dovecot's 535 is shown"

# 7. Certificates: wrong name, expired, untrusted all fail before any AUTH.
for kind in WRONGNAME EXPIRED UNTRUSTED; do
	port=BED_${kind}_PORT
	accounts "$T/cert.ini" "port = ${!port}"
	before=$(grep -c 'sasl_method' "$BED_POSTFIX_LOG")
	message "$BED_USER1" "$BED_USER2" "cert" | "$SENDAS" -v -C "$T/cert.ini" "$BED_USER2" 2>"$T/err"
	rc=$?
	is "$rc" 69 "${kind,,} certificate: exit 69"
	like "$(head -1 "$T/err" | grep -v '^[-<*]'; grep '^sendas:' "$T/err")" "cannot trust the certificate" \
		"${kind,,} certificate: the reason is given"
	! grep -q '^--> AUTH' "$T/err"
	ok $? "${kind,,} certificate: no AUTH was sent"
done
like "$(grep '^sendas:' "$T/err")" "not signed by a trusted authority" "the untrusted one says why"

# 8. The pinned fingerprint replaces the CA.
accounts "$T/pin.ini" "tls_fingerprint = $BED_FINGERPRINT" "port = $BED_SUBMISSION_PORT"
sed -i '/^tls_trust_file/d' "$T/pin.ini"
message "$BED_USER1" "$BED_USER2" "pin" | "$SENDAS" -C "$T/pin.ini" "$BED_USER2" 2>"$T/err"
ok $? "a pinned fingerprint is enough to trust the bed's certificate"

done_testing
