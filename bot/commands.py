"""Slash commands, guild-scoped: read-only ones for viewers and approvers, the rest approvers only.

Answers that show money are ephemeral. Each command checks access, asks the desk, and
formats the answer; the desk holds every trading decision.
"""

from __future__ import annotations

import io
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import (
    CHART_FILE,
    balance_embed,
    history_embed,
    order_line,
    pnl_embed,
    positions_embed,
    status_embed,
)
from bot.formatting import price, qty, timestamp
from bot.views import ConfirmView, PagesView, actor_of, role_ids
from trading.decisions import Refusal
from trading.desk import TradingDesk
from trading.errors import GreenlightError, PlanError
from trading.precision import format_decimal

if TYPE_CHECKING:
    from bot.client import GreenlightBot

__all__ = ["AccessDenied", "TradingCommands"]

_log = logging.getLogger(__name__)
_PAGE = 10


class AccessDenied(app_commands.CheckFailure):
    """The user may not run this command; the message says why."""


def _bot(interaction: discord.Interaction) -> GreenlightBot:
    return interaction.client  # type: ignore[return-value]


def viewers() -> Any:
    """Approvers and VIEWER_ROLE_IDS."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if _bot(interaction).access.can_view(interaction.user.id, role_ids(interaction.user)):
            return True
        raise AccessDenied("This command is for approvers and viewers.")

    return app_commands.check(predicate)


def approvers() -> Any:
    """APPROVER_ROLE_IDS / APPROVER_USER_IDS only."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if _bot(interaction).access.can_decide(interaction.user.id, role_ids(interaction.user)):
            return True
        raise AccessDenied("Only approvers can do that.")

    return app_commands.check(predicate)


def _pages(items: list[Any], render: Any) -> list[discord.Embed]:
    chunks = [items[i : i + _PAGE] for i in range(0, len(items), _PAGE)] or [[]]
    return [render(chunk, n, len(chunks)) for n, chunk in enumerate(chunks)]


def _orders_page(chunk: list[str], page: int, pages: int) -> discord.Embed:
    embed = discord.Embed(title="Working orders", description="\n".join(chunk) or "None.")
    if pages > 1:
        embed.set_footer(text=f"page {page + 1} of {pages}")
    return embed


async def _send_pages(interaction: discord.Interaction, pages: list[discord.Embed]) -> None:
    if len(pages) == 1:
        await interaction.followup.send(embed=pages[0], ephemeral=True)
    else:
        view = PagesView(pages)
        await interaction.followup.send(embed=view.first, view=view, ephemeral=True)


