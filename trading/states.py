"""Trade and order states, and the moves allowed between them.

A move not in :data:`TRADE_TRANSITIONS` raises :class:`IllegalTransition`. The store applies a
move as a compare-and-set, so two concurrent deciders cannot both win.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTIVE_STATUSES",
    "TRADE_TRANSITIONS",
    "IllegalTransition",
    "OrderStatus",
    "TradeStatus",
    "check_transition",
]


class TradeStatus(StrEnum):
    """Where a trade is in its life."""

    PENDING = "pending"  # offered in Discord, waiting for a decision
    APPROVED = "approved"  # an approver said yes; nothing placed yet
    ENTERING = "entering"  # the entry is on the exchange, not (fully) filled
    OPEN = "open"  # a position exists and is protected
    CLOSED = "closed"  # the position is gone
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # withdrawn before any fill
    FAILED = "failed"  # could not be entered

    @property
    def is_final(self) -> bool:
        """No move leaves this status."""
        return not TRADE_TRANSITIONS.get(self)


TRADE_TRANSITIONS: dict[TradeStatus, frozenset[TradeStatus]] = {
    TradeStatus.PENDING: frozenset(
        {TradeStatus.APPROVED, TradeStatus.REJECTED, TradeStatus.EXPIRED, TradeStatus.CANCELLED}
    ),
    TradeStatus.APPROVED: frozenset(
        {TradeStatus.ENTERING, TradeStatus.FAILED, TradeStatus.CANCELLED}
    ),
    TradeStatus.ENTERING: frozenset(
        {TradeStatus.OPEN, TradeStatus.FAILED, TradeStatus.CANCELLED, TradeStatus.CLOSED}
    ),
    TradeStatus.OPEN: frozenset({TradeStatus.CLOSED}),
}

#: Trades the monitor follows and alerts for the symbol act on.
ACTIVE_STATUSES = frozenset(
    {TradeStatus.PENDING, TradeStatus.APPROVED, TradeStatus.ENTERING, TradeStatus.OPEN}
)


class IllegalTransition(Exception):
    """A trade was asked to move where its state machine does not go."""


def check_transition(current: TradeStatus, new: TradeStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``current`` → ``new`` is allowed."""
    if new not in TRADE_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"a {current.value} trade cannot become {new.value}")


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
