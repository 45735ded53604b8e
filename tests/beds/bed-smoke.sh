#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bed-smoke.sh -- TAP test of the Postfix + Dovecot test bed (tests/beds/postfix-bed).
#
# Starts a bed in a fresh temporary directory, talks to it with Python's smtplib/ssl
# (independent of sendas, so a failure here means the bed, not our client, is wrong),
# stops it and checks that none of its processes remain.  Always stops the bed.
#
# Run by automake's TAP driver; runnable by hand too.  Needs root, certtool,
# python3 and apt-get download (postfix and dovecot-core are unpacked by tests/debroot.sh,
# never installed); without them it bails out: a test that needs a server never passes
# by skipping (tests/deps.sh installs them).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bed=$here/postfix-bed

skip_all() { echo "Bail out! $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (Postfix master and Dovecot)"
# Postfix and Dovecot come from tests/debroot.sh, never from the machine.
for tool in certtool python3 setpriv unshare nsenter; do
    command -v "$tool" >/dev/null 2>&1 ||
        [ -x "/usr/sbin/$tool" ] || skip_all "$tool not installed"
done
export PATH=$PATH:/usr/sbin:/sbin

# python_tests below prints exactly this many results; we add the shell-side ones.
PY_TESTS=21
SH_TESTS=10
echo "1..$((PY_TESTS + SH_TESTS))"

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION COMMAND...
    local desc=$1; shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
diag() { sed 's/^/# /'; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/bed-smoke.XXXXXX")
stopped=
cleanup() {
    [ -n "$stopped" ] || "$bed" stop "$dir" >/dev/null 2>&1
    rm -rf -- "$dir" "$dir.start.err"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ms() { date +%s%N | cut -c1-13; }

sys_sum() { cat /etc/passwd /etc/group /proc/self/mounts | sha256sum; }
sum_before=$(sys_sum)
t0=$(ms)
if "$bed" start "$dir" 2>"$dir.start.err"; then
    ok "bed starts ($(($(ms) - t0)) ms)"
else
    not_ok "bed starts"
    diag <"$dir.start.err"
    rm -f "$dir.start.err"
    # Nothing else can be tested; report the rest as failed so the plan holds.
    for ((i = 1; i < PY_TESTS + SH_TESTS; i++)); do not_ok "skipped: no bed"; done
    exit 1
fi
rm -f "$dir.start.err"

# 2: the env file is sourceable and gives back the exact strings (quoting of the
# passwords with shell metacharacters, quotes and UTF-8).
if (
    set -e
    . "$dir/env"
    [ "$BED_PASS1" = "s3cret pass;\$(x)&|'\"*" ]
    [ "$BED_PASS2" = 'pässwört ünïcode ✓' ]
    [ "$BED_USER1" = alice@example.test ] && [ "$BED_HOST" = 127.0.0.1 ]
    [[ $BED_FINGERPRINT =~ ^sha256:[0-9a-f]{64}$ ]]
    # and sh (dash) reads the same file identically
    [ "$(sh -c '. "$1"; printf %s "$BED_PASS1"' sh "$dir/env")" = "$BED_PASS1" ]
); then ok "env file sources to the exact strings (bash and sh)"; else not_ok "env file sources to the exact strings (bash and sh)"; fi

. "$dir/env"
export BED_DIR

# The bed runs Postfix and Dovecot from tests/debroot.sh's root in its own mount
# namespace: the machine's users, groups and mounts are what they were.
check "the machine's /etc/passwd, /etc/group and mounts are unchanged" \
    test "$(sys_sum)" = "$sum_before"
check "postqueue runs in the bed's namespace through BED_EXEC" \
    eval '"$BED_EXEC" postqueue -c "$BED_POSTFIX_CONFIG" -p | grep -q "Mail queue is empty"'
# What a fresh machine lacks: no postfix, no dovecot, no such users.  A second bed
# starts in a namespace where the machine's own programs, /etc/postfix, /etc/dovecot
# and users postfix, dovecot, dovenull (if any) are hidden.  (The bed's /usr overlay
# reads the machine's /usr below the private root, not these mounts: that the
# private root is complete is what a fresh SENDAS_DEBROOT shows.)
fresh_bed() {
    unshare --mount --propagation private -- bash -c '
        for p in /usr/sbin/postfix /usr/sbin/dovecot /usr/lib/postfix /usr/lib/dovecot /etc/postfix /etc/dovecot; do
            if [ -d "$p" ]; then mount -t tmpfs none "$p"; elif [ -e "$p" ]; then mount --bind /dev/null "$p"; fi
        done
        grep -v -E "^(postfix|dovecot|dovenull|postdrop):" /etc/passwd >"$1.passwd"
        grep -v -E "^(postfix|dovecot|dovenull|postdrop):" /etc/group >"$1.group"
        mount --bind "$1.passwd" /etc/passwd && mount --bind "$1.group" /etc/group
        "$2" start "$1/bed"' bash "$1" "$bed"
}
fresh=$(mktemp -d "${TMPDIR:-/tmp}/bed-fresh.XXXXXX")
chmod 755 "$fresh"
if fresh_bed "$fresh" >"$fresh.log" 2>&1; then
    ok "a bed starts where the machine has no postfix, dovecot or their users"
else
    not_ok "a bed starts where the machine has no postfix, dovecot or their users"
    diag <"$fresh.log"
fi
check "that bed stops" "$bed" stop "$fresh/bed"
rm -rf -- "$fresh" "$fresh.log"

# Processes of this bed, recorded now so that the final check does not depend on the
# bed script's own bookkeeping: both masters and everything in their sessions.
pf_master=$(awk 'NR==1 { print $1 }' "$BED_DIR/spool/pid/master.pid")
dc_master=$(awk 'NR==1 { print $1 }' "$BED_DIR/run/master.pid")
bed_pids=$(ps -e -o pid=,sid= | awk -v a="$pf_master" -v b="$dc_master" '$2 == a || $2 == b { print $1 }')

python_tests() {
    python3 - "$n" <<'EOF'
import base64, glob, hashlib, os, smtplib, socket, ssl, sys, time

E = os.environ
HOST, NAME = E["BED_HOST"], E["BED_NAME"]
USER1, PASS1 = E["BED_USER1"], E["BED_PASS1"]
USER2, PASS2 = E["BED_USER2"], E["BED_PASS2"]
USER3 = E["BED_USER3"]
n = int(sys.argv[1])  # number of the last test already reported by the shell

def report(ok, desc, detail=None):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, desc))
    if detail is not None and not ok:
        for line in str(detail).splitlines():
            print("#   " + line)
    sys.stdout.flush()

def test(desc):
    """Decorator: run the function now; it returns (ok, detail) or raises."""
    def run(fn):
        try:
            r = fn()
            ok, detail = r if isinstance(r, tuple) else (bool(r), None)
        except Exception as e:  # any surprise is a failure with its reason
            ok, detail = False, repr(e)
        report(ok, desc, detail)
    return run

def verifying_context():
    return ssl.create_default_context(cafile=E["BED_CA"])

class Bed(smtplib.SMTP):
    """smtplib connected to BED_HOST (127.0.0.1) but verifying the name BED_NAME
    (localhost): smtplib uses the host it was given for both."""
    def _get_socket(self, host, port, timeout):
        return socket.create_connection((HOST, port), timeout)

class BedSSL(smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        raw = socket.create_connection((HOST, port), timeout)
        return self.context.wrap_socket(raw, server_hostname=NAME)

def submission(port=None, login=None):
    s = Bed(NAME, int(port or E["BED_SUBMISSION_PORT"]),
            local_hostname="client.example.test", timeout=20)
    s.starttls(context=verifying_context())
    s.ehlo()
    if login:
        s.login(*login)
    return s

def ehlo_auth(s):
    return s.esmtp_features.get("auth", "").split()

WANT_MECHS = ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]

@test("submission: no AUTH before STARTTLS, STARTTLS verifies against BED_CA as localhost")
def _():
    s = Bed(NAME, int(E["BED_SUBMISSION_PORT"]), local_hostname="client.example.test",
            timeout=20)
    s.ehlo()
    before = ehlo_auth(s)
    code, _ = s.starttls(context=verifying_context())
    cert = s.sock.getpeercert()
    s.quit()
    return (not before and code == 220 and cert is not None,
            "auth before TLS=%r code=%r" % (before, code))

@test("submission: EHLO after STARTTLS advertises AUTH %s" % " ".join(WANT_MECHS))
def _():
    s = submission()
    mechs = ehlo_auth(s)
    s.quit()
    return mechs == WANT_MECHS, "advertised: %r" % mechs

@test("server certificate SHA-256 equals BED_FINGERPRINT")
def _():
    s = submission()
    der = s.sock.getpeercert(binary_form=True)
    s.quit()
    got = "sha256:" + hashlib.sha256(der).hexdigest()
    return got == E["BED_FINGERPRINT"], "%s != %s" % (got, E["BED_FINGERPRINT"])

for mech in ("PLAIN", "LOGIN", "CRAM-MD5"):
    @test("AUTH %s as alice (password with spaces and shell metacharacters)" % mech)
    def _():
        s = submission()
        s.user, s.password = USER1, PASS1
        code, text = s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
        s.quit()
        return code == 235, (code, text)

@test("AUTH PLAIN as bob with a UTF-8 password (sent as UTF-8)")
def _():
    # smtplib encodes SASL strings as ASCII; do PLAIN by hand.
    s = submission()
    blob = b"\0" + USER2.encode() + b"\0" + PASS2.encode("utf-8")
    code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(blob).decode())
    s.quit()
    return code == 235, (code, text)

@test("wrong password is refused with 535 (and fast: no auth penalty)")
def _():
    s = submission()
    t = time.monotonic()
    code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(
        b"\0" + USER3.encode() + b"\0wrong").decode())
    code2, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(
        b"\0" + USER3.encode() + b"\0wrong").decode())
    took = time.monotonic() - t
    s.quit()
    return code == 535 and code2 == 535 and took < 3, (code, text, "%.2fs" % took)

