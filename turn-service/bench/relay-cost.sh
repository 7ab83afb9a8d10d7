#!/usr/bin/env bash
# CPU per relayed packet and per allocation, turn-service against coturn 4.6.1, same clients, same run.
#
# Runs everything inside a network namespace it creates (only its own loopback: nothing else's packets, its own
# /proc/net/snmp counters) and removes on exit. The two servers are alternated step by step. Load comes from
# several turnutils_uclient processes (one single-threaded uclient cannot offer 300k packets/s), each with its own
# turnutils_peer echo, so that neither the client nor the peer is the first thing to saturate.
#
# Usage (root, from the repository root, nothing else running):
#   turn-service/bench/relay-cost.sh [results-file]
# Environment: LOADS="40000 120000 200000 300000" (relayed packets/s offered: both directions counted),
#              MODES="cd1000 cd200 send200", SECONDS_PER_STEP=8, PROCS=3 (uclient processes), ALLOCS=1000,
#              ALLOC_ROUNDS=3, ICEMESH_TURN_JAR (another build of turn-service), ICEMESH_JAVA_OPTS,
#              RELAY_COST_PIDS (a file that gets "turn-service-pid coturn-pid" once both servers started).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH="$ROOT/turn-service/bench"
# shellcheck source=servers.sh
. "$BENCH/servers.sh"
JAR="${ICEMESH_TURN_JAR:-$ROOT/turn-service/target/quarkus-app/quarkus-run.jar}"  # another build to compare: ICEMESH_TURN_JAR
OUT="${1:-$ROOT/turn-service/target/relay-cost.txt}"
LOADS="${LOADS-40000 120000 200000 300000}"
MODES="${MODES-cd1000 cd200 send200}"
SECONDS_PER_STEP="${SECONDS_PER_STEP:-8}"
PROCS="${PROCS:-3}"
ALLOCS="${ALLOCS:-1000}"
# shellcheck source=../../bench/lib/netns.sh
. "$ROOT/bench/lib/netns.sh"

if [ "${ICEMESH_IN_NETNS:-}" != "1" ]; then
  for bin in turnserver turnutils_uclient turnutils_peer ip bc; do
    command -v "$bin" >/dev/null || { echo "$bin missing: apt-get install -y coturn iproute2 bc" >&2; exit 1; }
  done
  [ -f "$JAR" ] || (cd "$ROOT" && ./mvnw -B -q -pl turn-service -am package -DskipTests)
fi
in_loopback_netns icemesh-cost "$0" "$@"
NS="${ICEMESH_NETNS:-this one}"

