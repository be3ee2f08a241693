"""The money path under ambiguity, through real ccxt against fake Binance USD-M and Bybit v5.

Every scenario runs on both exchanges. Faults are addressed to one order leg (the entry, the
stop, a take-profit, the close, the leverage) and are of the kinds an exchange really shows:
a 5xx before or after acting, a timeout before or after acting, a refusal; look-ups may fail
too. The fakes record, after every request, the position and the size covered by resting
reduce-only stops (the ledger): :func:`assert_always_protected` checks that after its first
stop, a position is never without one until it is flat.

The trade: long 5000 XRP at 1.0000, stop 0.98, TPs 1.02 / 1.04 / 1.06 for 1500 / 1500 / 2000.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.bybit import FakeBybit
from tests.fakes.exchange import FakeExchange, RestingOrder, unprotected_spans
from tests.trading.conftest import ALICE, Desk, open_desk
from tests.trading.test_binance_lifecycle import long_alert
from trading.alerts import AlertKind
from trading.errors import ExchangeError
from trading.events import (
    CloseFailed,
    PositionReduced,
    ProtectionFailed,
    ProtectionPlaced,
    StopMoved,
    TradeWarning,
)
from trading.states import TradeStatus
from trading.store.database import Database
from trading.trade import Trade

D = Decimal
XRP = "XRPUSDT"
SYMBOL = "XRP/USDT:USDT"
KINDS = ["error_before", "error_after", "timeout_before", "timeout_after"]
VENUES = {"binance": FakeBinanceFutures, "bybit": FakeBybit}


@pytest.fixture(params=list(VENUES))
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeExchange]:
    async with VENUES[request.param]() as server:
        server.set_price(XRP, "1.0000")
        yield server


# --- what the exchange holds ----------------------------------------------------------------


def resting(fake: FakeExchange, kind: str) -> list[tuple[Decimal, Decimal | None]]:
    orders = [o for o in fake.resting(XRP) if o.kind == kind]
    return sorted((o.amount, o.trigger_price or o.price) for o in orders)


def placed(fake: FakeExchange, leg: str) -> list[RestingOrder]:
    """Orders of ``leg`` the exchange took, whatever became of them."""
    return [o for o in fake.orders(XRP) if o.leg == leg]


def assert_always_protected(fake: FakeExchange) -> None:
    """After its first stop, the position was never without one until it was flat.

    The only exposure allowed is the stretch from the entry's fill to its stop, and in it the
    exchange served nothing but the bracket being placed (orders and their look-ups).
    """
    spans = unprotected_spans(fake.ledger, XRP)
    assert len(spans) <= 1, [s.requests for s in spans]
    for span in spans:
        assert span.end is not None, "the position ended unprotected"
        assert "leg=entry" in span.requests[0], span.requests
        assert all("cancel" not in r.lower() for r in span.requests), span.requests


async def entered(desk: Desk) -> Trade:
    trade = await desk.approve_and_enter(await desk.offer(long_alert(leverage=5)))
    assert trade.status is TradeStatus.OPEN, trade.note
    return trade


async def poll_until(desk: Desk, trade: Trade, done: object, polls: int = 30) -> Trade:
    """Monitor passes until ``done(trade)`` (each pass re-reads the exchange)."""
    for _ in range(polls):
        await poll(desk)
        trade = await desk.trade(trade.id)
        if done(trade):  # type: ignore[operator]
            return trade
    raise AssertionError(f"not reached after {polls} passes: {trade}")


async def poll(desk: Desk) -> None:
    """One monitor pass; a pass the exchange cannot answer fails whole (the loop retries)."""
    with contextlib.suppress(ExchangeError):
        await desk.monitor.poll_once()


def assert_bracket(fake: FakeExchange) -> None:
    assert fake.position_size(XRP) == D("5000")
    assert resting(fake, "stop_market") == [(D("5000"), D("0.98"))]
    assert resting(fake, "take_profit_market") == [
        (D("1500"), D("1.02")),
        (D("1500"), D("1.04")),
        (D("2000"), D("1.06")),
    ]


# --- the bracket ------------------------------------------------------------------------------


@pytest.mark.parametrize("leg", ["entry", "stop", "tp1"])
@pytest.mark.parametrize("kind", KINDS)
async def test_a_fault_on_a_bracket_leg_places_it_once(
    desk: Desk, fake: FakeExchange, leg: str, kind: str
) -> None:
    fake.fail_leg(leg, kind)

    trade = await entered(desk)

    assert_bracket(fake)
    for each in ("entry", "stop", "tp1", "tp2", "tp3"):
        assert len(placed(fake, each)) == 1, (each, placed(fake, each))
    assert_always_protected(fake)
    said = await desk.of_type(trade.id, ProtectionPlaced)
    assert said and said[0].first and {o.leg for e in said for o in e.orders} >= {"stop"}


async def test_a_refused_leverage_fails_the_trade_in_words(desk: Desk, fake: FakeExchange) -> None:
    fake.fail_leg("leverage", "reject")

    trade = await desk.approve_and_enter(await desk.offer(long_alert(leverage=5)))

    assert trade.status is TradeStatus.FAILED
    assert trade.note is not None and trade.note.startswith("leverage 5x refused")
    assert placed(fake, "entry") == [] and fake.position_size(XRP) == 0


async def test_a_leverage_left_unanswered_does_not_hold_the_entry(
    desk: Desk, fake: FakeExchange
) -> None:
    fake.fail_leg("leverage", "error_before")

    await entered(desk)

    assert_bracket(fake)


async def test_a_first_stop_that_stays_unknown_closes_the_position_and_is_cancelled_later(
    desk: Desk, fake: FakeExchange
) -> None:
    fake.fail_leg("stop", "error_after")  # the stop rests, but nobody can tell
    # nor find out, for longer than PROTECTION_TIMEOUT_S (Bybit answers an order with its ids
    # only: its entry is read back first)
    fake.fail_lookups(60, after=1 if fake.ccxt_id == "bybit" else 0)

    trade = await desk.approve_and_enter(await desk.offer(long_alert(leverage=5)))

    assert fake.position_size(XRP) == 0  # closed at once, not left without a stop
    assert trade.exit_reason == "closed: the stop could not be placed"
    failed = await desk.of_type(trade.id, ProtectionFailed)
    assert "not confirmed within 10 s" in failed[0].message
    fake.fail_lookups(0)  # the exchange answers again (on Bybit the close's fill is read then)
    trade = await poll_until(desk, trade, lambda t: t.status.is_final and not fake.resting(XRP))
    assert (trade.status, trade.close_reason) == (
        TradeStatus.CLOSED,
        "closed: the stop could not be placed",
    )
    assert len(placed(fake, "stop")) == 1  # never sent twice; found late, then cancelled


# --- moving and resizing the stop ---------------------------------------------------------------


@pytest.mark.parametrize("kind", [*KINDS, "lost_then_unknown"])
async def test_a_stop_move_is_made_before_the_old_stop_breaks(
    desk: Desk, fake: FakeExchange, kind: str
) -> None:
    trade = await entered(desk)
    if kind == "lost_then_unknown":  # placed, answer lost, look-ups fail for a while
        fake.fail_leg("stop", "error_after")
        fake.fail_lookups(12)
    else:
        fake.fail_leg("stop", kind)

    fake.play_candle(XRP, "1.0000", "1.0250", "0.9990", "1.0210")  # through TP1
    trade = await poll_until(
        desk, trade, lambda _: resting(fake, "stop_market") == [(D("3500"), D("1.001"))]
    )

    assert fake.position_size(XRP) == D("3500")
    assert len(placed(fake, "stop")) == 2  # the first and the breakeven stop: no duplicate
    assert_always_protected(fake)
    moved = await desk.of_type(trade.id, StopMoved)
    assert [(m.from_price, m.to_price, m.breakeven) for m in moved] == [
        (D("0.98"), D("1.001"), True)
    ]


async def test_an_unknown_replacement_keeps_the_old_stop_and_says_so_once(
    desk: Desk, fake: FakeExchange
) -> None:
    trade = await entered(desk)
    fake.set_price(XRP, "1.0100")
    fake.fail_leg("stop", "error_after")  # the breakeven stop rests, its answer is lost
    fake.fail_lookups(1000)  # and nobody can find out

    await desk.desk.breakeven(trade.id, ALICE)
    for _ in range(3):
        await desk.executor.sync(trade.id)

    stops = resting(fake, "stop_market")
    assert stops == [(D("5000"), D("0.98")), (D("5000"), D("1.001"))]  # both rest
    assert_always_protected(fake)
    assert len(placed(fake, "stop")) == 2  # never sent a third time
    assert await desk.of_type(trade.id, StopMoved) == []  # not said before it is known
    waits = [w for w in await desk.of_type(trade.id, TradeWarning) if "not confirmed" in w.message]
    assert len(waits) == 1

    fake.fail_lookups(0)
    await poll_until(desk, trade, lambda _: len(resting(fake, "stop_market")) == 1)
    assert resting(fake, "stop_market") == [(D("5000"), D("1.001"))]
    assert [(m.from_price, m.to_price) for m in await desk.of_type(trade.id, StopMoved)] == [
        (D("0.98"), D("1.001"))
    ]


# --- exits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [*KINDS, "lost_then_unknown"])
async def test_an_exit_whose_close_gets_no_answer_finishes(
    desk: Desk, fake: FakeExchange, kind: str
) -> None:
    trade = await entered(desk)
    if kind == "lost_then_unknown":
        fake.fail_leg("close", "error_after")
        fake.fail_lookups(8)
    else:
        fake.fail_leg("close", kind)
        if kind == "error_before":
            fake.fail_leg("close", kind, times=6)  # beyond the placer's own retries

    await desk.send(replace(long_alert(), kind=AlertKind.EXIT, side=None, message="exit"))
    trade = await poll_until(desk, trade, lambda t: t.status is TradeStatus.CLOSED)

    assert fake.position_size(XRP) == 0 and fake.resting(XRP) == []
    closes = [o for o in placed(fake, "close") if o.filled > 0]
    assert len(closes) == 1 and closes[0].filled == D("5000")
    assert [len(placed(fake, f"tp{n}")) for n in (1, 2, 3)] == [1, 1, 1]  # never put back
    assert_always_protected(fake)  # the stop stayed until the position was flat
    assert trade.close_reason == "exit alert"


async def test_a_refused_close_says_what_is_still_open_and_is_not_repeated(
    desk: Desk, fake: FakeExchange
) -> None:
    trade = await entered(desk)
    fake.fail_leg("close", "reject", times=5)

    outcome = await desk.desk.close_trade(trade.id, D(100), ALICE)
    for _ in range(3):
        await poll(desk)

    assert outcome.ok  # the exit is stored; what happened is told in the thread
    [failed] = await desk.of_type(trade.id, CloseFailed)
    assert "could not be closed: " in failed.message and ".. " not in failed.message
    assert "Still open: 5000 LONG XRP/USDT:USDT; its stop at 0.98 rests." in failed.message
    assert fake.position_size(XRP) == D("5000")
    assert resting(fake, "stop_market") == [(D("5000"), D("0.98"))]
    assert resting(fake, "take_profit_market") == []  # cancelled by the exit, not put back
    close_posts = [r for r in fake.requests if "close" in str(r[2]) and r[0] == "POST"]
    assert len(close_posts) == 1


# --- approvals interrupted by a crash -------------------------------------------------------


@pytest.mark.postgres_too
async def test_an_entry_marked_but_never_sent_is_entered_after_a_restart(
    database: Database, fake: FakeExchange
) -> None:
    first = await open_desk(database, fake)
    trade = await first.offer(long_alert(leverage=5))
    assert (await first.desk.decisions.approve(trade.offer_id, actor=ALICE)).ok
    async with first.store.begin() as tx:  # the crash: marked entering, nothing sent
        await tx.move(
            trade.id, TradeStatus.ENTERING, now=first.clock.now(), expect=[TradeStatus.APPROVED]
        )
    await first.close()

    second = await open_desk(database, fake)
    try:
        await second.monitor.reconcile()
        assert (await second.trade(trade.id)).status is TradeStatus.OPEN
        assert_bracket(fake)
    finally:
        await second.close()


@pytest.mark.postgres_too
async def test_an_approval_too_old_after_a_restart_is_not_entered_and_says_why(
    database: Database, fake: FakeExchange
) -> None:
    first = await open_desk(database, fake)
    trade = await first.offer(long_alert(leverage=5))
    assert (await first.desk.decisions.approve(trade.offer_id, actor=ALICE)).ok
    await first.close()
    async with first.store.begin() as tx:  # approved 20 minutes before the restart
        offer = await tx.offer(trade.offer_id)
        assert offer is not None and offer.decided_at is not None
        await tx.update_offer(
            offer.id, now=offer.decided_at, decided_at=offer.decided_at - timedelta(minutes=20)
        )

    second = await open_desk(database, fake)
    try:
        await second.monitor.reconcile()
        trade = await second.trade(trade.id)
        assert trade.status is TradeStatus.FAILED
        assert trade.note == (
            "not entered: it was approved 20 min ago and Greenlight was down since; "
            "an approval holds 15 min (APPROVAL_TIMEOUT_MIN)"
        )
        assert placed(fake, "entry") == []
    finally:
        await second.close()


# --- the result as the exchange counts it --------------------------------------------------------


async def test_fees_and_funding_come_from_the_exchange(desk: Desk, fake: FakeExchange) -> None:
    trade = await entered(desk)
    fake.pay_funding(XRP, D("0.0001"))  # a funding payment while the position is open
    fake.set_price(XRP, "1.0100")

    await desk.send(replace(long_alert(), kind=AlertKind.EXIT, side=None, message="exit"))
    trade = await desk.trade(trade.id)

    assert trade.status is TradeStatus.CLOSED
    assert trade.funding != 0
    assert fake.wallet_balance == D(10000) + trade.net_pnl  # to the last digit


async def test_a_position_reduced_by_hand_shrinks_the_protection(
    desk: Desk, fake: FakeExchange
) -> None:
    trade = await entered(desk)

    fake.move_position_by_hand(XRP, D("-2000"))  # the trader sells 2000 on the website
    trade = await poll_until(desk, trade, lambda t: t.remaining == D("3000"))

    assert resting(fake, "stop_market") == [(D("3000"), D("0.98"))]
    assert sum(amount for amount, _ in resting(fake, "take_profit_market")) == D("3000")
    assert_always_protected(fake)
    [reduced] = await desk.of_type(trade.id, PositionReduced)
    assert (reduced.amount, reduced.by) == (D("2000"), "outside Greenlight")
