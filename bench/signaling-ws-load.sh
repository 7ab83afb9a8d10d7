#!/usr/bin/env bash
# How many concurrent WebSocket sessions one signaling-service instance holds, and its memory per session.
# Starts its own broker and signaling (./icemesh, in a temporary ICEMESH_HOME on other ports), then holds
# the given numbers of sessions (rooms of two) with bench/WsLoad.java and prints a Markdown table.
#   bench/signaling-ws-load.sh [SESSIONS...]      default: 1000 5000 10000
#   SCALE=3 bench/signaling-ws-load.sh ...        three instances on one room log: the sessions go to instance 0,
#                                                 instance 1 (every room's state, no socket) is measured beside it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export ICEMESH_HOME=$(mktemp -d /tmp/icemesh-bench-XXXXXX)
export ICEMESH_KAFKA_PORT=19092 ICEMESH_KAFKA_CONTROLLER_PORT=19093 ICEMESH_SIGNALING_HTTP_PORT=18080
export ICEMESH_JAVA_OPTS="-Xms256m -Xmx2g"
trap '"$root/icemesh" down >/dev/null; rm -rf "$ICEMESH_HOME"' EXIT
ulimit -n 65536 2>/dev/null || true
scale=${SCALE:-1}
"$root/icemesh" up -d --scale "signaling=$scale" signaling
pid=$(cat "$ICEMESH_HOME/run/signaling.pid")
replica=()
if ((scale > 1)); then
    replica=(--replica "$((ICEMESH_SIGNALING_HTTP_PORT + 100)):$(cat "$ICEMESH_HOME/run/signaling-1.pid")")
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $scale instance(s)"
java -Xmx1g "$root/bench/WsLoad.java" "$ICEMESH_SIGNALING_HTTP_PORT" "$pid" "$ICEMESH_HOME/dev-jwt-secret" \
    "${replica[@]}" ${@:-1000 5000 10000}
