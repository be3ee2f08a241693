"""The executor: turns an approved trade into orders and keeps them right until it closes.

Every action on a trade runs under that trade's lock, reads the store, talks to the exchange
through :class:`~trading.placement.OrderPlacer`, and records what happened (fills, events)
before returning. The same :meth:`Executor.sync` serves the monitor's polling and the
reconciliation after a restart: it looks at what the exchange did, records it, then brings the
protective orders to what :func:`~trading.protection.desired_protection` says.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from trading.alerts import OrderType
from trading.errors import ExchangeError, PlanError, TemporaryExchangeError
from trading.events import EventKind
from trading.exchange.base import Exchange, ExchangeOrder, OrderKind, OrderState
from trading.markets import Market
from trading.order_news import record_answers
from trading.placement import OrderIntent, OrderPlacer, Placed
from trading.precision import round_amount, round_breakeven
from trading.protection import DesiredOrder, desired_protection, taken_take_profits
from trading.states import OrderStatus, TradeStatus
from trading.store.trades import TradeStore
from trading.trade import CLOSE, ENTRY, STOP, OrderRecord, Trade, tp_index

__all__ = ["ExecutionRules", "Executor", "breakeven_price"]

_log = logging.getLogger(__name__)
_HUNDRED = Decimal(100)
_PROTECTIVE = {OrderKind.STOP_MARKET, OrderKind.TAKE_PROFIT_MARKET}


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
    """Places and manages the orders of trades on one exchange."""

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        rules: ExecutionRules | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retry_delay_s: float = 0.5,
    ) -> None:
        self._store = store
        self._exchange = exchange
        self._rules = rules or ExecutionRules()
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._told: set[tuple[str, DesiredOrder]] = set()  # failures already reported
        self.placer = OrderPlacer(
            store, exchange, clock=clock, sleep=sleep, retry_delay_s=retry_delay_s
        )

    def lock(self, trade_id: str) -> asyncio.Lock:
        """The lock every action on ``trade_id`` holds."""
        return self._locks.setdefault(trade_id, asyncio.Lock())

    # --- actions ---------------------------------------------------------------------

    async def enter(self, trade_id: str) -> Trade:
        """Place the entry of an approved trade, then its protection once it fills."""
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            if trade.status is not TradeStatus.APPROVED:
                return trade
            async with self._store.begin() as tx:
                moved = await tx.move(
                    trade.id, TradeStatus.ENTERING, now=self._clock(), expect=[TradeStatus.APPROVED]
                )
            if moved is None:
                return await self._get(trade_id)
            trade = moved
            plan = trade.plan
            try:
                await self._exchange.set_leverage(trade.symbol, plan.leverage)
            except ExchangeError as exc:
                _log.warning("%s: leverage not set: %s", trade.id, exc)
                if not isinstance(exc, TemporaryExchangeError):
                    return await self._fail(trade, f"leverage {plan.leverage}x refused: {exc}")
            limit = plan.order_type is OrderType.LIMIT
            try:
                record, answer = await self.placer.place(
                    trade,
                    OrderIntent(
                        ENTRY,
                        OrderKind.LIMIT if limit else OrderKind.MARKET,
                        plan.side,
                        plan.amount,
                        price=plan.entry_price if limit else None,
                    ),
                )
            except ExchangeError as exc:
                return await self._fail(trade, f"the entry was refused: {exc}")
            if answer is None:
                await self._event(
                    trade,
                    EventKind.ERROR,
                    message="the exchange did not confirm the entry; checking again shortly",
                )
                return await self._get(trade_id)
            trade = await self._apply(trade, record, answer)
            if trade.status is TradeStatus.ENTERING and answer.state is OrderState.OPEN:
                await self._event(
                    trade,
                    EventKind.ENTRY_PLACED,
                    order_type="limit" if limit else "market",
                    price=plan.entry_price,
                    amount=plan.amount,
                )
            return await self._settle(trade)

    async def sync(
        self, trade_id: str, open_orders: Mapping[str, ExchangeOrder] | None = None
    ) -> Trade:
        """Record what the exchange did with the trade's orders, then fix its protection.

        ``open_orders`` (exchange id → order) is a snapshot of the symbol's open orders; a live
        order missing from it is fetched to learn how it ended. Without a snapshot every live
        order is fetched.
        """
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            if trade.status not in (TradeStatus.ENTERING, TradeStatus.OPEN):
                return trade
            for record in await self._orders(trade_id):
                if not record.is_live:
                    continue
                if record.status is OrderStatus.SUBMITTING:
                    found, certain = await self.placer.lookup(record, trade.symbol)
                    if found is None:
                        if certain:
                            await self._mark(record, OrderStatus.REJECTED, "never received")
                        continue
                    trade = await self._apply(trade, record, found)
                    continue
                current = None
                if open_orders is not None and record.exchange_id in open_orders:
                    current = open_orders[record.exchange_id]
                    if current.filled == record.filled:
                        continue
                if current is None:
                    current = await self.placer.refresh(record, trade.symbol)
                if current is not None:
                    trade = await self._apply(trade, record, current)
            return await self._settle(trade)

    async def exit(self, trade_id: str, reason: str) -> Trade:
        """Close what is left at market and cancel the trade's orders."""
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            if trade.status in (TradeStatus.PENDING, TradeStatus.APPROVED):
                return await self._withdraw(trade, reason)
            if trade.status not in (TradeStatus.ENTERING, TradeStatus.OPEN):
                return trade
            trade = await self._cancel_legs(trade, lambda o: o.leg == ENTRY)
            trade = await self._cancel_legs(trade, lambda o: tp_index(o.leg) is not None)
            if trade.remaining > 0:
                trade = await self._close_amount(trade, trade.remaining, reason)
            return await self._settle(trade)

    async def close_part(self, trade_id: str, percent: Decimal, reason: str) -> Trade:
        """Close ``percent`` of the open size at market; the protection shrinks to fit."""
        if percent >= _HUNDRED:
            return await self.exit(trade_id, reason)
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            if trade.status is not TradeStatus.OPEN or trade.remaining <= 0:
                return trade
            amount = round_amount(trade.remaining * percent / _HUNDRED, self._market(trade))
            if amount <= 0:
                raise PlanError(f"{percent} % of the position is below the smallest size")
            trade = await self._close_amount(trade, amount, reason)
            return await self._settle(trade)

    async def take_profit_now(self, trade_id: str, index: int, reason: str) -> Trade:
        """Take TP ``index`` now at market (a ``tpN`` alert), instead of at its price."""
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            orders = await self._orders(trade_id)
            if trade.status is not TradeStatus.OPEN or index in taken_take_profits(orders):
                return trade
            wanted = {
                d.leg: d
                for d in desired_protection(trade, orders, self._market(trade))
                if d.kind is OrderKind.TAKE_PROFIT_MARKET
            }
            leg = f"tp{index}"
            if leg not in wanted:
                return trade
            trade = await self._cancel_legs(trade, lambda o: o.leg == leg)
            record, answer = await self.placer.place(
                trade,
                OrderIntent(
                    leg, OrderKind.MARKET, trade.side.opposite, wanted[leg].amount,
                    reduce_only=True,
                ),
            )  # fmt: skip
            await self._note(trade, reason)
            if answer is not None:
                trade = await self._apply(trade, record, answer)
            return await self._settle(trade)

    async def breakeven(self, trade_id: str, reason: str) -> Trade:
        """Move the stop to breakeven now (a ``…breakeven`` alert or ``/breakeven``).

        Raises
        ------
        PlanError
            When the price is already past breakeven: such a stop would fire at once, so the
            current stop stays (close the position instead if that is what you want).
        """
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            if trade.status is not TradeStatus.OPEN or trade.breakeven_at is not None:
                return trade
            market = self._market(trade)
            level = breakeven_price(trade, self._rules.breakeven_offset_pct, market)
            price = await self._exchange.fetch_price(trade.symbol)
            if trade.side.sign * (price - level) <= 0:
                where = "below" if trade.side.is_long else "above"
                raise PlanError(
                    f"the price {price} is {where} breakeven {level}: a stop there would fire "
                    f"at once, so the stop stays at {trade.stop_price}"
                )
            trade = await self._move_stop_to_breakeven(trade, reason)
            return await self._settle(trade)

    async def cancel(self, trade_id: str, reason: str) -> Trade:
        """Withdraw a trade that has not filled: the offer, or a resting limit entry."""
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            if trade.status in (TradeStatus.PENDING, TradeStatus.APPROVED):
                return await self._withdraw(trade, reason)
            if trade.status is not TradeStatus.ENTERING:
                return trade
            trade = await self._cancel_legs(trade, lambda o: o.leg == ENTRY)
            return await self._settle(trade, cancelled_reason=reason)

    async def closed_outside(self, trade_id: str, position_amount: Decimal) -> Trade:
        """The exchange holds less than the trade: someone closed it by hand."""
        async with self.lock(trade_id):
            trade = await self._get(trade_id)
            gone = trade.remaining - position_amount
            if trade.status is not TradeStatus.OPEN or gone <= 0:
                return trade
            async with self._store.begin() as tx:
                trade = await tx.update_trade(
                    trade.id,
                    now=self._clock(),
                    closed_qty=trade.closed_qty + gone,
                    note="closed outside Greenlight",
                )
                await tx.add_event(
                    trade.id,
                    EventKind.POSITION_REDUCED,
                    {"amount": gone, "by": "outside Greenlight", "remaining": trade.remaining},
                    now=self._clock(),
                )
            return await self._settle(trade)

    # --- internals -------------------------------------------------------------------

    async def _get(self, trade_id: str) -> Trade:
        async with self._store.read() as tx:
            trade = await tx.get(trade_id)
        if trade is None:
            raise KeyError(trade_id)
        return trade

    async def _orders(self, trade_id: str) -> list[OrderRecord]:
        async with self._store.read() as tx:
            return await tx.orders_of(trade_id)

    def _market(self, trade: Trade) -> Market:
        return self._exchange.markets[trade.symbol]

    async def _event(self, trade: Trade, kind: EventKind, **data: Any) -> None:
        async with self._store.begin() as tx:
            await tx.add_event(trade.id, kind, data, now=self._clock())

    async def _note(self, trade: Trade, note: str) -> None:
        async with self._store.begin() as tx:
            await tx.update_trade(trade.id, now=self._clock(), note=note[:500])

    async def _mark(self, record: OrderRecord, status: OrderStatus, error: str) -> None:
        async with self._store.begin() as tx:
            await tx.update_order(record.id, now=self._clock(), status=status, error=error)

    async def _end(
        self,
        trade: Trade,
        status: TradeStatus,
        kind: EventKind,
        reason: str,
        expect: list[TradeStatus],
    ) -> Trade:
        """Move a trade that never had a position to a final status, with the reason."""
        now = self._clock()
        async with self._store.begin() as tx:
            moved = await tx.move(
                trade.id, status, now=now, expect=expect, note=reason[:500], closed_at=now
            )
            if moved is not None:
                await tx.add_event(trade.id, kind, {"reason": reason}, now=now)
        return moved or await self._get(trade.id)

    async def _fail(self, trade: Trade, reason: str) -> Trade:
        return await self._end(
            trade,
            TradeStatus.FAILED,
            EventKind.FAILED,
            reason,
            [TradeStatus.APPROVED, TradeStatus.ENTERING],
        )

    async def _withdraw(self, trade: Trade, reason: str) -> Trade:
        return await self._end(
            trade,
            TradeStatus.CANCELLED,
            EventKind.CANCELLED,
            reason,
            [TradeStatus.PENDING, TradeStatus.APPROVED],
        )

    async def abandon(self, trade_id: str, reason: str) -> Trade:
        """An approved trade that will not be entered (e.g. the price moved during a restart)."""
        async with self.lock(trade_id):
            return await self._fail(await self._get(trade_id), reason)

    async def _apply(self, trade: Trade, record: OrderRecord, order: ExchangeOrder) -> Trade:
        """Store what ``order`` says about ``record``: status, fills, the trade's totals."""
        return await self._apply_many(trade, [(record, order)])

    async def _apply_many(self, trade: Trade, answers: list[Placed]) -> Trade:
        """Store several orders' news in one transaction."""
        if not any(order is not None for _, order in answers):
            return trade
        async with self._store.begin() as tx:
            return await record_answers(tx, trade, answers, self._market(trade), self._clock())

    async def _settle(self, trade: Trade, cancelled_reason: str | None = None) -> Trade:
        """After fills: breakeven, protection, and closing the trade when flat."""
        trade = await self._get(trade.id)
        orders = await self._orders(trade.id)
        entry_live = any(o.leg == ENTRY and o.is_live for o in orders)
        if trade.status is TradeStatus.ENTERING and not entry_live and trade.filled_qty == 0:
            return await self._entry_ended(trade, orders, cancelled_reason)
        if trade.status is not TradeStatus.OPEN:
            return trade
        if (
            self._rules.breakeven_after_tp
            and trade.breakeven_at is None
            and trade.remaining > 0
            and max(taken_take_profits(orders), default=0) >= self._rules.breakeven_after_tp
        ):  # TP N has filled (or one beyond it, taken early by a tpN alert)
            trade = await self._auto_breakeven(trade)
        if trade.remaining > 0:
            trade = await self._protect(trade)
        if trade.remaining <= 0 and not entry_live:
            trade = await self._finish(trade)
        return trade

    async def _entry_ended(
        self, trade: Trade, orders: list[OrderRecord], cancelled_reason: str | None
    ) -> Trade:
        entry = next((o for o in reversed(orders) if o.leg == ENTRY), None)
        if cancelled_reason is not None:
            return await self._end(
                trade,
                TradeStatus.CANCELLED,
                EventKind.CANCELLED,
                cancelled_reason,
                [TradeStatus.ENTERING],
            )
        why = (entry.error if entry else None) or "the entry order ended without a fill"
        return await self._fail(trade, why)

    async def _auto_breakeven(self, trade: Trade) -> Trade:
        """TP N filled: stop to breakeven; if the price is already back through it, a stop
        placed there would fire at once, so close what is left at market instead."""
        reason = f"TP{self._rules.breakeven_after_tp} filled"
        level = breakeven_price(trade, self._rules.breakeven_offset_pct, self._market(trade))
        try:
            price = await self._exchange.fetch_price(trade.symbol)
        except ExchangeError:
            price = None
        trade = await self._move_stop_to_breakeven(trade, reason)
        if price is not None and trade.side.sign * (price - level) <= 0:
            trade = await self._cancel_legs(trade, lambda o: tp_index(o.leg) is not None)
            trade = await self._close_amount(trade, trade.remaining, "price back through breakeven")
        return trade

    async def _move_stop_to_breakeven(self, trade: Trade, reason: str) -> Trade:
        price = breakeven_price(trade, self._rules.breakeven_offset_pct, self._market(trade))
        now = self._clock()
        async with self._store.begin() as tx:
            old = trade.stop_price
            trade = await tx.update_trade(trade.id, now=now, stop_price=price, breakeven_at=now)
            await tx.add_event(
                trade.id,
                EventKind.STOP_MOVED,
                {"from": old, "to": price, "reason": reason, "breakeven": True,
                 "remaining": trade.remaining},
                now=now,
            )  # fmt: skip
        return trade

    async def _protect(self, trade: Trade) -> Trade:
        """Bring the stop and TPs on the exchange to what the trade needs now."""
        orders = await self._orders(trade.id)
        wanted = desired_protection(trade, orders, self._market(trade))
        live = [o for o in orders if o.is_live and o.kind in _PROTECTIVE]
        if wanted and not live:
            return await self._protect_at_once(trade, orders, wanted)
        placed: list[DesiredOrder] = []
        for desired in wanted:
            current = [o for o in live if o.leg == desired.leg]
            keep = next((o for o in current if desired.matches(o)), None)
            stale = [o for o in current if o is not keep]
            if keep is not None:
                trade = await self._cancel_records(trade, stale)
                continue
            if desired.leg == STOP:
                ok = await self._place_protective(trade, desired)
                if not ok:
                    if any(o.status is OrderStatus.OPEN for o in stale):
                        continue  # the previous stop still stands: keep it, try again later
                    return await self._emergency_close(trade, orders)
                placed.append(desired)
                trade = await self._cancel_records(trade, stale)  # only once the new one stands
            else:
                trade = await self._cancel_records(trade, stale)
                if await self._place_protective(trade, desired):
                    placed.append(desired)
        unwanted = {d.leg for d in wanted}
        trade = await self._cancel_records(trade, [o for o in live if o.leg not in unwanted])
        if placed:
            await self._event(
                trade,
                EventKind.PROTECTION_PLACED,
                orders=[
                    {"leg": d.leg, "amount": d.amount, "trigger": d.trigger_price} for d in placed
                ],
                first=not any(o.leg == STOP for o in orders),
            )
        return await self._get(trade.id)

    async def _protect_at_once(
        self, trade: Trade, orders: list[OrderRecord], wanted: list[DesiredOrder]
    ) -> Trade:
        """Nothing protects the position yet: send the stop and every TP together."""
        results = await self.placer.place_many(trade, [self._intent(trade, d) for d in wanted])
        placed: list[DesiredOrder] = []
        answers: list[Placed] = []
        stop_placed = True
        for desired, result in zip(wanted, results, strict=True):
            if isinstance(result, ExchangeError):
                await self._tell_refusal(trade, desired, result)
                stop_placed = stop_placed and desired.leg != STOP
                continue
            placed.append(desired)
            answers.append(result)
        trade = await self._apply_many(trade, answers)
        if not stop_placed:
            return await self._emergency_close(trade, orders)
        if placed:
            await self._event(
                trade,
                EventKind.PROTECTION_PLACED,
                orders=[
                    {"leg": d.leg, "amount": d.amount, "trigger": d.trigger_price} for d in placed
                ],
                first=not any(o.leg == STOP for o in orders),
            )
        return await self._get(trade.id)

    @staticmethod
    def _intent(trade: Trade, desired: DesiredOrder) -> OrderIntent:
        return OrderIntent(
            desired.leg,
            desired.kind,
            trade.side.opposite,
            desired.amount,
            trigger_price=desired.trigger_price,
            reduce_only=True,
        )

    async def _tell_refusal(self, trade: Trade, desired: DesiredOrder, exc: Exception) -> None:
        key = (trade.id, desired)
        if key not in self._told:  # say it once, not at every retry
            self._told.add(key)
            what = "stop" if desired.leg == STOP else desired.leg.upper()
            await self._event(trade, EventKind.ERROR, message=f"the {what} was refused: {exc}")

    async def _place_protective(self, trade: Trade, desired: DesiredOrder) -> bool:
        try:
            record, answer = await self.placer.place(trade, self._intent(trade, desired))
        except ExchangeError as exc:
            await self._tell_refusal(trade, desired, exc)
            return False
        if answer is not None:
            await self._apply(trade, record, answer)
        return True

    async def _cancel_records(self, trade: Trade, records: list[OrderRecord]) -> Trade:
        for record in records:
            final = await self.placer.cancel(record, trade.symbol)
            if final is not None:
                trade = await self._apply(trade, record, final)
            elif record.status is OrderStatus.SUBMITTING:
                await self._mark(record, OrderStatus.REJECTED, "never received")
        return trade

    async def _cancel_legs(self, trade: Trade, which: Callable[[OrderRecord], bool]) -> Trade:
        records = [o for o in await self._orders(trade.id) if o.is_live and which(o)]
        return await self._cancel_records(trade, records)

    async def _close_amount(self, trade: Trade, amount: Decimal, reason: str) -> Trade:
        await self._note(trade, reason)
        try:
            record, answer = await self.placer.place(
                trade,
                OrderIntent(CLOSE, OrderKind.MARKET, trade.side.opposite, amount, reduce_only=True),
            )
        except ExchangeError as exc:
            await self._event(trade, EventKind.ERROR, message=f"closing failed: {exc}")
            raise
        if answer is not None:
            trade = await self._apply(trade, record, answer)
        return trade

    async def _emergency_close(self, trade: Trade, orders: list[OrderRecord]) -> Trade:
        """No stop could be placed: close the position rather than leave it naked."""
        await self._event(
            trade,
            EventKind.UNPROTECTED,
            message="the stop could not be placed; closing the position at market",
            remaining=trade.remaining,
        )
        trade = await self._cancel_legs(trade, lambda o: tp_index(o.leg) is not None)
        try:
            trade = await self._close_amount(
                trade, trade.remaining, "closed: the stop could not be placed"
            )
        except ExchangeError as exc:
            await self._event(
                trade,
                EventKind.UNPROTECTED,
                message=f"THE POSITION IS OPEN WITHOUT A STOP and could not be closed: {exc}",
                remaining=trade.remaining,
            )
            return trade
        if trade.remaining <= 0:
            return await self._finish(trade)
        return trade

    async def _finish(self, trade: Trade) -> Trade:
        trade = await self._cancel_legs(trade, lambda o: o.kind in _PROTECTIVE)
        orders = await self._orders(trade.id)
        last_exit = max(
            (o for o in orders if o.leg != ENTRY and o.filled > 0),
            key=lambda o: o.updated_at,
            default=None,
        )
        reason = "closed"
        if last_exit is not None:
            if last_exit.leg == STOP:
                reason = "breakeven stop" if trade.breakeven_at else "stop loss"
            elif tp_index(last_exit.leg) is not None:
                reason = "take-profit"
            elif trade.note:
                reason = trade.note
        elif trade.note:
            reason = trade.note
        now = self._clock()
        async with self._store.begin() as tx:
            closed = await tx.move(
                trade.id,
                TradeStatus.CLOSED,
                now=now,
                expect=[TradeStatus.OPEN],
                closed_at=now,
                close_reason=reason[:64],
            )
            if closed is not None:
                await tx.add_event(
                    trade.id,
                    EventKind.CLOSED,
                    {"reason": reason, "pnl": closed.realized_pnl, "fees": closed.fees,
                     "net": closed.net_pnl, "r": closed.r_multiple},
                    now=now,
                )  # fmt: skip
        return closed or await self._get(trade.id)
