"""Orders as the domain knows them: their kinds, statuses, legs, and the stored record.

A trade's orders are named by *leg*: ``entry``, ``stop``, ``tp1`` … ``tpN`` and ``close``.
Every order is stored before it is sent, under a client order id made of the trade, the leg
and the attempt (see :func:`trading.execution.placement.client_order_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from trading.alerts import Side

__all__ = [
    "CLOSE",
    "ENTRY",
    "STOP",
    "OrderKind",
    "OrderRecord",
    "OrderStatus",
    "tp_index",
    "tp_leg",
]

ENTRY = "entry"
STOP = "stop"
CLOSE = "close"


def tp_leg(index: int) -> str:
    """The leg name of take-profit ``index`` (1-based)."""
    return f"tp{index}"


def tp_index(leg: str) -> int | None:
    """The take-profit number of a leg name, or ``None``."""
    return int(leg[2:]) if leg.startswith("tp") and leg[2:].isdigit() else None


class OrderKind(StrEnum):
    """Order types Greenlight places."""

    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    TAKE_PROFIT_MARKET = "take_profit_market"

    @property
    def is_conditional(self) -> bool:
        """Carries a trigger price (a separate order book on some exchanges)."""
        return self in (OrderKind.STOP_MARKET, OrderKind.TAKE_PROFIT_MARKET)


class OrderStatus(StrEnum):
    """An order's status as we know it."""

    SUBMITTING = "submitting"  # stored, sent or about to be; the answer is not known yet
    OPEN = "open"  # resting on the exchange (possibly partly filled)
    FILLED = "filled"
    CANCELLED = "cancelled"  # cancelled or expired, possibly after a partial fill
    REJECTED = "rejected"  # the exchange refused it, or it never arrived

    @property
    def is_live(self) -> bool:
        """The order may still fill."""
        return self in (OrderStatus.SUBMITTING, OrderStatus.OPEN)


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
    fee_exact: bool = False  # the fee is the exchange's, read from its fills

    @property
    def is_live(self) -> bool:
        """May still fill."""
        return self.status.is_live

    @property
    def is_protective(self) -> bool:
        """A reduce-only stop or take-profit."""
        return self.kind.is_conditional
