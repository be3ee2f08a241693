"""The upkeep of a trade's protective orders: bring what rests to what should rest.

:func:`~trading.execution.protection.desired_protection` says which stop and take-profits the
trade needs now; :class:`ProtectionKeeper` compares them with the orders resting on the
exchange, keeps those that are right, places what is missing and cancels what is not wanted.

Make-before-break: an order is replaced only once its successor is confirmed resting, by the
exchange's answer or by a look-up of its client id. An order whose fate is unknown is neither
placed nor absent: until it is known, the order it replaces stays, and nothing is sent again.
The first stop of a position, with no stop to fall back on, is looked up for at most
``protection_timeout_s``; past that it counts as absent and the position is closed.
Events are told only for what the exchange confirmed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from enum import Enum

from trading.errors import ExchangeError
from trading.events import (
    ProtectionFailed,
    ProtectionPlaced,
    ProtectiveOrder,
    StopMoved,
    TradeWarning,
)
from trading.exchange.base import ExchangeOrder, OrderState
from trading.execution.placement import NEVER_RECEIVED, OrderIntent, OrderPlacer
from trading.execution.protection import DesiredOrder, desired_protection
from trading.execution.working import WorkingTrade
from trading.orders import STOP, OrderRecord, OrderStatus, tp_index

__all__ = ["Fate", "ProtectionKeeper"]

_log = logging.getLogger(__name__)


class Fate(Enum):
    """What became of an order we sent."""

    KEPT = "kept"  # it was resting already: nothing sent
    RESTING = "resting"  # confirmed on the exchange (or already filled)
    UNKNOWN = "unknown"  # no answer, and the look-ups could not tell
    ABSENT = "absent"  # refused, or the exchange says it never got it


def _intent(w: WorkingTrade, desired: DesiredOrder) -> OrderIntent:
    return OrderIntent(
        desired.leg,
        desired.kind,
        w.trade.side.opposite,
        desired.amount,
        trigger_price=desired.trigger_price,
        reduce_only=True,
    )


def _fate(answer: ExchangeOrder | None) -> Fate:
    if answer is None:
        return Fate.UNKNOWN
    if answer.state is OrderState.OPEN or answer.filled > 0:
        return Fate.RESTING
    return Fate.ABSENT


class ProtectionKeeper:
    """Places, replaces and cancels the reduce-only orders of trades.

    Parameters
    ----------
    protection_timeout_s:
        How long the first stop of a position may stay unconfirmed before it counts as absent.
    """

    def __init__(
        self,
        placer: OrderPlacer,
        *,
        protection_timeout_s: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._placer = placer
        self._timeout = protection_timeout_s
        self._sleep = sleep
        self._told: set[tuple[str, str]] = set()  # things already said, said once

    # --- the protection as a whole -------------------------------------------------------

    async def protect(self, w: WorkingTrade) -> None:
        """Bring the stop and TPs on the exchange to what the trade needs now."""
        wanted = desired_protection(w.trade, w.orders, w.market)
        if wanted and not w.live(lambda o: o.is_protective):
            await self._protect_at_once(w, wanted)
            return
        placed: list[DesiredOrder] = []
        for desired in wanted:
            fate = await self._bring(w, desired)
            if fate is Fate.RESTING:
                placed.append(desired)
            elif fate is Fate.ABSENT and desired.leg == STOP and not self._resting_stop(w):
                await self.emergency_close(w)
                return
        unwanted = {d.leg for d in wanted}
        await self.cancel(w, w.live(lambda o: o.is_protective and o.leg not in unwanted))
        if placed:
            await self._told_placed(w, placed, first=False)

    async def _protect_at_once(self, w: WorkingTrade, wanted: list[DesiredOrder]) -> None:
        """Nothing protects the position yet: send the stop and every TP together."""
        results = await self._placer.place_many(w.trade, [_intent(w, d) for d in wanted])
        answered = [r for r in results if not isinstance(r, ExchangeError)]
        w.track(record for record, _ in answered)
        await w.record(answered)  # every answer in one transaction
        confirmed: list[DesiredOrder] = []
        stop = Fate.ABSENT
        for desired, result in zip(wanted, results, strict=True):
            if isinstance(result, ExchangeError):
                await self._tell_refusal(w, desired, result)
                continue
            record, answer = result
            fate = _fate(answer)
            if desired.leg == STOP:
                stop = fate
                if fate is Fate.UNKNOWN:
                    stop = await self._confirm_first_stop(w, w.orders_by_id[record.id])
            if fate is Fate.RESTING:
                confirmed.append(desired)
        if confirmed:
            await self._told_placed(w, confirmed, first=True)
        if stop is Fate.ABSENT:
            await self.emergency_close(w)

    def _resting_stop(self, w: WorkingTrade) -> OrderRecord | None:
        return next((o for o in w.orders if o.leg == STOP and o.status is OrderStatus.OPEN), None)

    # --- one leg -----------------------------------------------------------------------

    async def _bring(self, w: WorkingTrade, desired: DesiredOrder) -> Fate:
        """Make ``desired`` rest, replacing what rests for its leg only once it does."""
        current = w.live(lambda o: o.leg == desired.leg)
        right = [o for o in current if desired.matches(o)]
        others = [o for o in current if not desired.matches(o)]
        resting = next((o for o in right if o.status is OrderStatus.OPEN), None)
        if resting is not None:
            await self.cancel(w, [o for o in current if o is not resting])
            return Fate.KEPT
        pending = next((o for o in right if o.status is OrderStatus.SUBMITTING), None)
        if pending is not None:  # sent before, fate unknown: never send it twice
            fate = await self._settle_unknown(w, pending, first=not self._resting_stop(w))
            if fate is not Fate.ABSENT:
                if fate is Fate.RESTING:
                    await self._replaced(w, desired, others)
                return fate
        fate = await self._place(w, desired)
        if fate is Fate.RESTING:
            await self._replaced(w, desired, others)
        return fate

    async def _replaced(
        self, w: WorkingTrade, desired: DesiredOrder, others: Sequence[OrderRecord]
    ) -> None:
        """``desired`` now rests: say so for a moved stop, then cancel what it replaces."""
        if desired.leg == STOP:
            old = next((o for o in others if o.status is OrderStatus.OPEN), None)
            if old is not None and old.trigger_price != desired.trigger_price:
                await self._told_moved(w, old.trigger_price, desired.trigger_price)
        await self.cancel(w, others)

    async def _place(self, w: WorkingTrade, desired: DesiredOrder) -> Fate:
        try:
            record, answer = await self._placer.place(w.trade, _intent(w, desired))
        except ExchangeError as exc:
            await w.reload()
            await self._tell_refusal(w, desired, exc)
            return Fate.ABSENT
        w.track([record])
        await w.record([(record, answer)])
        if answer is None:
            first = desired.leg == STOP and not self._resting_stop(w)
            return await self._settle_unknown(w, record, first=first, looked_up=True)
        return _fate(answer)

    async def _settle_unknown(
        self, w: WorkingTrade, record: OrderRecord, *, first: bool, looked_up: bool = False
    ) -> Fate:
        """Learn the fate of an order sent without an answer (a first stop: wait for it)."""
        if first and record.leg == STOP:
            return await self._confirm_first_stop(w, record)
        if not looked_up:
            fate = await self._look_up(w, record)
            if fate is not Fate.UNKNOWN:
                return fate
        await self._say_once(
            w,
            f"unknown:{record.client_id}",
            f"the exchange has not confirmed the {_name(record.leg)} yet; Greenlight keeps "
            "checking, and what it replaces stays until it is confirmed",
        )
        return Fate.UNKNOWN

    async def _look_up(self, w: WorkingTrade, record: OrderRecord) -> Fate:
        found, certain = await self._placer.lookup(record, w.trade.symbol)
        if found is not None:
            await w.record([(record, found)])
            return _fate(found)
        if certain:
            await w.mark(record, OrderStatus.REJECTED, NEVER_RECEIVED)
            return Fate.ABSENT
        return Fate.UNKNOWN

    async def _confirm_first_stop(self, w: WorkingTrade, record: OrderRecord) -> Fate:
        """Look up the position's only stop, with backoff, for at most the protection timeout.

        Past it the stop counts as absent (the caller closes the position); the record stays
        ``submitting``, so a stop that shows up later is found and cancelled.
        """
        waited, delay = 0.0, 0.5
        while True:
            fate = await self._look_up(w, record)
            if fate is not Fate.UNKNOWN:
                return fate
            if waited >= self._timeout:
                message = (
                    f"the stop was sent but not confirmed within {self._timeout:g} s: "
                    "it counts as absent"
                )
                await w.tell(ProtectionFailed(message, w.trade.remaining))
                return Fate.ABSENT
            step = min(delay, self._timeout - waited)
            await self._sleep(step)
            waited += step
            delay *= 2

    async def confirmed_later(self, w: WorkingTrade, record: OrderRecord) -> None:
        """An order sent without an answer turned out to rest: say so now."""
        if not record.is_protective or record.status is not OrderStatus.OPEN:
            return
        if record.leg == STOP:
            old = next(
                (o for o in w.orders if o.leg == STOP and o.status is OrderStatus.OPEN
                 and o.id != record.id),
                None,
            )  # fmt: skip
            if old is not None and old.trigger_price != record.trigger_price:
                await self._told_moved(w, old.trigger_price, record.trigger_price)
        assert record.trigger_price is not None
        order = ProtectiveOrder(record.leg, record.amount, record.trigger_price)
        await w.tell(ProtectionPlaced((order,), False))

    # --- cancelling --------------------------------------------------------------------

    async def cancel(self, w: WorkingTrade, records: Sequence[OrderRecord]) -> None:
        """Cancel ``records``, recording how each ended (it may have filled meanwhile).

        An order whose cancel cannot be confirmed stays live: the next pass tries again.
        """
        for record in records:
            final, certain = await self._placer.cancel(record, w.trade.symbol)
            if final is not None:
                await w.record([(record, final)])
            elif certain and record.status is OrderStatus.SUBMITTING:
                await w.mark(record, OrderStatus.REJECTED, NEVER_RECEIVED)

    async def cancel_legs(self, w: WorkingTrade, which: Callable[[OrderRecord], bool]) -> None:
        """Cancel the trade's live orders that match ``which``."""
        await self.cancel(w, w.live(which))

    async def cancel_take_profits(self, w: WorkingTrade) -> None:
        """Cancel every resting take-profit."""
        await self.cancel_legs(w, lambda o: tp_index(o.leg) is not None)

    # --- when no stop can stand --------------------------------------------------------

    async def emergency_close(self, w: WorkingTrade) -> None:
        """No stop could be placed: close the position rather than leave it naked.

        The close is an exit: it is sent again until the position is flat (see
        :meth:`~trading.execution.actions.Executor._close_rest`), and the trade's thread and
        the channel are told loudly.
        """
        message = "the stop could not be placed; closing the position at market"
        await w.tell(ProtectionFailed(message, w.trade.remaining))
        await w.update(exit_reason="closed: the stop could not be placed")
        await self.cancel_take_profits(w)

    # --- what is said --------------------------------------------------------------------

    async def _told_placed(
        self, w: WorkingTrade, placed: Sequence[DesiredOrder], *, first: bool
    ) -> None:
        orders = tuple(ProtectiveOrder(d.leg, d.amount, d.trigger_price) for d in placed)
        await w.tell(ProtectionPlaced(orders, first))

    async def _told_moved(self, w: WorkingTrade, old: Decimal | None, new: Decimal | None) -> None:
        reason = w.stop_reason or "stop moved"
        breakeven = w.trade.breakeven_at is not None
        await w.tell(StopMoved(old, new, reason, breakeven, w.trade.remaining))

    async def _tell_refusal(self, w: WorkingTrade, desired: DesiredOrder, exc: Exception) -> None:
        await self._say_once(
            w, f"refused:{desired.leg}:{desired.trigger_price}:{desired.amount}",
            f"the {_name(desired.leg)} was refused: {exc}",
        )  # fmt: skip

    async def _say_once(self, w: WorkingTrade, key: str, message: str) -> None:
        if (w.trade.id, key) not in self._told:
            self._told.add((w.trade.id, key))
            await w.tell(TradeWarning(message))


def _name(leg: str) -> str:
    return "stop" if leg == STOP else leg.upper()
