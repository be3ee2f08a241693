"""exit / tpN / …breakeven / cancel alerts, refused entries and partial closes, on paper.

The desk starts at 2021-11-17 10:00 (XRP 1.0707) with the default long: 9345.7 XRP, stop
1.0600, TPs 1.09 / 1.11 / 1.13 for 2803.7 / 2803.7 / 3738.3. Inside a candle the price is its
open: 10:05 1.0800, 10:45 1.0899. Breakeven is 1.0707 * 1.001 = 1.0717707 -> 1.0718.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.trading.conftest import ALICE, XRP, Desk, build_desk, entry_alert
from trading.alert_handler import AlertOutcome, NotOffered, Outcome
from trading.alerts import Alert, AlertKind, OrderType
from trading.events import (
    AlertActed,
    AlertNotOffered,
    EntryFilled,
    EntryPlaced,
    OfferApproved,
    OfferMade,
    PositionReduced,
    ProtectionPlaced,
    StopMoved,
    TakeProfitFilled,
    TradeCancelled,
)
from trading.exchange.base import OrderState
from trading.orders import OrderKind, OrderStatus
from trading.states import TradeStatus
from trading.store.database import Database
from trading.trade import Trade

D = Decimal
FIVE_MINUTES = 300_000
STOP, TP = OrderKind.STOP_MARKET, OrderKind.TAKE_PROFIT_MARKET


def signal(kind: AlertKind, **fields) -> Alert:
    """An acting alert for XRP, as the parser makes it (no side needed)."""
    return Alert(kind=kind, ticker="XRPUSDT.P", message=kind.value, **fields)


async def send(desk: Desk, alert: Alert) -> AlertOutcome:
    return await desk.send(alert)


async def entered(desk: Desk, **fields) -> Trade:
    """The default long, approved and filled at 10:00, then five minutes later (1.0800)."""
    trade = await desk.approve_and_enter(await desk.offer(entry_alert(**fields)))
    assert trade.status is TradeStatus.OPEN
    await wait(desk, 1)
    return trade


async def wait(desk: Desk, polls: int) -> None:
    for _ in range(polls):
        desk.clock.advance(FIVE_MINUTES)
        await desk.monitor.poll_once()


async def book_orders(desk: Desk) -> list[tuple[OrderKind, str, str | None]]:
    orders = await desk.exchange.fetch_open_orders(XRP.symbol)
    return sorted((o.kind, str(o.amount), str(o.trigger_price or o.price)) for o in orders)


# --- tpN ----------------------------------------------------------------------------------


async def test_a_tp2_alert_takes_tp2_at_market_and_cancels_its_order(paper_desk: Desk) -> None:
    trade = await entered(paper_desk)

    outcome = await send(paper_desk, signal(AlertKind.TAKE_PROFIT, tp_index=2))

    assert (outcome.outcome, outcome.reason) == (Outcome.ACTED, "tp2 alert")
    trade = await paper_desk.trade(trade.id)
    assert trade.closed_qty == D("2803.7")
    assert trade.realized_pnl == D("26.07441")  # (1.0800 - 1.0707) * 2803.7
    async with paper_desk.store.read() as tx:
        legs = [(o.leg, o.kind, o.status) for o in await tx.orders_of(trade.id) if o.leg == "tp2"]
    assert legs == [
        ("tp2", TP, OrderStatus.CANCELLED),  # the resting take-profit
        ("tp2", OrderKind.MARKET, OrderStatus.FILLED),  # taken now instead
    ]
    assert await book_orders(paper_desk) == [
        (STOP, "6542.0", "1.0718"),  # 9345.7 - 2803.7, at breakeven: TP2 is the first TP taken
        (TP, "2803.7", "1.0900"),
        (TP, "3738.3", "1.1300"),
    ]
    filled = await paper_desk.of_type(trade.id, TakeProfitFilled)
    assert [(e.index, e.price) for e in filled] == [(2, D("1.08"))]


async def test_with_breakeven_after_tp2_a_tp2_alert_moves_the_stop(database: Database) -> None:
    desk = await build_desk(database, datetime(2021, 11, 17, 10, tzinfo=UTC), breakeven_after_tp=2)
    try:
        trade = await entered(desk)

        await send(desk, signal(AlertKind.TAKE_PROFIT, tp_index=2))

        trade = await desk.trade(trade.id)
        assert (trade.stop_price, trade.remaining) == (D("1.0718"), D("6542.0"))
        assert trade.breakeven_at is not None
    finally:
        await desk.close()


async def test_with_breakeven_after_tp2_tp1_alone_keeps_the_stop(database: Database) -> None:
    desk = await build_desk(database, datetime(2021, 11, 17, 10, tzinfo=UTC), breakeven_after_tp=2)
    try:
        trade = await entered(desk)
        await wait(desk, 8)  # to 10:45: the 10:40 candle reaches 1.095, TP1 fills at 1.09

        trade = await desk.trade(trade.id)
        assert (trade.closed_qty, trade.stop_price) == (D("2803.7"), D("1.0600"))
        assert StopMoved not in await desk.kinds(trade.id)

        await send(desk, signal(AlertKind.TAKE_PROFIT, tp_index=2))  # the second TP taken

        trade = await desk.trade(trade.id)
        assert (trade.stop_price, trade.remaining) == (D("1.0718"), D("3738.3"))
        assert await book_orders(desk) == [(STOP, "3738.3", "1.0718"), (TP, "3738.3", "1.1300")]
    finally:
        await desk.close()


# --- breakeven, cancel, exit --------------------------------------------------------------


async def test_a_breakeven_alert_moves_the_stop_at_once(paper_desk: Desk) -> None:
    trade = await entered(paper_desk)

    outcome = await send(paper_desk, signal(AlertKind.BREAKEVEN))

    assert outcome.outcome is Outcome.ACTED
    trade = await paper_desk.trade(trade.id)
    assert trade.stop_price == D("1.0718") and trade.breakeven_at == paper_desk.clock.now()
    moved = await paper_desk.of_type(trade.id, StopMoved)
    assert [(e.from_price, e.to_price, e.reason) for e in moved] == [
        (D("1.0600"), D("1.0718"), "breakeven alert")
    ]
    stops = [o for o in await book_orders(paper_desk) if o[0] is STOP]
    assert stops == [(STOP, "9345.7", "1.0718")]  # the old stop at 1.0600 is gone


async def test_a_breakeven_alert_with_its_own_level_uses_it(paper_desk: Desk) -> None:
    trade = await entered(paper_desk)  # 10:05, 1.0800

    await send(paper_desk, signal(AlertKind.BREAKEVEN, breakeven_price=D("1.07254")))

    trade = await paper_desk.trade(trade.id)
    assert trade.stop_price == D("1.0726")  # on the tick, up for a long's stop
    assert [o for o in await book_orders(paper_desk) if o[0] is STOP] == [
        (STOP, "9345.7", "1.0726")
    ]


async def test_a_cancel_alert_withdraws_a_pending_trade(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())

    outcome = await send(paper_desk, signal(AlertKind.CANCEL))

    assert outcome.outcome is Outcome.ACTED and outcome.trade is not None
    assert outcome.trade.status is TradeStatus.CANCELLED
    assert (await paper_desk.trade(trade.id)).note == "cancel alert"
    assert await paper_desk.kinds(trade.id) == [OfferMade, AlertActed, TradeCancelled]
    offer = await paper_desk.offer_of(trade)
    assert (offer.status.value, offer.note) == ("cancelled", "cancel alert")


async def test_an_exit_alert_withdraws_a_pending_trade(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())

    await send(paper_desk, signal(AlertKind.EXIT))

    trade = await paper_desk.trade(trade.id)
    assert (trade.status, trade.note) == (TradeStatus.CANCELLED, "exit alert")


async def test_a_cancel_alert_cancels_a_resting_limit_entry(paper_desk: Desk) -> None:
    limit = entry_alert(order_type=OrderType.LIMIT, price=D("1.0650"), stop_loss=D("1.0550"))
    trade = await paper_desk.approve_and_enter(await paper_desk.offer(limit))
    assert trade.status is TradeStatus.ENTERING
    assert await book_orders(paper_desk) == [(OrderKind.LIMIT, "10000.0", "1.0650")]  # 100 / 0.0100

    await send(paper_desk, signal(AlertKind.CANCEL))

    assert (await paper_desk.trade(trade.id)).status is TradeStatus.CANCELLED
    assert await book_orders(paper_desk) == []
    [order] = paper_desk.exchange.book.orders.values()
    assert order.state is OrderState.CANCELED
    assert await paper_desk.exchange.fetch_positions([XRP.symbol]) == []


@pytest.mark.parametrize(
    "alert",
    [
        signal(AlertKind.EXIT),
        signal(AlertKind.TAKE_PROFIT, tp_index=1),
        signal(AlertKind.BREAKEVEN),
        signal(AlertKind.CANCEL),
    ],
)
async def test_acting_alerts_without_a_trade_are_ignored(paper_desk: Desk, alert) -> None:
    outcome = await send(paper_desk, alert)

    assert outcome.outcome is Outcome.IGNORED
    assert outcome.reason == "no open or pending trade for XRPUSDT.P"


async def test_an_acting_alert_of_another_strategy_is_ignored(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert(strategy="Replay"))

    other = await send(paper_desk, signal(AlertKind.CANCEL, strategy="Momentum"))
    assert other.outcome is Outcome.IGNORED
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.PENDING

    same = await send(paper_desk, signal(AlertKind.CANCEL, strategy="Replay"))
    assert same.outcome is Outcome.ACTED
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.CANCELLED


# --- entries that are not offered ---------------------------------------------------------


async def test_an_entry_while_paused_is_recorded_not_offered(paper_desk: Desk) -> None:
    await paper_desk.desk.pause(ALICE)

    outcome = await send(paper_desk, entry_alert())

    assert (outcome.outcome, outcome.not_offered, outcome.trade) == (
        Outcome.NOT_OFFERED,
        NotOffered.PAUSED,
        None,
    )
    async with paper_desk.store.read() as tx:
        assert await tx.recent(10) == [] and await tx.recent_offers(10) == []
        [notice] = [e.event for e in await tx.latest_events(10) if e.offer_id is None][-1:]
    assert notice == AlertNotOffered("XRPUSDT.P", "buy", "trading is paused", "paused")


async def test_a_second_entry_on_a_symbol_with_an_active_trade_is_refused(paper_desk) -> None:
    first = await paper_desk.offer(entry_alert())

    outcome = await send(paper_desk, entry_alert())

    assert outcome.not_offered is NotOffered.TRADE_ACTIVE
    assert f"already pending (trade {first.id})" in outcome.reason
    assert XRP.symbol in outcome.reason


async def test_an_entry_for_an_unknown_ticker_is_refused(paper_desk: Desk) -> None:
    outcome = await send(paper_desk, entry_alert(ticker="BINANCE:DOGEUSDT.P"))

    assert outcome.not_offered is NotOffered.UNKNOWN_SYMBOL
    assert outcome.reason == "no market for ticker 'BINANCE:DOGEUSDT.P' on binanceusdm"


async def test_a_plan_refusal_is_an_outcome_not_an_error(paper_desk: Desk) -> None:
    outcome = await send(paper_desk, entry_alert(stop_loss=D("1.0800")))  # above a long's entry

    assert outcome.not_offered is NotOffered.PLAN_REFUSED
    assert "not below the entry 1.0707" in outcome.reason


# --- a resting limit entry and a partial close --------------------------------------------


async def test_a_limit_entry_rests_and_is_protected_once_the_price_reaches_it(
    paper_desk: Desk,
) -> None:
    await wait(paper_desk, 1)  # 10:05, 1.0800
    limit = entry_alert(order_type=OrderType.LIMIT, price=D("1.0710"))
    trade = await paper_desk.approve_and_enter(await paper_desk.offer(limit))
    assert trade.status is TradeStatus.ENTERING
    # 100 / (1.0710 - 1.0600) = 9090.9; 30 % = 2727.27 -> 2727.2; the rest 3636.5

    await wait(paper_desk, 6)  # to 10:35: the lows stay above 1.0710
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.ENTERING
    assert await book_orders(paper_desk) == [(OrderKind.LIMIT, "9090.9", "1.0710")]

    await wait(paper_desk, 1)  # 10:40: the 10:35 candle fell to 1.0703

    trade = await paper_desk.trade(trade.id)
    assert (trade.status, trade.entry_price, trade.filled_qty) == (
        TradeStatus.OPEN,
        D("1.0710"),
        D("9090.9"),
    )
    assert trade.fees == D("1.94727078")  # maker: 9090.9 * 1.0710 * 0.02 %
    assert await book_orders(paper_desk) == [
        (STOP, "9090.9", "1.0600"),
        (TP, "2727.2", "1.0900"),
        (TP, "2727.2", "1.1100"),
        (TP, "3636.5", "1.1300"),
    ]
    assert await paper_desk.kinds(trade.id) == [
        OfferMade,
        OfferApproved,
        EntryPlaced,
        EntryFilled,
        ProtectionPlaced,
    ]


async def test_closing_half_shrinks_the_stop_and_the_take_profits(paper_desk: Desk) -> None:
    trade = await entered(paper_desk)

    trade = await paper_desk.executor.close_part(trade.id, D(50), "closed half by hand")

    # 9345.7 / 2 = 4672.85 -> 4672.8 closed at 1.0800, 4672.9 left
    assert (trade.closed_qty, trade.remaining) == (D("4672.8"), D("4672.9"))
    assert trade.realized_pnl == D("43.45704")  # 0.0093 * 4672.8
    # 4672.9 * 30 % = 1401.87 -> 1401.8 twice; the last takes 4672.9 - 2803.6 = 1869.3
    assert await book_orders(paper_desk) == [
        (STOP, "4672.9", "1.0600"),
        (TP, "1401.8", "1.0900"),
        (TP, "1401.8", "1.1100"),
        (TP, "1869.3", "1.1300"),
    ]
    [position] = await paper_desk.exchange.fetch_positions([XRP.symbol])
    assert position.amount == D("4672.9")
    reduced = await paper_desk.of_type(trade.id, PositionReduced)
    assert reduced[0].by == "closed half by hand"
