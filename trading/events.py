"""Trade events: what happened, stored before anyone is told.

Names are past tense. Each event carries plain JSON data; the Discord side turns it into
words in the trade's thread.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EventKind"]


class EventKind(StrEnum):
    """Kinds of trade events."""

    OFFERED = "offered"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    ENTRY_PLACED = "entry_placed"
    ENTRY_FILLED = "entry_filled"
    PROTECTION_PLACED = "protection_placed"
    TAKE_PROFIT_FILLED = "take_profit_filled"
    STOP_MOVED = "stop_moved"
    STOP_FILLED = "stop_filled"
    POSITION_REDUCED = "position_reduced"
    CLOSED = "closed"
    FAILED = "failed"
    ERROR = "error"
    UNPROTECTED = "unprotected"
    NOTICE = "notice"  # an alert that is not offered (paused, refused) — no trade attached
