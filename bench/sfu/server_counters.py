"""RTP packets and bytes each SFU says it sent, read before and after the measurement window.

- media-service: icemesh_media_rtp_packets_total / icemesh_media_rtp_bytes_total {direction="out"} on /q/metrics;
  its bytes are SRTP bytes (after protect).
- Janus: the Admin API (handle_info of every handle: webrtc.media[].stats.out); its bytes are RTP bytes before SRTP
  (src/ice.c adds pkt->length, not the protected length).
So that both count the same thing, media-service's bytes are reduced by the SRTP authentication tag of
AES_CM_128_HMAC_SHA1_80 per packet, the only SRTP profile aiortc 1.4 offers (RFC 3711 section 4.2: 80-bit tag).
"""
import asyncio
import json
import re
import secrets
import urllib.request

import websockets

SRTP_TAG_BYTES = 10


def icemesh(metrics_url):
    with urllib.request.urlopen(metrics_url, timeout=30) as r:
        text = r.read().decode()
    out = {}
    for name in ("packets", "bytes"):
        m = re.search(r'^icemesh_media_rtp_%s_total\{[^}]*direction="out"[^}]*\} (\S+)' % name, text, re.M)
        out[name] = float(m.group(1)) if m else 0.0
    out["bytes"] -= SRTP_TAG_BYTES * out["packets"]
    return out


def janus(admin_url, secret):
    return asyncio.run(_janus(admin_url, secret))


async def _janus(admin_url, secret):
    async with websockets.connect(admin_url, subprotocols=["janus-admin-protocol"], max_size=None) as ws:
        async def call(msg):
            msg.update({"transaction": secrets.token_hex(6), "admin_secret": secret})
            await ws.send(json.dumps(msg))
            while True:
                reply = json.loads(await ws.recv())
                if reply.get("transaction") == msg["transaction"]:
                    return reply

        totals = {"packets": 0.0, "bytes": 0.0}
        for session in (await call({"janus": "list_sessions"})).get("sessions", []):
            handles = (await call({"janus": "list_handles", "session_id": session})).get("handles", [])
            for handle in handles:
                info = (await call({"janus": "handle_info", "session_id": session, "handle_id": handle}))
                media = info.get("info", {}).get("webrtc", {}).get("media", {})
                for m in (media.values() if isinstance(media, dict) else media):
                    out = m.get("stats", {}).get("out", {})
                    totals["packets"] += out.get("packets", 0)
                    totals["bytes"] += out.get("bytes", 0)
        return totals