def wait_for_delivery(local, marker, timeout=15):
    pattern = os.path.join(E["BED_MAILDIR_ROOT"], "example.test", local, "new", "*")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in glob.glob(pattern):
            with open(path, "rb") as f:
                data = f.read()
            if marker in data:
                return data
        time.sleep(0.05)
    return None

@test("alice sends as alice: delivered to carol's maildir byte for byte")
def _():
    mid = b"<smoke-%d@client.example.test>" % os.getpid()
    # Edge cases in one message: dot-stuffing, 8-bit UTF-8, an empty line, a long line.
    msg = (b"From: Alice <alice@example.test>\r\n"
           b"To: carol@example.test\r\n"
           b"Subject: bed smoke \xc3\xa4\r\n"
           b"Message-ID: " + mid + b"\r\n"
           b"\r\n"
           b".a line starting with a dot\r\n"
           b"..two dots\r\n"
           b"UTF-8 body: \xc3\xa4\xc3\xb6\xc3\xbc \xe2\x9c\x93\r\n"
           b"\r\n" + b"x" * 900 + b"\r\n"
           b"last line\r\n")
    s = submission(login=(USER1, PASS1))
    refused = s.sendmail(USER1, [USER3], msg)
    s.quit()
    data = wait_for_delivery("carol", mid)
    if data is None:
        return False, "not delivered (refused=%r)" % (refused,)
    # Postfix stores LF line ends and prepends Return-Path/X-Original-To/
    # Delivered-To/Received; everything we sent follows unchanged.
    sent = msg.replace(b"\r\n", b"\n")
    head_added, sep, rest = data.partition(b"From: Alice")
    return (sep + rest == sent and b"Delivered-To: carol@example.test\n" in head_added,
            data[:2000])

