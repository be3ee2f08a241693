"""A paper trading desk on replayed XRP/USDT candles, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from tests.conftest import DATA
from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.exchange import FakeExchange
from trading.alert_handler import AlertOutcome
from trading.alerts import AcceptedAlert, Alert, AlertKind, Side, TakeProfitSpec
from trading.config import DeskConfig
from trading.decisions import Decision
from trading.desk import TradingDesk
from trading.events import Event, StoredEvent
from trading.exchange.base import Exchange
from trading.exchange.ccxt_exchange import CcxtExchange, ccxt_config
from trading.exchange.paper import PaperExchange
from trading.exchange.replay import ReplayFeed, read_candles_csv
from trading.ids import new_id
from trading.markets import Market
from trading.offer import Actor, Offer, Via
from trading.store.alert_log import AlertRecord, AlertStatus
from trading.store.database import Database
from trading.store.trades import TradeStore
from trading.trade import Trade

XRP = Market(
    symbol="XRP/USDT:USDT",
    id="XRPUSDT",
    base="XRP",
    quote="USDT",
    settle="USDT",
    amount_step=Decimal("0.1"),
    price_step=Decimal("0.0001"),
    min_amount=Decimal("0.1"),
    min_cost=Decimal(5),
    taker_fee=Decimal("0.0004"),
    maker_fee=Decimal("0.0002"),
)
FIVE_MINUTES = 300_000
E = TypeVar("E", bound=Event)


class Clock:
    """Time that moves only when the test says so (or real time, when ``real``)."""

    def __init__(self, start: datetime | None = None, *, real: bool = False) -> None:
        self.real = real
        self.ms = int((start or datetime.now(UTC)).timestamp() * 1000)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ms() / 1000, tz=UTC)

    def now_ms(self) -> int:
        return int(datetime.now(UTC).timestamp() * 1000) if self.real else self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


def entry_alert(**fields: Any) -> Alert:
    """A long XRP entry; ``fields`` change it."""
    values: dict[str, Any] = {
        "kind": AlertKind.ENTRY,
        "ticker": "XRPUSDT.P",
        "side": Side.BUY,
        "stop_loss": Decimal("1.0600"),
        "take_profits": (
            TakeProfitSpec(price=Decimal("1.0900"), close_pct=Decimal(30)),
            TakeProfitSpec(price=Decimal("1.1100"), close_pct=Decimal(30)),
            TakeProfitSpec(price=Decimal("1.1300")),
        ),
        "leverage": 5,
        "interval": "5",
        "strategy": "Replay",
    }
    values.update(fields)
    return Alert(**values)


ALICE = Actor("1001", "alice", Via.DISCORD)
BOB = Actor("1002", "bob", Via.DISCORD)


async def _no_sleep(_: float) -> None:
    """Retries in tests do not wait."""


@dataclass
class Desk:
    """A real :class:`TradingDesk` on a clock the test moves, and shortcuts to drive it."""

    clock: Clock
    desk: TradingDesk

    @property
    def store(self) -> TradeStore:
        return self.desk.store

    @property
    def exchange(self) -> Any:
        return self.desk.exchange

    @property
    def executor(self) -> Any:
        return self.desk.account.executor

    @property
    def monitor(self) -> Any:
        return self.desk.account.monitor

    @property
    def alert_log(self) -> Any:
        return self.desk.alert_log

    async def accept(self, alert: Alert) -> AcceptedAlert:
        """Store ``alert`` as the webhook would have, and return it ready to handle."""
        accepted = AcceptedAlert(new_id(), alert, self.clock.now())
        await self.alert_log.append(
            AlertRecord(
                id=accepted.alert_id,
                received_at=accepted.received_at,
                source_ip="127.0.0.1",
                raw_body="{}",
                body_size=2,
                body_sha256=accepted.alert_id,
                status=AlertStatus.ACCEPTED,
                http_status=200,
            )
        )
        return accepted

    async def send(self, alert: Alert) -> AlertOutcome:
        """An alert through the desk, as the webhook hands it over."""
        return await self.desk.take_alert(await self.accept(alert))

    async def offer(self, alert: Alert) -> Trade:
        outcome = await self.send(alert)
        assert outcome.trade is not None, outcome
        return outcome.trade

    async def approve(self, trade: Trade, actor: Actor = ALICE) -> Decision:
        """Approve the trade's offer; the entry runs to its end before this returns."""
        decision = await self.desk.decide(trade.offer_id, True, actor)
        await self.desk.idle()
        return decision

    async def reject(self, trade: Trade, actor: Actor = BOB) -> Decision:
        return await self.desk.decide(trade.offer_id, False, actor)

    async def approve_and_enter(self, trade: Trade) -> Trade:
        decision = await self.approve(trade)
        assert decision.ok, decision.message
        return await self.trade(trade.id)

    async def run_until_closed(self, trade_id: str, *, step_ms: int = FIVE_MINUTES) -> Trade:
        for _ in range(2000):
            self.clock.advance(step_ms)
            await self.monitor.poll_once()
            trade = await self.trade(trade_id)
            if trade.status.is_final:
                return trade
        raise AssertionError("the trade never closed")

    async def trade(self, trade_id: str) -> Trade:
        async with self.store.read() as tx:
            trade = await tx.get(trade_id)
        assert trade is not None
        return trade

    async def offer_of(self, trade: Trade) -> Offer:
        async with self.store.read() as tx:
            offer = await tx.offer(trade.offer_id)
        assert offer is not None
        return offer

    async def events(self, trade_id: str) -> list[StoredEvent]:
        """The trade's events and its offer's, oldest first."""
        trade = await self.trade(trade_id)
        async with self.store.read() as tx:
            found = await tx.events_of_offer(trade.offer_id)
        return [e for e in found if e.trade_id in (None, trade_id)]

    async def kinds(self, trade_id: str) -> list[type[Event]]:
        return [type(e.event) for e in await self.events(trade_id)]

    async def of_type(self, trade_id: str, kind: type[E]) -> list[E]:
        return [e.event for e in await self.events(trade_id) if isinstance(e.event, kind)]

    async def close(self) -> None:
        await self.desk.close()


