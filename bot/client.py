"""The Discord client: persistent approval buttons, ✅/❌ reactions, slash commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.commands import AccessDenied, TradingCommands
from bot.decisions import APPROVE, REJECT, decide
from bot.notifier import APPROVE_EMOJI, REJECT_EMOJI, Notifier
from bot.services import Services
from bot.views import ApprovalButton
from trading.states import TradeStatus
from trading.trade import Trade

__all__ = ["GreenlightBot"]

_log = logging.getLogger(__name__)


class GreenlightBot(commands.Bot):
    """discord.py's Bot with Greenlight's services attached.

    Parameters
    ----------
    api_base:
        A different REST base URL (``DISCORD_API_BASE_URL``, e.g. a REST proxy); the gateway
        URL is then asked from that API too.
    """

    def __init__(self, services: Services, *, api_base: str | None = None) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.services = services
        self.notifier = Notifier(self, services)
        self._api_base = api_base
        if api_base:
            Route.BASE = api_base.rstrip("/")

    async def setup_hook(self) -> None:
        """Register persistent buttons and the guild's slash commands."""
        if self._api_base:
            _, url, _ = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        self.add_dynamic_items(ApprovalButton)
        guild = discord.Object(id=self.services.guild_id)
        await self.add_cog(TradingCommands(self), guild=guild)
        self.tree.on_error = self._on_command_error
        await self.tree.sync(guild=guild)

    async def _on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, AccessDenied):
            text = str(error)
        else:
            _log.error("command %s failed", interaction.command, exc_info=error)
            text = "That did not work; the error is in the bot's log."
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """✅ and ❌ on an approval message act like its buttons."""
        if self.user is not None and payload.user_id == self.user.id:
            return
        emoji = str(payload.emoji)
        if emoji not in (APPROVE_EMOJI, REJECT_EMOJI):
            return
        services = self.services
        trade = await self._trade_of(payload)
        if trade is None:
            return
        member = payload.member
        roles = [role.id for role in member.roles] if member is not None else []
        name = member.display_name if member is not None else str(payload.user_id)
        if not services.access.can_decide(payload.user_id, roles):
            roles = await self._roles_from_api(payload)  # the cache may be cold after a reconnect
            if not services.access.can_decide(payload.user_id, roles):
                await self._remove_reaction(payload)
                return
        action = APPROVE if emoji == APPROVE_EMOJI else REJECT
        result = await decide(services, trade.id, action, payload.user_id, name)
        if not result.ok and result.trade.status is TradeStatus.PENDING:
            await self.notifier.say(result.trade, f"⚠️ {name}: {result.message}.")
            await self._remove_reaction(payload)

    async def _trade_of(self, payload: discord.RawReactionActionEvent) -> Trade | None:
        """The trade of the reacted message; a reaction may beat the storing of its id."""
        ours = self.user is not None and payload.message_author_id == self.user.id
        for attempt in range(10 if ours else 1):
            if attempt:
                await asyncio.sleep(0.1)
            async with self.services.store.read() as tx:
                trade = await tx.by_message(str(payload.message_id))
            if trade is not None:
                return trade
        return None

    async def _roles_from_api(self, payload: discord.RawReactionActionEvent) -> list[int]:
        if payload.guild_id is None:
            return []
        try:
            data = await self.http.get_member(payload.guild_id, payload.user_id)
        except discord.HTTPException:
            return []
        return [int(role) for role in data.get("roles", [])]

    async def _remove_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        channel = self.get_channel(payload.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return
        message = channel.get_partial_message(payload.message_id)
        with contextlib.suppress(discord.HTTPException):
            await message.remove_reaction(payload.emoji, discord.Object(id=payload.user_id))
