"""Embeds and lines the bot posts, as plain functions of trades and events (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import discord

from bot.formatting import money, pct, price, qty, signed_money, timestamp
from bot.trade_charts import timeframe_of
from trading.alerts import OrderType
from trading.events import EventKind
from trading.exchange.base import Balance, Position
from trading.markets import Market
from trading.states import TradeStatus
from trading.store.trades import StoredEvent
from trading.trade import Trade

__all__ = [
    "CHART_FILE",
    "approval_embed",
    "balance_embed",
    "event_line",
    "history_embed",
    "notice_line",
    "pnl_embed",
    "positions_embed",
    "status_embed",
]

CHART_FILE = "chart.png"
_GREEN, _RED, _BLURPLE, _GREY, _AMBER = 0x2ECC71, 0xE74C3C, 0x5865F2, 0x95A5A6, 0xF1C40F
_STATUS_COLOURS = {
    TradeStatus.PENDING: _BLURPLE,
    TradeStatus.APPROVED: _GREEN,
    TradeStatus.ENTERING: _GREEN,
    TradeStatus.OPEN: _GREEN,
    TradeStatus.REJECTED: _GREY,
    TradeStatus.EXPIRED: _GREY,
    TradeStatus.CANCELLED: _GREY,
    TradeStatus.FAILED: _RED,
}


def _tick(market: Market | None) -> Decimal | None:
    return market.price_step if market else None


def _step(market: Market | None) -> Decimal | None:
    return market.amount_step if market else None


def _status_line(trade: Trade) -> str:
    who = trade.decided_by_name or "?"
    when = timestamp(trade.decided_at, "t")
    status = trade.status
    if status is TradeStatus.PENDING:
        return f"⏳ Waiting for an approver — expires {timestamp(trade.expires_at)}"
    if status is TradeStatus.REJECTED:
        return f"❌ Rejected by {who} at {when}"
    if status is TradeStatus.EXPIRED:
        return f"⌛ Expired at {when}: nobody decided in time"
    if status is TradeStatus.CANCELLED:
        return f"🚫 Cancelled: {trade.note or 'withdrawn'}"
    if status is TradeStatus.FAILED:
        return f"⚠️ Approved by {who} at {when}, but failed: {trade.note or 'see the thread'}"
    if status is TradeStatus.CLOSED:
        result = signed_money(trade.net_pnl, trade.plan.settle)
        r = f" ({trade.r_multiple:+}R)" if trade.r_multiple is not None else ""
        return f"🏁 Closed ({trade.close_reason or 'closed'}): {result}{r} — approved by {who}"
    label = {TradeStatus.APPROVED: "placing orders", TradeStatus.ENTERING: "entry working"}
    return f"✅ Approved by {who} at {when} — {label.get(status, 'position open')}"


def approval_embed(
    trade: Trade, market: Market | None, *, mode: str, chart_note: str | None = None
) -> discord.Embed:
    """The approval message: the trade as planned, and where it stands now."""
    plan = trade.plan
    tick, step = _tick(market), _step(market)
    colour = _STATUS_COLOURS.get(trade.status)
    if colour is None:  # closed: green for a win, red for a loss
        colour = _GREEN if trade.net_pnl >= 0 else _RED
    arrow = "🟢" if plan.side.is_long else "🔴"
    embed = discord.Embed(
        title=f"{arrow} {plan.side.label} {plan.symbol}",
        description=_status_line(trade),
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
    embed.set_footer(text=f"trade {trade.id}")
    return embed


def notice_line(ticker: str, side: str | None, reason: str, *, paused: bool = False) -> str:
    """One line for an alert that is not offered."""
    what = f"{(side or '').upper()} {ticker}".strip()
    if paused:
        return f"⏸️ Paused, not offered: {what}"
    return f"🚫 Not offered: {what} — {reason}"


def _d(data: dict[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else Decimal(str(value))


def event_line(event: StoredEvent, trade: Trade, market: Market | None) -> str | None:
    """The thread message for a trade event (``None``: nothing to say in the thread)."""
    data, tick, step = event.data, _tick(market), _step(market)
    cur = trade.plan.settle
    kind = event.kind
    if kind is EventKind.APPROVED:
        return f"✅ Approved by {data.get('by')} at {price(_d(data, 'price'), tick)}."
    if kind is EventKind.ENTRY_PLACED:
        order_type = str(data.get("order_type", "entry")).title()
        return f"📥 {order_type} entry placed at {price(_d(data, 'price'), tick)}."
    if kind is EventKind.ENTRY_FILLED:
        partial = ""
        if _d(data, "filled") != _d(data, "planned"):
            partial = f" (of {qty(_d(data, 'planned'), step)} planned)"
        return (
            f"🟢 Entry filled: {qty(_d(data, 'amount'), step)} at {price(_d(data, 'price'), tick)}"
            f" — {qty(_d(data, 'filled'), step)} in the position{partial}."
        )
    if kind is EventKind.PROTECTION_PLACED:
        parts = []
        for order in data.get("orders", []):
            leg = "Stop" if order["leg"] == "stop" else str(order["leg"]).upper()
            parts.append(
                f"{leg} {price(_d(order, 'trigger'), tick)} × {qty(_d(order, 'amount'), step)}"
            )
        head = "🛡️ Protection placed" if data.get("first") else "🛡️ Protection updated"
        return f"{head}: " + ", ".join(parts) + "."
    if kind is EventKind.TAKE_PROFIT_FILLED:
        r = f" ({Decimal(str(data['r'])):.2f}R)" if data.get("r") is not None else ""
        return (
            f"🎯 TP{data.get('index')} filled{r}: {qty(_d(data, 'amount'), step)} at "
            f"{price(_d(data, 'price'), tick)}, {signed_money(_d(data, 'pnl'), cur)}; "
            f"{qty(_d(data, 'remaining'), step)} left."
        )
    if kind is EventKind.STOP_MOVED:
        return (
            f"↔️ Stop moved to breakeven {price(_d(data, 'to'), tick)} "
            f"(was {price(_d(data, 'from'), tick)}) — {data.get('reason')}."
        )
    if kind is EventKind.STOP_FILLED:
        which = "Breakeven stop" if data.get("breakeven") else "Stop"
        amount, at = qty(_d(data, "amount"), step), price(_d(data, "price"), tick)
        return f"🛑 {which} filled: {amount} at {at}, {signed_money(_d(data, 'pnl'), cur)}."
    if kind is EventKind.POSITION_REDUCED:
        at = f" at {price(_d(data, 'price'), tick)}" if data.get("price") else ""
        pnl = f", {signed_money(_d(data, 'pnl'), cur)}" if data.get("pnl") else ""
        return (
            f"✂️ Closed {qty(_d(data, 'amount'), step)}{at}{pnl} ({data.get('by')}); "
            f"{qty(_d(data, 'remaining'), step)} left."
        )
    if kind is EventKind.CLOSED:
        r = f" · {Decimal(str(data['r'])):+.2f}R" if data.get("r") is not None else ""
        return (
            f"🏁 Trade closed ({data.get('reason')}): {signed_money(_d(data, 'net'), cur)} net "
            f"({signed_money(_d(data, 'pnl'), cur)} gross, fees {money(_d(data, 'fees'), cur)}){r}."
        )
    if kind is EventKind.FAILED:
        return f"⚠️ The trade could not be entered: {data.get('reason')}"
    if kind is EventKind.ERROR:
        return f"⚠️ {data.get('message')}"
    if kind is EventKind.UNPROTECTED:
        return f"🚨 {data.get('message')}"
    if kind is EventKind.CANCELLED:
        return f"🚫 Cancelled: {data.get('reason')}."
    if kind is EventKind.NOTICE:
        return str(data.get("message"))
    return None


def positions_embed(
    trades: Sequence[Trade],
    positions: Sequence[Position],
    mode: str,
    markets: Mapping[str, Market] | None = None,
) -> discord.Embed:
    """Open trades with their live position."""
    embed = discord.Embed(title=f"Open positions · {mode.upper()}", colour=_BLURPLE)
    by_symbol = {p.symbol: p for p in positions}
    markets = markets or {}
    for trade in trades:
        pos = by_symbol.pop(trade.symbol, None)
        cur = trade.plan.settle
        market = markets.get(trade.symbol)
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


def balance_embed(balance: Balance, mode: str) -> discord.Embed:
    """The account's balance."""
    embed = discord.Embed(title=f"Balance · {mode.upper()}", colour=_BLURPLE)
    embed.add_field(name="Equity", value=money(balance.total, balance.currency))
    embed.add_field(name="Free", value=money(balance.free, balance.currency))
    embed.add_field(name="In margin", value=money(balance.used, balance.currency))
    return embed


