"""tests/smtpd/raw_smtp.py: a line-level SMTP client for the smarthost
tests: it binds to a chosen loopback source address (127.0.0.2 plays a
foreign network), sends exactly what it is told, and reads replies whole,
so that refusals are checked at the client as the client sees them."""
import base64
import socket
import ssl


class Raw:
    def __init__(self, port, source="127.0.0.1", timeout=10):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.bind((source, 0))
        self.s.connect(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def reply(self):
        """(code, [lines]) of the next reply; (0, []) when the server closed."""
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                return (0, lines)
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return (int(line[:3]), lines)

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()

    def starttls(self, cafile):
        """STARTTLS, the certificate checked against cafile."""
        r = self.cmd("STARTTLS")
        if r[0] == 220:
            ctx = ssl.create_default_context(cafile=cafile)
            self.s = ctx.wrap_socket(self.s, server_hostname="localhost")
            self.f = self.s.makefile("rb")
        return r

    def b64(self, text):
        return base64.b64encode(text.encode()).decode()

    def closed(self):
        """True when the server has closed the connection."""
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.s.close()


def show(tag, r):
    print(tag, r[0], " | ".join(r[1]))
