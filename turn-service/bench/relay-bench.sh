#!/usr/bin/env bash
# Relay throughput and allocation rate of turn-service and coturn, measured in the same run with the same clients
# (coturn's turnutils_uclient for relaying, alloc_bench.py for allocations), everything on loopback.
# Usage: turn-service/bench/relay-bench.sh [results-file]   (run from the repository root; needs coturn, python3)
# Builds turn-service if its jar is missing. Prints one line per measurement and writes them to the results file.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH="$ROOT/turn-service/bench"
# shellcheck source=servers.sh
. "$BENCH/servers.sh"
JAR="$ROOT/turn-service/target/quarkus-app/quarkus-run.jar"
OUT="${1:-$ROOT/turn-service/target/relay-bench.txt}"
ICEMESH_PORT=43478; ICEMESH_HTTP=48081; COTURN_PORT=44478; PEER_PORT=43480
USER=bench; PASS=bench; REALM=icemesh
PIDS=()

cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

for bin in turnserver turnutils_uclient turnutils_peer; do
  command -v "$bin" >/dev/null || { echo "$bin missing: apt-get install -y coturn" >&2; exit 1; }
done
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -pl turn-service -am package -DskipTests)

# CPU seconds (user+system) used by a process so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$1/stat"; }
rcvbuf_errors() { awk '/^Udp:/ {n++; if (n==2) print $6}' /proc/net/snmp; }

start_turn_service "$ROOT/turn-service/target/bench-turn-service.log" 127.0.0.1:1

start_coturn "$ROOT/turn-service/target/bench-coturn.log"

turnutils_peer -L 127.0.0.1 -p $PEER_PORT > /dev/null 2>&1 &
PIDS+=("$!")

for i in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$ICEMESH_HTTP/q/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done

LOGDIR="$ROOT/turn-service/target/bench-logs"; LOGN=0
rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
: > "$OUT"
report() { echo "$*" | tee -a "$OUT"; }
report "# $(date -u +%FT%TZ) $(nproc) cores, load average at start: $(cut -d" " -f1-3 /proc/loadavg), net.core.rmem_max=$(cat /proc/sys/net/core/rmem_max)"

# One uclient run against a server: clients, messages each, bytes, interval ms, extra flags.
relay_run() {
  local name=$1 pid=$2 port=$3 clients=$4 messages=$5 bytes=$6 interval=$7; shift 7
  local cpu0 cpu1 err0 err1 t0 t1 log lost sent recv
  LOGN=$((LOGN + 1)); log="$LOGDIR/uclient-$LOGN-$name.log"
  cpu0=$(cpu_seconds "$pid"); err0=$(rcvbuf_errors); t0=$(date +%s.%N)
  turnutils_uclient -c "$@" -m "$clients" -n "$messages" -l "$bytes" -z "$interval" -u $USER -w $PASS \
    -e 127.0.0.1 -r $PEER_PORT -p "$port" 127.0.0.1 > "$log" 2>&1 || true
  t1=$(date +%s.%N); cpu1=$(cpu_seconds "$pid"); err1=$(rcvbuf_errors)
  lost=$(grep -o 'Total lost packets [0-9]* ([0-9.]*%)' "$log" | tail -1 || echo "no summary")
  sent=$(grep -o 'tot_send_msgs=[0-9]*' "$log" | tail -1 | cut -d= -f2 || true); sent=${sent:-0}
  recv=$(grep -o 'tot_recv_msgs=[0-9]*' "$log" | tail -1 | cut -d= -f2 || true); recv=${recv:-0}
  local relayed=$((sent + recv))
  local cpu; cpu=$(echo "$cpu1 - $cpu0" | bc)
  local per_million="n/a"
  [ "$relayed" -gt 0 ] && per_million=$(echo "scale=2; $cpu * 1000000 / $relayed" | bc)
  local rate; rate=$(echo "scale=0; $relayed / ($t1 - $t0)" | bc)
  report "relay load=$(cut -d' ' -f1 /proc/loadavg) server=$name mode=${*:-channeldata} clients=$clients msgs=$messages bytes=$bytes interval_ms=$interval" \
    "relayed_packets=$relayed wall_s=$(echo "$t1 - $t0" | bc) relayed_per_s=$rate cpu_s=$cpu" \
    "cpu_s_per_million=$per_million $lost rcvbuf_errors=$((err1 - err0)) log=$log"
}

# Warm-up (JIT) for turn-service, not reported.
turnutils_uclient -c -m 20 -n 2000 -l 200 -z 1 -u $USER -w $PASS -e 127.0.0.1 -r $PEER_PORT -p $ICEMESH_PORT 127.0.0.1 >/dev/null 2>&1 || true

# Idle cost after warm-up (turn-service's is mostly the Kafka producer retrying the absent broker), reported only.
idle0=$(cpu_seconds "$ICEMESH_PID"); cidle0=$(cpu_seconds "$COTURN_PID"); sleep 10
report "idle_10s cpu_s turn-service=$(echo "$(cpu_seconds "$ICEMESH_PID") - $idle0" | bc) coturn=$(echo "$(cpu_seconds "$COTURN_PID") - $cidle0" | bc)"

for load in "50 1000 200 5" "100 1000 200 5" "100 1000 200 2" "100 1000 1000 5"; do
  # shellcheck disable=SC2086
  relay_run turn-service "$ICEMESH_PID" $ICEMESH_PORT $load
  # shellcheck disable=SC2086
  relay_run coturn "$COTURN_PID" $COTURN_PORT $load
done
for load in "100 1000 200 5"; do
  # shellcheck disable=SC2086
  relay_run turn-service "$ICEMESH_PID" $ICEMESH_PORT $load -s
  # shellcheck disable=SC2086
  relay_run coturn "$COTURN_PID" $COTURN_PORT $load -s
done

for par in 1 50; do
  for server in "turn-service $ICEMESH_PORT $ICEMESH_PID" "coturn $COTURN_PORT $COTURN_PID"; do
    set -- $server
    cpu0=$(cpu_seconds "$3")
    result=$(/usr/bin/python3 "$BENCH/alloc_bench.py" "$2" $USER $PASS $REALM 3000 "$par")
    cpu1=$(cpu_seconds "$3")
    report "allocate server=$1 parallel=$par $result server_cpu_s=$(echo "$cpu1 - $cpu0" | bc)"
  done
done
