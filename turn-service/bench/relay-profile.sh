#!/usr/bin/env bash
# Where each server's CPU per relayed packet goes: one relay-cost.sh step per server (MODE at LOAD, 30 s), with
# `perf record` on the server during 15 s of its step and `perf stat` counting its context switches for 5 s.
# Prints, per server, the share of its samples in user space and in the kernel's send, receive, delivery (loopback
# delivery to the receiving socket happens inside the sender's system call), wake-up and context-switch paths.
#
# Usage (root, from the repository root, nothing else running; about 2 minutes):
#   turn-service/bench/relay-profile.sh [MODE] [LOAD]      # defaults: cd200 120000
# Output and perf data: turn-service/target/relay-profile/. Needs perf (apt-get install -y linux-perf).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODE="${1:-cd200}"; LOAD="${2:-120000}"
OUT="$ROOT/turn-service/target/relay-profile"
rm -rf "$OUT"; mkdir -p "$OUT"
command -v perf >/dev/null || { echo "perf missing: apt-get install -y linux-perf" >&2; exit 1; }
export RELAY_COST_PIDS="$OUT/pids"

udp_in() { awk '/^Udp:/ {n++; if (n == 2) print $2}' "/proc/$1/net/snmp"; }  # datagrams in, the process's netns

# Waits for the server's main step (its uclients send 30,000 messages each; the warm-up steps send 3,000), then
# profiles it. Relayed packets in the perf stat window: each one is received twice in the namespace (by the server,
# then by the client or peer it goes to), so half the namespace's UDP datagrams in.
profile_when_running() {  # profile_when_running PORT NAME PID-FIELD
  local pid="" i
  for i in $(seq 1 1200); do
    [ -s "$RELAY_COST_PIDS" ] && pgrep -f "turnutils_uclient.* -n 30000 .* -p $1 " >/dev/null && break
    sleep 0.5
  done
  [ -s "$RELAY_COST_PIDS" ] && pid=$(cut -d' ' -f"$3" "$RELAY_COST_PIDS")
  if [ -z "$pid" ] || ! pgrep -f "turnutils_uclient.* -n 30000 .* -p $1 " >/dev/null; then
    echo "relay-profile: $2's step never started; see $OUT/steps.txt" >&2; return 1
  fi
  sleep 5
  perf record -F 999 -g -p "$pid" -o "$OUT/$2.data" -- sleep 15 > "$OUT/$2.record.log" 2>&1
  local in0 in1; in0=$(udp_in "$pid")
  perf stat -e context-switches -p "$pid" -- sleep 5 > "$OUT/$2.stat.txt" 2>&1
  in1=$(udp_in "$pid")
  echo $(( (in1 - in0) / 2 / 5 )) > "$OUT/$2.rate"
}
( profile_when_running 43478 turn-service 1 && profile_when_running 44478 coturn 2 ) &
PROFILER=$!
trap 'kill "$PROFILER" 2>/dev/null || true' EXIT
ICEMESH_JAVA_OPTS="${ICEMESH_JAVA_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" \
  ALLOC_ROUNDS=0 LOADS="$LOAD" MODES="$MODE" SECONDS_PER_STEP=30 "$ROOT/turn-service/bench/relay-cost.sh" "$OUT/steps.txt"
wait "$PROFILER" || { echo "relay-profile: profiling failed" >&2; exit 1; }

for server in turn-service coturn; do
  us=$(grep "server=$server " "$OUT/steps.txt" | grep -o 'cpu_us_per_packet=[0-9.]*' | cut -d= -f2)
  rate=$(cat "$OUT/$server.rate")
  cs=$(awk '/context-switches/ {gsub(",", "", $1); print $1}' "$OUT/$server.stat.txt")
  echo "== $server: $us µs of CPU per relayed packet (whole step); during the 5 s count, $rate packets/s and" \
    "$(echo "scale=3; $cs / 5 / $rate" | bc) context switches per packet"
  perf report -i "$OUT/$server.data" --no-children --sort dso -g none --stdio 2>/dev/null | grep '%' | head -n 5 |
    awk -v us="$us" '{printf "   %6s %5.2f µs  %s\n", $1, us * $1 / 100, $2}'
  # inclusive (children) shares: these overlap (context switches happen inside the system calls)
  perf report -i "$OUT/$server.data" --children --sort sym -g none --stdio 2>/dev/null |
    grep -E '\] (__sys_sendmmsg|__sys_sendto|udp_sendmsg|__sys_recvmsg|net_rx_action|__udp_enqueue_schedule_skb|do_epoll_wait|finish_task_switch[.a-z0-9]*|__cond_resched|exit_to_user_mode_loop)$' |
    awk -v us="$us" '{printf "   %6s %5.2f µs  %s (inclusive)\n", $1, us * $1 / 100, $NF}'
done | tee "$OUT/summary.txt"
