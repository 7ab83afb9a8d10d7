#!/usr/bin/env bash
# Cold start to ready of each JVM service container, one at a time, with Kafka and the other services already up:
# the time from `podman start` to the first 200 of /q/health/ready on its published port (polled every 100 ms),
# and the JVM's resident memory once ready. Brings up its own compose project (icemesh-startup, subnet
# 10.89.79.0/24, host ports 38080-38083 and friends on 127.0.0.1) and takes it down again. Root; the images from
# deploy/containers.sh build. Prints one line per service and round; docs/benchmarks.md quotes its output.
#   deploy/containers/start-times.sh [ROUNDS]     (default 3)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${1:-3}
export ICEMESH_COMPOSE_PROJECT=icemesh-startup ICEMESH_CONTAINERS_NET=10.89.79 ICEMESH_PUBLISH_ADDRESS=127.0.0.1 \
    ICEMESH_SIGNALING_HOST_PORT=38080 ICEMESH_TURN_HTTP_HOST_PORT=38081 ICEMESH_MEDIA_HTTP_HOST_PORT=38082 \
    ICEMESH_MONITOR_HOST_PORT=38083 ICEMESH_PROMETHEUS_HOST_PORT=39090 ICEMESH_TURN_HOST_PORT=33478 \
    ICEMESH_TURN_TLS_HOST_PORT=35349 ICEMESH_MEDIA_UDP_PORT=30000 ICEMESH_TURN_RELAY_MIN_PORT=38100 \
    ICEMESH_TURN_RELAY_MAX_PORT=38109
export CONTAINERS_CONF=$HERE/containers.conf
declare -A PORT=([signaling-service]=38080 [turn-service]=38081 [media-service]=38082 [monitor-service]=38083)

trap '"$HERE/../containers.sh" down >/dev/null 2>&1' EXIT
"$HERE/../containers.sh" up >/dev/null
uptime
for ((round = 1; round <= ROUNDS; round++)); do
    for s in signaling-service turn-service media-service monitor-service; do
        c=${ICEMESH_COMPOSE_PROJECT}_${s}_1
        podman stop -t 60 "$c" >/dev/null 2>&1   # (podman logs that it has no systemd for health check timers)
        t0=$(date +%s%3N)
        podman start "$c" >/dev/null 2>&1
        until curl -fs -o /dev/null "http://127.0.0.1:${PORT[$s]}/q/health/ready"; do sleep 0.1; done
        t1=$(date +%s%3N)
        rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$(podman inspect --format '{{.State.Pid}}' "$c")/status")
        echo "round $round $s: start to ready $((t1 - t0)) ms, RSS when ready $rss MiB"
    done
done
uptime
