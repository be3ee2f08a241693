"""Recording what the exchange says about our orders: status, fills, the trade's totals.

Runs inside the caller's transaction, so an order's news, its fills, the trade's totals and
the events that tell traders about them are stored together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from trading.events import EventKind
from trading.exchange.base import ExchangeOrder, OrderState
from trading.fills import average_price, fill_delta, realized_pnl
from trading.markets import Market
from trading.placement import Placed
from trading.states import OrderStatus, TradeStatus
from trading.store.trades import TradeTx
from trading.trade import ENTRY, STOP, OrderRecord, Trade, tp_index

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
) -> Trade:
    """Store each ``(record, exchange view)`` pair; returns the trade as it now stands."""
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
        )
        if delta is not None:
            trade = await _record_fill(tx, trade, record, delta.amount, delta.price, delta.fee, now)
    return trade


async def _record_fill(
    tx: TradeTx,
    trade: Trade,
    record: OrderRecord,
    amount: Decimal,
    price: Decimal,
    fee: Decimal,
    now: datetime,
) -> Trade:
    contract = trade.plan.contract_size
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
        await tx.add_event(
            trade.id,
            EventKind.ENTRY_FILLED,
            {"amount": amount, "price": price, "filled": trade.filled_qty, "fee": fee,
             "planned": trade.plan.amount},
            now=now,
        )  # fmt: skip
        return trade
    entry = trade.entry_price or trade.plan.entry_price
    pnl = realized_pnl(trade.side, entry, price, amount, contract)
    await tx.add_fill(record, amount, price, fee, pnl, now=now)
    trade = await tx.update_trade(
        trade.id,
        now=now,
        closed_qty=trade.closed_qty + amount,
        realized_pnl=trade.realized_pnl + pnl,
        fees=trade.fees + fee,
    )
    data = {"amount": amount, "price": price, "pnl": pnl, "fee": fee,
            "remaining": trade.remaining}  # fmt: skip
    index = tp_index(record.leg)
    if index is not None:
        tp = next((t for t in trade.plan.take_profits if t.index == index), None)
        kind = EventKind.TAKE_PROFIT_FILLED
        data |= {"index": index, "r": tp.r if tp else None}
    elif record.leg == STOP:
        kind = EventKind.STOP_FILLED
        data |= {"breakeven": trade.breakeven_at is not None}
    else:
        kind = EventKind.POSITION_REDUCED
        data |= {"by": trade.note or "market close"}
    await tx.add_event(trade.id, kind, data, now=now)
    return trade
