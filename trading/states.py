"""Offer and trade states, and the moves allowed between them.

A move not in the transition tables raises :class:`IllegalTransition`. The store applies a move
as a compare-and-set, so two concurrent deciders cannot both win.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTIVE_STATUSES",
    "OFFER_TRANSITIONS",
    "OPEN_STATUSES",
    "TRADE_TRANSITIONS",
    "IllegalTransition",
    "OfferStatus",
    "TradeStatus",
    "check_offer_transition",
    "check_transition",
]


class OfferStatus(StrEnum):
    """Where an offer (one entry alert, waiting for a decision) stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # withdrawn by a cancel or exit alert before anyone decided

    @property
    def is_decided(self) -> bool:
        """No decision can be taken on it any more."""
        return self is not OfferStatus.PENDING


OFFER_TRANSITIONS: dict[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.PENDING: frozenset(
        {OfferStatus.APPROVED, OfferStatus.REJECTED, OfferStatus.EXPIRED, OfferStatus.CANCELLED}
    ),
}


class TradeStatus(StrEnum):
    """Where a trade (one account's position for an offer) is in its life."""

    PENDING = "pending"  # its offer waits for a decision
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
#: Trades with orders on the exchange (an entry working, or a position).
OPEN_STATUSES = frozenset({TradeStatus.ENTERING, TradeStatus.OPEN})


class IllegalTransition(Exception):
    """A trade or offer was asked to move where its state machine does not go."""


def check_transition(current: TradeStatus, new: TradeStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``current`` → ``new`` is allowed."""
    if new not in TRADE_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"a {current.value} trade cannot become {new.value}")


def check_offer_transition(current: OfferStatus, new: OfferStatus) -> None:
    """Raise :class:`IllegalTransition` unless the offer may go from ``current`` to ``new``."""
    if new not in OFFER_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"a {current.value} offer cannot become {new.value}")
