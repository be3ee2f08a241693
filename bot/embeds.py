"""Embeds the bot posts, as plain functions of the desk's views (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import discord

from bot.formatting import money, pct, price, qty, signed_money, timestamp
from bot.trade_charts import timeframe_of
from trading.alerts import OrderType
from trading.exchange.base import Balance
from trading.markets import Market
from trading.trade import Trade
from trading.views import (
    DeskStatus,
    OfferView,
    OrderLine,
    PnlSummary,
    PositionsView,
    Stage,
    trade_stage,
)

__all__ = [
    "CHART_FILE",
    "approval_embed",
    "balance_embed",
    "history_embed",
    "order_line",
    "pnl_embed",
    "positions_embed",
    "status_embed",
]

CHART_FILE = "chart.png"
_GREEN, _RED, _BLURPLE, _GREY, _AMBER = 0x2ECC71, 0xE74C3C, 0x5865F2, 0x95A5A6, 0xF1C40F
_STAGE_COLOURS = {
    Stage.WAITING: _BLURPLE,
    Stage.PLACING: _GREEN,
    Stage.ENTRY_WORKING: _GREEN,
    Stage.OPEN: _GREEN,
    Stage.FAILED: _RED,
}


def _tick(market: Market | None) -> Decimal | None:
    return market.price_step if market else None


def _step(market: Market | None) -> Decimal | None:
    return market.amount_step if market else None


def _status_line(view: OfferView) -> str:
    offer, trade = view.offer, view.trade
    who = offer.decided_by_name or "?"
    when = timestamp(offer.decided_at, "t")
    note = (trade.note if trade else None) or offer.note
    match view.stage:
        case Stage.WAITING:
            return f"⏳ Waiting for an approver — expires {timestamp(offer.expires_at)}"
        case Stage.REJECTED:
            return f"❌ Rejected by {who} at {when}"
        case Stage.EXPIRED:
            return f"⌛ Expired at {when}: nobody decided in time"
        case Stage.WITHDRAWN | Stage.CANCELLED:
            return f"🚫 Cancelled: {note or 'withdrawn'}"
        case Stage.FAILED:
            return f"⚠️ Approved by {who} at {when}, but failed: {note or 'see the thread'}"
        case Stage.CLOSED if trade is not None:
            result = signed_money(trade.net_pnl, trade.plan.settle)
            r = f" ({trade.r_multiple:+}R)" if trade.r_multiple is not None else ""
            return f"🏁 Closed ({trade.close_reason or 'closed'}): {result}{r} — approved by {who}"
        case Stage.PLACING:
            return f"✅ Approved by {who} at {when} — placing orders"
        case Stage.ENTRY_WORKING:
            return f"✅ Approved by {who} at {when} — entry working"
    return f"✅ Approved by {who} at {when} — position open"


def _colour(view: OfferView) -> int:
    trade = view.trade
    if view.stage is Stage.CLOSED and trade is not None:  # green for a win, red for a loss
        return _GREEN if trade.net_pnl >= 0 else _RED
    return _STAGE_COLOURS.get(view.stage, _GREY)


def approval_embed(
    view: OfferView, market: Market | None, *, mode: str, chart_note: str | None = None
) -> discord.Embed:
    """The approval message: the trade as planned, and where it stands now."""
    offer, trade = view.offer, view.trade
    assert trade is not None, "an offer holds at least one trade"
    plan = trade.plan
    tick, step = _tick(market), _step(market)
    colour = _colour(view)
    arrow = "🟢" if plan.side.is_long else "🔴"
    embed = discord.Embed(
        title=f"{arrow} {plan.side.label} {plan.symbol}",
        description=_status_line(view),
        colour=colour,
    )
    entry = price(plan.entry_price, tick)
    entry_text = f"limit {entry}" if plan.order_type is OrderType.LIMIT else f"market ≈ {entry}"
    embed.add_field(name="Entry", value=entry_text)
    embed.add_field(
        name="Stop",
        value=f"{price(plan.stop_price, tick)} ({pct(plan.stop_distance_pct)} away)",
    )
    embed.add_field(name="Leverage", value=f"{plan.leverage}x")
    if plan.take_profits:
        rungs = "\n".join(
            f"TP{tp.index} {price(tp.price, tick)} · {tp.r:.2f}R · {pct(tp.share_pct, 0)}"
            for tp in plan.take_profits
        )
        embed.add_field(name="Take-profits", value=rungs, inline=False)
    base = market.base if market and market.contract_size == 1 else "contracts"
    embed.add_field(name="Size", value=f"{qty(plan.amount, step)} {base}")
    embed.add_field(name="Notional", value=money(plan.notional, plan.settle))
    embed.add_field(
        name="At risk",
        value=f"{money(plan.risk_amount, plan.settle)} ({pct(plan.risk_pct)} of equity)",
    )
    timeframe = timeframe_of(plan.timeframe) if plan.timeframe else "?"
    details = [plan.strategy or "no strategy", timeframe, mode.upper()]
    embed.add_field(name="Strategy · timeframe · mode", value=" · ".join(details), inline=False)
    if chart_note:
        embed.add_field(name="Chart", value=chart_note, inline=False)
    else:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    embed.set_footer(text=f"offer {offer.id}")
    return embed


def positions_embed(view: PositionsView) -> discord.Embed:
    """Open trades with their live position."""
    embed = discord.Embed(title=f"Open positions · {view.mode.upper()}", colour=_BLURPLE)
    by_symbol = {p.symbol: p for p in view.positions}
    for trade in view.trades:
        pos = by_symbol.pop(trade.symbol, None)
        cur = trade.plan.settle
        market = view.markets.get(trade.symbol)
        tick, step = _tick(market), _step(market)
        lines = [
            f"{qty(trade.remaining, step)} open @ {price(trade.entry_price, tick)} · "
            f"stop {price(trade.stop_price, tick)}"
        ]
        if pos is not None:
            lines.append(
                f"mark {price(pos.mark_price, tick)} · uPnL {signed_money(pos.unrealized_pnl, cur)}"
            )
        lines.append(f"realised {signed_money(trade.net_pnl, cur)}")
        embed.add_field(
            name=f"{trade.side.label} {trade.symbol}", value="\n".join(lines), inline=False
        )
    for pos in by_symbol.values():
        upnl = signed_money(pos.unrealized_pnl)
        embed.add_field(
            name=f"{pos.side.label} {pos.symbol} (not Greenlight's)",
            value=f"{qty(pos.amount)} @ {price(pos.entry_price)} · uPnL {upnl}",
            inline=False,
        )
    if not embed.fields:
        embed.description = "No open positions."
    return embed


def order_line(line: OrderLine) -> str:
    """One working order: symbol, leg, side, size, level, status."""
    order, market = line.order, line.market
    level = order.trigger_price or order.price
    at = price(level, _tick(market)) if level else "market"
    return (
        f"{line.trade.symbol} · {order.leg} · {order.side.value} {qty(order.amount, _step(market))}"
        f" @ {at} · {order.status.value}"
    )


def balance_embed(balance: Balance, mode: str) -> discord.Embed:
    """The account's balance."""
    embed = discord.Embed(title=f"Balance · {mode.upper()}", colour=_BLURPLE)
    embed.add_field(name="Equity", value=money(balance.total, balance.currency))
    embed.add_field(name="Free", value=money(balance.free, balance.currency))
    embed.add_field(name="In margin", value=money(balance.used, balance.currency))
    return embed