def desk_config(**rules: Any) -> DeskConfig:
    """The settings the tests trade with (1 % risk, 5 % cap, 15 min to decide)."""
    return DeskConfig(
        breakeven_after_tp=rules.get("breakeven_after_tp", 1),
        breakeven_offset_pct=Decimal("0.1"),
        max_price_drift_pct=Decimal(1),
        expiry_approves=rules.get("expiry_approves", False),
        monitor_interval_s=0,
    )


async def build_desk(database: Database, start: datetime, **rules: Any) -> Desk:
    """Wire a paper desk on ``database``, replaying XRP candles from ``start``."""
    clock = Clock(start)
    feed = ReplayFeed(
        {XRP.symbol: XRP},
        {XRP.symbol: read_candles_csv(DATA / "XRPUSDT-PERP-5m.csv")},
        now_ms=clock.now_ms,
        candle_ms=FIVE_MINUTES,
    )
    exchange = PaperExchange(
        feed,
        TradeStore(database),
        name="binanceusdm",
        balance=Decimal(10000),
        slippage_pct=Decimal(0),
        now_ms=clock.now_ms,
        refresh_s=0,
        candle_timeframe="5m",
    )
    return await wire_desk(database, exchange, clock, **rules)


async def wire_desk(database: Database, exchange: Exchange, clock: Clock, **rules: Any) -> Desk:
    """A desk around ``exchange``, wired as the bot wires it."""
    desk = TradingDesk.build(
        desk_config(**rules), database, exchange=exchange, clock=clock.now, sleep=_no_sleep,
        retry_delay_s=0,
    )  # fmt: skip
    await desk.open()
    return Desk(clock, desk)


PaperDesk = Desk


@pytest.fixture
async def paper_desk(database: Database) -> AsyncIterator[Desk]:
    """A paper desk at 2021-11-17 10:00 UTC, XRP at 1.0707."""
    desk = await build_desk(database, datetime(2021, 11, 17, 10, 0, tzinfo=UTC))
    yield desk
    await desk.close()


async def open_desk(database: Database, fake: FakeExchange) -> Desk:
    """A desk trading live (real ccxt) against ``fake``."""
    config = ccxt_config(fake.ccxt_id, options={**fake.ccxt_config(), "timeout": 1000})
    return await wire_desk(database, CcxtExchange(fake.ccxt_id, config), Clock(real=True))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    """The fake Binance USD-M, XRP at 1.0000."""
    async with FakeBinanceFutures() as server:
        server.set_price("XRPUSDT", "1.0000")
        yield server


@pytest.fixture
async def desk(database: Database, fake: FakeExchange) -> AsyncIterator[Desk]:
    """A live desk on the fake exchange (Binance, unless a module parametrizes ``fake``)."""
    opened = await open_desk(database, fake)
    yield opened
    await opened.close()