def pnl_embed(trades: Sequence[Trade], days: int) -> discord.Embed:
    """Realised results of the trades closed in the last ``days`` days."""
    embed = discord.Embed(title=f"PnL · last {days} day(s)", colour=_BLURPLE)
    if not trades:
        embed.description = "No closed trades in that period."
        return embed
    currency = trades[0].plan.settle
    net = sum((t.net_pnl for t in trades), Decimal(0))
    fees = sum((t.fees for t in trades), Decimal(0))
    wins = [t for t in trades if t.net_pnl > 0]
    r_total = sum((t.r_multiple or Decimal(0) for t in trades), Decimal(0))
    embed.colour = _GREEN if net >= 0 else _RED
    embed.add_field(name="Net", value=signed_money(net, currency))
    embed.add_field(name="Fees", value=money(fees, currency))
    embed.add_field(name="Trades", value=f"{len(trades)} ({len(wins)} won)")
    embed.add_field(name="Sum of R", value=f"{r_total:+.2f}R")
    best = max(trades, key=lambda t: t.net_pnl)
    worst = min(trades, key=lambda t: t.net_pnl)
    embed.add_field(name="Best", value=f"{best.symbol} {signed_money(best.net_pnl, currency)}")
    embed.add_field(name="Worst", value=f"{worst.symbol} {signed_money(worst.net_pnl, currency)}")
    return embed


