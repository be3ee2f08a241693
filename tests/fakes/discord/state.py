"""Plain data behind the fake Discord: guild, users, roles, channels, threads, messages.

The ``*_payload`` methods render objects the way Discord's API v10 does (ids as strings,
ISO timestamps); REST responses and gateway events share them.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import re
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions): add reactions 6,
# view channel 10, send 11, manage messages 13, embed links 14, attach files 15, read history 16,
# external emojis 18, application commands 31, manage threads 34, create public threads 35,
# send in threads 38.
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 18, 31, 35, 38))
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | (1 << 13) | (1 << 34)

EPHEMERAL = 1 << 6
LOADING = 1 << 7
COMPONENTS_V2 = 1 << 15

TEXT_CHANNEL = 0
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def iso(ts: float | None) -> str | None:
    """Render a unix timestamp the way Discord does (ISO 8601, UTC)."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


class Snowflakes:
    """Monotonic, time-based snowflake ids (Discord epoch, worker 1)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        candidate = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
        self._last = max(self._last + 1, candidate)
        return self._last


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = TEXT_CHANNEL
    parent_id: int | None = None
    owner_id: int | None = None
    position: int = 0
    created: float = field(default_factory=time.time)
    last_message_id: int | None = None
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD)


@dataclass
class FakeAttachment:
    id: int
    filename: str
    content_type: str
    data: bytes
    url: str = ""
    description: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class FakeMessage:
    """A message as stored by the fake; ``embeds``/``components`` are raw payload dicts."""

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    reactions: dict[str, set[int]] = field(default_factory=dict)
    thread_id: int | None = None
    edited: int = 0
    flags: int = 0
    type: int = 0
    created: float = field(default_factory=time.time)
    edited_at: float | None = None
    deleted: bool = False
    webhook_id: int | None = None
    interaction_id: int | None = None
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def walk_components(self) -> Iterator[dict[str, Any]]:
        """Every component, depth first (rows, containers, sections, accessories)."""
        stack = list(reversed(self.components))
        while stack:
            comp = stack.pop()
            yield comp
            children = list(comp.get("components", []))
            if "accessory" in comp:
                children.append(comp["accessory"])
            stack.extend(reversed(children))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in self.walk_components() if c.get("type") == 2]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        return next((c for c in self.walk_components() if c.get("custom_id") == custom_id), None)

    @property
    def text(self) -> str:
        """Content plus embed titles, descriptions and fields, for loose assertions."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", "")]
            parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in e.get("fields", [])]
        return "\n".join(p for p in parts if p)


@dataclass
class InteractionRecord:
    """One interaction the fake dispatched and everything the bot did with its token."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    data: dict[str, Any]
    message_id: int | None = None
    created: float = field(default_factory=time.monotonic)
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class RateLimitHit:
    """A 429 the fake served."""

    method: str
    path: str
    channel_id: int | None
    retry_after: float
    at: float = field(default_factory=time.time)


@dataclass
class UnknownRoute:
    method: str
    path: str


@dataclass
class RequestLog:
    method: str
    path: str
    status: int


def sniff_image(data: bytes) -> tuple[str | None, int | None, int | None]:
    """Content type and size of PNG/JPEG/GIF bytes, as Discord detects them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return "image/png", w, h
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return "image/gif", w, h
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg", None, None
    return None, None, None


def guess_content_type(filename: str, data: bytes) -> tuple[str, int | None, int | None]:
    sniffed, w, h = sniff_image(data)
    if sniffed:
        return sniffed, w, h
    guessed = mimetypes.guess_type(filename)[0]
    if guessed and guessed.startswith("text/"):
        guessed += "; charset=utf-8"
    return guessed or "application/octet-stream", None, None


# -- the state ----------------------------------------------------------------------------


