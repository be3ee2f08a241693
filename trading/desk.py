"""The front door of trading: the few sentences every interface says to it.

Discord, the web desk, the replay and the tests all talk to one :class:`TradingDesk`:

- **alerts** — :meth:`~TradingDesk.submit` an accepted alert (offered, acted on, or refused
  with a reason kind), :meth:`~TradingDesk.has_target` for the webhook's "ignored" answer;
- **decisions** — :meth:`~TradingDesk.decide` an offer (approve or reject, by whom, with the
  price checks), after which the desk enters the approved trades itself; offers expire;
- **trades** — :meth:`~TradingDesk.close`, :meth:`~TradingDesk.breakeven`, and
  :meth:`~TradingDesk.find_trade` to go from a symbol to its trade;
- **the switch** — :meth:`~TradingDesk.pause` and :meth:`~TradingDesk.resume`;
- **reading** — :attr:`~TradingDesk.book` (typed views) and :attr:`~TradingDesk.feed` (events).

:meth:`TradingDesk.build` is the one place that wires trading; the desk owns the background
tasks it starts (the alert worker, the monitors, the expiry timer, the entries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from trading.account_check import MarginCheck, check_position_mode
from trading.alert_handler import AlertHandler, AlertOutcome, Outcome
from trading.alert_parser import AlertRules
from trading.alert_worker import AlertWorker
from trading.alerts import AcceptedAlert, Alert
from trading.book import Book
from trading.charting import ChartImage, Chartist
from trading.config import DeskConfig
from trading.decisions import ApprovalRules, Decision, OfferDecisions, Refusal
from trading.errors import GreenlightError, PlanError
from trading.events import TradingPaused, TradingResumed
from trading.exchange.base import Exchange
from trading.exchange.opening import open_exchange
from trading.execution.actions import ExecutionRules, Executor
from trading.expiry import ExpiryWatch
from trading.feed import EventFeed
from trading.markets import Market
from trading.monitor import Monitor
from trading.offer import Actor
from trading.pause import PauseSwitch
from trading.plan import PlanRules
from trading.states import OPEN_STATUSES, TradeStatus
from trading.store.alert_log import AlertLog
from trading.store.database import Database
from trading.store.trades import TradeStore
from trading.symbols import resolve_symbol, symbol_choices
from trading.trade import DEFAULT_ACCOUNT, Trade

__all__ = ["Account", "ActionOutcome", "TradingDesk"]

_log = logging.getLogger(__name__)
_HUNDRED = Decimal(100)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Account:
    """One exchange account and the parts that trade it."""

    name: str
    exchange: Exchange
    executor: Executor
    monitor: Monitor
    handler: AlertHandler


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The result of a command on a trade: ``ok``, and a sentence for whoever asked."""

    ok: bool
    message: str
    trade: Trade | None = None
    refusal: Refusal | None = None