def history_embed(trades: Sequence[Trade], page: int = 0, pages: int = 1) -> discord.Embed:
    """Recent trades, newest first."""
    embed = discord.Embed(title="History", colour=_BLURPLE)
    lines = []
    for t in trades:
        result = ""
        if t.status is TradeStatus.CLOSED:
            result = f" · {signed_money(t.net_pnl, t.plan.settle)}"
        lines.append(
            f"{timestamp(t.created_at, 'd')} {t.side.label} {t.symbol} — {t.status.value}{result}"
        )
    embed.description = "\n".join(lines) or "No trades yet."
    if pages > 1:
        embed.set_footer(text=f"page {page + 1} of {pages}")
    return embed


def status_embed(
    *,
    mode: str,
    exchange: str,
    reachable: bool,
    paused: bool,
    alerts_today: int,
    open_trades: int,
    pending: int,
    uptime_s: float,
) -> discord.Embed:
    """The desk's health at a glance."""
    embed = discord.Embed(title="Greenlight status", colour=_AMBER if paused else _GREEN)
    hours, rest = divmod(int(uptime_s), 3600)
    embed.add_field(name="Mode", value=f"{mode.upper()} on {exchange}")
    embed.add_field(name="Exchange", value="reachable" if reachable else "⚠️ not reachable")
    embed.add_field(name="Trading", value="⏸️ paused" if paused else "▶️ running")
    embed.add_field(name="Alerts today", value=str(alerts_today))
    embed.add_field(name="Open · pending", value=f"{open_trades} · {pending}")
    embed.add_field(name="Uptime", value=f"{hours} h {rest // 60} min")
    return embed
