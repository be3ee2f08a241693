"""The fake Binance as the shared FakeExchange contract sees it, and native trailing stops,
through real ccxt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import ccxt.async_support as ccxt
import pytest
from ccxt.base.errors import BadRequest, InvalidOrder, OrderImmediatelyFillable, OrderNotFound

from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.exchange import FakeExchange, RestingOrder

XRP, ETH = "XRP/USDT:USDT", "ETH/USDT:USDT"
D = Decimal


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures() as server:
        yield server


def _uses_contract(exchange: FakeExchange) -> str:
    return exchange.ccxt_id


async def test_contract_members_are_there(fake) -> None:
    assert _uses_contract(fake) == "binanceusdm"
    for name in [n for n in vars(FakeExchange) if not n.startswith("_")]:
        assert hasattr(fake, name), name
    assert (
        fake.ccxt_config()["urls"]["api"]["ws"]["linear"]
        == fake.tls_base_url.replace("https://", "wss://") + "/ws"
    )


async def test_orders_resting_and_position_size(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 1000, None, {"clientOrderId": "gl-t1-entry-1"})
    await ex.create_order(
        XRP, "limit", "sell", 400, 0.52, {"reduceOnly": True, "clientOrderId": "gl-t1-tp1-1"}
    )
    params = {"stopLossPrice": 0.48, "reduceOnly": True, "clientOrderId": "gl-t1-stop-1"}
    await ex.create_order(XRP, "market", "sell", 1000, None, params)
    params = {"takeProfitPrice": 0.55, "reduceOnly": True, "clientOrderId": "gl-t1-tp2-1"}
    await ex.create_order(XRP, "market", "sell", 600, None, params)
    await ex.create_order(ETH, "limit", "buy", 0.1, 2900, {"clientOrderId": "eth-1"})
    tp1 = RestingOrder("gl-t1-tp1-1", "sell", "limit", D(400), D("0.52"), None, True, "NEW")
    stop = RestingOrder(
        "gl-t1-stop-1", "sell", "stop_market", D(1000), None, D("0.48"), True, "NEW"
    )
    tp2 = RestingOrder(
        "gl-t1-tp2-1", "sell", "take_profit_market", D(600), None, D("0.55"), True, "NEW"
    )
    assert fake.resting("XRPUSDT") == [tp1, stop, tp2]
    assert [o.leg for o in fake.orders("XRPUSDT")] == ["entry", "tp1", "stop", "tp2"]
    assert fake.orders("XRPUSDT")[0] == RestingOrder(
        "gl-t1-entry-1", "buy", "market", D(1000), None, None, False, "FILLED", D(1000)
    )
    assert [o.client_id for o in fake.resting()] == [
        *(o.client_id for o in [tp1, stop, tp2]),
        "eth-1",
    ]
    assert fake.position_size("XRPUSDT") == D(1000) and fake.position_size("ETHUSDT") == 0

    fake.set_price("XRPUSDT", "0.55")  # the limit fills, then the take-profit fires
    assert [o.client_id for o in fake.resting("XRPUSDT")] == ["gl-t1-stop-1"]
    assert fake.position_size("XRPUSDT") == 0
    done = {o.client_id: (o.status, o.filled) for o in fake.orders("XRPUSDT")}
    assert done["gl-t1-tp1-1"] == ("FILLED", D(400)) and done["gl-t1-tp2-1"] == ("FINISHED", D(600))
    old = [o.type for o in fake.orders if o.symbol == "XRPUSDT"]  # the list it always was
    assert old == ["MARKET", "LIMIT", "MARKET"]  # the take-profit's actual order included


async def test_fill_limit_by_client_id_and_by_id(fake, ex) -> None:
    order = await ex.create_order(XRP, "limit", "buy", 300, 0.45, {"clientOrderId": "lim"})
    fake.fill_limit("XRPUSDT", "lim", D(100))
    assert fake.position_size("XRPUSDT") == D(100)
    (rest,) = fake.resting("XRPUSDT")
    assert (rest.status, rest.filled) == ("PARTIALLY_FILLED", D(100))
    fake.fill_limit_by_id(int(order["id"]), D(50))
    fake.fill_limit("XRPUSDT", "lim")
    fetched = await ex.fetch_order(order["id"], XRP)
    assert (fetched["status"], fetched["filled"], fetched["average"]) == ("closed", 300, 0.45)
    assert [t.maker for t in fake.trades] == [True, True, True]
    with pytest.raises(ValueError, match="no resting limit order 'lim'"):
        fake.fill_limit("XRPUSDT", "lim")


async def test_move_position_by_hand(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 1000)
    fake.move_position_by_hand("XRPUSDT", D(-400))
    fake.move_position_by_hand("XRPUSDT", D(-1000))  # flips the position short
    assert fake.position_size("XRPUSDT") == D(-400)
    (position,) = await ex.fetch_positions([XRP])
    assert (position["side"], position["contracts"], position["entryPrice"]) == ("short", 400, 0.5)
    hand = [o for o in fake.orders("XRPUSDT") if o.client_id.startswith("web_")]
    assert [(o.client_id, o.side, o.amount, o.leg) for o in hand] == [
        ("web_1", "sell", D(400), None),
        ("web_2", "sell", D(1000), None),
    ]
    trades = await ex.fetch_my_trades(XRP)
    assert [(t["side"], t["amount"]) for t in trades] == [
        ("buy", 1000),
        ("sell", 400),
        ("sell", 1000),
    ]


# ----------------------------------------------------------------- trailing stops
async def _long_with_trailing(ex: ccxt.binanceusdm, **params: object) -> dict:
    await ex.create_order(XRP, "market", "buy", 1000)
    extra = {"trailingPercent": 1, "reduceOnly": True, "clientOrderId": "trail", **params}
    return await ex.create_order(XRP, "market", "sell", 1000, None, extra)


async def test_trailing_stop_activates_trails_and_fires(fake, ex) -> None:
    trail = await _long_with_trailing(ex, trailingTriggerPrice=0.52)
    (sent,) = [p for m, path, p in fake.requests if path == "/fapi/v1/algoOrder"]
    assert (sent["type"], sent["callbackRate"], sent["activatePrice"], sent["algoType"]) == (
        "TRAILING_STOP_MARKET",
        "1",
        "0.52",
        "CONDITIONAL",
    )
    (listed,) = await ex.fetch_open_orders(XRP, params={"trigger": True})
    info = listed["info"]
    assert (listed["id"], info["orderType"], info["callbackRate"], info["activatePrice"]) == (
        trail["id"],
        "TRAILING_STOP_MARKET",
        "1",
        "0.5200",
    )
    fake.play_candle("XRPUSDT", "0.5000", "0.5150", "0.4800", "0.4900")  # not activated: holds
    (waiting,) = fake.resting("XRPUSDT")
    assert (waiting.kind, waiting.trigger_price, waiting.status) == (
        "trailing_stop_market",
        D("0.52"),
        "NEW",
    )
    fake.set_price("XRPUSDT", "0.5300")  # activated; best 0.53, stop 0.5247
    assert fake.resting("XRPUSDT")[0].trigger_price == D("0.5247")
    fake.set_price("XRPUSDT", "0.5500")  # best 0.55: stop 0.5445 (0.55 x 0.99)
    fake.set_price("XRPUSDT", "0.5446")
    assert fake.resting("XRPUSDT")[0].trigger_price == D("0.5445")
    fake.play_candle("XRPUSDT", "0.5446", "0.5446", "0.5400", "0.5400")  # retraces through it
    assert fake.resting("XRPUSDT") == [] and fake.position_size("XRPUSDT") == 0
    assert (fake.trades[-1].price, fake.trades[-1].realized_pnl) == (D("0.5445"), D("44.5"))
    done = await ex.fetch_order(trail["id"], XRP, {"trigger": True})
    assert (done["status"], done["info"]["algoStatus"], done["info"]["actualPrice"]) == (
        "closed",
        "FINISHED",
        "0.5445",
    )
    fill = await ex.fetch_order(done["info"]["actualOrderId"], XRP)
    assert (fill["type"], fill["filled"], fill["average"], fill["reduceOnly"]) == (
        "market",
        1000,
        0.5445,
        True,
    )


async def test_trailing_stop_without_activation_price_gaps(fake, ex) -> None:
    await ex.create_order(XRP, "market", "sell", 1000)  # short: a buy trailing stop, 2 %
    params = {"trailingPercent": 2, "reduceOnly": True}
    await ex.create_order(XRP, "market", "buy", 1000, None, params)
    assert fake.resting("XRPUSDT")[0].trigger_price == D("0.51")  # active at once: 0.5 x 1.02
    fake.set_price("XRPUSDT", "0.4500")  # best 0.45: stop 0.459
    fake.set_price("XRPUSDT", "0.4589")
    assert fake.position_size("XRPUSDT") == D(-1000)
    fake.set_price("XRPUSDT", "0.4700")  # gaps over 0.459: fills at 0.47
    assert fake.position_size("XRPUSDT") == 0 and fake.trades[-1].price == D("0.47")
    assert fake.algo_orders[-1].status == "FINISHED"


async def test_trailing_stop_rules(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 1000)
    for rate in (0.05, 10.5):
        with pytest.raises(BadRequest, match=r"-1130.*callbackRate"):
            await ex.create_order(XRP, "market", "sell", 1000, None, {"trailingPercent": rate})
    params = {"trailingPercent": 1, "trailingTriggerPrice": 0.49}  # a sell activates above
    with pytest.raises(OrderImmediatelyFillable, match="-2021"):
        await ex.create_order(XRP, "market", "sell", 1000, None, params)
    params = {"trailingPercent": 1, "closePosition": True}
    with pytest.raises(InvalidOrder, match="-4136"):
        await ex.create_order(XRP, "market", "sell", None, None, params)
    with pytest.raises(InvalidOrder, match="-4120"):  # not on the regular order endpoint
        await ex.fapiPrivatePostOrder(
            {"symbol": "XRPUSDT", "side": "SELL", "type": "TRAILING_STOP_MARKET",
             "quantity": "1000", "callbackRate": "1"}
        )  # fmt: skip
    assert fake.algo_orders == []


async def test_trailing_stop_covers_once_active(fake, ex) -> None:
    await _long_with_trailing(ex, trailingTriggerPrice=0.52)
    assert fake.ledger[-1].covered == 0  # waiting for its activation: protects nothing yet
    fake.set_price("XRPUSDT", "0.5200")
    await ex.fetch_balance()
    assert (fake.ledger[-1].covered, fake.ledger[-1].exposed) == (1000, 0)


async def test_lookup_by_client_order_id(fake, ex) -> None:
    limit = await ex.create_order(XRP, "limit", "buy", 20, 0.49, {"clientOrderId": "lim-1"})
    found = await ex.fetch_order(None, XRP, {"clientOrderId": "lim-1"})
    assert (found["id"], found["status"], found["price"], found["type"]) == (
        limit["id"],
        "open",
        0.49,
        "limit",
    )
    algo = await ex.create_order(
        XRP, "market", "sell", 20, None, {"triggerPrice": 0.45, "clientOrderId": "alg-1"}
    )
    found = await ex.fetch_order(None, XRP, {"clientOrderId": "alg-1", "trigger": True})
    assert (found["id"], found["clientOrderId"], found["triggerPrice"]) == (
        algo["id"],
        "alg-1",
        0.45,
    )
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(None, XRP, {"clientOrderId": "nope"})
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(algo["id"], XRP)  # an algoId is not an orderId
    assert [o["id"] for o in await ex.fetch_orders(XRP)] == [limit["id"]]
    assert [o["id"] for o in await ex.fetch_orders(XRP, None, None, {"trigger": True})] == [
        algo["id"]
    ]
    assert (await ex.fetch_open_order(limit["id"], XRP))["clientOrderId"] == "lim-1"
    assert (await ex.cancel_order(limit["id"], XRP))["status"] == "canceled"
    cancelled = await ex.cancel_order(algo["id"], XRP, {"trigger": True})
    assert cancelled["info"]["msg"] == "success"
    with pytest.raises(OrderNotFound):
        await ex.cancel_order(limit["id"], XRP)


async def test_client_ids_unique_among_open_orders_only(fake, ex) -> None:
    first = await ex.create_order(XRP, "limit", "buy", 20, 0.49, {"clientOrderId": "dup"})
    with pytest.raises(InvalidOrder, match="-4116"):
        await ex.create_order(XRP, "limit", "buy", 20, 0.48, {"clientOrderId": "dup"})
    await ex.cancel_order(first["id"], XRP)
    again = await ex.create_order(XRP, "limit", "buy", 20, 0.48, {"clientOrderId": "dup"})
    assert again["id"] != first["id"]
    m1 = await ex.create_order(XRP, "market", "buy", 20, None, {"clientOrderId": "m-1"})
    m2 = await ex.create_order(XRP, "market", "buy", 20, None, {"clientOrderId": "m-1"})
    assert m1["status"] == m2["status"] == "closed" and m1["id"] != m2["id"]
    assert (await ex.fetch_order(None, XRP, {"clientOrderId": "m-1"}))["id"] == m2["id"]
    params = {"stopLossPrice": 0.4, "reduceOnly": True, "clientOrderId": "s-1"}
    await ex.create_order(XRP, "market", "sell", 40, None, params)
    with pytest.raises(InvalidOrder, match="-4116"):
        await ex.create_order(XRP, "market", "sell", 40, None, params)
