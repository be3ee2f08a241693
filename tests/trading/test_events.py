"""Typed events: every kind is stored as a kind plus JSON and read back as the same value."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from trading.events import (
    EVENT_TYPES,
    AlertActed,
    AlertNotOffered,
    CloseFailed,
    EntryFilled,
    EntryPlaced,
    Event,
    OfferApproved,
    OfferExpired,
    OfferMade,
    OfferRejected,
    PositionReduced,
    ProtectionFailed,
    ProtectionPlaced,
    ProtectiveOrder,
    StopFilled,
    StopMoved,
    TakeProfitFilled,
    TradeCancelled,
    TradeClosed,
    TradeFailed,
    TradeWarning,
    TradingPaused,
    TradingResumed,
    decode,
    encode,
)
from trading.store.database import Database
from trading.store.trades import TradeStore

D = Decimal
NOW = datetime(2021, 11, 17, 10, tzinfo=UTC)

#: one event of every kind, with no field left at its default
EXAMPLES: list[Event] = [
    OfferMade("XRP/USDT:USDT", "buy"),
    AlertNotOffered("XRPUSDT.P", "sell", "trading is paused", "paused"),
    AlertActed("tp2"),
    OfferApproved("alice", "1001", "web", D("1.0707")),
    OfferRejected("bob", "1002", "discord"),
    OfferExpired(),
    TradingPaused("alice", "discord"),
    TradingResumed("bob", "web"),
    TradeCancelled("cancel alert"),
    TradeFailed("the entry was refused: Margin is insufficient."),
    EntryPlaced("limit", D("1.0650"), D("10000.0")),
    EntryFilled(D("1200.0"), D("1.0001"), D("1200.0"), D("0.48004"), D("5000.0")),
    ProtectionPlaced(
        (
            ProtectiveOrder("stop", D("5000.0"), D("0.98")),
            ProtectiveOrder("tp1", D("1500.0"), D("1.02")),
        ),
        True,
    ),
    TakeProfitFilled(1, D("1.00"), D("1500.0"), D("1.02"), D("30.000"), D("0.612"), D("3500.0")),
    StopMoved(D("0.9800"), D("1.0010"), "TP1 filled", True, D("3500.0")),
    StopFilled(D("3500.0"), D("1.001"), D("3.5"), D("1.4014"), D("100.0"), True),
    PositionReduced(D("2500.0"), "closed by alice", D("2500.0"), D("1.01"), D("25"), D("1.01")),
    TradeClosed("take-profit", D("385.97801"), D("8.15"), D("377.82801"), D("3.78")),
    TradeWarning("the TP2 was refused: Order would immediately trigger."),
    ProtectionFailed("the stop could not be placed; closing the position at market", D("5000")),
    CloseFailed("the position could not be closed: ReduceOnly Order is rejected.", D("5000")),
]


def test_every_kind_has_an_example_and_a_unique_kind() -> None:
    assert sorted(type(e).kind for e in EXAMPLES) == sorted(EVENT_TYPES)
    assert {cls.kind for cls in Event.__subclasses__()} == set(EVENT_TYPES)


def test_the_examples_set_every_field() -> None:
    for event in EXAMPLES:
        for f in fields(event):  # type: ignore[arg-type]
            assert getattr(event, f.name) != f.default, (event, f.name)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).kind)
def test_each_kind_encodes_and_decodes_to_itself(event: Event) -> None:
    text = encode(event)

    assert decode(event.kind, text) == event
    assert "E+" not in text and "E-" not in text  # decimals written as plain numbers


async def test_every_kind_round_trips_through_the_store(database: Database) -> None:
    store = TradeStore(database)
    async with store.begin() as tx:
        for event in EXAMPLES:
            await tx.add_event(event, now=NOW)

    async with store.read() as tx:
        stored = await tx.undelivered(limit=len(EXAMPLES) + 1)

    assert [s.event for s in stored] == EXAMPLES
    assert all(s.created_at == NOW for s in stored)


def test_events_stored_by_the_previous_version_still_read() -> None:
    """Rows written before events were typed: a kind and the old dict, keys as they were."""
    old = {
        "stop_moved": {"from": "1.0600", "to": "1.0718", "reason": "TP1 filled",
                       "breakeven": True, "remaining": "6542.0"},
        "position_reduced": {"amount": "5000.0", "by": "outside Greenlight", "remaining": "0.0"},
        "expired": {"by": "expiry", "by_id": "expiry"},
        "approved": {"by": "alice", "by_id": "1001", "price": "1.0707"},
    }  # fmt: skip

    assert decode("stop_moved", json.dumps(old["stop_moved"])) == StopMoved(
        D("1.0600"), D("1.0718"), "TP1 filled", True, D("6542.0")
    )
    assert decode("position_reduced", json.dumps(old["position_reduced"])) == PositionReduced(
        D("5000.0"), "outside Greenlight", D("0.0")
    )
    assert decode("expired", json.dumps(old["expired"])) == OfferExpired()  # extra keys ignored
    assert decode("approved", json.dumps(old["approved"])) == OfferApproved(
        "alice", "1001", "", D("1.0707")
    )


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(KeyError):
        decode("teleported", "{}")
