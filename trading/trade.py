"""Trades and their orders as read from the store (plain values, no behaviour on rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trading.alerts import Side
from trading.exchange.base import OrderKind
from trading.plan import TradePlan
from trading.states import OrderStatus, TradeStatus

__all__ = ["CLOSE", "ENTRY", "STOP", "OrderRecord", "Trade", "tp_index", "tp_leg"]

ENTRY = "entry"
STOP = "stop"
CLOSE = "close"


def tp_leg(index: int) -> str:
    """The leg name of take-profit ``index`` (1-based)."""
    return f"tp{index}"


def tp_index(leg: str) -> int | None:
    """The take-profit number of a leg name, or ``None``."""
    return int(leg[2:]) if leg.startswith("tp") and leg[2:].isdigit() else None


@dataclass(frozen=True, slots=True)
class Trade:
    """One alert's trade, from offer to close."""

    id: str
    alert_id: str
    symbol: str
    side: Side
    status: TradeStatus
    plan: TradePlan
    created_at: datetime
    updated_at: datetime
    filled_qty: Decimal
    closed_qty: Decimal
    realized_pnl: Decimal
    fees: Decimal
    strategy: str | None = None
    timeframe: str | None = None
    expires_at: datetime | None = None
    decision: str | None = None
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    channel_id: str | None = None
    message_id: str | None = None
    thread_id: str | None = None
    entry_price: Decimal | None = None
    stop_price: Decimal | None = None
    breakeven_at: datetime | None = None
    close_reason: str | None = None
    closed_at: datetime | None = None
    note: str | None = None

    @property
    def remaining(self) -> Decimal:
        """Position size still open (order units)."""
        return self.filled_qty - self.closed_qty

    @property
    def net_pnl(self) -> Decimal:
        """Realised PnL after fees."""
        return self.realized_pnl - self.fees

    @property
    def r_multiple(self) -> Decimal | None:
        """Net PnL in units of the planned risk."""
        risk = self.plan.risk_amount
        return (self.net_pnl / risk).quantize(Decimal("0.01")) if risk else None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order of a trade as we stored it (written before it is sent)."""

    id: int
    trade_id: str
    leg: str
    attempt: int
    client_id: str
    kind: OrderKind
    side: Side
    amount: Decimal
    status: OrderStatus
    filled: Decimal
    fee: Decimal
    created_at: datetime
    updated_at: datetime
    exchange_id: str | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False
    average: Decimal | None = None
    error: str | None = None

    @property
    def is_live(self) -> bool:
        """May still fill."""
        return self.status.is_live
