"""What an accepted alert does: offer a new trade, or act on the symbol's active trade.

Entries become *pending* offers (an interface then asks for a decision). ``exit``, ``tpN``,
``…breakeven`` and ``cancel`` act at once on the open or pending trade of the symbol (and
strategy, when the alert names one); with none they are ignored. Every outcome is typed:
:class:`Outcome` says what happened and :class:`NotOffered` why an entry was not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from trading.account_check import MarginCheck
from trading.alerts import AcceptedAlert, Alert, AlertKind
from trading.charting import ChartImage, Chartist
from trading.decisions import OfferDecisions
from trading.errors import ExchangeError, GreenlightError, PlanError, UnknownSymbol
from trading.events import AlertActed, AlertNotOffered, OfferMade, TradeWarning
from trading.exchange.base import Exchange
from trading.execution.actions import Executor
from trading.ids import new_id
from trading.markets import Market
from trading.offer import Offer
from trading.pause import PauseSwitch
from trading.plan import PlanRules, TradePlan, build_plan
from trading.states import ACTIVE_STATUSES, TradeStatus
from trading.store.trades import TradeStore
from trading.symbols import resolve_symbol
from trading.trade import DEFAULT_ACCOUNT, Trade

__all__ = ["AlertHandler", "AlertOutcome", "NotOffered", "Outcome"]


class Outcome(StrEnum):
    """What became of an alert."""

    OFFERED = "offered"  # a pending offer waits for a decision
    NOT_OFFERED = "not_offered"  # an entry that is recorded but not offered (see NotOffered)
    ACTED = "acted"  # exit / tpN / breakeven / cancel applied to a trade
    FAILED = "failed"  # exit / tpN / breakeven / cancel tried, and the exchange said no
    IGNORED = "ignored"  # nothing to act on


class NotOffered(StrEnum):
    """Why an entry alert was not offered."""

    PAUSED = "paused"
    UNKNOWN_SYMBOL = "unknown_symbol"
    TRADE_ACTIVE = "trade_active"
    PLAN_REFUSED = "plan_refused"
    EXCHANGE_DOWN = "exchange_down"


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """The result of handling one alert."""

    outcome: Outcome
    reason: str = ""
    offer: Offer | None = None
    trade: Trade | None = None
    not_offered: NotOffered | None = None

    @property
    def summary(self) -> str:
        """One line for the alert log."""
        word = self.not_offered.value if self.not_offered else self.outcome.value
        return f"{word}: {self.reason}" if self.reason else word


class AlertHandler:
    """Turns accepted alerts into offers and actions, for one account."""

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        executor: Executor,
        decisions: OfferDecisions,
        pause: PauseSwitch,
        rules: PlanRules,
        *,
        approval_timeout: timedelta,
        clock: Callable[[], datetime],
        chartist: Chartist | None = None,
        mode: str = "paper",
        margin: MarginCheck | None = None,
    ) -> None:
        self._store = store
        self._exchange = exchange
        self._executor = executor
        self._decisions = decisions
        self._pause = pause
        self._rules = rules
        self._timeout = approval_timeout
        self._clock = clock
        self._chartist = chartist
        self._mode = mode
        self._margin = margin

    async def handle(self, accepted: AcceptedAlert) -> AlertOutcome:
        """Handle one alert (idempotent: handling it again after a crash does not repeat)."""
        if accepted.alert.kind is AlertKind.ENTRY:
            return await self._offer(accepted)
        return await self._act(accepted.alert)

    # --- entries ------------------------------------------------------------------------

    async def _offer(self, accepted: AcceptedAlert) -> AlertOutcome:
        async with self._store.read() as tx:
            existing = await tx.offer_by_alert(accepted.alert_id)
            trades = await tx.trades_of(existing.id) if existing else []
        if existing is not None:
            trade = trades[0] if trades else None
            return AlertOutcome(Outcome.OFFERED, "offered before a restart", existing, trade)
        alert = accepted.alert
        if await self._pause.is_paused():
            return await self._not_offered(alert, NotOffered.PAUSED, "trading is paused")
        try:
            market, plan = await self._plan(alert)
        except UnknownSymbol as exc:
            return await self._not_offered(alert, NotOffered.UNKNOWN_SYMBOL, str(exc))
        except _ActiveTrade as exc:
            return await self._not_offered(alert, NotOffered.TRADE_ACTIVE, str(exc))
        except PlanError as exc:
            return await self._not_offered(alert, NotOffered.PLAN_REFUSED, str(exc))
        except ExchangeError as exc:
            why = f"the exchange could not be asked: {exc}"
            return await self._not_offered(alert, NotOffered.EXCHANGE_DOWN, why)
        chart = await self._chart(plan, market, alert.time or accepted.received_at)
        now = self._clock()
        async with self._store.begin() as tx:
            offer = await tx.create_offer(
                new_id(), accepted.alert_id, plan, now=now, expires_at=now + self._timeout
            )
            trade = await tx.create_trade(
                new_id(), offer.id, plan, now=now, account=DEFAULT_ACCOUNT
            )
            await tx.save_chart(offer.id, chart.png, chart.note)
            await tx.add_event(OfferMade(plan.symbol, plan.side.value), now=now, offer_id=offer.id)
        return AlertOutcome(Outcome.OFFERED, "", offer, trade)

    async def _plan(self, alert: Alert) -> tuple[Market, TradePlan]:
        markets = await self._exchange.load_markets()
        market = resolve_symbol(alert.ticker, markets, self._exchange.name)
        async with self._store.read() as tx:
            active = await tx.with_status(ACTIVE_STATUSES, market.symbol)
        if active:
            raise _ActiveTrade(
                f"a trade on {market.symbol} is already {active[0].status.value} "
                f"(trade {active[0].id})"
            )
        if self._margin is not None and (why := await self._margin.refusal(market.symbol)):
            raise PlanError(why)
        price = await self._exchange.fetch_price(market.symbol)
        balance = await self._exchange.fetch_balance()
        plan = build_plan(
            alert,
            market,
            equity=balance.total,
            available=balance.free,
            last_price=price,
            rules=self._rules,
        )
        return market, plan

    async def _chart(self, plan: TradePlan, market: Market, alert_time: datetime) -> ChartImage:
        if self._chartist is None:
            return ChartImage(None, "No chart: charts are off")
        return await self._chartist.plan_chart(plan, market, mode=self._mode, alert_time=alert_time)

    async def _not_offered(self, alert: Alert, why: NotOffered, reason: str) -> AlertOutcome:
        side = alert.side.value if alert.side else None
        async with self._store.begin() as tx:
            event = AlertNotOffered(alert.ticker, side, reason, why.value)
            await tx.add_event(event, now=self._clock())
        return AlertOutcome(Outcome.NOT_OFFERED, reason, not_offered=why)

    # --- alerts that act ---------------------------------------------------------------

    async def has_target(self, alert: Alert) -> bool:
        """Whether a non-entry alert has an open or pending trade to act on."""
        return await self.target(alert) is not None

    async def target(self, alert: Alert) -> Trade | None:
        """The active trade of the alert's symbol (and strategy, when it names one)."""
        markets = await self._exchange.load_markets()
        try:
            symbol = resolve_symbol(alert.ticker, markets, self._exchange.name).symbol
        except PlanError:
            return None
        async with self._store.read() as tx:
            active = await tx.with_status(ACTIVE_STATUSES, symbol)
        if alert.strategy:
            active = [t for t in active if t.strategy == alert.strategy]
        return active[-1] if active else None

    async def _act(self, alert: Alert) -> AlertOutcome:
        trade = await self.target(alert)
        if trade is None:
            return AlertOutcome(Outcome.IGNORED, f"no open or pending trade for {alert.ticker}")
        name = f"tp{alert.tp_index}" if alert.kind is AlertKind.TAKE_PROFIT else alert.kind.value
        reason = f"{name} alert"
        await self._told(trade, AlertActed(name))
        try:
            trade = await self._apply(alert, trade, reason)
        except (ExchangeError, PlanError) as exc:
            await self._told(trade, TradeWarning(f"{reason} failed: {exc}"))
            return AlertOutcome(Outcome.FAILED, f"{reason} failed: {exc}", trade=trade)
        return AlertOutcome(Outcome.ACTED, reason, trade=trade)

    async def _apply(self, alert: Alert, trade: Trade, reason: str) -> Trade:
        kind, executor = alert.kind, self._executor
        if trade.status is TradeStatus.PENDING:
            if kind in (AlertKind.EXIT, AlertKind.CANCEL):
                decision = await self._decisions.withdraw(trade.offer_id, reason)
                return next(iter(decision.trades), trade)
            return trade
        if kind is AlertKind.EXIT:
            return await executor.exit(trade.id, reason)
        if kind is AlertKind.CANCEL:
            return await executor.cancel(trade.id, reason)
        if kind is AlertKind.BREAKEVEN:
            return await executor.breakeven(trade.id, reason, alert.breakeven_price)
        assert alert.tp_index is not None
        return await executor.take_profit_now(trade.id, alert.tp_index, reason)

    async def _told(self, trade: Trade, event: AlertActed | TradeWarning) -> None:
        async with self._store.begin() as tx:
            await tx.add_event(event, now=self._clock(), trade=trade)


class _ActiveTrade(GreenlightError):
    """The symbol already has an active trade (one trade per symbol)."""
