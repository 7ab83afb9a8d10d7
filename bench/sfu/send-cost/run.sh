#!/usr/bin/env bash
# What batching an SFU's sends could save on this kernel (issue #18): CPU per 1200-byte datagram sent to 200
# loopback sockets, through sendto(2) one by one, sendmmsg(2) in one batch, and the JDK's DatagramSocket.send (what
# ice4j, and so media-service, sends with). Alternates them RUNS times (default 3). Loopback only; needs gcc and
# JDK 17. Run on a quiet machine: about 20 s per round of three.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=${1:-3}
BIN=$(mktemp -d)/send_cost
trap 'rm -rf "$(dirname "$BIN")"' EXIT
gcc -O2 -Wall -o "$BIN" "$HERE/send_cost.c"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < RUNS; i++)); do
    "$BIN" 20000 sendto
    "$BIN" 20000 sendmmsg
    java "$HERE/SendCost.java" 20000
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