def pnl_embed(summary: PnlSummary) -> discord.Embed:
    """Realised results of the trades closed in the period."""
    embed = discord.Embed(title=f"PnL · last {summary.days} day(s)", colour=_BLURPLE)
    best, worst = summary.best, summary.worst
    if best is None or worst is None:
        embed.description = "No closed trades in that period."
        return embed
    currency = summary.currency
    embed.colour = _GREEN if summary.net >= 0 else _RED
    embed.add_field(name="Net", value=signed_money(summary.net, currency))
    embed.add_field(name="Fees", value=money(summary.fees, currency))
    embed.add_field(name="Trades", value=f"{len(summary.trades)} ({summary.wins} won)")
    embed.add_field(name="Sum of R", value=f"{summary.r_total:+.2f}R")
    embed.add_field(name="Best", value=f"{best.symbol} {signed_money(best.net_pnl, currency)}")
    embed.add_field(name="Worst", value=f"{worst.symbol} {signed_money(worst.net_pnl, currency)}")
    return embed


def history_embed(trades: Sequence[Trade], page: int = 0, pages: int = 1) -> discord.Embed:
    """Recent trades, newest first."""
    embed = discord.Embed(title="History", colour=_BLURPLE)
    lines = []
    for t in trades:
        result = ""
        if trade_stage(t) is Stage.CLOSED:
            result = f" · {signed_money(t.net_pnl, t.plan.settle)}"
        lines.append(
            f"{timestamp(t.created_at, 'd')} {t.side.label} {t.symbol} — {t.status.value}{result}"
        )
    embed.description = "\n".join(lines) or "No trades yet."
    if pages > 1:
        embed.set_footer(text=f"page {page + 1} of {pages}")
    return embed


def status_embed(status: DeskStatus) -> discord.Embed:
    """The desk's health at a glance."""
    embed = discord.Embed(title="Greenlight status", colour=_AMBER if status.paused else _GREEN)
    hours, rest = divmod(int(status.uptime_s), 3600)
    embed.add_field(name="Mode", value=f"{status.mode.upper()} on {status.exchange}")
    embed.add_field(name="Exchange", value="reachable" if status.reachable else "⚠️ not reachable")
    embed.add_field(name="Trading", value="⏸️ paused" if status.paused else "▶️ running")
    embed.add_field(name="Alerts today", value=str(status.alerts_today))
    embed.add_field(name="Open · pending", value=f"{status.open_trades} · {status.pending}")
    embed.add_field(name="Uptime", value=f"{hours} h {rest // 60} min")
    return embed
