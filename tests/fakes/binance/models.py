"""The records of the fake Binance USD-M exchange: orders, conditional orders, fills, income.

Plain dataclasses with ``Decimal`` amounts; the engine (:mod:`.engine`) owns and changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ..shared.decimals import ZERO, to_decimal

__all__ = [
    "ALGO_TYPES",
    "OPEN_STATUSES",
    "TRAILING",
    "ZERO",
    "AlgoOrder",
    "EngineEvent",
    "Income",
    "Order",
    "OrderRequest",
    "Position",
    "Trade",
    "fires_below",
    "to_decimal",
]

OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
TRAILING = "TRAILING_STOP_MARKET"
ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT", TRAILING)


def fires_below(side: str, order_type: str) -> bool:
    """A sell stop (trailing too) or a buy take-profit triggers when the price falls to it."""
    is_stop = order_type.startswith("STOP") or order_type == TRAILING
    return (side == "SELL") == is_stop


@dataclass
class OrderRequest:
    """The parameters of a new order, regular or conditional, as Binance received them."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool | None = None  # None: the parameter was not sent
    close_position: bool = False
    client_id: str | None = None
    working_type: str | None = None
    algo_type: str | None = None
    callback_rate: Decimal | None = None
    activate_price: Decimal | None = None


@dataclass
class Order:
    """A regular (matching engine) order."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal
    time_in_force: str
    reduce_only: bool
    status: str = "NEW"
    time: int = 0
    update_time: int = 0
    seq: int = 0
    close_position: bool = False
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    algo_id: int | None = None  # set when a conditional order placed it

    @property
    def client_id(self) -> str:
        return self.client_order_id

    @property
    def avg_price(self) -> Decimal:
        """Volume-weighted fill price, 0 before the first fill."""
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass
class AlgoOrder:
    """A conditional order of the algo service (``/fapi/v1/algoOrder``).

    A trailing stop (``TRAILING_STOP_MARKET``) has no fixed trigger: once ``activated`` (at
    placement without an activation price, else when the price reaches it) it follows the
    best price since activation and fires when the price retraces ``callback_rate`` percent.
    """

    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal = ZERO
    time_in_force: str = "GTC"
    reduce_only: bool = False
    close_position: bool = False
    working_type: str = "CONTRACT_PRICE"
    status: str = "NEW"
    create_time: int = 0
    update_time: int = 0
    seq: int = 0
    trigger_time: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO
    actual_qty: Decimal = ZERO
    callback_rate: Decimal | None = None  # percent, trailing stops only
    activate_price: Decimal | None = None
    activated: bool = False
    best_price: Decimal | None = None  # highest (sell) / lowest (buy) price since activation

    @property
    def client_id(self) -> str:
        return self.client_algo_id

    @property
    def is_open(self) -> bool:
        return self.status == "NEW"

    @property
    def is_trailing(self) -> bool:
        return self.order_type == TRAILING

    @property
    def fires_below(self) -> bool:
        return fires_below(self.side, self.order_type)

    def trailing_level(self, tick: Decimal) -> Decimal | None:
        """The price at which an activated trailing stop fires (on the tick grid), else None."""
        if not self.activated or self.best_price is None or self.callback_rate is None:
            return None
        rate = self.callback_rate / 100
        if self.fires_below:
            level = self.best_price * (1 - rate)
            return (level / tick).to_integral_value(ROUND_FLOOR) * tick
        level = self.best_price * (1 + rate)
        return (level / tick).to_integral_value(ROUND_CEILING) * tick

    def track(self, low: Decimal, high: Decimal) -> None:
        """The market traded between ``low`` and ``high``: activate and move the best price."""
        if not self.is_trailing:
            return
        sell = self.fires_below
        if not self.activated:
            reached = self.activate_price is not None and (
                high >= self.activate_price if sell else low <= self.activate_price
            )
            if not reached:
                return
            self.activated, self.best_price = True, self.activate_price
        best = self.best_price if self.best_price is not None else (high if sell else low)
        self.best_price = max(best, high) if sell else min(best, low)


@dataclass
class Trade:
    """One fill, as ``GET /fapi/v1/userTrades`` reports it (commission in USDT)."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time: int

    @property
    def quote_qty(self) -> Decimal:
        return self.price * self.qty


@dataclass
class Position:
    """The one-way position of a symbol: signed ``size`` (short < 0) and average entry price."""

    symbol: str
    size: Decimal = ZERO
    entry_price: Decimal = ZERO
    update_time: int = 0
    realized: Decimal = ZERO  # accumulated pre-fee realized PnL (ACCOUNT_UPDATE "cr")


@dataclass
class Income:
    """One row of ``GET /fapi/v1/income``: a change of the USDT wallet."""

    tran_id: int
    symbol: str
    income_type: str  # REALIZED_PNL | COMMISSION | FUNDING_FEE
    income: Decimal
    time: int
    trade_id: str = ""


@dataclass(frozen=True)
class EngineEvent:
    """A change the user-data stream reports, raised by the engine the moment it happens.

    ``kind`` is ``order`` (``exec_type`` NEW, TRADE with ``trade``, CANCELED, EXPIRED),
    ``algo`` (the conditional order's new status) or ``account`` (wallet and the positions
    of ``symbols`` changed, for ``reason`` ORDER or FUNDING_FEE).
    """

    kind: str
    time: int
    order: Order | None = None
    algo: AlgoOrder | None = None
    trade: Trade | None = None
    exec_type: str = ""
    reason: str = ""
    symbols: tuple[str, ...] = field(default=())
