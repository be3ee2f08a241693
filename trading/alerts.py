"""The alert model: what a TradingView alert asks for, typed and in ``Decimal``.

Parsing a payload into an :class:`Alert` lives in :mod:`trading.alert_parser`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = ["AcceptedAlert", "Alert", "AlertKind", "OrderType", "Side", "TakeProfitSpec"]


class Side(StrEnum):
    """Direction of the entry order: ``buy`` opens a long, ``sell`` a short."""

    BUY = "buy"
    SELL = "sell"

    @property
    def is_long(self) -> bool:
        """True for a long (buy) trade."""
        return self is Side.BUY

    @property
    def opposite(self) -> Side:
        """The side that reduces a position opened with this side."""
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        """+1 for long, -1 for short: profit is ``sign * (exit - entry) * size``."""
        return 1 if self is Side.BUY else -1

    @property
    def label(self) -> str:
        """``LONG`` or ``SHORT``, as traders say it."""
        return "LONG" if self is Side.BUY else "SHORT"


class AlertKind(StrEnum):
    """What the alert asks Greenlight to do."""

    ENTRY = "entry"
    EXIT = "exit"
    TAKE_PROFIT = "tp"
    BREAKEVEN = "breakeven"
    CANCEL = "cancel"

    @property
    def needs_approval(self) -> bool:
        """Only entries wait for a trader; the others reduce risk and act at once."""
        return self is AlertKind.ENTRY


class OrderType(StrEnum):
    """How the entry is placed."""

    MARKET = "market"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True)
class TakeProfitSpec:
    """One rung of the take-profit ladder as the alert wrote it.

    Exactly one of ``price`` (absolute) and ``r`` (multiple of the entry-stop distance) is set.
    ``close_pct`` is the share of the position closed there; ``None`` means "a fair share of
    what remains" (see :func:`trading.plan.build_plan`).
    """

    price: Decimal | None = None
    r: Decimal | None = None
    close_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """A validated TradingView alert.

    Sizing fields (``qty``, ``notional``, ``risk_pct``) are mutually exclusive; when none is
    given the configured ``RISK_PER_TRADE_PCT`` applies.
    """

    kind: AlertKind
    ticker: str
    side: Side | None = None
    exchange: str | None = None
    interval: str | None = None
    price: Decimal | None = None
    time: datetime | None = None
    stop_loss: Decimal | None = None
    take_profits: tuple[TakeProfitSpec, ...] = ()
    order_type: OrderType = OrderType.MARKET
    qty: Decimal | None = None
    notional: Decimal | None = None
    risk_pct: Decimal | None = None
    leverage: int | None = None
    strategy: str | None = None
    tp_index: int | None = None
    idempotency_key: str | None = None
    subaccount: str | None = None
    message: str = "entry"
    breakeven_price: Decimal | None = None  # a …breakeven alert's own level, when it gives one


@dataclass(frozen=True, slots=True)
class AcceptedAlert:
    """An alert that was stored and acknowledged, waiting to be processed."""

    alert_id: str
    alert: Alert
    received_at: datetime
