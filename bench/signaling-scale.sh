#!/usr/bin/env bash
# Relay latency (same instance vs across instances) and join rate of signaling with 1 and 3 instances
# (./icemesh up --scale signaling=N), for docs/benchmarks.md. Starts its own broker and signaling instances in a
# temporary ICEMESH_HOME on other ports, and prints a Markdown table. Run it on a quiet machine only.
#   bench/signaling-scale.sh [ROOMS] [OFFERS_PER_ROOM] [INSTANCES...]     default: 200 20 1 3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rooms=${1:-200}
offers=${2:-20}
shift $(( $# < 2 ? $# : 2 ))
counts=(${@:-1 3})
export ICEMESH_HOME=$(mktemp -d /tmp/icemesh-bench-XXXXXX)
export ICEMESH_KAFKA_PORT=19092 ICEMESH_KAFKA_CONTROLLER_PORT=19093 ICEMESH_SIGNALING_HTTP_PORT=18080
export ICEMESH_JAVA_OPTS="-Xms256m -Xmx1g"
trap '"$root/icemesh" down >/dev/null; rm -rf "$ICEMESH_HOME"' EXIT
ulimit -n 65536 2>/dev/null || true
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| instances | placement | sessions | join rate (/s) | relay p50 (ms) | p90 (ms) | p99 (ms) |"
echo "|---|---|---|---|---|---|---|"
for n in "${counts[@]}"; do
    "$root/icemesh" up -d --scale "signaling=$n" signaling >/dev/null
    ports=()
    for ((k = 0; k < n; k++)); do ports+=($((ICEMESH_SIGNALING_HTTP_PORT + 100 * k))); done
    run() { java -Xmx512m "$root/bench/RelayLatency.java" "$ICEMESH_HOME/dev-jwt-secret" "$@"; }
    run same "$rooms" "$offers" "${ports[@]}"
    ((n > 1)) && run cross "$rooms" "$offers" "${ports[@]}"
    "$root/icemesh" down >/dev/null
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
