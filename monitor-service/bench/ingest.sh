#!/usr/bin/env bash
# Ingest benchmark of monitor-service (not a test): events/s with timelines joined, and event-to-metric delay.
# Usage, from the repository root: monitor-service/bench/ingest.sh [sessions=50000] [delay samples=200]
# Needs events and kafka-broker installed (mvn -q install -pl events,kafka-broker -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
MVN=(${MVN:-mvn})
"${MVN[@]}" -q package -DskipTests
"${MVN[@]}" -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.icemesh.monitor.bench.IngestBenchmark "$@"
