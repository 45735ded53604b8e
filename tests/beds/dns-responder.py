#!/usr/bin/env python3
"""dns-responder.py ZONE-FILE PORT-FILE [ADDRESS]: a tiny authoritative DNS
server on UDP ADDRESS:53 (default 127.0.0.1), for tests that point a private
mount namespace's /etc/resolv.conf at it (tests/cases/configure.sh).

The zone file, one record a line ("#" comments):
    NAME SRV PRIORITY WEIGHT PORT TARGET     (TARGET "." : no such service)
    NAME MX PREFERENCE HOST
    NAME A ADDRESS
A name with no records is NXDOMAIN; a known name without the asked type
answers NOERROR with no records.  Each query is logged to ZONE-FILE.log.
Writes "53" to PORT-FILE once listening.  Runs until killed."""
import socket
import struct
import sys

zone_file, port_file = sys.argv[1], sys.argv[2]
address = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
TYPES = {"A": 1, "MX": 15, "SRV": 33}

records = {}
with open(zone_file) as f:
    for line in f:
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        name, rtype, data = parts[0].rstrip(".").lower(), parts[1], parts[2:]
        records.setdefault(name, []).append((TYPES[rtype], data))


def encode_name(name):
    name = name.rstrip(".")
    out = b""
    for label in name.split(".") if name else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(rtype, data):
    if rtype == 1:
        return socket.inet_aton(data[0])
    if rtype == 15:
        return struct.pack("!H", int(data[0])) + encode_name(data[1])
    return struct.pack("!HHH", int(data[0]), int(data[1]), int(data[2])) + encode_name(data[3])


def answer(query):
    qid, flags = struct.unpack("!HH", query[:4])
    labels, i = [], 12
    while query[i]:
        labels.append(query[i + 1:i + 1 + query[i]].decode())
        i += 1 + query[i]
    qtype, _qclass = struct.unpack("!HH", query[i + 1:i + 5])
    question = query[12:i + 5]
    name = ".".join(labels).lower()
    with open(zone_file + ".log", "a") as log:
        log.write("%s %d\n" % (name, qtype))
    found = [r for r in records.get(name, []) if r[0] == qtype]
    rcode = 3 if name not in records else 0
    head = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | 0x0080 | rcode, 1,
                       len(found), 0, 0)
    body = b""
    for rtype, data in found:
        rd = rdata(rtype, data)
        body += struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(rd)) + rd
    return head + question + body


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((address, 53))
with open(port_file + ".new", "w") as f:
    f.write("53\n")
import os
os.rename(port_file + ".new", port_file)
while True:
    data, peer = sock.recvfrom(4096)
    try:
        sock.sendto(answer(data), peer)
    except Exception as e:  # a query we cannot parse: no answer
        sys.stderr.write("dns-responder: %s\n" % e)
