"""A minimal asyncio client of the Janus API over Janus's WebSocket transport (subprotocol janus-protocol).

Only what the benchmark needs: a session with keepalives, attaching handles, and plugin messages whose answer is
the asynchronous "event" (with its JSEP) that follows Janus's "ack".
"""
import asyncio
import json
import secrets

import websockets

KEEPALIVE_S = 20
"""Janus ends a session after session_timeout (120 s in the benchmark's config) without a request."""
REPLY_TIMEOUT_S = 30


class JanusError(Exception):
    pass


class JanusSession:
    def __init__(self, ws):
        self._ws = ws
        self._pending = {}  # transaction -> future
        self.session_id = None
        self._tasks = []

    @classmethod
    async def open(cls, url):
        ws = await websockets.connect(url, subprotocols=["janus-protocol"], max_size=None)
        session = cls(ws)
        session._tasks.append(asyncio.ensure_future(session._read()))
        reply = await session._call({"janus": "create"})
        session.session_id = reply["data"]["id"]
        session._tasks.append(asyncio.ensure_future(session._keepalive()))
        return session

    async def attach(self, plugin="janus.plugin.videoroom"):
        reply = await self._call({"janus": "attach", "plugin": plugin, "session_id": self.session_id})
        return reply["data"]["id"]

    async def message(self, handle, body, jsep=None):
        """A plugin request; returns (plugin data, jsep or None) of its answer, synchronous or asynchronous."""
        msg = {"janus": "message", "session_id": self.session_id, "handle_id": handle, "body": body}
        if jsep is not None:
            msg["jsep"] = jsep
        reply = await self._call(msg, skip_ack=True)
        data = reply.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise JanusError("%s: %s" % (body.get("request"), data["error"]))
        return data, reply.get("jsep")

    async def trickle_completed(self, handle):
        await self._call({"janus": "trickle", "session_id": self.session_id, "handle_id": handle,
                          "candidate": {"completed": True}})

    async def close(self):
        for t in self._tasks:
            t.cancel()
        try:
            await asyncio.wait_for(self._ws.send(json.dumps({"janus": "destroy", "session_id": self.session_id,
                                                             "transaction": secrets.token_hex(6)})), 2)
        except Exception:  # closing anyway
            pass
        await self._ws.close()

    async def _call(self, msg, skip_ack=False):
        transaction = secrets.token_hex(6)
        future = asyncio.get_running_loop().create_future()
        self._pending[transaction] = (future, skip_ack)
        msg["transaction"] = transaction
        await self._ws.send(json.dumps(msg))
        try:
            reply = await asyncio.wait_for(future, REPLY_TIMEOUT_S)
        finally:
            self._pending.pop(transaction, None)
        if reply.get("janus") == "error":
            raise JanusError("%s: %s" % (msg["janus"], reply.get("error")))
        return reply

    async def _read(self):
        async for text in self._ws:
            reply = json.loads(text)
            waiting = self._pending.get(reply.get("transaction"))
            if waiting is None:
                continue  # webrtcup, media, hangup, keepalive acks...
            future, skip_ack = waiting
            if skip_ack and reply.get("janus") == "ack":
                continue
            if not future.done():
                future.set_result(reply)

    async def _keepalive(self):
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            await self._ws.send(json.dumps({"janus": "keepalive", "session_id": self.session_id,
                                            "transaction": secrets.token_hex(6)}))
