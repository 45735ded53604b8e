#!/bin/bash
# Diagnostics against the real Postfix + Dovecot bed: what the user sees
# when the provider refuses (first stderr line, the reply verbatim, the
# exit code), --json against its schema, the log file, --serverinfo,
# --probe, no secret anywhere, and the German catalog.
. "$(dirname "$0")/../lib.sh"
bed_start

export XDG_STATE_HOME=$T/state   # failed messages are kept (keep.h): not in $HOME
SCHEMA=$top_srcdir/tests/data/result.schema.json
LOG=$T/sendas.log
ALL=$T/everything   # every stdout, stderr and log line, searched for secrets
: >"$ALL"

( umask 077; printf '%s\n' "$BED_PASS1" >"$T/alice.pass"
  printf 'wrong %s\n' "$BED_PASS1" >"$T/wrong.pass" )

# accounts FILE PORT [extra lines]: alice's login for every address of the
# domain, so that bob@ and carol@ go out with alice's login and are refused.
accounts() {
	local file=$1 port=$2; shift 2
	account_file "$file" alice "port=$port" "from=*@$BED_DOMAIN" "logfile=$LOG" "$@"
}
bed_account_defaults
accounts "$T/sub.ini" "$BED_SUBMISSION_PORT"
accounts "$T/early.ini" "$BED_EARLY_PORT"
accounts "$T/small.ini" "$BED_SMALL_PORT"
accounts "$T/wrongpw.ini" "$BED_SUBMISSION_PORT" "password_file = $T/wrong.pass"
sed -i "/^password_file = .*alice.pass$/d" "$T/wrongpw.ini"

message() {  # message FROM [BODY-BYTES]
	printf 'From: %s\nTo: %s\nSubject: diagnostics\nMessage-ID: <%s@example.test>\n\n' \
		"$1" "$BED_USER2" "diag$RANDOM$RANDOM"
	head -c "${2:-6}" /dev/zero | tr '\0' 'x'
	printf '\n'
}

# send NAME INI FROM RCPT [sendas options...]: sets RC, OUT, ERR, FIRST.
send() {
	local name=$1 ini=$2 from=$3 rcpt=$4; shift 4
	message "$from" "${BYTES:-6}" | "$SENDAS" -C "$ini" "$@" -f "$from" "$rcpt" \
		>"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	FIRST=$(head -n 1 "$T/err")
	{ cat "$T/out" "$T/err"; } >>"$ALL"
	diag "$name: $FIRST"
}

valid_json() {  # valid_json NAME: stdout against the schema
	python3 "$top_srcdir/tests/json-check.py" "$SCHEMA" "$T/out" 2>"$T/json.err"
	ok $? "$1: the JSON is valid against the schema"
	sed 's/^/#   /' "$T/json.err" | head -5
}

json_field() {  # json_field PYTHON-EXPRESSION-ON-o: from the first line of stdout
	python3 -c 'import json,sys; o=json.loads(sys.stdin.readline()); print('"$1"')' <"$T/out"
}

# 1. Sender refused at RCPT (Postfix's default smtpd_delay_reject=yes).
send "RCPT" "$T/sub.ini" "bob@$BED_DOMAIN" "$BED_USER2" --json
is "$RC" 77 "sender refused at RCPT: exit 77"
is "$FIRST" "sendas: $BED_NAME refused the sender bob@$BED_DOMAIN at RCPT (sender not allowed)" \
	"sender refused at RCPT: the first line says who refused what, where"
like "$ERR" "^    553 5\.7\.1 <bob@$BED_DOMAIN>: Sender address rejected: not owned by user $BED_USER1$" \
	"sender refused at RCPT: Postfix's reply verbatim"
like "$ERR" "^  login: $BED_USER1$" "sender refused at RCPT: the login is named"
like "$ERR" "^  hint: the server lets each login send only as the addresses it owns" \
	"sender refused at RCPT: Postfix's hint"
valid_json "sender refused at RCPT"
is "$(json_field 'o["category"], o["exit_code"], o["step"], o["provider"], o["recipients"][0]["status"]')" \
	"sender-refused 77 RCPT postfix refused" "sender refused at RCPT: the JSON verdict"
