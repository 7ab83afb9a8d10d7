#!/usr/bin/env bash
# The first RTCPeerConnection of a page in headless Chromium: how long until negotiationneeded and until its offer is
# applied, the page's first connection with and without a throw-away connection made before it (10 fresh pages,
# alternating), then 24 connections in one page with and without a DTLS certificate made up front. No network: the
# connections gather no servers. Run on a quiet machine; about 15 s.
#
# Usage: bench/first-connection/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK=$(mktemp -d)
BROWSER=""
trap 'kill $BROWSER 2>/dev/null || true; rm -rf "$WORK"' EXIT
command -v chromium >/dev/null || { echo "chromium missing: apt-get install -y chromium" >&2; exit 1; }
page() {  # page QUERY: prints the page's result line
  rm -rf "$WORK/profile"
  chromium --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/profile" --enable-logging=stderr --v=0 \
    "file://$HERE/page.html?$1" > "$WORK/chromium.log" 2>&1 &
  BROWSER=$!
  for _ in $(seq 1 300); do grep -q 'FIRST-CONNECTION \[' "$WORK/chromium.log" && break; sleep 0.1; done
  kill "$BROWSER" 2>/dev/null || true; wait "$BROWSER" 2>/dev/null || true; BROWSER=""
  grep -o 'FIRST-CONNECTION \[.*\]' "$WORK/chromium.log" | head -n 1 | sed 's/^FIRST-CONNECTION //' | grep . ||
    { echo "no result from the page ($1):" >&2; tail -n 20 "$WORK/chromium.log" >&2; exit 1; }
}
echo "# $(date -u +%FT%TZ) chromium $(chromium --version 2>/dev/null | awk '{print $2}'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 10); do page "mode=first&warm=$((i % 2))"; done
page "mode=cert" > "$WORK/cert.txt"  # not in a pipe: the browser's pid must reach the EXIT trap
sed 's/},{/}\n{/g' "$WORK/cert.txt"
