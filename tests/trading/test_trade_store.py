"""The trade store: offers and trades, compare-and-set moves, the state machines, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.trading.conftest import XRP, entry_alert
from trading.alerts import Side
from trading.events import AlertNotOffered, OfferApproved, OfferMade, TradingPaused
from trading.orders import OrderKind, OrderStatus
from trading.plan import PlanRules, build_plan
from trading.states import (
    ACTIVE_STATUSES,
    OFFER_TRANSITIONS,
    TRADE_TRANSITIONS,
    IllegalTransition,
    OfferStatus,
    TradeStatus,
    check_offer_transition,
    check_transition,
)
from trading.store.alert_log import AlertLog, AlertRecord, AlertStatus
from trading.store.database import Database
from trading.store.trades import TradeStore
from trading.trade import DEFAULT_ACCOUNT

pytestmark = pytest.mark.postgres_too

D = Decimal
NOW = datetime(2021, 11, 17, 10, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
PLAN = build_plan(
    entry_alert(),
    XRP,
    equity=D(10000),
    available=D(10000),
    last_price=D("1.0707"),
    rules=PlanRules(),
)


@pytest.fixture
async def store(database: Database) -> AsyncIterator[TradeStore]:
    """A store whose alerts a1 and a2 exist (an offer belongs to the alert that made it)."""
    log = AlertLog(database)
    await log.start()
    for alert_id in ("a1", "a2"):
        await log.append(
            AlertRecord(alert_id, NOW, "127.0.0.1", "{}", 2, alert_id, AlertStatus.ACCEPTED, 200)
        )
    await log.close()
    yield TradeStore(database)


async def new_trade(store: TradeStore, trade_id: str = "t1", alert_id: str = "a1"):
    """An offer ``o<n>`` for the alert, holding the trade ``trade_id``."""
    offer_id = "o" + trade_id[1:]
    async with store.begin() as tx:
        await tx.create_offer(offer_id, alert_id, PLAN, now=NOW, expires_at=LATER)
        return await tx.create_trade(trade_id, offer_id, PLAN, now=NOW)


async def test_a_new_offer_and_its_trade_are_pending_with_the_plan(store: TradeStore) -> None:
    trade = await new_trade(store)

    assert (trade.status, trade.symbol, trade.side) == (TradeStatus.PENDING, XRP.symbol, Side.BUY)
    assert (trade.offer_id, trade.account) == ("o1", DEFAULT_ACCOUNT)
    assert trade.plan == PLAN and trade.stop_price == D("1.0600")
    assert (trade.strategy, trade.timeframe) == ("Replay", "5")
    assert (trade.filled_qty, trade.closed_qty, trade.realized_pnl) == (0, 0, 0)
    async with store.read() as tx:
        offer = await tx.offer_by_alert("a1")
        assert offer is not None
        assert (offer.id, offer.status, offer.expires_at) == ("o1", OfferStatus.PENDING, LATER)
        assert (offer.symbol, offer.side, offer.strategy) == (XRP.symbol, Side.BUY, "Replay")
        assert await tx.trades_of("o1") == [trade]
        assert await tx.get("nope") is None and await tx.offer("nope") is None


async def test_deciding_an_offer_is_a_compare_and_set(store: TradeStore) -> None:
    await new_trade(store)

    async with store.begin() as tx:
        first = await tx.move_offer(
            "o1", OfferStatus.APPROVED, now=LATER, decided_by_name="alice", decided_via="web"
        )
    async with store.begin() as tx:
        second = await tx.move_offer("o1", OfferStatus.REJECTED, now=LATER, decided_by_name="bob")

    assert first is not None and first.status is OfferStatus.APPROVED
    assert (first.updated_at, first.decided_via) == (LATER, "web")
    assert second is None
    async with store.read() as tx:
        offer = await tx.offer("o1")
    assert offer is not None and (offer.status, offer.decided_by_name) == (
        OfferStatus.APPROVED,
        "alice",
    )


async def test_moving_a_trade_is_a_compare_and_set(store: TradeStore) -> None:
    await new_trade(store)

    async with store.begin() as tx:
        first = await tx.move("t1", TradeStatus.APPROVED, now=LATER, expect=[TradeStatus.PENDING])
    async with store.begin() as tx:
        second = await tx.move("t1", TradeStatus.REJECTED, now=LATER, expect=[TradeStatus.PENDING])

    assert first is not None and first.status is TradeStatus.APPROVED
    assert first.updated_at == LATER
    assert second is None


@pytest.mark.parametrize(
    ("expect", "to"),
    [
        ([TradeStatus.PENDING], TradeStatus.OPEN),  # skipping the entry
        ([TradeStatus.OPEN], TradeStatus.PENDING),
        ([TradeStatus.CLOSED], TradeStatus.OPEN),  # nothing leaves a final status
        ([TradeStatus.PENDING, TradeStatus.OPEN], TradeStatus.REJECTED),  # one bad is enough
    ],
)
async def test_illegal_moves_raise(store: TradeStore, expect, to) -> None:
    await new_trade(store)

    with pytest.raises(IllegalTransition, match="cannot become"):
        async with store.begin() as tx:
            await tx.move("t1", to, now=LATER, expect=expect)

    async with store.read() as tx:
        trade = await tx.get("t1")
    assert trade is not None and trade.status is TradeStatus.PENDING


async def test_an_illegal_offer_move_raises(store: TradeStore) -> None:
    await new_trade(store)

    with pytest.raises(IllegalTransition, match="a rejected offer cannot become approved"):
        async with store.begin() as tx:
            await tx.move_offer("o1", OfferStatus.APPROVED, now=LATER, expect=OfferStatus.REJECTED)


def test_the_state_machines() -> None:
    allowed = {(a, b) for a, targets in TRADE_TRANSITIONS.items() for b in targets}
    for current in TradeStatus:
        for new in TradeStatus:
            if (current, new) in allowed:
                check_transition(current, new)
            else:
                with pytest.raises(IllegalTransition):
                    check_transition(current, new)
    assert {s for s in TradeStatus if s.is_final} == {
        TradeStatus.CLOSED,
        TradeStatus.REJECTED,
        TradeStatus.EXPIRED,
        TradeStatus.CANCELLED,
        TradeStatus.FAILED,
    }
    assert ACTIVE_STATUSES.isdisjoint({s for s in TradeStatus if s.is_final})
    assert OrderStatus.SUBMITTING.is_live and OrderStatus.OPEN.is_live
    assert not OrderStatus.FILLED.is_live

    offer_moves = {(a, b) for a, targets in OFFER_TRANSITIONS.items() for b in targets}
    for current in OfferStatus:
        for new in OfferStatus:
            if (current, new) in offer_moves:
                check_offer_transition(current, new)
            else:
                with pytest.raises(IllegalTransition):
                    check_offer_transition(current, new)
    assert [s for s in OfferStatus if not s.is_decided] == [OfferStatus.PENDING]


async def test_a_failed_transaction_stores_nothing(store: TradeStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.begin() as tx:
            await tx.create_offer("o1", "a1", PLAN, now=NOW, expires_at=None)
            await tx.create_trade("t1", "o1", PLAN, now=NOW)
            await tx.add_event(OfferMade(), now=NOW, offer_id="o1")
            raise RuntimeError("crash before commit")

    async with store.read() as tx:
        assert await tx.get("t1") is None and await tx.offer("o1") is None
        assert await tx.undelivered() == []
    assert not store.events_added.is_set()


async def test_update_trade_and_offer_refuse_to_change_the_status(store: TradeStore) -> None:
    await new_trade(store)

    with pytest.raises(ValueError, match="use move"):
        async with store.begin() as tx:
            await tx.update_trade("t1", now=LATER, status="open")
    with pytest.raises(ValueError, match="use move_offer"):
        async with store.begin() as tx:
            await tx.update_offer("o1", now=LATER, status="approved")


async def test_with_status_filters_by_status_and_symbol_oldest_first(store) -> None:
    await new_trade(store, "t1", "a1")
    await new_trade(store, "t2", "a2")
    async with store.begin() as tx:
        await tx.move("t1", TradeStatus.REJECTED, now=LATER, expect=[TradeStatus.PENDING])

    async with store.read() as tx:
        pending = await tx.with_status([TradeStatus.PENDING])
        active_xrp = await tx.with_status(ACTIVE_STATUSES, XRP.symbol)
        other = await tx.with_status(ACTIVE_STATUSES, "BTC/USDT:USDT")

    assert [t.id for t in pending] == ["t2"] and [t.id for t in active_xrp] == ["t2"]
    assert other == []


async def test_events_are_typed_and_delivered_once_marked(store: TradeStore) -> None:
    trade = await new_trade(store)
    assert not store.events_added.is_set()
    feed = store.subscribe()

    async with store.begin() as tx:
        await tx.add_event(OfferApproved("alice", "1001", "discord", D("1.0707")), now=NOW,
                           offer_id="o1")  # fmt: skip
        await tx.add_event(TradingPaused("alice", "web"), now=LATER)
    assert store.events_added.is_set()  # listeners are woken after the commit
    assert [feed.get_nowait().event for _ in range(2)] == [
        OfferApproved("alice", "1001", "discord", D("1.0707")),
        TradingPaused("alice", "web"),
    ]

    async with store.read() as tx:
        waiting = await tx.undelivered()
    assert [(e.offer_id, e.trade_id, type(e.event)) for e in waiting] == [
        ("o1", None, OfferApproved),
        (None, None, TradingPaused),
    ]
    assert isinstance(waiting[0].event, OfferApproved) and waiting[0].event.price == D("1.0707")

    async with store.begin() as tx:
        await tx.mark_delivered(waiting[0].id, now=LATER)
        await tx.add_event(AlertNotOffered("XRPUSDT", "buy", "why", "paused"), now=LATER,
                           trade=trade)  # fmt: skip
    async with store.read() as tx:
        still = await tx.undelivered()
        of_offer = await tx.events_of_offer("o1")
        of_trade = await tx.events_of("t1")

    assert [e.id for e in still] == [waiting[1].id, waiting[1].id + 1]
    assert [(type(e.event), e.delivered_at) for e in of_offer] == [
        (OfferApproved, LATER),
        (AlertNotOffered, None),
    ]
    assert [e.offer_id for e in of_trade] == ["o1"]  # a trade's event names its offer too
    store.unsubscribe(feed)


async def test_undelivered_respects_the_limit_oldest_first(store: TradeStore) -> None:
    async with store.begin() as tx:
        for n in range(5):
            await tx.add_event(TradingPaused(str(n)), now=NOW)

    async with store.read() as tx:
        found = await tx.undelivered(limit=3)
    assert [e.event for e in found] == [TradingPaused("0"), TradingPaused("1"), TradingPaused("2")]


async def test_mark_all_delivered_forgets_history(store: TradeStore) -> None:
    async with store.begin() as tx:
        for n in range(3):
            await tx.add_event(TradingPaused(str(n)), now=NOW)
    async with store.begin() as tx:
        await tx.mark_all_delivered(now=LATER)
    async with store.read() as tx:
        assert await tx.undelivered() == []


async def test_settings_are_stored_and_replaced(store: TradeStore) -> None:
    async with store.read() as tx:
        assert await tx.state("paused") is None

    async with store.begin() as tx:
        await tx.set_state("paused", "1", now=NOW)
    async with store.begin() as tx:
        await tx.set_state("paused", "0", now=LATER)
        await tx.set_state("other", "x", now=LATER)

    async with store.read() as tx:
        assert (await tx.state("paused"), await tx.state("other")) == ("0", "x")


async def test_an_offer_keeps_its_chart(store: TradeStore) -> None:
    await new_trade(store)
    async with store.begin() as tx:
        await tx.save_chart("o1", b"\x89PNG fake", None)

    async with store.read() as tx:
        assert await tx.chart("o1") == (b"\x89PNG fake", None)
        assert await tx.chart("o2") is None


async def test_orders_attempts_and_updates(store: TradeStore) -> None:
    await new_trade(store)

    async with store.begin() as tx:
        assert await tx.next_attempt("t1", "stop") == 1
        order = await tx.add_order(
            "t1",
            "stop",
            1,
            "gl-t1-stop-1",
            OrderKind.STOP_MARKET,
            Side.SELL,
            D("9345.7"),
            now=NOW,
            trigger_price=D("1.06"),
            reduce_only=True,
        )
        assert await tx.next_attempt("t1", "stop") == 2
        assert await tx.next_attempt("t1", "tp1") == 1
        updated = await tx.update_order(
            order.id, now=LATER, status=OrderStatus.OPEN, exchange_id="77"
        )

    assert (order.status, order.reduce_only, order.amount) == (
        OrderStatus.SUBMITTING,
        True,
        D("9345.7"),
    )
    assert (updated.status, updated.exchange_id, updated.updated_at) == (
        OrderStatus.OPEN,
        "77",
        LATER,
    )
    async with store.read() as tx:
        assert [o.client_id for o in await tx.live_orders()] == ["gl-t1-stop-1"]
        assert await tx.orders_of("t1") == [updated]
