#!/usr/bin/env bash
# Writes a Janus 1.1 configuration folder for the SFU benchmark: only the videoroom plugin and the WebSocket
# transport (on 127.0.0.1), ICE on loopback only (with lo_not_loopback.so preloaded, see there), RTP ports from a
# fixed range so that a capture filter can find them, no STUN, half-trickle, no loggers or event handlers.
#
#   bench/sfu/janus-config.sh DIR WS_PORT ADMIN_WS_PORT RTP_PORT_RANGE ADMIN_SECRET
#   e.g. bench/sfu/janus-config.sh /tmp/janus-conf 18188 17188 41000-41999 "$(head -c 12 /dev/urandom | base64)"
# The Admin API (WebSocket, 127.0.0.1) is on so that the load tool can read Janus's own RTP counters.
set -euo pipefail
dir=$1 ws_port=$2 admin_port=$3 rtp_range=$4 admin_secret=$5
lib=/usr/lib/x86_64-linux-gnu/janus
mkdir -p "$dir"
# Every plugin, transport, logger and event handler the package ships except the two we use.
others() { (cd "$lib/$1" && ls lib*.so 2>/dev/null | grep -vx "${2:-none}" | paste -sd, -); }
cat > "$dir/janus.jcfg" <<JCFG
general: {
	configs_folder = "$dir"
	plugins_folder = "$lib/plugins"
	transports_folder = "$lib/transports"
	events_folder = "$lib/events"
	loggers_folder = "$lib/loggers"
	debug_level = 3
	server_name = "icemesh-bench"
	session_timeout = 120
	admin_secret = "$admin_secret"
}
media: {
	rtp_port_range = "$rtp_range"
}
nat: {
	nice_debug = false
	full_trickle = false
	ice_enforce_list = "lo"
	ignore_mdns = true
}
plugins: {
	disable = "$(others plugins libjanus_videoroom.so)"
}
transports: {
	disable = "$(others transports libjanus_websockets.so)"
}
loggers: {
	disable = "$(others loggers)"
}
events: {
	broadcast = false
	disable = "$(others events)"
}
JCFG
cat > "$dir/janus.transport.websockets.jcfg" <<JCFG
general: {
	json = "plain"
	ws = true
	ws_port = $ws_port
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = true
	admin_ws_port = $admin_port
	admin_ws_ip = "127.0.0.1"
	admin_wss = false
}
JCFG
# Rooms are created by the load tool and the page (videoroom "create"), none is configured here.
cat > "$dir/janus.plugin.videoroom.jcfg" <<JCFG
general: {
}
JCFG