class TradingCommands(commands.Cog):
    """The desk's slash commands."""

    def __init__(self, bot: GreenlightBot) -> None:
        self.bot = bot

    @property
    def desk(self) -> TradingDesk:
        """The trading desk."""
        return self.bot.desk

    # --- read-only -----------------------------------------------------------------------

    @app_commands.command(name="positions", description="Open positions and their PnL")
    @viewers()
    async def positions(self, interaction: discord.Interaction) -> None:
        """Open trades with the exchange's live positions."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.desk.book.positions()
        if view.error:
            _log.warning("/positions: %s", view.error)
        await interaction.followup.send(embed=positions_embed(view), ephemeral=True)

    @app_commands.command(name="orders", description="Orders Greenlight has working")
    @viewers()
    async def orders(self, interaction: discord.Interaction) -> None:
        """Live orders by trade."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lines = [order_line(line) for line in await self.desk.book.working_orders()]
        await _send_pages(interaction, _pages(lines, _orders_page))

    @app_commands.command(name="pending", description="Alerts waiting for a decision")
    @viewers()
    async def pending(self, interaction: discord.Interaction) -> None:
        """Pending offers with links to their messages."""
        guild = self.bot.guild_id
        lines = []
        for view in await self.desk.book.pending_offers():
            offer = view.offer
            link = ""
            if offer.message_id and offer.channel_id:
                link = (
                    f" — https://discord.com/channels/{guild}/{offer.channel_id}/{offer.message_id}"
                )
            expires = timestamp(offer.expires_at)
            lines.append(f"{offer.side.label} {offer.symbol}, expires {expires}{link}")
        text = "\n".join(lines) or "Nothing is waiting."
        await interaction.response.send_message(text[:2000], ephemeral=True)

    @app_commands.command(name="balance", description="The account's balance")
    @viewers()
    async def balance(self, interaction: discord.Interaction) -> None:
        """Equity, free margin and margin in use."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            balance = await self.desk.book.balance()
        except GreenlightError as exc:
            await interaction.followup.send(f"The exchange did not answer: {exc}", ephemeral=True)
            return
        embed = balance_embed(balance, self.desk.mode)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(name="pnl", description="Realised PnL of closed trades")
    @app_commands.describe(days="How many days back (default 7)")
    @viewers()
    async def pnl(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 7
    ) -> None:
        """Results of the trades closed in the period."""
        summary = await self.desk.book.pnl(days)
        await interaction.response.send_message(embed=pnl_embed(summary), ephemeral=True)

    @app_commands.command(name="history", description="Recent trades")
    @app_commands.describe(count="How many (default 10)")
    @viewers()
    async def history(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 200] = 10
    ) -> None:
        """The newest trades, paginated."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        trades = await self.desk.book.history(count)
        await _send_pages(interaction, _pages(trades, history_embed))

    @app_commands.command(name="status", description="Mode, exchange, pause and alerts today")
    @viewers()
    async def status(self, interaction: discord.Interaction) -> None:
        """The desk's health."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed = status_embed(await self.desk.book.status())
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(
        name="chart", description="A symbol's chart, with its latest trade's levels"
    )
    @app_commands.describe(symbol="Symbol or TradingView ticker", timeframe="e.g. 5m, 1h, 4h")
    @viewers()
    async def chart(
        self, interaction: discord.Interaction, symbol: str, timeframe: str | None = None
    ) -> None:
        """The symbol's candles, with the levels of its latest trade if it has one."""
        await interaction.response.defer(thinking=True)
        image = await self.desk.chart(symbol, timeframe)
        if image.png is None:
            await interaction.followup.send(image.note or "No chart.")
            return
        file = discord.File(io.BytesIO(image.png), filename=CHART_FILE)
        await interaction.followup.send(file=file)

    # --- changing ------------------------------------------------------------------------

    @app_commands.command(name="close", description="Close a position at market (asks first)")
    @app_commands.describe(
        symbol="Symbol or TradingView ticker", percent="Share to close (default 100)"
    )
    @approvers()
    async def close(
        self,
        interaction: discord.Interaction,
        symbol: str,
        percent: app_commands.Range[float, 0.1, 100.0] = 100.0,
    ) -> None:
        """Ask for a confirmation, then close."""
        try:
            market = await self.desk.resolve(symbol)
            trade = await self.desk.find_trade(symbol)
        except PlanError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        if trade is None or trade.remaining <= 0:
            text = f"No open position on {market.symbol}."
            await interaction.response.send_message(text, ephemeral=True)
            return
        share = Decimal(str(percent))
        step = market.amount_step
        actor = actor_of(interaction.user)

        async def act() -> str:
            outcome = await self.desk.close_trade(trade.id, share, actor)
            if not outcome.ok or outcome.trade is None:
                return outcome.message
            after = outcome.trade
            return f"Done: {market.symbol} {after.status.value}, {qty(after.remaining, step)} left."

        view = ConfirmView(interaction.user.id, act)
        await interaction.response.send_message(
            f"Close {format_decimal(share)} % of {trade.side.label} {market.symbol} "
            f"({qty(trade.remaining * share / 100, step)} of {qty(trade.remaining, step)})"
            " at market?",
            view=view,
            ephemeral=True,
        )

    @app_commands.command(name="breakeven", description="Move a position's stop to breakeven now")
    @app_commands.describe(symbol="Symbol or TradingView ticker")
    @approvers()
    async def breakeven(self, interaction: discord.Interaction, symbol: str) -> None:
        """Move the stop to entry ± the offset."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            market = await self.desk.resolve(symbol)
            trade = await self.desk.find_trade(symbol)
        except PlanError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
            return
        if trade is None:
            await interaction.followup.send(f"No open position on {market.symbol}.", ephemeral=True)
            return
        outcome = await self.desk.breakeven(trade.id, actor_of(interaction.user))
        after = outcome.trade
        if outcome.refusal is Refusal.NOT_OPEN:
            await interaction.followup.send(f"No open position on {market.symbol}.", ephemeral=True)
            return
        if not outcome.ok or after is None:
            await interaction.followup.send(outcome.message, ephemeral=True)
            return
        level = price(after.stop_price, market.price_step)
        text = f"Stop moved to {level} for {qty(after.remaining, market.amount_step)}."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="pause", description="Stop offering and entering new trades")
    @approvers()
    async def pause(self, interaction: discord.Interaction) -> None:
        """Pause until /resume (survives restarts)."""
        changed = await self.desk.pause(actor_of(interaction.user))
        text = "⏸️ Paused: new entries are neither offered nor entered until /resume."
        await interaction.response.send_message(
            text if changed else "Already paused.", ephemeral=True
        )

    @app_commands.command(name="resume", description="Offer and enter new trades again")
    @approvers()
    async def resume(self, interaction: discord.Interaction) -> None:
        """Resume after /pause."""
        changed = await self.desk.resume(actor_of(interaction.user))
        text = "▶️ Resumed." if changed else "Trading was not paused."
        await interaction.response.send_message(text, ephemeral=True)

    @chart.autocomplete("symbol")
    @close.autocomplete("symbol")
    @breakeven.autocomplete("symbol")
    async def _symbols(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = await self.desk.symbol_choices(current)
        return [app_commands.Choice(name=s, value=s) for s in names]
