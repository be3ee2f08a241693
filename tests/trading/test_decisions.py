"""Approve, reject and expire offers on the paper desk, with the replayed XRP prices.

Prices used (tests/data/XRPUSDT-PERP-5m.csv; inside a candle the price is its open):
2021-11-17 10:00 1.0707, 10:05 1.0800, 10:15 1.0782;
2021-11-18 01:30 1.1040, 01:35 1.1375, 01:45 1.1415.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.trading.conftest import ALICE, BOB, XRP, Desk, build_desk, entry_alert
from trading.alerts import OrderType, Side, TakeProfitSpec
from trading.decisions import Refusal, drift_refusal
from trading.events import OfferApproved, OfferExpired, OfferMade, OfferRejected
from trading.offer import Via
from trading.pause import PauseSwitch
from trading.plan import PlanRules, build_plan
from trading.states import OfferStatus, TradeStatus
from trading.store.database import Database
from trading.store.trades import TradeStore

D = Decimal
MINUTE = 60_000
R_LADDER = (TakeProfitSpec(r=D(1), close_pct=D(50)), TakeProfitSpec(r=D(2)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def open_desk(database: Database, start: str, **rules: object) -> Desk:
    return await build_desk(database, at(start), **rules)


async def close_desk(desk: Desk) -> None:
    await desk.close()


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

        result = await desk.approve(trade)

        # (1.1375 - 1.104) / 1.104 = 3.03 %
        assert not result.ok and result.refusal is Refusal.PRICE_MOVED and result.still_pending
        assert "moved 3.03 %" in result.message and "1.104 → 1.1375" in result.message
        assert "the limit is 1 %" in result.message
        offer = await desk.offer_of(trade)
        assert (offer.status, offer.decided_by) == (OfferStatus.PENDING, None)
        assert (await desk.trade(trade.id)).status is TradeStatus.PENDING
        assert OfferApproved not in await desk.kinds(trade.id)

        rejected = await desk.reject(trade)  # still decidable
        assert rejected.ok and rejected.offer is not None
        assert rejected.offer.status is OfferStatus.REJECTED
        assert [t.status for t in rejected.trades] == [TradeStatus.REJECTED]
    finally:
        await close_desk(desk)


async def test_a_price_past_the_stop_is_refused(database) -> None:
    desk = await open_desk(database, "2021-11-18T01:30:00")
    try:
        short = entry_alert(side=Side.SELL, stop_loss=D("1.1200"), take_profits=())
        trade = await desk.offer(short)
        desk.clock.advance(5 * MINUTE)

        result = await desk.approve(trade)

        assert not result.ok and result.refusal is Refusal.PRICE_MOVED
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

        result = await desk.desk.decisions.approve(far.offer_id, ALICE)

        assert result.ok and [t.status for t in result.trades] == [TradeStatus.APPROVED]
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

    result = await desk.approve(trade)

    assert not result.ok and "past the stop 1.079" in result.message


async def test_approval_records_who_when_where_and_the_price(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())

    result = await paper_desk.desk.decisions.approve(trade.offer_id, ALICE)

    assert result.ok and result.message == "approved by alice"
    offer = result.offer
    assert offer is not None
    assert (offer.decided_by, offer.decided_by_name, offer.decided_via) == (
        "1001",
        "alice",
        "discord",
    )
    assert offer.decided_at == paper_desk.clock.now()
    assert [(t.id, t.status) for t in result.trades] == [(trade.id, TradeStatus.APPROVED)]
    events = await paper_desk.events(trade.id)
    assert [e.event for e in events] == [
        OfferMade("XRP/USDT:USDT", "buy"),
        OfferApproved("alice", "1001", Via.DISCORD.value, D("1.0707")),
    ]
    assert events[1].trade_id is None and events[1].offer_id == trade.offer_id


async def test_while_paused_an_approval_is_refused(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    await paper_desk.desk.pause(ALICE)

    result = await paper_desk.approve(trade)

    assert not result.ok and result.refusal is Refusal.PAUSED
    assert "paused" in result.message and "/resume" in result.message
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.PENDING


@pytest.mark.postgres_too
async def test_approve_and_reject_racing_have_exactly_one_winner(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())

    results = await asyncio.gather(
        paper_desk.desk.decisions.approve(trade.offer_id, ALICE),
        paper_desk.desk.decisions.reject(trade.offer_id, BOB),
    )

    winners = [r for r in results if r.ok]
    assert len(winners) == 1
    offer = await paper_desk.offer_of(trade)
    assert winners[0].offer is not None and offer.status is winners[0].offer.status
    [loser] = [r for r in results if not r.ok]
    assert loser.refusal is Refusal.ALREADY_DECIDED
    assert loser.message == f"this alert is already {offer.status.value} by {offer.decided_by_name}"
    kinds = await paper_desk.kinds(trade.id)
    assert len([k for k in kinds if k in (OfferApproved, OfferRejected)]) == 1


async def test_approving_after_a_reject_says_who_decided(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    await paper_desk.reject(trade)

    result = await paper_desk.approve(trade)
    again = await paper_desk.reject(trade, ALICE)

    assert not result.ok and result.message == "this alert is already rejected by bob"
    assert not again.ok and again.message == "this alert is already rejected by bob"
    assert result.offer is not None and result.offer.status is OfferStatus.REJECTED
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.REJECTED


async def test_an_approved_offer_says_approved_whatever_its_trade_became(
    paper_desk: Desk,
) -> None:
    trade = await paper_desk.approve_and_enter(await paper_desk.offer(entry_alert()))
    assert trade.status is TradeStatus.OPEN  # the entry filled

    late = await paper_desk.approve(trade, BOB)

    assert late.refusal is Refusal.ALREADY_DECIDED
    assert late.message == "this alert is already approved by alice"


async def test_an_unknown_offer_is_refused_not_raised(paper_desk: Desk) -> None:
    result = await paper_desk.desk.decide("nope", True, ALICE)

    assert (result.ok, result.refusal, result.offer) == (False, Refusal.NOT_FOUND, None)


# --- expiry -------------------------------------------------------------------------------


async def test_expiry_rejects_by_default(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    offer = await paper_desk.offer_of(trade)
    assert offer.expires_at == at("2021-11-17T10:15:00")  # 15 minutes to decide

    result = await paper_desk.desk.decisions.expire(trade.offer_id)

    assert result.ok and result.offer is not None
    assert result.offer.status is OfferStatus.EXPIRED and result.offer.decided_by == "expiry"
    assert result.offer.decided_via == "greenlight"
    [expired] = result.trades
    assert expired.status is TradeStatus.EXPIRED and expired.closed_at is not None
    assert await paper_desk.kinds(trade.id) == [OfferMade, OfferExpired]


async def test_expire_due_expires_only_what_is_due(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    paper_desk.clock.advance(14 * MINUTE)

    assert await paper_desk.desk.expire_due() == 60.0
    assert (await paper_desk.offer_of(trade)).status is OfferStatus.PENDING

    paper_desk.clock.advance(MINUTE)
    await paper_desk.desk.expire_due()
    assert (await paper_desk.offer_of(trade)).status is OfferStatus.EXPIRED


async def test_an_approval_after_the_expiry_time_expires_the_alert(paper_desk: Desk) -> None:
    trade = await paper_desk.offer(entry_alert())
    paper_desk.clock.advance(15 * MINUTE)

    result = await paper_desk.approve(trade)

    assert not result.ok and result.message == "this alert has expired"
    assert result.refusal is Refusal.EXPIRED
    assert (await paper_desk.trade(trade.id)).status is TradeStatus.EXPIRED


async def test_expiry_may_approve_and_enter_within_the_drift(database) -> None:
    desk = await open_desk(database, "2021-11-17T10:00:00", expiry_approves=True)
    try:
        trade = await desk.offer(entry_alert())
        desk.clock.advance(15 * MINUTE)  # 1.0782: (1.0782 - 1.0707) / 1.0707 = 0.70 %

        await desk.desk.expire_due()
        await desk.desk.idle()

        offer = await desk.offer_of(trade)
        assert (offer.status, offer.decided_by_name) == (OfferStatus.APPROVED, "expiry")
        assert (await desk.trade(trade.id)).status is TradeStatus.OPEN  # entered by the desk
    finally:
        await close_desk(desk)


async def test_expiry_that_would_approve_rejects_beyond_the_drift(database) -> None:
    desk = await open_desk(database, "2021-11-18T01:30:00", expiry_approves=True)
    try:
        trade = await desk.offer(entry_alert(stop_loss=D("1.0900"), take_profits=R_LADDER))
        desk.clock.advance(15 * MINUTE)  # 1.1415: 3.4 % from 1.104

        result = await desk.desk.decisions.expire(trade.offer_id)

        assert result.offer is not None and result.offer.status is OfferStatus.EXPIRED
    finally:
        await close_desk(desk)


async def test_expiry_that_would_approve_rejects_while_paused(database) -> None:
    desk = await open_desk(database, "2021-11-17T10:00:00", expiry_approves=True)
    try:
        trade = await desk.offer(entry_alert())
        await desk.desk.pause(ALICE)

        result = await desk.desk.decisions.expire(trade.offer_id)

        assert result.offer is not None and result.offer.status is OfferStatus.EXPIRED
    finally:
        await close_desk(desk)


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
