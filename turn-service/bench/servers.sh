# Sourced by relay-bench.sh and relay-cost.sh: starts the two servers they compare, configured the same way in both.
# The caller sets ROOT, JAR, PASS, USER, REALM, ICEMESH_PORT, ICEMESH_HTTP, COTURN_PORT and the PIDS array.

# turn-service on ICEMESH_PORT (UDP/TCP; TLS 45349), relay ports 49152-57343, loopback peers allowed, quotas and the
# unauthenticated rate raised, no bandwidth cap. Sets ICEMESH_PID.  start_turn_service LOG KAFKA_BOOTSTRAP
start_turn_service() {
  ICEMESH_TURN_SECRET=bench-secret ICEMESH_TURN_ALLOW_LOOPBACK_PEERS=true QUARKUS_HTTP_PORT=$ICEMESH_HTTP \
  ICEMESH_TURN_LISTEN_ADDRESS=127.0.0.1 ICEMESH_TURN_LISTEN_UDP_PORT=$ICEMESH_PORT ICEMESH_TURN_LISTEN_TCP_PORT=$ICEMESH_PORT \
  ICEMESH_TURN_LISTEN_TLS_PORT=45349 ICEMESH_TURN_RELAY_IPV4_ADDRESS=127.0.0.1 ICEMESH_TURN_RELAY_IPV6_ADDRESS=none \
  ICEMESH_TURN_RELAY_MIN_PORT=49152 ICEMESH_TURN_RELAY_MAX_PORT=57343 ICEMESH_TURN_USERS_BENCH=$PASS \
  ICEMESH_TURN_ALLOCATION_MAX_PER_USER=100000 ICEMESH_TURN_ALLOCATION_MAX_PER_SOURCE=100000 ICEMESH_TURN_ALLOCATION_MAX_TOTAL=100000 \
  ICEMESH_TURN_ALLOCATION_MAX_BYTES_PER_SECOND=0 \
  ICEMESH_TURN_AUTH_UNAUTHENTICATED_RATE=1000000 ICEMESH_TURN_AUTH_UNAUTHENTICATED_BURST=1000000 \
  ICEMESH_TURN_AUTH_UNAUTHENTICATED_PORT_RATE=1000000 ICEMESH_TURN_AUTH_UNAUTHENTICATED_PORT_BURST=1000000 \
  ICEMESH_TURN_DRAIN_GRACE=1s KAFKA_BOOTSTRAP_SERVERS=$2 QUARKUS_LOG_CATEGORY__ORG_APACHE_KAFKA__LEVEL=ERROR \
    java ${ICEMESH_JAVA_OPTS:-} -jar "$JAR" > "$1" 2>&1 &
  ICEMESH_PID=$!; PIDS+=("$ICEMESH_PID")
}

# coturn 4.6.1 on COTURN_PORT, relay ports 57344-65535, two relay threads, long-term credentials, no quotas, no TLS
# or DTLS. Sets COTURN_PID.  start_coturn LOG [extra turnserver flags]
start_coturn() {
  local log=$1; shift
  turnserver -n --no-cli --no-tls --no-dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$COTURN_PORT \
    --min-port=57344 --max-port=65535 --allow-loopback-peers --lt-cred-mech --user=$USER:$PASS --realm=$REALM \
    --relay-threads=2 --user-quota=0 --total-quota=0 --max-bps=0 --log-file=stdout --simple-log "$@" > "$log" 2>&1 &
  COTURN_PID=$!; PIDS+=("$COTURN_PID")
}
