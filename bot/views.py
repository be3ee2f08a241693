"""Buttons: the persistent Approve/Reject pair, the /close confirmation, list pages.

Approve/Reject are dynamic items: their ``custom_id`` carries the offer id
(``greenlight:approve:<offer id>``; messages posted before offers existed carry the id of their
trade, which became the id of its offer), so they keep working after a restart without any
state in memory. Who may press them is decided in ``interaction_check``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from trading.decisions import Decision
from trading.offer import Actor, Via

if TYPE_CHECKING:
    from bot.client import GreenlightBot

__all__ = [
    "APPROVE",
    "REJECT",
    "ApprovalButton",
    "ConfirmView",
    "PagesView",
    "actor_of",
    "approval_view",
    "decision_reply",
]

APPROVE = "approve"
REJECT = "reject"
_NOT_ALLOWED = "Only approvers can decide on alerts."


def _bot(interaction: discord.Interaction) -> GreenlightBot:
    return interaction.client  # type: ignore[return-value]


def role_ids(user: discord.abc.User | discord.Member) -> list[int]:
    """The user's role ids (none outside a guild)."""
    return [role.id for role in getattr(user, "roles", [])]


def actor_of(user: discord.abc.User | discord.Member) -> Actor:
    """The desk's actor for a Discord user."""
    return Actor(str(user.id), user.display_name, Via.DISCORD)


def decision_reply(decision: Decision, action: str) -> str:
    """What the clicker (only them) is told."""
    if not decision.ok:
        return f"Not done: {decision.message}."
    if action == APPROVE:
        return "✅ Approved: placing the orders. Follow them in the thread."
    return "❌ Rejected."


class ApprovalButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"greenlight:(?P<action>approve|reject):(?P<offer_id>[0-9a-z]{1,40})",
):
    """Approve or Reject for one offer."""

    def __init__(self, action: str, offer_id: str, *, disabled: bool = False) -> None:
        approve = action == APPROVE
        super().__init__(
            discord.ui.Button(
                label="Approve" if approve else "Reject",
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
                custom_id=f"greenlight:{action}:{offer_id}",
                disabled=disabled,
            )
        )
        self.action = action
        self.offer_id = offer_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> ApprovalButton:
        """Rebuild the button from its id (after a restart too)."""
        return cls(match["action"], match["offer_id"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only approvers; others get an ephemeral refusal and nothing changes."""
        access = _bot(interaction).access
        if access.can_decide(interaction.user.id, role_ids(interaction.user)):
            return True
        await interaction.response.send_message(_NOT_ALLOWED, ephemeral=True)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        """Decide, then tell the clicker (only them) what happened."""
        desk = _bot(interaction).desk
        approve = self.action == APPROVE
        decision = asyncio.create_task(
            desk.decide(self.offer_id, approve, actor_of(interaction.user))
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = decision_reply(await decision, self.action)
        await interaction.followup.send(reply, ephemeral=True)


def approval_view(offer_id: str, *, disabled: bool = False) -> discord.ui.View:
    """The Approve/Reject pair of an offer (persistent: no timeout)."""
    view = discord.ui.View(timeout=None)
    view.add_item(ApprovalButton(APPROVE, offer_id, disabled=disabled))
    view.add_item(ApprovalButton(REJECT, offer_id, disabled=disabled))
    return view


class ConfirmView(discord.ui.View):
    """Confirm / Cancel for one user; ``action`` runs on Confirm and returns the answer."""

    def __init__(
        self, user_id: int, action: Callable[[], Awaitable[str]], *, timeout: float = 60
    ) -> None:
        super().__init__(timeout=timeout)
        self._user_id = user_id
        self._action = action

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only whoever asked may confirm."""
        if interaction.user.id == self._user_id:
            return True
        await interaction.response.send_message("This confirmation is not yours.", ephemeral=True)
        return False

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Run the action."""
        self.stop()
        await interaction.response.edit_message(content="Working on it…", view=None)
        answer = await self._action()
        await interaction.edit_original_response(content=answer)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Do nothing."""
        self.stop()
        await interaction.response.edit_message(content="Nothing was done.", view=None)


class PagesView(discord.ui.View):
    """Previous/Next through a list of embeds."""

    def __init__(self, pages: Sequence[discord.Embed], *, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self._pages = list(pages)
        self._index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self._index == 0
        self.next.disabled = self._index >= len(self._pages) - 1

    @property
    def first(self) -> discord.Embed:
        """The page to send first."""
        return self._pages[0]

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self._index = max(0, min(len(self._pages) - 1, self._index + step))
        self._sync()
        await interaction.response.edit_message(embed=self._pages[self._index], view=self)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """The page before."""
        await self._show(interaction, -1)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """The page after."""
        await self._show(interaction, +1)
