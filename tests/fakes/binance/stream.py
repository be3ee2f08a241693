"""The USD-M user-data stream of the fake Binance: listen key and websocket.

As Binance: ``POST /fapi/v1/listenKey`` opens the stream (or returns the live key and
extends it), ``PUT`` extends it by :attr:`UserDataStream.validity_s` (60 minutes), ``DELETE``
closes it; once expired a key is gone (PUT answers -1125) and the stream sends
``listenKeyExpired`` then closes. Clients connect to ``/private/ws?listenKey=<key>`` (the
route ccxt 4.5 builds) or the older ``/ws/<key>``; a socket with a key that is not live is
refused at the handshake (HTTP 400, ``-1125``).

Every engine change is pushed, in the order it happens, to every socket. Stream faults
(applied to the events of sockets that exist): lose, duplicate or delay the next events, or
drop every socket at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from ..shared.stream_faults import FaultyFanOut
from .engine import Engine
from .errors import fail
from .events import event_payload, listen_key_expired
from .models import EngineEvent

__all__ = ["UserDataStream"]

_KEY_ALPHABET = string.ascii_letters + string.digits
_CLOSE = None  # queue marker: close the socket gracefully after what is queued before it


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)


class UserDataStream(FaultyFanOut):
    """Listen key, sockets and pushed events of the one account."""

    validity_s: float = 3600.0
    """How long a listen key lives without a keep-alive (Binance: 60 minutes)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.listen_key: str | None = None
        self.expires_at = 0.0  # time.monotonic() deadline of the live key
        self.connections = 0  # sockets accepted so far
        self._sockets: list[_Socket] = []
        self._timer: asyncio.TimerHandle | None = None
        self._connected = asyncio.Event()
        engine.listeners.append(self._on_event)

    @property
    def sockets(self) -> int:
        """How many user-data sockets are open now."""
        return len(self._sockets)

    # ------------------------------------------------------------ listen key
    def create(self) -> dict[str, str]:
        """``POST /fapi/v1/listenKey``: the live key (extended), or a new one."""
        if self.listen_key is None:
            self.listen_key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(64))
        self._extend()
        return {"listenKey": self.listen_key}

    def keep_alive(self) -> dict[str, str]:
        """``PUT /fapi/v1/listenKey``: 60 more minutes, or -1125 when there is no live key."""
        if self.listen_key is None:
            raise fail(-1125)
        self._extend()
        return {"listenKey": self.listen_key}

    def delete(self) -> dict[str, Any]:
        """``DELETE /fapi/v1/listenKey``: close the stream."""
        if self.listen_key is None:
            raise fail(-1125)
        self._end(expired=False)
        return {}

    def expire(self) -> None:
        """The key expires now: ``listenKeyExpired`` on every socket, then a normal close."""
        if self.listen_key is not None:
            self._end(expired=True)

    def _extend(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.expires_at = time.monotonic() + self.validity_s
        self._timer = asyncio.get_running_loop().call_later(self.validity_s, self.expire)

    def _end(self, *, expired: bool) -> None:
        key, self.listen_key = self.listen_key, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for sock in self._sockets:
            if expired and key is not None:
                message = listen_key_expired(key, self.engine.clock())
                self.sent.append(message)
                sock.queue.put_nowait(json.dumps(message))
            sock.queue.put_nowait(_CLOSE)

    # ---------------------------------------------------------------- faults
    def drop(self) -> None:
        """Close every socket abruptly (no close frame); the listen key stays valid."""
        for sock in list(self._sockets):
            transport = sock.request.transport
            if transport is not None:
                transport.abort()

    async def wait_connected(self, count: int = 1) -> None:
        """Until ``count`` sockets have been accepted since the fake started (5 s at most)."""
        async with asyncio.timeout(5.0):
            while self.connections < count:
                self._connected.clear()
                await self._connected.wait()

    # ---------------------------------------------------------------- pushing
    def _on_event(self, event: EngineEvent) -> None:
        if self.listen_key is not None and self._sockets:
            self.push(event_payload(self.engine, event))

    def _deliver(self, message: dict[str, Any], text: str) -> None:
        for sock in self._sockets:
            sock.queue.put_nowait(text)

    # -------------------------------------------------------------- websocket
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """A user-data websocket: refused unless its listen key is the live one."""
        key = request.query.get("listenKey") or request.match_info.get("key")
        if key is None or key != self.listen_key:
            body = {"code": -1125, "msg": "This listenKey does not exist."}
            return web.json_response(body, status=400)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        sock = _Socket(ws, request)
        self._sockets.append(sock)
        self.connections += 1
        self._connected.set()
        writer = asyncio.create_task(self._write(sock))
        try:
            async for message in ws:  # the user stream takes no requests: read to see closes
                if message.type == WSMsgType.ERROR:
                    break
        finally:
            self._sockets.remove(sock)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _write(self, sock: _Socket) -> None:
        while True:
            text = await sock.queue.get()
            if text is _CLOSE:
                await sock.ws.close()
                return
            try:
                await sock.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def close(self) -> None:
        """Shut down: no more expiry timer, every socket closed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for sock in list(self._sockets):
            with contextlib.suppress(Exception):
                await sock.ws.close()
