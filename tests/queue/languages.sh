#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A queued message's reason in the language of whoever reads it (issue 19,
# "mailq reasons mix languages"): the systemd timer runs with LANG=C, root
# reads mailq in German, and the other way round.
#   - queued under C, listed in German: German labels and a German reason
#     (sendas' words and the system's, strerror); listed under C: English;
#   - queued in German, listed under C: English; -q's lines and --json are
#     in the language of the flush, --json in the sender's;
#   - expired after a German flush, in failed/: the note and the last error
#     inside it in the reader's language;
#   - a queue file of an older sendas (no reason records) shows its text as
#     it was stored;
#   - a library's own words (GnuTLS's alert name) follow the reader too.
. "$(dirname "$0")/../lib.sh"

german_catalogue || { echo "Bail out! cannot make a de_DE.UTF-8 locale (tests/deps.sh: locales)"; exit 1; }
queueing_account "$T/q.ini"
queueing_account "$T/short.ini"
printf 'queue_lifetime = 1s\n' >>"$T/short.ini"

EN_REASON='cannot connect to 127.0.0.1 port 1: Connection refused'
DE_REASON='keine Verbindung zu 127.0.0.1 Port 1 möglich: Verbindungsaufbau abgelehnt'

in_c() { LANG=C LC_ALL=C LANGUAGE= "$SENDAS" -C "${INI:-$T/q.ini}" "$@"; }
in_de() {
	LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 LANGUAGE= "$SENDAS" -C "${INI:-$T/q.ini}" "$@"
}
queue_one() {  # queue_one in_c|in_de STATE: one message queued into STATE's queue
	printf 'Subject: q\n\nq\n' | XDG_STATE_HOME=$2 "$1" -f a@q.example b@q.example \
		>"$T/queue.out" 2>&1
}

# 1. Queued by the timer (C), read by root in German.
queue_one in_c "$T/c"
ok $? "a message is queued under LANG=C"
grep -q "^reason " "$T/c/sendas/queue/"*
ok $? "its queue file holds the reason language-neutrally"
grep -q "^attempt .* $EN_REASON\$" "$T/c/sendas/queue/"*
ok $? "beside the text as the writer said it (older readers)"
XDG_STATE_HOME=$T/c in_de --list-queue >"$T/c-de.txt" 2>&1
like "$(cat "$T/c-de.txt")" "Letzter Fehler: $DE_REASON" "German mailq: German label, German reason"
unlike "$(cat "$T/c-de.txt")" "cannot connect|Connection refused|last error" \
	"no English in the German listing"
XDG_STATE_HOME=$T/c in_c --list-queue >"$T/c-c.txt" 2>&1
like "$(cat "$T/c-c.txt")" "last error: $EN_REASON" "the same message in English under C"

# 2. Queued in German, read under C.
queue_one in_de "$T/de"
ok $? "a message is queued in German"
like "$(cat "$T/queue.out")" "$DE_REASON" "the sender is told in German"
XDG_STATE_HOME=$T/de in_c --list-queue >"$T/de-c.txt" 2>&1
like "$(cat "$T/de-c.txt")" "last error: $EN_REASON" "mailq under C: English label, English reason"
unlike "$(cat "$T/de-c.txt")" "Verbindung|abgelehnt|Letzter" "no German in the English listing"

# 3. A German flush (its line in German), a German --json, then read
#    under C.
XDG_STATE_HOME=$T/c in_de -q >"$T/flush-de.txt" 2>&1
like "$(cat "$T/flush-de.txt")" "nicht gesendet, nächster Versuch in .*: $DE_REASON" \
	"-q in German says why in German"
printf 'Subject: j\n\nj\n' |
	XDG_STATE_HOME=$T/j in_de --json -f a@q.example b@q.example >"$T/de.json" 2>/dev/null
like "$(cat "$T/de.json")" "\"message\":\"$DE_REASON\"" "--json of a German send: in German"
XDG_STATE_HOME=$T/j in_c --list-queue >"$T/j-c.txt" 2>&1
like "$(cat "$T/j-c.txt")" "last error: $EN_REASON" "what it queued reads in English under C"
XDG_STATE_HOME=$T/c in_c --list-queue >"$T/c-c2.txt" 2>&1
like "$(cat "$T/c-c2.txt")" "attempts:   2, " "the German flush tried it again"
like "$(cat "$T/c-c2.txt")" "last error: $EN_REASON" \
	"after the German flush, mailq under C is still English"

# 4. Expired by a German flush (queue_lifetime = 1s), read in failed/ under
#    C and in German.
sleep 1
XDG_STATE_HOME=$T/c INI=$T/short.ini in_de -q >"$T/expire.txt" 2>&1
like "$(cat "$T/expire.txt")" "nicht innerhalb von 1s gesendet" "the German flush expires it"
XDG_STATE_HOME=$T/c in_c --list-queue >"$T/failed-c.txt" 2>&1
like "$(cat "$T/failed-c.txt")" \
	"reason:     not sent within 1s \(queue_lifetime\); the last error was: $EN_REASON" \
	"failed/ under C: the expiry note and the last error in English"
XDG_STATE_HOME=$T/c in_de --list-queue >"$T/failed-de.txt" 2>&1
like "$(cat "$T/failed-de.txt")" \
	"nicht innerhalb von 1s gesendet \(queue_lifetime\); der letzte Fehler war: $DE_REASON" \
	"failed/ in German: both in German"

# 5. A queue file of an older sendas: no reason records.
old=$T/old/sendas/queue
mkdir -p "$old"
chmod 700 "$T/old" "$T/old/sendas" "$old"
for f in "$T/de/sendas/queue/"*; do
	[ -f "$f" ] || continue
	grep -av '^reason ' "$f" >"$old/$(basename "$f")"
	chmod 600 "$old/$(basename "$f")"
done
XDG_STATE_HOME=$T/old in_c --list-queue >"$T/old-c.txt" 2>&1
like "$(cat "$T/old-c.txt")" "last error: $DE_REASON" \
	"an old file under C: its stored text, as before"
XDG_STATE_HOME=$T/old in_de --list-queue >"$T/old-de.txt" 2>&1
like "$(cat "$T/old-de.txt")" "Letzter Fehler: $DE_REASON" "and in German the same"

# 6. GnuTLS's words (it translates its own): a fatal alert after STARTTLS,
#    queued under C, read in German.
certs=$T/certs
mkdir -p "$certs"
sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
	{ echo "Bail out! cannot make test certificates"; exit 1; }
printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 STARTTLS\nexpect STARTTLS
send 220 go\nstarttls\nalert\n' >"$T/s.script"
serve s --cert "$certs/server.pem" --key "$certs/server.key"
printf '[account t]\nhost = localhost\nport = %s\ntls_trust_file = %s/ca.pem\nfrom = *\n' \
	"$port" "$certs" | write_accounts "$T/tls.ini"
printf 'Subject: t\n\nt\n' | XDG_STATE_HOME=$T/tls INI=$T/tls.ini in_c -f a@q.example \
	b@q.example >"$T/tls.out" 2>&1
wait "$server_pid"
like "$(cat "$T/tls.out")" "ended the TLS session with the alert 'Internal error'" \
	"a TLS alert under C: GnuTLS's English name"
XDG_STATE_HOME=$T/tls INI=$T/tls.ini in_de --list-queue >"$T/tls-de.txt" 2>&1
like "$(cat "$T/tls-de.txt")" "Letzter Fehler: localhost hat die TLS-Sitzung mit dem Alert „Interner Fehler“ beendet" \
	"in German: sendas' words and GnuTLS's German name"

done_testing
