"""The USD-M user-data stream of the fake Binance, through real ccxt.pro ``binanceusdm``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxt_pro
import pytest
from ccxt.base.errors import AuthenticationError, NetworkError

from tests.fakes.binance import FakeBinanceFutures

XRP = "XRP/USDT:USDT"
D = Decimal


class Messages(list[dict[str, Any]]):
    """Messages received, with an event set at each arrival."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures() as server:
        yield server


def spy(exchange: ccxt_pro.binanceusdm) -> Messages:
    """Every message ccxt's socket hands to the exchange, in arrival order."""
    received = Messages()
    original = exchange.handle_message

    def record(client: Any, message: Any) -> None:
        received.append(message)
        received.changed.set()
        original(client, message)

    exchange.handle_message = record
    return received


def names(messages: list[dict[str, Any]]) -> list[str]:
    """``ORDER_TRADE_UPDATE:<x>:<X>``, ``ALGO_UPDATE:<X>``, ``ACCOUNT_UPDATE:<m>``..."""
    out = []
    for m in messages:
        if m["e"] == "ORDER_TRADE_UPDATE":
            out.append(f"ORDER:{m['o']['x']}:{m['o']['X']}")
        elif m["e"] == "ALGO_UPDATE":
            out.append(f"ALGO:{m['o']['X']}")
        elif m["e"] == "ACCOUNT_UPDATE":
            out.append(f"ACCOUNT:{m['a']['m']}")
        else:
            out.append(m["e"])
    return out


async def until(watch: Callable[[], Awaitable[list]], done: Callable[[list], bool]) -> list:
    """Call ``watch`` until what it returned (copies, ccxt updates its dicts) satisfies ``done``."""
    seen: list = []
    async with asyncio.timeout(3):
        while not done(seen):
            seen.extend(dict(x) for x in await watch())
    return seen


async def arrived(received: Messages, count: int) -> None:
    """Until ccxt has received ``count`` messages."""
    async with asyncio.timeout(3):
        while len(received) < count:
            received.changed.clear()
            await received.changed.wait()


@contextlib.asynccontextmanager
async def subscribed(fake: FakeBinanceFutures, pro: ccxt_pro.binanceusdm) -> AsyncIterator[None]:
    """A watch_orders call in the background, so that the user-data socket is open."""
    task = asyncio.create_task(pro.watch_orders())
    await fake.wait_stream_connected(fake.stream.connections + 1)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, NetworkError):
            await task


async def _bracket(pro: ccxt_pro.binanceusdm) -> tuple[dict, dict]:
    await pro.create_order(XRP, "market", "buy", 1000, None, {"clientOrderId": "gl-t1-entry-1"})
    sl = await pro.create_order(
        XRP, "market", "sell", 1000, None,
        {"stopLossPrice": 0.48, "reduceOnly": True, "clientOrderId": "gl-t1-stop-1"},
    )  # fmt: skip
    tp = await pro.create_order(
        XRP, "market", "sell", 500, None,
        {"takeProfitPrice": 0.52, "reduceOnly": True, "clientOrderId": "gl-t1-tp1-1"},
    )  # fmt: skip
    return sl, tp


# -------------------------------------------------------------------- subscribing
async def test_subscribes_with_a_listen_key_on_the_private_route(fake, pro) -> None:
    async with subscribed(fake, pro):
        posts = [p for m, path, p in fake.requests if (m, path) == ("POST", "/fapi/v1/listenKey")]
        assert posts == [{}]  # the API key header only: no timestamp, no signature
        assert len(fake.listen_key or "") == 64
        host = fake.tls_base_url.removeprefix("https://")
        assert f"wss://{host}/private/ws?listenKey={fake.listen_key}" in pro.clients
        assert pro.options["linear"]["listenKey"] == fake.listen_key
        assert (await pro.fapiPrivatePostListenKey())["listenKey"] == fake.listen_key
        assert (await pro.fapiPrivatePutListenKey())["listenKey"] == fake.listen_key
    with pytest.raises(NetworkError):  # public streams are not served
        await pro.watch_ticker(XRP)


