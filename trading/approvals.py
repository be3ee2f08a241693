"""The approval desk: who decided what, once, and whether the price still allows it.

Decisions are compare-and-set moves in the store: however many clicks and reactions arrive at
the same moment, one decision wins and the others are told it was already taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trading.alerts import OrderType
from trading.errors import ExchangeError
from trading.events import EventKind
from trading.exchange.base import Exchange
from trading.pause import PauseSwitch
from trading.plan import TradePlan
from trading.precision import format_decimal
from trading.states import TradeStatus
from trading.store.trades import TradeStore
from trading.trade import Trade

__all__ = ["ApprovalDesk", "ApprovalRules", "DecisionResult", "drift_refusal"]

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """How long offers wait, what expiry does, how far the price may move."""

    max_price_drift_pct: Decimal = Decimal(1)
    expiry_approves: bool = False


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """The outcome of one click: ``ok`` when this click decided."""

    ok: bool
    trade: Trade
    message: str


def drift_refusal(plan: TradePlan, price: Decimal, max_drift_pct: Decimal) -> str | None:
    """Why ``price`` forbids entering ``plan`` now, or ``None`` when it is fine."""
    stop = plan.stop_price
    if (plan.side.is_long and price <= stop) or (not plan.side.is_long and price >= stop):
        return f"the price {format_decimal(price)} is already past the stop {format_decimal(stop)}"
    if plan.order_type is OrderType.LIMIT:
        return None  # a limit entry waits for its price; only the stop matters
    drift = abs(price - plan.entry_price) / plan.entry_price * _HUNDRED
    if drift > max_drift_pct:
        return (
            f"the price moved {drift:.2f} % since the alert ({format_decimal(plan.entry_price)}"
            f" → {format_decimal(price)}); the limit is {format_decimal(max_drift_pct)} %"
        )
    return None


class ApprovalDesk:
    """Approve, reject and expire pending trades."""

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        pause: PauseSwitch,
        rules: ApprovalRules,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._exchange = exchange
        self._pause = pause
        self._rules = rules
        self._clock = clock

    async def _trade(self, trade_id: str) -> Trade:
        async with self._store.read() as tx:
            trade = await tx.get(trade_id)
        if trade is None:
            raise KeyError(trade_id)
        return trade

    @staticmethod
    def _already(trade: Trade) -> str:
        who = f" by {trade.decided_by_name}" if trade.decided_by_name else ""
        return f"this alert is already {trade.status.value}{who}"

    async def approve(self, trade_id: str, actor_id: str, actor_name: str) -> DecisionResult:
        """Approve if still pending, not paused, not expired and the price allows it."""
        trade = await self._trade(trade_id)
        if trade.status is not TradeStatus.PENDING:
            return DecisionResult(False, trade, self._already(trade))
        if await self._pause.is_paused():
            return DecisionResult(False, trade, "trading is paused: /resume first")
        if trade.expires_at is not None and self._clock() >= trade.expires_at:
            result = await self.expire(trade_id)
            return DecisionResult(False, result.trade, "this alert has expired")
        try:
            price = await self._exchange.fetch_price(trade.symbol)
        except ExchangeError as exc:
            return DecisionResult(False, trade, f"could not check the price: {exc}")
        refusal = drift_refusal(trade.plan, price, self._rules.max_price_drift_pct)
        if refusal is not None:
            return DecisionResult(False, trade, f"not approved: {refusal}")
        return await self._decide(
            trade, TradeStatus.APPROVED, EventKind.APPROVED, actor_id, actor_name, price=price
        )

    async def reject(self, trade_id: str, actor_id: str, actor_name: str) -> DecisionResult:
        """Reject if still pending."""
        trade = await self._trade(trade_id)
        if trade.status is not TradeStatus.PENDING:
            return DecisionResult(False, trade, self._already(trade))
        return await self._decide(
            trade, TradeStatus.REJECTED, EventKind.REJECTED, actor_id, actor_name
        )

    async def expire(self, trade_id: str) -> DecisionResult:
        """Nobody decided in time: reject (the default) or approve, as configured."""
        trade = await self._trade(trade_id)
        if trade.status is not TradeStatus.PENDING:
            return DecisionResult(False, trade, self._already(trade))
        if self._rules.expiry_approves and not await self._pause.is_paused():
            try:
                price = await self._exchange.fetch_price(trade.symbol)
            except ExchangeError:
                price = None
            if price is not None and not drift_refusal(
                trade.plan, price, self._rules.max_price_drift_pct
            ):
                return await self._decide(
                    trade, TradeStatus.APPROVED, EventKind.APPROVED, "expiry", "expiry",
                    price=price,
                )  # fmt: skip
        return await self._decide(trade, TradeStatus.EXPIRED, EventKind.EXPIRED, "expiry", "expiry")

    async def due(self) -> list[Trade]:
        """Pending trades, each with its expiry time (for the timers)."""
        async with self._store.read() as tx:
            return await tx.with_status([TradeStatus.PENDING])

    async def _decide(
        self,
        trade: Trade,
        status: TradeStatus,
        kind: EventKind,
        actor_id: str,
        actor_name: str,
        price: Decimal | None = None,
    ) -> DecisionResult:
        now = self._clock()
        async with self._store.begin() as tx:
            moved = await tx.move(
                trade.id,
                status,
                now=now,
                expect=[TradeStatus.PENDING],
                decision=status.value,
                decided_by=actor_id[:64],
                decided_by_name=actor_name[:100],
                decided_at=now,
                closed_at=None if status is TradeStatus.APPROVED else now,
            )
            if moved is not None:
                data: dict[str, object] = {"by": actor_name, "by_id": actor_id}
                if price is not None:
                    data["price"] = price
                await tx.add_event(trade.id, kind, data, now=now)
        if moved is None:
            current = await self._trade(trade.id)
            return DecisionResult(False, current, self._already(current))
        return DecisionResult(True, moved, f"{status.value} by {actor_name}")
