"""A fake Discord (REST API v10 + gateway) on loopback for end-to-end tests with discord.py.

Point discord.py at it with ``FakeDiscord.patch_discord()`` (sets ``Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``), then drive users with ``click``/``react``/``slash``.
"""

from .server import (
    DEFAULT_APPLICATION_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    FakeDiscord,
    InteractionResult,
)
from .state import (
    FakeAttachment,
    FakeChannel,
    FakeMessage,
    InteractionRecord,
    RateLimitHit,
    RequestLog,
    UnknownRoute,
)

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GUILD_ID",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeMessage",
    "InteractionRecord",
    "InteractionResult",
    "RateLimitHit",
    "RequestLog",
    "UnknownRoute",
]
