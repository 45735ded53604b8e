#!/bin/bash
# Every msmtprc in tests/msmtp/corpus, converted with --import-msmtprc and
# loaded by sendas, against what the real msmtp (Debian's msmtp package,
# tests/deps.sh) says with --pretend.  For each account msmtp defines:
#   - it is in the account file, or msmtp itself cannot send with it (no
#     host; no from, so msmtp needs -f) and the converter said so;
#   - the same server and port, the same TLS mode (tls off / tls on with
#     STARTTLS / tls_starttls off = off / starttls / implicit);
#   - the same login (msmtp's user when auth is not off, else none);
#   - the same sender set: for msmtp's from address (a wildcard filled in),
#     sendas chooses the account msmtp chooses with -f (where msmtp finds
#     none because it compares from before filling in %C or auto_from, and
#     so cannot send at all, sendas must choose this account).
# msmtp is needed: without it this test fails, it does not skip.
. "$(dirname "$0")/../lib.sh"

corpus=$top_srcdir/tests/msmtp/corpus
export HOME=$T/home USER=alice HOSTNAME=localhost
unset XDG_CONFIG_HOME SENDAS_CONFIG LOGNAME
mkdir -p "$HOME"

command -v msmtp >/dev/null
ok $? "msmtp is installed (tests/deps.sh installs Debian's msmtp package)" || :
command -v msmtp >/dev/null || { done_testing; exit; }

# pretend FILE ARGS...: msmtp --pretend; sets P (its stdout) and PRC.
pretend() {
	local file=$1; shift
	P=$(msmtp -C "$file" -P "$@" 2>/dev/null </dev/null) && PRC=0 || PRC=$?
}

field() { printf '%s\n' "$P" | sed -n "s/^$1 = //p" | head -1; }

# The TLS mode msmtp uses, in sendas's words.
msmtp_tls() {
	if [ "$(field tls)" = off ]; then echo off
	elif [ "$(field tls_starttls)" = on ]; then echo starttls
	else echo implicit; fi
}

msmtp_login() {
	local user
	user=$(field user)
	if [ "$(field auth)" = none ] || [ "$user" = "(not set)" ]; then echo none
	else echo "$user"; fi
}

# The settings both print with -P that must agree: host, port, tls,
# tls_starttls, auth (the method without regard to case) and, with auth, user.
settings() {
	local auth
	auth=$(field auth | tr 'A-Z' 'a-z')
	printf 'host=%s port=%s tls=%s tls_starttls=%s auth=%s' "$(field host)" "$(field port)" \
		"$(field tls)" "$(field tls_starttls)" "$auth"
	[ "$auth" = none ] || printf ' user=%s' "$(field user)"
}

# An address msmtp's from pattern matches: "*" -> x, "?" -> q, [abc] -> a.
instance() {
	case $1 in
	'*') echo someone@elsewhere.example ;;
	*) printf '%s\n' "$1" | sed -E 's/\[!?([^]])[^]]*\]/\1/g; s/\?/q/g; s/\*/x/g' ;;
	esac
}

# The account names of an msmtprc, one a line, in file order.
accounts_of() {
	sed -n 's/\r$//; s/^[[:space:]]*account[[:space:]]\{1,\}\([^:]*\).*/\1/p' "$1" |
		sed 's/[[:space:]]*$//'
	grep -Evq '^[[:space:]]*(#|$|account|defaults)' <(sed -n '1,/^[[:space:]]*\(account\|defaults\)/p' "$1" | tr -d '\r') &&
		echo default
}

section_name() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

# which ARGS...: sendas --which against the converted file; sets W, WRC.
which_() {
	W=$("$SENDAS" -C "$ini" --which "$@" 2>&1 </dev/null) && WRC=0 || WRC=$?
}

check_account() {
	local rc=$1 name=$2 sec from addr want_acct got
	sec=$(section_name "$name")
	pretend "$rc" -a "$name"
	from=$(field from)
	if [ $PRC -ne 0 ] || [ "$(field host)" = "(not set)" ] || [ "$from" = "(not set)" ]; then
		grep -q "^\[account $sec\]" "$ini"
		ok $((!$?)) "$base: $name: msmtp cannot send with it alone; not converted"
		like "$warnings" "account $name has no (host|from)" "$base: $name: and said why"
		return
	fi
	# msmtp -P and sendas -P side by side: server, port, TLS, login.
	want=$(settings)
	P=$("$SENDAS" -C "$ini" -P -a "$sec" 2>&1 </dev/null)
	is "$(settings)" "$want" "$base: $name: sendas -P says what msmtp -P says"
	P=$(msmtp -C "$rc" -P -a "$name" 2>/dev/null </dev/null)
	which_ someone@nowhere.invalid -a "$sec"
	like "$W" "^server: $(field host):$(field port) \(tls $(msmtp_tls)\)$" \
	     "$base: $name: server, port, TLS as msmtp ($(field host):$(field port) $(msmtp_tls))"
	got=$(printf '%s\n' "$W" | sed -n 's/^login: //p')
	case $(msmtp_login) in
	none) like "$got" '^none' "$base: $name: no login, as msmtp" ;;
	*) is "$got" "$(msmtp_login)" "$base: $name: login $(msmtp_login), as msmtp" ;;
	esac
	addr=$(instance "$from")
	pretend "$rc" -f "$addr"
	want_acct=$(printf '%s\n' "$P" | sed -n "s/^account chosen by envelope from address .*: //p")
	[ -n "$want_acct" ] || want_acct=default
	which_ "$addr"
	got=$(printf '%s\n' "$W" | sed -n 's/^account: //p')
	if [ $PRC -ne 0 ]; then
		# msmtp matches -f against from as written, before %C or
		# auto_from fill it in, falls back to a default account that
		# is not there, and sends nothing; sendas matches the address.
		is "$got" "$sec" "$base: $name: sender $addr: this account (msmtp finds none)"
		return
	fi
	is "$got" "$(section_name "$want_acct")" \
	   "$base: $name: sender $addr chooses the account msmtp -f chooses"
}

n_files=0
for src in "$corpus"/*.msmtprc; do
	base=$(basename "$src" .msmtprc)
	rc=$T/$base.rc
	ini=$T/$base.ini
	cp "$src" "$rc"
	chmod 600 "$rc"
	n_files=$((n_files + 1))
	warnings=$("$SENDAS" --import-msmtprc "$rc" 2>&1 >"$ini")
	ok $? "$base: converted"
	chmod 600 "$ini"
	load=$("$SENDAS" -C "$ini" --which someone@nowhere.invalid 2>&1)
	unlike=$(printf '%s\n' "$load" | grep -E 'accounts?\.ini|\.ini:[0-9]+:' | grep -v 'unknown key "aliases"')
	is "$unlike" "" "$base: sendas loads it without complaint"
	while IFS= read -r name; do
		check_account "$rc" "$name"
	done < <(accounts_of "$src")
done
[ "$n_files" -ge 20 ]
ok $? "the corpus holds at least 20 files ($n_files)"
done_testing