is "$(json_field 'o["reply"]["lines"][0]')" \
	"553 5.7.1 <bob@$BED_DOMAIN>: Sender address rejected: not owned by user $BED_USER1" \
	"sender refused at RCPT: the JSON reply verbatim"
is "$(json_field 'o["tls"] is not None and o["auth_mechanism"] is not None')" True \
	"sender refused at RCPT: TLS version and mechanism in the JSON"
line=$(tail -n 1 "$LOG")
like "$line" "sendas\[[0-9]+\]: status=bounced category=sender-refused step=RCPT account=alice host=$BED_NAME:$BED_SUBMISSION_PORT sender=<bob@$BED_DOMAIN> rcpts=<$BED_USER2> size=[0-9]+ msgid=<diag[0-9]+@example.test> reply=\"553 5\.7\.1 <bob@$BED_DOMAIN>: Sender address rejected: not owned by user $BED_USER1\" duration_ms=[0-9]+$" \
	"sender refused at RCPT: one log line with status, account, host, sender, recipients, size, Message-ID, reply, duration"

# 2. Sender refused at MAIL (smtpd_delay_reject=no).
send "MAIL" "$T/early.ini" "bob@$BED_DOMAIN" "$BED_USER2"
is "$RC" 77 "sender refused at MAIL: exit 77"
is "$FIRST" "sendas: $BED_NAME refused the sender bob@$BED_DOMAIN at MAIL (sender not allowed)" \
	"sender refused at MAIL: the first line"
like "$ERR" "^  step: MAIL$" "sender refused at MAIL: the step"

# 3. A wrong password.
send "AUTH" "$T/wrongpw.ini" "$BED_USER1" "$BED_USER2" --json
is "$RC" 77 "wrong password: exit 77"
is "$FIRST" "sendas: $BED_NAME refused the login $BED_USER1 at AUTH (authentication failed)" \
	"wrong password: the first line"
like "$ERR" "^    535 5\.7\.8 Error: authentication failed" "wrong password: the reply verbatim"
valid_json "wrong password"
is "$(json_field 'o["category"], o["step"], o["status"]')" "auth-failed AUTH bounced" \
	"wrong password: the JSON verdict"

# 4. Too large for the small port's SIZE.
BYTES=$((BED_SMALL_LIMIT + 100)) send "SIZE" "$T/small.ini" "$BED_USER1" "$BED_USER2"
is "$RC" 65 "too large: exit 65"
like "$FIRST" "^sendas: the message is [0-9]+ bytes, but $BED_NAME:$BED_SMALL_PORT accepts at most $BED_SMALL_LIMIT \(message too large\)$" \
	"too large: the first line names both sizes"

# 5. An unknown recipient.
send "unknown" "$T/sub.ini" "$BED_USER1" "$BED_UNKNOWN_RCPT" --json
is "$RC" 67 "unknown recipient: exit 67"
is "$FIRST" "sendas: $BED_NAME refused the recipient $BED_UNKNOWN_RCPT at RCPT (recipient refused)" \
	"unknown recipient: the first line"
valid_json "unknown recipient"
is "$(json_field 'o["recipients"][0]["status"], o["recipients"][0]["reply"]["enhanced"]')" \
	"refused 5.1.1" "unknown recipient: the recipient's own result"

# 6. A temporary refusal: 75, queued.
send "tempfail" "$T/sub.ini" "$BED_USER1" "$BED_TEMPFAIL_RCPT" --json
is "$RC" 75 "temporary refusal: exit 75"
is "$FIRST" "sendas: $BED_NAME cannot take the message now (at RCPT) (temporary failure)" \
	"temporary refusal: the first line"
like "$ERR" "^  the message was queued: sendas -q sends it again$" \
	"temporary refusal: says that the message was queued"
valid_json "temporary refusal"
is "$(json_field 'o["status"], o["queued"]')" "deferred True" "temporary refusal: JSON deferred, queued"
like "$(tail -n 1 "$LOG")" "status=deferred category=temporary step=RCPT" "temporary refusal: logged as deferred"

