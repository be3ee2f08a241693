"""Account checks and money on the fake Binance, through real ccxt: position mode, margin
mode, the income history (fills, commissions, funding) and the fills of conditional orders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ccxt.base.errors import BadRequest, OperationRejected

from tests.fakes.binance import FakeBinanceFutures

XRP, ETH, BTC = "XRP/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT"
D = Decimal


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures() as server:
        yield server


async def test_hedge_mode_is_read_and_refuses_one_way_orders(fake, ex) -> None:
    assert (await ex.fetch_position_mode(XRP))["hedged"] is False
    fake.set_hedge_mode(True)
    mode = await ex.fetch_position_mode(XRP)
    assert mode == {"info": {"dualSidePosition": True}, "hedged": True}
    with pytest.raises(OperationRejected, match=r"-4061.*position side does not match"):
        await ex.create_order(XRP, "market", "buy", 100)
    with pytest.raises(OperationRejected, match="-4061"):
        await ex.create_order(XRP, "market", "sell", 100, None, {"stopLossPrice": 0.4})
    with pytest.raises(BadRequest, match=r"-1020.*hedge-mode"):
        await ex.create_order(XRP, "market", "buy", 100, None, {"positionSide": "LONG"})
    await ex.set_position_mode(False)  # POST /fapi/v1/positionSide/dual, as on Binance
    assert (await ex.fetch_position_mode())["hedged"] is False and fake.orders == []
    with pytest.raises(OperationRejected, match="-4059"):
        await ex.set_position_mode(False)
    await ex.create_order(XRP, "market", "buy", 100)
    with pytest.raises(OperationRejected, match="-4068"):
        await ex.set_position_mode(True)


async def test_margin_mode_reads_and_changes(fake, ex) -> None:
    assert (await ex.fetch_margin_mode(XRP))["marginMode"] == "cross"
    fake.set_margin_mode("XRPUSDT", "isolated")
    isolated = await ex.fetch_margin_mode(XRP)
    assert (isolated["symbol"], isolated["marginMode"]) == (XRP, "isolated")
    assert isolated["info"] == {
        "symbol": "XRPUSDT",
        "marginType": "ISOLATED",
        "isAutoAddMargin": False,
        "leverage": "20",
        "maxNotionalValue": "1000000",
    }
    modes = await ex.fetch_margin_modes()
    assert {s: modes[s]["marginMode"] for s in (BTC, ETH, XRP)} == {
        BTC: "cross",
        ETH: "cross",
        XRP: "isolated",
    }
    await ex.create_order(XRP, "market", "buy", 1000)
    (v3,) = await ex.fetch_positions([XRP])
    (v2,) = await ex.fetch_positions([XRP], {"useV2": True})
    assert (v3["marginMode"], v2["marginMode"]) == ("isolated", "isolated")
    assert v2["info"]["isolatedWallet"] == "25.00000000"  # 1000 x 0.5 / 20x
    with pytest.raises(OperationRejected, match="-4048"):
        await ex.set_margin_mode("cross", XRP)
    await ex.create_order(XRP, "market", "sell", 1000, None, {"reduceOnly": True})
    await ex.set_margin_mode("cross", XRP)  # POST /fapi/v1/marginType
    assert fake.engine.margin_type["XRPUSDT"] == "cross"
    with pytest.raises(OperationRejected, match="-4046"):
        await ex.set_margin_mode("cross", XRP)
    with pytest.raises(ValueError, match="margin mode"):
        fake.set_margin_mode("XRPUSDT", "portfolio")


async def test_income_history_of_fills_and_funding(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 1000)  # fee 0.2
    assert fake.pay_funding("XRPUSDT", "0.0001") == D("-0.05")  # a long pays 1000 x 0.5 x 0.01 %
    assert fake.pay_funding("ETHUSDT", "0.0001") == 0  # flat: nothing booked
    fake.set_price("XRPUSDT", "0.6000")
    await ex.create_order(XRP, "market", "sell", 1000, None, {"reduceOnly": True})  # +100, fee 0.24
    await ex.create_order(XRP, "market", "sell", 200)  # a short receives a positive rate
    assert fake.pay_funding("XRPUSDT", "0.0002") == D("0.024")  # 200 x 0.6 x 0.02 %
    ledger = await ex.fetch_ledger("USDT")
    assert [(e["type"], e["direction"], e["amount"]) for e in ledger] == [
        ("commission", "out", 0.2),
        ("fee", "out", 0.05),
        ("trade", "in", 100.0),
        ("commission", "out", 0.24),
        ("commission", "out", 0.048),
        ("fee", "in", 0.024),
    ]
    assert ledger[2]["referenceId"] == str(fake.trades[1].trade_id)
    funding = await ex.fetch_funding_history(XRP)
    assert [(f["symbol"], f["code"], f["amount"]) for f in funding] == [
        (XRP, "USDT", -0.05),
        (XRP, "USDT", 0.024),
    ]
    assert funding[0]["info"]["incomeType"] == funding[0]["info"]["info"] == "FUNDING_FEE"
    assert funding[0]["info"]["tradeId"] == ""
    assert fake.wallet_balance == D("10000") - D("0.2") - D("0.05") + 100 - D("0.24") - D(
        "0.048"
    ) + D("0.024")
    assert (await ex.fetch_balance())["USDT"]["total"] == float(fake.wallet_balance)
    assert (await ex.fetch_funding_rate(XRP))["fundingRate"] == 0.0002
    pnl = await ex.fapiPrivateGetIncome({"incomeType": "REALIZED_PNL", "symbol": "XRPUSDT"})
    assert [row["income"] for row in pnl] == ["100.00000000"]
    since = fake.incomes[3].time
    assert len(await ex.fetch_ledger("USDT", since, 2)) == 2


async def test_triggered_orders_fill_under_their_actual_order_id(fake, ex) -> None:
    await ex.create_order(XRP, "market", "buy", 1000)
    params = {"stopLossPrice": 0.48, "reduceOnly": True, "clientOrderId": "sl"}
    stop = await ex.create_order(XRP, "market", "sell", 1000, None, params)
    fake.set_price("XRPUSDT", "0.4700")
    done = await ex.fetch_order(stop["id"], XRP, {"trigger": True})
    trades = await ex.fetch_my_trades(XRP)
    assert trades[-1]["order"] == done["info"]["actualOrderId"] != stop["id"]
    assert (trades[-1]["price"], trades[-1]["amount"]) == (0.47, 1000)
    assert trades[-1]["info"]["realizedPnl"] == "-30.00000000"
