#!/usr/bin/env python3
"""Holds many idle connections to the daemon's control socket, as a user
who wants to lock everybody else out of pptpctl would.

    ctlcrowd.py SOCKET COUNT SECONDS

Opens up to COUNT connections (each connect given 1 s, so a full backlog
cannot hang it), sends nothing, prints "connected N" and then waits up to
SECONDS for the daemon to close them: prints "closed K of N after T s"
when all are closed or the time is up, and exits 0.
"""
import select
import socket
import sys
import time


def main():
    path, count, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect(path)
        except OSError:
            s.close()
            continue
        socks.append(s)
    print("connected %d" % len(socks), flush=True)
    start = time.monotonic()
    open_ = set(socks)
    while open_ and time.monotonic() - start < limit:
        r, _, _ = select.select(list(open_), [], [], 0.2)
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            # a refusal message is followed by the close: wait for EOF
            if not data:
                open_.discard(s)
    print("closed %d of %d after %.1f s" %
          (len(socks) - len(open_), len(socks), time.monotonic() - start),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
