#!/usr/bin/env python3
"""Floods the daemon's control socket with requests it must refuse (a
protocol version it does not speak) and never reads a reply, so that
the control process's reply queue for this client fills up and it has
to drop the client in the middle of answering it.

    ctlflood.py SOCKET [COUNT]

Sends COUNT (default 10000) requests or until the daemon closes the
connection; prints "closed after N requests" or "sent N requests" and
exits 0. The framing is that of ctlgarbage.py.
"""
import socket
import struct
import sys

HDR = struct.Struct("=HHIII")
REQ = struct.Struct("=III32s")
C_REQUEST = 100
BAD_VERSION, CTL_STATUS = 99, 1


def main():
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    body = REQ.pack(BAD_VERSION, CTL_STATUS, 0, b"")
    one = HDR.pack(C_REQUEST, 0, len(body), 0, 0) + body
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    # a send that blocks this long means the daemon stopped reading us;
    # that is an answer too, not a hang of the test
    s.settimeout(10)
    sent = 0
    try:
        while sent < count:
            s.sendall(one)
            sent += 1
    except (BrokenPipeError, ConnectionResetError):
        print("closed after %d requests" % sent)
        return 0
    except socket.timeout:
        print("daemon stopped reading after %d requests" % sent)
        return 0
    print("sent %d requests" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
