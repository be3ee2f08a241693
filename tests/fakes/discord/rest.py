"""The fake's REST API (``/api/v10``) as aiohttp routes, with Discord's error bodies,
validation, rate-limit headers and 429s."""

from __future__ import annotations

import hashlib
import json
import math
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from .gateway import GUILDS, Gateway
from .state import (
    COMPONENTS_V2,
    EPHEMERAL,
    LOADING,
    PUBLIC_THREAD,
    TEXT_CHANNEL,
    FakeChannel,
    FakeMessage,
    FakeState,
    InteractionRecord,
    RateLimitHit,
    RequestLog,
    UnknownRoute,
)

API = "/api/v10"
Files = list[tuple[int, str, bytes]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Callback types each interaction type accepts (1 ping, 2 command, 3 component,
# 4 autocomplete, 5 modal submit).
_ALLOWED_CALLBACKS = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with Content-Type exactly ``application/json``: discord.py compares the header
    verbatim and treats anything else (e.g. ``; charset=utf-8``) as a text body."""
    headers = {"Content-Type": "application/json"}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)


class DiscordError(Exception):
    """Raised by handlers; rendered as Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return json_response(body, self.status)


# -- validation (a subset of Discord's 50035 "Invalid Form Body" rules) -----------------


def _err(errors: dict[str, Any], path: list[Any], code: str, message: str) -> None:
    node = errors
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).append({"code": code, "message": message})


def _form_error(path: list[Any], code: str, message: str) -> DiscordError:
    errors: dict[str, Any] = {}
    _err(errors, path, code, message)
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def _check_len(errors: dict[str, Any], path: list[Any], value: Any, limit: int) -> int:
    """Record a string over ``limit``; return its length (for the 6000-char embed total)."""
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        _err(errors, path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return len(text)


_EMBED_TEXT = ((("title",), 256), (("description",), 4096), (("footer", "text"), 2048),
               (("author", "name"), 256))  # fmt: skip


def validate_message(payload: dict[str, Any]) -> dict[str, Any] | None:
    """Content, embed and action-row limits; returns the ``errors`` tree or None."""
    errors: dict[str, Any] = {}
    _check_len(errors, ["content"], payload.get("content"), 2000)
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        _err(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for keys, limit in _EMBED_TEXT:
            value = embed.get(keys[0]) if len(keys) == 1 else (embed.get(keys[0]) or {})
            value = value if len(keys) == 1 else value.get(keys[1])
            total += _check_len(errors, ["embeds", i, *keys], value, limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            _err(errors, ["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                path = ["embeds", i, "fields", j, key]
                if not fld.get(key):
                    _err(errors, path, "BASE_TYPE_REQUIRED", "This field is required")
                total += _check_len(errors, path, fld.get(key), limit)
    if total > 6000:
        _err(errors, ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds 6000")
    if not int(payload.get("flags") or 0) & COMPONENTS_V2:
        _validate_rows(errors, payload.get("components") or [])
    return errors or None


def _validate_rows(errors: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    if len(rows) > 5:
        _err(errors, ["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            _err(errors, ["components", i], "UNION_TYPE_CHOICES", "Invalid action row")
        for j, comp in enumerate(children):
            path = ["components", i, "components", j]
            if comp.get("type") == 2 and comp.get("style") in (5, 6):
                continue  # link and premium buttons carry no custom_id
            custom_id = comp.get("custom_id")
            if not custom_id or custom_id in seen:
                code = "COMPONENT_CUSTOM_ID_DUPLICATED" if custom_id else "BASE_TYPE_REQUIRED"
                _err(errors, [*path, "custom_id"], code, "custom_id missing or duplicated")
            _check_len(errors, [*path, "custom_id"], custom_id, 100)
            _check_len(errors, [*path, "label"], comp.get("label"), 80)
            seen.add(custom_id)


def check_message(payload: dict[str, Any], files: Files, *, creating: bool) -> None:
    keys = ("content", "embeds", "components", "sticker_ids", "poll")
    if creating and not files and not any(payload.get(k) for k in keys):
        raise DiscordError(400, 50006, "Cannot send an empty message")
    errors = validate_message(payload)
    if errors:
        raise DiscordError(400, 50035, "Invalid Form Body", errors)


# -- rate limits --------------------------------------------------------------------------


@dataclass
class _Window:
    count: int
    per: float
    advertise: bool
    start: float = 0.0
    used: int = 0


def _rl_headers(limit: int, remaining: int, reset_at: float, bucket: str) -> dict[str, str]:
    reset_after = max(0.0, math.ceil((reset_at - time.time()) * 1000) / 1000)
    return {
        "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{reset_at:.3f}", "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": hashlib.md5(bucket.encode(), usedforsecurity=False).hexdigest(),
    }  # fmt: skip


class RateLimiter:
    """Fixed-window message-create limits per channel; roomy generic buckets elsewhere."""

    def __init__(self) -> None:
        self.windows: dict[int, _Window] = {}

    @staticmethod
    def generic(key: str) -> dict[str, str]:
        return _rl_headers(50, 49, time.time() + 1, key)

    def take(self, channel_id: int, key: str) -> tuple[dict[str, str], float | None]:
        """Consume one request: (headers, None) if allowed, else (headers, retry_after)."""
        w, now = self.windows[channel_id], time.time()
        if now >= w.start + w.per:
            w.start, w.used = now, 0
        reset_at = w.start + w.per
        if w.used >= w.count:
            headers = _rl_headers(w.count, 0, reset_at, f"{key}:{channel_id}")
            retry_after = float(headers["X-RateLimit-Reset-After"])
            headers.update(
                {"X-RateLimit-Scope": "user", "Retry-After": str(math.ceil(retry_after))}
            )
            return headers, retry_after
        w.used += 1
        if not w.advertise:
            return self.generic(key), None
        return _rl_headers(w.count, w.count - w.used, reset_at, f"{key}:{channel_id}"), None


async def read_body(request: web.Request) -> tuple[dict[str, Any], Files]:
    """JSON body, or multipart ``payload_json`` + ``files[n]`` parts."""
    if not request.content_type.startswith("multipart/"):
        raw = await request.read() if request.can_read_body else b""
        return (json.loads(raw) if raw.strip() else {}), []
    payload: dict[str, Any] = {}
    files: Files = []
    async for part in await request.multipart():
        name = part.name or ""
        if not isinstance(part, BodyPartReader):
            continue
        if name == "payload_json":
            payload = json.loads(await part.text())
        elif name.startswith("files[") or name == "file":
            index = int(name[6:-1]) if name.startswith("files[") else len(files)
            files.append((index, part.filename or f"file{index}", bytes(await part.read())))
    return payload, files


class RestApi:
    """Route handlers; gateway events go out through ``gateway``."""

    def __init__(
        self, state: FakeState, token: str, gateway: Gateway, gateway_url: Callable[[], str],
        interaction_deadline: float | None,
    ) -> None:  # fmt: skip
        self.state, self.token, self.gateway = state, token, gateway
        self.gateway_url = gateway_url
        self.interaction_deadline = interaction_deadline
        self.limiter = RateLimiter()
        self.rate_limited: list[RateLimitHit] = []
        self.unknown_routes: list[UnknownRoute] = []
        self.requests: list[RequestLog] = []
        self.internal_errors: list[str] = []
        self._auth = f"Bot {token}"
        self._create_key = f"POST {API}/channels/{{channel_id}}/messages"

    # -- wiring ----------------------------------------------------------------------
    def install(self, app: web.Application) -> None:
        app.middlewares.append(self._middleware)
        c = "/channels/{channel_id:\\d+}"
        m = c + "/messages/{message_id:\\d+}"
        w = "/webhooks/{app_id:\\d+}/{token}"
        cmds = "/applications/{app_id:\\d+}"
        routes = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/gateway", self.get_gateway), ("GET", "/gateway/bot", self.get_gateway),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", cmds + "/commands", self.get_commands),
            ("PUT", cmds + "/commands", self.put_commands),
            ("GET", cmds + "/guilds/{guild_id:\\d+}/commands", self.get_commands),
            ("PUT", cmds + "/guilds/{guild_id:\\d+}/commands", self.put_commands),
            ("GET", "/guilds/{guild_id:\\d+}", self.get_guild),
            ("GET", "/guilds/{guild_id:\\d+}/members/{user_id:\\d+}", self.get_member),
            ("GET", c, self.get_channel), ("POST", c + "/typing", self.typing),
            ("GET", c + "/messages", self.list_messages),
            ("POST", c + "/messages", self.create_message),
            ("GET", m, self.get_message), ("PATCH", m, self.edit_message),
            ("DELETE", m, self.delete_message),
            ("PUT", m + "/reactions/{emoji}/@me", self.add_reaction),
            ("DELETE", m + "/reactions/{emoji}/@me", self.remove_reaction),
            ("DELETE", m + "/reactions/{emoji}/{user_id:\\d+}", self.remove_reaction),
            ("POST", m + "/threads", self.thread_from_message),
            ("POST", c + "/threads", self.thread_without_message),
            ("POST", "/interactions/{interaction_id:\\d+}/{token}/callback", self.callback),
            ("POST", w, self.followup),
            ("GET", w + "/messages/{message_id}", self.get_webhook_message),
            ("PATCH", w + "/messages/{message_id}", self.edit_webhook_message),
            ("DELETE", w + "/messages/{message_id}", self.delete_webhook_message),
        ]  # fmt: skip
        for method, path, handler in routes:
            app.router.add_route(method, API + path, handler)
        for prefix in ("attachments", "media"):
            app.router.add_get(f"/{prefix}/{{cid}}/{{attachment_id:\\d+}}/{{filename}}", self.cdn)

    def install_catch_all(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self.unknown)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Auth, per-channel 429s, Discord error bodies and rate-limit headers everywhere."""
        info, path, method = request.match_info, request.path, request.method
        key = f"{method} {info.route.resource.canonical if info.route.resource else '?'}"
        headers, retry_after = self.limiter.generic(key), None
        is_api = path.startswith(API)
        public = path.startswith((f"{API}/interactions/", f"{API}/webhooks/"))
        try:
            if is_api and not public and request.headers.get("Authorization") != self._auth:
                raise DiscordError(401, 0, "401: Unauthorized")
            channel_id = int(info.get("channel_id", 0) or 0)
            if key == self._create_key and channel_id in self.limiter.windows:
                headers, retry_after = self.limiter.take(channel_id, key)
            if retry_after is None:
                response = await handler(request)
            else:
                self.rate_limited.append(RateLimitHit(method, path, channel_id, retry_after))
                self.state.touch()
                body = {"message": "You are being rate limited.", "retry_after": retry_after}
                response = json_response({**body, "global": False}, 429)
        except DiscordError as exc:
            response = exc.response()
        except web.HTTPException:
            raise
        except Exception as exc:
            self.internal_errors.append(f"{method} {path}: {traceback.format_exc()}")
            self.state.touch()
            response = DiscordError(400, 0, f"FakeDiscord internal error: {exc!r}").response()
        if is_api:
            response.headers.update(headers)
            response.headers["Via"] = "1.1 google"  # discord.py treats a 429 without Via as a ban
        self.requests.append(RequestLog(method, path, response.status))
        return response

    async def unknown(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(UnknownRoute(request.method, request.path))
        self.state.touch()
        raise DiscordError(404, 0, "404: Not Found")

    # -- lookups ---------------------------------------------------------------------
    def _channel(self, request: web.Request) -> FakeChannel:
        ch = self.state.channels.get(int(request.match_info["channel_id"]))
        if ch is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return ch

    def _message(self, request: web.Request) -> FakeMessage:
        ch = self._channel(request)
        msg = self.state.messages.get(int(request.match_info["message_id"]))
        if msg is None or msg.deleted or msg.channel_id != ch.id or msg.ephemeral:
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    def _guild(self, request: web.Request) -> None:
        if int(request.match_info["guild_id"]) != self.state.guild_id:
            raise DiscordError(404, 10004, "Unknown Guild")

    # -- simple getters --------------------------------------------------------------
    async def get_me(self, _: web.Request) -> web.Response:
        data = self.state.user_payload(self.state.bot_user_id)
        return json_response({**data, "verified": True, "mfa_enabled": False, "locale": "en-US"})

    async def get_gateway(self, request: web.Request) -> web.Response:
        data: dict[str, Any] = {"url": self.gateway_url()}
        if request.path.endswith("/bot"):
            limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
            data.update(shards=1, session_start_limit=limit)
        return json_response(data)

    async def get_application(self, _: web.Request) -> web.Response:
        s = self.state
        return json_response({
            "id": str(s.application_id), "name": s.users[s.bot_user_id].username, "icon": None,
            "description": "", "summary": "", "bot_public": False, "flags": 0,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "team": None,
            "owner": s.user_payload(s.owner_id), "bot": s.user_payload(s.bot_user_id),
            "interactions_endpoint_url": None, "redirect_uris": [], "tags": [],
        })  # fmt: skip

    async def get_guild(self, request: web.Request) -> web.Response:
        self._guild(request)
        data = self.gateway.guild_create(all_members=False)
        for key in ("members", "channels", "threads", "voice_states", "presences", "joined_at"):
            data.pop(key)
        return json_response(data)

    async def get_member(self, request: web.Request) -> web.Response:
        self._guild(request)
        uid = int(request.match_info["user_id"])
        if uid not in self.state.members:
            raise DiscordError(404, 10007, "Unknown Member")
        return json_response(self.state.member_payload(uid))

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self.state.channel_payload(self._channel(request)))

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return web.Response(status=204)

    async def cdn(self, request: web.Request) -> web.Response:
        att = self.state.find_attachment(int(request.match_info["attachment_id"]))
        if att is None or att.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=att.data, content_type=att.content_type.split(";")[0])

    # -- commands --------------------------------------------------------------------
    def _is_guild_scope(self, request: web.Request) -> bool:
        if int(request.match_info["app_id"]) != self.state.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" in request.match_info:
            self._guild(request)
            return True
        return False

    async def get_commands(self, request: web.Request) -> web.Response:
        guild = self._is_guild_scope(request)
        return json_response(self.state.guild_commands if guild else self.state.global_commands)

    async def put_commands(self, request: web.Request) -> web.Response:
        guild = self._is_guild_scope(request)
        body = json.loads(await request.read())
        if not isinstance(body, list):
            raise _form_error([], "BASE_TYPE_ARRAY", "Must be an array.")
        names = [(c.get("name"), c.get("type", 1)) for c in body]
        if len(set(names)) != len(names):
            raise _form_error([], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate names")
        return json_response(self.state.store_commands(body, guild=guild))

    # -- messages --------------------------------------------------------------------
    async def list_messages(self, request: web.Request) -> web.Response:
        """Newest first, honouring ``limit``, ``before`` and ``after``."""
        ch, q = self._channel(request), request.query
        limit = max(1, min(100, int(q.get("limit", 50))))
        msgs = [m for m in self.state.channel_list(ch.id) if not m.ephemeral]
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])][:limit]
        return json_response([self.state.message_payload(m) for m in reversed(msgs[-limit:])])

    async def create_message(self, request: web.Request) -> web.Response:
        ch = self._channel(request)
        payload, files = await read_body(request)
        check_message(payload, files, creating=True)
        payload["flags"] = int(payload.get("flags") or 0) & ~EPHEMERAL
        msg = self.state.new_message(ch.id, self.state.bot_user_id, payload, files)
        await self.gateway.message_event("MESSAGE_CREATE", msg)
        return json_response(self.state.message_payload(msg))

    async def get_message(self, request: web.Request) -> web.Response:
        return json_response(self.state.message_payload(self._message(request)))

    async def edit_message(self, request: web.Request) -> web.Response:
        msg = self._message(request)
        if msg.author_id != self.state.bot_user_id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        return await self._edit(msg, request)

    async def _edit(self, msg: FakeMessage, request: web.Request) -> web.Response:
        payload, files = await read_body(request)
        check_message(payload, files, creating=False)
        msg.flags &= ~LOADING
        self.state.apply_edit(msg, payload, files)
        await self.gateway.message_event("MESSAGE_UPDATE", msg)
        return json_response(self.state.message_payload(msg))

    async def _delete(self, msg: FakeMessage) -> web.Response:
        msg.deleted = True
        self.state.touch()
        await self.gateway.message_event("MESSAGE_DELETE", msg)
        return web.Response(status=204)

    async def delete_message(self, request: web.Request) -> web.Response:
        return await self._delete(self._message(request))

    # -- reactions -------------------------------------------------------------------
    @staticmethod
    def _emoji(request: web.Request) -> str:
        """Unicode emoji, or ``name:id`` for custom ones; ASCII words are unknown emoji."""
        emoji = unquote(request.match_info["emoji"])
        name, _, eid = emoji.rpartition(":")
        if not (name and eid.isdigit()) and emoji.isascii():
            raise DiscordError(400, 10014, "Unknown Emoji")
        return emoji

    async def add_reaction(self, request: web.Request) -> web.Response:
        msg, emoji, me = self._message(request), self._emoji(request), self.state.bot_user_id
        if self.state.add_reaction(msg, emoji, me):
            await self.gateway.reaction_event(True, msg, emoji, me)
        return web.Response(status=204)

    async def remove_reaction(self, request: web.Request) -> web.Response:
        msg, emoji = self._message(request), self._emoji(request)
        uid = int(request.match_info.get("user_id", self.state.bot_user_id))
        if self.state.remove_reaction(msg, emoji, uid):
            await self.gateway.reaction_event(False, msg, emoji, uid)
        return web.Response(status=204)

    # -- threads ---------------------------------------------------------------------
    async def _open_thread(self, parent: FakeChannel, thread_id: int, body: dict[str, Any],
                           type_: int) -> web.Response:  # fmt: skip
        if parent.type != TEXT_CHANNEL:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise _form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be 1 to 100 long.")
        thread = self.state.add_channel(thread_id, name, type=type_, parent_id=parent.id,
                                        owner_id=self.state.bot_user_id)  # fmt: skip
        self.state.touch()
        data = self.state.channel_payload(thread)
        await self.gateway.dispatch("THREAD_CREATE", {**data, "newly_created": True}, GUILDS)
        return json_response(data, status=201)

    async def thread_from_message(self, request: web.Request) -> web.Response:
        """Discord gives the thread the starter message's id."""
        msg = self._message(request)
        if msg.thread_id is not None:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        body, _ = await read_body(request)
        response = await self._open_thread(self.state.channels[msg.channel_id], msg.id, body, 11)
        msg.thread_id = msg.id
        self.state.touch()
        return response

    async def thread_without_message(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        type_ = int(body.get("type") or PUBLIC_THREAD)
        thread_id = self.state.snowflakes.next()
        return await self._open_thread(self._channel(request), thread_id, body, type_)

    # -- interactions ----------------------------------------------------------------
    def _reject(self, rec: InteractionRecord, ctype: int, reason: str,
                error: DiscordError) -> DiscordError:  # fmt: skip
        rec.rejected.append((ctype, reason))
        self.state.touch()
        return error

    async def callback(self, request: web.Request) -> web.StreamResponse:
        """``POST /interactions/{id}/{token}/callback``: the first and only response."""
        info = request.match_info
        rec = self.state.interactions.get(int(info["interaction_id"]))
        if rec is None or rec.token != info["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        body, files = await read_body(request)
        ctype, data = int(body.get("type", 0)), body.get("data") or {}
        age = time.monotonic() - rec.created
        if rec.callback_type is not None:
            err = DiscordError(400, 40060, "Interaction has already been acknowledged.")
            raise self._reject(rec, ctype, "already acknowledged", err)
        if self.interaction_deadline is not None and age > self.interaction_deadline:
            err = DiscordError(404, 10062, "Unknown interaction")
            raise self._reject(rec, ctype, f"answered after {age:.2f}s (limit 3 s)", err)
        if ctype not in _ALLOWED_CALLBACKS.get(rec.type, set()):
            err = _form_error(["type"], "INTERACTION_CALLBACK_TYPE_INVALID", "Invalid type")
            raise self._reject(rec, ctype, f"type invalid for interaction type {rec.type}", err)
        if ctype in (4, 7):
            check_message(data, files, creating=ctype == 4)
        if ctype == 8 and len(data.get("choices") or []) > 25:
            raise _form_error(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Max 25 choices.")
        original = await self._apply_callback(rec, ctype, data, files)
        rec.callback_type, rec.callback_data = ctype, data
        self.state.touch()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        meta: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
        result: dict[str, Any] = {"interaction": meta}
        if original is not None:
            meta.update(response_message_id=str(original.id), response_message_loading=ctype == 5,
                        response_message_ephemeral=original.ephemeral)  # fmt: skip
            if ctype in (4, 5, 7):
                message = self.state.message_payload(original)
                result["resource"] = {"type": ctype, "message": message}
        return json_response(result)

    async def _apply_callback(self, rec: InteractionRecord, ctype: int, data: dict[str, Any],
                              files: Files) -> FakeMessage | None:  # fmt: skip
        s = self.state
        if ctype in (4, 5):  # a new message; 5 is a "thinking" placeholder
            eph = bool(int(data.get("flags") or 0) & EPHEMERAL)
            body = data if ctype == 4 else {"flags": data.get("flags")}
            msg = s.new_message(
                rec.channel_id, s.bot_user_id, body, files, in_channel=not eph,
                webhook_id=s.application_id, interaction_id=rec.id,
                type=20 if rec.type == 2 else 0, flags=LOADING if ctype == 5 else 0,
            )  # fmt: skip
            rec.original_id = msg.id
            await self.gateway.message_event("MESSAGE_CREATE", msg)
            return msg
        if ctype in (6, 7) and rec.message_id is not None:  # the component's message
            msg = s.messages[rec.message_id]
            rec.original_id = msg.id
            if ctype == 7:
                s.apply_edit(msg, data, files)
                await self.gateway.message_event("MESSAGE_UPDATE", msg)
            return msg
        return None

    def _webhook_interaction(self, request: web.Request) -> InteractionRecord:
        info = request.match_info
        rec = next((r for r in self.state.interactions.values() if r.token == info["token"]), None)
        app_id = int(info["app_id"])
        if rec is None or app_id != self.state.application_id or rec.callback_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return rec

    def _webhook_message(self, request: web.Request) -> FakeMessage:
        rec = self._webhook_interaction(request)
        raw = request.match_info["message_id"]
        mid = rec.original_id if raw == "@original" else int(raw) if raw.isdigit() else None
        msg = self.state.messages.get(mid or 0)
        if msg is None or msg.deleted or (mid != rec.original_id and mid not in rec.followup_ids):
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    async def followup(self, request: web.Request) -> web.StreamResponse:
        """Follow-ups; the first one after a "thinking" defer fills that message instead."""
        rec = self._webhook_interaction(request)
        payload, files = await read_body(request)
        check_message(payload, files, creating=True)
        s = self.state
        original = s.messages.get(rec.original_id or 0)
        if original is not None and rec.callback_type == 5 and original.flags & LOADING:
            original.flags &= ~LOADING
            s.apply_edit(original, payload, files)
            msg, event = original, "MESSAGE_UPDATE"
        else:
            eph = bool(int(payload.get("flags") or 0) & EPHEMERAL)
            msg = s.new_message(rec.channel_id, s.bot_user_id, payload, files, in_channel=not eph,
                                webhook_id=s.application_id, interaction_id=rec.id)  # fmt: skip
            event = "MESSAGE_CREATE"
        await self.gateway.message_event(event, msg)
        rec.followup_ids.append(msg.id)
        s.touch()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(s.message_payload(msg))
        return web.Response(status=204)

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        return json_response(self.state.message_payload(self._webhook_message(request)))

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        return await self._edit(self._webhook_message(request), request)

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        return await self._delete(self._webhook_message(request))
