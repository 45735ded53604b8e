#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# OAuth end to end: XOAUTH2 and OAUTHBEARER, which sendas writes by hand
# (src/wire/auth.c), against a real server: Dovecot 2.3's oauth2 passdb behind
# Postfix, on the bed's BED_OAUTH_PORT, where Dovecot asks the bed's RFC 7662
# introspection endpoint about every token (tests/beds/postfix-bed).
# With each mechanism: a good token delivers; an expired token, another
# user's token and an unknown token are refused with exit 77 and a report that
# says who refused which login (with the server's decoded JSON error where
# Dovecot sends one); the token is in none of stderr, the -v transcript, the
# --json output and the kept copy.  Then the automatic choice: a token account
# takes OAUTHBEARER where it is offered and, where only password mechanisms
# are, says so without advising one it cannot use; a password account on the
# OAuth port still takes SCRAM.  The unit tests (tests/unit/test_auth.c) pin
# the exact bytes; this proves a real server accepts them.
. "$(dirname "$0")/../lib.sh"
bed_start
SCHEMA=$top_srcdir/tests/data/result.schema.json

for v in BED_OAUTH_PORT BED_OAUTH_TOKEN1 BED_OAUTH_TOKEN2 BED_OAUTH_EXPIRED BED_OAUTH_LOG; do
	[ -n "${!v:-}" ] || { echo "Bail out! the bed defines no $v (tests/beds/postfix-bed)"; exit 1; }
done

unknown_token=ya29.$(head -c 96 /dev/urandom | base64 -w0 | tr '+/' '-_')
( umask 077
  printf '%s\n' "$BED_OAUTH_TOKEN1" >"$T/alice.token"
  printf '%s\n' "$BED_OAUTH_TOKEN2" >"$T/bob.token"
  printf '%s\n' "$BED_OAUTH_EXPIRED" >"$T/expired.token"
  printf '%s\n' "$unknown_token" >"$T/unknown.token" )

# leak_patterns TOKEN...: fixed strings that betray a token: the token, and a
# middle piece of its base64 at each of the 3 alignments, which any base64
# holding it (the AUTH line, however the token is framed) contains.
leak_patterns() {
	local t k b64
	for t in "$@"; do
		printf '%s\n' "$t"
		for k in 0 1 2; do
			b64=$(printf '%*s%s' "$k" "" "$t" | base64 -w0)
			printf '%s\n' "${b64:8:48}"
		done
	done
}
leak_patterns "$BED_OAUTH_TOKEN1" "$BED_OAUTH_TOKEN2" "$BED_OAUTH_EXPIRED" \
	"$unknown_token" >"$T/leaks"
printf 'user=%s\001auth=Bearer %s\001\001' "$BED_USER1" "$BED_OAUTH_TOKEN1" |
	base64 -w0 | grep -qF -f "$T/leaks"
ok $? "the leak check finds a token in an XOAUTH2 initial response"
printf 'n,a=%s,\001host=%s\001port=%s\001auth=Bearer %s\001\001' "$BED_USER1" \
	"$BED_NAME" "$BED_OAUTH_PORT" "$BED_OAUTH_EXPIRED" | base64 -w0 | grep -qF -f "$T/leaks"
ok $? "  and in an OAUTHBEARER one"

# account USER PORT TOKEN-FILE [AUTH]: the account file $T/acc.ini, account
# named after USER's local part; the token comes from a command, as in real use.
account() {
	{
		printf '[account %s]\nhost = %s\nport = %s\ntls_trust_file = %s\nuser = %s\nfrom = %s\n' \
			"${1%%@*}" "$BED_NAME" "$2" "$BED_CA" "$1" "$1"
		printf "oauth_token_command = cat '%s'\n" "$3"
		[ -z "${4:-}" ] || printf 'auth = %s\n' "$4"
	} | write_accounts "$T/acc.ini"
}

# send FROM SUBJECT: FROM to carol through $T/acc.ini, with -v (transcript on
# stderr) and --json (stdout); sets RC, OUT, ERR.
send() {
	run_sendas "$(printf 'From: %s\nTo: %s\nSubject: %s\n\noauth interop\n' "$1" "$BED_USER3" "$2")" \
		-v --json -C "$T/acc.ini" "$BED_USER3"
}

json_field() {  # json_field PYTHON-EXPRESSION-ON-o: from the first line of stdout
	python3 -c 'import json,sys; o=json.loads(sys.stdin.readline()); print('"$1"')' <"$T/out"
}

valid_json() {  # valid_json WHAT: stdout against the schema
	python3 "$top_srcdir/tests/json-check.py" "$SCHEMA" "$T/out" 2>"$T/json.err"
	ok $? "$1: --json output is valid"
	sed 's/^/#   /' "$T/json.err" | head -5
}

