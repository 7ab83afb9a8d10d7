#!/usr/bin/env bash
# JIT compilations in turn-service after readiness, by package, for the first ALLOCS allocations (alloc_bench.py, one
# client). Counts, unlike CPU times, hardly depend on what else runs, so this needs no quiet machine and no root.
#
# Usage (from the repository root): turn-service/bench/jit-after-ready.sh [output-dir]
# Environment: ALLOCS=1000, ICEMESH_TURN_JAR (another build of turn-service), PORT=43578, HTTP=48181, KAFKA_PORT=49192,
#              ICEMESH_JAVA_OPTS (more JVM options for turn-service), DEPENDENCIES=1 (also -XX:+LogCompilation, and
#              print the classes whose loading after the warm-up threw compiled code away: the witnesses of failed
#              dependencies, which belong in WarmUpClasses; the log is output-dir/compilation.log, ~30 MB).
# Starts the project's broker and turn-service (as servers.sh does, with its JIT warm-up and -XX:+PrintCompilation),
# waits for readiness, runs the allocations, waits 5 s for the compilers, and counts the compilations printed after
# readiness (not "made not entrant" lines; a method compiled at two tiers counts twice).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH="$ROOT/turn-service/bench"
# shellcheck source=servers.sh
. "$BENCH/servers.sh"
JAR="${ICEMESH_TURN_JAR:-$ROOT/turn-service/target/quarkus-app/quarkus-run.jar}"
OUT="${1:-$ROOT/turn-service/target/jit-after-ready}"
ALLOCS="${ALLOCS:-1000}"
ICEMESH_PORT=${PORT:-43578}; ICEMESH_HTTP=${HTTP:-48181}; KAFKA_PORT=${KAFKA_PORT:-49192}
USER=bench; PASS=bench; REALM=icemesh
[ -f "$JAR" ] || (cd "$ROOT" && ./mvnw -B -q -pl turn-service -am package -DskipTests)
BROKER_JAR=$(ls "$ROOT"/kafka-broker/target/icemesh-kafka-broker-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1)
[ -n "$BROKER_JAR" ] || (cd "$ROOT" && ./mvnw -B -q -pl kafka-broker -am package -DskipTests)
BROKER_JAR=$(ls "$ROOT"/kafka-broker/target/icemesh-kafka-broker-*.jar | grep -v -- '-sources' | head -n 1)

mkdir -p "$OUT"
PIDS=()
KAFKA_DIR=$(mktemp -d)
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  rm -rf "$KAFKA_DIR"
}
trap cleanup EXIT

java -Xms128m -Xmx512m -cp "$BROKER_JAR:$ROOT/kafka-broker/target/lib/*" io.icemesh.broker.KafkaBrokerMain \
  "$KAFKA_DIR" "$KAFKA_PORT" $((KAFKA_PORT + 1)) > "$OUT/kafka.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 600); do grep -q '^READY ' "$OUT/kafka.log" && break; sleep 0.2; done
grep -q '^READY ' "$OUT/kafka.log" || { echo "the broker did not start: $OUT/kafka.log" >&2; exit 1; }

EXTRA_OPTS="${ICEMESH_JAVA_OPTS:-}"
[ "${DEPENDENCIES:-0}" = "1" ] &&
  EXTRA_OPTS="$EXTRA_OPTS -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=$OUT/compilation.log"
ICEMESH_JAVA_OPTS="-XX:+PrintCompilation $EXTRA_OPTS" start_turn_service "$OUT/turn-service.log" "127.0.0.1:$KAFKA_PORT"
for _ in $(seq 1 900); do
  curl -sf "http://127.0.0.1:$ICEMESH_HTTP/q/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$ICEMESH_HTTP/q/health/ready" >/dev/null || {
  echo "turn-service did not become ready: $OUT/turn-service.log" >&2; exit 1; }
ready=$(wc -l < "$OUT/turn-service.log")

/usr/bin/python3 "$BENCH/alloc_bench.py" "$ICEMESH_PORT" $USER $PASS $REALM "$ALLOCS" 1 | tee "$OUT/allocations.txt"
sleep 5
tail -n +$((ready + 1)) "$OUT/turn-service.log" > "$OUT/after-ready.log"
grep -v 'made not entrant\|made zombie' "$OUT/after-ready.log" | grep -o '[A-Za-z0-9_.$/]*::' | awk '
  BEGIN { n = split("org.apache.kafka io.smallrye.mutiny com.fasterxml.jackson io.smallrye.reactive.messaging " \
                    "io.icemesh.turn io.icemesh.events io.icemesh.stun io.netty io.vertx io.quarkus io.micrometer " \
                    "java. jdk. sun.", groups, " ") }
  { group = "other"
    for (i = 1; i <= n; i++) if (index($0, groups[i]) == 1) { group = groups[i]; break }
    count[group]++; total++ }
  END { for (g in count) printf "%-32s %5d\n", g, count[g]; printf "%-32s %5d\n", "total", total }' |
  sort -k2 -rn | tee "$OUT/compilations.txt"
if [ "${DEPENDENCIES:-0}" = "1" ]; then
  # The JVM's uptime when the warm-up ended, from the compilation line printed just before its log line
  warm=$(grep -n '"message":"warm-up: ' "$OUT/turn-service.log" | head -n 1 | cut -d: -f1)
  since=$(head -n "$warm" "$OUT/turn-service.log" | grep -E '^ *[0-9]+ +[0-9]+ ' | tail -n 1 | awk '{print $1 / 1000}')
  echo "classes loaded after the warm-up (${since} s) that made compiled code not entrant," \
    "with the count of failed dependencies:"
  grep -o "<dependency_failed [^>]*>" "$OUT/compilation.log" |
    awk -v since="$since" -F"stamp='" '{split($2, a, "'"'"'"); if (a[1] + 0 > since + 0) print}' |
    grep -o "witness='[^']*'" | sed "s/witness='//; s/'$//; s#/#.#g" | sort | uniq -c | sort -rn |
    tee "$OUT/dependency-witnesses.txt"
fi
