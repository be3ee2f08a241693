"""What happened, as typed events: stored before anyone is told, read back as the same types.

Each event is a small frozen dataclass named in the past tense. The store keeps its ``kind``
(a stable string) and its fields as JSON (decimals as strings); :func:`decode` turns a stored
row back into the type, so renderers (Discord, the web desk) match on types, never on keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, get_type_hints

__all__ = [
    "EVENT_TYPES",
    "AlertActed",
    "AlertNotOffered",
    "CloseFailed",
    "EntryFilled",
    "EntryPlaced",
    "Event",
    "OfferApproved",
    "OfferExpired",
    "OfferMade",
    "OfferRejected",
    "PositionReduced",
    "ProtectionFailed",
    "ProtectionPlaced",
    "ProtectiveOrder",
    "StopFilled",
    "StopMoved",
    "StoredEvent",
    "TakeProfitFilled",
    "TradeCancelled",
    "TradeClosed",
    "TradeFailed",
    "TradeWarning",
    "TradingPaused",
    "TradingResumed",
    "decode",
    "encode",
]


class Event:
    """Base of every event; ``kind`` is what the store keeps."""

    kind: ClassVar[str]
    #: field name -> JSON key, where the key is not a valid Python name
    json_keys: ClassVar[dict[str, str]] = {}


EVENT_TYPES: dict[str, type[Event]] = {}


_E = TypeVar("_E", bound=type[Event])


def _register(cls: _E) -> _E:
    EVENT_TYPES[cls.kind] = cls
    return cls


# --- offers and alerts ----------------------------------------------------------------


@_register
@dataclass(frozen=True, slots=True)
class OfferMade(Event):
    """An entry alert became an offer waiting for a decision."""

    kind: ClassVar[str] = "offered"
    symbol: str = ""
    side: str = ""


@_register
@dataclass(frozen=True, slots=True)
class AlertNotOffered(Event):
    """An entry alert was recorded but not offered (paused, refused plan...)."""

    kind: ClassVar[str] = "not_offered"
    ticker: str = ""
    side: str | None = None
    reason: str = ""
    refusal: str = ""


@_register
@dataclass(frozen=True, slots=True)
class AlertActed(Event):
    """An exit / tpN / breakeven / cancel alert arrived for a trade (what it did follows)."""

    kind: ClassVar[str] = "alert_acted"
    name: str = ""


@_register
@dataclass(frozen=True, slots=True)
class OfferApproved(Event):
    """Someone approved the offer."""

    kind: ClassVar[str] = "approved"
    by: str = ""
    by_id: str = ""
    via: str = ""
    price: Decimal | None = None


@_register
@dataclass(frozen=True, slots=True)
class OfferRejected(Event):
    """Someone rejected the offer."""

    kind: ClassVar[str] = "rejected"
    by: str = ""
    by_id: str = ""
    via: str = ""


@_register
@dataclass(frozen=True, slots=True)
class OfferExpired(Event):
    """Nobody decided in time."""

    kind: ClassVar[str] = "expired"


@_register
@dataclass(frozen=True, slots=True)
class TradingPaused(Event):
    """New entries stop being offered and entered."""

    kind: ClassVar[str] = "paused"
    by: str = ""
    via: str = ""


@_register
@dataclass(frozen=True, slots=True)
class TradingResumed(Event):
    """New entries are offered again."""

    kind: ClassVar[str] = "resumed"
    by: str = ""
    via: str = ""


# --- a trade's life -------------------------------------------------------------------


@_register
@dataclass(frozen=True, slots=True)
class TradeCancelled(Event):
    """Withdrawn before any fill."""

    kind: ClassVar[str] = "cancelled"
    reason: str = ""


@_register
@dataclass(frozen=True, slots=True)
class TradeFailed(Event):
    """The trade could not be entered."""

    kind: ClassVar[str] = "failed"
    reason: str = ""


@_register
@dataclass(frozen=True, slots=True)
class EntryPlaced(Event):
    """A limit entry rests on the exchange (a market entry fills at once instead)."""

    kind: ClassVar[str] = "entry_placed"
    order_type: str = ""
    price: Decimal | None = None
    amount: Decimal | None = None


@_register
@dataclass(frozen=True, slots=True)
class EntryFilled(Event):
    """Some or all of the entry filled."""

    kind: ClassVar[str] = "entry_filled"
    amount: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    filled: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    planned: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProtectiveOrder:
    """One reduce-only order of a :class:`ProtectionPlaced`."""

    leg: str
    amount: Decimal
    trigger: Decimal


@_register
@dataclass(frozen=True, slots=True)
class ProtectionPlaced(Event):
    """Stop and take-profits placed (``first``) or replaced."""

    kind: ClassVar[str] = "protection_placed"
    orders: tuple[ProtectiveOrder, ...] = ()
    first: bool = False


@_register
@dataclass(frozen=True, slots=True)
class TakeProfitFilled(Event):
    """A take-profit rung filled."""

    kind: ClassVar[str] = "take_profit_filled"
    index: int = 0
    r: Decimal | None = None
    amount: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    pnl: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    remaining: Decimal = Decimal(0)


@_register
@dataclass(frozen=True, slots=True)
class StopMoved(Event):
    """The stop went to a new level (breakeven, for now)."""

    kind: ClassVar[str] = "stop_moved"
    json_keys: ClassVar[dict[str, str]] = {"from_price": "from", "to_price": "to"}
    from_price: Decimal | None = None
    to_price: Decimal | None = None
    reason: str = ""
    breakeven: bool = False
    remaining: Decimal | None = None


@_register
@dataclass(frozen=True, slots=True)
class StopFilled(Event):
    """The stop fired."""

    kind: ClassVar[str] = "stop_filled"
    amount: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    pnl: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    remaining: Decimal = Decimal(0)
    breakeven: bool = False


@_register
@dataclass(frozen=True, slots=True)
class PositionReduced(Event):
    """The position shrank by other means: a close, or a trader outside Greenlight."""

    kind: ClassVar[str] = "position_reduced"
    amount: Decimal = Decimal(0)
    by: str = ""
    remaining: Decimal = Decimal(0)
    price: Decimal | None = None
    pnl: Decimal | None = None
    fee: Decimal | None = None


@_register
@dataclass(frozen=True, slots=True)
class TradeClosed(Event):
    """The position is gone; the trade's result."""

    kind: ClassVar[str] = "closed"
    reason: str = ""
    pnl: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    r: Decimal | None = None


