"""Refusals, leg faults, look-up faults and the protection ledger of the fake Bybit, through
real ccxt ``bybit``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ccxt.base.errors import (
    BadRequest,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimitExceeded,
    RequestTimeout,
)

from tests.fakes.bybit import FakeBybit
from tests.fakes.exchange import unprotected_spans

XRP, BTC = "XRP/USDT:USDT", "BTC/USDT:USDT"
D = Decimal
ACK = {"acknowledged": True}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBybit]:
    async with FakeBybit() as server:
        yield server


@pytest.mark.parametrize(
    ("make", "error", "code"),
    [
        ("margin", InsufficientFunds, 110007),
        ("stop_above_price", InvalidOrder, 110093),
        ("take_profit_below_price", InvalidOrder, 110092),
        ("duplicate_link_id", InvalidOrder, 110072),
        ("cancel_unknown", OrderNotFound, 110001),
        ("reduce_only_flat", InvalidOrder, 110017),
        ("reduce_only_same_side", InvalidOrder, 110017),
        ("min_notional", InvalidOrder, 110094),
        ("qty_step", BadRequest, 10001),
        ("price_band", InvalidOrder, 110003),
        ("rate_limit", RateLimitExceeded, 10006),
    ],
)
async def test_errors_map_to_the_ccxt_exceptions(fake, ex, make, error, code) -> None:
    async def attempt() -> None:
        if make == "margin":  # 2 BTC * 60000 / 10x = 12000 > 10000
            await ex.create_order(BTC, "market", "buy", 2)
        elif make == "stop_above_price":
            await ex.create_order(XRP, "market", "sell", 20, None, {"stopLossPrice": 0.51})
        elif make == "take_profit_below_price":
            await ex.create_order(XRP, "market", "sell", 20, None, {"takeProfitPrice": 0.49})
        elif make == "duplicate_link_id":
            await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "dup"})
            await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "dup"})
        elif make == "cancel_unknown":
            await ex.cancel_order("0f0f0f0f-0000-4000-8000-000000000000", XRP)
        elif make == "reduce_only_flat":
            await ex.create_order(XRP, "market", "sell", 20, None, {"reduceOnly": True})
        elif make == "reduce_only_same_side":
            await ex.create_order(XRP, "market", "buy", 20)
            await ex.create_order(XRP, "market", "buy", 20, None, {"reduceOnly": True})
        elif make == "min_notional":  # 9 XRP * 0.5 = 4.5 USDT < 5
            await ex.create_order(XRP, "market", "buy", 9)
        elif make == "qty_step":  # ccxt's implicit API skips its own rounding
            await ex.privatePostV5OrderCreate(
                {
                    "category": "linear",
                    "symbol": "XRPUSDT",
                    "side": "Buy",
                    "orderType": "Market",
                    "qty": "10.5",
                }
            )
        elif make == "price_band":  # a buy limit 12 % above the market (a sell that far is fine)
            await ex.create_order(XRP, "limit", "sell", 20, 0.56)
            await ex.create_order(XRP, "limit", "buy", 20, 0.56)
        else:
            fake.reject_next("POST", "/v5/order/create", 10006)
            await ex.create_order(XRP, "market", "buy", 20)

    with pytest.raises(error, match=f'"retCode":{code},'):
        await attempt()
    if make == "stop_above_price":
        with pytest.raises(InvalidOrder, match=r"trigger_price\[51000000\] >= current\[50000000\]"):
            await attempt()


@pytest.mark.parametrize(
    ("kind", "error", "placed"),
    [
        ("error_before", ExchangeNotAvailable, False),
        ("error_after", ExchangeNotAvailable, True),
        ("timeout_before", RequestTimeout, False),
        ("timeout_after", RequestTimeout, True),
        ("reject", BadRequest, False),
        ("reject_margin", InsufficientFunds, False),
    ],
)
async def test_fail_leg_on_the_entry(fake, quick, kind, error, placed) -> None:
    fake.fail_leg("entry", kind)
    params = {"clientOrderId": "gl-3-entry-1"}
    with pytest.raises(error):
        await quick.create_order(XRP, "market", "buy", 100, None, params)
    assert [o.client_id for o in fake.orders()] == (["gl-3-entry-1"] if placed else [])
    assert fake.position_size("XRPUSDT") == (100 if placed else 0)
    if placed:  # the ambiguous case: the order exists, found by its orderLinkId
        found = await quick.fetch_order(None, XRP, {**ACK, "orderLinkId": "gl-3-entry-1"})
        assert (found["status"], found["filled"]) == ("closed", 100)
        with pytest.raises(InvalidOrder, match="110072"):  # a blind retry is refused
            await quick.create_order(XRP, "market", "buy", 100, None, params)
    else:
        with pytest.raises(OrderNotFound):
            await quick.fetch_order(None, XRP, {**ACK, "orderLinkId": "gl-3-entry-1"})
    again = await quick.create_order(
        XRP, "market", "buy", 100, None, {"clientOrderId": "gl-3-entry-2"}
    )
    assert again["clientOrderId"] == "gl-3-entry-2"  # a fault is used once


async def test_fail_leg_matches_its_leg_only(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100, None, {"clientOrderId": "gl-4-entry-1"})
    fake.fail_leg("stop", "reject", times=2)
    fake.fail_leg("tp1", "reject_margin")
    tp = {"takeProfitPrice": 0.55, "reduceOnly": True, "clientOrderId": "gl-4-tp1-1"}
    with pytest.raises(InsufficientFunds, match="110007"):
        await ex.create_order(XRP, "market", "sell", 100, None, tp)
    for attempt in (1, 2):
        stop = {"stopLossPrice": 0.45, "reduceOnly": True, "clientOrderId": f"gl-4-stop-{attempt}"}
        with pytest.raises(InvalidOrder, match=r'"retCode":110093,.*trigger_price\[45000000\]'):
            await ex.create_order(XRP, "market", "sell", 100, None, stop)
    stop = {"stopLossPrice": 0.45, "reduceOnly": True, "clientOrderId": "gl-4-stop-3"}
    assert (await ex.create_order(XRP, "market", "sell", 100, None, stop))["id"]
    assert [o.client_id for o in fake.resting()] == ["gl-4-stop-3"]
    fake.fail_leg("leverage", "error_before")
    with pytest.raises(ExchangeNotAvailable):
        await ex.set_leverage(3, XRP)
    await ex.set_leverage(3, XRP)
    assert fake.leverage["XRPUSDT"] == 3
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail_leg("entry", "boom")


async def test_fail_lookups(fake, ex) -> None:
    order = await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "gl-5-entry-1"})
    fake.fail_lookups(3)
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_order(order["id"], XRP, ACK)
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_order(None, XRP, {**ACK, "orderLinkId": "gl-5-entry-1"})
    with pytest.raises(ExchangeNotAvailable):
        await ex.fetch_open_orders(XRP)
    assert [o["id"] for o in await ex.fetch_open_orders(XRP)] == [order["id"]]
    assert (await ex.fetch_positions([XRP]))[0]["contracts"] == 0  # other paths are spared


async def test_ledger_spans_with_unprotected_spans(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 1000, None, {"clientOrderId": "gl-8-entry-1"})
    stop = await ex.create_order(
        XRP,
        "market",
        "sell",
        600,
        None,
        {"stopLossPrice": 0.45, "reduceOnly": True, "clientOrderId": "gl-8-stop-1"},
    )
    await ex.create_order(
        XRP,
        "market",
        "sell",
        400,
        None,
        {"stopLossPrice": 0.44, "reduceOnly": True, "clientOrderId": "gl-8-stop-2"},
    )
    await ex.create_order(
        XRP,
        "market",
        "sell",
        1000,
        None,
        {"takeProfitPrice": 0.6, "reduceOnly": True, "clientOrderId": "gl-8-tp1-1"},
    )
    await ex.cancel_order(stop["id"], XRP)
    await ex.fetch_positions([XRP])
    await ex.create_order(XRP, "market", "sell", 1000, None, {"reduceOnly": True})
    await ex.fetch_balance()
    rows = [(e.request, e.position, e.covered) for e in fake.ledger if e.symbol == "XRPUSDT"]
    assert rows == [
        ("POST /v5/order/create leg=entry", D(1000), D(0)),
        ("POST /v5/order/create leg=stop", D(1000), D(600)),
        ("POST /v5/order/create leg=stop", D(1000), D(1000)),
        ("POST /v5/order/create leg=tp1", D(1000), D(1000)),  # a take-profit covers nothing
        ("POST /v5/order/cancel leg=-", D(1000), D(400)),
        ("GET /v5/position/list leg=-", D(1000), D(400)),
        ("POST /v5/order/create leg=-", D(0), D(0)),  # closed; the 0.44 stop still rests
        ("GET /v5/account/wallet-balance leg=-", D(0), D(0)),
    ]
    spans = unprotected_spans(fake.ledger, "XRPUSDT")
    assert [s.requests for s in spans] == [
        ["POST /v5/order/create leg=entry", "POST /v5/order/create leg=stop"],
        ["POST /v5/order/cancel leg=-", "GET /v5/position/list leg=-"],
    ]
    assert all(s.end is not None and s.seconds >= 0 for s in spans)
    assert unprotected_spans(fake.ledger, "BTCUSDT") == []
