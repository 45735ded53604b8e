#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/queue/parallel-server.py: a plain SMTP server on 127.0.0.1 that
serves many sessions at once, for tests/queue/parallel.sh (the scripted
test server, tests/server, serves one session at a time).

    parallel-server.py --port-file FILE --record FILE [--delay-ms N] [--refuse]

Each session gets a number (1, 2, ...).  The record file gets one line per
event, written at once:
    open N            session N began
    sent ID SENDER N  a message accepted (ID: its X-Test-ID field)
    close N           session N ended
A message whose X-Test-ID starts with "refuse" is answered 550 5.7.1 after
its content, one starting with "defer" 451 4.3.0; every other is accepted
after --delay-ms (so that sessions overlap).  With --refuse every session
is refused at once (554 5.3.2 greeting, then closed).  SIGTERM ends the
server.
"""
import argparse
import asyncio
import os
import signal


class Server:
    def __init__(self, record, delay, refuse):
        self.refuse = refuse
        self.record = open(record, "a", buffering=1)
        self.delay = delay / 1000.0
        self.sessions = 0

    def log(self, text):
        self.record.write(text + "\n")

    async def session(self, reader, writer):
        self.sessions += 1
        n = self.sessions
        self.log("open %d" % n)
        if self.refuse:
            writer.write(b"554 5.3.2 parallel: no service\r\n")
            await writer.drain()
            self.log("close %d" % n)
            writer.close()
            return
        writer.write(b"220 parallel ESMTP\r\n")
        sender, ident, in_data = "-", "-", False
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if in_data:
                    if line == b".\r\n":
                        in_data = False
                        writer.write(await self.verdict(ident, sender, n))
                    elif line.lower().startswith(b"x-test-id:"):
                        ident = line.split(b":", 1)[1].strip().decode()
                    continue
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-parallel\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    sender, ident = line[10:].split(b">")[0].lstrip(b"<").decode(), "-"
                    writer.write(b"250 2.1.0 ok\r\n")
                elif verb == b"DATA":
                    in_data = True
                    writer.write(b"354 go\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        finally:
            self.log("close %d" % n)
            writer.close()

    async def verdict(self, ident, sender, n):
        if ident.startswith("refuse"):
            return b"550 5.7.1 refused for good\r\n"
        if ident.startswith("defer"):
            return b"451 4.3.0 try again later\r\n"
        await asyncio.sleep(self.delay)
        self.log("sent %s %s %d" % (ident, sender, n))
        return b"250 2.0.0 queued\r\n"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--refuse", action="store_true")
    a = ap.parse_args()
    srv = Server(a.record, a.delay_ms, a.refuse)
    server = await asyncio.start_server(srv.session, "127.0.0.1", 0)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


asyncio.run(main())
