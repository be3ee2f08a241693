"""Offers: one per entry alert, what people approve or reject, holding the trade(s) it opens.

An offer is decided once (a compare-and-set in the store). Whoever decides is an
:class:`Actor`: a person in Discord or on the web desk, or Greenlight itself (an expiry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from trading.alerts import Side
from trading.states import OfferStatus

__all__ = ["Actor", "Offer", "Via"]


class Via(StrEnum):
    """Where a decision or command came from."""

    DISCORD = "discord"
    WEB = "web"
    ALERT = "alert"
    GREENLIGHT = "greenlight"  # an expiry, a restart: nobody clicked


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: an id for the record, a name to show, and the interface."""

    id: str
    name: str
    via: Via

    @classmethod
    def greenlight(cls, name: str) -> Actor:
        """Greenlight acting on its own (``expiry``, ``restart``)."""
        return cls(name, name, Via.GREENLIGHT)


@dataclass(frozen=True, slots=True)
class Offer:
    """An entry alert offered for a decision."""

    id: str
    alert_id: str
    symbol: str
    side: Side
    status: OfferStatus
    created_at: datetime
    updated_at: datetime
    strategy: str | None = None
    timeframe: str | None = None
    expires_at: datetime | None = None
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_via: str | None = None
    decided_at: datetime | None = None
    channel_id: str | None = None
    message_id: str | None = None
    thread_id: str | None = None
    note: str | None = None
