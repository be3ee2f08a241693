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

from bot.access import Access
from bot.commands import AccessDenied, TradingCommands
from bot.notifier import APPROVE_EMOJI, REJECT_EMOJI, Notifier
from bot.views import ApprovalButton
from trading.desk import TradingDesk
from trading.offer import Actor, Offer, Via

__all__ = ["GreenlightBot"]

_log = logging.getLogger(__name__)


class GreenlightBot(commands.Bot):
    """discord.py's Bot speaking to the trading desk.

    Parameters
    ----------
    desk:
        The trading desk every button, reaction and command talks to.
    access:
        Who may decide and look.
    api_base:
        A different REST base URL (``DISCORD_API_BASE_URL``, e.g. a REST proxy); the gateway
        URL is then asked from that API too.
    """

    def __init__(
        self,
        desk: TradingDesk,
        access: Access,
        *,
        channel_id: int,
        guild_id: int,
        api_base: str | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.desk = desk
        self.access = access
        self.guild_id = guild_id
        self.notifier = Notifier(self, desk, channel_id)
        self._api_base = api_base
        if api_base:
            Route.BASE = api_base.rstrip("/")

    async def setup_hook(self) -> None:
        """Register persistent buttons and the guild's slash commands."""
        if self._api_base:
            _, url, _ = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        self.add_dynamic_items(ApprovalButton)
        guild = discord.Object(id=self.guild_id)
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
        offer = await self._offer_of(payload)
        if offer is None:
            return
        member = payload.member
        roles = [role.id for role in member.roles] if member is not None else []
        name = member.display_name if member is not None else str(payload.user_id)
        if not self.access.can_decide(payload.user_id, roles):
            roles = await self._roles_from_api(payload)  # the cache may be cold after a reconnect
            if not self.access.can_decide(payload.user_id, roles):
                await self._remove_reaction(payload)
                return
        actor = Actor(str(payload.user_id), name, Via.DISCORD)
        decision = await self.desk.decide(offer.id, emoji == APPROVE_EMOJI, actor)
        if not decision.ok and decision.still_pending:  # refused for now (price, pause)
            await self.notifier.say(decision.offer, f"⚠️ {name}: {decision.message}.")
            await self._remove_reaction(payload)

    async def _offer_of(self, payload: discord.RawReactionActionEvent) -> Offer | None:
        """The offer of the reacted message; a reaction may beat the storing of its id."""
        ours = self.user is not None and payload.message_author_id == self.user.id
        for attempt in range(10 if ours else 1):
            if attempt:
                await asyncio.sleep(0.1)
            offer = await self.desk.feed.offer_by_message(str(payload.message_id))
            if offer is not None:
                return offer
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