mkdir -p "$XDG_STATE_HOME"
no_leak() {  # no_leak WHAT (grep: 1 is "no match"; 2, an error, is no proof)
	grep -rqF -f "$T/leaks" "$T/out" "$T/err" "$XDG_STATE_HOME"
	[ $? -eq 1 ]
	ok $? "$1: no token in stderr (report, -v transcript), --json output or kept copies"
}

show_err() { [ "$1" = "$2" ] || sed 's/^/#   /' "$T/err" | grep -v '^#   \*\*\*' | head -20; }

count() { grep -cF -- "$2" "$1" || :; }  # count FILE STRING

delivered=0
# XOAUTH2's and OAUTHBEARER's refusal as Dovecot 2.3 words it (RFC 7628 3.2.2;
# Google's XOAUTH2 form), base64 in a 334 challenge.
declare -A refusal=(
	[XOAUTH2]='{"status":"401","schemes":"bearer","scope":"mail"}'
	[OAUTHBEARER]='{"status":"invalid_token"}'
)

for mech in XOAUTH2 OAUTHBEARER; do
	# 1. A good token: delivered, and Postfix saw the login with this mechanism.
	account "$BED_USER1" "$BED_OAUTH_PORT" "$T/alice.token" "$mech"
	asked=$(count "$BED_OAUTH_LOG" "active token of $BED_USER1")
	send "$BED_USER1" "oauth $mech good token"
	is "$RC" 0 "$mech, alice's token: sendas exits 0"
	show_err "$RC" 0
	like "$ERR" "^--> AUTH $mech \[redacted\]\$" "  -v shows AUTH $mech, redacted"
	like "$ERR" "^<-- 235 2\.7\.0 Authentication successful" "  the server accepts it"
	delivered=$((delivered + 1))
	file=$(maildir_wait "$BED_USER3" "$delivered")
	ok $? "  delivered to carol's maildir"
	grep -qx "Subject: oauth $mech good token" "$file" 2>/dev/null
	ok $? "  the delivered message is this one"
	grep -q "sasl_method=$mech, sasl_username=$BED_USER1\$" "$BED_POSTFIX_LOG"
	ok $? "  Postfix logged the login: sasl_method=$mech, sasl_username=$BED_USER1"
	[ "$(count "$BED_OAUTH_LOG" "active token of $BED_USER1")" -gt "$asked" ]
	ok $? "  Dovecot asked the introspection endpoint about it"
	is "$(json_field 'o["status"], o["exit_code"], o["auth_mechanism"], o["login"]')" \
		"sent 0 $mech $BED_USER1" "  --json: sent, exit 0, auth_mechanism $mech, login"
	no_leak "$mech, good token"

	# 2. An expired token (the endpoint: active false): Dovecot answers with
	# the JSON error challenge, sendas sends the mechanism's dummy response
	# and gets the final 535.
	account "$BED_USER1" "$BED_OAUTH_PORT" "$T/expired.token" "$mech"
	failed=$(count "$BED_POSTFIX_LOG" "SASL $mech authentication failed")
	send "$BED_USER1" "oauth $mech expired token"
	is "$RC" 77 "$mech, alice's expired token: exit 77 (authentication failed)"
	show_err "$RC" 77
	like "$ERR" "^sendas: localhost refused the login $BED_USER1 at AUTH \(authentication failed\)\$" \
		"  the report names the server, the login and the step"
	like "$ERR" "^    535 5\.7\.8 Error: authentication failed" "  and quotes the server's 535"
	grep -qF "  the server explained: ${refusal[$mech]}; oauth_token_command must print" "$T/err"
	ok $? "  and its decoded JSON error: ${refusal[$mech]}"
	like "$ERR" "^<-- 334 $(printf '%s' "${refusal[$mech]}" | base64 -w0)\$" \
		"  (-v: the error challenge, as base64, then the dummy response)"
	like "$ERR" "^  account: alice\$" "  the account is named"
	[ "$(count "$BED_POSTFIX_LOG" "SASL $mech authentication failed")" -gt "$failed" ]
	ok $? "  Postfix logged a failed $mech login"
	is "$(json_field 'o["status"], o["category"], o["exit_code"], o["step"], o["auth_mechanism"], o["reply"]["code"]')" \
		"bounced auth-failed 77 AUTH $mech 535" "  --json: auth-failed, 77, step AUTH, $mech, 535"
	like "$(json_field 'o["detail"]')" "^the server explained: $(printf '%s' "${refusal[$mech]}" | sed 's/[][{}.*^$]/\\&/g');" \
		"  --json: the decoded JSON error as detail"
	valid_json "$mech, expired token"
	no_leak "$mech, expired token"

	# 3. A good token, but for another user: Dovecot compares the
	# introspected user name with the login.
	account "$BED_USER2" "$BED_OAUTH_PORT" "$T/alice.token" "$mech"
	send "$BED_USER2" "oauth $mech alice's token for bob"
	is "$RC" 77 "$mech, bob logging in with alice's token: exit 77"
	show_err "$RC" 77
	like "$ERR" "^sendas: localhost refused the login $BED_USER2 at AUTH \(authentication failed\)\$" \
		"  the report names the login bob"
	grep -qF "  the server explained: ${refusal[$mech]};" "$T/err"
	ok $? "  and the server's JSON error"
	no_leak "$mech, another user's token"

	# 4. A token the endpoint does not know (401): Dovecot 2.3 refuses at
	# once, without the JSON error challenge.
	account "$BED_USER1" "$BED_OAUTH_PORT" "$T/unknown.token" "$mech"
	asked=$(count "$BED_OAUTH_LOG" "unknown token")
	send "$BED_USER1" "oauth $mech unknown token"
	is "$RC" 77 "$mech, an unknown token: exit 77"
	show_err "$RC" 77
	like "$ERR" "^sendas: localhost refused the login $BED_USER1 at AUTH \(authentication failed\)\$" \
		"  the report names the server, the login and the step"
	like "$ERR" "^    535 5\.7\.8 " "  and quotes the 535"
	[ "$(count "$BED_OAUTH_LOG" "unknown token")" -gt "$asked" ]
	ok $? "  (the endpoint was asked and did not know it)"
	no_leak "$mech, unknown token"
