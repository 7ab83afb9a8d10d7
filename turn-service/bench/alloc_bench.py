#!/usr/bin/python3
"""Allocation rate of a TURN server on loopback: 401 round trip, signed Allocate, Refresh(0).

Usage: alloc_bench.py PORT USER PASSWORD REALM COUNT PARALLEL
PARALLEL clients run interleaved in one thread (non-blocking), each doing COUNT/PARALLEL allocations in turn,
each allocation from a new socket (a reused 5-tuple may meet 437 while the server still holds the old one).
Prints one line: allocations, seconds, allocations/s, failures.
"""
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time
import zlib

COOKIE = 0x2112A442


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * ((4 - len(v) % 4) % 4)


def message(mtype, tx, attrs, key=None):
    body = b"".join(attrs)
    if key is not None:
        head = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tx
        mac = hmac.new(key, head + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    head = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tx
    crc = (zlib.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
    body += attr(0x8028, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), COOKIE) + tx + body


def attrs_of(data):
    out, i = {}, 20
    while i + 4 <= len(data):
        t, l = struct.unpack("!HH", data[i:i + 4])
        out.setdefault(t, data[i + 4:i + 4 + l])
        i += 4 + l + ((4 - l % 4) % 4)
    return out


class Session:
    def __init__(self, server, user, password, realm, poller, by_fd):
        self.poller, self.by_fd, self.sock = poller, by_fd, None
        self.server, self.user, self.realm = server, user.encode(), realm.encode()
        self.key = hashlib.md5(user.encode() + b":" + realm.encode() + b":" + password.encode()).digest()
        self.state, self.nonce, self.sent_at = "idle", None, 0

    def send(self, data):
        self.sent_at = time.monotonic()
        self.last = data
        self.sock.sendto(data, self.server)

    def new_socket(self):
        if self.sock is not None:
            self.poller.unregister(self.sock.fileno())
            del self.by_fd[self.sock.fileno()]
            self.sock.close()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.by_fd[self.sock.fileno()] = self
        self.poller.register(self.sock.fileno(), select.EPOLLIN)

    def start(self):
        self.new_socket()
        self.tx = os.urandom(12)
        self.state = "challenge"
        self.send(message(0x0003, self.tx, [attr(0x0019, struct.pack("!I", 17 << 24))]))

    def signed(self, mtype, extra):
        self.tx = os.urandom(12)
        return message(mtype, self.tx, extra + [attr(0x0006, self.user), attr(0x0014, self.realm),
                                               attr(0x0015, self.nonce)], self.key)

    def on_answer(self, data):
        """Returns True when one allocation finished (allocated and deleted), False on failure, None otherwise."""
        if data[8:20] != self.tx:
            return None
        mtype = struct.unpack("!H", data[:2])[0]
        a = attrs_of(data)
        if self.state == "challenge":
            self.nonce = a.get(0x0015)
            if self.nonce is None:
                self.state = "idle"
                return False
            self.state = "allocate"
            self.send(self.signed(0x0003, [attr(0x0019, struct.pack("!I", 17 << 24))]))
            return None
        if self.state == "allocate":
            if mtype != 0x0103:
                self.state = "idle"
                return False
            self.state = "delete"
            self.send(self.signed(0x0004, [attr(0x000D, struct.pack("!I", 0))]))
            return None
        if self.state == "delete":
            self.state = "idle"
            return mtype == 0x0104
        return None


def main():
    port, user, password, realm, count, parallel = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    server = ("127.0.0.1", int(port))
    poller = select.epoll()
    by_fd = {}
    sessions = [Session(server, user, password, realm, poller, by_fd) for _ in range(parallel)]
    done = failed = started = 0
    t0 = time.monotonic()
    for s in sessions:
        if started < count:
            s.start()
            started += 1
    while done + failed < count:
        for fd, _ in poller.poll(0.05):
            s = by_fd.get(fd)
            if s is None:
                continue
            try:
                data = s.sock.recv(2048)
            except BlockingIOError:
                continue
            r = s.on_answer(data)
            if r is None:
                continue
            if r:
                done += 1
            else:
                failed += 1
            if started < count:
                s.start()
                started += 1
        now = time.monotonic()
        for s in sessions:
            if s.state != "idle" and now - s.sent_at > 0.5:
                s.send(s.last)
    elapsed = time.monotonic() - t0
    print("allocations=%d seconds=%.3f rate=%.0f/s failed=%d" % (done, elapsed, done / elapsed, failed))


if __name__ == "__main__":
    main()
