# tests/smtpd/lib-smtpd.sh: shared by the smarthost tests (after lib.sh).

export PYTHONPATH=$top_srcdir/tests/smtpd${PYTHONPATH:+:$PYTHONPATH}

# upstream_accepting N: a test-server script that takes N messages, one per
# connection, whatever their envelope ("250 2.0.0 queued as UP<i>").
upstream_accepting() {
	local i
	for i in $(seq "$1"); do
		[ "$i" -gt 1 ] && echo next
		printf 'send 220 mock ESMTP\nexpect EHLO *\nsend 250-mock\nsend 250 8BITMIME\n'
		printf 'expect MAIL FROM:<*\nsend 250 2.1.0 ok\n'
		printf 'expect RCPT TO:<*\nsend 250 2.1.5 ok\nexpect DATA\nsend 354 go\n'
		printf 'expect-data\nsend 250 2.0.0 queued as UP%s\nexpect QUIT\nsend 221 bye\n' "$i"
	done
}

# make_certs: the test PKI (tests/beds/mkcerts.sh) in $certs.
make_certs() {
	certs=$T/certs
	sh "$top_srcdir/tests/beds/mkcerts.sh" "$certs" >"$T/mkcerts.log" 2>&1 ||
		{ echo "Bail out! cannot make the test certificates"; exit 1; }
}

# smtpd_setup N: the test PKI in $certs, the test server taking N messages
# (port, server_pid), and $T/acc.ini with the account "a" (*@example.test)
# sending through it.
smtpd_setup() {
	make_certs
	upstream_accepting "$1" >"$T/up.script"
	testserver_start up
	printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = off\nfrom = *@example.test\n' \
		"$port" | write_accounts "$T/acc.ini"
}

# mkhash PASSWORD PREFIX: a crypt(3) hash ("$y$" yescrypt, "$6$" sha512crypt)
# from libcrypt itself, the library sendas checks with.
mkhash() {
	python3 - "$1" "$2" <<'PY'
import ctypes, sys
lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt_gensalt.restype = ctypes.c_char_p
lib.crypt.restype = ctypes.c_char_p
salt = lib.crypt_gensalt(sys.argv[2].encode(), 0, None, 0)
print(lib.crypt(sys.argv[1].encode(), salt).decode())
PY
}

# smarthost_start INI ACCOUNTS: `sendas --smtpd` in the background with
# smtpd.ini INI (listen = 127.0.0.1:0); sets smtpd_pid and smtpd_port, its
# stderr (the log) in $T/smtpd.log.
smarthost_start() {
	: >"$T/smtpd.log"
	SENDAS_SMTPD_CONFIG=$1 "$SENDAS" --smtpd -C "$2" 2>"$T/smtpd.log" &
	smtpd_pid=$!
	cleanups+=("kill $smtpd_pid")
	for _ in $(seq 100); do
		smtpd_port=$(sed -n 's/.*event=listen address=\[127\.0\.0\.1\]:\([0-9]*\).*/\1/p' \
			"$T/smtpd.log" | head -1)
		[ -n "$smtpd_port" ] && return 0
		kill -0 "$smtpd_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# smarthost_stop: SIGTERM, and its exit status in smtpd_rc.
smarthost_stop() {
	kill -TERM "$smtpd_pid"
	wait "$smtpd_pid"
	smtpd_rc=$?
}

# log_count PATTERN: how many log lines match the extended regex.
log_count() {
	grep -cE "$1" "$T/smtpd.log"
}

# unlike TEXT REGEX DESCRIPTION: no line of TEXT matches.
unlike() {
	if printf '%s\n' "$1" | grep -qE "$2"; then ok 1 "$3"; else ok 0 "$3"; fi
}
