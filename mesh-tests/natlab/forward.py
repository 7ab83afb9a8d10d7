"""Forwards TCP connections from the host namespace's loopback into a network namespace.

    forward.py NETNS HOST PORT

Listens on 127.0.0.1 (an ephemeral port, printed on the first line of stdout) in the namespace it starts in, then
enters NETNS (setns(2) on /run/netns/NETNS) and forwards every accepted connection to HOST:PORT there. This is
how a test in the host namespace reaches chromedriver or a service inside the test network without an interface,
route or firewall rule in the host namespace. Runs until killed or until stdin closes.
"""
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listener, host, port):
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection((host, port), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main():
    netns, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit("setns(%s): %s" % (netns, os.strerror(ctypes.get_errno())))
    os.close(fd)
    print(listener.getsockname()[1], flush=True)
    threading.Thread(target=serve, args=(listener, host, port), daemon=True).start()
    # The parent holds our stdin open; when it goes (the test ended or died), so do we.
    sys.stdin.read()


if __name__ == "__main__":
    main()
