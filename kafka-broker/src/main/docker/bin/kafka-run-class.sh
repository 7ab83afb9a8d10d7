#!/bin/bash
# Runs a class of the Kafka classpath in /opt/kafka/libs, as the Kafka distribution's script of the same name.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$@"
