"""Faults on each leg through real ccxt: never two orders for one intent, never a naked stop."""

from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from tests.fakes.binance import FakeBinanceFutures
from tests.trading.conftest import ALICE, Desk, open_desk
from tests.trading.test_binance_lifecycle import SYMBOL, long_alert, open_algos
from trading.events import PositionReduced, ProtectionFailed, TradeFailed, TradeWarning
from trading.orders import OrderStatus
from trading.states import TradeStatus
from trading.store.database import Database

ORDER = "/fapi/v1/order"
ALGO = "/fapi/v1/algoOrder"


def entries(fake: FakeBinanceFutures) -> list:
    return [o for o in fake.orders if o.type == "MARKET" and not o.reduce_only]


@pytest.mark.parametrize("kind", ["lost_response", "timeout_after"])
async def test_entry_accepted_but_answer_lost_is_found_not_repeated(
    desk: Desk, fake: FakeBinanceFutures, kind: str
) -> None:
    fake.fail_next("POST", ORDER, kind=kind)
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    assert len(entries(fake)) == 1
    assert trade.status is TradeStatus.OPEN and trade.filled_qty == Decimal("5000.0")
    assert len(open_algos(fake)) == 4
    async with desk.store.read() as tx:
        orders = await tx.orders_of(trade.id)
    entry = [o for o in orders if o.leg == "entry"]
    assert [(o.attempt, o.status) for o in entry] == [(1, OrderStatus.FILLED)]


@pytest.mark.parametrize("kind", ["timeout_before", "http_503", "http_500"])
async def test_entry_never_received_is_placed_again_once(
    desk: Desk, fake: FakeBinanceFutures, kind: str
) -> None:
    fake.fail_next("POST", ORDER, kind=kind)
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    assert len(entries(fake)) == 1
    async with desk.store.read() as tx:
        orders = await tx.orders_of(trade.id)
    entry = [o for o in orders if o.leg == "entry"]
    assert [(o.attempt, o.status) for o in entry] == [
        (1, OrderStatus.REJECTED),
        (2, OrderStatus.FILLED),
    ]
    assert entry[0].client_id != entry[1].client_id
    assert trade.status is TradeStatus.OPEN


@pytest.mark.parametrize("kind", ["lost_response", "timeout_after", "timeout_before", "http_503"])
async def test_stop_leg_faults_leave_exactly_one_stop(
    desk: Desk, fake: FakeBinanceFutures, kind: str
) -> None:
    fake.fail_next("POST", ALGO, kind=kind)  # the first algo order is the stop
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    stops = [a for a in open_algos(fake) if a.order_type == "STOP_MARKET"]
    assert len(stops) == 1 and stops[0].quantity == Decimal("5000.0")
    assert len(open_algos(fake)) == 4
    assert trade.status is TradeStatus.OPEN


