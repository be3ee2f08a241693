"""Recording what the exchange says about our orders: status, fills, the trade's totals.

Runs inside the caller's transaction, so an order's news, its fills, the trade's totals and
the events that tell traders about them are stored together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from trading.events import EntryFilled, Event, PositionReduced, StopFilled, TakeProfitFilled
from trading.exchange.base import ExchangeOrder, OrderState
from trading.execution.fills import FillDelta, average_price, fill_delta, realized_pnl
from trading.execution.placement import Placed
from trading.markets import Market
from trading.orders import ENTRY, STOP, OrderRecord, OrderStatus, tp_index
from trading.states import TradeStatus
from trading.store.trades import TradeTx
from trading.trade import Trade

__all__ = ["record_answers", "status_of"]


def status_of(order: ExchangeOrder) -> OrderStatus:
    """Our status for the exchange's view of an order."""
    if order.state is OrderState.OPEN:
        return OrderStatus.OPEN
    if order.state is OrderState.CLOSED:
        return OrderStatus.FILLED if order.filled > 0 else OrderStatus.CANCELLED
    if order.state is OrderState.REJECTED:
        return OrderStatus.REJECTED
    return OrderStatus.CANCELLED


async def record_answers(
    tx: TradeTx, trade: Trade, answers: list[Placed], market: Market, now: datetime
) -> tuple[Trade, list[OrderRecord]]:
    """Store each ``(record, exchange view)`` pair.

    Returns the trade as it now stands and the updated records (those with an answer).
    """
    updated: list[OrderRecord] = []
    for record, order in answers:
        if order is None:
            continue
        delta = fill_delta(record, order, market)
        record = await tx.update_order(
            record.id,
            now=now,
            exchange_id=order.id,
            status=status_of(order),
            filled=order.filled,
            average=order.average if order.filled > 0 else record.average,
            fee=record.fee + (delta.fee if delta else Decimal(0)),
            fee_exact=order.fee is not None or record.fee_exact,
        )
        updated.append(record)
        if delta is not None:
            trade = await _record_fill(tx, trade, record, delta, now)
    return trade, updated


async def _record_fill(
    tx: TradeTx, trade: Trade, record: OrderRecord, delta: FillDelta, now: datetime
) -> Trade:
    amount, price, fee = delta.amount, delta.price, delta.fee
    if record.leg == ENTRY:
        average = average_price(trade.filled_qty, trade.entry_price, amount, price)
        await tx.add_fill(record, amount, price, fee, Decimal(0), now=now)
        trade = await tx.update_trade(
            trade.id,
            now=now,
            filled_qty=trade.filled_qty + amount,
            entry_price=average,
            fees=trade.fees + fee,
        )
        if trade.status is TradeStatus.ENTERING:
            trade = (
                await tx.move(trade.id, TradeStatus.OPEN, now=now, expect=[TradeStatus.ENTERING])
                or trade
            )
        filled = EntryFilled(amount, price, trade.filled_qty, fee, trade.plan.amount)
        await tx.add_event(filled, now=now, trade=trade)
        return trade
    entry = trade.entry_price or trade.plan.entry_price
    pnl = realized_pnl(trade.side, entry, price, amount, trade.plan.contract_size)
    await tx.add_fill(record, amount, price, fee, pnl, now=now)
    trade = await tx.update_trade(
        trade.id,
        now=now,
        closed_qty=trade.closed_qty + amount,
        realized_pnl=trade.realized_pnl + pnl,
        fees=trade.fees + fee,
    )
    await tx.add_event(_exit_event(trade, record, delta, pnl), now=now, trade=trade)
    return trade


def _exit_event(trade: Trade, record: OrderRecord, delta: FillDelta, pnl: Decimal) -> Event:
    """The event of a fill that reduced the position, named after the leg that filled."""
    amount, price, fee, remaining = delta.amount, delta.price, delta.fee, trade.remaining
    index = tp_index(record.leg)
    if index is not None:
        tp = next((t for t in trade.plan.take_profits if t.index == index), None)
        r = tp.r if tp else None
        return TakeProfitFilled(index, r, amount, price, pnl, fee, remaining)
    if record.leg == STOP:
        return StopFilled(amount, price, pnl, fee, remaining, trade.breakeven_at is not None)
    by = trade.note or "market close"
    return PositionReduced(amount, by, remaining, price, pnl, fee)
