"""The fake Bybit v5 exchange, driven through the real ccxt ``bybit`` (REST)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt
import pytest
from ccxt.base.errors import (
    AuthenticationError,
    BadRequest,
    InvalidNonce,
    InvalidOrder,
    OrderNotFound,
)

from tests.fakes.bybit import FakeBybit
from tests.fakes.clients import rest_client

XRP, ETH, BTC = "XRP/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT"
D = Decimal
ACK = {"acknowledged": True}
TRIGGER = {"acknowledged": True, "trigger": True}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBybit]:
    async with FakeBybit() as server:
        yield server


def _sent(fake: FakeBybit, method: str, path: str) -> list[dict[str, object]]:
    return [p for m, pth, p in fake.requests if (m, pth) == (method, path)]


async def _bracket(ex: ccxt.bybit, symbol: str, side: str, qty: float, sl: float, tps: list):
    """Entry at market, a reduce-only stop for all of it and reduce-only take-profits."""
    close = "sell" if side == "buy" else "buy"
    entry = await ex.create_order(
        symbol, "market", side, qty, None, {"clientOrderId": "gl-7-entry-1"}
    )
    stop = await ex.create_order(
        symbol,
        "market",
        close,
        qty,
        None,
        {"stopLossPrice": sl, "reduceOnly": True, "clientOrderId": "gl-7-stop-1"},
    )
    takes = [
        await ex.create_order(
            symbol,
            "market",
            close,
            amount,
            None,
            {"takeProfitPrice": price, "reduceOnly": True, "clientOrderId": f"gl-7-tp{n}-1"},
        )
        for n, (price, amount) in enumerate(tps, start=1)
    ]
    return entry, stop, takes


async def test_markets_and_what_load_markets_asks(fake, ex) -> None:
    assert json.loads(json.dumps(fake.ccxt_config())) == fake.ccxt_config()
    assert set(ex.markets) == {BTC, ETH, XRP}
    expected = {  # tick, step, min qty, min notional, max leverage
        BTC: (0.1, 0.001, 0.001, 5.0, 100.0),
        ETH: (0.01, 0.01, 0.01, 5.0, 100.0),
        XRP: (0.0001, 1.0, 1.0, 5.0, 75.0),
    }
    for symbol, (tick, step, min_qty, notional, leverage) in expected.items():
        m = ex.market(symbol)
        assert (m["swap"], m["linear"], m["settle"], m["active"]) == (True, True, "USDT", True)
        assert (m["precision"]["price"], m["precision"]["amount"]) == (tick, step)
        assert (m["limits"]["amount"]["min"], m["limits"]["cost"]["min"]) == (min_qty, notional)
        assert m["limits"]["leverage"]["max"] == leverage
        assert m["info"]["contractType"] == "LinearPerpetual"
    asked = [(path, p.get("category"), p.get("status")) for _, path, p in fake.requests]
    assert sorted(asked, key=str) == sorted(
        [
            ("/v5/asset/coin/query-info", None, None),
            ("/v5/market/instruments-info", "linear", None),
            ("/v5/market/instruments-info", "linear", "PreLaunch"),
        ],
        key=str,
    )


async def test_markets_load_without_the_linear_only_option(fake) -> None:
    exchange = await rest_client(fake, options={})
    try:
        assert set(exchange.markets) == {BTC, ETH, XRP}
    finally:
        await exchange.close()
    categories = {p["category"] for _, path, p in fake.requests if "instruments" in path}
    assert categories == {"spot", "linear", "inverse", "option"}


async def test_ticker_info_and_what_fetch_balance_asks(fake, ex) -> None:
    """Tickers and balance as ccxt reads them: tests/fakes/test_fake_exchanges.py."""
    fake.set_price("XRPUSDT", "0.5123")
    ticker = await ex.fetch_ticker(XRP)
    assert ticker["info"]["lastPrice"] == "0.5123" and ticker["info"]["prevPrice24h"] == "0.5000"
    await ex.fetch_balance()
    asked = [path for _, path, _ in fake.requests]
    assert asked.count("/v5/user/query-api") == asked.count("/v5/account/info") == 1
    assert _sent(fake, "GET", "/v5/account/wallet-balance") == [{"accountType": "UNIFIED"}]


async def test_leverage_set_then_not_modified(fake, ex) -> None:
    await ex.set_leverage(5, XRP)
    assert fake.leverage["XRPUSDT"] == 5 and fake.leverage["BTCUSDT"] == 10
    assert (await ex.fetch_leverage(XRP))["longLeverage"] == 5
    with pytest.raises(BadRequest, match=r'"retCode":110043,"retMsg":"leverage not modified"'):
        await ex.set_leverage(5, XRP)
    with pytest.raises(BadRequest, match="10001"):
        await ex.set_leverage(76, XRP)
    sent = _sent(fake, "POST", "/v5/position/set-leverage")[0]
    assert sent == {
        "symbol": "XRPUSDT",
        "buyLeverage": "5",
        "sellLeverage": "5",
        "category": "linear",
    }


async def test_long_bracket_take_profit_then_stop(fake, ex) -> None:
    entry, sl, (tp1, tp2) = await _bracket(ex, XRP, "buy", 1000, 0.48, [(0.52, 500), (0.54, 500)])
    assert (entry["clientOrderId"], sl["clientOrderId"], tp2["clientOrderId"]) == (
        "gl-7-entry-1",
        "gl-7-stop-1",
        "gl-7-tp2-1",
    )
    placed = _sent(fake, "POST", "/v5/order/create")
    assert placed[1] == {
        "symbol": "XRPUSDT",
        "side": "Sell",
        "orderType": "Market",
        "orderLinkId": "gl-7-stop-1",
        "category": "linear",
        "qty": "1000",
        "triggerDirection": 2,
        "triggerPrice": "0.48",
        "reduceOnly": True,
    }
    assert (placed[2]["triggerDirection"], placed[2]["triggerPrice"]) == (1, "0.52")

    filled = await ex.fetch_order(entry["id"], XRP, ACK)
    assert (filled["status"], filled["filled"], filled["average"], filled["fee"]) == (
        "closed",
        1000,
        0.5,
        {"cost": 0.275, "currency": "USDT"},  # 500 USDT * 0.055 %
    )
    stop = await ex.fetch_order(None, XRP, {**TRIGGER, "orderLinkId": "gl-7-stop-1"})
    assert (stop["id"], stop["status"], stop["triggerPrice"], stop["stopLossPrice"]) == (
        sl["id"],
        "open",
        0.48,
        0.48,
    )
    assert stop["info"]["orderStatus"] == "Untriggered" and stop["reduceOnly"] is True
    assert stop["info"]["stopOrderType"] == "Stop" and stop["info"]["triggerBy"] == "LastPrice"
    take = await ex.fetch_order(tp1["id"], XRP, TRIGGER)
    assert (take["takeProfitPrice"], take["stopLossPrice"]) == (0.52, None)
    conditional = await ex.fetch_open_orders(XRP, params={"trigger": True})
    assert [o["clientOrderId"] for o in conditional] == ["gl-7-stop-1", "gl-7-tp1-1", "gl-7-tp2-1"]
    # without orderFilter Bybit lists every kind of order; "Order" lists the active ones
    assert len(await ex.fetch_open_orders(XRP)) == 3
    assert await ex.fetch_open_orders(XRP, params={"orderFilter": "Order"}) == []

    usdt = (await ex.fetch_balance())["USDT"]  # margin 500 / 10x = 50
    assert (usdt["total"], usdt["used"], usdt["free"]) == (9999.725, 50.0, 9949.725)
    (position,) = await ex.fetch_positions([XRP])
    assert (position["contracts"], position["side"], position["entryPrice"]) == (1000, "long", 0.5)
    assert (position["hedged"], position["leverage"], position["initialMargin"]) == (False, 10, 50)

    fake.play_candle("XRPUSDT", "0.5000", "0.5300", "0.4950", "0.5250")  # bullish: low, then high
    done = await ex.fetch_order(tp1["id"], XRP, TRIGGER)
    assert (done["id"], done["status"], done["filled"], done["average"], done["type"]) == (
        tp1["id"],
        "closed",
        500,
        0.52,  # the trigger price: the walk passed through it
        "market",
    )
    (fill,) = await ex.fetch_order_trades(tp1["id"], XRP)
    assert (fill["side"], fill["price"], fill["amount"], fill["takerOrMaker"]) == (
        "sell",
        0.52,
        500,
        "taker",
    )
    assert fill["fee"] == {"cost": 0.143, "currency": "USDT", "rate": 0.00055}
    assert fill["info"]["execPnl"] == "10" and fill["info"]["stopOrderType"] == "Stop"
    assert fake.position_size("XRPUSDT") == D(500)
    assert fake.wallet_balance == D("10000") - D("0.275") + D("10") - D("0.143")
    trades = await ex.fetch_my_trades(XRP)
    assert [(t["side"], t["price"], t["amount"]) for t in trades] == [
        ("buy", 0.5, 1000),
        ("sell", 0.52, 500),
    ]

    fake.set_price("XRPUSDT", "0.4700")  # gaps through the 0.48 stop: fills at 0.47
    stopped = await ex.fetch_order(sl["id"], XRP, TRIGGER)
    # the stop for 1000 meets a 500 position: 500 fill, the rest is cancelled (reduce-only)
    assert (stopped["status"], stopped["filled"], stopped["average"]) == ("closed", 500, 0.47)
    assert stopped["info"]["orderStatus"] == "PartiallyFilledCanceled"
    assert stopped["info"]["cancelType"] == "CancelByReduceOnly"
    assert fake.position_size("XRPUSDT") == 0 and await ex.fetch_positions() == []
    assert fake.wallet_balance == D("10009.582") - D("15") - D("0.12925")
    cancelled = await ex.cancel_order(tp2["id"], XRP)
    assert (cancelled["id"], cancelled["clientOrderId"]) == (tp2["id"], "gl-7-tp2-1")
    left = await ex.fetch_order(tp2["id"], XRP, TRIGGER)
    assert (left["status"], left["info"]["orderStatus"]) == ("canceled", "Deactivated")
    assert await ex.fetch_open_orders(XRP, params={"trigger": True}) == []
    with pytest.raises(OrderNotFound, match="110001"):
        await ex.cancel_order(tp2["id"], XRP)


async def test_short_bracket_mirrored_with_candles(fake, ex) -> None:
    _, sl, (tp,) = await _bracket(ex, ETH, "sell", 0.1, 3100, [(2900, 0.1)])
    placed = _sent(fake, "POST", "/v5/order/create")
    assert [(p["side"], p.get("triggerDirection")) for p in placed] == [
        ("Sell", None),
        ("Buy", 1),
        ("Buy", 2),
    ]
    (position,) = await ex.fetch_positions([ETH])
    assert (position["side"], position["contracts"], position["entryPrice"]) == ("short", 0.1, 3000)

    fake.play_candle("ETHUSDT", "3000", "3050", "2850", "2880")  # bearish: high first, then low
    assert (await ex.fetch_order(tp["id"], ETH, TRIGGER))["average"] == 2900
    tp_exec = [x for x in fake.executions if x.side == "Buy"]
    assert [(x.price, x.pnl) for x in tp_exec] == [(D("2900"), D("10"))]  # (3000-2900)*0.1
    assert fake.position_size("ETHUSDT") == 0
    assert fake.wallet_balance == D("10000") - D("0.165") + D("10") - D("0.1595")

    fake.play_candle("ETHUSDT", "2880", "3150", "2870", "3120")  # the stop fires, nothing to close
    dead = await ex.fetch_order(sl["id"], ETH, TRIGGER)
    assert (dead["status"], dead["filled"], dead["info"]["cancelType"]) == (
        "canceled",
        0,
        "CancelByReduceOnly",
    )
    assert len(fake.executions) == 2


async def test_orders_by_id_link_id_open_and_history(fake, ex) -> None:
    limit = await ex.create_order(XRP, "limit", "buy", 20, 0.49, {"clientOrderId": "lim-1"})
    by_link = await ex.fetch_order(None, XRP, {**ACK, "orderLinkId": "lim-1"})
    assert (by_link["id"], by_link["status"], by_link["price"], by_link["type"]) == (
        limit["id"],
        "open",
        0.49,
        "limit",
    )
    # ccxt sends orderId=None when it looks up by orderLinkId; the fake reads it as absent,
    # unless told to take it literally (what Bybit does with it is unverified)
    assert _sent(fake, "GET", "/v5/order/realtime")[0]["orderId"] == "None"
    fake.server.none_order_id_is_absent = False
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(None, XRP, {**ACK, "orderLinkId": "lim-1"})
    fake.server.none_order_id_is_absent = True
    assert (await ex.fetch_open_order(limit["id"], XRP))["clientOrderId"] == "lim-1"
    with pytest.raises(OrderNotFound):
        await ex.fetch_order("0f0f0f0f-0000-4000-8000-000000000000", XRP, ACK)
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(None, XRP, {**ACK, "orderLinkId": "nope"})
    market = await ex.create_order(XRP, "market", "buy", 30, None, {"clientOrderId": "mkt-1"})
    await ex.cancel_order(None, XRP, {"orderLinkId": "lim-1"})
    closed = await ex.fetch_closed_orders(XRP)
    assert [o["id"] for o in closed] == [market["id"]]
    assert [o["id"] for o in await ex.fetch_canceled_orders(XRP)] == [limit["id"]]
    history = await ex.fetch_canceled_and_closed_orders(XRP)
    assert [o["clientOrderId"] for o in history] == ["lim-1", "mkt-1"]
    with pytest.raises(InvalidOrder, match="110072"):  # orderLinkIds are never reused
        await ex.create_order(XRP, "market", "buy", 30, None, {"clientOrderId": "mkt-1"})


async def test_cancel_all_with_and_without_the_stop_filter(fake, ex) -> None:
    await _bracket(ex, XRP, "buy", 100, 0.45, [(0.55, 100)])
    await ex.create_order(XRP, "limit", "buy", 20, 0.49, {"clientOrderId": "lim-2"})
    await ex.cancel_all_orders(XRP, {"orderFilter": "Order"})
    assert [o.client_id for o in fake.resting("XRPUSDT")] == ["gl-7-stop-1", "gl-7-tp1-1"]
    cancelled = await ex.cancel_all_orders(XRP, {"trigger": True})
    assert sorted(o["clientOrderId"] for o in cancelled) == ["gl-7-stop-1", "gl-7-tp1-1"]
    assert fake.resting() == [] and {o.status for o in fake.orders()[1:]} == {
        "Cancelled",
        "Deactivated",
    }


async def test_reduce_only_is_cut_to_the_position_and_never_flips(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100)
    close = await ex.create_order(XRP, "market", "sell", 300, None, {"reduceOnly": True})
    assert _sent(fake, "POST", "/v5/order/create")[1]["qty"] == "300"
    fixed = await ex.fetch_order(close["id"], XRP, ACK)
    assert (fixed["amount"], fixed["filled"], fixed["status"]) == (100, 100, "closed")
    assert fake.position_size("XRPUSDT") == 0
    await ex.create_order(XRP, "market", "sell", 300)  # without the flag it opens a short
    assert fake.position_size("XRPUSDT") == D(-300)


async def test_limit_orders_rest_then_fill_as_maker(fake, ex) -> None:
    resting = await ex.create_order(XRP, "limit", "buy", 100, 0.49, {"clientOrderId": "rest-1"})
    assert (await ex.fetch_balance())["USDT"]["used"] == 4.9  # 100 * 0.49 / 10x held by it
    fake.set_price("XRPUSDT", "0.4800")
    filled = await ex.fetch_order(resting["id"], XRP, ACK)
    assert (filled["status"], filled["average"]) == ("closed", 0.49)
    (trade,) = await ex.fetch_my_trades(XRP)
    assert (trade["takerOrMaker"], trade["fee"]["cost"]) == ("maker", 0.0098)  # 49 * 0.02 %
    await ex.create_order(
        XRP, "limit", "sell", 100, 0.5, {"reduceOnly": True, "clientOrderId": "tp"}
    )
    fake.fill_limit("XRPUSDT", "tp", D("40"))
    partial = await ex.fetch_order(None, XRP, {**ACK, "orderLinkId": "tp"})
    assert (partial["status"], partial["filled"], partial["remaining"]) == ("open", 40, 60)
    assert fake.position_size("XRPUSDT") == D(60)
    post = await ex.create_order(XRP, "limit", "buy", 20, 0.49, {"postOnly": True})
    rejected = await ex.fetch_order(post["id"], XRP, ACK)  # marketable at 0.48: cancelled
    assert (rejected["status"], rejected["info"]["rejectReason"]) == (
        "canceled",
        "EC_PostOnlyWillTakeLiquidity",
    )
    with pytest.raises(ValueError, match="no resting limit order"):
        fake.fill_limit("XRPUSDT", "rest-1")


async def test_stop_limit_triggers_then_rests(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100)
    params = {"stopLossPrice": 0.48, "reduceOnly": True, "clientOrderId": "gl-2-stop-1"}
    stop = await ex.create_order(XRP, "limit", "sell", 100, 0.485, params)
    assert fake.resting("XRPUSDT")[0].kind == "stop_limit"
    fake.play_candle("XRPUSDT", "0.5000", "0.5050", "0.4700", "0.4720")  # fires at 0.48, rests
    rests = await ex.fetch_order(stop["id"], XRP, TRIGGER)
    assert (rests["status"], rests["type"], rests["price"], rests["triggerPrice"]) == (
        "open",
        "limit",
        0.485,
        0.48,
    )
    assert rests["info"]["orderStatus"] == "New" and fake.position_size("XRPUSDT") == 100
    fake.set_price("XRPUSDT", "0.4900")  # rises through the limit: a maker fill at 0.485
    done = await ex.fetch_order(stop["id"], XRP, TRIGGER)
    assert (done["status"], done["average"], done["filled"]) == ("closed", 0.485, 100)
    (maker,) = [t for t in await ex.fetch_order_trades(stop["id"], XRP)]
    assert maker["takerOrMaker"] == "maker" and fake.position_size("XRPUSDT") == 0


async def test_credentials_signature_and_timestamp_are_checked(fake) -> None:
    cases = (
        ({"secret": "wrong"}, AuthenticationError, "10004"),
        ({"apiKey": "wrong"}, AuthenticationError, "10003"),
        ({"options": {"timeDifference": -60_000}}, InvalidNonce, "10002"),
    )
    for override, error, code in cases:
        exchange = ccxt.bybit({**fake.ccxt_config(), **override})
        try:
            with pytest.raises(error, match=f'"retCode":{code},'):
                await exchange.fetch_positions([XRP])
        finally:
            await exchange.close()
    async with aiohttp.ClientSession() as session:
        url = fake.base_url + "/v5/position/list?category=linear&symbol=XRPUSDT"
        async with session.get(url) as response:
            body = await response.json()
    assert body["retCode"] == 10001 and body["result"] == {}
    assert set(body) == {"retCode", "retMsg", "result", "retExtInfo", "time"}


async def test_kline_request_and_bybit_interval_names(fake, ex) -> None:
    """The candles themselves: tests/fakes/test_fake_exchanges.py."""
    fake.load_klines("ETHUSDT", [[900_000, 1, 2, 0.5, 1.5, 10]], "15")  # Bybit's interval name
    assert await ex.fetch_ohlcv(ETH, "15m", 900_000, 5) == [[900_000, 1.0, 2.0, 0.5, 1.5, 10.0]]
    assert _sent(fake, "GET", "/v5/market/kline") == [
        {
            "symbol": "ETHUSDT",
            "start": "900000",
            "limit": "5",
            "interval": "15",
            "category": "linear",
        }
    ]
