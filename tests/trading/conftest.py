"""A paper trading desk on replayed XRP/USDT candles, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import DATA
from tests.fakes.binance import FakeBinanceFutures
from trading.alert_handler import AlertHandler
from trading.alerts import AcceptedAlert, Alert, AlertKind, Side, TakeProfitSpec
from trading.approvals import ApprovalDesk, ApprovalRules
from trading.events import EventKind
from trading.exchange.base import Exchange
from trading.exchange.ccxt_exchange import CcxtExchange, ccxt_config
from trading.exchange.paper import PaperExchange
from trading.exchange.replay import ReplayFeed, read_candles_csv
from trading.executor import ExecutionRules, Executor
from trading.ids import new_id
from trading.markets import Market
from trading.monitor import Monitor
from trading.pause import PauseSwitch
from trading.plan import PlanRules
from trading.store.alert_log import AlertLog, AlertRecord, AlertStatus
from trading.store.database import Database
from trading.store.trades import StoredEvent, TradeStore
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


async def _no_sleep(_: float) -> None:
    """Retries in tests do not wait."""


@dataclass
class Desk:
    """Every trading part, wired as the bot wires them."""

    clock: Clock
    store: TradeStore
    exchange: Exchange
    executor: Executor
    handler: AlertHandler
    desk: ApprovalDesk
    monitor: Monitor
    pause: PauseSwitch

    alert_log: AlertLog

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

    async def offer(self, alert: Alert) -> Trade:
        outcome = await self.handler.handle(await self.accept(alert))
        assert outcome.trade is not None, outcome
        return outcome.trade

    async def approve_and_enter(self, trade: Trade) -> Trade:
        result = await self.desk.approve(trade.id, "1001", "alice")
        assert result.ok, result.message
        return await self.executor.enter(trade.id)

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

    async def events(self, trade_id: str) -> list[StoredEvent]:
        async with self.store.read() as tx:
            return await tx.events_of(trade_id)

    async def kinds(self, trade_id: str) -> list[EventKind]:
        return [e.kind for e in await self.events(trade_id)]


async def build_desk(database: Database, start: datetime, **rules: Any) -> Desk:
    """Wire a paper desk on ``database``, replaying XRP candles from ``start``."""
    clock = Clock(start)
    store = TradeStore(database)
    feed = ReplayFeed(
        {XRP.symbol: XRP},
        {XRP.symbol: read_candles_csv(DATA / "XRPUSDT-PERP-5m.csv")},
        now_ms=clock.now_ms,
        candle_ms=FIVE_MINUTES,
    )
    exchange = PaperExchange(
        feed,
        store,
        name="binanceusdm",
        balance=Decimal(10000),
        slippage_pct=Decimal(0),
        now_ms=clock.now_ms,
        refresh_s=0,
        candle_timeframe="5m",
    )
    return await wire_desk(database, exchange, clock, **rules)


async def wire_desk(database: Database, exchange: Exchange, clock: Clock, **rules: Any) -> Desk:
    """Wire every trading part around ``exchange``, as the bot does."""
    store = TradeStore(database)
    await exchange.load_markets()
    pause = PauseSwitch(store, clock=clock.now)
    executor = Executor(
        store,
        exchange,
        ExecutionRules(
            breakeven_after_tp=rules.get("breakeven_after_tp", 1),
            breakeven_offset_pct=Decimal("0.1"),
        ),
        sleep=_no_sleep,
        clock=clock.now,
        retry_delay_s=0,
    )
    handler = AlertHandler(
        store,
        exchange,
        executor,
        pause,
        PlanRules(risk_per_trade_pct=Decimal(1), max_risk_pct=Decimal(5)),
        approval_timeout=timedelta(minutes=15),
        clock=clock.now,
    )
    desk = ApprovalDesk(
        store, exchange, pause, ApprovalRules(max_price_drift_pct=Decimal(1)), clock=clock.now
    )
    monitor = Monitor(store, exchange, executor, clock=clock.now, interval_s=0)
    alert_log = AlertLog(database)
    await alert_log.start()
    return Desk(clock, store, exchange, executor, handler, desk, monitor, pause, alert_log)


PaperDesk = Desk


@pytest.fixture
async def paper_desk(database: Database) -> AsyncIterator[Desk]:
    """A paper desk at 2021-11-17 10:00 UTC, XRP at 1.0707."""
    desk = await build_desk(database, datetime(2021, 11, 17, 10, 0, tzinfo=UTC))
    yield desk
    await desk.exchange.close()
    await desk.alert_log.close()


async def open_desk(database: Database, fake: FakeBinanceFutures) -> Desk:
    """A desk trading live (real ccxt) against ``fake``."""
    config = ccxt_config("binanceusdm", options={**fake.ccxt_config(), "timeout": 1000})
    return await wire_desk(database, CcxtExchange("binanceusdm", config), Clock(real=True))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    """The fake Binance USD-M, XRP at 1.0000."""
    async with FakeBinanceFutures() as server:
        server.set_price("XRPUSDT", "1.0000")
        yield server


@pytest.fixture
async def desk(database: Database, fake: FakeBinanceFutures) -> AsyncIterator[Desk]:
    """A live desk on the fake Binance."""
    opened = await open_desk(database, fake)
    yield opened
    await opened.exchange.close()
    await opened.alert_log.close()
