"""One aiortc gathering with a given ICE server list, timed: prints one JSON line.

Run by the ICE doctor (--client aiortc) beside its prediction. Standard input: the list as browser iceServers JSON
(not an argument, so that its credentials never show in a process list).
The gathering happens inside setLocalDescription, as in any aiortc application.
"""
import asyncio
import json
import sys
import time

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection


async def main() -> None:
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in json.loads(sys.stdin.read())
    ]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
    pc.createDataChannel("doctor")
    offer = await pc.createOffer()
    start = time.monotonic()
    result = {"ok": True, "error": None, "candidateTypes": []}
    try:
        await pc.setLocalDescription(offer)
        for line in pc.localDescription.sdp.splitlines():
            if line.startswith("a=candidate:"):
                fields = line.split()
                result["candidateTypes"].append(fields[fields.index("typ") + 1])
    except Exception as e:  # the doctor reports whatever aiortc raised
        result["ok"] = False
        result["error"] = f"{type(e).__name__}: {e}"
    result["gatheringMs"] = (time.monotonic() - start) * 1000
    print(json.dumps(result), flush=True)
    await pc.close()


asyncio.run(main())
