"""Trades as read from the store (plain values, no behaviour on rows).

A trade is one account's position for an offer: its plan, its fills and its totals. The
orders of a trade are :class:`~trading.orders.OrderRecord` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from trading.alerts import Side
from trading.plan import TradePlan
from trading.states import TradeStatus

__all__ = ["DEFAULT_ACCOUNT", "Trade"]

#: The account of an install with a single exchange account.
DEFAULT_ACCOUNT = "default"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Trade:
    """One account's trade for an offer, from the decision to the close."""

    id: str
    offer_id: str
    account: str
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
    entry_price: Decimal | None = None
    stop_price: Decimal | None = None
    breakeven_at: datetime | None = None
    close_reason: str | None = None
    closed_at: datetime | None = None
    note: str | None = None
    exit_reason: str | None = None  # an exit under way: no take-profits, close until flat
    funding: Decimal = Decimal(0)  # funding received (+) or paid (−) while open

    @property
    def exiting(self) -> bool:
        """An exit is under way."""
        return self.exit_reason is not None

    @property
    def remaining(self) -> Decimal:
        """Position size still open (order units)."""
        return self.filled_qty - self.closed_qty

    @property
    def net_pnl(self) -> Decimal:
        """Realised PnL after fees and funding."""
        return self.realized_pnl - self.fees + self.funding

    @property
    def r_multiple(self) -> Decimal | None:
        """Net PnL in units of the planned risk."""
        risk = self.plan.risk_amount
        return (self.net_pnl / risk).quantize(_CENT, ROUND_HALF_EVEN) if risk else None
