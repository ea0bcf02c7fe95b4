#!/usr/bin/env python3
"""Many requests on one control connection, as fast as the daemon takes
them, reading every reply (so the client is not a slow one):

    ctlpipeline.py SOCKET COMMAND NAME COUNT SECONDS

COMMAND is a number of enum ctl_cmd (privsep/msg.h). Stops after COUNT
answered requests or SECONDS, prints how many were answered, exits 0.
The framing is privsep/imsg.h's: a 16-byte header (type u16, flags u16,
len u32, tunnel u32, peer u32, host byte order), then struct ctl_request.
"""
import socket
import struct
import sys
import time

HDR = struct.Struct("=HHIII")
REQ = struct.Struct("=III32s")
C_REQUEST, C_END = 100, 104
CTL_VERSION = 1
WINDOW = 64     # requests written ahead of their answers


def main():
    path, cmd, name = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    count, seconds = int(sys.argv[4]), float(sys.argv[5])
    body = REQ.pack(CTL_VERSION, cmd, 0, name)
    req = HDR.pack(C_REQUEST, 0, len(body), 0, 0) + body
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(5)
    deadline = time.monotonic() + seconds
    sent = answered = 0
    buf = b""
    while answered < count and time.monotonic() < deadline:
        while sent < count and sent - answered < WINDOW:
            s.sendall(req)
            sent += 1
        data = s.recv(65536)
        if not data:
            break
        buf += data
        while len(buf) >= HDR.size:
            typ, _, ln, _, _ = HDR.unpack_from(buf)
            if len(buf) < HDR.size + ln:
                break
            buf = buf[HDR.size + ln:]
            if typ == C_END:
                answered += 1
    print(answered)


if __name__ == "__main__":
    main()