async def test_delete_closes_the_stream(fake, pro) -> None:
    watcher = asyncio.create_task(pro.watch_orders())
    await fake.wait_stream_connected()
    await pro.fapiPrivateDeleteListenKey()
    with pytest.raises(NetworkError, match="closing code 1000"):
        await watcher
    assert fake.listen_key is None and fake.stream.sockets == 0
    with pytest.raises(AuthenticationError, match="-1125"):
        await pro.fapiPrivatePutListenKey()


# -------------------------------------------------------------------- events
async def test_entry_fill_reaches_orders_trades_and_positions(fake, pro) -> None:
    received = spy(pro)
    assert await pro.watch_positions([XRP]) == []  # the REST snapshot: flat
    positions = asyncio.create_task(until(lambda: pro.watch_positions([XRP]), bool))
    orders = asyncio.create_task(until(pro.watch_orders, lambda s: s and s[-1]["filled"]))
    trades = asyncio.create_task(until(lambda: pro.watch_my_trades(XRP), bool))
    await fake.wait_stream_connected()
    await asyncio.sleep(0)  # every watcher is waiting
    entry = await pro.create_order(XRP, "market", "buy", 1000, None, {"clientOrderId": "e-1"})
    (position,) = await positions
    assert (position["symbol"], position["side"], position["contracts"]) == (XRP, "long", 1000)
    assert (position["entryPrice"], position["marginMode"], position["hedged"]) == (
        0.5,
        "cross",
        False,
    )
    final = (await orders)[-1]
    assert (final["id"], final["clientOrderId"], final["status"]) == (entry["id"], "e-1", "closed")
    assert (final["filled"], final["average"], final["amount"]) == (1000, 0.5, 1000)
    (trade,) = await trades
    assert (trade["id"], trade["order"], trade["side"], trade["takerOrMaker"]) == (
        str(fake.trades[0].trade_id),
        entry["id"],
        "buy",
        "taker",
    )
    assert (trade["price"], trade["amount"], trade["fee"]) == (
        0.5,
        1000,
        {"cost": 0.2, "currency": "USDT"},
    )
    assert names(received) == ["ORDER:NEW:NEW", "ACCOUNT:ORDER", "ORDER:TRADE:FILLED"]
    account = received[1]["a"]
    assert account["B"] == [
        {"a": "USDT", "wb": "9999.80000000", "cw": "9999.80000000", "bc": "0.00000000"}
    ]
    assert account["P"] == [
        {
            "s": "XRPUSDT",
            "pa": "1000.0",
            "ep": "0.50000000",
            "bep": "0.50000000",
            "cr": "0.00000000",
            "up": "0.00000000",
            "mt": "cross",
            "iw": "0.00000000",
            "ps": "BOTH",
        }
    ]
    assert received[2]["o"]["n"] == "0.20000000" and received[2]["o"]["rp"] == "0.00000000"


