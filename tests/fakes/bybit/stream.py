"""The private websocket of the fake Bybit v5 exchange (``/v5/private``), as ccxt.pro uses it.

A client authenticates (``{"op": "auth", "args": [apiKey, expires, signature]}`` with
signature = HMAC-SHA256(secret, "GET/realtime" + expires)), subscribes to ``order``,
``execution``, ``position`` and ``wallet``, pings with ``{"op": "ping"}``; the stream pushes
``{"id", "topic", "creationTime", "data": [...]}`` whenever the engine changes an order,
fills, changes a position or the wallet. Fault controls drop every socket, or lose,
duplicate or delay the next pushed messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from ..shared.stream_faults import FaultyFanOut
from .engine import Engine
from .shapes import execution_json, order_json, position_json, wallet_json

__all__ = ["TOPICS", "PrivateStream"]

TOPICS = ("order", "execution", "position", "wallet")


@dataclass(eq=False)
class _Conn:
    """One private socket: its writer queue and what it asked for."""

    ws: web.WebSocketResponse
    request: web.Request
    conn_id: str
    authed: bool = False
    topics: set[str] = field(default_factory=set)
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)


class PrivateStream(FaultyFanOut):
    """Private topics of one account, pushed to every authenticated, subscribed socket."""

    def __init__(self, engine: Engine, api_key: str, api_secret: str) -> None:
        super().__init__()
        self.engine = engine
        self.connections = 0  # sockets accepted so far
        self._api_key, self._api_secret = api_key, api_secret
        self._conns: set[_Conn] = set()
        self._ids = itertools.count(1)
        self._subscribed = asyncio.Event()  # set whenever a socket subscribes
        engine.listeners.append(self._on_event)

    # ----------------------------------------------------------------- faults
    def drop(self) -> None:
        """Close every socket abruptly (no close frame), as a broken connection does."""
        for conn in list(self._conns):
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            self._forget(conn)

    async def close(self) -> None:
        """Close every socket with a close frame (the fake is shutting down)."""
        for conn in list(self._conns):
            self._forget(conn)
            await conn.ws.close()

    @property
    def open_sockets(self) -> int:
        """Sockets currently open."""
        return len(self._conns)

    async def wait_subscribed(self, topics: tuple[str, ...]) -> None:
        """Until one authenticated socket is subscribed to every topic of ``topics`` (5 s)."""
        async with asyncio.timeout(5.0):
            while not any(c.authed and set(topics) <= c.topics for c in self._conns):
                self._subscribed.clear()
                await self._subscribed.wait()

    # ------------------------------------------------------------------ serving
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler of ``/v5/private``: one socket until it closes."""
        ws = web.WebSocketResponse(autoping=True, timeout=1.0)
        await ws.prepare(request)
        conn = _Conn(ws, request, f"fake{uuid.uuid4().hex[:16]}-{next(self._ids)}")
        self._conns.add(conn)
        self.connections += 1
        writer = asyncio.create_task(self._write(conn))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_request(conn, msg.data)
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._forget(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    def _forget(self, conn: _Conn) -> None:
        if conn in self._conns:
            self._conns.discard(conn)
            conn.queue.put_nowait(None)

    async def _write(self, conn: _Conn) -> None:
        """Send ``conn``'s queued texts one after the other (order preserved)."""
        while True:
            text = await conn.queue.get()
            if text is None or conn.ws.closed:
                return
            try:
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    def _reply(self, conn: _Conn, message: dict[str, Any]) -> None:
        conn.queue.put_nowait(json.dumps(message, separators=(",", ":")))

    def _on_request(self, conn: _Conn, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self._reply(conn, {"success": False, "ret_msg": "error:invalid op", "op": ""})
            return
        op, req_id = message.get("op"), message.get("req_id")
        base: dict[str, Any] = {"conn_id": conn.conn_id, "op": op}
        if req_id is not None:
            base["req_id"] = str(req_id)
        if op == "ping":
            self._reply(conn, {**base, "op": "pong", "args": [str(int(time.time() * 1000))]})
        elif op == "auth":
            error = self._auth_error(message.get("args"))
            conn.authed = error is None
            self._reply(conn, {"success": error is None, "ret_msg": error or "", **base})
        elif op in ("subscribe", "unsubscribe"):
            topics = message.get("args") or []
            unknown = [t for t in topics if t not in TOPICS]
            if not conn.authed:
                self._reply(conn, {"success": False, "ret_msg": "Request not authorized", **base})
            elif unknown:
                error = f"error:handler not found,topic:{unknown[0]}"
                self._reply(conn, {"success": False, "ret_msg": error, **base})
            else:
                if op == "subscribe":
                    conn.topics.update(topics)
                    self._subscribed.set()
                else:
                    conn.topics.difference_update(topics)
                self._reply(conn, {"success": True, "ret_msg": "", **base})
        else:
            self._reply(conn, {"success": False, "ret_msg": f"error:invalid op {op}", **base})

    def _auth_error(self, args: object) -> str | None:
        """Why ``op: auth`` fails (``None`` when it passes)."""
        if not isinstance(args, list) or len(args) != 3:
            return "Params Error"
        key, expires, signature = (str(a) for a in args)
        if key != self._api_key:
            return "API key is invalid."
        try:
            expires_ms = int(expires)
        except ValueError:
            return "Params Error"
        if expires_ms < time.time() * 1000:
            return "Params Error"
        expected = hmac.new(
            self._api_secret.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256
        ).hexdigest()
        return None if hmac.compare_digest(signature, expected) else "Request not authorized"

    # ---------------------------------------------------------------- pushing
    def _on_event(self, topic: str, obj: Any) -> None:
        if topic == "order":
            data = order_json(obj, stream=True)
        elif topic == "execution":
            data = execution_json(obj, stream=True)
        elif topic == "position":
            data = position_json(self.engine, obj, stream=True)
        else:
            data = wallet_json(self.engine)
        self.publish(topic, [data])

    def publish(self, topic: str, data: list[dict[str, Any]]) -> None:
        """Push one topic message to its subscribers, through the fault controls.

        A message nobody is subscribed to is not pushed and uses up no fault.
        """
        if not self._targets(topic):
            return
        message = {
            "id": f"{uuid.uuid4().hex[:14]}-{next(self._ids)}",
            "topic": topic,
            "creationTime": int(time.time() * 1000),
            "data": data,
        }
        self.push(message)

    def _deliver(self, message: dict[str, Any], text: str) -> None:
        for conn in self._targets(message["topic"]):
            conn.queue.put_nowait(text)

    def _targets(self, topic: str) -> list[_Conn]:
        return [c for c in self._conns if c.authed and topic in c.topics]
