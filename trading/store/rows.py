"""Rows of the store turned into the domain's plain values."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from trading.alerts import Side
from trading.events import StoredEvent, decode
from trading.offer import Offer
from trading.orders import OrderKind, OrderRecord, OrderStatus
from trading.plan import TradePlan
from trading.states import OfferStatus, TradeStatus
from trading.trade import Trade

__all__ = ["event_of", "offer_of", "order_of", "trade_of"]


def trade_of(row: Row[Any]) -> Trade:
    """A ``trades`` row."""
    m = row._mapping
    return Trade(
        id=m["id"],
        offer_id=m["offer_id"],
        account=m["account"],
        symbol=m["symbol"],
        side=Side(m["side"]),
        status=TradeStatus(m["status"]),
        plan=TradePlan.from_json(m["plan"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        filled_qty=m["filled_qty"],
        closed_qty=m["closed_qty"],
        realized_pnl=m["realized_pnl"],
        fees=m["fees"],
        strategy=m["strategy"],
        timeframe=m["timeframe"],
        entry_price=m["entry_price"],
        stop_price=m["stop_price"],
        breakeven_at=m["breakeven_at"],
        close_reason=m["close_reason"],
        closed_at=m["closed_at"],
        note=m["note"],
        exit_reason=m["exit_reason"],
        funding=m["funding"],
    )


def offer_of(row: Row[Any]) -> Offer:
    """An ``offers`` row."""
    m = row._mapping
    return Offer(
        id=m["id"],
        alert_id=m["alert_id"],
        symbol=m["symbol"],
        side=Side(m["side"]),
        status=OfferStatus(m["status"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        strategy=m["strategy"],
        timeframe=m["timeframe"],
        expires_at=m["expires_at"],
        decided_by=m["decided_by"],
        decided_by_name=m["decided_by_name"],
        decided_via=m["decided_via"],
        decided_at=m["decided_at"],
        channel_id=m["channel_id"],
        message_id=m["message_id"],
        thread_id=m["thread_id"],
        note=m["note"],
    )


def order_of(row: Row[Any]) -> OrderRecord:
    """An ``orders`` row."""
    m = row._mapping
    return OrderRecord(
        id=m["id"],
        trade_id=m["trade_id"],
        leg=m["leg"],
        attempt=m["attempt"],
        client_id=m["client_id"],
        kind=OrderKind(m["type"]),
        side=Side(m["side"]),
        amount=m["amount"],
        status=OrderStatus(m["status"]),
        filled=m["filled"],
        fee=m["fee"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        exchange_id=m["exchange_id"],
        price=m["price"],
        trigger_price=m["trigger_price"],
        reduce_only=m["reduce_only"],
        average=m["average"],
        error=m["error"],
        fee_exact=m["fee_exact"],
    )


def event_of(row: Row[Any]) -> StoredEvent:
    """An ``events`` row, its data read back as the event's type."""
    m = row._mapping
    return StoredEvent(
        id=m["id"],
        offer_id=m["offer_id"],
        trade_id=m["trade_id"],
        event=decode(m["kind"], m["data"]),
        created_at=m["created_at"],
        delivered_at=m["delivered_at"],
    )
