"""Closing positions: a part at market, or an exit that is driven until the position is flat.

An exit (an ``exit`` alert, ``/close``, a stop that could not be placed...) is stored on the
trade first (``exit_reason``), so it survives a restart: while it is under way the take-profits
it cancelled are not put back, the stop stays until the position is flat, and the close is sent
again under a new attempt id whenever the exchange says the previous one never arrived. When
the exchange refuses the close for a reason a person must handle, the thread and the channel
are told what is still open, and Greenlight stops sending it until asked again.
"""

from __future__ import annotations

from decimal import Decimal

from trading.errors import ExchangeError, TemporaryExchangeError
from trading.events import CloseFailed, TradeWarning
from trading.execution.placement import OrderIntent, OrderPlacer, never_arrived
from trading.execution.upkeep import ProtectionKeeper
from trading.execution.working import WorkingTrade
from trading.orders import CLOSE, ENTRY, STOP, OrderKind, OrderStatus
from trading.precision import format_decimal

__all__ = ["Closer"]


class Closer:
    """Sends market closes for trades, once per intent, again only when one never arrived."""

    def __init__(self, placer: OrderPlacer, keeper: ProtectionKeeper) -> None:
        self._placer = placer
        self._keeper = keeper
        self._told: set[tuple[str, str]] = set()

    async def close_part(self, w: WorkingTrade, amount: Decimal, reason: str) -> None:
        """Close ``amount`` at market now (not an exit: the protection shrinks to fit).

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

    async def begin_exit(self, w: WorkingTrade, reason: str) -> None:
        """Store the exit, then cancel the entry still working and the take-profits."""
        if not w.trade.exiting:
            await w.update(exit_reason=reason[:500], note=reason[:500])
        await self._keeper.cancel_legs(w, lambda o: o.leg == ENTRY)
        await self._keeper.cancel_take_profits(w)

    def blocked(self, w: WorkingTrade) -> bool:
        """The exchange refused the last close for a reason a person must handle."""
        last = next((o for o in reversed(w.orders) if o.leg == CLOSE), None)
        return (
            last is not None
            and last.status is OrderStatus.REJECTED
            and not never_arrived(last)
            and w.trade.exiting
        )

    async def close_rest(self, w: WorkingTrade, *, force: bool = False) -> None:
        """Send a close for what is left, unless one is under way (or refused, unless forced)."""
        remaining = w.trade.remaining
        if remaining <= 0 or w.live(lambda o: o.leg == CLOSE):
            return
        if self.blocked(w) and not force:
            return
        intent = OrderIntent(
            CLOSE, OrderKind.MARKET, w.trade.side.opposite, remaining, reduce_only=True
        )
        try:
            record, answer = await self._placer.place(w.trade, intent)
        except TemporaryExchangeError as exc:
            await w.reload()
            message = f"the close did not go through yet ({exc}); Greenlight keeps trying"
            await self._say_once(w, "close-retry", TradeWarning(message))
            return
        except ExchangeError as exc:
            await w.reload()
            await w.tell(CloseFailed(self._still_open(w, str(exc)), remaining))
            return
        w.track([record])
        await w.record([(record, answer)])
        if answer is None:
            message = "the close was sent but the exchange has not confirmed it; checking"
            await self._say_once(w, f"close-unknown:{record.client_id}", TradeWarning(message))

    @staticmethod
    def _still_open(w: WorkingTrade, why: str) -> str:
        trade = w.trade
        stop = next((o for o in w.orders if o.leg == STOP and o.status is OrderStatus.OPEN), None)
        level = format_decimal(stop.trigger_price) if stop and stop.trigger_price else None
        guard = f"its stop at {level} rests" if level else "NO STOP rests"
        return (
            f"the position could not be closed: {why.rstrip('.')}. Still open: "
            f"{format_decimal(trade.remaining)} {trade.side.label} {trade.symbol}; {guard}. "
            "Close it on the exchange, or /close again once the cause is fixed"
        )

    async def _say_once(self, w: WorkingTrade, key: str, event: TradeWarning) -> None:
        if (w.trade.id, key) not in self._told:
            self._told.add((w.trade.id, key))
            await w.tell(event)
