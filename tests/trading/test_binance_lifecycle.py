"""Whole lifecycles through real ccxt against the fake Binance USD-M server."""

from __future__ import annotations

import asyncio
import decimal
from decimal import Decimal

import pytest

from tests.fakes.binance import FakeBinanceFutures
from tests.trading.conftest import Desk, entry_alert
from trading.alerts import AlertKind, Side, TakeProfitSpec
from trading.decisions import Refusal
from trading.events import EntryFilled, StopMoved, TradeClosed
from trading.offer import Actor, Via
from trading.states import TradeStatus

SYMBOL = "XRP/USDT:USDT"

pytestmark = pytest.mark.postgres_too  # the lifecycle runs on PostgreSQL too


def long_alert(**fields: object) -> object:
    values = {
        "stop_loss": Decimal("0.9800"),
        "take_profits": (
            TakeProfitSpec(price=Decimal("1.0200"), close_pct=Decimal(30)),
            TakeProfitSpec(price=Decimal("1.0400"), close_pct=Decimal(30)),
            TakeProfitSpec(price=Decimal("1.0600")),
        ),
    }
    values.update(fields)
    return entry_alert(**values)


def open_algos(fake: FakeBinanceFutures) -> list:
    return [a for a in fake.algo_orders if a.status in ("NEW", "TRIGGERING")]


async def test_long_bracket_then_tp1_then_breakeven_stop(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    trade = await desk.offer(long_alert())
    assert trade.plan.amount == Decimal("5000.0")  # 100 USDT risk / 0.02
    trade = await desk.approve_and_enter(trade)

    assert trade.status is TradeStatus.OPEN and trade.filled_qty == Decimal("5000.0")
    entries = [o for o in fake.orders if o.type == "MARKET"]
    assert len(entries) == 1 and entries[0].side == "BUY"
    algos = open_algos(fake)
    assert sorted(
        (a.order_type, a.side, a.quantity, a.trigger_price, a.reduce_only) for a in algos
    ) == [
        ("STOP_MARKET", "SELL", Decimal("5000.0"), Decimal("0.98"), True),
        ("TAKE_PROFIT_MARKET", "SELL", Decimal("1500.0"), Decimal("1.02"), True),
        ("TAKE_PROFIT_MARKET", "SELL", Decimal("1500.0"), Decimal("1.04"), True),
        ("TAKE_PROFIT_MARKET", "SELL", Decimal("2000.0"), Decimal("1.06"), True),
    ]
    assert all(a.client_algo_id.startswith(f"gl-{trade.id}-") for a in algos)
    assert fake.leverage["XRPUSDT"] == 5

    fake.play_candle("XRPUSDT", "1.0000", "1.0250", "0.9990", "1.0210")  # through TP1
    await desk.monitor.poll_once()
    trade = await desk.trade(trade.id)
    assert trade.closed_qty == Decimal("1500.0")
    assert trade.stop_price == Decimal("1.0010")  # 1.0000 * 1.001, rounded up
    stops = [a for a in open_algos(fake) if a.order_type == "STOP_MARKET"]
    assert [(s.quantity, s.trigger_price) for s in stops] == [(Decimal("3500.0"), Decimal("1.001"))]
    assert fake.positions["XRPUSDT"].size == Decimal("3500.0")

    fake.play_candle("XRPUSDT", "1.0210", "1.0220", "0.9995", "1.0000")  # back through breakeven
    await desk.monitor.poll_once()
    trade = await desk.trade(trade.id)
    assert trade.status is TradeStatus.CLOSED and trade.close_reason == "breakeven stop"
    assert fake.positions["XRPUSDT"].size == 0
    assert open_algos(fake) == []
    expected = Decimal("0.02") * Decimal("1500.0") + Decimal("0.001") * Decimal("3500.0")
    assert trade.realized_pnl == expected
    kinds = await desk.kinds(trade.id)
    assert kinds.count(StopMoved) == 1 and kinds[-1] is TradeClosed


async def test_short_stopped_out_first_cancels_every_take_profit(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    alert = long_alert(
        side=Side.SELL,
        stop_loss=Decimal("1.0200"),
        take_profits=(
            TakeProfitSpec(r=Decimal(1), close_pct=Decimal(50)),
            TakeProfitSpec(r=Decimal(2)),
        ),
    )
    trade = await desk.approve_and_enter(await desk.offer(alert))
    assert fake.positions["XRPUSDT"].size == Decimal("-5000.0")
    fake.play_candle("XRPUSDT", "1.0000", "1.0300", "0.9990", "1.0250")
    await desk.monitor.poll_once()
    trade = await desk.trade(trade.id)
    assert (trade.status, trade.close_reason) == (TradeStatus.CLOSED, "stop loss")
    assert trade.realized_pnl == Decimal("-0.02") * Decimal("5000.0")
    assert open_algos(fake) == [] and fake.positions["XRPUSDT"].size == 0


async def test_exit_alert_closes_the_rest_and_cancels_the_orders(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    fake.set_price("XRPUSDT", "1.0100")
    outcome = await desk.send(entry_alert(kind=AlertKind.EXIT, side=None))
    assert outcome.outcome.value == "acted"
    trade = await desk.trade(trade.id)
    assert (trade.status, trade.close_reason) == (TradeStatus.CLOSED, "exit alert")
    assert trade.realized_pnl == Decimal("0.01") * Decimal("5000.0")
    assert fake.positions["XRPUSDT"].size == 0 and open_algos(fake) == []


async def test_partial_entry_fill_sizes_the_protection_to_what_filled(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    fake.set_market_fill_limit("XRPUSDT", "1200")
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    assert trade.status is TradeStatus.OPEN
    assert (trade.filled_qty, trade.plan.amount) == (Decimal("1200.0"), Decimal("5000.0"))
    algos = sorted((a.order_type, a.quantity) for a in open_algos(fake))
    assert algos == [
        ("STOP_MARKET", Decimal("1200.0")),
        ("TAKE_PROFIT_MARKET", Decimal("360.0")),
        ("TAKE_PROFIT_MARKET", Decimal("360.0")),
        ("TAKE_PROFIT_MARKET", Decimal("480.0")),
    ]
    [filled] = await desk.of_type(trade.id, EntryFilled)
    assert (filled.filled, filled.planned) == (Decimal("1200.0"), Decimal("5000.0"))


async def test_double_approval_places_one_entry(desk: Desk, fake: FakeBinanceFutures) -> None:
    trade = await desk.offer(long_alert())
    users = [Actor(str(user), f"user{user}", Via.DISCORD) for user in range(8)]
    results = await asyncio.gather(*(desk.desk.decide(trade.offer_id, True, u) for u in users))
    assert sum(r.ok for r in results) == 1
    refused = [r for r in results if not r.ok]
    assert all(r.refusal is Refusal.ALREADY_DECIDED for r in refused)
    assert all("already approved by user" in r.message for r in refused)
    await asyncio.gather(*(desk.executor.enter(trade.id) for _ in range(3)))
    await desk.desk.idle()
    assert len([o for o in fake.orders if o.type == "MARKET"]) == 1
    assert len(open_algos(fake)) == 4


async def test_ccxt_leaves_the_decimal_context_alone(desk: Desk, fake: FakeBinanceFutures) -> None:
    """ccxt's precision helpers round half up and trap Underflow in the context they run in."""
    await desk.approve_and_enter(await desk.offer(long_alert()))

    context = decimal.getcontext()
    assert context.rounding == decimal.ROUND_HALF_EVEN
    assert not context.traps[decimal.Underflow]
