#!/usr/bin/env bash
# Issue #14's four time-to-media comparisons in one go, each beside its floor or its peer in the same run, loopback only:
#
#   bench/time-to-media.sh [RUNS]      RUNS per comparison (default 7); run as root, on a quiet machine
#   TTM_WARMUP=15 bench/time-to-media.sh   web client calls before each browser comparison's measured ones (default 1:
#                                          the mesh has just started; 15 measures a mesh whose JIT has compiled the
#                                          call's path, as a running deployment's has)
#   TTM_MESH_WARMUP=100 bench/time-to-media.sh   P2P calls the mesh carries in two browsers of their own before the
#                                          aiortc and P2P comparisons (default 0): a mesh that has carried calls for
#                                          a while (docs/benchmarks.md, "A fresh mesh's JIT, a warm one"); the SFU
#                                          comparison starts a mesh of its own and is not warmed
#
#   1. P2P host through the web client (two headless Chromium processes, Join click to the first presented remote
#      frame) against the floor: two RTCPeerConnections in one page of the same browser (TimeToMediaBench).
#   2. P2P relay-only, the same, the floor relayed through turn-service (TimeToMediaBench).
#   3. aiortc through examples/aiortc/icemesh_client.py, start to first decoded frame (TimeToMediaBench).
#   4. SFU, a Chromium subscriber's join to its first presented frame, media-service against Janus's videoroom
#      (bench/sfu/sfu-vs-janus.sh, first-frame runs only). SFU_BENCH_PREPARED=1 counts from a click after each
#      subscriber page did what an app does before one (as the P2P comparisons' web client pages do), else from the
#      page's start.
#
# Needs JDK 17, Debian's chromium and chromium-driver, python3-aiortc and python3-websockets, janus, tcpdump and gcc.
# Builds first (./mvnw install), then measures in a loopback-only network namespace of its own, each part after the
# load average settled below 1.0 (at most 3 minutes). About 10 minutes with 7 runs. Stage tables and raw lines go
# to $TTM_OUT (default bench/results-time-to-media-<UTC>.txt); the summary, with the load average at each start, goes
# to stdout and the same file.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${1:-7}
export TTM_OUT=${TTM_OUT:-$HERE/results-time-to-media-$(date -u +%Y-%m-%dT%H%M).txt}
OUT=$TTM_OUT

say() { echo "time-to-media: $*" >&2; }
die() { say "$*"; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (bench/sfu/sfu-vs-janus.sh captures on lo)"
for tool in chromium chromedriver janus tcpdump gcc java; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install chromium chromium-driver janus tcpdump gcc)"
done
/usr/bin/python3 -c 'import aiortc, websockets' 2>/dev/null || die "needs python3-aiortc and python3-websockets"

settle() {
    for _ in $(seq 90); do
        awk '{ exit !($1 < 1.0) }' /proc/loadavg && return
        sleep 2
    done
    say "load average still $(cut -d' ' -f1-3 /proc/loadavg); going on"
}

cd "$ROOT"
# Built on the host, then measured in a network namespace of its own with only a loopback interface (removed on
# exit): there the browsers, aiortc and both SFUs have 127.0.0.1 and nothing else, so no candidate pair starts from
# the machine's other interface and nothing is sent to it (bench/sfu/sfu-vs-janus.sh says why that mattered).
if [[ ${ICEMESH_IN_NETNS:-} != 1 ]]; then
    say "building"
    ./mvnw -B -q install -DskipTests >&2
    # the namespace has no network: the plugin that runs the bench there must be in the local repository already
    ./mvnw -B -q -pl mesh-tests org.codehaus.mojo:exec-maven-plugin:3.5.0:help >/dev/null
