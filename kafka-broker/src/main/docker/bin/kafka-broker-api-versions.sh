#!/bin/bash
KAFKA_HEAP_OPTS="-Xmx64m" exec "$(dirname "$0")/kafka-run-class.sh" -XX:TieredStopAtLevel=1 \
    org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
