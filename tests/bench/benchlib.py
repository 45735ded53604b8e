# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/bench/benchlib.py: what the benchmarks share (certificates, test
messages, the sink, one measured run of a client).  Imported by
tests/bench/run, tests/bench/tls-limit and tests/bench/regress."""
import os
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def make_certs(d, ips=("127.0.0.1",)):
    """A CA and an ECDSA server certificate for the given addresses
    (certtool, as the test beds do): d/ca.pem, d/srv.pem, d/srv.key."""
    with open(os.path.join(d, "ca.tmpl"), "w") as f:
        f.write('cn = "sendas bench CA"\nca\ncert_signing_key\nexpiration_days = 30\n')
    with open(os.path.join(d, "srv.tmpl"), "w") as f:
        f.write('cn = "sink.test"\ndns_name = "sink.test"\n%stls_www_server\nsigning_key\n'
                'encryption_key\nexpiration_days = 30\n'
                % "".join('ip_address = "%s"\n' % ip for ip in ips))
    p = lambda n: os.path.join(d, n)
    for argv in (["--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
                  "--outfile", p("ca.key")],
                 ["--generate-self-signed", "--load-privkey", p("ca.key"),
                  "--template", p("ca.tmpl"), "--outfile", p("ca.pem")],
                 ["--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
                  "--outfile", p("srv.key")],
                 ["--generate-certificate", "--load-privkey", p("srv.key"),
                  "--load-ca-certificate", p("ca.pem"), "--load-ca-privkey", p("ca.key"),
                  "--template", p("srv.tmpl"), "--outfile", p("srv.pem")]):
        subprocess.run(["certtool"] + argv, check=True, **QUIET)


def make_message(path, size):
    """Headers and lines of 70-75 octets, every 50th starting with a dot."""
    with open(path, "w") as f:
        f.write("From: a@sink.test\nTo: b@sink.test\nSubject: bench\n"
                "Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <bench@sink.test>\n\n")
        n, i, base = 0, 0, "x" * 75
        lines = []
        while n < size:
            line = ("." if i % 50 == 0 else "") + base[:70 + i % 6] + "\n"
            lines.append(line)
            n += len(line)
            i += 1
            if len(lines) == 4096:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def sendas_account(d, name, port, implicit=False, host="127.0.0.1"):
    """An account file for the sink: AUTH PLAIN, the bench CA."""
    path = os.path.join(d, name + ".ini")
    write_private(path, "[account bench]\nhost = %s\nport = %s\ntls = %s\n"
                  "tls_trust_file = %s\nuser = bench@sink.test\npassword = bench pass\n"
                  "auth = PLAIN\nfrom = a@sink.test\n"
                  % (host, port, "implicit" if implicit else "starttls",
                     os.path.join(d, "ca.pem")))
    return path


def msmtp_account(d, name, port, implicit=False, host="127.0.0.1"):
    """The same account for msmtp."""
    path = os.path.join(d, name + ".msmtprc")
    write_private(path, "account bench\nhost %s\nport %s\ntls on\ntls_starttls %s\n"
                  "tls_trust_file %s\nauth plain\nuser bench@sink.test\n"
                  "password bench pass\nfrom a@sink.test\naccount default : bench\n"
                  % (host, port, "off" if implicit else "on", os.path.join(d, "ca.pem")))
    return path


class Sink:
    """bench-sink on a loopback port; its stderr (one "cipher NAME" line per
    TLS session) goes to a log in d."""

    def __init__(self, binary, d, implicit=False):
        self.log = os.path.join(d, "sink%d.log" % id(self))
        port_file = os.path.join(d, "port%d" % id(self))
        argv = [binary, "--listen", "127.0.0.1:0", "--cert", os.path.join(d, "srv.pem"),
                "--key", os.path.join(d, "srv.key"), "--port-file", port_file, "--say-cipher"]
        if implicit:
            argv.append("--implicit-tls")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(250):
            if os.path.exists(port_file):
                self.port = open(port_file).read().strip()
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("bench-sink did not start")

    def cipher(self):
        """The cipher of the last TLS session, as GnuTLS names it."""
        names = [l.split()[1] for l in open(self.log) if l.startswith("cipher ")]
        if not names:
            raise RuntimeError("the sink saw no TLS session")
        return names[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


def run(argv, message, pipe=False, rss_tool=None, scratch=None):
    """One client run on message (a file as stdin, or through a pipe from
    cat when pipe): (wall s, user s, sys s, peak RSS KiB or None).  CPU comes
    from wait4() on the client (or on GNU time, which adds its reaped child's
    time to its own: a few hundred microseconds of its own); the client's
    peak RSS from GNU time when rss_tool is given, since a child of Python
    shows Python's pages until exec."""
    rss_file = None
    if rss_tool:
        rss_file = os.path.join(scratch, "rss")
        argv = [rss_tool, "-f", "%M", "-o", rss_file] + argv
    cat = None
    with open(message, "rb") as f:
        t0 = time.perf_counter()
        if pipe:
            cat = subprocess.Popen(["cat"], stdin=f, stdout=subprocess.PIPE)
            stdin = cat.stdout
        else:
            stdin = f
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        if cat:
            cat.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    if cat:
        cat.wait()
    err = p.stderr.read()
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError("%s exited %d: %s" % (argv[0], code, err.decode(errors="replace")))
    peak = int(open(rss_file).read().split()[-1]) if rss_file else None
    return wall, ru.ru_utime, ru.ru_stime, peak


def tls_cost_ms(binary, nbytes, cipher):
    """CPU milliseconds GnuTLS needs to encrypt nbytes in 16 KiB records."""
    out = subprocess.run([binary, str(nbytes), cipher], check=True, capture_output=True,
                         text=True).stdout
    return float(out)


def loopback_send_ms(nbytes):
    """CPU milliseconds (user + system) the kernel needs to send nbytes over a
    loopback TCP connection in 256 KiB writes to a reader that discards
    them: the floor under any client's system time on loopback."""
    import resource
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                       # the sender, measured alone
        try:
            os.close(r)
            s = socket.create_connection(srv.getsockname())
            buf = b"x" * (256 * 1024)
            t0 = resource.getrusage(resource.RUSAGE_SELF)
            left = nbytes
            while left > 0:
                n = min(left, len(buf))
                s.sendall(buf[:n])
                left -= n
            t1 = resource.getrusage(resource.RUSAGE_SELF)
            os.write(w, b"%f" % ((t1.ru_utime - t0.ru_utime + t1.ru_stime - t0.ru_stime) * 1e3))
            s.close()
        finally:
            os._exit(0)
    os.close(w)
    c, _ = srv.accept()
    while c.recv(1 << 20):
        pass
    c.close()
    srv.close()
    ms = float(os.read(r, 64) or b"nan")
    os.close(r)
    os.waitpid(pid, 0)
    return ms
