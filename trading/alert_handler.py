"""What an accepted alert does: offer a new trade, or act on the symbol's active trade.

Entries become *pending* trades (the bot then asks in Discord). ``exit``, ``tpN``,
``…breakeven`` and ``cancel`` act at once on the open or pending trade of the symbol (and
strategy, when the alert names one); with none they are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from trading.alerts import AcceptedAlert, Alert, AlertKind
from trading.errors import ExchangeError, PlanError
from trading.exchange.base import Exchange
from trading.executor import Executor
from trading.ids import new_id
from trading.pause import PauseSwitch
from trading.plan import PlanRules, build_plan
from trading.states import ACTIVE_STATUSES
from trading.store.trades import TradeStore
from trading.symbols import resolve_symbol
from trading.trade import Trade

__all__ = ["AlertHandler", "AlertOutcome", "Outcome"]


class Outcome(StrEnum):
    """What became of an alert."""

    OFFERED = "offered"  # a pending trade waits for a decision
    REFUSED = "refused"  # the entry cannot be traded (reason given)
    PAUSED = "paused"  # an entry while paused: recorded, not offered
    ACTED = "acted"  # exit / tpN / breakeven / cancel applied to a trade
    IGNORED = "ignored"  # nothing to act on


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """The result of handling one alert."""

    outcome: Outcome
    reason: str = ""
    trade: Trade | None = None

    @property
    def summary(self) -> str:
        """One line for the alert log."""
        return f"{self.outcome.value}: {self.reason}" if self.reason else self.outcome.value


class AlertHandler:
    """Turns accepted alerts into offers and actions."""

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        executor: Executor,
        pause: PauseSwitch,
        rules: PlanRules,
        *,
        approval_timeout: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._exchange = exchange
        self._executor = executor
        self._pause = pause
        self._rules = rules
        self._timeout = approval_timeout
        self._clock = clock

    async def handle(self, accepted: AcceptedAlert) -> AlertOutcome:
        """Handle one alert (idempotent: handling it again after a crash does not repeat)."""
        alert = accepted.alert
        if alert.kind is AlertKind.ENTRY:
            return await self._offer(accepted)
        return await self._act(alert)

    async def _offer(self, accepted: AcceptedAlert) -> AlertOutcome:
        async with self._store.read() as tx:
            existing = await tx.by_alert(accepted.alert_id)
        if existing is not None:
            return AlertOutcome(Outcome.OFFERED, "offered before a restart", existing)
        if await self._pause.is_paused():
            return AlertOutcome(Outcome.PAUSED, "trading is paused")
        alert = accepted.alert
        try:
            markets = await self._exchange.load_markets()
            market = resolve_symbol(alert.ticker, markets, self._exchange.name)
            async with self._store.read() as tx:
                active = await tx.with_status(ACTIVE_STATUSES, market.symbol)
            if active:
                raise PlanError(
                    f"a trade on {market.symbol} is already {active[0].status.value} "
                    f"(trade {active[0].id})"
                )
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
        except PlanError as exc:
            return AlertOutcome(Outcome.REFUSED, str(exc))
        except ExchangeError as exc:
            return AlertOutcome(Outcome.REFUSED, f"the exchange could not be asked: {exc}")
        now = self._clock()
        async with self._store.begin() as tx:
            trade = await tx.create_trade(
                new_id(), accepted.alert_id, plan, now=now, expires_at=now + self._timeout
            )
        return AlertOutcome(Outcome.OFFERED, "", trade)

    async def has_target(self, alert: Alert) -> bool:
        """Whether a non-entry alert has an open or pending trade to act on."""
        return await self._target(alert) is not None

    async def _target(self, alert: Alert) -> Trade | None:
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
        trade = await self._target(alert)
        if trade is None:
            return AlertOutcome(Outcome.IGNORED, f"no open or pending trade for {alert.ticker}")
        name = f"tp{alert.tp_index}" if alert.kind is AlertKind.TAKE_PROFIT else alert.kind.value
        reason = f"{name} alert"
        try:
            if alert.kind is AlertKind.EXIT:
                trade = await self._executor.exit(trade.id, reason)
            elif alert.kind is AlertKind.CANCEL:
                trade = await self._executor.cancel(trade.id, reason)
            elif alert.kind is AlertKind.BREAKEVEN:
                trade = await self._executor.breakeven(trade.id, reason)
            elif alert.kind is AlertKind.TAKE_PROFIT:
                assert alert.tp_index is not None
                trade = await self._executor.take_profit_now(trade.id, alert.tp_index, reason)
        except (ExchangeError, PlanError) as exc:
            return AlertOutcome(Outcome.ACTED, f"{reason} failed: {exc}", trade)
        return AlertOutcome(Outcome.ACTED, reason, trade)
