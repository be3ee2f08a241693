"""Account switches, funding and the contract's views of the fake Bybit, through real ccxt
``bybit``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ccxt.base.errors import BadRequest, NoChange

from tests.fakes.bybit import FakeBybit
from tests.fakes.exchange import FakeExchange, RestingOrder

XRP, ETH, BTC = "XRP/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT"
D = Decimal


@pytest.fixture
async def fake() -> AsyncIterator[FakeBybit]:
    async with FakeBybit() as server:
        yield server


def _sent(fake: FakeBybit, method: str, path: str) -> list[dict[str, object]]:
    return [p for m, pth, p in fake.requests if (m, pth) == (method, path)]


def test_fake_meets_the_contract() -> None:
    fake: FakeExchange = FakeBybit()
    members = [n for n in vars(FakeExchange) if not n.startswith("_")]
    assert len(members) >= 13 and all(hasattr(fake, n) for n in [*members, "ccxt_id"])
    assert fake.ccxt_id == "bybit"
    with pytest.raises(RuntimeError, match="start the fake"):
        fake.ccxt_config()


async def test_position_mode_and_margin_mode(fake, ex) -> None:
    assert (await ex.fetch_position(XRP))["hedged"] is False  # flat, still reported
    assert (await ex.fetch_margin_mode(XRP))["marginMode"] == "cross"
    fake.set_margin_mode("XRPUSDT", "isolated")
    assert (await ex.fetch_margin_mode(BTC))["marginMode"] == "isolated"  # account-wide
    await ex.set_margin_mode("cross", XRP)
    assert _sent(fake, "POST", "/v5/account/set-margin-mode") == [
        {"setMarginMode": "REGULAR_MARGIN"}
    ]
    assert (await ex.fetch_margin_mode(XRP))["marginMode"] == "cross"
    fake.set_hedge_mode(True)
    hedged = await ex.fetch_positions([XRP])
    assert [(p["hedged"], p["side"], p["info"]["positionIdx"]) for p in hedged] == [
        (True, "long", 1),
        (True, "short", 2),
    ]
    with pytest.raises(BadRequest, match="position idx not match position mode"):
        await ex.create_order(XRP, "market", "buy", 100)
    with pytest.raises(NoChange, match="110025"):
        await ex.set_position_mode(True)
    await ex.set_position_mode(False)
    assert _sent(fake, "POST", "/v5/position/switch-mode")[-1] == {
        "mode": 0,
        "coin": "USDT",
        "category": "linear",
    }
    assert (await ex.fetch_position(XRP))["hedged"] is False
    await ex.create_order(XRP, "market", "buy", 100)
    with pytest.raises(BadRequest, match="110024"):  # not with a position open
        await ex.set_position_mode(True)
    with pytest.raises(ValueError, match="cross"):
        fake.set_margin_mode("XRPUSDT", "portfolio")


async def test_funding_is_paid_and_listed(fake, ex) -> None:
    assert fake.pay_funding("XRPUSDT", "0.0001") == 0  # flat: nothing to settle
    await ex.create_order(XRP, "market", "buy", 1000)
    await ex.create_order(ETH, "market", "sell", 1)
    assert fake.pay_funding("XRPUSDT", "0.0001") == D("0.05")  # 1000 * 0.5 * 0.01 %
    assert fake.pay_funding("ETHUSDT", "0.0002") == D("-0.6")  # the short receives 3000 * 0.02 %
    history = await ex.fetch_funding_history()
    assert [(h["symbol"], h["amount"], h["rate"]) for h in history] == [  # oldest first
        (XRP, 0.05, 0.0001),
        (ETH, -0.6, 0.0002),
    ]
    assert _sent(fake, "GET", "/v5/execution/list")[-1]["execType"] == "Funding"
    fees = D("0.275") + D("1.65")
    assert fake.wallet_balance == D("10000") - fees - D("0.05") + D("0.6")
    assert [t["side"] for t in await ex.fetch_my_trades()] == ["buy", "sell"]  # trades only
    (xrp,) = await ex.fetch_positions([XRP])
    assert xrp["info"]["cumRealisedPnl"] == "-0.325"  # fee + funding


async def test_move_position_by_hand_and_the_contract_views(fake, ex) -> None:
    fake.move_position_by_hand("XRPUSDT", D(-200))
    assert fake.position_size("XRPUSDT") == D(-200)
    await ex.create_order(
        XRP,
        "market",
        "buy",
        200,
        None,
        {"stopLossPrice": 0.6, "reduceOnly": True, "clientOrderId": "gl-9-stop-1"},
    )
    await ex.create_order(XRP, "limit", "buy", 20, 0.45, {"clientOrderId": "gl-9-entry-1"})
    web, stop, limit = fake.orders("XRPUSDT")
    assert (web.client_id, web.kind, web.side, web.status, web.filled) == (
        "",
        "market",
        "sell",
        "Filled",
        D(200),
    )
    assert stop == RestingOrder(
        "gl-9-stop-1", "buy", "stop_market", D(200), None, D("0.6"), True, "Untriggered", D(0)
    )
    assert (stop.leg, limit.leg, limit.kind, limit.price) == ("stop", "entry", "limit", D("0.45"))
    assert fake.resting("XRPUSDT") == [stop, limit] and fake.resting("BTCUSDT") == []
    assert fake.orders("ETHUSDT") == []
