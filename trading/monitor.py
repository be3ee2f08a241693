"""The monitor: follows open trades on the exchange and reconciles after a restart.

Each pass fetches positions first, then each symbol's open orders, then lets the executor
record what changed. Positions are read first on purpose: fills only shrink a position, so a
position smaller than what the trade still holds *after* its orders were read can only mean
someone closed it outside Greenlight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from trading.decisions import drift_refusal
from trading.errors import ExchangeError
from trading.exchange.base import Exchange, ExchangeOrder, Position
from trading.execution.actions import Executor
from trading.states import OPEN_STATUSES, TradeStatus
from trading.store.trades import TradeStore
from trading.trade import DEFAULT_ACCOUNT, Trade

__all__ = ["Monitor"]

_log = logging.getLogger(__name__)


class Monitor:
    """Polls one account's exchange for the trades that have orders or positions.

    Parameters
    ----------
    account:
        The account whose trades it follows.
    interval_s:
        Pause between passes; it doubles (up to ``max_backoff_s``) while the exchange fails.
    """

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        executor: Executor,
        *,
        clock: Callable[[], datetime],
        interval_s: float = 5.0,
        max_backoff_s: float = 60.0,
        max_price_drift_pct: Decimal = Decimal(1),
        approval_timeout: timedelta = timedelta(minutes=15),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        self._store = store
        self._account = account
        self._exchange = exchange
        self._executor = executor
        self._clock = clock
        self._interval = interval_s
        self._max_backoff = max_backoff_s
        self._max_drift = max_price_drift_pct
        self._approval_timeout = approval_timeout
        self._sleep = sleep
        self.wakeup = asyncio.Event()

    async def reconcile(self) -> None:
        """Start-up: finish what a restart interrupted, then one full pass.

        An approved trade whose entry never reached the exchange (approved, or marked as
        entering, when Greenlight stopped) is entered if the approval still holds: made at most
        ``APPROVAL_TIMEOUT_MIN`` ago, the price within the drift limit and not past the stop.
        Otherwise it ends with the true reason.
        """
        for trade in await self._mine([TradeStatus.APPROVED, TradeStatus.ENTERING]):
            try:
                await self._resume_entry(trade)
            except ExchangeError as exc:
                _log.warning("%s: cannot resume the entry yet: %s", trade.id, exc)
        await self.poll_once()

    async def _resume_entry(self, trade: Trade) -> None:
        if trade.status is TradeStatus.ENTERING:
            trade = await self._executor.sync(trade.id)  # an unknown entry is looked up first
            if trade.status is not TradeStatus.ENTERING or await self._executor.entry_went_out(
                trade.id
            ):
                return
        why = await self._why_not_enter(trade)
        if why is None:
            await self._executor.enter(trade.id)
        else:
            await self._executor.abandon(trade.id, f"not entered: {why}")

    async def _why_not_enter(self, trade: Trade) -> str | None:
        """Why an approval interrupted by a restart no longer holds (``None``: it holds)."""
        async with self._store.read() as tx:
            offer = await tx.offer(trade.offer_id)
        decided = offer.decided_at if offer is not None else None
        if decided is not None and self._clock() - decided > self._approval_timeout:
            minutes = int((self._clock() - decided).total_seconds() // 60)
            limit = self._approval_timeout.total_seconds() / 60
            return (
                f"it was approved {minutes} min ago and Greenlight was down since; an approval "
                f"holds {limit:g} min (APPROVAL_TIMEOUT_MIN)"
            )
        price = await self._exchange.fetch_price(trade.symbol)
        refusal = drift_refusal(trade.plan, price, self._max_drift)
        return None if refusal is None else f"{refusal}, while Greenlight was down"

    async def poll_once(self) -> None:
        """One pass over every entering or open trade, then what finished trades left."""
        await self._tidy_finished()
        trades = await self._mine(OPEN_STATUSES)
        if not trades:
            return
        symbols = sorted({t.symbol for t in trades})
        positions = await self._positions(symbols)
        for symbol in symbols:
            snapshot = {o.id: o for o in await self._exchange.fetch_open_orders(symbol)}
            for trade in (t for t in trades if t.symbol == symbol):
                await self._follow(trade, snapshot, positions.get(symbol))

    async def _tidy_finished(self) -> None:
        """Orders of finished trades whose fate was unknown (a stop confirmed too late):
        cancel them if they rest, so a stray reduce-only order never meets a later trade."""
        async with self._store.read() as tx:
            ids = {o.trade_id for o in await tx.live_orders()}
            finished = [t for i in sorted(ids) if (t := await tx.get(i)) and t.status.is_final]
        for trade in finished:
            if trade.account == self._account:
                await self._executor.tidy(trade.id)

    async def _mine(self, statuses: Iterable[TradeStatus]) -> list[Trade]:
        async with self._store.read() as tx:
            found = await tx.with_status(statuses)
        return [t for t in found if t.account == self._account]

    async def _positions(self, symbols: list[str]) -> dict[str, Position]:
        return {p.symbol: p for p in await self._exchange.fetch_positions(symbols)}

    async def _follow(
        self, before: Trade, snapshot: dict[str, ExchangeOrder], position: Position | None
    ) -> None:
        try:
            trade = await self._executor.sync(before.id, snapshot)
        except ExchangeError as exc:
            _log.warning("%s: sync failed: %s", before.id, exc)
            return
        if trade.status is not TradeStatus.OPEN or trade.remaining <= 0:
            return
        if before.status is not TradeStatus.OPEN or before.filled_qty != trade.filled_qty:
            return  # the entry filled during this pass: the position read is older than it
        held = Decimal(0)
        if position is not None and position.side is trade.side:
            held = position.amount
        if held < trade.remaining:
            await self._executor.closed_outside(trade.id, held)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; wake early when :attr:`wakeup` is set."""
        delay = self._interval
        while not stop.is_set():
            try:
                await self.poll_once()
                delay = self._interval
            except ExchangeError as exc:
                delay = min(delay * 2, self._max_backoff)
                _log.warning("monitor: %s; next try in %.0f s", exc, delay)
            except Exception:
                delay = min(delay * 2, self._max_backoff)
                _log.exception("monitor pass failed; next try in %.0f s", delay)
            self.wakeup.clear()
            waiters = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self.wakeup.wait()),
            ]
            _, pending = await asyncio.wait(
                waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()
