#!/usr/bin/env bash
# Does Chromium use an answering RTCPeerConnection's ICE candidate pool? (docs/benchmarks.md, "The answering
# page's candidate pool"). Runs coturn on a loopback port and Debian's headless Chromium on page.html: five trials
# with the pool and five without, each answering an offer 300 ms after the connection was made; prints when the
# answerer's first relay candidate came after setLocalDescription(answer), and how many TURN allocations coturn
# granted (one per trial means the pooled allocation was used; two, that it was thrown away and made again).
# Needs: coturn, chromium, iproute2 (apt-get install -y coturn chromium iproute2). Loopback only, about 5 s.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK=$(mktemp -d)
TURN=""; BROWSER=""
fail() {
  echo "answerer-pool: $*; logs kept in $WORK" >&2
  tail -n 20 "$WORK"/*.log >&2 2>/dev/null || true
  trap - EXIT; kill $TURN $BROWSER 2>/dev/null || true; exit 1
}
trap 'kill $TURN $BROWSER 2>/dev/null || true; rm -rf "$WORK"' EXIT
# a port below the ephemeral range, so that no outgoing socket takes it before coturn binds it
for _ in $(seq 1 50); do
  PORT=$((20000 + RANDOM % 10000))
  ss -Hlnu "sport = :$PORT" | grep -q . || ss -Hlnt "sport = :$PORT" | grep -q . || break
done
turnserver -n -v --no-cli --no-tls --no-dtls --listening-ip=127.0.0.1 --listening-port=$PORT --relay-ip=127.0.0.1 \
  --min-port=40000 --max-port=40999 --allow-loopback-peers --lt-cred-mech --user=pool:pool --realm=pool \
  --pidfile="$WORK/turnserver.pid" --userdb="$WORK/turndb" --log-file=stdout > "$WORK/coturn.log" 2>&1 &
TURN=$!
for _ in $(seq 1 100); do ss -Hlnu "sport = :$PORT" | grep -q . && break; sleep 0.1; done
ss -Hlnu "sport = :$PORT" | grep -q . || fail "coturn does not listen on udp/$PORT"
chromium --headless --no-sandbox --disable-gpu --allow-loopback-in-peer-connection \
  --user-data-dir="$WORK/profile" --enable-logging=stderr --v=0 "file://$HERE/page.html?turn=$PORT" \
  > "$WORK/chromium.log" 2>&1 &
BROWSER=$!
for _ in $(seq 1 600); do grep -q 'ANSWERER-POOL \[' "$WORK/chromium.log" && break; sleep 0.1; done
grep -q 'ANSWERER-POOL \[' "$WORK/chromium.log" || fail "no result from the page within 60 s"
kill "$BROWSER" 2>/dev/null || true
grep -o 'ANSWERER-POOL \[.*\]' "$WORK/chromium.log" | head -n 1 |
  sed 's/^ANSWERER-POOL //; s/},{/}\n{/g; s/^\[//; s/\]$//'
echo "chromium $(chromium --version 2>/dev/null | awk '{print $2}'), trials: 10;" \
  "TURN allocations coturn granted: $(tr -d '\0' < "$WORK/coturn.log" | grep -c 'ALLOCATE processed, success' || true)"
