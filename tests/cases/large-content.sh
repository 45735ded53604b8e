#!/bin/bash
# large-content.sh: how a large message leaves, from the test server's
# record (one "R:" per TLS record read, tests/server/README): the body in
# full 16 KiB records rather than one per line, the final dot and QUIT in
# one write; with CHUNKING, unstuffed BDAT chunks sent back to back, the
# last one "BDAT n LAST" with QUIT behind it.  Structure only: nothing here
# is timed.
. "$(dirname "$0")/../lib.sh"

certs=$T/certs
mkdir -p "$certs"
sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
	{ echo "Bail out! cannot make test certificates"; exit 1; }

# message FILE BYTES: headers, then lines of 70-75 octets; every 50th starts
# with a dot, so DATA must stuff and BDAT must not.
message() {
	awk -v size="$2" 'BEGIN {
		printf "From: Alice <alice@example.test>\nTo: bob@example.net\n"
		printf "Date: Mon, 23 Nov 2026 10:00:00 +0000\n"
		printf "Message-ID: <large@example.test>\nSubject: large\n\n"
		x = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		for (i = 0; n < size; i++) {
			line = (i % 50 == 0 ? "." : "") substr(x, 1, 70 + i % 6)
			print line
			n += length(line) + 1
		}
	}' >"$1"
}

# server_script CAPS <TAIL: the script up to RCPT (CAPS: EHLO lines with
# \n escapes), then the rest from stdin.
server_script() {
	local caps=$1
	printf 'send 220 mock.test ESMTP test server\nexpect EHLO localhost\n'
	printf 'send 250-mock.test\n%bsend 250 STARTTLS\n' "$caps"
	printf 'expect STARTTLS\nsend 220 2.0.0 Ready to start TLS\nstarttls\n'
	printf 'expect EHLO localhost\nsend 250-mock.test\n%bsend 250 AUTH PLAIN\n' "$caps"
	printf 'expect AUTH PLAIN *\nauth PLAIN alice@example.test s3cret pass\n'
	printf 'expect MAIL FROM:<alice@example.test>*\nsend 250 2.1.0 Ok\n'
	printf 'expect RCPT TO:<bob@example.net>\nsend 250 2.1.5 Ok\n'
	cat
}

# send NAME: run the server with $T/NAME.script and sendas with
# $T/NAME.eml; sets RC and SERVER_RC, leaves $T/NAME.record.
send() {
	local name=$1 port
	rm -f "$T/$name.port"
	"$TESTSERVER" --script "$T/$name.script" --record "$T/$name.record" \
		--port-file "$T/$name.port" --cert "$certs/server.pem" \
		--key "$certs/server.key" --timeout 30 >"$T/$name.server.out" 2>&1 &
	local pid=$!
	for _ in $(seq 200); do
		[ -s "$T/$name.port" ] && break
		sleep 0.05
	done
	port=$(cat "$T/$name.port")
	account_file "$T/$name.ini" alice "port=$port" "tls_trust_file=$certs/ca.pem" \
		from=alice@example.test
	${SENDAS_WRAPPER:-} "$SENDAS" -C "$T/$name.ini" -f alice@example.test bob@example.net \
		<"$T/$name.eml" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	wait "$pid"
	SERVER_RC=$?
}

# The sizes of the records the server read after the line matching START
# (a regex on the record), up to the end.
records_after() {
	awk -v start="$2" '$0 ~ start { on = 1; next } on && /^R: / { print $2 }' "$1"
}

# 1. DATA: 1 MiB, dot-stuffed, in full records.
message "$T/data.eml" 1048576
server_script 'send 250-PIPELINING\n' >"$T/data.script" <<'EOF'
expect DATA
send 354 End data with <CR><LF>.<CR><LF>
expect-data
send 250 2.0.0 Ok: queued as 1
expect QUIT
send 221 2.0.0 Bye
EOF
send data
is "$RC" 0 "DATA, 1 MiB: sendas exits 0"
is "$SERVER_RC" 0 "DATA, 1 MiB: the server's expectations were met"
rec=$T/data.record
records_after "$rec" '^C: DATA' >"$T/data.sizes"
n=$(wc -l <"$T/data.sizes")
full=$(head -n -1 "$T/data.sizes" | grep -cx 16384)
bytes=$(awk '/^# data: / { print $3 }' "$rec")
want=$(( (bytes + 16383) / 16384 ))
ok $(( n >= want && n <= want + 1 ? 0 : 1 )) "DATA, 1 MiB: the body came in $n records ($want of 16 KiB at least), not one per line"
is "$full" $((n - 1)) "DATA, 1 MiB: every record but the last is a full 16 KiB"
# before_quit RECORD: the R:/C: line before the client's QUIT.
before_quit() {
	grep -E '^(R|C): ' "$1" | grep -B1 '^C: QUIT' | head -1
}
is "$(before_quit "$rec")" 'C: .\r\n' "DATA, 1 MiB: QUIT is in the same write as the final dot"
stuffed=$(grep -c '^C: \.\.x' "$rec")
dots=$(grep -c '^\.' "$T/data.eml")
is "$stuffed" "$dots" "DATA, 1 MiB: every line that starts with a dot was stuffed"

# 2. BDAT: 9 MiB in chunks of 4 MiB, unstuffed, pipelined; the last one
# "BDAT n LAST" with QUIT in its write.
message "$T/bdat.eml" 9437184
server_script 'send 250-PIPELINING\nsend 250-CHUNKING\n' >"$T/bdat.script" <<'EOF'
expect-bdat BDAT 4194304
send 250 2.0.0 Ok: 4194304 bytes
expect-bdat BDAT 4194304
send 250 2.0.0 Ok: 4194304 bytes
expect-bdat BDAT * LAST
send 250 2.0.0 Ok: queued as 1
expect QUIT
send 221 2.0.0 Bye
EOF
send bdat
is "$RC" 0 "BDAT, 9 MiB: sendas exits 0"
is "$SERVER_RC" 0 "BDAT, 9 MiB: the server's expectations were met (4 MiB, 4 MiB, the rest LAST)"
rec=$T/bdat.record
total=$(awk '/^# bdat: / { n += $3 } END { print n }' "$rec")
size=$(stat -c %s "$T/bdat.eml")
lines=$(wc -l <"$T/bdat.eml")
is "$total" $((size + lines)) "BDAT, 9 MiB: the chunks hold the whole content, CRLF and unstuffed"
like "$(grep -E '^(R|C): ' "$rec" | sed -n '/^C: RCPT/{n;p;q}')" '^R: ' \
	"BDAT, 9 MiB: the content waits for the envelope's replies (not one flight)"
records_after "$rec" '^C: RCPT' >"$T/bdat.sizes"
n=$(wc -l <"$T/bdat.sizes")
full=$(head -n -1 "$T/bdat.sizes" | grep -cx 16384)
want=$(( (total + 16383) / 16384 ))
ok $(( n >= want && n <= want + 1 ? 0 : 1 )) "BDAT, 9 MiB: $n records of content ($want of 16 KiB at least)"
is "$full" $((n - 1)) "BDAT, 9 MiB: every record but the last is a full 16 KiB"
like "$(before_quit "$rec")" '^C: ' "BDAT, 9 MiB: QUIT is in the same write as the last chunk's end"
unstuffed=$(grep -c '^C: \.x' "$rec")
is "$unstuffed" "$(grep -c '^\.' "$T/bdat.eml")" "BDAT, 9 MiB: lines that start with a dot go unstuffed"

done_testing