async def test_take_profit_faults_leave_one_order_per_rung(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    fake.fail_next("POST", ALGO, kind="http_503", times=2)  # stop, then TP1: each retried
    fake.fail_next("POST", ALGO, kind="lost_response")  # TP2's answer lost
    await desk.approve_and_enter(await desk.offer(long_alert()))
    rungs = sorted(a.trigger_price for a in open_algos(fake) if a.order_type != "STOP_MARKET")
    assert rungs == [Decimal("1.02"), Decimal("1.04"), Decimal("1.06")]


async def test_a_stop_that_cannot_be_placed_closes_the_position(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    fake.reject_next("POST", ALGO, code=-2021, msg="Order would immediately trigger.")
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    assert trade.status is TradeStatus.CLOSED
    assert fake.positions["XRPUSDT"].size == 0
    assert open_algos(fake) == []
    loud = await desk.of_type(trade.id, ProtectionFailed)
    assert loud and "stop could not be placed" in loud[0].message
    errors = await desk.of_type(trade.id, TradeWarning)
    assert "would immediately trigger" in errors[0].message
    assert trade.close_reason == "closed: the stop could not be placed"


async def test_stop_unplaceable_after_retries_also_closes(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    # the stop and TPs go out together: make every algo order fail through all attempts
    fake.fail_next("POST", ALGO, kind="http_503", times=12)
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    assert trade.status is TradeStatus.CLOSED and fake.positions["XRPUSDT"].size == 0
    assert ProtectionFailed in await desk.kinds(trade.id)
    stop_posts = [r for r in fake.requests if r[:2] == ("POST", ALGO) and "-stop-" in str(r[2])]
    assert len(stop_posts) == 3  # three attempts, three client ids, then the position closed
    assert open_algos(fake) == []


async def test_insufficient_margin_fails_the_trade_in_words(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    fake.reject_next("POST", ORDER, code=-2019, msg="Margin is insufficient.")
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    assert trade.status is TradeStatus.FAILED
    failed = await desk.of_type(trade.id, TradeFailed)
    assert "margin is insufficient" in failed[0].reason.lower()
    assert entries(fake) == [] and open_algos(fake) == []


@pytest.mark.postgres_too
async def test_restart_mid_lifecycle_is_reconciled(
    database: Database, fake: FakeBinanceFutures
) -> None:
    first = await open_desk(database, fake)
    trade = await first.approve_and_enter(await first.offer(long_alert()))
    await first.close()  # the bot goes down with a protected position
    tp_ids = sorted(a.algo_id for a in open_algos(fake) if a.order_type != "STOP_MARKET")

    fake.play_candle("XRPUSDT", "1.0000", "1.0250", "0.9990", "1.0210")  # TP1 fills meanwhile

    second = await open_desk(database, fake)
    try:
        await second.monitor.reconcile()
        trade = await second.trade(trade.id)
        assert trade.closed_qty == Decimal("1500.0") and trade.stop_price == Decimal("1.0010")
        still_open = sorted(a.algo_id for a in open_algos(fake) if a.order_type != "STOP_MARKET")
        assert still_open == tp_ids[1:]  # TP2 and TP3 are right: left in place, not replaced
        stops = [a for a in open_algos(fake) if a.order_type == "STOP_MARKET"]
        assert [(s.quantity, s.trigger_price) for s in stops] == [
            (Decimal("3500.0"), Decimal("1.001"))
        ]
        await second.monitor.reconcile()  # a second pass changes nothing
        assert len(fake.algo_orders) == 5  # 4 placed at entry + the breakeven stop, no more
    finally:
        await second.close()


async def test_position_closed_by_hand_is_recorded_and_orders_cancelled(
    desk: Desk, fake: FakeBinanceFutures
) -> None:
    trade = await desk.approve_and_enter(await desk.offer(long_alert()))
    human = ccxt_async.binanceusdm(fake.ccxt_config())  # the trader, on the exchange's site
    try:
        await human.create_order(SYMBOL, "market", "sell", 5000, None, {"reduceOnly": True})
    finally:
        await human.close()
    await desk.monitor.poll_once()
    trade = await desk.trade(trade.id)
    assert (trade.status, trade.close_reason) == (TradeStatus.CLOSED, "closed outside Greenlight")
    assert open_algos(fake) == []
    reduced = await desk.of_type(trade.id, PositionReduced)
    assert reduced[0] == PositionReduced(Decimal("5000.0"), "outside Greenlight", Decimal("0.0"))


@pytest.mark.postgres_too
async def test_an_approval_interrupted_before_its_entry_is_entered_after_restart(
    database: Database, fake: FakeBinanceFutures
) -> None:
    first = await open_desk(database, fake)
    trade = await first.offer(long_alert())
    assert (await first.desk.decisions.approve(trade.offer_id, ALICE)).ok  # then the bot stops
    await first.close()

    second = await open_desk(database, fake)
    try:
        await second.monitor.reconcile()
        trade = await second.trade(trade.id)
        assert trade.status is TradeStatus.OPEN
        assert len(entries(fake)) == 1 and len(open_algos(fake)) == 4
    finally:
        await second.close()


@pytest.mark.postgres_too
async def test_an_interrupted_approval_is_dropped_if_the_price_ran_away(
    database: Database, fake: FakeBinanceFutures
) -> None:
    first = await open_desk(database, fake)
    trade = await first.offer(long_alert())
    assert (await first.desk.decisions.approve(trade.offer_id, ALICE)).ok
    await first.close()
    fake.set_price("XRPUSDT", "1.0300")  # 3 % away while the bot was down

    second = await open_desk(database, fake)
    try:
        await second.monitor.reconcile()
        trade = await second.trade(trade.id)
        assert trade.status is TradeStatus.FAILED
        assert trade.note is not None and trade.note.startswith("not entered: the price moved")
        assert "moved 3.00 %" in trade.note and trade.note.endswith("while Greenlight was down")
        assert entries(fake) == []
    finally:
        await second.close()
