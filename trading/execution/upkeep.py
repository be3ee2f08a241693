"""The upkeep of a trade's protective orders: bring what rests to what should rest.

:func:`~trading.execution.protection.desired_protection` says which stop and take-profits
the trade needs now; :class:`ProtectionKeeper` compares them with the orders resting on the
exchange, keeps those that are right, places what is missing and cancels what is not wanted.
A stop is replaced make-before-break: the old one is cancelled only once the new one stands.
A position whose stop cannot be placed at all is closed at market.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from trading.errors import ExchangeError
from trading.events import ProtectionFailed, ProtectionPlaced, ProtectiveOrder, TradeWarning
from trading.execution.placement import OrderIntent, OrderPlacer, Placed
from trading.execution.protection import DesiredOrder, desired_protection
from trading.execution.working import WorkingTrade
from trading.orders import CLOSE, STOP, OrderKind, OrderRecord, OrderStatus, tp_index

__all__ = ["ProtectionKeeper"]

_NEVER_RECEIVED = "never received"


def _intent(w: WorkingTrade, desired: DesiredOrder) -> OrderIntent:
    return OrderIntent(
        desired.leg,
        desired.kind,
        w.trade.side.opposite,
        desired.amount,
        trigger_price=desired.trigger_price,
        reduce_only=True,
    )


def _placed_event(placed: Sequence[DesiredOrder], first: bool) -> ProtectionPlaced:
    orders = tuple(ProtectiveOrder(d.leg, d.amount, d.trigger_price) for d in placed)
    return ProtectionPlaced(orders, first)


class ProtectionKeeper:
    """Places, replaces and cancels the reduce-only orders of trades."""

    def __init__(self, placer: OrderPlacer) -> None:
        self._placer = placer
        self._told: set[tuple[str, DesiredOrder]] = set()  # refusals already reported

    async def protect(self, w: WorkingTrade) -> None:
        """Bring the stop and TPs on the exchange to what the trade needs now."""
        wanted = desired_protection(w.trade, w.orders, w.market)
        live = w.live(lambda o: o.is_protective)
        first = not any(o.leg == STOP for o in w.orders)
        if wanted and not live:
            await self._protect_at_once(w, wanted, first)
            return
        placed: list[DesiredOrder] = []
        for desired in wanted:
            current = [o for o in live if o.leg == desired.leg]
            keep = next((o for o in current if desired.matches(o)), None)
            stale = [o for o in current if o is not keep]
            if keep is not None:
                await self.cancel(w, stale)
            elif desired.leg == STOP:
                if not await self._place(w, desired):
                    if any(o.status is OrderStatus.OPEN for o in stale):
                        continue  # the previous stop still stands: keep it, try again later
                    await self.emergency_close(w)
                    return
                placed.append(desired)
                await self.cancel(w, stale)  # only once the new one stands
            else:
                await self.cancel(w, stale)
                if await self._place(w, desired):
                    placed.append(desired)
        unwanted = {d.leg for d in wanted}
        await self.cancel(w, [o for o in live if o.leg not in unwanted])
        if placed:
            await w.tell(_placed_event(placed, first))

    async def _protect_at_once(
        self, w: WorkingTrade, wanted: list[DesiredOrder], first: bool
    ) -> None:
        """Nothing protects the position yet: send the stop and every TP together."""
        results = await self._placer.place_many(w.trade, [_intent(w, d) for d in wanted])
        placed: list[DesiredOrder] = []
        answers: list[Placed] = []
        stop_placed = True
        for desired, result in zip(wanted, results, strict=True):
            if isinstance(result, ExchangeError):
                await self._tell_refusal(w, desired, result)
                stop_placed = stop_placed and desired.leg != STOP
                continue
            placed.append(desired)
            answers.append(result)
        w.track(record for record, _ in answers)
        await w.record(answers)
        if not stop_placed:
            await self.emergency_close(w)
            return
        if placed:
            await w.tell(_placed_event(placed, first))

    async def _tell_refusal(self, w: WorkingTrade, desired: DesiredOrder, exc: Exception) -> None:
        key = (w.trade.id, desired)
        if key not in self._told:  # say it once, not at every retry
            self._told.add(key)
            what = "stop" if desired.leg == STOP else desired.leg.upper()
            await w.tell(TradeWarning(f"the {what} was refused: {exc}"))

    async def _place(self, w: WorkingTrade, desired: DesiredOrder) -> bool:
        try:
            record, answer = await self._placer.place(w.trade, _intent(w, desired))
        except ExchangeError as exc:
            await self._tell_refusal(w, desired, exc)
            return False
        w.track([record])
        await w.record([(record, answer)])
        return True

    async def cancel(self, w: WorkingTrade, records: Sequence[OrderRecord]) -> None:
        """Cancel ``records``, recording how each ended (it may have filled meanwhile)."""
        for record in records:
            final = await self._placer.cancel(record, w.trade.symbol)
            if final is not None:
                await w.record([(record, final)])
            elif record.status is OrderStatus.SUBMITTING:
                await w.mark(record, OrderStatus.REJECTED, _NEVER_RECEIVED)

    async def cancel_legs(self, w: WorkingTrade, which: Callable[[OrderRecord], bool]) -> None:
        """Cancel the trade's live orders that match ``which``."""
        await self.cancel(w, w.live(which))

    async def cancel_take_profits(self, w: WorkingTrade) -> None:
        """Cancel every resting take-profit."""
        await self.cancel_legs(w, lambda o: tp_index(o.leg) is not None)

    async def close_amount(self, w: WorkingTrade, amount: Decimal, reason: str) -> None:
        """Close ``amount`` at market (reduce-only), noting ``reason`` on the trade.

        Raises
        ------
        ExchangeError
            When the exchange refused the close (the trade's thread is told).
        """
        await w.note(reason)
        intent = OrderIntent(
            CLOSE, OrderKind.MARKET, w.trade.side.opposite, amount, reduce_only=True
        )
        try:
            record, answer = await self._placer.place(w.trade, intent)
        except ExchangeError as exc:
            await w.tell(TradeWarning(f"closing failed: {exc}"))
            raise
        w.track([record])
        await w.record([(record, answer)])

    async def emergency_close(self, w: WorkingTrade) -> None:
        """No stop could be placed: close the position rather than leave it naked."""
        message = "the stop could not be placed; closing the position at market"
        await w.tell(ProtectionFailed(message, w.trade.remaining))
        await self.cancel_take_profits(w)
        try:
            await self.close_amount(w, w.trade.remaining, "closed: the stop could not be placed")
        except ExchangeError as exc:
            loud = f"THE POSITION IS OPEN WITHOUT A STOP and could not be closed: {exc}"
            await w.tell(ProtectionFailed(loud, w.trade.remaining))
