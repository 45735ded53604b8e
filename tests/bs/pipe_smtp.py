"""smtplib over a pipe: an SMTP client for `sendas -bs` run as a child
process with its standard input and output on two pipes (not a socket, so
sendas sees what Symfony's or Laravel's sendmail transport gives it)."""
import os
import smtplib
import subprocess


class PipeSock:
    """The little of a socket that smtplib uses, over a child's pipes."""

    def __init__(self, proc):
        self.proc = proc

    def sendall(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def makefile(self, mode):
        return self.proc.stdout

    def close(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass


class PipeSMTP(smtplib.SMTP):
    def __init__(self, argv, env=None, stderr=None):
        self.argv = argv
        self.child_env = env
        self.child_stderr = stderr
        self.proc = None
        super().__init__()
        self.connect()

    def connect(self, host="", port=0, source_address=None):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self.child_stderr,
                                     env=self.child_env)
        self.sock = PipeSock(self.proc)
        self.file = None
        return self.getreply()

    def wait(self):
        self.close()
        return self.proc.wait(timeout=30)
