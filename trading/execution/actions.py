"""The executor: a trade's actions, from the entry to the close.

Every action runs under that trade's lock on a :class:`~trading.execution.working.WorkingTrade`
(read once), talks to the exchange through the :class:`~trading.execution.placement.OrderPlacer`
and records what happened before returning. :meth:`Executor.sync` serves the monitor's polling
and the reconciliation after a restart alike: it records what the exchange did, then
:meth:`Executor._settle` draws the consequences (breakeven after TP N, protection, the close).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from trading.alerts import OrderType
from trading.errors import ExchangeError, PlanError, TemporaryExchangeError
from trading.events import EntryPlaced, PositionReduced, TradeWarning
from trading.exchange.base import Exchange, ExchangeOrder, OrderState
from trading.execution import closing
from trading.execution.accounting import TrueUp
from trading.execution.exits import Closer
from trading.execution.placement import NEVER_RECEIVED, OrderIntent, OrderPlacer, never_arrived
from trading.execution.protection import desired_protection, taken_take_profits
from trading.execution.upkeep import ProtectionKeeper
from trading.execution.working import WorkingTrade
from trading.markets import Market
from trading.orders import ENTRY, OrderKind, OrderStatus, tp_leg
from trading.precision import round_amount, round_breakeven
from trading.states import OPEN_STATUSES, TradeStatus
from trading.store.trades import TradeStore
from trading.trade import Trade

__all__ = ["ExecutionRules", "Executor", "breakeven_price"]

_log = logging.getLogger(__name__)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ExecutionRules:
    """Settings of order management."""

    breakeven_after_tp: int = 1
    breakeven_offset_pct: Decimal = Decimal("0.1")


def breakeven_price(trade: Trade, offset_pct: Decimal, market: Market) -> Decimal:
    """Entry ± the offset that covers fees, on the safe side of the tick."""
    entry = trade.entry_price or trade.plan.entry_price
    raw = entry * (1 + trade.side.sign * offset_pct / _HUNDRED)
    return round_breakeven(raw, trade.side, market)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Executor:
    """Places and manages the orders of one account's trades."""

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        rules: ExecutionRules | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retry_delay_s: float = 0.5,
        protection_timeout_s: float = 10.0,
    ) -> None:
        self._store = store
        self._exchange = exchange
        self._rules = rules or ExecutionRules()
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self.placer = OrderPlacer(
            store, exchange, clock=clock, sleep=sleep, retry_delay_s=retry_delay_s
        )
        self.keeper = ProtectionKeeper(
            self.placer, protection_timeout_s=protection_timeout_s, sleep=sleep
        )
        self.closer = Closer(self.placer, self.keeper)
        self.accounts = TrueUp(exchange)

    def lock(self, trade_id: str) -> asyncio.Lock:
        """The lock every action on ``trade_id`` holds."""
        return self._locks.setdefault(trade_id, asyncio.Lock())

    async def _load(self, trade_id: str) -> WorkingTrade:
        return await WorkingTrade.load(self._store, trade_id, self._exchange.markets, self._clock)

    # --- the entry -------------------------------------------------------------------

    async def enter(self, trade_id: str) -> Trade:
        """Place the entry of an approved trade, then its protection once it fills.

        A trade left ``entering`` by a crash before its entry reached the exchange (no entry
        order, or only ones the exchange never got) is entered too: the caller decided the
        approval still holds (see :meth:`~trading.monitor.Monitor.reconcile`).
        """
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status is TradeStatus.ENTERING and not self.entry_sent(w):
                await self._place_entry(w)
                return w.trade
            if w.status is not TradeStatus.APPROVED:
                return w.trade
            if not await w.move(TradeStatus.ENTERING, [TradeStatus.APPROVED]):
                return w.trade
            plan = w.trade.plan
            try:
                await self._exchange.set_leverage(w.trade.symbol, plan.leverage)
            except ExchangeError as exc:
                _log.warning("%s: leverage not set: %s", trade_id, exc)
                if not isinstance(exc, TemporaryExchangeError):
                    await closing.fail(w, f"leverage {plan.leverage}x refused: {exc}")
                    return w.trade
            await self._place_entry(w)
            return w.trade

    @staticmethod
    def entry_sent(w: WorkingTrade) -> bool:
        """An entry order reached the exchange (or may have: its answer is unknown)."""
        return any(o.leg == ENTRY and not never_arrived(o) for o in w.orders)

    async def _place_entry(self, w: WorkingTrade) -> None:
        plan = w.trade.plan
        limit = plan.order_type is OrderType.LIMIT
        intent = OrderIntent(
            ENTRY,
            OrderKind.LIMIT if limit else OrderKind.MARKET,
            plan.side,
            plan.amount,
            price=plan.entry_price if limit else None,
        )
        try:
            record, answer = await self.placer.place(w.trade, intent)
        except ExchangeError as exc:
            await w.reload()
            await closing.fail(w, f"the entry was refused: {exc}")
            return
        w.track([record])
        if answer is None:
            message = "the exchange did not confirm the entry; checking again shortly"
            await w.tell(TradeWarning(message))
            return
        await w.record([(record, answer)])
        if w.status is TradeStatus.ENTERING and answer.state is OrderState.OPEN:
            order_type = "limit" if limit else "market"
            await w.tell(EntryPlaced(order_type, plan.entry_price, plan.amount))
        await self._settle(w)

    # --- following the exchange ------------------------------------------------------

    async def sync(
        self, trade_id: str, open_orders: Mapping[str, ExchangeOrder] | None = None
    ) -> Trade:
        """Record what the exchange did with the trade's orders, then fix its protection.

        ``open_orders`` (exchange id → order) is a snapshot of the symbol's open orders; a live
        order missing from it is fetched to learn how it ended. Without a snapshot every live
        order is fetched.
        """
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status not in OPEN_STATUSES:
                return w.trade
            for record in w.live():
                if record.status is OrderStatus.SUBMITTING:
                    found, certain = await self.placer.lookup(record, w.trade.symbol)
                    if found is not None:
                        await w.record([(record, found)])
                        await self.keeper.confirmed_later(w, w.orders_by_id[record.id])
                    elif certain:
                        await w.mark(record, OrderStatus.REJECTED, NEVER_RECEIVED)
                    continue
                current = None
                if open_orders is not None and record.exchange_id in open_orders:
                    current = open_orders[record.exchange_id]
                    if current.filled == record.filled:
                        continue
                if current is None:
                    current = await self.placer.refresh(record, w.trade.symbol)
                if current is not None:
                    await w.record([(record, current)])
            await self._settle(w)
            return w.trade

    async def closed_outside(self, trade_id: str, position_amount: Decimal) -> Trade:
        """The exchange holds less than the trade: someone closed it by hand."""
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            gone = w.trade.remaining - position_amount
            if w.status is not TradeStatus.OPEN or gone <= 0:
                return w.trade
            remaining = w.trade.remaining - gone
            reduced = PositionReduced(gone, "outside Greenlight", remaining)
            await w.update(
                reduced, closed_qty=w.trade.closed_qty + gone, note="closed outside Greenlight"
            )
            await self._settle(w)
            return w.trade

    # --- a trader's or an alert's actions ----------------------------------------------

    async def exit(self, trade_id: str, reason: str) -> Trade:
        """Close what is left at market and cancel the trade's orders, until flat.

        The exit is stored first: if its close gets no answer, the monitor looks it up and
        sends it again once the exchange says it never arrived.
        """
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status is TradeStatus.APPROVED:
                await closing.withdraw(w, reason)
                return w.trade
            if w.status not in OPEN_STATUSES:
                return w.trade
            await self.closer.begin_exit(w, reason)
            await self._settle(w, force_close=True)
            return w.trade

    async def close_part(self, trade_id: str, percent: Decimal, reason: str) -> Trade:
        """Close ``percent`` of the open size at market; the protection shrinks to fit."""
        if percent >= _HUNDRED:
            return await self.exit(trade_id, reason)
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status is not TradeStatus.OPEN or w.trade.remaining <= 0:
                return w.trade
            amount = round_amount(w.trade.remaining * percent / _HUNDRED, w.market)
            if amount <= 0:
                raise PlanError(f"{percent} % of the position is below the smallest size")
            await self.closer.close_part(w, amount, reason)
            await self._settle(w)
            return w.trade

    async def take_profit_now(self, trade_id: str, index: int, reason: str) -> Trade:
        """Take TP ``index`` now at market (a ``tpN`` alert), instead of at its price."""
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status is not TradeStatus.OPEN or index in taken_take_profits(w.orders):
                return w.trade
            leg = tp_leg(index)
            wanted = {d.leg: d for d in desired_protection(w.trade, w.orders, w.market)}
            if leg not in wanted:
                return w.trade
            await self.keeper.cancel_legs(w, lambda o: o.leg == leg)
            intent = OrderIntent(
                leg, OrderKind.MARKET, w.trade.side.opposite, wanted[leg].amount, reduce_only=True
            )
            record, answer = await self.placer.place(w.trade, intent)
            w.track([record])
            await w.note(reason)
            await w.record([(record, answer)])
            await self._settle(w)
            return w.trade

    async def breakeven(self, trade_id: str, reason: str, level: Decimal | None = None) -> Trade:
        """Move the stop to breakeven now (a ``…breakeven`` alert or ``/breakeven``).

        ``level`` is the alert's own breakeven price; without it, entry ± the offset.

        Raises
        ------
        PlanError
            When the price is already past breakeven: such a stop would fire at once, so the
            current stop stays (close the position instead if that is what you want).
        """
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status is not TradeStatus.OPEN or w.trade.breakeven_at is not None:
                return w.trade
            if level is None:
                level = breakeven_price(w.trade, self._rules.breakeven_offset_pct, w.market)
            else:
                level = round_breakeven(level, w.trade.side, w.market)
            price = await self._exchange.fetch_price(w.trade.symbol)
            if w.trade.side.sign * (price - level) <= 0:
                where = "below" if w.trade.side.is_long else "above"
                raise PlanError(
                    f"the price {price} is {where} breakeven {level}: a stop there would fire "
                    f"at once, so the stop stays at {w.trade.stop_price}"
                )
            await self._move_stop_to_breakeven(w, reason, level)
            await self._settle(w)
            return w.trade

    async def cancel(self, trade_id: str, reason: str) -> Trade:
        """Withdraw a trade that has not filled: an approved one, or a resting limit entry."""
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status is TradeStatus.APPROVED:
                await closing.withdraw(w, reason)
                return w.trade
            if w.status is not TradeStatus.ENTERING:
                return w.trade
            await self.keeper.cancel_legs(w, lambda o: o.leg == ENTRY)
            await self._settle(w, cancelled_reason=reason)
            return w.trade

    async def entry_went_out(self, trade_id: str) -> bool:
        """Whether an entry order of the trade reached the exchange (or may have)."""
        return self.entry_sent(await self._load(trade_id))

    async def tidy(self, trade_id: str) -> None:
        """Cancel the live orders a finished trade left behind (found only now)."""
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            if w.status.is_final:
                await self.keeper.cancel(w, w.live())

    async def abandon(self, trade_id: str, reason: str) -> Trade:
        """An approved trade that will not be entered (e.g. the price moved during a restart)."""
        async with self.lock(trade_id):
            w = await self._load(trade_id)
            await closing.fail(w, reason)
            return w.trade

    # --- consequences ------------------------------------------------------------------

    async def _settle(
        self, w: WorkingTrade, cancelled_reason: str | None = None, *, force_close: bool = False
    ) -> None:
        """After fills: breakeven, protection, an exit's close, and the close of the trade."""
        entry_live = bool(w.live(lambda o: o.leg == ENTRY))
        if w.status is TradeStatus.ENTERING and not entry_live and w.trade.filled_qty == 0:
            if self.entry_sent(w) or cancelled_reason is not None:
                await closing.entry_ended(w, cancelled_reason)
            return  # never sent (a crash): the reconciliation decides whether to enter
        if w.status is not TradeStatus.OPEN:
            return
        rules = self._rules
        if (
            rules.breakeven_after_tp
            and w.trade.breakeven_at is None
            and w.trade.remaining > 0
            and not w.trade.exiting
            and max(taken_take_profits(w.orders), default=0) >= rules.breakeven_after_tp
        ):  # TP N has filled (or one beyond it, taken early by a tpN alert)
            await self._auto_breakeven(w)
        if w.trade.remaining > 0:
            await self.keeper.protect(w)
        if w.trade.exiting:
            await self.closer.close_rest(w, force=force_close)
        if w.trade.remaining <= 0 and not w.live(lambda o: o.leg == ENTRY):
            await closing.finish(w, self.keeper, self.accounts)

    async def _auto_breakeven(self, w: WorkingTrade) -> None:
        """TP N filled: stop to breakeven; if the price is already back through it, a stop
        placed there would fire at once, so close what is left at market instead."""
        level = breakeven_price(w.trade, self._rules.breakeven_offset_pct, w.market)
        try:
            price: Decimal | None = await self._exchange.fetch_price(w.trade.symbol)
        except ExchangeError:
            price = None
        if price is not None and w.trade.side.sign * (price - level) <= 0:
            await self.closer.begin_exit(w, "price back through breakeven")
            return
        await self._move_stop_to_breakeven(w, f"TP{self._rules.breakeven_after_tp} filled")

    async def _move_stop_to_breakeven(
        self, w: WorkingTrade, reason: str, price: Decimal | None = None
    ) -> None:
        if price is None:
            price = breakeven_price(w.trade, self._rules.breakeven_offset_pct, w.market)
        w.stop_reason = reason  # said once the new stop rests (make-before-break)
        await w.update(stop_price=price, breakeven_at=w.now())