fi
# shellcheck source=lib/netns.sh
. "$HERE/lib/netns.sh"
in_loopback_netns icemesh-ttm "$SELF" "$@"
WORK=$(mktemp -d /tmp/time-to-media.XXXXXX)
settle
P2P_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
say "P2P host, P2P relay-only and aiortc: $RUNS runs each (load average $P2P_LOAD)"
./mvnw -B -q -o -pl mesh-tests test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
    -Dexec.classpathScope=test -Dexec.mainClass=io.icemesh.mesh.TimeToMediaBench -Dexec.args="$RUNS" \
    -Dttm.warmup="${TTM_WARMUP:-1}" -Dttm.meshWarmup="${TTM_MESH_WARMUP:-0}" \
    | tee "$WORK/p2p.txt" >&2
settle
SFU_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
say "SFU against Janus: $RUNS runs each (load average $SFU_LOAD)"
SFU_BENCH_REPEAT=0 SFU_BENCH_FIRST_FRAME_RUNS=$RUNS SFU_BENCH_OUT="$WORK/sfu.jsonl" "$HERE/sfu/sfu-vs-janus.sh" 1x2 >&2

{
    echo "# $(date -u +%FT%TZ), $(nproc) cores, commit $(git -C "$ROOT" rev-parse --short HEAD), $RUNS runs per comparison"
    echo "# load average at the start: P2P and aiortc $P2P_LOAD; SFU $SFU_LOAD; web client warm-up calls ${TTM_WARMUP:-1}; mesh warm-up calls ${TTM_MESH_WARMUP:-0}; in a loopback-only network namespace"
    cat "$WORK/p2p.txt"
    cat "$WORK/sfu.jsonl"
} > "$OUT"

/usr/bin/python3 - "$WORK/p2p.txt" "$WORK/sfu.jsonl" "$P2P_LOAD" "$SFU_LOAD" <<'PY' | tee -a "$OUT"
import json, os, re, sys
p2p = open(sys.argv[1]).read()
def ratio_line(mode):
    m = re.search(r"^%s: click to first frame (\d+) ms, floor (\d+) ms" % mode, p2p, re.M)
    return (float(m.group(1)), float(m.group(2))) if m else (None, None)
host, host_floor = ratio_line("host")
relay, relay_floor = ratio_line("relay")
m = re.search(r"^aiortc: start to first frame (\d+) ms", p2p, re.M)
aiortc = float(m.group(1)) if m else None
medians = None
for line in open(sys.argv[2]):
    if '"firstFrameMedians"' in line:
        medians = json.loads(line)["firstFrameMedians"]
sfu = medians["icemesh"]["firstFrameMs"] if medians else None
janus = medians["janus"]["firstFrameMs"] if medians else None

def row(name, value, reference, ref_name, goal, met):
    r = "%.2fx" % (value / reference) if value and reference else "-"
    v = "%.0f" % value if value else "-"
    ref = "%s %.0f" % (ref_name, reference) if reference else "-"
    print("| %s | %s | %s | %s | %s | %s |" % (name, v, ref, r, goal, ("met" if met else "not met") if value else "-"))

print()
print("| comparison (median ms) | icemesh | reference, same run | ratio | goal | |")
print("|---|---|---|---|---|---|")
row("P2P host, web client", host, host_floor, "in-page floor", "<= 1.3x and <= 150 ms",
    host and host <= 1.3 * host_floor and host <= 150)
row("P2P relay-only, web client", relay, relay_floor, "in-page relay floor", "<= 1.3x",
    relay and relay <= 1.3 * relay_floor)
row("aiortc, icemesh_client.py", aiortc, None, "", "<= 100 ms", aiortc and aiortc <= 100)
row("SFU subscriber, join to first frame", sfu, janus, "Janus", "<= 1.0x and <= 150 ms",
    sfu and janus and sfu <= janus and sfu <= 150)
print()
print("load average at the start: P2P and aiortc %s; SFU %s" % (sys.argv[3], sys.argv[4]))
print("SFU pages prepared before the click (SFU_BENCH_PREPARED): %s"
      % ("yes" if os.environ.get("SFU_BENCH_PREPARED") == "1" else "no, counted from the page's start"))
PY
say "written to $OUT; logs in $WORK"
