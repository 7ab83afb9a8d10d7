#!/usr/bin/env bash
# media-service against Janus 1.1.2 (videoroom), same load, same run, loopback only.
#
#   bench/sfu/sfu-vs-janus.sh [LOAD...]      LOAD = ROOMSxSUBSCRIBERS (one publisher per room), default 2x5
#
# Starts its own icemesh (Kafka, signaling-service, media-service via ./icemesh up, on free ports, state in a temp
# folder) and its own Janus (config from janus-config.sh, lo_not_loopback.so preloaded), then for each load runs
# sfu_load.py against Janus and against media-service, one after the other, and prints a table. Raw JSON lines go to
# $SFU_BENCH_OUT (default bench/sfu/results-<UTC time>.jsonl). Env: SFU_BENCH_DURATION (20 s), SFU_BENCH_WARMUP (10 s),
# SFU_BENCH_CAPTURE (5 s), SFU_BENCH_REPEAT (1; the order of the servers alternates), SFU_BENCH_FIRST_FRAME_RUNS
# (5; Chromium join-to-first-frame runs per server with sfu_first_frame.py, 0 skips them; needs /usr/bin/chromium and
# /usr/bin/chromedriver), SFU_BENCH_OFFER_AFTER_JOINED (0; 1 also measures media-service with the subscriber's offer
# sent after "joined" instead of in its join, alternated in the same run), SFU_BENCH_PREPARED (0; 1 counts from a
# click after the subscriber page did what an app does before one: its socket, Janus's session and handle, icemesh's
# connection and offer).
# Needs: JDK 17, janus (apt-get install janus), tcpdump, gcc, /usr/bin/python3 with python3-aiortc and
# python3-websockets; run as root (its own network namespace, tcpdump on its lo).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
LOADS=("$@")
((${#LOADS[@]})) || LOADS=(2x5)
DURATION=${SFU_BENCH_DURATION:-20}
WARMUP=${SFU_BENCH_WARMUP:-10}
CAPTURE=${SFU_BENCH_CAPTURE:-5}
REPEAT=${SFU_BENCH_REPEAT:-1}
FIRST_FRAME_RUNS=${SFU_BENCH_FIRST_FRAME_RUNS:-5}
OUT=${SFU_BENCH_OUT:-$HERE/results-$(date -u +%Y-%m-%dT%H%M).jsonl}
JANUS_RTP_RANGE=${SFU_BENCH_JANUS_RTP_RANGE:-41000-41999}

say() { echo "sfu-vs-janus: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in janus tcpdump gcc java; do command -v "$tool" >/dev/null || die "$tool not found"; done
"$PY" -c 'import aiortc, websockets' 2>/dev/null || die "$PY needs python3-aiortc and python3-websockets"

# Everything below runs in a network namespace of its own with only a loopback interface, removed on exit (a caller
# that made one already sets ICEMESH_IN_NETNS=1). On the host, Chromium also has a host candidate on the machine's
# other interface and checks the servers' 127.0.0.1 candidates from it first: Janus answered those checks, sending to
# the host's own non-loopback address (which the project's benchmarks must not do), while media-service, whose peer
# networks are loopback only here, did not answer, and Chromium took its next pair about 50 ms later. That was a cost
# of the test machine, not of either server (docs/benchmarks.md, "The SFU join on a loopback-only network").
# shellcheck source=../lib/netns.sh
. "$ROOT/bench/lib/netns.sh"
in_loopback_netns icemesh-sfu "$HERE/$(basename "${BASH_SOURCE[0]}")" "$@"

WORK=$(mktemp -d /tmp/sfu-vs-janus.XXXXXX)
free_port() { "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"; }
export ICEMESH_HOME=$WORK/icemesh
export ICEMESH_KAFKA_PORT=$(free_port SOCK_STREAM) ICEMESH_KAFKA_CONTROLLER_PORT=$(free_port SOCK_STREAM)
export ICEMESH_SIGNALING_HTTP_PORT=$(free_port SOCK_STREAM) ICEMESH_MEDIA_HTTP_PORT=$(free_port SOCK_STREAM)
export ICEMESH_MEDIA_UDP_PORT=$(free_port SOCK_DGRAM)
JANUS_WS=$(free_port SOCK_STREAM)
JANUS_ADMIN_WS=$(free_port SOCK_STREAM)
export JANUS_ADMIN_SECRET=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
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

say "starting janus (ws $JANUS_WS, admin ws $JANUS_ADMIN_WS, RTP $JANUS_RTP_RANGE)"
gcc -shared -fPIC -O2 -o "$WORK/lo_not_loopback.so" "$HERE/lo_not_loopback.c" -ldl
"$HERE/janus-config.sh" "$WORK/janus" "$JANUS_WS" "$JANUS_ADMIN_WS" "$JANUS_RTP_RANGE" "$JANUS_ADMIN_SECRET"
LD_PRELOAD=$WORK/lo_not_loopback.so setsid janus -F "$WORK/janus" -C "$WORK/janus/janus.jcfg" -o \
    > "$WORK/janus.log" 2>&1 < /dev/null &
JANUS_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$JANUS_WS") 2>/dev/null && break; sleep 0.2; done
(exec 3<>"/dev/tcp/127.0.0.1/$JANUS_WS") 2>/dev/null || die "janus did not start; see $WORK/janus.log"

run_tool() { # SERVER ROOMS SUBSCRIBERS
    local common=(--rooms "$2" --subscribers "$3" --warmup "$WARMUP" --duration "$DURATION" --capture "$CAPTURE")
    [[ -n ${SFU_BENCH_WARMUP_ONLY:-} ]] && common=(--rooms "$2" --subscribers "$3" --idle 0.1 --warmup 1 \
        --duration "$WARMUP" --capture 0)
    if [[ $1 == janus ]]; then
        "$PY" "$HERE/sfu_load.py" --server janus --url "ws://127.0.0.1:$JANUS_WS" \
            --janus-admin-url "ws://127.0.0.1:$JANUS_ADMIN_WS" --server-pid "$JANUS_PID" \
            --server-ports "$JANUS_RTP_RANGE" "${common[@]}"
    else
        "$PY" "$HERE/sfu_load.py" --server icemesh --url "http://127.0.0.1:$ICEMESH_SIGNALING_HTTP_PORT" \
            --metrics-url "http://127.0.0.1:$ICEMESH_MEDIA_HTTP_PORT/q/metrics" --server-pid "$MEDIA_PID" \
            --server-ports "$ICEMESH_MEDIA_UDP_PORT" "${common[@]}"
    fi
}

# Unrecorded warm-up of both servers with the first load (media-service's JIT compiles its hot path meanwhile; the
# first SRTP context of a JVM also runs jitsi-srtp's one-time AES benchmark).
warm=${LOADS[0]}
for server in janus icemesh; do
    say "warm-up: $server, $warm"
    # A fresh media-service can miss signaling's 5 s ALLOCATE deadline on a loaded machine (Kafka consumer still
    # joining its group): a failed warm-up is tried once more.
    SFU_BENCH_WARMUP_ONLY=1 run_tool "$server" "${warm%x*}" "${warm#*x}" > /dev/null \
        || SFU_BENCH_WARMUP_ONLY=1 run_tool "$server" "${warm%x*}" "${warm#*x}" > /dev/null \
        || die "$server warm-up failed twice"
done

say "results: $OUT (machine: $(nproc) cores, $(uptime | sed 's/.*load/load/'))"
: >> "$OUT"  # a run of first-frame measurements only (SFU_BENCH_REPEAT=0) has no load lines
for ((r = 0; r < REPEAT; r++)); do
    for load in "${LOADS[@]}"; do
        rooms=${load%x*} subs=${load#*x}
        order=(janus icemesh)
        ((r % 2)) && order=(icemesh janus)
        for server in "${order[@]}"; do
            say "$server: $rooms rooms x 1 publisher + $subs subscribers (run $((r + 1)) of $REPEAT)"
            if ! line=$(run_tool "$server" "$rooms" "$subs"); then
                say "$server run failed; once more"
                line=$(run_tool "$server" "$rooms" "$subs") \
                    || line="{\"server\": \"$server\", \"rooms\": $rooms, \"subscribersPerRoom\": $subs, \"failed\": true}"
            fi
            echo "$line" | tee -a "$OUT"
        done
    done
done
"$PY" "$HERE/report.py" "$OUT"

if ((FIRST_FRAME_RUNS > 0)); then
    say "Chromium: join to first decoded frame, $FIRST_FRAME_RUNS runs per server"
    FIRST_FRAME_ARGS=()
    if [[ ${SFU_BENCH_OFFER_AFTER_JOINED:-0} == 1 ]]; then FIRST_FRAME_ARGS+=(--offer-after-joined); fi
    if [[ ${SFU_BENCH_PREPARED:-0} == 1 ]]; then FIRST_FRAME_ARGS+=(--prepared); fi
    "$PY" "$HERE/sfu_first_frame.py" --icemesh "http://127.0.0.1:$ICEMESH_SIGNALING_HTTP_PORT" \
        --janus "ws://127.0.0.1:$JANUS_WS" --runs "$FIRST_FRAME_RUNS" "${FIRST_FRAME_ARGS[@]}" | tee -a "$OUT"
fi
