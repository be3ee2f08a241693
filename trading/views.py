"""The desk's read side as typed views: what every interface shows, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trading.exchange.base import Balance, Position
from trading.markets import Market
from trading.offer import Offer
from trading.orders import OrderRecord
from trading.states import OfferStatus, TradeStatus
from trading.trade import Trade

__all__ = [
    "DeskStatus",
    "OfferView",
    "OrderLine",
    "PnlSummary",
    "PositionsView",
    "Stage",
    "stage_of",
    "trade_stage",
]

_ZERO = Decimal(0)


class Stage(StrEnum):
    """Where an offer and its trade stand, as one word for whoever shows it."""

    WAITING = "waiting"  # for a decision
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # a cancel or exit alert came first
    PLACING = "placing"  # approved, the entry about to go out
    ENTRY_WORKING = "entry_working"  # a limit entry rests
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"  # approved, but it could not be entered
    CANCELLED = "cancelled"  # approved, then cancelled before any fill


_TRADE_STAGES = {
    TradeStatus.PENDING: Stage.WAITING,
    TradeStatus.APPROVED: Stage.PLACING,
    TradeStatus.ENTERING: Stage.ENTRY_WORKING,
    TradeStatus.OPEN: Stage.OPEN,
    TradeStatus.CLOSED: Stage.CLOSED,
    TradeStatus.FAILED: Stage.FAILED,
    TradeStatus.CANCELLED: Stage.CANCELLED,
    TradeStatus.REJECTED: Stage.REJECTED,
    TradeStatus.EXPIRED: Stage.EXPIRED,
}
_OFFER_STAGES = {
    OfferStatus.PENDING: Stage.WAITING,
    OfferStatus.REJECTED: Stage.REJECTED,
    OfferStatus.EXPIRED: Stage.EXPIRED,
    OfferStatus.CANCELLED: Stage.WITHDRAWN,
}


def stage_of(offer: Offer, trade: Trade | None) -> Stage:
    """The stage of an offer and (once approved) its trade."""
    if offer.status is OfferStatus.APPROVED and trade is not None:
        return _TRADE_STAGES[trade.status]
    return _OFFER_STAGES.get(offer.status, Stage.WITHDRAWN)


def trade_stage(trade: Trade) -> Stage:
    """The stage of a trade on its own."""
    return _TRADE_STAGES[trade.status]


@dataclass(frozen=True, slots=True)
class OfferView:
    """An offer with the trade(s) it holds."""

    offer: Offer
    trades: tuple[Trade, ...]

    @property
    def trade(self) -> Trade | None:
        """The first (with one account, the only) trade."""
        return self.trades[0] if self.trades else None

    @property
    def decidable(self) -> bool:
        """Approve and Reject still mean something."""
        return not self.offer.status.is_decided

    @property
    def stage(self) -> Stage:
        """Where the offer and its first trade stand."""
        return stage_of(self.offer, self.trade)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A working order and the trade it belongs to."""

    trade: Trade
    order: OrderRecord
    market: Market | None


@dataclass(frozen=True, slots=True)
class PositionsView:
    """Open trades beside the exchange's positions (``error`` when it could not be asked)."""

    mode: str
    trades: tuple[Trade, ...]
    positions: tuple[Position, ...]
    markets: dict[str, Market]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PnlSummary:
    """Realised results of the trades closed in a period."""

    days: int
    trades: tuple[Trade, ...]

    @property
    def currency(self) -> str:
        """The settle currency of the trades."""
        return self.trades[0].plan.settle if self.trades else "USDT"

    @property
    def net(self) -> Decimal:
        """Sum of net PnL."""
        return sum((t.net_pnl for t in self.trades), _ZERO)

    @property
    def fees(self) -> Decimal:
        """Sum of fees."""
        return sum((t.fees for t in self.trades), _ZERO)

    @property
    def wins(self) -> int:
        """Trades with a positive net PnL."""
        return sum(1 for t in self.trades if t.net_pnl > 0)

    @property
    def r_total(self) -> Decimal:
        """Sum of R multiples."""
        return sum((t.r_multiple or _ZERO for t in self.trades), _ZERO)

    @property
    def best(self) -> Trade | None:
        """The trade with the highest net PnL."""
        return max(self.trades, key=lambda t: t.net_pnl, default=None)

    @property
    def worst(self) -> Trade | None:
        """The trade with the lowest net PnL."""
        return min(self.trades, key=lambda t: t.net_pnl, default=None)


@dataclass(frozen=True, slots=True)
class DeskStatus:
    """The desk's health at a glance."""

    mode: str
    exchange: str
    reachable: bool
    paused: bool
    alerts_today: int
    open_trades: int
    pending: int
    uptime_s: float
    balance: Balance | None = None