async def test_take_profit_fills_then_the_stop_triggers(fake, pro) -> None:
    sl, tp = await _bracket(pro)
    received = spy(pro)
    (snapshot,) = await pro.watch_positions([XRP])  # the first call answers a REST snapshot
    assert (snapshot["contracts"], snapshot["side"]) == (1000, "long")
    positions = asyncio.create_task(
        until(lambda: pro.watch_positions([XRP]), lambda s: any(p["contracts"] == 500 for p in s))
    )
    await fake.wait_stream_connected()
    await asyncio.sleep(0)  # the watcher is waiting
    fake.set_price("XRPUSDT", "0.5200")
    (half,) = [p for p in await positions if p["contracts"] == 500]
    assert (half["side"], half["entryPrice"], half["unrealizedPnl"]) == ("long", 0.5, 10)
    await arrived(received, 6)
    actual = fake.algo_orders[1].actual_order_id
    assert names(received) == [
        "ALGO:TRIGGERING",
        "ALGO:TRIGGERED",
        "ORDER:NEW:NEW",
        "ACCOUNT:ORDER",
        "ORDER:TRADE:FILLED",
        "ALGO:FINISHED",
    ]
    assert received[1]["o"]["ai"] == str(actual) and received[1]["o"]["caid"] == "gl-t1-tp1-1"
    assert (received[4]["o"]["i"], received[4]["o"]["rp"], received[4]["o"]["n"]) == (
        actual,
        "10.00000000",
        "0.10400000",
    )
    assert (received[5]["o"]["ap"], received[5]["o"]["aq"]) == ("0.5200", "500.0")
    cached = {o["id"]: o for o in pro.orders}
    assert (cached[tp["id"]]["status"], cached[tp["id"]]["triggerPrice"]) == ("closed", 0.52)
    assert (cached[str(actual)]["status"], cached[str(actual)]["filled"]) == ("closed", 500)

    flat = asyncio.create_task(
        until(lambda: pro.watch_positions([XRP]), lambda s: any(p["contracts"] == 0 for p in s))
    )
    await asyncio.sleep(0)
    fake.set_price("XRPUSDT", "0.4700")  # gaps through the stop: 500 fill at 0.47, the rest expires
    assert (await flat)[-1]["contracts"] == 0
    await arrived(received, 13)
    assert names(received)[6:] == [
        "ALGO:TRIGGERING",
        "ALGO:TRIGGERED",
        "ORDER:NEW:NEW",
        "ACCOUNT:ORDER",
        "ORDER:TRADE:PARTIALLY_FILLED",  # reduce-only 1000 against 500 left
        "ORDER:EXPIRED:EXPIRED",
        "ALGO:FINISHED",
    ]
    stop_fill = received[10]["o"]
    assert (stop_fill["L"], stop_fill["l"], stop_fill["rp"]) == ("0.4700", "500.0", "-15.00000000")
    assert {o["id"]: o["status"] for o in pro.orders}[sl["id"]] == "closed"


async def test_funding_pushes_the_balance(fake, pro) -> None:
    await pro.create_order(XRP, "market", "buy", 1000)
    received = spy(pro)
    balance = asyncio.create_task(pro.watch_balance())
    await fake.wait_stream_connected()
    fake.pay_funding("XRPUSDT", "0.0001")
    assert (await balance)["USDT"]["total"] == 9999.75  # 10000 - 0.2 fee - 0.05 funding
    assert received == [
        {
            "e": "ACCOUNT_UPDATE",
            "E": received[0]["E"],
            "T": received[0]["T"],
            "a": {
                "m": "FUNDING_FEE",
                "B": [
                    {"a": "USDT", "wb": "9999.75000000", "cw": "9999.75000000", "bc": "-0.05000000"}
                ],
                "P": [],  # a cross position: the balance only
            },
        }
    ]


async def test_isolated_funding_pushes_the_position_too(fake, pro) -> None:
    fake.set_margin_mode("XRPUSDT", "isolated")
    await pro.create_order(XRP, "market", "sell", 1000)
    received = spy(pro)
    async with subscribed(fake, pro):
        assert fake.pay_funding("XRPUSDT", "0.0001") == D("0.05")  # a short receives
        await arrived(received, 1)
    (update,) = received
    assert update["a"]["B"][0]["bc"] == "0.05000000"
    assert [(p["s"], p["pa"], p["mt"], p["iw"]) for p in update["a"]["P"]] == [
        ("XRPUSDT", "-1000.0", "isolated", "25.00000000")
    ]


# -------------------------------------------------------------------- stream faults
async def test_drop_closes_abruptly_and_the_same_key_reconnects(fake, pro) -> None:
    watcher = asyncio.create_task(pro.watch_orders())
    await fake.wait_stream_connected()
    key = fake.listen_key
    fake.stream_drop()
    with pytest.raises(NetworkError, match="closing code 1006"):
        await watcher  # ccxt does not reconnect by itself: the caller watches again
    received = spy(pro)
    watcher = asyncio.create_task(pro.watch_orders())
    await fake.wait_stream_connected(2)
    order = await pro.create_order(XRP, "market", "buy", 100)
    assert (await watcher)[0]["id"] == order["id"]
    assert fake.listen_key == key and names(received)[0] == "ORDER:NEW:NEW"
    posts = [r for r in fake.requests if r[:2] == ("POST", "/fapi/v1/listenKey")]
    assert len(posts) == 1  # the cached listen key was reused


