"""Approve, reject and expire on the paper desk, with the replayed XRP prices.

Prices used (tests/data/XRPUSDT-PERP-5m.csv; inside a candle the price is its open):
2021-11-17 10:00 1.0707, 10:05 1.0800, 10:15 1.0782;
2021-11-18 01:30 1.1040, 01:35 1.1375, 01:45 1.1415.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.trading.conftest import XRP, Desk, build_desk, entry_alert
from trading.alerts import OrderType, Side, TakeProfitSpec
from trading.approvals import ApprovalDesk, ApprovalRules, drift_refusal
from trading.events import EventKind
from trading.pause import PauseSwitch
from trading.plan import PlanRules, build_plan
from trading.states import TradeStatus
from trading.store.database import Database
from trading.store.trades import TradeStore

D = Decimal
MINUTE = 60_000
R_LADDER = (TakeProfitSpec(r=D(1), close_pct=D(50)), TakeProfitSpec(r=D(2)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def open_desk(database: Database, start: str) -> Desk:
    return await build_desk(database, at(start))


async def close_desk(desk: Desk) -> None:
    await desk.exchange.close()
    await desk.alert_log.close()


# --- the price rule, on its own -----------------------------------------------------------


def plan_for(side: Side, stop: str, **fields):
    return build_plan(
        entry_alert(side=side, stop_loss=D(stop), take_profits=(), **fields),
        XRP,
        equity=D(10000),
        available=D(10000),
        last_price=D("1.0707"),
        rules=PlanRules(),
    )


@pytest.mark.parametrize(
    ("side", "stop", "fields", "price", "refused"),
    [
        (Side.BUY, "1.0600", {}, "1.0814", None),  # 0.0107 / 1.0707 = 0.999 %
        (Side.BUY, "1.0600", {}, "1.0815", "moved 1.01 %"),  # 0.0108 / 1.0707 = 1.009 %
        (Side.BUY, "1.0600", {}, "1.0601", None),  # 0.99 % down, still above the stop
        (Side.BUY, "1.0600", {}, "1.0600", "already past the stop 1.06"),
        (Side.SELL, "1.0800", {}, "1.0799", None),
        (Side.SELL, "1.0800", {}, "1.0800", "already past the stop 1.08"),
        (Side.SELL, "1.0800", {}, "1.0599", "moved 1.01 %"),
        # a limit entry waits for its price: only the stop matters
        (Side.BUY, "1.0400", {"order_type": OrderType.LIMIT, "price": D("1.05")}, "1.0707", None),
        (
            Side.BUY,
            "1.0400",
            {"order_type": OrderType.LIMIT, "price": D("1.05")},
            "1.0400",
            "already past the stop 1.04",
        ),
    ],
)
def test_drift_refusal(side, stop, fields, price, refused) -> None:
    reason = drift_refusal(plan_for(side, stop, **fields), D(price), D(1))

    if refused is None:
        assert reason is None
    else:
        assert reason is not None and refused in reason


# --- approving ----------------------------------------------------------------------------


async def test_a_market_entry_beyond_the_drift_is_refused_and_stays_pending(database) -> None:
    desk = await open_desk(database, "2021-11-18T01:30:00")
    try:
        trade = await desk.offer(entry_alert(stop_loss=D("1.0900"), take_profits=R_LADDER))
        desk.clock.advance(5 * MINUTE)

        result = await desk.desk.approve(trade.id, "1001", "alice")

        # (1.1375 - 1.104) / 1.104 = 3.03 %
        assert not result.ok
        assert "moved 3.03 %" in result.message and "1.104 → 1.1375" in result.message
        assert "the limit is 1 %" in result.message
        trade = await desk.trade(trade.id)
        assert (trade.status, trade.decided_by) == (TradeStatus.PENDING, None)
        assert EventKind.APPROVED not in await desk.kinds(trade.id)

        rejected = await desk.desk.reject(trade.id, "1002", "bob")  # still decidable
        assert rejected.ok and rejected.trade.status is TradeStatus.REJECTED
    finally:
        await close_desk(desk)


async def test_a_price_past_the_stop_is_refused(database) -> None:
    desk = await open_desk(database, "2021-11-18T01:30:00")
    try:
        short = entry_alert(side=Side.SELL, stop_loss=D("1.1200"), take_profits=())
        trade = await desk.offer(short)
        desk.clock.advance(5 * MINUTE)

        result = await desk.desk.approve(trade.id, "1001", "alice")

        assert not result.ok
        assert "the price 1.1375 is already past the stop 1.12" in result.message
        assert (await desk.trade(trade.id)).status is TradeStatus.PENDING
    finally:
        await close_desk(desk)


async def test_a_limit_entry_ignores_the_drift(database) -> None:
    desk = await open_desk(database, "2021-11-18T01:30:00")
    try:
        limit = {"order_type": OrderType.LIMIT, "take_profits": ()}
        far = await desk.offer(entry_alert(price=D("1.1000"), stop_loss=D("1.0900"), **limit))
        desk.clock.advance(5 * MINUTE)  # 1.1375: 3.4 % above the limit price

        result = await desk.desk.approve(far.id, "1001", "alice")

        assert result.ok and result.trade.status is TradeStatus.APPROVED
    finally:
        await close_desk(desk)


async def test_a_limit_entry_is_refused_when_the_price_is_past_its_stop(paper_desk) -> None:
    desk = paper_desk
    short = entry_alert(
        side=Side.SELL,
        price=D("1.0750"),
        stop_loss=D("1.0790"),
        order_type=OrderType.LIMIT,
        take_profits=(),
    )
    trade = await desk.offer(short)
    desk.clock.advance(5 * MINUTE)  # 1.0800: over the short's stop

    result = await desk.desk.approve(trade.id, "1001", "alice")

    assert not result.ok and "past the stop 1.079" in result.message


async def test_approval_records_who_when_and_the_price(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())

    result = await paper_desk.desk.approve(trade.id, "1001", "alice")

    assert result.ok and result.message == "approved by alice"
    assert (result.trade.decided_by, result.trade.decided_by_name) == ("1001", "alice")
    assert result.trade.decided_at == paper_desk.clock.now()
    [event] = await paper_desk.events(trade.id)
    assert event.kind is EventKind.APPROVED
    assert event.data == {"by": "alice", "by_id": "1001", "price": "1.0707"}


async def test_while_paused_an_approval_is_refused(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    await paper_desk.pause.set(True)

    result = await paper_desk.desk.approve(trade.id, "1001", "alice")

    assert not result.ok and "paused" in result.message and "/resume" in result.message
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.PENDING


async def test_approve_and_reject_racing_have_exactly_one_winner(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())

    results = await asyncio.gather(
        paper_desk.desk.approve(trade.id, "1001", "alice"),
        paper_desk.desk.reject(trade.id, "1002", "bob"),
    )

    winners = [r for r in results if r.ok]
    assert len(winners) == 1
    final = await paper_desk.trade(trade.id)
    assert final.status is winners[0].trade.status
    [loser] = [r for r in results if not r.ok]
    assert loser.message == f"this alert is already {final.status.value} by {final.decided_by_name}"
    decisions = [
        k for k in await paper_desk.kinds(trade.id) if k in (EventKind.APPROVED, EventKind.REJECTED)
    ]
    assert len(decisions) == 1


async def test_approving_after_a_reject_says_who_decided(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    await paper_desk.desk.reject(trade.id, "1002", "bob")

    result = await paper_desk.desk.approve(trade.id, "1001", "alice")
    again = await paper_desk.desk.reject(trade.id, "1001", "alice")

    assert not result.ok and result.message == "this alert is already rejected by bob"
    assert not again.ok and again.message == "this alert is already rejected by bob"
    assert result.trade.status is TradeStatus.REJECTED


# --- expiry -------------------------------------------------------------------------------


async def test_expiry_rejects_by_default(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    assert trade.expires_at == at("2021-11-17T10:15:00")  # 15 minutes to decide

    result = await paper_desk.desk.expire(trade.id)

    assert result.ok and result.trade.status is TradeStatus.EXPIRED
    assert result.trade.decided_by == "expiry" and result.trade.closed_at is not None
    assert await paper_desk.kinds(trade.id) == [EventKind.EXPIRED]


async def test_an_approval_after_the_expiry_time_expires_the_alert(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    paper_desk.clock.advance(15 * MINUTE)

    result = await paper_desk.desk.approve(trade.id, "1001", "alice")

    assert not result.ok and result.message == "this alert has expired"
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.EXPIRED


def approving_expiry(desk: Desk) -> ApprovalDesk:
    rules = ApprovalRules(max_price_drift_pct=D(1), expiry_approves=True)
    return ApprovalDesk(desk.store, desk.exchange, desk.pause, rules, clock=desk.clock.now)


async def test_expiry_may_approve_when_the_price_is_within_the_drift(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    paper_desk.clock.advance(15 * MINUTE)  # 1.0782: (1.0782 - 1.0707) / 1.0707 = 0.70 %

    result = await approving_expiry(paper_desk).expire(trade.id)

    assert result.ok and result.trade.status is TradeStatus.APPROVED
    assert result.trade.decided_by_name == "expiry"


async def test_expiry_that_would_approve_rejects_beyond_the_drift(database) -> None:
    desk = await open_desk(database, "2021-11-18T01:30:00")
    try:
        trade = await desk.offer(entry_alert(stop_loss=D("1.0900"), take_profits=R_LADDER))
        desk.clock.advance(15 * MINUTE)  # 1.1415: 3.4 % from 1.104

        result = await approving_expiry(desk).expire(trade.id)

        assert result.trade.status is TradeStatus.EXPIRED
    finally:
        await close_desk(desk)


async def test_expiry_that_would_approve_rejects_while_paused(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    await paper_desk.pause.set(True)

    result = await approving_expiry(paper_desk).expire(trade.id)

    assert result.trade.status is TradeStatus.EXPIRED


# --- the pause switch ---------------------------------------------------------------------


async def test_the_pause_survives_a_restart(database) -> None:
    clock = lambda: at("2021-11-17T10:00:00")  # noqa: E731
    first = PauseSwitch(TradeStore(database), clock=clock)
    assert await first.is_paused() is False

    assert await first.set(True) is True  # changed
    assert await first.set(True) is False  # already paused

    second = PauseSwitch(TradeStore(database), clock=clock)
    assert await second.is_paused() is True
    assert await second.set(False) is True
    assert await PauseSwitch(TradeStore(database), clock=clock).is_paused() is False
