"""The fake Bybit's private websocket, watched through the real ``ccxt.pro.bybit``."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import ccxt.pro as ccxtpro
import pytest
from ccxt.base.errors import ExchangeError, NetworkError

from tests.fakes.bybit import FakeBybit

XRP = "XRP/USDT:USDT"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBybit]:
    async with FakeBybit() as server:
        yield server


async def _watching(fake: FakeBybit, watch: Awaitable[Any], *topics: str) -> asyncio.Task[Any]:
    """Start ``watch`` and return once the fake has its subscription."""
    task = asyncio.ensure_future(watch)
    waiting = asyncio.ensure_future(fake.wait_stream_subscribed(*topics))
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():  # it failed before subscribing: let the caller see why
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
    else:
        await waiting
    return task


async def _eventually(check: Callable[[], bool]) -> None:
    """Until ``check()`` holds (2 s at most): ccxt.pro may still be reading the socket."""
    for _ in range(400):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


def _cached(pro: ccxtpro.bybit, order_id: str) -> dict[str, Any]:
    """ccxt.pro's cached view of an order (updated in place by every push)."""
    return next(o for o in pro.orders if o["id"] == order_id)


def _topics(messages: list[dict[str, Any]]) -> list[str]:
    return [m["topic"] for m in messages]


async def test_watch_orders_follows_an_order_through_its_states(fake, ex, pro) -> None:
    task = await _watching(fake, pro.watch_orders(XRP), "order")
    entry = await ex.create_order(
        XRP, "market", "buy", 100, None, {"clientOrderId": "gl-1-entry-1"}
    )
    (order,) = await asyncio.wait_for(task, 2)
    assert (order["id"], order["clientOrderId"], order["symbol"], order["status"]) == (
        entry["id"],
        "gl-1-entry-1",
        XRP,
        "closed",
    )
    assert (order["filled"], order["average"], order["fee"]) == (
        100,
        0.5,
        {"cost": 0.0275, "currency": "USDT"},
    )
    pushed = fake.stream_events[-1]
    assert set(pushed) == {"id", "topic", "creationTime", "data"} and pushed["topic"] == "order"
    assert (
        pushed["data"][0]["category"] == "linear" and pushed["data"][0]["orderStatus"] == "Filled"
    )

    stop = await ex.create_order(
        XRP,
        "market",
        "sell",
        100,
        None,
        {"stopLossPrice": 0.45, "reduceOnly": True, "clientOrderId": "gl-1-stop-1"},
    )
    (waiting,) = await asyncio.wait_for(pro.watch_orders(XRP), 2)
    assert (waiting["id"], waiting["status"], waiting["triggerPrice"]) == (stop["id"], "open", 0.45)
    assert waiting["info"]["orderStatus"] == "Untriggered"
    task = asyncio.ensure_future(pro.watch_orders(XRP))
    await asyncio.sleep(0)
    fake.set_price("XRPUSDT", "0.44")  # fires the stop: Triggered, then Filled, same orderId
    await asyncio.wait_for(task, 2)
    await _eventually(lambda: _cached(pro, stop["id"])["status"] == "closed")
    filled = _cached(pro, stop["id"])
    assert (filled["filled"], filled["average"], filled["triggerPrice"]) == (100, 0.44, 0.45)
    statuses = [
        m["data"][0]["orderStatus"]
        for m in fake.stream.sent
        if m["topic"] == "order" and m["data"][0]["orderId"] == stop["id"]
    ]
    assert statuses == ["Untriggered", "Triggered", "Filled"]


async def test_watch_my_trades_sees_trades_not_funding(fake, ex, pro) -> None:
    await ex.create_order(XRP, "market", "buy", 1000)
    task = await _watching(fake, pro.watch_my_trades(XRP), "execution")
    assert fake.pay_funding("XRPUSDT", "0.0001") > 0  # pushed as execType Funding
    order = await ex.create_order(XRP, "market", "sell", 400, None, {"clientOrderId": "x-1"})
    (trade,) = await asyncio.wait_for(task, 2)
    assert (trade["order"], trade["side"], trade["price"], trade["amount"]) == (
        order["id"],
        "sell",
        0.5,
        400,
    )
    assert (trade["takerOrMaker"], trade["fee"]) == (
        "taker",
        {"cost": 0.11, "currency": "USDT", "rate": 0.00055},
    )
    executions = [m["data"][0] for m in fake.stream_events if m["topic"] == "execution"]
    assert [x["execType"] for x in executions] == ["Funding", "Trade"]
    assert executions[1]["orderLinkId"] == "x-1" and executions[1]["closedSize"] == "400"


async def test_watch_positions_snapshot_then_updates(fake, ex, pro) -> None:
    await ex.create_order(XRP, "market", "buy", 300)
    (snapshot,) = await asyncio.wait_for(pro.watch_positions([XRP]), 2)  # a REST snapshot
    assert (snapshot["contracts"], snapshot["side"], snapshot["entryPrice"]) == (300, "long", 0.5)
    categories = [p["category"] for _, path, p in fake.requests if path == "/v5/position/list"]
    assert sorted(categories) == ["inverse", "linear"]
    task = await _watching(fake, pro.watch_positions([XRP]), "position")
    await ex.create_order(XRP, "market", "sell", 100)
    (update,) = await asyncio.wait_for(task, 2)
    assert (update["contracts"], update["side"], update["hedged"]) == (200, "long", False)
    task = asyncio.ensure_future(pro.watch_positions([XRP]))
    await asyncio.sleep(0)
    fake.move_position_by_hand("XRPUSDT", -200)
    (flat,) = await asyncio.wait_for(task, 2)
    assert (flat["contracts"], flat["side"]) == (0, None)


