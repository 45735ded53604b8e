#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""delayline.py: a user-space delay line between two network namespaces.

`tc netem` is missing from this kernel, so the benchmark joins a client and
a server namespace with two TUN devices and this program in between: every
IP packet read from one device is written to the other DELAY ms later.  Both
ends keep real kernel TCP (handshake, Nagle, delayed ACKs, slow start), which
is what a latency benchmark must see; a TCP relay would terminate TCP and
hide exactly those effects.

    delayline.py --client-ns NS --server-ns NS --delay-ms 25 --log FILE

Creates the TUN devices, moves them into the namespaces (which must exist)
and configures CLIENT_ADDR and SERVER_ADDR (10.201.0.1 and .2) as a
point-to-point link.  Writes "ready" to stdout when packets flow.  Each TCP
packet is logged as "TIME DIR SPORT DPORT FLAGS PAYLOAD" (DIR c: client to
server, s: server to client; TIME when it entered the line), which the
benchmark turns into round trips per connection.  Runs until killed.
"""
import argparse
import fcntl
import heapq
import os
import select
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLIENT_ADDR = "10.201.0.1"
SERVER_ADDR = "10.201.0.2"


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def ip(*args):
    subprocess.run(["ip", *args], check=True)


def setup(name, ns, local, peer):
    ip("link", "set", name, "netns", ns)
    ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", ns, "addr", "add", local, "peer", peer, "dev", name)
    ip("-n", ns, "link", "set", name, "up")


def tcp_summary(pkt):
    """(sport, dport, flags, payload length) of an IPv4 TCP packet, or None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 15) * 4
    total = struct.unpack("!H", pkt[2:4])[0]
    sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
    doff = (pkt[ihl + 12] >> 4) * 4
    flags = pkt[ihl + 13]
    names = "".join(c for bit, c in ((2, "S"), (1, "F"), (4, "R"), (16, "A"), (8, "P"))
                    if flags & bit)
    return sport, dport, names, total - ihl - doff


def run(cfd, sfd, delay, log):
    queue = []                      # (due, seq, fd to write, packet)
    seq = 0
    other = {cfd: (sfd, "c"), sfd: (cfd, "s")}
    while True:
        now = time.monotonic()
        timeout = max(0.0, queue[0][0] - now) if queue else None
        ready, _, _ = select.select([cfd, sfd], [], [], timeout)
        now = time.monotonic()
        for fd in ready:
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                out, direction = other[fd]
                heapq.heappush(queue, (now + delay, seq, out, pkt))
                seq += 1
                s = tcp_summary(pkt)
                if s and log:
                    log.write("%.6f %s %d %d %s %d\n" % ((now, direction) + s))
        while queue and queue[0][0] <= time.monotonic():
            _, _, out, pkt = heapq.heappop(queue)
            try:
                os.write(out, pkt)
            except OSError:
                pass                # a full TUN queue drops, as a link would
        if log:
            log.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client-ns", required=True)
    ap.add_argument("--server-ns", required=True)
    ap.add_argument("--delay-ms", type=float, default=25.0)
    ap.add_argument("--log")
    args = ap.parse_args()
    cfd = open_tun("sbench-c")
    sfd = open_tun("sbench-s")
    setup("sbench-c", args.client_ns, CLIENT_ADDR, SERVER_ADDR)
    setup("sbench-s", args.server_ns, SERVER_ADDR, CLIENT_ADDR)
    log = open(args.log, "a") if args.log else None
    print("ready", flush=True)
    run(cfd, sfd, args.delay_ms / 1000.0, log)


if __name__ == "__main__":
    sys.exit(main())