# 7. Certificates: each failure named, exit 69; --serverinfo shows the chain.
for c in WRONGNAME:"it is for wrong.example, not for $BED_NAME" EXPIRED:"it has expired" \
	 UNTRUSTED:"it is not signed by a trusted authority"; do
	kind=${c%%:*} reason=${c#*:}
	port_var=BED_${kind}_PORT
	accounts "$T/cert.ini" "${!port_var}"
	send "$kind" "$T/cert.ini" "$BED_USER1" "$BED_USER2"
	is "$RC" 69 "$kind certificate: exit 69"
	like "$FIRST" "^sendas: cannot trust the certificate of $BED_NAME: .*$reason.* \(TLS required or failed\)$" \
		"$kind certificate: the first line says why"
	"$SENDAS" -C "$T/cert.ini" --serverinfo >"$T/out" 2>"$T/err"
	RC=$?
	cat "$T/out" "$T/err" >>"$ALL"
	is "$RC" 69 "$kind certificate: --serverinfo exits 69"
	like "$(cat "$T/out")" "^certificate 0: " "$kind certificate: --serverinfo shows the chain"
	like "$(cat "$T/out")" "^verification: failed: .*$reason" "$kind certificate: --serverinfo says why it fails"
	like "$(cat "$T/out")" "^the certificate does not verify: sendas refuses" \
		"$kind certificate: --serverinfo says sendas will not use it"
done

# 8. --serverinfo on the submission port.
"$SENDAS" -C "$T/sub.ini" --serverinfo >"$T/out" 2>"$T/err"
RC=$?
cat "$T/out" "$T/err" >>"$ALL"
OUT=$(cat "$T/out")
is "$RC" 0 "--serverinfo: exit 0"
like "$OUT" "^server: $BED_NAME:$BED_SUBMISSION_PORT \(account alice, tls starttls\)$" "--serverinfo: the server"
like "$OUT" "^  220 " "--serverinfo: the greeting"
like "$OUT" "^TLS session: \(TLS1\.[23]\)" "--serverinfo: TLS version and cipher"
like "$OUT" "^  valid from [0-9T:-]+Z until [0-9T:-]+Z$" "--serverinfo: the certificate's validity"
like "$OUT" "^verification: verified for $BED_NAME" "--serverinfo: it verifies"
like "$OUT" "^AUTH mechanisms: .*PLAIN" "--serverinfo: the AUTH mechanisms"
like "$OUT" "^SIZE limit: $BED_SIZE_LIMIT bytes$" "--serverinfo: the SIZE limit"
like "$OUT" "^  250-PIPELINING$" "--serverinfo: the capabilities verbatim"

# 9. --probe: several senders through one login.
"$SENDAS" -C "$T/sub.ini" --probe "$BED_USER1" "bob@$BED_DOMAIN" "Carol@$BED_DOMAIN" \
	>"$T/out" 2>"$T/err"
RC=$?
cat "$T/out" "$T/err" >>"$ALL"
OUT=$(cat "$T/out")
is "$RC" 77 "--probe: exit 77 when a sender is refused"
like "$OUT" "^$BED_USER1 +RCPT +250 +2\.1\.5 +accepted +" "--probe: alice's own address is accepted"
like "$OUT" "^bob@$BED_DOMAIN +RCPT +553 +5\.7\.1 +refused +<bob@$BED_DOMAIN>: Sender address rejected: not owned by user $BED_USER1$" \
	"--probe: bob is refused, with Postfix's text"
like "$OUT" "^Carol@$BED_DOMAIN +RCPT +553 +5\.7\.1 +refused " "--probe: carol is refused"
"$SENDAS" -C "$T/early.ini" --probe --json "$BED_USER1" "bob@$BED_DOMAIN" >"$T/out" 2>"$T/err"
RC=$?
cat "$T/out" "$T/err" >>"$ALL"
is "$RC" 77 "--probe --json: exit 77"
valid_json "--probe --json"
is "$(python3 -c 'import json,sys; print(" ".join(o["verdict"] + "@" + o["step"] for o in map(json.loads, sys.stdin)))' <"$T/out")" \
	"accepted@RCPT refused@MAIL" "--probe --json: one object per sender, refused at MAIL on the early port"
"$SENDAS" -C "$T/sub.ini" --probe "$BED_USER1" >"$T/out" 2>"$T/err"
is "$?" 0 "--probe: exit 0 when every sender is accepted"
n=$(maildir_files "$BED_USER1" | grep -c .)
"$SENDAS" -C "$T/sub.ini" --probe --probe-data "$BED_USER1" >"$T/out" 2>"$T/err"
RC=$?
cat "$T/out" "$T/err" >>"$ALL"
is "$RC" 0 "--probe --probe-data: exit 0"
like "$(cat "$T/out")" "^$BED_USER1 +(end of data|BDAT) +250 " "--probe --probe-data: accepted after the content"
f=$(maildir_wait "$BED_USER1" $((n + 1)))
like "$(cat "$f" 2>/dev/null)" "^X-Sendas-Probe: yes$" "--probe --probe-data: the marked test message arrived"
"$SENDAS" -C "$T/sub.ini" --probe --probe-max 2 a@x.test b@x.test c@x.test >"$T/out" 2>"$T/err"
is "$?" 64 "--probe: more senders than --probe-max is a usage error"
like "$(head -n 1 "$T/err")" "3 senders to probe, but at most 2 per run" "--probe: the cap is explained"

# 10. -v with a successful login, then: no secret anywhere.
send "verbose" "$T/sub.ini" "$BED_USER1" "$BED_USER2" -v --json
is "$RC" 0 "-v: sent"
like "$ERR" "^--> AUTH [A-Z0-9-]+ \[redacted\]$|^--> AUTH [A-Z0-9-]+$" "-v: the AUTH line is there, its data redacted"
cat "$LOG" >>"$ALL"
secrets=$(secret_forms "$BED_USER1" "$BED_PASS1")
found=0
while IFS= read -r s; do
	grep -qF -- "$s" "$ALL" && { found=1; diag "found a secret form in the output"; }
done <<<"$secrets"
is "$found" 0 "no password, nor any base64 form of it, in any output, JSON or log line"
ok "$([ "$(grep -c . "$ALL")" -gt 100 ] && [ "$(grep -c '^--> AUTH' "$ALL")" -ge 1 ] && echo 0 || echo 1)" \
	"the secret search covered the outputs, a -v transcript with AUTH among them"
ok "$([ "$(grep -c . <<<"$secrets")" -ge 4 ] && echo 0 || echo 1)" "the secret search had forms to look for"

# 11. The German catalog (po/de.po), compiled here.
mkdir -p "$T/locale/de/LC_MESSAGES"
msgfmt -o "$T/locale/de/LC_MESSAGES/sendas.mo" "$top_srcdir/po/de.po"
de() { TEXTDOMAINDIR=$T/locale LANGUAGE=de LC_ALL=C.UTF-8 gettext sendas "$1"; }
# shellcheck disable=SC2059
want=$(printf "$(de '%s refused the sender %s %s')" "$BED_NAME" "bob@$BED_DOMAIN" "$(de 'at RCPT')")
want="sendas: $want ($(de 'sender not allowed'))"
SENDAS_LOCALEDIR=$T/locale LANGUAGE=de LC_ALL=C.UTF-8 \
	send "German" "$T/sub.ini" "bob@$BED_DOMAIN" "$BED_USER2"
is "$FIRST" "$want" "LANGUAGE=de: the first line comes from the German catalog"
ok "$([ "$(de '%s refused the sender %s %s')" != '%s refused the sender %s %s' ] && echo 0 || echo 1)" \
	"LANGUAGE=de: \"%s refused the sender %s %s\" is translated"
ok "$([ "$(de $'  hint: %s\n')" != '  hint: %s' ] && echo 0 || echo 1)" \
	"LANGUAGE=de: the hint label is translated"

done_testing
