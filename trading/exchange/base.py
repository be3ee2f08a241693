"""The exchange interface the executor and monitor talk to, and the values it returns.

Adapters translate their library's errors into :mod:`trading.errors` at this boundary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from trading.alerts import Side
from trading.markets import Market
from trading.orders import OrderKind

__all__ = [
    "Balance",
    "Exchange",
    "ExchangeOrder",
    "OrderRequest",
    "OrderState",
    "Position",
]


class OrderState(StrEnum):
    """The exchange's view of an order (ccxt's unified statuses)."""

    OPEN = "open"
    CLOSED = "closed"  # filled (or, for a trigger order, fired)
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order to place. ``client_id`` makes the request idempotent."""

    symbol: str
    side: Side
    kind: OrderKind
    amount: Decimal
    client_id: str
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class ExchangeOrder:
    """An order as the exchange reports it.

    For a trigger order that fired, ``fill_order_id`` names the market order that filled.
    """

    id: str
    client_id: str | None
    symbol: str
    side: Side
    kind: OrderKind
    state: OrderState
    amount: Decimal
    filled: Decimal
    average: Decimal | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False
    fee: Decimal | None = None
    fill_order_id: str | None = None

    @property
    def remaining(self) -> Decimal:
        """What may still fill."""
        return self.amount - self.filled


@dataclass(frozen=True, slots=True)
class Position:
    """An open position (one-way mode): ``amount`` is positive, ``side`` says which way."""

    symbol: str
    side: Side
    amount: Decimal
    entry_price: Decimal
    mark_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    leverage: int | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    """The settle currency's balance."""

    currency: str
    total: Decimal
    free: Decimal
    used: Decimal


class Exchange(Protocol):
    """What Greenlight needs from an exchange; live and paper adapters implement it."""

    @property
    def name(self) -> str:
        """The exchange id, e.g. ``binanceusdm``."""

    @property
    def is_paper(self) -> bool:
        """True for the simulated exchange."""

    @property
    def markets(self) -> Mapping[str, Market]:
        """Markets by unified symbol (after :meth:`load_markets`)."""

    async def load_markets(self) -> Mapping[str, Market]:
        """Load (once) and return the markets."""

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, limit: int, since_ms: int | None = None
    ) -> list[list[float]]:
        """Candles ``[ms, open, high, low, close, volume]``, oldest first."""

    async def fetch_price(self, symbol: str) -> Decimal:
        """The last traded price."""

    async def fetch_balance(self) -> Balance:
        """Balance of the settle currency."""

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        """Open positions (zero-size ones left out)."""

    async def fetch_open_orders(self, symbol: str) -> list[ExchangeOrder]:
        """Open orders of ``symbol``, trigger orders included."""

    async def fetch_order(self, symbol: str, order_id: str, kind: OrderKind) -> ExchangeOrder:
        """One order by exchange id."""

    async def find_order(
        self, symbol: str, client_id: str, kind: OrderKind
    ) -> ExchangeOrder | None:
        """An order by client id, or ``None`` when the exchange never got it."""

    async def create_order(self, request: OrderRequest) -> ExchangeOrder:
        """Place an order. An ambiguous failure raises ``AmbiguousOrderError``."""

    async def cancel_order(self, symbol: str, order_id: str, kind: OrderKind) -> None:
        """Cancel an order; an order already gone raises ``OrderNotFound``."""

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage used by the next orders on ``symbol``."""

    async def order_fee(self, symbol: str, order_id: str, kind: OrderKind) -> Decimal | None:
        """What the exchange charged for an order's fills (``None``: it does not say)."""

    async def fetch_funding(self, symbol: str, since_ms: int) -> Decimal:
        """Funding received (+) or paid (−) on ``symbol`` since ``since_ms``."""

    async def hedge_mode(self, symbol: str) -> bool | None:
        """Whether the account holds two-sided (hedge) positions (``None``: not said)."""

    async def margin_mode(self, symbol: str) -> str | None:
        """``cross`` or ``isolated`` for ``symbol`` (``None``: not said)."""

    async def close(self) -> None:
        """Release connections."""
