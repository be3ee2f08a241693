"""Slash commands, guild-scoped: read-only ones for viewers and approvers, the rest approvers only.

Answers that show money are ephemeral. The logic lives in the domain services; these
functions only check access, call them, and format the answer.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import (
    CHART_FILE,
    balance_embed,
    history_embed,
    pnl_embed,
    positions_embed,
    status_embed,
)
from bot.formatting import price, qty, timestamp
from bot.trade_charts import DEFAULT_TIMEFRAME, chart_spec, parse_timeframe, render_trade_chart
from bot.views import ConfirmView, PagesView, role_ids
from charts.spec import ChartSpec
from trading.errors import GreenlightError, PlanError
from trading.markets import Market
from trading.precision import format_decimal
from trading.states import ACTIVE_STATUSES, TradeStatus
from trading.symbols import resolve_symbol, symbol_choices
from trading.trade import Trade

if TYPE_CHECKING:
    from bot.client import GreenlightBot

__all__ = ["TradingCommands"]

_log = logging.getLogger(__name__)
_PAGE = 10
_OPEN = [TradeStatus.ENTERING, TradeStatus.OPEN]


class AccessDenied(app_commands.CheckFailure):
    """The user may not run this command; the message says why."""


def _bot(interaction: discord.Interaction) -> GreenlightBot:
    return interaction.client  # type: ignore[return-value]


def viewers() -> Any:
    """Approvers and VIEWER_ROLE_IDS."""

    async def predicate(interaction: discord.Interaction) -> bool:
        access = _bot(interaction).services.access
        if access.can_view(interaction.user.id, role_ids(interaction.user)):
            return True
        raise AccessDenied("This command is for approvers and viewers.")

    return app_commands.check(predicate)


def approvers() -> Any:
    """APPROVER_ROLE_IDS / APPROVER_USER_IDS only."""

    async def predicate(interaction: discord.Interaction) -> bool:
        access = _bot(interaction).services.access
        if access.can_decide(interaction.user.id, role_ids(interaction.user)):
            return True
        raise AccessDenied("Only approvers can do that.")

    return app_commands.check(predicate)


def _pages(items: list[Any], render: Any) -> list[discord.Embed]:
    chunks = [items[i : i + _PAGE] for i in range(0, len(items), _PAGE)] or [[]]
    return [render(chunk, n, len(chunks)) for n, chunk in enumerate(chunks)]


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
    def services(self) -> Any:
        """The bot's services."""
        return self.bot.services

    # --- helpers ---------------------------------------------------------------------

    async def _market(self, text: str) -> Market:
        markets = await self.services.exchange.load_markets()
        return resolve_symbol(text, markets, self.services.exchange.name)

    async def _active(self, symbol: str, statuses: Any = ACTIVE_STATUSES) -> Trade | None:
        async with self.services.store.read() as tx:
            found = await tx.with_status(statuses, symbol)
        return found[-1] if found else None

    async def symbol_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Open positions first, then the exchange's markets."""
        async with self.services.store.read() as tx:
            active = [t.symbol for t in await tx.with_status(ACTIVE_STATUSES)]
        wanted = current.strip().upper()
        names = [s for s in dict.fromkeys(active) if wanted in s.upper()]
        for symbol in symbol_choices(self.services.exchange.markets, current):
            if symbol not in names:
                names.append(symbol)
        return [app_commands.Choice(name=s, value=s) for s in names[:25]]

    # --- read-only -----------------------------------------------------------------------

    @app_commands.command(name="positions", description="Open positions and their PnL")
    @viewers()
    async def positions(self, interaction: discord.Interaction) -> None:
        """Open trades with the exchange's live positions."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.services.store.read() as tx:
            trades = await tx.with_status(_OPEN)
        try:
            positions = await self.services.exchange.fetch_positions()
        except GreenlightError as exc:
            _log.warning("/positions: %s", exc)
            positions = []
        embed = positions_embed(
            trades, positions, self.services.mode, self.services.exchange.markets
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(name="orders", description="Orders Greenlight has working")
    @viewers()
    async def orders(self, interaction: discord.Interaction) -> None:
        """Live orders by trade."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.services.store.read() as tx:
            trades = {t.id: t for t in await tx.with_status(ACTIVE_STATUSES)}
            live = [o for o in await tx.live_orders() if o.trade_id in trades]
        lines = []
        for order in live:
            trade = trades[order.trade_id]
            market = self.services.exchange.markets.get(trade.symbol)
            tick = market.price_step if market else None
            step = market.amount_step if market else None
            level = order.trigger_price or order.price
            lines.append(
                f"{trade.symbol} · {order.leg} · {order.side.value} {qty(order.amount, step)}"
                f" @ {price(level, tick) if level else 'market'} · {order.status.value}"
            )

        def render(chunk: list[str], page: int, pages: int) -> discord.Embed:
            embed = discord.Embed(title="Working orders", description="\n".join(chunk) or "None.")
            if pages > 1:
                embed.set_footer(text=f"page {page + 1} of {pages}")
            return embed

        await _send_pages(interaction, _pages(lines, render))

    @app_commands.command(name="pending", description="Alerts waiting for a decision")
    @viewers()
    async def pending(self, interaction: discord.Interaction) -> None:
        """Pending offers with links to their messages."""
        async with self.services.store.read() as tx:
            trades = await tx.with_status([TradeStatus.PENDING])
        guild = self.services.guild_id
        lines = []
        for t in trades:
            link = ""
            if t.message_id and t.channel_id:
                link = f" — https://discord.com/channels/{guild}/{t.channel_id}/{t.message_id}"
            lines.append(f"{t.side.label} {t.symbol}, expires {timestamp(t.expires_at)}{link}")
        text = "\n".join(lines) or "Nothing is waiting."
        await interaction.response.send_message(text[:2000], ephemeral=True)

    @app_commands.command(name="balance", description="The account's balance")
    @viewers()
    async def balance(self, interaction: discord.Interaction) -> None:
        """Equity, free margin and margin in use."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            balance = await self.services.exchange.fetch_balance()
        except GreenlightError as exc:
            await interaction.followup.send(f"The exchange did not answer: {exc}", ephemeral=True)
            return
        await interaction.followup.send(
            embed=balance_embed(balance, self.services.mode), ephemeral=True
        )

    @app_commands.command(name="pnl", description="Realised PnL of closed trades")
    @app_commands.describe(days="How many days back (default 7)")
    @viewers()
    async def pnl(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 7
    ) -> None:
        """Results of the trades closed in the period."""
        since = datetime.now(UTC) - timedelta(days=days)
        async with self.services.store.read() as tx:
            trades = await tx.closed_since(since)
        await interaction.response.send_message(embed=pnl_embed(trades, days), ephemeral=True)

    @app_commands.command(name="history", description="Recent trades")
    @app_commands.describe(count="How many (default 10)")
    @viewers()
    async def history(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 200] = 10
    ) -> None:
        """The newest trades, paginated."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.services.store.read() as tx:
            trades = await tx.recent(count)
        await _send_pages(interaction, _pages(trades, history_embed))

    @app_commands.command(name="status", description="Mode, exchange, pause and alerts today")
    @viewers()
    async def status(self, interaction: discord.Interaction) -> None:
        """The desk's health."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = self.services
        try:
            await services.exchange.fetch_balance()
            reachable = True
        except GreenlightError:
            reachable = False
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        async with services.store.read() as tx:
            open_trades = len(await tx.with_status(_OPEN))
            pending = len(await tx.with_status([TradeStatus.PENDING]))
        embed = status_embed(
            mode=services.mode,
            exchange=services.exchange.name,
            reachable=reachable,
            paused=await services.pause.is_paused(),
            alerts_today=await services.alert_log.count(midnight),
            open_trades=open_trades,
            pending=pending,
            uptime_s=time.monotonic() - services.started,
        )
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
        try:
            market = await self._market(symbol)
        except PlanError as exc:
            await interaction.followup.send(str(exc))
            return
        async with self.services.store.read() as tx:
            trades = [t for t in await tx.recent(200) if t.symbol == market.symbol]
        if trades:  # the latest trade's levels over the candles
            spec = chart_spec(trades[0].plan, market, mode=self.services.mode)
        else:  # no trade yet: the candles alone
            spec = ChartSpec(
                symbol=market.symbol,
                timeframe=DEFAULT_TIMEFRAME,
                side="buy",
                price_tick=market.price_step,
                mode=self.services.mode.upper(),
            )
        if timeframe:
            spec = replace(spec, timeframe=parse_timeframe(timeframe))
        png, note = await render_trade_chart(self.services, spec)
        if png is None:
            await interaction.followup.send(note or "No chart.")
            return
        await interaction.followup.send(file=discord.File(io.BytesIO(png), filename=CHART_FILE))

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
            market = await self._market(symbol)
        except PlanError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        trade = await self._active(market.symbol, _OPEN)
        if trade is None or trade.remaining <= 0:
            await interaction.response.send_message(
                f"No open position on {market.symbol}.", ephemeral=True
            )
            return
        share = Decimal(str(percent))
        shown = format_decimal(share)
        step = market.amount_step
        who = interaction.user.display_name

        async def act() -> str:
            reason = f"closed by {who}" if share >= 100 else f"{shown} % closed by {who}"
            try:
                if share >= 100:
                    after = await self.services.executor.exit(trade.id, reason)
                else:
                    after = await self.services.executor.close_part(trade.id, share, reason)
            except GreenlightError as exc:
                return f"Could not close: {exc}"
            self.services.monitor.wakeup.set()
            left = qty(after.remaining, step)
            return f"Done: {market.symbol} {after.status.value}, {left} left."

        view = ConfirmView(interaction.user.id, act)
        await interaction.response.send_message(
            f"Close {shown} % of {trade.side.label} {market.symbol} "
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
            market = await self._market(symbol)
        except PlanError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
            return
        trade = await self._active(market.symbol, [TradeStatus.OPEN])
        if trade is None:
            await interaction.followup.send(f"No open position on {market.symbol}.", ephemeral=True)
            return
        if trade.breakeven_at is not None:
            await interaction.followup.send("The stop is already at breakeven.", ephemeral=True)
            return
        try:
            after = await self.services.executor.breakeven(
                trade.id, f"/breakeven by {interaction.user.display_name}"
            )
        except GreenlightError as exc:
            await interaction.followup.send(f"Could not move the stop: {exc}", ephemeral=True)
            return
        tick = market.price_step
        await interaction.followup.send(
            f"Stop moved to {price(after.stop_price, tick)} for {qty(after.remaining)}.",
            ephemeral=True,
        )

    @app_commands.command(name="pause", description="Stop offering and entering new trades")
    @approvers()
    async def pause(self, interaction: discord.Interaction) -> None:
        """Pause until /resume (survives restarts)."""
        changed = await self.services.pause.set(True)
        text = "⏸️ Paused: new entries are neither offered nor entered until /resume."
        await interaction.response.send_message(
            text if changed else "Already paused.", ephemeral=True
        )
        if changed:
            await self.bot.notifier.post_notice(
                f"⏸️ Trading paused by {interaction.user.display_name}."
            )

    @app_commands.command(name="resume", description="Offer and enter new trades again")
    @approvers()
    async def resume(self, interaction: discord.Interaction) -> None:
        """Resume after /pause."""
        changed = await self.services.pause.set(False)
        text = "▶️ Resumed." if changed else "Trading was not paused."
        await interaction.response.send_message(text, ephemeral=True)
        if changed:
            await self.bot.notifier.post_notice(
                f"▶️ Trading resumed by {interaction.user.display_name}."
            )

    @chart.autocomplete("symbol")
    @close.autocomplete("symbol")
    @breakeven.autocomplete("symbol")
    async def _symbols(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.symbol_autocomplete(interaction, current)
