"""Whole lifecycles on the paper exchange, replaying real XRP/USDT candles (Nov 2021).

Every expected number below can be checked by hand against tests/data/XRPUSDT-PERP-5m.csv;
the comments say which candle does what. Fees are Binance's 0.04 % taker rate; the paper
exchange runs without slippage here so that fills land exactly on the levels.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.trading.conftest import PaperDesk, build_desk, entry_alert
from trading.alerts import Side, TakeProfitSpec
from trading.events import (
    EntryFilled,
    OfferApproved,
    OfferMade,
    ProtectionPlaced,
    ProtectiveOrder,
    StopFilled,
    StopMoved,
    TakeProfitFilled,
    TradeClosed,
)
from trading.states import TradeStatus
from trading.store.database import Database

TAKER = Decimal("0.0004")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_long_takes_the_whole_ladder_with_the_stop_at_breakeven(
    paper_desk: PaperDesk,
) -> None:
    desk = paper_desk
    trade = await desk.offer(entry_alert())
    assert trade.plan.entry_price == Decimal("1.0707")  # open of the 10:00 candle
    assert trade.plan.amount == Decimal("9345.7")  # 1 % of 10,000 / (1.0707 - 1.0600), floored
    assert [tp.amount for tp in trade.plan.take_profits] == [
        Decimal("2803.7"),
        Decimal("2803.7"),
        Decimal("3738.3"),  # the last rung takes the remainder: 9345.7 in all
    ]

    trade = await desk.approve_and_enter(trade)
    assert (trade.status, trade.entry_price) == (TradeStatus.OPEN, Decimal("1.0707"))
    trade = await desk.run_until_closed(trade.id)

    events = await desk.events(trade.id)
    assert [type(e.event) for e in events] == [
        OfferMade,
        OfferApproved,
        EntryFilled,
        ProtectionPlaced,  # stop 1.0600 for 9345.7, TPs 1.09 / 1.11 / 1.13
        TakeProfitFilled,  # 10:40 candle reaches 1.0950
        StopMoved,  # to 1.0707 * 1.001 = 1.07177 -> 1.0718 (rounded up)
        ProtectionPlaced,  # the stop now covers 6542.0
        TakeProfitFilled,  # 11:15 candle reaches 1.1103
        ProtectionPlaced,  # the stop now covers 3738.3
        TakeProfitFilled,  # 2021-11-18 01:30 candle reaches 1.1377
        TradeClosed,
    ]
    tp1, moved, resized = events[4], events[5], events[6]
    assert isinstance(tp1.event, TakeProfitFilled) and isinstance(moved.event, StopMoved)
    assert isinstance(resized.event, ProtectionPlaced)
    assert tp1.created_at == at("2021-11-17T10:45:00")
    assert (tp1.event.price, tp1.event.amount) == (Decimal("1.09"), Decimal("2803.7"))
    assert tp1.event.pnl == Decimal("0.0193") * Decimal("2803.7")
    assert (moved.event.from_price, moved.event.to_price) == (Decimal("1.06"), Decimal("1.0718"))
    assert resized.event.orders == (ProtectiveOrder("stop", Decimal("6542.0"), Decimal("1.0718")),)
    assert events[7].created_at == at("2021-11-17T11:20:00")
    assert events[9].created_at == at("2021-11-18T01:35:00")

    gross = (
        Decimal("0.0193") * Decimal("2803.7")
        + Decimal("0.0393") * Decimal("2803.7")
        + Decimal("0.0593") * Decimal("3738.3")
    )
    fees = TAKER * (
        Decimal("9345.7") * Decimal("1.0707")
        + Decimal("2803.7") * Decimal("1.09")
        + Decimal("2803.7") * Decimal("1.11")
        + Decimal("3738.3") * Decimal("1.13")
    )
    assert trade.close_reason == "take-profit"
    assert (trade.realized_pnl, trade.fees) == (gross, fees)
    assert gross == Decimal("385.97801")
    assert trade.r_multiple == Decimal("3.78")  # 377.82 net / 99.999 risked
    position = await desk.exchange.fetch_positions([trade.symbol])
    assert position == []
    balance = await desk.exchange.fetch_balance()
    assert balance.total == Decimal(10000) + gross - fees


async def test_long_stopped_at_breakeven_after_tp1(database: Database) -> None:
    desk = await build_desk(database, at("2021-11-18T00:00:00"))
    try:
        alert = entry_alert(
            stop_loss=Decimal("1.08"),
            take_profits=(
                TakeProfitSpec(price=Decimal("1.12"), close_pct=Decimal(50)),
                TakeProfitSpec(price=Decimal("1.20")),
            ),
        )
        trade = await desk.approve_and_enter(await desk.offer(alert))
        assert trade.entry_price == Decimal("1.0959")
        assert trade.filled_qty == Decimal("6289.3")  # 100 / 0.0159, floored
        trade = await desk.run_until_closed(trade.id)
    finally:
        await desk.close()

    events = await desk.events(trade.id)
    assert [type(e.event) for e in events][-5:] == [
        TakeProfitFilled,  # 01:30 candle reaches 1.1377
        StopMoved,  # 1.0959 * 1.001 = 1.0969959 -> 1.0970
        ProtectionPlaced,
        StopFilled,  # 07:35 candle dips to 1.0966
        TradeClosed,
    ]
    stop_fill = next(e for e in events if isinstance(e.event, StopFilled))
    assert stop_fill.created_at == at("2021-11-18T07:40:00")
    assert isinstance(stop_fill.event, StopFilled)
    assert (stop_fill.event.price, stop_fill.event.amount) == (Decimal("1.097"), Decimal("3144.7"))
    assert stop_fill.event.breakeven is True
    assert trade.close_reason == "breakeven stop"
    assert trade.realized_pnl == Decimal("0.0241") * Decimal("3144.6") + Decimal(
        "0.0011"
    ) * Decimal("3144.7")


async def test_short_stop_hit_first_cancels_the_take_profits(database: Database) -> None:
    desk = await build_desk(database, at("2021-11-17T10:00:00"))
    try:
        alert = entry_alert(
            side=Side.SELL,
            stop_loss=Decimal("1.0800"),
            take_profits=(
                TakeProfitSpec(price=Decimal("1.06"), close_pct=Decimal(50)),
                TakeProfitSpec(price=Decimal("1.05")),
            ),
        )
        trade = await desk.approve_and_enter(await desk.offer(alert))
        assert trade.filled_qty == Decimal("10752.6")  # 100 / 0.0093, floored
        trade = await desk.run_until_closed(trade.id)
        # the 10:00 candle rises to 1.0816: the stop at 1.0800 fills at its price
        assert trade.close_reason == "stop loss"
        assert trade.realized_pnl == Decimal("-0.0093") * Decimal("10752.6")
        async with desk.store.read() as tx:
            orders = await tx.orders_of(trade.id)
        tps = [o for o in orders if o.leg.startswith("tp")]
        assert tps and all(o.status.value == "cancelled" for o in tps)
        assert await desk.exchange.fetch_open_orders(trade.symbol) == []
    finally:
        await desk.close()


async def test_short_takes_both_rungs(database: Database) -> None:
    desk = await build_desk(database, at("2021-11-18T12:00:00"))
    try:
        alert = entry_alert(
            side=Side.SELL,
            stop_loss=Decimal("1.1000"),
            take_profits=(
                TakeProfitSpec(price=Decimal("1.0600"), close_pct=Decimal(50)),
                TakeProfitSpec(price=Decimal("1.0300")),
            ),
        )
        trade = await desk.approve_and_enter(await desk.offer(alert))
        assert (trade.entry_price, trade.filled_qty) == (Decimal("1.0850"), Decimal("6666.6"))
        trade = await desk.run_until_closed(trade.id)
        events = await desk.events(trade.id)
    finally:
        await desk.close()
    fills = [(e.created_at, e.event) for e in events if isinstance(e.event, TakeProfitFilled)]
    assert [(at_, e.price, e.amount) for at_, e in fills] == [
        (at("2021-11-18T15:15:00"), Decimal("1.06"), Decimal("3333.3")),  # 15:10 falls to 1.059
        (at("2021-11-18T17:05:00"), Decimal("1.03"), Decimal("3333.3")),  # 17:00 to 1.0296
    ]
    [moved] = [e.event for e in events if isinstance(e.event, StopMoved)]
    assert moved.to_price == Decimal("1.0839")  # 1.0850 * 0.999 = 1.083915, down for a short
    assert trade.realized_pnl == Decimal("0.025") * Decimal("3333.3") + Decimal("0.055") * Decimal(
        "3333.3"
    )