ICEMESH_PORT=43478; ICEMESH_HTTP=48081; COTURN_PORT=44478; PEER_BASE=43480; KAFKA_PORT=49092
USER=bench; PASS=bench; REALM=icemesh
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  [ -n "${KAFKA_DIR:-}" ] && rm -rf "$KAFKA_DIR"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# CPU ticks of a process's threads, summed by thread name without its number ("turn-loop-2-", "C2_CompilerThre").
thread_ticks() {
  for t in /proc/"$1"/task/*; do echo "$(tr ' ' _ < "$t/comm") $(awk '{print $14+$15}' "$t/stat")"; done 2>/dev/null |
    awk '{sub(/[0-9]+$/, "", $1); a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
# The three thread groups that used most CPU between two thread_ticks snapshots, in seconds.
thread_delta() {
  join "$1" "$2" | awk -v hz="$HZ" '{d = $3 - $2; if (d > 0) printf "%s %.2f\n", $1, d / hz}' | sort -k2 -rn | head -3 |
    awk '{printf "%s%s=%s", sep, $1, $2; sep = ","}'
}
rcvbuf_errors() { awk '/^Udp:/ {n++; if (n==2) print $6}' /proc/net/snmp; }
# Receive-queue drops of the sockets still open, summed by role: "listener relay peer" of the server on PORT
# (its relay ports are RELAY_LO-RELAY_HI); uclient's own drops are the rest of the RcvbufErrors delta.
socket_drops() {
  awk -v port="$1" -v lo="$2" -v hi="$3" -v peers="$PEER_BASE" -v procs="$PROCS" '
    function hex(h,   i, n) { n = 0; for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1; return n }
    NR > 1 {
      split($2, a, ":"); p = hex(a[2]);
      if (p == port) l += $NF; else if (p >= lo && p <= hi) r += $NF; else if (p >= peers && p < peers + procs) e += $NF;
    } END { printf "%d %d %d", l, r, e }' /proc/net/udp
}

# turn-service runs as deployed, publishing its events to a real broker (the project's embedded one; its CPU is its
# own process's and is not counted). Without a broker its Kafka producer's reconnect loop would be counted instead.
BROKER_JAR=$(ls "$ROOT"/kafka-broker/target/icemesh-kafka-broker-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1)
[ -n "$BROKER_JAR" ] || (cd "$ROOT" && ./mvnw -B -q -pl kafka-broker -am package -DskipTests)
BROKER_JAR=$(ls "$ROOT"/kafka-broker/target/icemesh-kafka-broker-*.jar | grep -v -- '-sources' | head -n 1)
KAFKA_DIR=$(mktemp -d)
java -Xms128m -Xmx512m -cp "$BROKER_JAR:$ROOT/kafka-broker/target/lib/*" io.icemesh.broker.KafkaBrokerMain \
  "$KAFKA_DIR" $KAFKA_PORT $((KAFKA_PORT + 1)) > "$ROOT/turn-service/target/cost-kafka.log" 2>&1 &
PIDS+=("$!")
for i in $(seq 1 300); do grep -q '^READY ' "$ROOT/turn-service/target/cost-kafka.log" && break; sleep 0.2; done

start_turn_service "$ROOT/turn-service/target/cost-turn-service.log" 127.0.0.1:$KAFKA_PORT

start_coturn "$ROOT/turn-service/target/cost-coturn.log" --no-stdout-log
# relay-profile.sh profiles these two processes
[ -n "${RELAY_COST_PIDS:-}" ] && echo "$ICEMESH_PID $COTURN_PID" > "$RELAY_COST_PIDS"

for p in $(seq 0 $((PROCS - 1))); do
  turnutils_peer -L 127.0.0.1 -p $((PEER_BASE + p)) > /dev/null 2>&1 &
  PIDS+=("$!")
done

for i in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$ICEMESH_HTTP/q/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done

LOGDIR="$ROOT/turn-service/target/cost-logs"
rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
: > "$OUT"
report() { echo "$*" | tee -a "$OUT"; }
report "# $(date -u +%FT%TZ) $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)," \
  "netns $NS, turn-service $(git -C "$ROOT" rev-parse --short HEAD) jar=$JAR, JAVA_OPTS='${ICEMESH_JAVA_OPTS:-}'"

# Allocation cost from the first one: PARALLEL 1, a fresh turn-service (nothing allocated yet), then coturn; then
# the next ALLOCS, and so on for ALLOC_ROUNDS rounds.
for round in $(seq 1 "${ALLOC_ROUNDS:-3}"); do
for server in "turn-service $ICEMESH_PORT $ICEMESH_PID" "coturn $COTURN_PORT $COTURN_PID"; do
  set -- $server
  thread_ticks "$3" > "$LOGDIR/threads0"; t0=$(cpu_ticks "$3")
  result=$(/usr/bin/python3 "$BENCH/alloc_bench.py" "$2" $USER $PASS $REALM "$ALLOCS" 1)
  t1=$(cpu_ticks "$3"); thread_ticks "$3" > "$LOGDIR/threads1"
  n=$(echo "$result" | grep -o 'allocations=[0-9]*' | cut -d= -f2)
  report "allocate server=$1 round=$round allocations_before=$(( (round - 1) * ALLOCS )) $result server_cpu_s=$(echo "scale=2; ($t1 - $t0) / $HZ" | bc)" \
    "cpu_us_per_allocation=$(echo "scale=1; ($t1 - $t0) * 1000000 / $HZ / $n" | bc)" \
    "threads=$(thread_delta "$LOGDIR/threads0" "$LOGDIR/threads1") load=$(cut -d' ' -f1 /proc/loadavg)"
done
done

# One step: PROCS uclient processes against one server; offered = relayed packets/s (both directions).
LOGN=0
relay_step() {
  local name=$1 pid=$2 port=$3 mode=$4 offered=$5 lo=49152 hi=57343
  local bytes=200 flags=""
  case $mode in cd1000) bytes=1000 ;; cd200) ;; send200) flags="-s" ;; esac
  # each client sends 1000/interval packets/s, each relayed twice (to the peer, and the echo back)
  local interval=1
  local clients=$(( (offered / 2 / 1000 + PROCS - 1) / PROCS ))
  local messages=$((SECONDS_PER_STEP * 1000 / interval))
  local t0 t1 e0 e1 w0 w1 sent=0 recv=0 p logs=() clients_pids=()
  [ "$port" = "$COTURN_PORT" ] && lo=57344 && hi=65535
  local d0 d1; read -r -a d0 <<< "$(socket_drops "$port" $lo $hi)"
  e0=$(rcvbuf_errors); t0=$(cpu_ticks "$pid"); w0=$(date +%s.%N)
  for p in $(seq 0 $((PROCS - 1))); do
    LOGN=$((LOGN + 1)); logs+=("$LOGDIR/uclient-$LOGN-$name-$mode-$offered-$p.log")
    # shellcheck disable=SC2086
    turnutils_uclient -c $flags -m "$clients" -n "$messages" -l "$bytes" -z "$interval" -u $USER -w $PASS \
      -e 127.0.0.1 -r $((PEER_BASE + p)) -p "$port" 127.0.0.1 > "${logs[-1]}" 2>&1 &
    clients_pids+=("$!")
  done
  wait "${clients_pids[@]}" || true
  w1=$(date +%s.%N); t1=$(cpu_ticks "$pid"); e1=$(rcvbuf_errors)
  read -r -a d1 <<< "$(socket_drops "$port" $lo $hi)"
  for log in "${logs[@]}"; do
    s=$(grep -o 'tot_send_msgs=[0-9]*' "$log" | tail -1 | cut -d= -f2 || true)
    r=$(grep -o 'tot_recv_msgs=[0-9]*' "$log" | tail -1 | cut -d= -f2 || true)
    sent=$((sent + ${s:-0})); recv=$((recv + ${r:-0}))
  done
  local relayed=$((sent + recv)) expected=$((2 * sent))
  local cpu; cpu=$(echo "scale=3; ($t1 - $t0) / $HZ" | bc)
  local us="n/a" loss="n/a"
  [ "$relayed" -gt 0 ] && us=$(echo "scale=2; $cpu * 1000000 / $relayed" | bc)
  [ "$sent" -gt 0 ] && loss=$(echo "scale=3; 100 * ($sent - $recv) / $sent" | bc)
  [ "$name" = warmup ] && return 0
  report "relay server=$name mode=$mode offered=$offered clients=$((clients * PROCS)) relayed=$relayed" \
    "wall_s=$(echo "scale=2; ($w1 - $w0)/1" | bc) relayed_per_s=$(echo "scale=0; $relayed / ($w1 - $w0)" | bc)" \
    "cpu_s=$cpu cpu_us_per_packet=$us loss_pct=$loss rcvbuf_errors=$((e1 - e0)) drops_listener=$((d1[0] - d0[0])) drops_relay=$((d1[1] - d0[1])) drops_peer=$((d1[2] - d0[2])) load=$(cut -d' ' -f1 /proc/loadavg)"
}

# Warm-up of turn-service's relay path (JIT), not reported: one short step per mode.
for mode in $MODES; do
  SECONDS_PER_STEP=3 relay_step warmup "$ICEMESH_PID" $ICEMESH_PORT "$mode" 120000
done

# Idle cost after warm-up, for reading the figures: it is included in every step's CPU.
i0=$(cpu_ticks "$ICEMESH_PID"); c0=$(cpu_ticks "$COTURN_PID"); sleep 10
report "idle_10s cpu_s turn-service=$(echo "scale=2; ($(cpu_ticks "$ICEMESH_PID") - $i0) / $HZ" | bc)" \
  "coturn=$(echo "scale=2; ($(cpu_ticks "$COTURN_PID") - $c0) / $HZ" | bc)"

for mode in $MODES; do
  for offered in $LOADS; do
    relay_step turn-service "$ICEMESH_PID" $ICEMESH_PORT "$mode" "$offered"
    relay_step coturn "$COTURN_PID" $COTURN_PORT "$mode" "$offered"
  done
done
