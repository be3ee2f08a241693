"""FakeDiscord: wires state, REST and gateway on loopback and offers the test-facing API."""

from __future__ import annotations

import contextlib
import inspect
import secrets
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .gateway import Gateway
from .rest import RateLimitHit, RequestLog, RestApi, UnknownRoute, _Window
from .state import EPHEMERAL, LOADING, FakeChannel, FakeMessage, FakeState, InteractionRecord

DEFAULT_GUILD_ID = 1300000000000000001
DEFAULT_CHANNEL_ID = 1300000000000000002
DEFAULT_APPLICATION_ID = 1300000000000000003

_SELECTS = {3, 5, 6, 7, 8}  # string, user, role, mentionable, channel selects


class InteractionResult:
    """How the bot answered one interaction; every property reads the live state.

    ``original`` is the response message (for callback types 6/7: the component's own
    message), so ``content``/``embeds``/``components``/``flags`` reflect later edits."""

    def __init__(self, record: InteractionRecord, state: FakeState) -> None:
        self.record = record
        self._state = state

    def __repr__(self) -> str:
        r = self.record
        return (
            f"<InteractionResult id={r.id} type={r.type} callback={r.callback_type} "
            f"content={self.content!r} followups={len(r.followup_ids)}>"
        )

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def type(self) -> int | None:
        """Callback type: 4 message, 5 deferred message, 6 deferred update, 7 update,
        8 autocomplete result, 9 modal; None while unanswered."""
        return self.record.callback_type

    @property
    def responded(self) -> bool:
        return self.record.callback_type is not None

    @property
    def deferred(self) -> bool:
        return self.record.callback_type in (5, 6)

    @property
    def data(self) -> dict[str, Any]:
        """The callback's raw ``data``."""
        return self.record.callback_data or {}

    @property
    def original(self) -> FakeMessage | None:
        return self._state.messages.get(self.record.original_id or 0)

    def _field(self, name: str, default: Any) -> Any:
        msg = self.original
        return getattr(msg, name) if msg is not None else self.data.get(name) or default

    @property
    def content(self) -> str | None:
        return self._field("content", None)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self._field("embeds", [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return self._field("components", [])

    @property
    def flags(self) -> int:
        return int(self._field("flags", 0))

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A "thinking" defer not yet filled by an edit or follow-up."""
        return bool(self.flags & LOADING)

    @property
    def followups(self) -> list[FakeMessage]:
        return [self._state.messages[i] for i in self.record.followup_ids]

    @property
    def messages(self) -> list[FakeMessage]:
        """Original response plus follow-ups, without duplicates."""
        out = [] if self.original is None else [self.original]
        return out + [m for m in self.followups if m not in out]

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self.data.get("choices") if self.type == 8 else None

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.data if self.type == 9 else None

    @property
    def rejected(self) -> list[tuple[int, str]]:
        """Callbacks the fake refused as Discord would: (type, reason)."""
        return self.record.rejected

    async def wait_until(
        self, predicate: Callable[[InteractionResult], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> Self:  # fmt: skip
        if not await self._state.wait_until(lambda: predicate(self), timeout):
            raise AssertionError(
                f"interaction {self.id}: {what} not met within {timeout}s; "
                f"now {self!r}, rejected={self.rejected}"
            )
        return self

    async def wait_response(self, timeout: float = 10.0) -> Self:  # noqa: ASYNC109
        """Wait for the initial callback (any type)."""
        return await self.wait_until(lambda r: r.responded, timeout, "a callback")

    async def wait_followups(
        self,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[FakeMessage]:
        await self.wait_until(
            lambda r: len(r.record.followup_ids) >= count, timeout, f"{count} follow-up(s)"
        )
        return self.followups


class FakeDiscord:
    """A loopback Discord (REST + gateway) that a real discord.py client can log into."""

    def __init__(
        self, *, token: str = "fake-token", guild_id: int = DEFAULT_GUILD_ID,
        channel_id: int = DEFAULT_CHANNEL_ID, application_id: int = DEFAULT_APPLICATION_ID,
        bot_user_id: int = DEFAULT_APPLICATION_ID, roles: dict[int, str] | None = None,
        members: dict[int, list[int]] | None = None,
        role_permissions: dict[int, int] | None = None, guild_name: str = "Greenlight Desk",
        channel_name: str = "trade-alerts", bot_name: str = "Greenlight",
        heartbeat_interval_ms: int = 41250, interaction_deadline: float | None = 3.0,
        host: str = "127.0.0.1",
    ) -> None:  # fmt: skip
        self.token, self.host, self.port = token, host, 0
        self.guild_id, self.channel_id = guild_id, channel_id
        self.application_id, self.bot_user_id = application_id, bot_user_id
        self.state = FakeState(
            guild_id=guild_id, channel_id=channel_id, application_id=application_id,
            bot_user_id=bot_user_id, roles=roles or {}, members=members or {},
            role_permissions=role_permissions or {}, guild_name=guild_name,
            channel_name=channel_name, bot_name=bot_name,
        )  # fmt: skip
        self.gateway = Gateway(
            self.state, token, heartbeat_interval_ms=heartbeat_interval_ms,
            base_ws_url=lambda: f"ws://{self.host}:{self.port}",
        )  # fmt: skip
        self.rest = RestApi(
            self.state, token, self.gateway, lambda: self.gateway_url, interaction_deadline
        )
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.rest.install(app)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        self.rest.install_catch_all(app)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.host, 0))
            self.port = sock.getsockname()[1]
            await web.SockSite(self._runner, sock).start()
        except BaseException:
            sock.close()
            await self.close()
            raise
        self.state.cdn_base = self.base_url

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """For ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (as a ``yarl.URL``)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[Self]:
        """Point discord.py at this fake (REST base and first gateway URL), then restore.

        ``Client.connect`` never asks ``/gateway/bot`` (only AutoShardedClient does); it
        dials ``DiscordWebSocket.DEFAULT_GATEWAY``, so both class attributes must change."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning)  # audioop
            import yarl
            from discord.gateway import DiscordWebSocket
            from discord.http import Route
        old = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old

    # -- setup -----------------------------------------------------------------------
    def add_member(
        self, user_id: int, role_ids: Iterable[int] = (), *, name: str | None = None
    ) -> None:
        """Add a guild member (in GUILD_CREATE only if the bot has the members intent)."""
        self.state.add_member(user_id, role_ids, name)

    def add_text_channel(self, name: str, channel_id: int | None = None) -> int:
        """Add a text channel; do it before the bot connects so GUILD_CREATE includes it."""
        cid = channel_id or self.state.snowflakes.next()
        self.state.add_channel(cid, name)
        return cid

    def set_channel_rate_limit(
        self, channel_id: int, count: int = 5, per_s: float = 5.0, *, advertise: bool = True
    ) -> None:
        """Allow ``count`` message creates per ``per_s`` seconds in ``channel_id``.

        With ``advertise`` the X-RateLimit headers describe this bucket, so discord.py mostly
        waits pre-emptively, as against real Discord; without it the headers show a roomy
        bucket (like a shared or sub-limit) and the client runs into 429s."""
        self.rest.limiter.windows[channel_id] = _Window(count, per_s, advertise)

    @property
    def interaction_deadline(self) -> float | None:
        """Seconds a bot has for the first callback (Discord: 3); None disables the check."""
        return self.rest.interaction_deadline

    @interaction_deadline.setter
    def interaction_deadline(self, value: float | None) -> None:
        self.rest.interaction_deadline = value

    # -- observation -----------------------------------------------------------------
    @property
    def rate_limited(self) -> list[RateLimitHit]:
        return self.rest.rate_limited

    @property
    def unknown_routes(self) -> list[UnknownRoute]:
        return self.rest.unknown_routes

    @property
    def requests(self) -> list[RequestLog]:
        return self.rest.requests

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in the fake itself (answered as 400s)."""
        return self.rest.internal_errors

    @property
    def registered_commands(self) -> list[dict[str, Any]]:
        """Guild application commands as last synced (with ids)."""
        return self.state.guild_commands

    @property
    def global_commands(self) -> list[dict[str, Any]]:
        return self.state.global_commands

    @property
    def connected(self) -> bool:
        """A client has identified (or resumed) and received READY + GUILD_CREATE."""
        return self.gateway.connected

    @property
    def identifies(self) -> int:
        return self.gateway.identifies

    @property
    def resumes(self) -> int:
        return self.gateway.resumes

    def messages(self, channel_id: int | None = None) -> list[FakeMessage]:
        """Non-deleted, non-ephemeral messages of a channel or thread, oldest first."""
        msgs = self.state.channel_list(channel_id or self.channel_id)
        return [m for m in msgs if not m.ephemeral]

    def message(self, message_id: int) -> FakeMessage:
        """Any message by id, including ephemeral and deleted ones."""
        if message_id not in self.state.messages:
            raise AssertionError(f"no message {message_id}\n{self.describe()}")
        return self.state.messages[message_id]

    def thread(self, parent_message_id: int) -> FakeChannel | None:
        ch = self.state.channels.get(parent_message_id)
        return ch if ch is not None and ch.is_thread else None

    def thread_messages(self, parent_message_id: int) -> list[FakeMessage]:
        """Messages posted in the thread started from ``parent_message_id``."""
        return self.messages(parent_message_id) if self.thread(parent_message_id) else []

    def interactions(self) -> list[InteractionResult]:
        return [InteractionResult(r, self.state) for r in self.state.interactions.values()]

    async def wait_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await self.wait_for(lambda: self.connected, timeout, "no client reached READY")

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0,  # noqa: ASYNC109
        message: str | None = None,
    ) -> None:  # fmt: skip
        """Wait until ``predicate()`` holds (re-checked on every state change)."""
        if await self.state.wait_until(predicate, timeout):
            return
        try:
            what = inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            what = repr(predicate)
        raise AssertionError(
            f"{message or 'condition not met'} within {timeout}s: {what}\n{self.describe()}"
        )

    def describe(self) -> str:
        """A summary of the fake's state for failure messages."""
        lines = [
            f"connected={self.connected} identifies={self.identifies} resumes={self.resumes} "
            f"429s={len(self.rate_limited)}"
        ]
        for cid, ch in self.state.channels.items():
            msgs = self.state.channel_list(cid)
            lines.append(f"#{ch.name} ({cid}): {len(msgs)} message(s)")
            for m in msgs[-5:]:
                reactions = {e: len(u) for e, u in m.reactions.items()}
                buttons = [b.get("custom_id") for b in m.buttons]
                lines.append(f"  {m.id}: {m.text[:80]!r} buttons={buttons} reactions={reactions}")
        lines += [f"interaction {r!r}" for r in self.interactions()[-5:]]
        if self.unknown_routes:
            lines.append(f"unknown routes: {self.unknown_routes}")
        lines += [f"fake internal error: {e}" for e in self.internal_errors]
        return "\n".join(lines)

    # -- gateway disruption ----------------------------------------------------------
    def disconnect_clients(self, code: int = 4000, *, abrupt: bool = False) -> None:
        """Close every gateway socket with ``code`` (``abrupt``: drop TCP, seen as 1006).
        Sessions stay resumable and buffer dispatches meanwhile."""
        self.gateway.disconnect(code, abrupt=abrupt)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should reconnect and RESUME."""
        await self.gateway.send_op(7)

    async def invalidate_sessions(self) -> None:
        """Send op 9 (not resumable): the client IDENTIFYs again (discord.py waits 5 s)."""
        await self.gateway.invalidate_sessions()

    # -- user actions ----------------------------------------------------------------
    def _live_message(self, message_id: int) -> FakeMessage:
        msg = self.message(message_id)
        if msg.deleted:
            raise AssertionError(f"message {message_id} was deleted")
        return msg

    async def _interact(
        self, type_: int, data: dict[str, Any], *, user_id: int, role_ids: Iterable[int],
        channel_id: int, message: FakeMessage | None = None,
    ) -> InteractionResult:  # fmt: skip
        if not self.gateway.has_sessions:
            raise AssertionError("no bot session on FakeDiscord; did the client connect?")
        if channel_id not in self.state.channels:
            raise AssertionError(f"unknown channel {channel_id}")
        s = self.state
        s.ensure_user(user_id)
        rec = InteractionRecord(
            id=s.snowflakes.next(), token=secrets.token_urlsafe(48), type=type_,
            user_id=user_id, channel_id=channel_id, data=data,
            message_id=message.id if message else None,
        )  # fmt: skip
        s.interactions[rec.id] = rec
        payload = self.gateway.interaction_payload(rec, s.roles_of(user_id, role_ids), message)
        s.touch()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return InteractionResult(rec, s)

    async def click(
        self, message_id: int, custom_id: str, *, user_id: int, role_ids: Iterable[int] = (),
        values: list[str] | None = None, respect_disabled: bool = False,
    ) -> InteractionResult:  # fmt: skip
        """Press a button (or pick ``values`` in a select) on a message as ``user_id``.

        Disabled components are clickable unless ``respect_disabled`` (to model users racing
        the bot's edit); ``role_ids`` default to the member's configured roles."""
        msg = self._live_message(message_id)
        comp = msg.component(custom_id)
        if comp is None:
            ids = [c.get("custom_id") for c in msg.walk_components() if c.get("custom_id")]
            raise AssertionError(f"message {message_id} has no component {custom_id!r}: {ids}")
        if respect_disabled and comp.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": comp["type"]}
        if comp["type"] in _SELECTS:
            data["values"] = list(values or [])
        return await self._interact(
            3, data, user_id=user_id, role_ids=role_ids, channel_id=msg.channel_id, message=msg
        )

    async def react(
        self, message_id: int, emoji: str, *, user_id: int, role_ids: Iterable[int] = ()
    ) -> None:
        """React as ``user_id``: MESSAGE_REACTION_ADD carries the member and its roles."""
        msg = self._live_message(message_id)
        self.state.ensure_user(user_id)
        if self.state.add_reaction(msg, emoji, user_id):
            await self.gateway.reaction_event(True, msg, emoji, user_id, list(role_ids))

    async def unreact(self, message_id: int, emoji: str, *, user_id: int) -> None:
        msg = self._live_message(message_id)
        if self.state.remove_reaction(msg, emoji, user_id):
            await self.gateway.reaction_event(False, msg, emoji, user_id)

    async def slash(
        self, name: str, options: Mapping[str, Any] | None = None, *, user_id: int,
        role_ids: Iterable[int] = (), subcommand: str | None = None,
        channel_id: int | None = None,
    ) -> InteractionResult:  # fmt: skip
        """Invoke a registered slash command; option types come from its registration.

        ``subcommand`` is ``"sub"`` or ``"group sub"``; user/role/channel options take ids."""
        cmd = self._command(name)
        opts, resolved = self._build_options(cmd, dict(options or {}), subcommand, None)
        return await self._interact(
            2, self._command_data(cmd, opts, resolved), user_id=user_id, role_ids=role_ids,
            channel_id=channel_id or self.channel_id,
        )  # fmt: skip

    async def autocomplete(
        self, name: str, options: Mapping[str, Any], focused: str, *, user_id: int,
        role_ids: Iterable[int] = (), subcommand: str | None = None,
        timeout: float = 10.0, channel_id: int | None = None,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Send an autocomplete interaction for option ``focused``; return the choices."""
        cmd = self._command(name)
        opts, resolved = self._build_options(cmd, dict(options), subcommand, focused)
        result = await self._interact(
            4, self._command_data(cmd, opts, resolved), user_id=user_id, role_ids=role_ids,
            channel_id=channel_id or self.channel_id,
        )  # fmt: skip
        await result.wait_response(timeout)
        if result.type != 8:
            raise AssertionError(f"autocomplete answered with callback type {result.type}")
        return list(result.choices or [])

    # -- application command plumbing ------------------------------------------------
    def _command(self, name: str) -> dict[str, Any]:
        cmd = self.state.find_command(name)
        if cmd is None:
            known = [c["name"] for c in [*self.registered_commands, *self.global_commands]]
            raise AssertionError(f"slash command {name!r} is not registered; registered: {known}")
        return cmd

    @staticmethod
    def _command_data(
        cmd: dict[str, Any], options: list[dict[str, Any]], resolved: dict[str, Any]
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        data["options"] = options
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]  # discord.py looks guild commands up by it
        if resolved:
            data["resolved"] = resolved
        return data

    def _build_options(
        self, cmd: dict[str, Any], values: dict[str, Any], subcommand: str | None,
        focused: str | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
        """Typed option payloads (nested under subcommand/group options) + ``resolved``."""
        node, chain = cmd, []
        for part in (subcommand or "").split():
            node = next((o for o in node.get("options") or []
                         if o["name"] == part and o["type"] in (1, 2)), {})  # fmt: skip
            if not node:
                raise AssertionError(f"/{cmd['name']} has no subcommand {subcommand!r}")
            chain.append(node)
        defs = {o["name"]: o for o in node.get("options") or []}
        if any(o["type"] in (1, 2) for o in defs.values()):
            raise AssertionError(f"/{cmd['name']} needs a subcommand: {sorted(defs)}")
        if set(values) - set(defs):
            raise AssertionError(
                f"/{cmd['name']}: unknown option(s) {sorted(set(values) - set(defs))}; "
                f"it has {sorted(defs)}"
            )
        missing = [n for n, o in defs.items() if o.get("required") and n not in values]
        if focused is None and missing:
            raise AssertionError(f"/{cmd['name']}: missing required option(s) {missing}")
        if focused is not None:
            values.setdefault(focused, "")
        resolved: dict[str, Any] = {}
        built = []
        for name, value in values.items():
            opt = {"name": name, "type": defs[name]["type"]}
            if name == focused:  # Discord sends the partial input as a string
                built.append({**opt, "value": str(value), "focused": True})
            else:
                built.append({**opt, "value": self._option_value(defs[name], value, resolved)})
        for parent in reversed(chain):
            built = [{"name": parent["name"], "type": parent["type"], "options": built}]
        return built, resolved

    def _option_value(self, opt: dict[str, Any], value: Any, resolved: dict[str, Any]) -> Any:
        """Coerce/check one option like the Discord client would, filling ``resolved``."""
        s, t, name = self.state, opt["type"], opt["name"]
        if t == 11:
            raise AssertionError("attachment options are not supported by FakeDiscord")
        if t in (6, 7, 8, 9):
            oid = int(getattr(value, "id", value))
            if t == 6:
                s.ensure_user(oid)
            if t == 7 and oid in s.channels:
                ch = {
                    **s.channel_payload(s.channels[oid]),
                    "permissions": str(s.permissions_for([])),
                }
                resolved.setdefault("channels", {})[str(oid)] = ch
            elif t in (8, 9) and oid in s.roles:
                resolved.setdefault("roles", {})[str(oid)] = s.role_payload(s.roles[oid])
            elif t in (6, 9) and oid in s.users:
                resolved.setdefault("users", {})[str(oid)] = s.user_payload(oid)
                if oid in s.members:
                    member = s.member_payload(oid, with_user=False, permissions=True)
                    resolved.setdefault("members", {})[str(oid)] = member
            else:
                raise AssertionError(f"option {name!r}: nothing with id {oid} of type {t}")
            return str(oid)
        if t == 4 and isinstance(value, bool):
            raise AssertionError(f"option {name!r} is an integer, got {value!r}")
        value = {3: str, 4: int, 5: bool, 10: float}.get(t, lambda v: v)(value)
        choices = [c["value"] for c in opt.get("choices") or []]
        if choices and value not in choices:
            raise AssertionError(f"option {name!r}: {value!r} is not one of {choices}")
        low, high = opt.get("min_value"), opt.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise AssertionError(f"option {name!r}: {value!r} outside [{low}, {high}]")
        if t == 3 and not opt.get("min_length", 0) <= len(value) <= opt.get("max_length", 6000):
            raise AssertionError(f"option {name!r}: length of {value!r} out of bounds")
        return value
