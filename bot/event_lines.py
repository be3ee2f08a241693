"""What the bot says for each event: a line in the offer's thread, or a notice in the channel.

Pure functions of typed events (no I/O): they match on the event's type.
"""

from __future__ import annotations

from decimal import Decimal

from bot.formatting import money, price, qty, signed_money
from trading.events import (
    AlertActed,
    AlertNotOffered,
    CloseFailed,
    EntryFilled,
    EntryPlaced,
    Event,
    OfferApproved,
    PositionReduced,
    ProtectionFailed,
    ProtectionPlaced,
    StopFilled,
    StopMoved,
    TakeProfitFilled,
    TradeCancelled,
    TradeClosed,
    TradeFailed,
    TradeWarning,
    TradingPaused,
    TradingResumed,
)
from trading.markets import Market
from trading.trade import Trade

__all__ = ["event_line", "notice_line", "notice_of"]


def notice_line(ticker: str, side: str | None, reason: str, *, paused: bool = False) -> str:
    """One line for an alert that is not offered."""
    what = f"{(side or '').upper()} {ticker}".strip()
    if paused:
        return f"⏸️ Paused, not offered: {what}"
    return f"🚫 Not offered: {what} — {reason}"


def notice_of(event: Event) -> str | None:
    """The channel notice of an event that belongs to no trade (``None``: not a notice)."""
    match event:
        case AlertNotOffered(ticker=ticker, side=side, reason=reason, refusal=refusal):
            return notice_line(ticker, side, reason, paused=refusal == "paused")
        case TradingPaused(by=by):
            return f"⏸️ Trading paused by {by}."
        case TradingResumed(by=by):
            return f"▶️ Trading resumed by {by}."
    return None


def event_line(event: Event, trade: Trade | None, market: Market | None) -> str | None:
    """The thread line of an offer's or trade's event (``None``: nothing to say)."""
    tick = market.price_step if market else None
    step = market.amount_step if market else None
    cur = trade.plan.settle if trade else ""
    match event:
        case OfferApproved(by=by, price=at):
            where = f" at {price(at, tick)}" if at is not None else ""
            return f"✅ Approved by {by}{where}."
        case EntryPlaced(order_type=order_type, price=at):
            return f"📥 {order_type.title()} entry placed at {price(at, tick)}."
        case EntryFilled(amount=amount, price=at, filled=filled, planned=planned):
            partial = f" (of {qty(planned, step)} planned)" if planned != filled else ""
            return (
                f"🟢 Entry filled: {qty(amount, step)} at {price(at, tick)} — "
                f"{qty(filled, step)} in the position{partial}."
            )
        case ProtectionPlaced(orders=orders, first=first):
            parts = [
                f"{'Stop' if o.leg == 'stop' else o.leg.upper()} {price(o.trigger, tick)} × "
                f"{qty(o.amount, step)}"
                for o in orders
            ]
            head = "🛡️ Protection placed" if first else "🛡️ Protection updated"
            return f"{head}: " + ", ".join(parts) + "."
        case TakeProfitFilled(index=index, r=r, amount=amount, price=at, pnl=pnl, remaining=left):
            shown = f" ({r:.2f}R)" if r is not None else ""
            return (
                f"🎯 TP{index} filled{shown}: {qty(amount, step)} at {price(at, tick)}, "
                f"{signed_money(pnl, cur)}; {qty(left, step)} left."
            )
        case StopMoved(from_price=old, to_price=new, reason=reason):
            return (
                f"↔️ Stop moved to breakeven {price(new, tick)} (was {price(old, tick)}) — {reason}."
            )
        case StopFilled(amount=amount, price=at, pnl=pnl, breakeven=breakeven):
            which = "Breakeven stop" if breakeven else "Stop"
            return (
                f"🛑 {which} filled: {qty(amount, step)} at {price(at, tick)}, "
                f"{signed_money(pnl, cur)}."
            )
        case PositionReduced():
            return _reduced(event, step, tick, cur)
        case TradeClosed(reason=reason, pnl=pnl, fees=fees, net=net, r=r):
            shown = f" · {Decimal(r):+.2f}R" if r is not None else ""
            return (
                f"🏁 Trade closed ({reason}): {signed_money(net, cur)} net "
                f"({signed_money(pnl, cur)} gross, fees {money(fees, cur)}){shown}."
            )
        case TradeFailed(reason=reason):
            return f"⚠️ The trade could not be entered: {reason}"
        case TradeWarning(message=message):
            return f"⚠️ {message}"
        case ProtectionFailed(message=message) | CloseFailed(message=message):
            return f"🚨 {message}"
        case TradeCancelled(reason=reason):
            return f"🚫 Cancelled: {reason}."
        case AlertActed(name=name):
            return f"📨 {name} alert received."
    return None


def _reduced(event: PositionReduced, step: Decimal | None, tick: Decimal | None, cur: str) -> str:
    at = f" at {price(event.price, tick)}" if event.price else ""
    pnl = f", {signed_money(event.pnl, cur)}" if event.pnl else ""
    return (
        f"✂️ Closed {qty(event.amount, step)}{at}{pnl} ({event.by}); "
        f"{qty(event.remaining, step)} left."
    )