class FakeState:
    """The guild the fake bot lives in, plus every message, command and interaction."""

    def __init__(
        self,
        *,
        guild_id: int,
        channel_id: int,
        application_id: int,
        bot_user_id: int,
        roles: dict[int, str],
        members: dict[int, list[int]],
        role_permissions: dict[int, int],
        guild_name: str,
        channel_name: str,
        bot_name: str,
    ) -> None:
        self.snowflakes = Snowflakes()
        self.guild_id = guild_id
        self.guild_name = guild_name
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.owner_id = self.snowflakes.next()
        self.cdn_base = ""
        self.users: dict[int, FakeUser] = {bot_user_id: FakeUser(bot_user_id, bot_name, bot=True)}
        self.roles: dict[int, FakeRole] = {
            guild_id: FakeRole(guild_id, "@everyone", EVERYONE_PERMISSIONS, 0)
        }
        for pos, (rid, name) in enumerate(roles.items(), start=1):
            self.roles[rid] = FakeRole(rid, name, role_permissions.get(rid, 0), pos)
        self.bot_role_id = self.snowflakes.next()
        self.roles[self.bot_role_id] = FakeRole(
            self.bot_role_id, bot_name, BOT_PERMISSIONS, len(self.roles), managed=True
        )
        self.members: dict[int, list[int]] = {bot_user_id: [self.bot_role_id]}
        self.joined: dict[int, float] = {bot_user_id: time.time()}
        for uid, rids in members.items():
            self.add_member(uid, rids)
        self.channels: dict[int, FakeChannel] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.add_channel(channel_id, channel_name)
        self.messages: dict[int, FakeMessage] = {}
        self.guild_commands: list[dict[str, Any]] = []
        self.global_commands: list[dict[str, Any]] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self._changed = asyncio.Event()

    # -- change notification -----------------------------------------------------------
    def touch(self) -> None:
        """Wake everyone waiting in :meth:`wait_until`."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Re-check ``predicate`` on every state change (and every 50 ms) until it holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))
        return True

    # -- guild population ------------------------------------------------------------
    def add_member(self, user_id: int, role_ids: Iterable[int], name: str | None = None) -> None:
        self.users.setdefault(user_id, FakeUser(user_id, name or f"user{user_id % 100000}"))
        self.members[user_id] = [int(r) for r in role_ids]
        self.joined.setdefault(user_id, time.time())

    def add_channel(self, channel_id: int, name: str, **kw: Any) -> FakeChannel:
        kw.setdefault("position", len([c for c in self.channels.values() if not c.is_thread]))
        ch = FakeChannel(channel_id, name, **kw)
        self.channels[channel_id] = ch
        self.channel_messages.setdefault(channel_id, [])
        return ch

    def ensure_user(self, user_id: int) -> FakeUser:
        return self.users.setdefault(user_id, FakeUser(user_id, f"user{user_id % 100000}"))

    def roles_of(self, user_id: int, role_ids: Iterable[int] = ()) -> list[int]:
        """Explicit ``role_ids`` win; otherwise the member's configured roles."""
        explicit = [int(r) for r in role_ids]
        return explicit if explicit else list(self.members.get(user_id, []))

    def permissions_for(self, role_ids: Iterable[int]) -> int:
        perms = self.roles[self.guild_id].permissions
        for rid in role_ids:
            role = self.roles.get(rid)
            perms |= role.permissions if role else 0
        return perms

    # -- payloads (wire-format tables are kept dense with `fmt: skip`) -----------------
    def user_payload(self, user_id: int) -> dict[str, Any]:
        u = self.ensure_user(user_id)
        return {
            "id": str(u.id), "username": u.username, "global_name": None, "discriminator": "0",
            "avatar": None, "bot": u.bot, "public_flags": 0, "flags": 0,
        }  # fmt: skip

    def member_payload(
        self, user_id: int, role_ids: Iterable[int] = (), *, with_user: bool = True,
        permissions: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """A guild member; ``role_ids`` override the configured roles when given."""
        rids = self.roles_of(user_id, role_ids)
        data: dict[str, Any] = {
            "roles": [str(r) for r in rids], "nick": None, "avatar": None, "banner": None,
            "joined_at": iso(self.joined.get(user_id, time.time())), "premium_since": None,
            "deaf": False, "mute": False, "pending": False, "flags": 0,
            "communication_disabled_until": None,
        }  # fmt: skip
        if with_user:
            data["user"] = self.user_payload(user_id)
        if permissions:
            data["permissions"] = str(self.permissions_for(rids))
        return data

    def role_payload(self, role: FakeRole) -> dict[str, Any]:
        data = {
            "id": str(role.id), "name": role.name, "color": 0, "colors": {"primary_color": 0},
            "hoist": False, "icon": None, "unicode_emoji": None, "position": role.position,
            "permissions": str(role.permissions), "managed": role.managed, "mentionable": False,
            "flags": 0,
        }  # fmt: skip
        if role.managed:
            data["tags"] = {"bot_id": str(self.bot_user_id)}
        return data

    def channel_payload(self, ch: FakeChannel) -> dict[str, Any]:
        """A text channel (type 0) or thread (11/12, with ``thread_metadata``)."""
        data: dict[str, Any] = {
            "id": str(ch.id), "type": ch.type, "guild_id": str(self.guild_id), "name": ch.name,
            "parent_id": str(ch.parent_id) if ch.parent_id else None,
            "last_message_id": str(ch.last_message_id) if ch.last_message_id else None,
            "rate_limit_per_user": 0, "flags": 0, "nsfw": False,
        }  # fmt: skip
        if not ch.is_thread:
            data.update(position=ch.position, permission_overwrites=[], topic=None,
                        default_auto_archive_duration=1440)  # fmt: skip
            return data
        created = iso(ch.created)
        data.update(
            owner_id=str(ch.owner_id), message_count=ch.message_count,
            total_message_sent=ch.message_count, member_count=1,
            thread_metadata={
                "archived": False, "auto_archive_duration": 1440, "locked": False,
                "archive_timestamp": created, "create_timestamp": created, "invitable": True,
            },
        )  # fmt: skip
        return data

    def attachment_payload(self, att: FakeAttachment) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(att.id), "filename": att.filename, "size": att.size, "url": att.url,
            "proxy_url": att.url.replace("/attachments/", "/media/", 1),
            "content_type": att.content_type,
        }  # fmt: skip
        if att.width is not None:
            data.update(width=att.width, height=att.height)
        if att.description:
            data["description"] = att.description
        return data

    def message_payload(self, msg: FakeMessage, *, gateway: bool = False) -> dict[str, Any]:
        """REST shape; ``gateway`` adds ``guild_id`` and ``member`` as MESSAGE_CREATE has."""
        data: dict[str, Any] = {
            "id": str(msg.id), "channel_id": str(msg.channel_id), "type": msg.type,
            "author": self.user_payload(msg.author_id), "content": msg.content,
            "timestamp": iso(msg.created), "edited_timestamp": iso(msg.edited_at),
            "tts": False, "mention_everyone": False, "pinned": False, "flags": msg.flags,
            "mentions": [self.user_payload(int(u)) for u in _USER_MENTION.findall(msg.content)],
            "mention_roles": _ROLE_MENTION.findall(msg.content),
            "attachments": [self.attachment_payload(a) for a in msg.attachments],
            "embeds": msg.embeds, "components": msg.components,
        }  # fmt: skip
        if msg.reactions:
            data["reactions"] = [self.reaction_payload(e, u) for e, u in msg.reactions.items()]
        if msg.webhook_id:
            data.update(webhook_id=str(msg.webhook_id), application_id=str(self.application_id))
        rec = self.interactions.get(msg.interaction_id or 0)
        if rec is not None:
            data["interaction_metadata"] = {
                "id": str(rec.id), "type": rec.type, "user": self.user_payload(rec.user_id),
                "authorizing_integration_owners": {"0": str(self.guild_id)},
            }  # fmt: skip
        if msg.message_reference:
            data["message_reference"] = msg.message_reference
        if msg.thread_id and msg.thread_id in self.channels:
            data["thread"] = self.channel_payload(self.channels[msg.thread_id])
        ch = self.channels.get(msg.channel_id)
        if ch is not None and ch.is_thread:
            data["position"] = self.channel_messages[ch.id].index(msg.id)
        if gateway:
            data["guild_id"] = str(self.guild_id)
            if not msg.webhook_id:
                data["member"] = self.member_payload(msg.author_id, with_user=False)
        return data

    @staticmethod
    def emoji_payload(emoji: str) -> dict[str, Any]:
        """``name:id`` (or ``a:name:id``) is a custom emoji; anything else is unicode."""
        name, _, eid = emoji.rpartition(":")
        if name and eid.isdigit():
            animated = name.startswith("a:")
            return {"id": eid, "name": name[2:] if animated else name, "animated": animated}
        return {"id": None, "name": emoji}

    def reaction_payload(self, emoji: str, users: set[int]) -> dict[str, Any]:
        return {
            "emoji": self.emoji_payload(emoji), "count": len(users), "me_burst": False,
            "count_details": {"burst": 0, "normal": len(users)},
            "me": self.bot_user_id in users, "burst_colors": [],
        }  # fmt: skip

    # -- messages --------------------------------------------------------------------
    def channel_list(self, channel_id: int) -> list[FakeMessage]:
        ids = self.channel_messages.get(channel_id, [])
        return [m for m in (self.messages[i] for i in ids) if not m.deleted]

    def new_message(
        self,
        channel_id: int,
        author_id: int,
        payload: dict[str, Any],
        files: list[tuple[int, str, bytes]],
        *,
        in_channel: bool = True,
        **extra: Any,
    ) -> FakeMessage:
        """Store a message built from a create body; ``in_channel`` false keeps it out of the
        channel history (ephemeral interaction responses)."""
        msg = FakeMessage(
            id=self.snowflakes.next(), channel_id=channel_id, author_id=author_id, **extra
        )
        settable = EPHEMERAL | COMPONENTS_V2 | 4 | 4096  # 4/4096: suppress embeds/notifications
        msg.flags |= int(payload.get("flags") or 0) & settable
        msg.message_reference = payload.get("message_reference")
        self.apply_edit(msg, payload, files, creating=True)
        self.messages[msg.id] = msg
        if in_channel:
            self.channel_messages.setdefault(channel_id, []).append(msg.id)
            ch = self.channels.get(channel_id)
            if ch is not None:
                ch.last_message_id = msg.id
                ch.message_count += 1
        self.touch()
        return msg

    def apply_edit(
        self,
        msg: FakeMessage,
        payload: dict[str, Any],
        files: list[tuple[int, str, bytes]],
        *,
        creating: bool = False,
    ) -> None:
        """Apply a create/edit body. Omitted keys keep their value; ``attachments`` (if sent)
        lists the existing attachments to keep plus entries for new ``files[n]``."""
        if "content" in payload:
            msg.content = payload["content"] or ""
        if "components" in payload:
            msg.components = list(payload["components"] or [])
        if "allowed_mentions" in payload:
            msg.allowed_mentions = payload["allowed_mentions"]
        if "flags" in payload and not creating:
            keep = msg.flags & (EPHEMERAL | LOADING)
            msg.flags = keep | (int(payload["flags"] or 0) & ~(EPHEMERAL | LOADING))
        meta = {str(a.get("id")): a for a in payload.get("attachments") or []}
        if "attachments" in payload and not creating:
            msg.attachments = [a for a in msg.attachments if str(a.id) in meta]
        for index, filename, data in files:
            info = meta.get(str(index), {})
            name = info.get("filename") or filename
            ctype, width, height = guess_content_type(name, data)
            att = FakeAttachment(
                self.snowflakes.next(),
                name,
                ctype,
                data,
                description=info.get("description"),
                width=width,
                height=height,
            )
            att.url = f"{self.cdn_base}/attachments/{msg.channel_id}/{att.id}/{name}"
            msg.attachments.append(att)
        if "embeds" in payload:
            msg.embeds = [
                self._resolve_embed(dict(e), msg.attachments) for e in payload["embeds"] or []
            ]
        if not creating:
            msg.edited += 1
            msg.edited_at = time.time()
        self.touch()

    @staticmethod
    def _resolve_embed(embed: dict[str, Any], atts: list[FakeAttachment]) -> dict[str, Any]:
        """Discord adds ``type: rich`` and turns ``attachment://name`` into the file's URL."""
        embed.setdefault("type", "rich")
        by_name = {a.filename: a for a in atts}
        for key in ("image", "thumbnail"):
            media = embed.get(key)
            if isinstance(media, dict) and str(media.get("url", "")).startswith("attachment://"):
                att = by_name.get(media["url"].removeprefix("attachment://"))
                if att is not None:
                    embed[key] = {
                        **media,
                        "url": att.url,
                        "proxy_url": att.url.replace("/attachments/", "/media/", 1),
                        **({"width": att.width, "height": att.height} if att.width else {}),
                    }
        return embed

    def find_attachment(self, attachment_id: int) -> FakeAttachment | None:
        for msg in self.messages.values():
            for att in msg.attachments:
                if att.id == attachment_id:
                    return att
        return None

    def add_reaction(self, msg: FakeMessage, emoji: str, user_id: int) -> bool:
        """Record a reaction; False if ``user_id`` had already reacted with ``emoji``."""
        users = msg.reactions.setdefault(emoji, set())
        added = user_id not in users
        users.add(user_id)
        self.touch()
        return added

    def remove_reaction(self, msg: FakeMessage, emoji: str, user_id: int) -> bool:
        users = msg.reactions.get(emoji, set())
        if user_id not in users:
            return False
        users.discard(user_id)
        if not users:
            del msg.reactions[emoji]
        self.touch()
        return True

    # -- commands --------------------------------------------------------------------
    def store_commands(self, body: list[dict[str, Any]], *, guild: bool) -> list[dict[str, Any]]:
        """Bulk overwrite, keeping ids of commands that keep their (name, type)."""
        old = {
            (c["name"], c.get("type", 1)): c
            for c in (self.guild_commands if guild else self.global_commands)
        }
        stored = []
        for cmd in body:
            key = (cmd["name"], cmd.get("type", 1))
            prev = old.get(key)
            data = {
                "type": 1,
                "default_member_permissions": None,
                "nsfw": False,
                "description": "",
                "options": [],
                "contexts": None,
                "integration_types": [0],
                **cmd,
                "id": prev["id"] if prev else str(self.snowflakes.next()),
                "application_id": str(self.application_id),
                "version": str(self.snowflakes.next()),
            }
            if guild:
                data["guild_id"] = str(self.guild_id)
            stored.append(data)
        if guild:
            self.guild_commands = stored
        else:
            self.global_commands = stored
        self.touch()
        return stored

    def find_command(self, name: str, type_: int = 1) -> dict[str, Any] | None:
        for cmd in [*self.guild_commands, *self.global_commands]:
            if cmd["name"] == name and cmd.get("type", 1) == type_:
                return cmd
        return None
