#!/usr/bin/env bash
# How many concurrent WebSocket sessions one signaling-service instance holds, and its memory per session.
# Starts its own broker and signaling (./icemesh, in a temporary ICEMESH_HOME on other ports), then holds
# the given numbers of sessions (rooms of two) with bench/WsLoad.java and prints a Markdown table.
#   bench/signaling-ws-load.sh [SESSIONS...]      default: 1000 5000 10000
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export ICEMESH_HOME=$(mktemp -d /tmp/icemesh-bench-XXXXXX)
export ICEMESH_KAFKA_PORT=19092 ICEMESH_KAFKA_CONTROLLER_PORT=19093 ICEMESH_SIGNALING_HTTP_PORT=18080
export ICEMESH_JAVA_OPTS="-Xms256m -Xmx2g"
trap '"$root/icemesh" down >/dev/null; rm -rf "$ICEMESH_HOME"' EXIT
ulimit -n 65536 2>/dev/null || true
"$root/icemesh" up -d signaling
pid=$(cat "$ICEMESH_HOME/run/signaling.pid")
java -Xmx1g "$root/bench/WsLoad.java" "$ICEMESH_SIGNALING_HTTP_PORT" "$pid" "$ICEMESH_HOME/dev-jwt-secret" \
    ${@:-1000 5000 10000}
