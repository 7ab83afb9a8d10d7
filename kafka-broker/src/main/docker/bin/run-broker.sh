#!/bin/bash
# The image's entry point: broker properties from the environment, storage formatted once, then the broker.
set -euo pipefail
config=/opt/kafka/config/server.properties
: > "$config"
# KAFKA_<NAME> -> <name>, as apache/kafka does; these JVM settings are not broker properties.
skip=" KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_LOG4J_OPTS KAFKA_GC_LOG_OPTS KAFKA_JMX_OPTS "
[[ -n ${KAFKA_LOG_DIRS:-} ]] || export KAFKA_LOG_DIRS=/var/lib/kafka/data
while IFS='=' read -r name value; do
    [[ $name == KAFKA_* && $skip != *" $name "* ]] || continue
    key=${name#KAFKA_}
    key=${key,,}
    key=${key//___/-}
    key=${key//__/@}
    key=${key//_/.}
    key=${key//@/_}
    printf '%s=%s\n' "$key" "$value" >> "$config"
done < <(env)
logs=${KAFKA_LOG_DIRS%%,*}
if [[ ! -f $logs/meta.properties ]]; then
    "$(dirname "$0")/kafka-storage.sh" format --ignore-formatted -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$config"
fi
exec java ${KAFKA_HEAP_OPTS:-} ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' kafka.Kafka "$config"
