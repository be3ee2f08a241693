"""Leg faults, look-up faults and the protection ledger of the fake Binance, through real ccxt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import ccxt.async_support as ccxt
import pytest
from ccxt.base.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    ExchangeError,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    OperationRejected,
    OrderImmediatelyFillable,
    OrderNotFound,
    RequestTimeout,
)

from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.clients import rest_session
from tests.fakes.exchange import FAULT_KINDS, unprotected_spans

XRP = "XRP/USDT:USDT"
D = Decimal
ENTRY, STOP, TP = "gl-t1-entry-1", "gl-t1-stop-1", "gl-t1-tp1-1"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures() as server:
        yield server


@pytest.fixture
async def ex(fake: FakeBinanceFutures) -> AsyncIterator[ccxt.binanceusdm]:
    """A client with a 500 ms timeout, so that the hanging faults end quickly."""
    async with rest_session(fake, timeout_ms=500) as exchange:
        yield exchange


async def _enter(ex: ccxt.binanceusdm, client_id: str = ENTRY, amount: float = 1000) -> dict:
    return await ex.create_order(XRP, "market", "buy", amount, None, {"clientOrderId": client_id})


async def _stop(ex: ccxt.binanceusdm, client_id: str = STOP, **extra: object) -> dict:
    params = {"stopLossPrice": 0.48, "reduceOnly": True, "clientOrderId": client_id, **extra}
    return await ex.create_order(XRP, "market", "sell", 1000, None, params)


ENTRY_OUTCOMES = [  # kind, ccxt error, whether the order exists afterwards
    ("error_before", ExchangeNotAvailable, False),
    ("error_after", ExchangeNotAvailable, True),
    ("timeout_before", RequestTimeout, False),
    ("timeout_after", RequestTimeout, True),
    ("reject", InvalidOrder, False),
    ("reject_margin", InsufficientFunds, False),
]


def test_outcomes_cover_every_kind_of_the_contract() -> None:
    assert tuple(kind for kind, _, _ in ENTRY_OUTCOMES) == FAULT_KINDS


@pytest.mark.parametrize(("kind", "error", "placed"), ENTRY_OUTCOMES)
async def test_entry_leg_faults(fake, ex, kind, error, placed) -> None:
    fake.fail_leg("entry", kind)
    with pytest.raises(error):
        await _enter(ex)
    assert [o.client_id for o in fake.orders("XRPUSDT")] == ([ENTRY] if placed else [])
    assert fake.position_size("XRPUSDT") == (D(1000) if placed else 0)
    if placed:
        found = await ex.fetch_order(None, XRP, {"clientOrderId": ENTRY})
        assert (found["status"], found["filled"]) == ("closed", 1000)
    else:
        with pytest.raises(OrderNotFound):
            await ex.fetch_order(None, XRP, {"clientOrderId": ENTRY})
    again = await _enter(ex, "gl-t1-entry-2")  # one fault only: the next attempt goes through
    assert again["status"] == "closed"


async def test_reject_codes_follow_the_order(fake, ex) -> None:
    fake.fail_leg("entry", "reject")
    with pytest.raises(InvalidOrder, match="-4164"):
        await _enter(ex)
    await _enter(ex, "gl-t1-entry-2")
    fake.fail_leg("stop", "reject")
    with pytest.raises(OrderImmediatelyFillable, match=r"-2021.*Order would immediately trigger"):
        await _stop(ex)
    fake.fail_leg("tp1", "reject")  # a reduce-only limit take-profit
    with pytest.raises(InvalidOrder, match="-2022"):
        await ex.create_order(
            XRP, "limit", "sell", 500, 0.52, {"reduceOnly": True, "clientOrderId": TP}
        )
    fake.fail_leg("stop", "reject_margin")
    with pytest.raises(InsufficientFunds, match="-2019"):
        await _stop(ex)
    assert fake.resting("XRPUSDT") == []
    stop = await _stop(ex, "gl-t1-stop-2")
    assert [o.client_id for o in fake.resting("XRPUSDT")] == [stop["clientOrderId"]]


async def test_stop_leg_accepted_before_a_lost_answer(fake, ex) -> None:
    await _enter(ex)
    fake.fail_leg("stop", "error_after")
    with pytest.raises(ExchangeNotAvailable):
        await _stop(ex)
    (stop,) = fake.resting("XRPUSDT")
    assert (stop.client_id, stop.kind, stop.trigger_price, stop.amount) == (
        STOP,
        "stop_market",
        D("0.48"),
        D(1000),
    )
    found = await ex.fetch_order(None, XRP, {"clientOrderId": STOP, "trigger": True})
    assert (found["status"], found["triggerPrice"]) == ("open", 0.48)


async def test_times_and_legs_are_independent(fake, ex) -> None:
    fake.fail_leg("stop", "error_before", times=2)
    await _enter(ex)  # the entry is not the stop leg
    for attempt in (1, 2):
        with pytest.raises(ExchangeNotAvailable):
            await _stop(ex, f"gl-t1-stop-{attempt}")
    await _stop(ex, "gl-t1-stop-3")
    await ex.create_order(XRP, "market", "sell", 10, None, {"clientOrderId": "stop"})  # no leg
    assert [o.client_id for o in fake.orders("XRPUSDT")] == [ENTRY, "gl-t1-stop-3", "stop"]
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail_leg("stop", "http_503")


async def test_leverage_pseudo_leg(fake, ex) -> None:
    fake.fail_leg("leverage", "reject")
    with pytest.raises(ExchangeError, match="-4028"):
        await ex.set_leverage(10, XRP)
    fake.fail_leg("leverage", "reject_margin")
    with pytest.raises(OperationRejected, match="-2028"):
        await ex.set_leverage(10, XRP)
    assert fake.leverage["XRPUSDT"] == 20
    fake.fail_leg("leverage", "error_after")
    with pytest.raises(ExchangeNotAvailable):
        await ex.set_leverage(10, XRP)
    assert fake.leverage["XRPUSDT"] == 10
    fake.fail_leg("leverage", "timeout_before")
    with pytest.raises(RequestTimeout):
        await ex.set_leverage(5, XRP)
    assert fake.leverage["XRPUSDT"] == 10


async def test_lookups_fail_then_recover(fake, ex) -> None:
    await _enter(ex)
    await _stop(ex)
    fake.fail_lookups(5)
    await ex.fetch_ticker(XRP)  # not a look-up: consumes nothing
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_order(None, XRP, {"clientOrderId": ENTRY})
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_order(None, XRP, {"clientOrderId": STOP, "trigger": True})
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_open_orders(XRP)
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_open_orders(XRP, params={"trigger": True})
    await ex.create_order(XRP, "market", "buy", 20)  # placements are not look-ups
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_orders(XRP)
    assert len(await ex.fetch_orders(XRP)) == 2
    assert [
        o["clientOrderId"] for o in await ex.fetch_open_orders(XRP, params={"trigger": True})
    ] == [STOP]


# ----------------------------------------------------------------------- ledger
async def test_ledger_spans_until_the_first_stop(fake, ex) -> None:
    await ex.fetch_ticker(XRP)
    assert fake.ledger == []  # flat, nothing resting: no entry
    await _enter(ex)
    await ex.fetch_positions([XRP])
    await _stop(ex)
    await ex.create_order(
        XRP, "market", "sell", 500, None, {"takeProfitPrice": 0.52, "reduceOnly": True}
    )
    (span,) = unprotected_spans(fake.ledger, "XRPUSDT")
    assert span.requests == [  # ccxt loads the leverage brackets before the first positions
        "POST /fapi/v1/order leg=entry",
        "GET /fapi/v1/leverageBracket leg=-",
        "GET /fapi/v3/positionRisk leg=-",
    ]
    assert span.end is not None and span.end >= span.start
    last = fake.ledger[-1]
    assert (last.symbol, last.position, last.covered, last.exposed) == ("XRPUSDT", 1000, 1000, 0)
    assert last.request == "POST /fapi/v1/algoOrder leg=-"

    fake.set_price("XRPUSDT", "0.52")  # the take-profit halves the position; the stop covers it
    await ex.fetch_balance()
    assert (fake.ledger[-1].position, fake.ledger[-1].covered) == (500, 500)
    await ex.cancel_order(
        (await ex.fetch_open_orders(XRP, params={"trigger": True}))[0]["id"], XRP, {"trigger": True}
    )
    spans = unprotected_spans(fake.ledger, "XRPUSDT")
    assert len(spans) == 2 and spans[1].end is None
    assert spans[1].requests == ["DELETE /fapi/v1/algoOrder leg=-"]


async def test_ledger_counts_only_closing_reduce_only_stops(fake, ex) -> None:
    await _enter(ex)
    await ex.create_order(
        XRP, "market", "buy", 100, None, {"triggerPrice": 0.55, "reduceOnly": True}
    )
    await ex.create_order(XRP, "market", "sell", 400, None, {"stopLossPrice": 0.45})  # opens
    await ex.create_order(
        XRP, "market", "sell", 300, None, {"takeProfitPrice": 0.6, "reduceOnly": True}
    )
    await ex.create_order(
        XRP, "limit", "sell", 300, 0.49, {"stopLossPrice": 0.47, "reduceOnly": True}
    )
    assert fake.ledger[-1].covered == 0
    await _stop(ex)  # a reduce-only stop-market for the whole position
    assert fake.ledger[-1].covered == 1000
    fake.move_position_by_hand("XRPUSDT", D(500))  # more than the stop covers
    await ex.fetch_balance()
    assert (fake.ledger[-1].position, fake.ledger[-1].exposed) == (1500, 500)
    await ex.create_order(
        XRP, "market", "sell", None, None, {"stopLossPrice": 0.44, "closePosition": True}
    )
    assert (fake.ledger[-1].covered, fake.ledger[-1].exposed) == (1500, 0)


async def test_ledger_records_faulted_requests(fake, ex) -> None:
    await _enter(ex)
    fake.fail_leg("stop", "timeout_after")
    with pytest.raises(RequestTimeout):
        await _stop(ex)
    for _ in range(200):  # the fake serves the hung request once it sees the client gone
        if fake.ledger[-1].request.startswith("POST /fapi/v1/algoOrder"):
            break
        await asyncio.sleep(0.01)
    entry = fake.ledger[-1]
    assert (entry.request, entry.covered) == ("POST /fapi/v1/algoOrder leg=stop", 1000)
    (span,) = unprotected_spans(fake.ledger, "XRPUSDT")
    assert span.requests == ["POST /fapi/v1/order leg=entry"]


async def test_a_span_ends_when_the_position_closes_without_a_stop(fake, ex) -> None:
    await _enter(ex)
    await ex.create_order(XRP, "market", "sell", 1000, None, {"reduceOnly": True})
    await ex.fetch_ticker(XRP)
    (span,) = unprotected_spans(fake.ledger, "XRPUSDT")
    assert span.requests == ["POST /fapi/v1/order leg=entry"] and span.end is not None
    assert [(e.position, e.request) for e in fake.ledger] == [
        (1000, "POST /fapi/v1/order leg=entry"),
        (0, "POST /fapi/v1/order leg=-"),  # once more, flat: the span ends here
    ]


@pytest.mark.parametrize(
    ("kind", "error", "placed"),
    [
        ("http_500", ExchangeNotAvailable, False),
        ("http_503", ExchangeNotAvailable, False),
        ("timeout_before", RequestTimeout, False),
        ("timeout_after", RequestTimeout, True),
        ("lost_response", ExchangeNotAvailable, True),
    ],
)
async def test_fault_kinds(fake, quick, kind, error, placed) -> None:
    fake.fail_next("POST", "/fapi/v1/order", kind=kind)
    with pytest.raises(error):
        await quick.create_order(XRP, "market", "buy", 100, None, {"clientOrderId": f"f-{kind}"})
    assert len(fake.orders) == int(placed)
    if placed:  # the ambiguous case: the order exists and can be found by its client id
        found = await quick.fetch_order(None, XRP, {"clientOrderId": f"f-{kind}"})
        assert (found["status"], found["filled"]) == ("closed", 100)
    else:
        with pytest.raises(OrderNotFound):
            await quick.fetch_order(None, XRP, {"clientOrderId": f"f-{kind}"})
    assert (await quick.create_order(XRP, "market", "buy", 100))[
        "status"
    ] == "closed"  # next is fine


async def test_fault_times_and_wildcards(fake, ex) -> None:
    fake.fail_next("*", "/fapi/v1/ticker/24hr", kind="http_503", times=2)
    for _ in range(2):
        with pytest.raises(ExchangeNotAvailable):
            await ex.fetch_ticker(XRP)
    assert (await ex.fetch_ticker(XRP))["last"] == 0.5
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail_next("GET", "*", kind="boom")


@pytest.mark.parametrize(
    ("code", "msg", "error"),
    [
        (-2019, "Margin is insufficient.", InsufficientFunds),
        (-2022, "ReduceOnly Order is rejected.", InvalidOrder),
        (
            -4164,
            "Order's notional must be no smaller than 5 (unless you choose reduce only).",
            InvalidOrder,
        ),
        (-4116, "ClientOrderId is duplicated.", InvalidOrder),
        (-2021, "Order would immediately trigger.", OrderImmediatelyFillable),
        (-1111, "Precision is over the maximum defined for this asset.", BadRequest),
        (-1121, "Invalid symbol.", BadSymbol),
        (-2015, "Invalid API-key, IP, or permissions for action.", AuthenticationError),
    ],
)
async def test_reject_next_maps_like_binance(fake, ex, code, msg, error) -> None:
    fake.reject_next("POST", "/fapi/v1/order", code=code, msg=msg)
    with pytest.raises(error, match=str(code)):
        await ex.create_order(XRP, "market", "buy", 100)
    assert fake.orders == []
