"""The records of the fake Bybit v5 exchange: orders, executions, positions.

Plain dataclasses with ``Decimal`` amounts, shared by the engine (which changes them) and
the JSON shapes (which print them the way Bybit does).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..shared.decimals import ZERO, to_decimal

__all__ = [
    "OPEN_STATUSES",
    "ZERO",
    "Execution",
    "Order",
    "OrderRequest",
    "Position",
    "passes_filter",
    "to_decimal",
]

OPEN_STATUSES = ("New", "PartiallyFilled", "Untriggered", "Triggered")


@dataclass
class OrderRequest:
    """The parameters of ``POST /v5/order/create`` as the engine needs them."""

    symbol: str
    side: str  # "Buy" | "Sell"
    order_type: str  # "Market" | "Limit"
    qty: Decimal | None
    price: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool = False
    close_on_trigger: bool = False
    link_id: str = ""
    trigger_price: Decimal | None = None
    trigger_direction: int = 0  # 1: fires rising to the trigger, 2: falling to it
    position_idx: int = 0


@dataclass
class Order:
    """An order, active or conditional (a fired conditional order keeps its id)."""

    order_id: str
    link_id: str
    symbol: str
    side: str
    order_type: str
    qty: Decimal
    price: Decimal  # the limit price; a market order's worst acceptable price
    time_in_force: str
    reduce_only: bool
    close_on_trigger: bool
    trigger_price: Decimal | None
    trigger_direction: int
    status: str
    created: int
    updated: int
    seq: int
    last_price_on_created: Decimal
    cum_qty: Decimal = ZERO
    cum_value: Decimal = ZERO
    cum_fee: Decimal = ZERO
    cancel_type: str = "UNKNOWN"
    reject_reason: str = "EC_NoError"

    @property
    def conditional(self) -> bool:
        """Placed with a trigger price (Bybit's ``stopOrderType`` "Stop")."""
        return self.trigger_price is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def leaves_qty(self) -> Decimal:
        """What is still to fill (0 once the order is finished)."""
        return self.qty - self.cum_qty if self.is_open else ZERO

    @property
    def avg_price(self) -> Decimal:
        """Volume-weighted fill price, 0 before the first fill."""
        return self.cum_value / self.cum_qty if self.cum_qty else ZERO

    @property
    def closing_stop(self) -> bool:
        """A conditional reduce-only market order on the loss side of its position."""
        stop_dir = 2 if self.side == "Sell" else 1
        return (
            self.conditional
            and self.reduce_only
            and self.order_type == "Market"
            and self.trigger_direction == stop_dir
        )


@dataclass
class Execution:
    """One execution: a fill (``Trade``) or a funding payment (``Funding``)."""

    exec_id: str
    exec_type: str
    order: Order | None
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    fee: Decimal  # positive: paid
    fee_rate: Decimal
    is_maker: bool
    time: int
    seq: int
    mark_price: Decimal
    closed_size: Decimal = ZERO
    pnl: Decimal = ZERO
    funding_order_id: str = ""

    @property
    def value(self) -> Decimal:
        return self.price * self.qty

    @property
    def order_id(self) -> str:
        return self.order.order_id if self.order is not None else self.funding_order_id


@dataclass
class Position:
    """The one-way position of a symbol: signed ``size`` (short < 0) and average entry."""

    symbol: str
    size: Decimal = ZERO
    entry_price: Decimal = ZERO
    created: int = 0
    updated: int = 0
    cur_realised: Decimal = ZERO  # realised PnL - fees - funding of the current position
    cum_realised: Decimal = ZERO  # the same since the account opened
    seq: int = 0

    @property
    def side(self) -> str:
        return "Buy" if self.size > 0 else "Sell" if self.size < 0 else ""


def passes_filter(order: Order, order_filter: str | None) -> bool:
    """Bybit's ``orderFilter`` for linear: Order (active), StopOrder (conditional), or all."""
    if order_filter == "Order":
        return not order.conditional
    if order_filter == "StopOrder":
        return order.conditional
    return True
