"""The fake's gateway websocket: HELLO, IDENTIFY/RESUME, heartbeats, dispatches.

Transport compression follows the ``compress`` query parameter discord.py sends:
``zlib-stream`` (one shared zlib context per connection, every message ending in the
Z_SYNC_FLUSH marker ``00 00 ff ff``) or ``zstd-stream`` (one zstd stream, each message
flushed as a block) when a zstd module is importable here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .state import BOT_PERMISSIONS, FakeMessage, FakeState, InteractionRecord, iso

_TRACE = '["fake-gateway",{"micros":0}]'
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10

# GUILD_CREATE fields discord.py reads that the fake leaves at their defaults.
_GUILD_NULLS = ("icon", "splash", "banner", "description", "system_channel_id", "application_id")
_GUILD_ZEROS = (
    "verification_level", "default_message_notifications", "explicit_content_filter",
    "mfa_level", "nsfw_level", "premium_tier", "system_channel_flags",
)  # fmt: skip
_GUILD_LISTS = (
    "emojis", "stickers", "features", "voice_states", "presences", "stage_instances",
    "guild_scheduled_events", "soundboard_sounds",
)  # fmt: skip


class _ZstdStream:
    """A zstd compressor flushing a block per message (zstandard or compression.zstd)."""

    def __init__(self) -> None:
        try:
            import zstandard  # type: ignore[import-not-found]

            obj = zstandard.ZstdCompressor().compressobj()
            flag = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            self._compress: Callable[[bytes], bytes] = lambda b: obj.compress(b) + obj.flush(flag)
        except ImportError:
            from compression.zstd import ZstdCompressor  # type: ignore[import-not-found]

            comp = ZstdCompressor()
            self._compress = lambda b: comp.compress(b, mode=ZstdCompressor.FLUSH_BLOCK)

    def __call__(self, data: bytes) -> bytes:
        return self._compress(data)


class Connection:
    """One websocket plus its compression context; sends are serialised."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, compress: str | None, path: str
    ) -> None:
        self.ws = ws
        self.request = request
        self.path = path
        self.compress = compress
        self.lock = asyncio.Lock()
        self.ready = False
        self.closed_by_server = False
        self.server_close_code: int | None = None
        self._encode: Callable[[bytes], bytes] | None = None
        if compress == "zlib-stream":
            zctx = zlib.compressobj()
            self._encode = lambda b: zctx.compress(b) + zctx.flush(zlib.Z_SYNC_FLUSH)
        elif compress == "zstd-stream":
            self._encode = _ZstdStream()

    async def send(self, frame: dict[str, Any]) -> None:
        raw = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        async with self.lock:
            if self.ws.closed:
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                if self._encode is None:
                    await self.ws.send_str(raw)
                else:
                    await self.ws.send_bytes(self._encode(raw.encode()))


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    conn: Connection | None = None
    backlog: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=5000))
    client_left: bool = False  # the client closed its socket itself (still resumable)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Gateway:
    """Serves ``/gateway`` (and ``/gateway-resume``, the advertised resume URL)."""

    def __init__(
        self,
        state: FakeState,
        token: str,
        *,
        heartbeat_interval_ms: int,
        base_ws_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.base_ws_url = base_ws_url
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.close_codes: list[int | None] = []
        self.connection_log: list[tuple[str, str | None]] = []  # (path, compress) per socket
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def connected(self) -> bool:
        return any(c.ready and not c.ws.closed for c in self.connections)

    # -- connection handling ---------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        q = request.query
        if q.get("v") != "10":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        if q.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Error while decoding payload.")
            return ws
        try:
            conn = Connection(ws, request, q.get("compress"), request.path)
        except ImportError:
            await ws.close(code=4000, message=b"zstd-stream unsupported by FakeDiscord")
            return ws
        self.connections.add(conn)
        self.connection_log.append((request.path, conn.compress))
        session: Session | None = None
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": [_TRACE]}
            await conn.send({"op": 10, "s": None, "t": None, "d": hello})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                session = await self._on_payload(conn, session, payload) or session
        finally:
            self.connections.discard(conn)
            self.close_codes.append(
                conn.server_close_code if conn.closed_by_server else ws.close_code
            )
            if session is not None and session.conn is conn:
                session.conn = None
                session.client_left = not conn.closed_by_server
                if session.client_left and ws.close_code in (1000, 1001):
                    self.sessions.pop(session.id, None)  # a clean close ends the session
            self.state.touch()
        return ws

    async def _on_payload(
        self, conn: Connection, session: Session | None, payload: dict[str, Any]
    ) -> Session | None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op in (2, 6) and session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
        elif op == 2:
            if not isinstance(d, dict) or d.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return None
            if "intents" not in d:
                await conn.ws.close(code=4013, message=b"Invalid intent(s).")
                return None
            return await self._identify(conn, int(d["intents"]))
        elif op == 6:
            return await self._resume(conn, d if isinstance(d, dict) else {})
        elif session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == 8:
            await self._members_chunk(session, d if isinstance(d, dict) else {})
        elif op not in (3, 4):
            await conn.ws.close(code=4001, message=b"Unknown opcode.")
        return None

    async def _identify(self, conn: Connection, intents: int) -> Session:
        session = Session(id=secrets.token_hex(16), intents=intents, conn=conn)
        self.sessions[session.id] = session
        self.identifies += 1
        s = self.state
        ready = {
            "v": 10, "session_id": session.id, "session_type": "normal",
            "user": {**s.user_payload(s.bot_user_id), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(s.guild_id), "unavailable": True}],
            "resume_gateway_url": self.base_ws_url() + "/gateway-resume",
            "application": {"id": str(s.application_id), "flags": 0},
            "private_channels": [], "relationships": [], "presences": [],
            "guild_join_requests": [], "geo_ordered_rtc_regions": ["fake"], "user_settings": {},
            "auth": {}, "_trace": [_TRACE],
        }  # fmt: skip
        async with session.lock:
            await self._emit(session, "READY", ready)
            guild = self.guild_create(all_members=bool(intents & GUILD_MEMBERS))
            await self._emit(session, "GUILD_CREATE", guild)
        conn.ready = True
        s.touch()
        return session

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = int(d.get("seq") or 0)
        oldest = session.backlog[0]["s"] if session and session.backlog else 1
        if session is None or d.get("token") != self.token or seq < oldest - 1:
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return None
        async with session.lock:
            old, session.conn = session.conn, conn
            session.client_left = False
            for frame in list(session.backlog):
                if frame["s"] > seq:
                    await conn.send(frame)
            await self._emit(session, "RESUMED", {"_trace": [_TRACE]})
        self.resumes += 1
        conn.ready = True
        if old is not None and old is not conn:
            self._close_soon(old, 4009)
        self.state.touch()
        return session

    async def _members_chunk(self, session: Session, d: dict[str, Any]) -> None:
        """Op 8: every member in one chunk (``query``/``limit``/``user_ids`` are ignored)."""
        s = self.state
        data = {"guild_id": str(s.guild_id), "chunk_index": 0, "chunk_count": 1,
                "members": [s.member_payload(u) for u in s.members], "not_found": []}  # fmt: skip
        if d.get("nonce"):
            data["nonce"] = d["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", data)

    # -- dispatching -----------------------------------------------------------------
    async def _emit(self, session: Session, event: str, data: dict[str, Any]) -> None:
        """Sequence, buffer (for RESUME) and send one dispatch. Hold ``session.lock``."""
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.backlog.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)

    async def dispatch(self, event: str, data: dict[str, Any], intent: int | None = None) -> None:
        """Send ``event`` to every live or resumable session subscribed to ``intent``."""
        for session in list(self.sessions.values()):
            if intent is None or session.intents & intent:
                async with session.lock:
                    await self._emit(session, event, data)

    # -- event payloads --------------------------------------------------------------
    def guild_create(self, *, all_members: bool) -> dict[str, Any]:
        """The full guild; members are only sent in full with the GUILD_MEMBERS intent."""
        s = self.state
        shown = list(s.members) if all_members else [s.bot_user_id]
        data: dict[str, Any] = dict.fromkeys(_GUILD_NULLS)
        data |= dict.fromkeys(_GUILD_ZEROS, 0) | {key: [] for key in _GUILD_LISTS}
        data.update(
            id=str(s.guild_id), name=s.guild_name, owner_id=str(s.owner_id), afk_timeout=300,
            roles=[s.role_payload(r) for r in s.roles.values()], preferred_locale="en-US",
            joined_at=iso(s.joined[s.bot_user_id]), large=False, unavailable=False, lazy=True,
            member_count=len(s.members), members=[s.member_payload(u) for u in shown],
            channels=[s.channel_payload(c) for c in s.channels.values() if not c.is_thread],
            threads=[s.channel_payload(c) for c in s.channels.values() if c.is_thread],
        )  # fmt: skip
        return data

    async def message_event(self, event: str, msg: FakeMessage) -> None:
        """MESSAGE_CREATE/UPDATE/DELETE; Discord never sends these for ephemeral messages."""
        if msg.ephemeral:
            return
        data = self.state.message_payload(msg, gateway=True)
        if event == "MESSAGE_DELETE":
            data = {key: data[key] for key in ("id", "channel_id", "guild_id")}
        await self.dispatch(event, data, GUILD_MESSAGES)

    async def reaction_event(
        self, added: bool, msg: FakeMessage, emoji: str, user_id: int, role_ids: Any = ()
    ) -> None:
        s = self.state
        data: dict[str, Any] = {
            "user_id": str(user_id), "type": 0, "message_id": str(msg.id), "burst": False,
            "channel_id": str(msg.channel_id), "guild_id": str(s.guild_id),
            "emoji": s.emoji_payload(emoji),
        }  # fmt: skip
        if added:
            data.update(member=s.member_payload(user_id, role_ids), burst_colors=[],
                        message_author_id=str(msg.author_id))  # fmt: skip
        event = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        await self.dispatch(event, data, GUILD_MESSAGE_REACTIONS)

    def interaction_payload(
        self, rec: InteractionRecord, role_ids: list[int], message: FakeMessage | None
    ) -> dict[str, Any]:
        """INTERACTION_CREATE data, with every field discord.py's Interaction requires."""
        s = self.state
        perms = str(s.permissions_for(role_ids))
        data: dict[str, Any] = {
            "id": str(rec.id), "application_id": str(s.application_id), "type": rec.type,
            "data": rec.data, "guild_id": str(s.guild_id), "channel_id": str(rec.channel_id),
            "guild": {"id": str(s.guild_id), "locale": "en-US", "features": []},
            "channel": {**s.channel_payload(s.channels[rec.channel_id]), "permissions": perms},
            "member": s.member_payload(rec.user_id, role_ids, permissions=True),
            "token": rec.token, "version": 1, "app_permissions": str(BOT_PERMISSIONS),
            "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "context": 0,
            "authorizing_integration_owners": {"0": str(s.guild_id)},
            "attachment_size_limit": 25 * 1024 * 1024,
        }  # fmt: skip
        if message is not None:
            data["message"] = s.message_payload(message)
        return data

    @property
    def has_sessions(self) -> bool:
        """A client is connected, or was cut off by the fake and should come back."""
        return any(s.conn is not None or not s.client_left for s in self.sessions.values())

    # -- disruption ------------------------------------------------------------------
    def _close_soon(self, conn: Connection, code: int) -> None:
        conn.closed_by_server, conn.server_close_code = True, code
        task = asyncio.get_running_loop().create_task(conn.ws.close(code=code))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def disconnect(self, code: int = 4000, *, abrupt: bool = False) -> None:
        """Drop every connection (sessions stay resumable). ``abrupt`` kills the TCP
        connection without a close frame, which the client sees as 1006."""
        for conn in list(self.connections):
            conn.ready = False
            if abrupt and conn.request.transport is not None:
                conn.closed_by_server, conn.server_close_code = True, 1006
                conn.request.transport.abort()
            else:
                self._close_soon(conn, code)
        self.state.touch()

    async def send_op(self, op: int, d: Any = None) -> None:
        """Send a raw non-dispatch opcode (7 RECONNECT, 9 INVALID_SESSION) to everyone."""
        for conn in list(self.connections):
            await conn.send({"op": op, "s": None, "t": None, "d": d})

    async def invalidate_sessions(self) -> None:
        """Forget every session and tell clients (op 9, not resumable): they re-IDENTIFY."""
        self.sessions.clear()
        await self.send_op(9, False)

    async def close(self) -> None:
        for conn in list(self.connections):
            conn.closed_by_server, conn.server_close_code = True, 1001
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"FakeDiscord shutting down")
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