EXPECT_553 = ("553", "5.7.1 <%s>: Sender address rejected: not owned by user %s"
              % (USER2, USER1))

@test("alice sends as bob on submission: MAIL ok, RCPT gets 553 5.7.1 not owned by user")
def _():
    s = submission(login=(USER1, PASS1))
    mail = s.mail(USER2)
    rcpt = s.rcpt(USER3)
    s.quit()
    return (mail[0] == 250 and (str(rcpt[0]), rcpt[1].decode()) == EXPECT_553,
            (mail, rcpt))

@test("alice sends as bob on BED_EARLY_PORT: 553 5.7.1 at MAIL")
def _():
    s = submission(port=E["BED_EARLY_PORT"], login=(USER1, PASS1))
    mail = s.mail(USER2)
    s.quit()
    return (str(mail[0]), mail[1].decode()) == EXPECT_553, mail

@test("implicit TLS port: verified handshake, 220 greeting, AUTH and a sender check")
def _():
    s = BedSSL(NAME, int(E["BED_SMTPS_PORT"]), local_hostname="client.example.test",
               timeout=20, context=verifying_context())
    s.ehlo()
    mechs = ehlo_auth(s)
    s.login(USER1, PASS1)
    mail = s.mail(USER1)
    rcpt = s.rcpt(USER3)
    s.rset()
    s.quit()
    return mechs == WANT_MECHS and mail[0] == 250 and rcpt[0] == 250, (mechs, mail, rcpt)

def bad_cert(port_var, want_msg):
    s = Bed(NAME, int(E[port_var]), local_hostname="client.example.test", timeout=20)
    s.ehlo()
    try:
        s.starttls(context=verifying_context())
    except ssl.SSLCertVerificationError as e:
        return want_msg in (e.verify_message or ""), "got: %s" % e.verify_message
    return False, "handshake unexpectedly succeeded"

@test("BED_WRONGNAME_PORT fails verification: hostname mismatch")
def _():
    return bad_cert("BED_WRONGNAME_PORT", "Hostname mismatch")

