#!/usr/bin/env bash
# media-service against Janus 1.1 (videoroom) with the Java load generator (loadgen/), same loads, same run,
# loopback only: server CPU per forwarded Mbit/s, loss, join rate and memory (issue #18).
#
#   bench/sfu/loadgen-bench.sh [LOAD...]
#
# LOAD = ROOMSxSUBSCRIBERS[@CLIP], one publisher per room; CLIP is 720 (2.5 Mbit/s, the default) or 360 (0.6 Mbit/s).
# Default: 1x20 1x80 1x200 5x4 20x4 50x4 (about 50, 200 and 500 Mbit/s forwarded, one big room and rooms of four).
# Starts its own icemesh (Kafka, signaling-service, media-service via ./icemesh up, on free ports, state in a temp
# folder; a room may hold 201 peers and the node 1000 endpoints) and its own Janus (janus-config.sh,
# lo_not_loopback.so preloaded), makes the two clips once with libvpx (vp8clip.py), then runs every load against both
# servers, alternating which goes first, and prints a table. Raw JSON lines go to $LOADGEN_BENCH_OUT (default
# bench/sfu/results-loadgen-<UTC time>.jsonl). Env: LOADGEN_BENCH_DURATION (15 s), LOADGEN_BENCH_WARMUP (35 s),
# LOADGEN_BENCH_REPEAT (1), LOADGEN_BENCH_REACTORS (1), LOADGEN_BENCH_PAUSE (10 s of rest before each run),
# LOADGEN_BENCH_SERVERS ("janus icemesh"; one of them alone for loads the other cannot hold, such as a sweep past
# Janus's limit), LOADGEN_BENCH_SERVER_WARMUP (10 s of 1x20 at 720p per server before the first recorded run; the
# JVM's compilers are still at work for minutes after a start, which weighs at the lightest loads).
# Needs: JDK 17, janus and gcc, /usr/bin/python3 with python3-av (Debian). Run on a quiet machine: the script waits
# for the load average to fall below 1 before it starts, and writes the load average before each run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
LOADS=("$@")
((${#LOADS[@]})) || LOADS=(1x20 1x80 1x200 5x4 20x4 50x4)
DURATION=${LOADGEN_BENCH_DURATION:-15}
# 35 s: media-service's ice4j keeps each agent's check pacer running 20 ms apart until 30 s after ICE completed
# (ice4j.ice.termination-delay); a window inside those 30 s measures that, not forwarding (docs/benchmarks.md)
WARMUP=${LOADGEN_BENCH_WARMUP:-35}
REPEAT=${LOADGEN_BENCH_REPEAT:-1}
REACTORS=${LOADGEN_BENCH_REACTORS:-1}
PAUSE=${LOADGEN_BENCH_PAUSE:-10}
SERVER_WARMUP=${LOADGEN_BENCH_SERVER_WARMUP:-10}
read -r -a SERVERS <<< "${LOADGEN_BENCH_SERVERS:-janus icemesh}"
for server in "${SERVERS[@]}"; do [[ $server == janus || $server == icemesh ]] || { echo "bad server $server" >&2; exit 2; }; done
OUT=${LOADGEN_BENCH_OUT:-$HERE/results-loadgen-$(date -u +%Y-%m-%dT%H%M).jsonl}
CLIPS=${LOADGEN_BENCH_CLIPS:-${TMPDIR:-/tmp}/icemesh-loadgen-clips}

say() { echo "loadgen-bench: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in janus gcc java; do command -v "$tool" >/dev/null || die "$tool not found"; done
"$PY" -c 'import av, numpy' 2>/dev/null || die "$PY needs python3-av"

JAR=$ROOT/loadgen/target/icemesh-loadgen.jar
if [[ ! -f $JAR || -z ${LOADGEN_BENCH_NO_BUILD:-} ]]; then
    say "building (./mvnw -q -o package -DskipTests -pl loadgen,signaling-service,media-service,kafka-broker -am)"
    (cd "$ROOT" && ./mvnw -q -o package -DskipTests -pl loadgen,signaling-service,media-service,kafka-broker -am) >&2 \
        || (cd "$ROOT" && ./mvnw -q package -DskipTests -pl loadgen,signaling-service,media-service,kafka-broker -am) >&2
fi
mkdir -p "$CLIPS"
[[ -f $CLIPS/720.vp8 ]] || "$PY" "$HERE/vp8clip.py" "$CLIPS/720.vp8" --width 1280 --height 720 --kbps 2500 >&2
[[ -f $CLIPS/360.vp8 ]] || "$PY" "$HERE/vp8clip.py" "$CLIPS/360.vp8" --width 640 --height 360 --kbps 600 >&2

WORK=$(mktemp -d /tmp/loadgen-bench.XXXXXX)
free_port() { "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"; }
export ICEMESH_HOME=$WORK/icemesh
export ICEMESH_KAFKA_PORT=$(free_port SOCK_STREAM) ICEMESH_KAFKA_CONTROLLER_PORT=$(free_port SOCK_STREAM)
export ICEMESH_SIGNALING_HTTP_PORT=$(free_port SOCK_STREAM) ICEMESH_MEDIA_HTTP_PORT=$(free_port SOCK_STREAM)
export ICEMESH_MEDIA_UDP_PORT=$(free_port SOCK_DGRAM)
# One room of a publisher and 200 subscribers; a room's snapshot must still fit one Kafka record (smaller replay).
export ICEMESH_SIGNALING_ROOMS_MAX_SFU_PEERS=201 ICEMESH_SIGNALING_PROTOCOL_ROOM_REPLAY_BYTES=16384
export ICEMESH_MEDIA_CAPACITY=1000
JANUS_WS=$(free_port SOCK_STREAM)
JANUS_ADMIN_WS=$(free_port SOCK_STREAM)
JANUS_PID=

cleanup() {
    if [[ -n $JANUS_PID ]] && kill -0 "$JANUS_PID" 2>/dev/null; then
        kill -TERM "$JANUS_PID"; sleep 1; kill -0 "$JANUS_PID" 2>/dev/null && kill -KILL "$JANUS_PID"
    fi
    "$ROOT/icemesh" down >/dev/null 2>&1 || true
    say "logs kept in $WORK"
}
trap cleanup EXIT

say "starting icemesh (kafka, signaling, media) in $ICEMESH_HOME"
"$ROOT/icemesh" up -d signaling media >&2
MEDIA_PID=$(cat "$ICEMESH_HOME/run/media.pid")
[[ $(cat /proc/"$MEDIA_PID"/comm) == java ]] || die "media pid $MEDIA_PID is not the JVM"

say "starting janus (ws $JANUS_WS)"
gcc -shared -fPIC -O2 -o "$WORK/lo_not_loopback.so" "$HERE/lo_not_loopback.c" -ldl
"$HERE/janus-config.sh" "$WORK/janus" "$JANUS_WS" "$JANUS_ADMIN_WS" 41000-42999 \
    "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
LD_PRELOAD=$WORK/lo_not_loopback.so setsid janus -F "$WORK/janus" -C "$WORK/janus/janus.jcfg" -o \
    > "$WORK/janus.log" 2>&1 < /dev/null &
JANUS_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$JANUS_WS") 2>/dev/null && break; sleep 0.2; done
(exec 3<>"/dev/tcp/127.0.0.1/$JANUS_WS") 2>/dev/null || die "janus did not start; see $WORK/janus.log"

run_tool() { # SERVER ROOMS SUBSCRIBERS CLIP [WARMUP DURATION]
    local args=(--rooms "$2" --subscribers "$3" --clip "$CLIPS/$4.vp8" --warmup "${5:-$WARMUP}"
        --duration "${6:-$DURATION}" --reactors "$REACTORS")
    if [[ $1 == janus ]]; then
        java -jar "$JAR" --server janus --url "ws://127.0.0.1:$JANUS_WS" --server-pid "$JANUS_PID" "${args[@]}"
    else
        java -jar "$JAR" --server icemesh --url "http://127.0.0.1:$ICEMESH_SIGNALING_HTTP_PORT" \
            --server-pid "$MEDIA_PID" --server-heap "${args[@]}"
    fi
}

load1() { cut -d' ' -f1 /proc/loadavg; }
# media-service keeps a left endpoint for ice4j's 30 s termination delay: a run starts when the last one is gone, so
# that its heap and RSS are its own endpoints'
media_idle() {
    local n
    for _ in $(seq 90); do
        n=$(curl -s "http://127.0.0.1:$ICEMESH_MEDIA_HTTP_PORT/q/metrics" | awk '/^icemesh_media_endpoints/ {print $2}')
        [[ ${n%.*} == 0 ]] && return 0
        sleep 1
    done
    say "media-service still has ${n:-?} endpoints"
}
MAX_LOAD=${LOADGEN_BENCH_MAX_LOAD:-1}
say "waiting for the load average to fall below $MAX_LOAD ($(load1))"
for _ in $(seq 120); do awk -v max="$MAX_LOAD" '{exit !($1 < max)}' /proc/loadavg && break; sleep 5; done

# Unrecorded warm-up of both servers (media-service's JIT compiles its forwarding path meanwhile).
for server in "${SERVERS[@]}"; do
    say "warm-up: $server, 1x20@720 for $SERVER_WARMUP s"
    run_tool "$server" 1 20 720 2 "$SERVER_WARMUP" > /dev/null \
        || run_tool "$server" 1 20 720 2 "$SERVER_WARMUP" > /dev/null \
        || die "$server warm-up failed twice"
done

say "results: $OUT (machine: $(nproc) cores)"
for ((r = 0; r < REPEAT; r++)); do
    for load in "${LOADS[@]}"; do
        spec=${load%@*} clip=720
        [[ $load == *@* ]] && clip=${load#*@}
        rooms=${spec%x*} subs=${spec#*x}
        order=("${SERVERS[@]}")
        ((r % 2 && ${#SERVERS[@]} == 2)) && order=("${SERVERS[1]}" "${SERVERS[0]}")
        for server in "${order[@]}"; do
            sleep "$PAUSE"
            media_idle
            before=$(load1)
            say "$server: $rooms rooms x (1 publisher + $subs subscribers), $clip clip, load average $before"
            line=$(run_tool "$server" "$rooms" "$subs" "$clip") || true
            [[ -n $line ]] || line="{\"server\":\"$server\",\"rooms\":$rooms,\"subscribers_per_room\":$subs,\"failed\":-1}"
            line=${line%\}}",\"clip\":\"$clip\",\"load_average_before\":$before}"
            echo "$line" | tee -a "$OUT"
        done
    done
done
"$PY" "$HERE/loadgen_report.py" "$OUT"
