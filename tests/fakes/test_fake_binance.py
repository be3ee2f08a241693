"""The fake Binance USD-M futures server, driven through the real ccxt ``binanceusdm``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import ccxt.async_support as ccxt
import ccxt.pro as ccxt_pro
import pytest
from ccxt.base.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    InsufficientFunds,
    InvalidOrder,
    OrderImmediatelyFillable,
)

from tests.fakes.binance import FakeBinanceFutures

XRP, ETH, BTC = "XRP/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT"
D = Decimal


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures() as server:
        yield server


async def test_config_is_json_and_markets_carry_the_filters(fake, ex) -> None:
    assert json.loads(json.dumps(fake.ccxt_config())) == fake.ccxt_config()
    with pytest.raises(RuntimeError, match="start the fake"):
        FakeBinanceFutures().ccxt_config()
    assert {BTC, ETH, XRP} <= set(ex.markets)
    expected = {  # tick, step, min qty, min notional
        BTC: (0.1, 0.001, 0.001, 100.0),
        ETH: (0.01, 0.001, 0.001, 20.0),
        XRP: (0.0001, 0.1, 0.1, 5.0),
    }
    for symbol, (tick, step, min_qty, notional) in expected.items():
        m = ex.market(symbol)
        assert (m["swap"], m["linear"], m["settle"], m["active"]) == (True, True, "USDT", True)
        assert m["precision"]["price"] == tick and m["precision"]["amount"] == step
        assert m["limits"]["amount"]["min"] == min_qty and m["limits"]["cost"]["min"] == notional
        assert {"STOP_MARKET", "TAKE_PROFIT_MARKET"} <= set(m["info"]["orderTypes"])
        assert m["info"]["contractType"] == "PERPETUAL" and m["info"]["marginAsset"] == "USDT"
    assert ("GET", "/sapi/v1/capital/config/getall") not in [r[:2] for r in fake.requests]


async def test_one_config_for_rest_and_pro(fake) -> None:
    config = fake.ccxt_config()
    rest, pro = ccxt.binanceusdm(config), ccxt_pro.binanceusdm(config)
    try:
        host = fake.tls_base_url.removeprefix("https://")
        assert rest.urls["api"]["fapiPrivate"] == pro.urls["api"]["fapiPrivate"]
        assert pro.urls["api"]["fapiPrivate"] == f"https://demo-fapi@{host}/fapi/v1"
        assert pro.get_private_ws_url("linear", "KEY") == f"wss://{host}/private/ws?listenKey=KEY"
        assert pro.urls["api"]["ws"]["ws-api"]["linear"] == f"wss://{host}/ws-fapi/v1"
    finally:
        await rest.close()
        await pro.close()


async def test_long_bracket_take_profit_then_stop(fake, ex) -> None:
    await ex.set_leverage(10, XRP)
    entry = await ex.create_order(XRP, "market", "buy", 1000, None, {"clientOrderId": "e-1"})
    assert (entry["status"], entry["filled"], entry["average"]) == ("closed", 1000, 0.5)
    sl = await ex.create_order(
        XRP,
        "market",
        "sell",
        1000,
        None,
        {"stopLossPrice": 0.48, "reduceOnly": True, "clientOrderId": "sl-1"},
    )
    tp1 = await ex.create_order(
        XRP,
        "market",
        "sell",
        500,
        None,
        {"takeProfitPrice": 0.52, "reduceOnly": True, "clientOrderId": "tp-1"},
    )
    tp2 = await ex.create_order(
        XRP,
        "market",
        "sell",
        500,
        None,
        {"takeProfitPrice": 0.54, "reduceOnly": True, "clientOrderId": "tp-2"},
    )
    assert (sl["status"], sl["type"], sl["triggerPrice"], sl["reduceOnly"]) == (
        "open",
        "market",
        0.48,
        True,
    )
    assert (
        sl["info"]["orderType"] == "STOP_MARKET"
        and tp1["info"]["orderType"] == "TAKE_PROFIT_MARKET"
    )
    assert (tp1["clientOrderId"], tp1["takeProfitPrice"]) == ("tp-1", 0.52)
    sent = [p for m, path, p in fake.requests if (m, path) == ("POST", "/fapi/v1/algoOrder")]
    assert sent[0]["algoType"] == "CONDITIONAL" and sent[0]["clientAlgoId"] == "sl-1"
    assert (sent[0]["type"], sent[0]["triggerPrice"], sent[0]["reduceOnly"]) == (
        "STOP_MARKET",
        "0.48",
        "true",
    )
    assert await ex.fetch_open_orders(XRP) == []
    triggers = await ex.fetch_open_orders(XRP, params={"trigger": True})
    assert sorted(o["clientOrderId"] for o in triggers) == ["sl-1", "tp-1", "tp-2"]

    usdt = (await ex.fetch_balance())["USDT"]  # entry fee 1000 * 0.5 * 0.0004 = 0.2, margin 50
    assert (usdt["total"], usdt["used"], usdt["free"]) == (9999.8, 50.0, 9949.8)
    (position,) = await ex.fetch_positions([XRP])
    assert (position["contracts"], position["side"], position["entryPrice"]) == (1000, "long", 0.5)
    assert position["unrealizedPnl"] == 0

    fake.set_price("XRPUSDT", "0.5200")
    done = await ex.fetch_order(tp1["id"], XRP, {"trigger": True})
    assert done["status"] == "closed" and done["info"]["algoStatus"] == "FINISHED"
    assert done["info"]["actualPrice"] == "0.5200"
    fill = await ex.fetch_order(done["info"]["actualOrderId"], XRP)
    assert (fill["status"], fill["filled"], fill["average"], fill["type"]) == (
        "closed",
        500,
        0.52,
        "market",
    )
    assert fill["reduceOnly"] is True
    assert fake.positions["XRPUSDT"].size == D(500)
    # realized (0.52 - 0.50) * 500 = 10, fee 500 * 0.52 * 0.0004 = 0.104
    assert fake.wallet_balance == D("10000") - D("0.2") + D("10") - D("0.104")
    trades = await ex.fetch_my_trades(XRP, entry["timestamp"])
    assert [(t["side"], t["price"], t["amount"]) for t in trades] == [
        ("buy", 0.5, 1000),
        ("sell", 0.52, 500),
    ]
    assert (
        trades[1]["fee"] == {"cost": 0.104, "currency": "USDT"}
        and trades[1]["takerOrMaker"] == "taker"
    )
    assert trades[1]["info"]["realizedPnl"] == "10.00000000"
    (position,) = await ex.fetch_positions([XRP])
    assert (position["contracts"], position["unrealizedPnl"]) == (500, 10)
    assert len(await ex.fetch_open_orders(XRP, params={"trigger": True})) == 2

    fake.set_price("XRPUSDT", "0.4700")  # gaps through the 0.48 stop: fills at 0.47
    stopped = await ex.fetch_order(sl["id"], XRP, {"trigger": True})
    assert stopped["status"] == "closed" and stopped["info"]["actualPrice"] == "0.4700"
    exit_fill = await ex.fetch_order(stopped["info"]["actualOrderId"], XRP)
    # reduce-only 1000 against a 500 position: 500 fill, the rest expires
    assert (exit_fill["filled"], exit_fill["average"], exit_fill["status"]) == (
        500,
        0.47,
        "expired",
    )
    assert fake.positions["XRPUSDT"].size == 0 and await ex.fetch_positions([XRP]) == []
    # realized (0.47 - 0.50) * 500 = -15, fee 500 * 0.47 * 0.0004 = 0.094
    assert fake.wallet_balance == D("10009.696") - D("15") - D("0.094")
    await ex.cancel_all_orders(XRP, {"trigger": True})
    assert (await ex.fetch_order(tp2["id"], XRP, {"trigger": True}))["status"] == "canceled"
    assert await ex.fetch_open_orders(XRP, params={"trigger": True}) == []


async def test_short_bracket_mirrored_with_candles(fake, ex) -> None:
    await ex.create_order(ETH, "market", "sell", 0.1, None, {"clientOrderId": "short-1"})
    sl = await ex.create_order(
        ETH,
        "market",
        "buy",
        0.1,
        None,
        {"triggerPrice": 3100, "reduceOnly": True, "clientOrderId": "short-sl"},
    )
    tp = await ex.create_order(
        ETH,
        "market",
        "buy",
        0.1,
        None,
        {"takeProfitPrice": 2900, "reduceOnly": True, "clientOrderId": "short-tp"},
    )
    assert sl["info"]["orderType"] == "STOP_MARKET" and sl["side"] == "buy"
    (position,) = await ex.fetch_positions([ETH])
    assert (position["side"], position["contracts"], position["entryPrice"]) == ("short", 0.1, 3000)

    fake.play_candle("ETHUSDT", "3000", "3050", "2850", "2880")  # bearish: high first, then low
    assert (await ex.fetch_order(tp["id"], ETH, {"trigger": True}))["status"] == "closed"
    (tp_trade,) = [t for t in fake.trades if t.side == "BUY"]
    assert (tp_trade.price, tp_trade.realized_pnl) == (D("2900"), D("10"))  # (3000-2900)*0.1
    assert fake.positions["ETHUSDT"].size == 0
    assert fake.wallet_balance == D("10000") - D("0.12") + D("10") - D("0.116")

    fake.play_candle("ETHUSDT", "2880", "3150", "2870", "3120")  # the stop fires with no position
    expired = await ex.fetch_order(sl["id"], ETH, {"trigger": True})
    assert expired["status"] == "expired" and expired["info"]["actualOrderId"] == ""
    assert len(fake.trades) == 2


async def test_candle_walk_order_and_continuous_fills(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100)
    await ex.create_order(
        XRP, "market", "sell", 100, None, {"stopLossPrice": 0.49, "reduceOnly": True}
    )
    await ex.create_order(
        XRP, "market", "sell", 100, None, {"takeProfitPrice": 0.51, "reduceOnly": True}
    )
    fake.play_candle("XRPUSDT", "0.5000", "0.5200", "0.4800", "0.5100")  # bullish: low first
    assert [(t.side, t.price) for t in fake.trades] == [("BUY", D("0.5000")), ("SELL", D("0.49"))]
    assert [a.status for a in fake.algo_orders] == ["FINISHED", "EXPIRED"]


async def test_exchange_rules_are_enforced(fake, ex) -> None:
    with pytest.raises(InvalidOrder, match="-2022"):  # reduce-only with no position
        await ex.create_order(XRP, "market", "sell", 10, None, {"reduceOnly": True})
    with pytest.raises(InvalidOrder, match="-4164"):  # 5 XRP * 0.5 = 2.5 USDT < 5
        await ex.create_order(XRP, "market", "buy", 5)
    with pytest.raises(InsufficientFunds, match="-2019"):  # 4 * 60000 / 20x = 12000 > 10000
        await ex.create_order(BTC, "market", "buy", 4)
    with pytest.raises(OrderImmediatelyFillable, match="-2021"):  # sell stop above the price
        await ex.create_order(XRP, "market", "sell", 20, None, {"stopLossPrice": 0.51})
    await ex.create_order(XRP, "market", "buy", 20)
    with pytest.raises(BadRequest, match="-1106"):  # Binance refuses closePosition + reduceOnly
        await ex.create_order(
            XRP,
            "market",
            "sell",
            20,
            None,
            {"stopLossPrice": 0.45, "closePosition": True, "reduceOnly": True},
        )
    with pytest.raises(InvalidOrder, match="-2022"):  # reduce-only on the side that grows it
        await ex.create_order(XRP, "market", "buy", 20, None, {"reduceOnly": True})
    raw = {"symbol": "XRPUSDT", "side": "BUY", "type": "MARKET", "quantity": "10.05"}
    with pytest.raises(BadRequest, match="-1111"):  # ccxt's implicit API skips its rounding
        await ex.fapiPrivatePostOrder(raw)
    with pytest.raises(BadSymbol, match="-1121"):
        await ex.fapiPrivatePostOrder({**raw, "symbol": "DOGEUSDT", "quantity": "100"})
    with pytest.raises(InvalidOrder, match="-4120"):  # conditional types need the algo API
        await ex.fapiPrivatePostOrder({**raw, "type": "STOP_MARKET", "stopPrice": "0.4"})
    closer = await ex.create_order(
        XRP, "market", "sell", None, None, {"stopLossPrice": 0.45, "closePosition": True}
    )
    fake.set_price("XRPUSDT", "0.4400")
    assert (await ex.fetch_order(closer["id"], XRP, {"trigger": True}))["status"] == "closed"
    assert fake.positions["XRPUSDT"].size == 0 and fake.trades[-1].qty == D(20)


async def test_stop_limit_triggers_then_rests(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100)
    stop = await ex.create_order(
        XRP, "limit", "sell", 100, 0.485, {"stopLossPrice": 0.48, "reduceOnly": True}
    )
    assert (stop["info"]["orderType"], stop["price"], stop["triggerPrice"]) == ("STOP", 0.485, 0.48)
    fake.play_candle("XRPUSDT", "0.5000", "0.5050", "0.4600", "0.4700")  # bearish: high first
    triggered = await ex.fetch_order(stop["id"], XRP, {"trigger": True})
    assert (
        triggered["info"]["algoStatus"] == "TRIGGERED" and triggered["status"] == "closed"
    )  # ccxt!
    resting = await ex.fetch_open_order(triggered["info"]["actualOrderId"], XRP)
    assert (resting["type"], resting["price"], resting["status"]) == ("limit", 0.485, "open")
    fake.set_price("XRPUSDT", "0.4900")
    assert (await ex.fetch_order(resting["id"], XRP))["average"] == 0.485
    assert (await ex.fetch_order(stop["id"], XRP, {"trigger": True}))["info"][
        "algoStatus"
    ] == "FINISHED"


async def test_credentials_and_signature_are_checked(fake) -> None:
    for override, code in (({"secret": "wrong"}, "-1022"), ({"apiKey": "wrong"}, "-2015")):
        exchange = ccxt.binanceusdm({**fake.ccxt_config(), **override})
        try:
            with pytest.raises(AuthenticationError, match=code):
                await exchange.fetch_balance()
        finally:
            await exchange.close()
    signed = [params for method, path, params in fake.requests if path == "/fapi/v3/account"]
    assert signed and all("timestamp" in p and "recvWindow" in p for p in signed)


async def test_reduce_only_never_grows_or_flips(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100)
    close = await ex.create_order(XRP, "market", "sell", 300, None, {"reduceOnly": True})
    assert (close["status"], close["filled"], close["remaining"]) == ("expired", 100, 200)
    assert fake.positions["XRPUSDT"].size == 0
    flip = await ex.create_order(XRP, "market", "sell", 300)  # without the flag it may open a short
    assert flip["filled"] == 300 and fake.positions["XRPUSDT"].size == D(-300)


async def test_partial_market_fill(fake, ex) -> None:
    fake.set_market_fill_limit("XRPUSDT", D("300"))
    order = await ex.create_order(XRP, "market", "buy", 1000, None, {"clientOrderId": "part"})
    assert (order["status"], order["filled"], order["remaining"], order["amount"]) == (
        "expired",
        300,
        700,
        1000,
    )
    assert fake.positions["XRPUSDT"].size == D(300)
    fake.set_market_fill_limit("XRPUSDT", None)
    assert (await ex.create_order(XRP, "market", "buy", 1000))["filled"] == 1000


async def test_limit_orders_rest_then_fill_as_maker(fake, ex) -> None:
    resting = await ex.create_order(XRP, "limit", "buy", 100, 0.49, {"clientOrderId": "rest"})
    assert (resting["status"], resting["filled"]) == ("open", 0)
    assert (await ex.fetch_balance())["USDT"]["used"] == 2.45  # 100 * 0.49 / 20 held by the order
    fake.set_price("XRPUSDT", "0.4800")
    filled = await ex.fetch_order(resting["id"], XRP)
    assert (filled["status"], filled["average"]) == ("closed", 0.49)
    (trade,) = await ex.fetch_my_trades(XRP)
    assert trade["takerOrMaker"] == "maker" and trade["fee"]["cost"] == 0.0098  # 49 * 0.0002
    taker = await ex.create_order(XRP, "limit", "buy", 100, 0.49)  # marketable at 0.48
    assert (taker["status"], taker["average"]) == ("closed", 0.48)
    tp = await ex.create_order(XRP, "limit", "sell", 200, 0.5, {"reduceOnly": True})
    fake.fill_limit("XRPUSDT", tp["clientOrderId"], D("50"))
    partial = await ex.fetch_order(tp["id"], XRP)
    assert (partial["status"], partial["filled"], partial["remaining"]) == ("open", 50, 150)
    assert fake.positions["XRPUSDT"].size == D(150)


async def test_cancel_all_orders_with_and_without_trigger(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 100)
    await ex.create_order(XRP, "limit", "buy", 20, 0.49)
    await ex.create_order(XRP, "limit", "sell", 100, 0.51, {"reduceOnly": True})
    await ex.create_order(
        XRP, "market", "sell", 100, None, {"stopLossPrice": 0.45, "reduceOnly": True}
    )
    await ex.cancel_all_orders(XRP)
    assert await ex.fetch_open_orders(XRP) == []
    assert len(await ex.fetch_open_orders(XRP, params={"trigger": True})) == 1
    await ex.cancel_all_orders(XRP, {"trigger": True})
    assert await ex.fetch_open_orders(XRP, params={"trigger": True}) == []
    assert {o.status for o in fake.orders[1:]} == {"CANCELED"}


async def test_positions_leverage_and_all_symbols(fake, ex) -> None:
    await ex.set_leverage(5, ETH)
    await ex.create_order(ETH, "market", "buy", 0.1)
    await ex.create_order(XRP, "market", "sell", 100)
    fake.set_price("XRPUSDT", "0.4")
    positions = {p["symbol"]: p for p in await ex.fetch_positions()}
    assert set(positions) == {ETH, XRP}
    assert (positions[XRP]["side"], positions[XRP]["unrealizedPnl"]) == ("short", 10)  # 100*0.1
    assert positions[ETH]["initialMargin"] == 60  # 0.1 * 3000 / 5
    (eth,) = await ex.fetch_positions([ETH], {"useV2": True})  # v2 still reports the leverage
    assert (eth["leverage"], eth["marginMode"]) == (5, "cross")
    assert fake.leverage["ETHUSDT"] == 5 and fake.leverage["XRPUSDT"] == 20