class TradingDesk:
    """Every use case of trading, for every interface (see the module doc)."""

    def __init__(
        self,
        config: DeskConfig,
        store: TradeStore,
        alert_log: AlertLog,
        account: Account,
        decisions: OfferDecisions,
        pause: PauseSwitch,
        *,
        clock: Callable[[], datetime],
        chartist: Chartist | None,
    ) -> None:
        self.config = config
        self.store = store
        self.alert_log = alert_log
        self.accounts = {account.name: account}
        self.decisions = decisions
        self.pause_switch = pause
        self.clock = clock
        self.chartist = chartist
        exchanges = {name: a.exchange for name, a in self.accounts.items()}
        self.book = Book(store, alert_log, exchanges, pause, clock=clock)
        self.feed = EventFeed(store, clock=clock)
        self.worker = AlertWorker(self._handle, alert_log, clock=clock)
        self.expiry = ExpiryWatch(decisions, self._after_decision, clock=clock)
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def build(
        cls,
        config: DeskConfig,
        database: Database,
        *,
        exchange: Exchange | None = None,
        chartist: Chartist | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retry_delay_s: float = 0.5,
    ) -> TradingDesk:
        """Wire a desk from ``config``: the exchange (unless given), executor, monitor, rules."""
        store = TradeStore(database)
        exchange = exchange or open_exchange(config, store)
        pause = PauseSwitch(store, clock=clock)
        rules = ExecutionRules(config.breakeven_after_tp, config.breakeven_offset_pct)
        executor = Executor(
            store, exchange, rules, clock=clock, sleep=sleep, retry_delay_s=retry_delay_s,
            protection_timeout_s=config.protection_timeout_s,
        )  # fmt: skip
        approval = ApprovalRules(config.max_price_drift_pct, config.expiry_approves)
        decisions = OfferDecisions(store, {DEFAULT_ACCOUNT: exchange}, pause, approval, clock=clock)
        plan_rules = PlanRules(
            risk_per_trade_pct=config.risk_per_trade_pct,
            max_risk_pct=config.max_risk_per_trade_pct,
            default_stop_pct=config.default_stop_pct,
            default_leverage=config.default_leverage,
        )
        handler = AlertHandler(
            store, exchange, executor, decisions, pause, plan_rules,
            approval_timeout=timedelta(seconds=config.approval_timeout_s), clock=clock,
            chartist=chartist, mode="paper" if exchange.is_paper else "live",
            margin=MarginCheck(exchange, config.margin_mode),
        )  # fmt: skip
        monitor = Monitor(
            store, exchange, executor, clock=clock, interval_s=config.monitor_interval_s,
            max_price_drift_pct=config.max_price_drift_pct, sleep=sleep,
            approval_timeout=timedelta(seconds=config.approval_timeout_s),
        )  # fmt: skip
        account = Account(DEFAULT_ACCOUNT, exchange, executor, monitor, handler)
        return cls(
            config, store, AlertLog(database), account, decisions, pause,
            clock=clock, chartist=chartist,
        )  # fmt: skip

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def account(self) -> Account:
        """The (only, for now) account."""
        return self.accounts[DEFAULT_ACCOUNT]

    @property
    def exchange(self) -> Exchange:
        """The account's exchange."""
        return self.account.exchange

    @property
    def mode(self) -> str:
        """``paper`` or ``live``."""
        return self.book.mode

    async def open(self) -> None:
        """Start the alert log, load the markets and check each account's position mode.

        Raises
        ------
        GreenlightError
            When the exchange cannot be read or the account is not set up for Greenlight.
        """
        await self.alert_log.start()
        for account in self.accounts.values():
            await account.exchange.load_markets()
            await check_position_mode(account.exchange, account.exchange.name)

    async def start(self) -> None:
        """Finish what a restart interrupted: reconcile each account, re-queue alerts."""
        for account in self.accounts.values():
            await account.monitor.reconcile()
        await self.worker.requeue_unprocessed(AlertRules(self.config.default_stop_pct))

    async def run(self, stop: asyncio.Event) -> None:
        """Process alerts, follow trades and expire offers until ``stop`` is set.

        Each loop finishes what it is doing (the alert in hand, a monitor pass) before it
        returns: nothing is cut in the middle of a transaction or an order.
        """
        loops = [
            self.spawn(self.worker.run(stop), "alerts"),
            self.spawn(self.expiry.run(stop), "expiry"),
        ]
        loops += [
            self.spawn(a.monitor.run(stop), f"monitor-{a.name}") for a in self.accounts.values()
        ]
        await asyncio.gather(*loops, return_exceptions=True)
        await self.idle()

    async def close(self) -> None:
        """Stop the alert log and release the exchanges."""
        await self.idle()
        await self.alert_log.close()
        for account in self.accounts.values():
            await account.exchange.close()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, owned by the desk (its failure is logged)."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def idle(self) -> None:
        """Wait for the entries and other one-off tasks under way."""
        busy = [
            t for t in self._tasks if not t.get_name().startswith(("alerts", "expiry", "monitor"))
        ]
        if busy:
            await asyncio.gather(*busy, return_exceptions=True)

    # --- alerts ------------------------------------------------------------------------

    def submit(self, accepted: AcceptedAlert) -> None:
        """Queue an alert the webhook stored and acknowledged."""
        self.worker.submit(accepted)

    async def has_target(self, alert: Alert) -> bool:
        """Whether an exit / tpN / breakeven / cancel alert has a trade to act on."""
        return await self.account.handler.has_target(alert)

    async def take_alert(self, accepted: AcceptedAlert) -> AlertOutcome:
        """Handle one alert now and record its outcome (the worker does this for queued ones)."""
        return await self.worker.process(accepted)

    async def _handle(self, accepted: AcceptedAlert) -> AlertOutcome:
        outcome = await self.account.handler.handle(accepted)
        if outcome.outcome is Outcome.OFFERED:
            self.expiry.wakeup.set()
        elif outcome.outcome in (Outcome.ACTED, Outcome.FAILED):
            self.account.monitor.wakeup.set()
        return outcome

    # --- decisions -----------------------------------------------------------------------

    async def decide(self, offer_id: str, approve: bool, actor: Actor) -> Decision:
        """Approve or reject an offer for ``actor``; an approval starts the entries at once.

        Access is the interface's to check. One decision wins; the others are refused with
        :attr:`Refusal.ALREADY_DECIDED` and a sentence saying who decided.
        """
        if approve:
            decision = await self.decisions.approve(offer_id, actor)
        else:
            decision = await self.decisions.reject(offer_id, actor)
        if decision.ok:
            _log.info(
                "offer %s %s by %s", offer_id, "approved" if approve else "rejected", actor.name
            )
            await self._after_decision(decision)
        return decision

    async def _after_decision(self, decision: Decision) -> None:
        for trade in decision.approved:
            executor = self.accounts[trade.account].executor
            self.spawn(executor.enter(trade.id), f"enter-{trade.id}")

    async def expire_due(self) -> float:
        """Expire the offers that are due; seconds until the next one."""
        return await self.expiry.expire_due()

    # --- trades --------------------------------------------------------------------------

    async def resolve(self, text: str) -> Market:
        """The market a symbol or TradingView ticker names (``PlanError`` when none)."""
        markets = await self.exchange.load_markets()
        return resolve_symbol(text, markets, self.exchange.name)

    async def find_trade(
        self, text: str, statuses: frozenset[TradeStatus] = OPEN_STATUSES
    ) -> Trade | None:
        """The newest trade of the symbol ``text`` names, in ``statuses``."""
        market = await self.resolve(text)
        async with self.store.read() as tx:
            found = await tx.with_status(statuses, market.symbol)
        return found[-1] if found else None

    async def symbol_choices(self, typed: str) -> list[str]:
        """Symbols for autocomplete: those with active trades first, then the markets."""
        wanted = typed.strip().upper()
        active = [t.symbol for t in await self.book.active_trades()]
        names = [s for s in dict.fromkeys(active) if wanted in s.upper()]
        names += [s for s in symbol_choices(self.exchange.markets, typed) if s not in names]
        return names[:25]

    async def close_trade(self, trade_id: str, percent: Decimal, actor: Actor) -> ActionOutcome:
        """Close ``percent`` of a trade's position at market (all of it at 100)."""
        trade = await self.book.trade(trade_id)
        if trade is None or trade.status not in OPEN_STATUSES or trade.remaining <= 0:
            return ActionOutcome(
                False, "there is no open position to close", trade, Refusal.NOT_OPEN
            )
        executor = self.accounts[trade.account].executor
        shown = f"{percent.normalize():f}"
        reason = (
            f"closed by {actor.name}"
            if percent >= _HUNDRED
            else f"{shown} % closed by {actor.name}"
        )
        try:
            if percent >= _HUNDRED:
                after = await executor.exit(trade_id, reason)
            else:
                after = await executor.close_part(trade_id, percent, reason)
        except GreenlightError as exc:
            return ActionOutcome(False, f"Could not close: {exc}", trade, Refusal.EXCHANGE)
        self.accounts[trade.account].monitor.wakeup.set()
        return ActionOutcome(True, f"{after.symbol} {after.status.value}", after)

    async def breakeven(self, trade_id: str, actor: Actor) -> ActionOutcome:
        """Move a trade's stop to entry ± the offset now."""
        trade = await self.book.trade(trade_id)
        if trade is None or trade.status is not TradeStatus.OPEN:
            return ActionOutcome(False, "there is no open position", trade, Refusal.NOT_OPEN)
        if trade.breakeven_at is not None:
            message = "The stop is already at breakeven."
            return ActionOutcome(False, message, trade, Refusal.ALREADY_AT_BREAKEVEN)
        executor = self.accounts[trade.account].executor
        try:
            after = await executor.breakeven(trade_id, f"/breakeven by {actor.name}")
        except GreenlightError as exc:
            return ActionOutcome(False, f"Could not move the stop: {exc}", trade, Refusal.EXCHANGE)
        return ActionOutcome(True, "the stop is at breakeven", after)

    # --- the switch ----------------------------------------------------------------------

    async def pause(self, actor: Actor) -> bool:
        """Stop offering and entering new trades (kept across restarts); whether it changed."""
        changed = await self.pause_switch.set(True)
        if changed:
            await self._tell(TradingPaused(actor.name, actor.via.value))
        return changed

    async def resume(self, actor: Actor) -> bool:
        """Offer and enter new trades again; whether it changed."""
        changed = await self.pause_switch.set(False)
        if changed:
            await self._tell(TradingResumed(actor.name, actor.via.value))
        return changed

    async def is_paused(self) -> bool:
        """True while trading is paused."""
        return await self.pause_switch.is_paused()

    async def _tell(self, event: TradingPaused | TradingResumed) -> None:
        async with self.store.begin() as tx:
            await tx.add_event(event, now=self.clock())

    # --- charts --------------------------------------------------------------------------

    async def offer_chart(self, offer_id: str) -> ChartImage | None:
        """The chart the offer was made with (``None``: no such offer)."""
        async with self.store.read() as tx:
            found = await tx.chart(offer_id)
        return None if found is None else ChartImage(*found)

    async def chart(self, text: str, timeframe: str | None = None) -> ChartImage:
        """A symbol's candles, with its latest trade's levels if it has one."""
        try:
            market = await self.resolve(text)
        except PlanError as exc:
            return ChartImage(None, str(exc))
        if self.chartist is None:
            return ChartImage(None, "No chart: charts are off")
        trades = [t for t in await self.book.history(200) if t.symbol == market.symbol]
        if trades:
            return await self.chartist.plan_chart(
                trades[0].plan, market, mode=self.mode, timeframe=timeframe
            )
        return await self.chartist.symbol_chart(
            market.symbol, market, mode=self.mode, timeframe=timeframe
        )