@_register
@dataclass(frozen=True, slots=True)
class TradeWarning(Event):
    """Something a trader must read: an order refused, an answer not received."""

    kind: ClassVar[str] = "error"
    message: str = ""


@_register
@dataclass(frozen=True, slots=True)
class ProtectionFailed(Event):
    """The position is (or was about to be) without a stop: loud."""

    kind: ClassVar[str] = "unprotected"
    message: str = ""
    remaining: Decimal | None = None


@_register
@dataclass(frozen=True, slots=True)
class CloseFailed(Event):
    """The exchange refused to close the position for a reason a person must handle: loud."""

    kind: ClassVar[str] = "close_failed"
    message: str = ""
    remaining: Decimal | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: which offer and trade it belongs to, and when."""

    id: int
    offer_id: str | None
    trade_id: str | None
    event: Event
    created_at: datetime
    delivered_at: datetime | None = None


# --- the codec --------------------------------------------------------------------------


def encode(event: Event) -> str:
    """The event's fields as JSON (decimals as exact strings)."""
    return json.dumps(_plain(event), separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Event | ProtectiveOrder):
        keys = getattr(value, "json_keys", {})
        return {keys.get(f.name, f.name): _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def decode(kind: str, text: str) -> Event:
    """The event stored as ``kind`` and JSON ``text``.

    Raises
    ------
    KeyError
        For a kind this version does not know.
    """
    return _build(EVENT_TYPES[kind], json.loads(text))


def _build(cls: type[Any], data: dict[str, Any]) -> Any:
    hints = get_type_hints(cls)
    keys = getattr(cls, "json_keys", {})
    values = {}
    for f in fields(cls):
        key = keys.get(f.name, f.name)
        if key in data:
            values[f.name] = _value(hints[f.name], data[key])
    return cls(**values)


def _value(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    text = str(hint)
    if hint is Decimal or "Decimal" in text:
        return Decimal(str(raw))
    if "ProtectiveOrder" in text:
        return tuple(_build(ProtectiveOrder, item) for item in raw)
    if hint is bool:
        return bool(raw)
    if hint is int:
        return int(raw)
    return raw