async def test_lost_events_never_reach_ccxt(fake, pro) -> None:
    received = spy(pro)
    async with subscribed(fake, pro):
        fake.stream_lose_next(3)
        lost = await pro.create_order(XRP, "market", "buy", 100)  # NEW, ACCOUNT, TRADE
        kept = await pro.create_order(XRP, "market", "buy", 200)
        await arrived(received, 3)
    assert names(received) == ["ORDER:NEW:NEW", "ACCOUNT:ORDER", "ORDER:TRADE:FILLED"]
    assert [o["id"] for o in pro.orders] == [kept["id"]] != [lost["id"]]
    assert len(fake.stream_events) == 6 and fake.stream.sent == received


async def test_duplicated_events_arrive_twice_and_ccxt_keeps_one(fake, pro) -> None:
    received = spy(pro)
    async with subscribed(fake, pro):
        fake.stream_duplicate_next(3)
        order = await pro.create_order(XRP, "market", "buy", 100)
        await arrived(received, 6)
    assert names(received) == [
        "ORDER:NEW:NEW",
        "ORDER:NEW:NEW",
        "ACCOUNT:ORDER",
        "ACCOUNT:ORDER",
        "ORDER:TRADE:FILLED",
        "ORDER:TRADE:FILLED",
    ]
    assert [(o["id"], o["status"], o["filled"]) for o in pro.orders] == [
        (order["id"], "closed", 100)
    ]
    assert len(pro.myTrades) == 1  # ccxt's caches are keyed by id


async def test_delayed_event_arrives_out_of_order(fake, pro) -> None:
    received = spy(pro)
    async with subscribed(fake, pro):
        fake.stream_delay_next()
        order = await pro.create_order(XRP, "limit", "buy", 100, 0.45)  # its NEW is held back
        await pro.cancel_order(order["id"], XRP)
        await arrived(received, 2)
    assert names(received) == ["ORDER:CANCELED:CANCELED", "ORDER:NEW:NEW"]
    (cached,) = pro.orders  # ccxt takes the last word: the canceled order looks open
    assert (cached["id"], cached["status"]) == (order["id"], "open")
    assert (await pro.fetch_order(order["id"], XRP))["status"] == "canceled"


# -------------------------------------------------------------------- listen key expiry
async def test_expiry_closes_the_stream_and_ccxt_needs_its_keepalive(fake, pro) -> None:
    received = spy(pro)
    watcher = asyncio.create_task(pro.watch_orders())
    await fake.wait_stream_connected()
    old_key = fake.listen_key
    fake.expire_listen_key()
    with pytest.raises(NetworkError, match="closing code 1000"):
        await watcher
    assert received == [{"e": "listenKeyExpired", "E": received[0]["E"], "listenKey": old_key}]
    assert fake.listen_key is None
    # ccxt ignores listenKeyExpired and dials the cached, dead key again: refused
    with pytest.raises(NetworkError, match="400"):
        await pro.watch_orders()
    # until its keep-alive (every 20 minutes) meets -1125 and forgets the key
    await pro.keep_alive_listen_key()
    assert pro.options["linear"]["listenKey"] is None
    watcher = asyncio.create_task(pro.watch_orders())
    await fake.wait_stream_connected(2)
    assert fake.listen_key not in (None, old_key)
    order = await pro.create_order(XRP, "market", "buy", 100)
    assert (await watcher)[0]["id"] == order["id"]


async def test_keepalive_extends_the_key_until_it_lapses(fake, pro) -> None:
    fake.stream.validity_s = 0.5
    received = spy(pro)
    async with subscribed(fake, pro):
        await asyncio.sleep(0.3)
        await pro.fapiPrivatePutListenKey()  # 0.5 s more from now
        await asyncio.sleep(0.3)
        assert fake.listen_key is not None and fake.stream.sockets == 1
        await arrived(received, 1)  # nothing but the expiry
    assert names(received) == ["listenKeyExpired"] and fake.listen_key is None
