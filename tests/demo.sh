#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The demo: build sendas, start a private Postfix + Dovecot on loopback, send
# one message through the real code path (STARTTLS, certificate
# verification against the bed's test CA, SMTP AUTH as alice), and show the
# message as Postfix delivered it into bob's maildir.
#   sh tests/demo.sh
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh tests/deps.sh
echo "== building (output in build/make.out)"
sh tests/build.sh build

demo=$(mktemp -d /tmp/sendas-demo.XXXXXX)
chmod 755 "$demo"    # user postfix must reach the bed inside
trap '"$top/tests/beds/postfix-bed" stop "$demo/bed" >/dev/null 2>&1; rm -rf "$demo"' EXIT INT TERM
echo "== starting the loopback Postfix + Dovecot bed in $demo/bed"
tests/beds/postfix-bed start "$demo/bed" >"$demo/bed.log" 2>&1 || { cat "$demo/bed.log"; exit 1; }
. "$demo/bed/env"

# The password goes into a private file that only this user can read.
umask 077
cat >"$demo/accounts.ini" <<INI
[defaults]
tls = starttls
tls_trust_file = $BED_CA

[account alice]
host = $BED_NAME
port = $BED_SUBMISSION_PORT
user = $BED_USER1
password_file = $demo/alice.pass
from = $BED_USER1
INI
printf '%s\n' "$BED_PASS1" >"$demo/alice.pass"

echo "== sending as $BED_USER1 to $BED_USER2 (transcript with -v; AUTH data is redacted)"
set +e
cat <<MSG | build/src/sendas -v -C "$demo/accounts.ini" -i "$BED_USER2"
From: Alice <$BED_USER1>
To: Bob <$BED_USER2>
Subject: sendas demo

Hello Bob,

this message went through sendas, STARTTLS and SMTP AUTH to Postfix.
.a line starting with a dot survives, and so does UTF-8: Grüße.
MSG
st=$?
set -e
echo "== sendas exited $st"
# The demo's exit status says whether it worked (0 only when the message
# was sent and delivered).
[ "$st" -eq 0 ] || { echo "== the demo FAILED: sendas exited $st"; exit "$st"; }

maildir="$BED_MAILDIR_ROOT/example.test/${BED_USER2%@*}/new"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -n "$(ls -A "$maildir" 2>/dev/null)" ] && break
	sleep 0.5
done
file=$(ls -1 "$maildir"/* 2>/dev/null | head -1)
[ -n "$file" ] || { echo "== the demo FAILED: nothing arrived in $maildir"; exit 1; }
echo "== delivered to $file:"
cat "$file"
echo "== the demo worked"
