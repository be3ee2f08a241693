"""The read side of the desk: offers, trades, orders, positions, balance, PnL and status."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from trading.errors import GreenlightError
from trading.events import StoredEvent
from trading.exchange.base import Balance, Exchange
from trading.pause import PauseSwitch
from trading.states import ACTIVE_STATUSES, OPEN_STATUSES, OfferStatus, TradeStatus
from trading.store.alert_log import AlertLog
from trading.store.trades import TradeStore
from trading.trade import DEFAULT_ACCOUNT, Trade
from trading.views import DeskStatus, OfferView, OrderLine, PnlSummary, PositionsView

__all__ = ["Book"]


class Book:
    """Answers what every interface shows, from the store and the exchange."""

    def __init__(
        self,
        store: TradeStore,
        alert_log: AlertLog,
        exchanges: Mapping[str, Exchange],
        pause: PauseSwitch,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._alerts = alert_log
        self._exchanges = exchanges
        self._pause = pause
        self._clock = clock
        self._started = time.monotonic()

    @property
    def _exchange(self) -> Exchange:
        return self._exchanges[DEFAULT_ACCOUNT]

    @property
    def mode(self) -> str:
        """``paper`` or ``live``."""
        return "paper" if self._exchange.is_paper else "live"

    async def offer(self, offer_id: str) -> OfferView | None:
        """One offer with its trades."""
        async with self._store.read() as tx:
            offer = await tx.offer(offer_id)
            if offer is None:
                return None
            return OfferView(offer, tuple(await tx.trades_of(offer_id)))

    async def pending_offers(self) -> list[OfferView]:
        """Offers waiting for a decision, oldest first."""
        async with self._store.read() as tx:
            offers = await tx.offers_with_status([OfferStatus.PENDING])
            return [OfferView(o, tuple(await tx.trades_of(o.id))) for o in offers]

    async def trade(self, trade_id: str) -> Trade | None:
        """One trade."""
        async with self._store.read() as tx:
            return await tx.get(trade_id)

    async def active_trades(self) -> list[Trade]:
        """Trades pending, approved, entering or open, oldest first."""
        async with self._store.read() as tx:
            return await tx.with_status(ACTIVE_STATUSES)

    async def open_trades(self) -> list[Trade]:
        """Trades with an entry working or a position, oldest first."""
        async with self._store.read() as tx:
            return await tx.with_status(OPEN_STATUSES)

    async def events_of(self, trade_id: str) -> list[StoredEvent]:
        """A trade's events, oldest first."""
        async with self._store.read() as tx:
            return await tx.events_of(trade_id)

    async def working_orders(self) -> list[OrderLine]:
        """Orders that may still fill, with their trades."""
        async with self._store.read() as tx:
            trades = {t.id: t for t in await tx.with_status(ACTIVE_STATUSES)}
            live = [o for o in await tx.live_orders() if o.trade_id in trades]
        return [
            OrderLine(trades[o.trade_id], o, self._exchange.markets.get(trades[o.trade_id].symbol))
            for o in live
        ]

    async def positions(self) -> PositionsView:
        """Open trades with the exchange's live positions."""
        trades = await self.open_trades()
        error = None
        try:
            positions = await self._exchange.fetch_positions()
        except GreenlightError as exc:
            positions, error = [], str(exc)
        markets = dict(self._exchange.markets)
        return PositionsView(self.mode, tuple(trades), tuple(positions), markets, error)

    async def balance(self) -> Balance:
        """The account's balance.

        Raises
        ------
        ExchangeError
            When the exchange did not answer.
        """
        return await self._exchange.fetch_balance()

    async def pnl(self, days: int) -> PnlSummary:
        """Results of the trades closed in the last ``days`` days."""
        since = self._clock() - timedelta(days=days)
        async with self._store.read() as tx:
            return PnlSummary(days, tuple(await tx.closed_since(since)))

    async def history(self, count: int) -> list[Trade]:
        """The newest trades, whatever their status."""
        async with self._store.read() as tx:
            return await tx.recent(count)

    async def status(self) -> DeskStatus:
        """Mode, exchange health, pause, and today's activity."""
        balance = None
        with contextlib.suppress(GreenlightError):
            balance = await self._exchange.fetch_balance()
        midnight = self._clock().replace(hour=0, minute=0, second=0, microsecond=0)
        async with self._store.read() as tx:
            open_trades = len(await tx.with_status([TradeStatus.ENTERING, TradeStatus.OPEN]))
            pending = len(await tx.offers_with_status([OfferStatus.PENDING]))
        return DeskStatus(
            mode=self.mode,
            exchange=self._exchange.name,
            reachable=balance is not None,
            paused=await self._pause.is_paused(),
            alerts_today=await self._alerts.count(midnight),
            open_trades=open_trades,
            pending=pending,
            uptime_s=time.monotonic() - self._started,
            balance=balance,
        )