@test("BED_EXPIRED_PORT fails verification: certificate has expired")
def _():
    return bad_cert("BED_EXPIRED_PORT", "certificate has expired")

@test("BED_UNTRUSTED_PORT fails verification: unable to get local issuer certificate")
def _():
    return bad_cert("BED_UNTRUSTED_PORT", "unable to get local issuer certificate")

@test("BED_UNTRUSTED_PORT verifies with BED_OTHER_CA (so only trust was wrong)")
def _():
    s = Bed(NAME, int(E["BED_UNTRUSTED_PORT"]), local_hostname="client.example.test",
            timeout=20)
    s.ehlo()
    code, _ = s.starttls(context=ssl.create_default_context(cafile=E["BED_OTHER_CA"]))
    s.quit()
    return code == 220

@test("tempfail@example.test: RCPT 450 4.2.0 ... try again later")
def _():
    s = submission(login=(USER1, PASS1))
    s.mail(USER1)
    rcpt = s.rcpt(E["BED_TEMPFAIL_RCPT"])
    s.quit()
    want = "4.2.0 <tempfail@example.test>: Recipient address rejected: try again later"
    return rcpt[0] == 450 and rcpt[1].decode() == want, rcpt

@test("unknown user: RCPT 550 5.1.1")
def _():
    s = submission(login=(USER1, PASS1))
    s.mail(USER1)
    rcpt = s.rcpt(E["BED_UNKNOWN_RCPT"])
    s.quit()
    return rcpt[0] == 550 and rcpt[1].startswith(b"5.1.1 "), rcpt

@test("outside domain: RCPT refused with 550 (nothing leaves the machine)")
def _():
    s = submission(login=(USER1, PASS1))
    s.mail(USER1)
    rcpt = s.rcpt("someone@elsewhere.example")
    s.quit()
    return rcpt[0] == 550, rcpt

@test("unauthenticated: own address 553 5.7.1 not logged in; other sender 554 5.7.1")
def _():
    s = submission()
    s.mail(USER1)
    listed = s.rcpt(USER3)        # alice@ is in smtpd_sender_login_maps
    s.rset()
    s.mail("stranger@elsewhere.example")
    other = s.rcpt(USER3)         # not listed: recipient restrictions say no
    s.quit()
    want = "5.7.1 <%s>: Sender address rejected: not logged in" % USER1
    return (listed[0] == 553 and listed[1].decode() == want
            and other[0] == 554 and other[1].startswith(b"5.7.1 ")), (listed, other)

@test("SIZE: %s on submission, %s on BED_SMALL_PORT, which refuses a bigger message"
      % (E["BED_SIZE_LIMIT"], E["BED_SMALL_LIMIT"]))
def _():
    s = submission()
    big = s.esmtp_features.get("size")
    s.quit()
    s = submission(port=E["BED_SMALL_PORT"], login=(USER1, PASS1))
    small = s.esmtp_features.get("size")
    mail = s.mail(USER1, ["SIZE=%d" % (int(E["BED_SMALL_LIMIT"]) + 1)])
    s.quit()
    return (big == E["BED_SIZE_LIMIT"] and small == E["BED_SMALL_LIMIT"]
            and mail[0] == 552, (big, small, mail))
EOF
}

# The Python checks continue the numbering from $n.
python_out=$(python_tests 2>&1)
echo "$python_out"
got=$(grep -cE '^(not )?ok [0-9]+ ' <<<"$python_out")
n=$((n + got))
if [ "$got" -ne "$PY_TESTS" ]; then
    # Keep the plan honest if the script died early.
    for ((i = got; i < PY_TESTS; i++)); do not_ok "python check did not run"; done
fi

# The log shows what Postfix saw; useful in a failing CI run.
if grep -q '^not ok' <<<"$python_out"; then
    tail -n 40 "$BED_POSTFIX_LOG" | diag
fi

t0=$(ms)
if "$bed" stop "$BED_DIR"; then
    ok "bed stops ($(($(ms) - t0)) ms)"
else
    not_ok "bed stops"
fi
stopped=1

survivors=
for pid in $bed_pids; do
    # zombies waiting for a reaper are not running processes
    state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || continue
    [ "$state" = Z ] || survivors="$survivors $pid"
done
check "no process of the bed remains (had $(wc -w <<<"$bed_pids") processes)" \
    test -z "$survivors"
[ -z "$survivors" ] || ps -o pid,args -p "${survivors# }" | diag

check "no process is left in either master's session" \
    test -z "$(ps -e -o stat=,sid= | awk -v a="$pf_master" -v b="$dc_master" \
        '($2 == a || $2 == b) && $1 !~ /^Z/')"

check "stop again is a no-op (idempotent)" "$bed" stop "$BED_DIR"
