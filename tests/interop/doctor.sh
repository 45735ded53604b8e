#!/bin/bash
# sendas --check against the Postfix bed, one account per misconfiguration:
# a good account (every step ok, exit 0), implicit TLS on the 465 port,
# STARTTLS configured on the implicit TLS port and implicit TLS on the
# STARTTLS port (each recognised, with the fix named, in under 2 s), a
# certificate for another name, an expired one, an untrusted one (the
# tls_fingerprint line printed, and that line then works), a wrong
# password, a sender the login may not use, an unknown host, a closed port.
. "$(dirname "$0")/../lib.sh"
bed_start

( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf 'wrong %s\n' "$BED_PASS1" >"$T/wrong.pass" )

# account NAME PORT TLS [LINE...]: appended to $T/acc.ini
account() {
	local name=$1 port=$2 tls=$3; shift 3
	{
		printf '[account %s]\nhost = %s\nport = %s\ntls = %s\n' "$name" "$BED_NAME" "$port" "$tls"
		printf 'tls_trust_file = %s\nuser = %s\n' "$BED_CA" "$BED_USER1"
		printf 'from = %s\n' "$BED_USER1"
		printf '%s\n' "${@:-password_file = $T/alice.pass}"
		printf '\n'
	} >>"$T/acc.ini"
}
: >"$T/acc.ini"
account good "$BED_SUBMISSION_PORT" starttls
account smtps "$BED_SMTPS_PORT" implicit
account starttls465 "$BED_SMTPS_PORT" starttls
account implicit587 "$BED_SUBMISSION_PORT" implicit
account wrongname "$BED_WRONGNAME_PORT" starttls
account expired "$BED_EXPIRED_PORT" starttls
account untrusted "$BED_UNTRUSTED_PORT" starttls
account wrongpw "$BED_SUBMISSION_PORT" starttls "password_file = $T/wrong.pass"
account notmine "$BED_SUBMISSION_PORT" starttls
sed -i '/^\[account notmine\]/,$ s/^from = .*/from = bob@example.test/' "$T/acc.ini"
printf '[account nohost]\nhost = no-such-host.invalid\nfrom = x@example.test\n\n' >>"$T/acc.ini"
printf '[account closed]\nhost = 127.0.0.1\nport = 1\nfrom = x@example.test\n' >>"$T/acc.ini"
chmod 600 "$T/acc.ini"

# check ACCOUNT: sets RC, OUT (the table), MS (the time it took)
check() {
	local t0 t1
	t0=$(date +%s%N)
	"$SENDAS" -C "$T/acc.ini" --check "$@" >"$T/out" 2>"$T/err"
	RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	OUT=$(cat "$T/out" "$T/err")
}
step() {  # step NAME VERDICT: the line of step NAME has VERDICT
	grep -E "^  $1 +$2 " "$T/out"
}

check good
is "$RC" 0 "a good account: exit 0"
for s in DNS TCP "TLS mode" certificate AUTH sender; do
	step "$s" ok >/dev/null
	ok $? "  $s: ok"
done
like "$OUT" "^  TCP +ok +127\.0\.0\.1 port $BED_SUBMISSION_PORT in [0-9.]+ ms$" "  TCP with the time"
like "$OUT" "^  AUTH +ok +offered: PLAIN .*; logged in as $BED_USER1 with PLAIN$" \
	"  AUTH: the offer and the login"
like "$OUT" "^  certificate +ok +verified for localhost; valid until [0-9-]+ \([0-9]+ days\)$" \
	"  certificate: expiry"

check smtps
is "$RC" 0 "implicit TLS on the 465-style port: exit 0"
like "$OUT" "^  TLS mode +ok +port $BED_SMTPS_PORT waits for the TLS handshake" "  the mode is right"

check starttls465
is "$RC" 69 "STARTTLS configured on the implicit TLS port: exit 69"
like "$OUT" "^  TLS mode +failed +port $BED_SMTPS_PORT says nothing and answers a TLS handshake: it expects TLS from the start; set tls = implicit" \
	"  recognised, the fix named"
ok $((MS >= 2000)) "  in under 2 s ($MS ms)"

check implicit587
is "$RC" 69 "implicit TLS configured on the STARTTLS port: exit 69"
like "$OUT" "^  TLS mode +failed +port $BED_SUBMISSION_PORT greets in plain text, so it expects STARTTLS, not TLS from the start: set tls = starttls" \
	"  recognised, the fix named"
ok $((MS >= 2000)) "  in under 2 s ($MS ms)"

check wrongname
is "$RC" 69 "a certificate for another name: exit 69"
like "$OUT" "^  certificate +failed +cannot trust the certificate of localhost: it is for wrong\.example, not for localhost$" \
	"  the name is the reason"
like "$OUT" "^  AUTH +skipped +not reached$" "  no login after a failed certificate"

check expired
is "$RC" 69 "an expired certificate: exit 69"
like "$OUT" "^  certificate +failed +cannot trust the certificate of localhost: it has expired$" \
	"  expiry is the reason"

check untrusted
is "$RC" 69 "an untrusted (self-signed style) certificate: exit 69"
like "$OUT" "^  certificate +failed +.*not signed by a trusted authority; .*add \"tls_fingerprint = sha256:[0-9a-f]{64}\" to the account$" \
	"  the tls_fingerprint line to add is printed"
pin=$(grep -o 'tls_fingerprint = sha256:[0-9a-f]*' "$T/out")
printf '[account pinned]\nhost = %s\nport = %s\nuser = %s\npassword_file = %s\nfrom = %s\n%s\n' \
	"$BED_NAME" "$BED_UNTRUSTED_PORT" "$BED_USER1" "$T/alice.pass" "$BED_USER1" "$pin" \
	>>"$T/acc.ini"
check pinned
is "$RC" 0 "  with that line the account works"
like "$OUT" "^  certificate +ok +matches the configured tls_fingerprint" "  the pin is what verified it"

check wrongpw
is "$RC" 77 "a wrong password: exit 77"
like "$OUT" "^  AUTH +failed +offered: PLAIN .*; .*535 5\.7\.8" "  the server's refusal"
like "$OUT" "^  sender +skipped +not reached$" "  no probe after a failed login"

check notmine
is "$RC" 77 "a sender the login may not use: exit 77"
like "$OUT" "^  sender +failed +bob@example\.test refused at (MAIL|RCPT): .*not owned by user $BED_USER1" \
	"  the sender probe shows Postfix's refusal"

check nohost
is "$RC" 68 "an unknown host: exit 68"
like "$OUT" "^  DNS +failed +no-such-host\.invalid: " "  DNS failed"

check closed
is "$RC" 75 "a closed port: exit 75"
like "$OUT" "^  TCP +failed +cannot connect to 127\.0\.0\.1 port 1: Connection refused$" "  TCP failed"

check good nosuch
is "$RC" 78 "an unknown account name: exit 78"
check
ok $((RC == 0)) "every account: not 0 while one fails ($RC)"
is "$(grep -c '^account ' "$T/out")" 12 "  every account has its table"

done_testing