done

# None of the refused ones was delivered.
sleep 0.3
is "$(maildir_files "$BED_USER3" | grep -c .)" "$delivered" "only the good tokens' messages arrived"
grep -qF -f "$T/leaks" "$BED_POSTFIX_LOG"
[ $? -eq 1 ]
ok $? "the token is not in Postfix's log either (AUTH lines are not logged)"

# 5. Automatic choice: bob's account with a token and no auth key takes
# OAUTHBEARER on the OAuth port (which offers both, and the passwords').
account "$BED_USER2" "$BED_OAUTH_PORT" "$T/bob.token"
send "$BED_USER2" "oauth auto"
is "$RC" 0 "a token account without auth (auto) on the OAuth port: sent"
show_err "$RC" 0
like "$ERR" "^<-- 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER\$" \
	"  the OAuth port offers the password mechanisms, XOAUTH2 and OAUTHBEARER"
is "$(json_field 'o["auth_mechanism"]')" OAUTHBEARER "  auto takes OAUTHBEARER"
delivered=$((delivered + 1))
maildir_wait "$BED_USER3" "$delivered" >/dev/null
ok $? "  delivered"
grep -q "sasl_method=OAUTHBEARER, sasl_username=$BED_USER2\$" "$BED_POSTFIX_LOG"
ok $? "  Postfix saw bob log in with OAUTHBEARER"
no_leak "auto, bob's token"

# 6. The same account on the submission port, which offers no OAuth: refused
# before AUTH, saying what the server offers and what sendas would take, and
# not advising CRAM-MD5 (it takes a password, never the token).
account "$BED_USER2" "$BED_SUBMISSION_PORT" "$T/bob.token"
asked=$(grep -c . "$BED_OAUTH_LOG")
send "$BED_USER2" "oauth no oauth offered"
is "$RC" 77 "a token account on a port without OAuth: exit 77 (authentication required)"
like "$ERR" "^<-- 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256\$" \
	"  (the other ports offer exactly the password mechanisms)"
like "$ERR" "the server offers AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256, but sendas would accept only OAUTHBEARER XOAUTH2" \
	"  the report says what is offered and what sendas would accept"
! grep -q "to use CRAM-MD5" "$T/err"
ok $? "  and does not advise CRAM-MD5, which cannot use a token"
! grep -q '^--> AUTH' "$T/err"
ok $? "  no AUTH was sent"
is "$(json_field 'o["category"], o["exit_code"]')" "auth-required 77" "  --json: auth-required, 77"
is "$(grep -c . "$BED_OAUTH_LOG")" "$asked" "  no token was introspected"
no_leak "no OAuth offered"

# 7. A password account on the OAuth port is not moved to OAuth.
{
	printf '[account alice]\nhost = %s\nport = %s\ntls_trust_file = %s\nuser = %s\nfrom = %s\n' \
		"$BED_NAME" "$BED_OAUTH_PORT" "$BED_CA" "$BED_USER1" "$BED_USER1"
	printf 'password_file = %s\n' "$T/alice.pass"
} | write_accounts "$T/acc.ini"
( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass" )
send "$BED_USER1" "password on the oauth port"
is "$RC" 0 "a password account on the OAuth port: sent"
show_err "$RC" 0
is "$(json_field 'o["auth_mechanism"]')" PLAIN "  with PLAIN (auto over verified TLS), as on the other ports"

done_testing