async def test_watch_balance_follows_the_wallet(fake, ex, pro) -> None:
    task = await _watching(fake, pro.watch_balance(), "wallet")
    await ex.create_order(XRP, "market", "buy", 1000)
    balance = await asyncio.wait_for(task, 2)
    assert balance["USDT"]["total"] == 9999.725  # equity: 10000 - 0.275 fee
    assert fake.stream_events[-1]["data"][0]["coin"][0]["totalPositionIM"] == "50"


async def test_the_wire_protocol(fake) -> None:
    url = fake.base_url.replace("http", "ws", 1) + "/v5/private"
    expires = str(int(time.time() * 1000) + 10_000)
    signature = hmac.new(b"test-secret", f"GET/realtime{expires}".encode(), hashlib.sha256)
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:

        async def ask(message: dict[str, Any]) -> dict[str, Any]:
            await ws.send_str(json.dumps(message))
            return json.loads((await ws.receive(timeout=2)).data)

        early = await ask({"op": "subscribe", "req_id": "1", "args": ["order"]})
        assert (early["success"], early["ret_msg"]) == (False, "Request not authorized")
        bad = await ask({"op": "auth", "args": ["test-key", expires, "0" * 64]})
        assert (bad["success"], bad["op"]) == (False, "auth")
        good = await ask({"op": "auth", "args": ["test-key", expires, signature.hexdigest()]})
        assert (good["success"], good["ret_msg"], good["op"]) == (True, "", "auth")
        sub = await ask({"op": "subscribe", "req_id": "7", "args": ["order", "position"]})
        assert (sub["success"], sub["req_id"], sub["op"]) == (True, "7", "subscribe")
        unknown = await ask({"op": "subscribe", "req_id": "8", "args": ["orderbook.1.XRPUSDT"]})
        assert unknown["success"] is False and "orderbook.1.XRPUSDT" in unknown["ret_msg"]
        pong = await ask({"op": "ping", "req_id": "9"})
        assert (pong["op"], pong["req_id"]) == ("pong", "9") and pong["args"][0].isdigit()
        fake.move_position_by_hand("XRPUSDT", 50)  # pushes order, then position
        first = json.loads((await ws.receive(timeout=2)).data)
        second = json.loads((await ws.receive(timeout=2)).data)
        assert (first["topic"], second["topic"]) == ("order", "position")
        assert second["data"][0]["size"] == "50" and second["data"][0]["positionIdx"] == 0


async def test_a_bad_secret_fails_the_stream(fake) -> None:
    exchange = ccxtpro.bybit({**fake.ccxt_config(), "secret": "wrong", "timeout": 5000})
    exchange.markets = {}  # REST would refuse the secret first; the stream is under test
    exchange.options.update(enableUnifiedMargin=False, enableUnifiedAccount=True)
    try:
        with pytest.raises(ExchangeError, match="Request not authorized"):
            await asyncio.wait_for(exchange.watch_orders(), 2)
    finally:
        await exchange.close()


async def test_stream_drop_then_reconnect(fake, ex, pro) -> None:
    task = await _watching(fake, pro.watch_orders(XRP), "order")
    fake.stream_drop()
    with pytest.raises(NetworkError):
        await asyncio.wait_for(task, 2)
    assert fake.stream.open_sockets == 0
    task = await _watching(fake, pro.watch_orders(XRP), "order")  # ccxt dials again
    assert fake.stream.connections == 2
    await ex.create_order(XRP, "market", "buy", 100, None, {"clientOrderId": "after-drop"})
    (order,) = await asyncio.wait_for(task, 2)
    assert order["clientOrderId"] == "after-drop"


async def test_stream_lose_next(fake, ex, pro) -> None:
    task = await _watching(fake, pro.watch_orders(XRP), "order")
    fake.stream_lose_next(1)
    await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "lost"})
    await ex.create_order(XRP, "limit", "buy", 20, 0.46, {"clientOrderId": "kept"})
    (order,) = await asyncio.wait_for(task, 2)
    assert order["clientOrderId"] == "kept"
    assert [m["data"][0]["orderLinkId"] for m in fake.stream_events] == ["lost", "kept"]
    assert [m["data"][0]["orderLinkId"] for m in fake.stream.sent] == ["kept"]


async def test_stream_duplicate_next(fake, ex, pro) -> None:
    task = await _watching(fake, pro.watch_orders(XRP), "order")
    fake.stream_duplicate_next(1)
    await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "twice"})
    (order,) = await asyncio.wait_for(task, 2)
    assert order["clientOrderId"] == "twice"
    assert [m["id"] for m in fake.stream.sent] == [fake.stream_events[0]["id"]] * 2
    await _eventually(lambda: fake.stream.open_sockets == 1)
    await asyncio.sleep(0.05)
    assert [o["clientOrderId"] for o in pro.orders] == ["twice"]  # ccxt keeps one per id


async def test_stream_delay_next_reorders(fake, ex, pro) -> None:
    task = await _watching(fake, pro.watch_orders(XRP), "order")
    fake.stream_delay_next(1)
    await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "first"})
    await asyncio.sleep(0.05)
    assert not task.done()  # held back
    await ex.create_order(XRP, "limit", "buy", 20, 0.46, {"clientOrderId": "second"})
    assert (await asyncio.wait_for(task, 2))[0]["clientOrderId"] == "second"
    await _eventually(lambda: len(pro.orders) == 2)
    assert [o["clientOrderId"] for o in pro.orders] == ["second", "first"]
    assert [m["data"][0]["orderLinkId"] for m in fake.stream.sent] == ["second", "first"]
    assert [m["data"][0]["orderLinkId"] for m in fake.stream_events] == ["first", "second"]
