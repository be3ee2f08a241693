"""A trade and its orders while one action holds the trade's lock.

The trade is read once when the action starts; every write goes through
:class:`WorkingTrade`, which keeps ``trade`` and ``orders`` as they were stored, so the steps
of an action never read the trade back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from trading.events import Event
from trading.execution.news import record_answers
from trading.execution.placement import Placed
from trading.markets import Market
from trading.orders import OrderRecord, OrderStatus
from trading.states import TradeStatus
from trading.store.trades import TradeStore
from trading.trade import Trade

__all__ = ["WorkingTrade"]


class WorkingTrade:
    """The state of one trade during an action, and the writes that change it."""

    def __init__(
        self,
        store: TradeStore,
        trade: Trade,
        orders: list[OrderRecord],
        market: Market,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.trade = trade
        self.orders = orders
        self.market = market
        self.now = clock
        #: why the stop is being moved in this action, said once the new stop is confirmed
        self.stop_reason: str | None = None

    @classmethod
    async def load(
        cls,
        store: TradeStore,
        trade_id: str,
        markets: Mapping[str, Market],
        clock: Callable[[], datetime],
    ) -> WorkingTrade:
        """Read the trade and its orders.

        Raises
        ------
        KeyError
            When there is no such trade.
        """
        async with store.read() as tx:
            trade = await tx.get(trade_id)
            if trade is None:
                raise KeyError(trade_id)
            orders = await tx.orders_of(trade_id)
        return cls(store, trade, orders, markets[trade.symbol], clock)

    # --- reading ---------------------------------------------------------------------

    @property
    def status(self) -> TradeStatus:
        """The trade's status."""
        return self.trade.status

    def live(self, which: Callable[[OrderRecord], bool] = lambda _: True) -> list[OrderRecord]:
        """Orders that may still fill and match ``which``."""
        return [o for o in self.orders if o.is_live and which(o)]

    @property
    def orders_by_id(self) -> dict[int, OrderRecord]:
        """The orders by our id."""
        return {o.id: o for o in self.orders}

    def track(self, records: Iterable[OrderRecord]) -> None:
        """Take new or changed order records into account."""
        by_id = {o.id: i for i, o in enumerate(self.orders)}
        for record in records:
            if record.id in by_id:
                self.orders[by_id[record.id]] = record
            else:
                by_id[record.id] = len(self.orders)
                self.orders.append(record)

    async def reload(self) -> None:
        """Read the trade and its orders again (after work done outside this object)."""
        async with self.store.read() as tx:
            trade = await tx.get(self.trade.id)
            self.orders = await tx.orders_of(self.trade.id)
        assert trade is not None
        self.trade = trade

    # --- writing ---------------------------------------------------------------------

    async def record(self, answers: Sequence[Placed]) -> None:
        """Store what the exchange said about some orders (status, fills, totals, events)."""
        if not any(order is not None for _, order in answers):
            return
        async with self.store.begin() as tx:
            self.trade, updated = await record_answers(
                tx, self.trade, list(answers), self.market, self.now()
            )
        self.track(updated)

    async def tell(self, event: Event) -> None:
        """Store an event of this trade."""
        async with self.store.begin() as tx:
            await tx.add_event(event, now=self.now(), trade=self.trade)

    async def update(self, event: Event | None = None, **fields: Any) -> None:
        """Change the trade's fields (not its status), with an event in the same transaction."""
        async with self.store.begin() as tx:
            self.trade = await tx.update_trade(self.trade.id, now=self.now(), **fields)
            if event is not None:
                await tx.add_event(event, now=self.now(), trade=self.trade)

    async def note(self, text: str) -> None:
        """Keep a short note on the trade (why it is being closed...)."""
        await self.update(note=text[:500])

    async def move(
        self,
        to: TradeStatus,
        expect: Sequence[TradeStatus],
        event: Event | None = None,
        **fields: Any,
    ) -> bool:
        """Compare-and-set the status; ``False`` (and the trade re-read) when it had moved."""
        async with self.store.begin() as tx:
            moved = await tx.move(self.trade.id, to, now=self.now(), expect=expect, **fields)
            if moved is not None and event is not None:
                await tx.add_event(event, now=self.now(), trade=moved)
        if moved is None:
            await self.reload()
            return False
        self.trade = moved
        return True

    async def mark(self, record: OrderRecord, status: OrderStatus, error: str) -> None:
        """Set an order's status by our own knowledge (it never arrived...)."""
        async with self.store.begin() as tx:
            updated = await tx.update_order(
                record.id, now=self.now(), status=status, error=error[:500]
            )
        self.track([updated])
