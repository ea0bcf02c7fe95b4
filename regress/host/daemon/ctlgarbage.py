#!/usr/bin/env python3
"""A hostile pptpctl: connects to the daemon's control socket, sends one
kind of bad input and reports what the daemon did with the connection.

    ctlgarbage.py SOCKET KIND

prints one line, "closed", "refused: MESSAGE" (a C_END with an error
result) or "open: ..." (the daemon neither closed nor refused within the
time limit), and exits 0 for closed or refused, 1 otherwise.

The framing mirrors privsep/imsg.h and privsep/msg.h: a 16-byte header
(type u16, flags u16, len u32, tunnel u32, peer u32, host byte order) and,
for C_REQUEST, struct ctl_request (version, cmd, flags u32, name[32]).
"""
import array
import os
import random
import select
import socket
import struct
import sys
import time

HDR = struct.Struct("=HHIII")
REQ = struct.Struct("=III32s")
END = struct.Struct("=I256s")
C_REQUEST, C_END = 100, 104
PCM_F_FD = 1
MAXPAYLOAD = 8192
CTL_VERSION, CTL_STATUS = 1, 1
RESULTS = {0: "ok", 1: "failed", 2: "denied", 3: "bad request"}
LIMIT = 5.0


def request(version=CTL_VERSION, cmd=CTL_STATUS, name=b"", flags=0):
    body = REQ.pack(version, cmd, 0, name)
    return HDR.pack(C_REQUEST, flags, len(body), 0, 0) + body


def watch(s, deadline):
    """Read until EOF, a reset, a C_END or the deadline."""
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "open: no close and no refusal in %.0f s" % LIMIT
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        try:
            data = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return "closed"
        if not data:
            return "closed"
        buf += data
        while len(buf) >= HDR.size:
            typ, _, ln, _, _ = HDR.unpack_from(buf)
            if len(buf) < HDR.size + ln:
                break
            body, buf = buf[HDR.size:HDR.size + ln], buf[HDR.size + ln:]
            if typ == C_END and ln == END.size:
                res, msg = END.unpack(body)
                msg = msg.split(b"\0", 1)[0].decode(errors="replace")
                if res == 0:
                    return "open: request accepted (%s)" % msg
                return "refused: %s: %s" % (RESULTS.get(res, res), msg)


def send_all(s, data, deadline):
    """Send while the daemon reads; a close or reset midway is 'closed'."""
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            return "open: daemon stopped reading, %d bytes unsent" % len(view)
        _, w, _ = select.select([], [s], [], left)
        if not w:
            continue
        try:
            n = s.send(view)
        except (ConnectionResetError, BrokenPipeError):
            return "closed"
        view = view[n:]
    return None


def main():
    path, kind = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    deadline = time.monotonic() + LIMIT
    rnd = random.Random(2637)
    half_close = False
    if kind == "random":
        # 64 KiB: enough to complete any header's claimed length
        data = bytes(rnd.getrandbits(8) for _ in range(65536))
    elif kind == "oversized":
        data = HDR.pack(C_REQUEST, 0, 0xFFFFFFF0, 0, 0) + b"\0" * 64
    elif kind == "just-over":
        data = HDR.pack(C_REQUEST, 0, MAXPAYLOAD + 1, 0, 0) + \
            b"\0" * (MAXPAYLOAD + 1)
    elif kind == "wrong-length":
        body = REQ.pack(CTL_VERSION, CTL_STATUS, 0, b"") + b"\0" * 4
        data = HDR.pack(C_REQUEST, 0, len(body), 0, 0) + body
    elif kind == "truncated":
        # a header announcing a full request, half the payload, then EOF
        data = request()[:HDR.size + REQ.size // 2]
        half_close = True
    elif kind == "valid":
        # the control case: a good request must come out as "open"
        data = request()
    elif kind == "version":
        data = request(version=99)
    elif kind == "command":
        data = request(cmd=999)
    elif kind == "name":
        data = request(name=b"../../etc\n" + b"x" * 22)
    elif kind == "daemon-type":
        # a type only the parent may send, with its exact length
        data = HDR.pack(9, 0, 64, 1, 0) + b"\0" * 64
    elif kind == "fd-flag":
        # announces a descriptor that never comes
        data = request(flags=PCM_F_FD)
    elif kind == "fds":
        # descriptors attached to requests that did not announce them
        fds = array.array("i", [os.open("/dev/null", os.O_RDONLY)
                                for _ in range(4)])
        s.setblocking(True)
        for _ in range(8):
            s.sendmsg([request(version=99)],
                      [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        s.setblocking(False)
        data = b""
        half_close = True
    elif kind == "huge":
        # a flood of valid requests whose replies are never read
        data = request() * (32 * 1024 * 1024 // len(request()))
    elif kind == "zeros":
        data = b"\0" * (4 * 1024 * 1024)
    else:
        print("unknown kind %s" % kind)
        return 2
    r = send_all(s, data, deadline)
    if r is None:
        if half_close:
            s.shutdown(socket.SHUT_WR)
        r = watch(s, deadline)
    print(r)
    return 0 if r == "closed" or r.startswith("refused") else 1


if __name__ == "__main__":
    sys.exit(main())
