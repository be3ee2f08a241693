"""Placing, looking up and cancelling orders without ever placing one twice.

Every order is stored (status ``submitting``) before it is sent, under a client order id made
of the trade, the leg and the attempt. When the exchange's answer is lost, the order is looked
up by that id before anything is sent again; a new attempt (with a new id) is made only when
the exchange says it never got the previous one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trading.alerts import Side
from trading.errors import (
    AmbiguousOrderError,
    ExchangeError,
    OrderNotFound,
    TemporaryExchangeError,
)
from trading.exchange.base import Exchange, ExchangeOrder, OrderRequest, OrderState
from trading.orders import OrderKind, OrderRecord, OrderStatus
from trading.store.trades import TradeStore
from trading.trade import Trade

__all__ = [
    "NEVER_RECEIVED",
    "NOT_RECEIVED",
    "OrderIntent",
    "OrderPlacer",
    "Placed",
    "client_order_id",
    "never_arrived",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order to place for a trade's leg."""

    leg: str
    kind: OrderKind
    side: Side
    amount: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False


#: our stored record, and the exchange's view of the order (``None``: not known yet)
Placed = tuple[OrderRecord, ExchangeOrder | None]

#: the error of an order the exchange says it never got (after a lost answer)
NEVER_RECEIVED = "never received"
#: the prefix of an order refused before it reached the exchange (5xx, rate limit)
NOT_RECEIVED = "not received"


def never_arrived(record: OrderRecord) -> bool:
    """The order was refused or lost before the exchange took it: sending it again is safe."""
    return record.status is OrderStatus.REJECTED and (record.error or "").startswith(
        (NEVER_RECEIVED, NOT_RECEIVED)
    )


def client_order_id(trade_id: str, leg: str, attempt: int) -> str:
    """``gl-<trade>-<leg>-<attempt>``: at most 36 characters, as Binance and Bybit allow."""
    return f"gl-{trade_id}-{leg}-{attempt}"


class OrderPlacer:
    """Idempotent order placement with retries, for one exchange.

    Parameters
    ----------
    attempts:
        How many orders (client ids) may be tried for one placement.
    retry_delay_s:
        Pause before the second attempt; it doubles after each.
    """

    def __init__(
        self,
        store: TradeStore,
        exchange: Exchange,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        attempts: int = 3,
        retry_delay_s: float = 0.5,
        lookup_attempts: int = 3,
    ) -> None:
        self._store = store
        self._exchange = exchange
        self._clock = clock
        self._sleep = sleep
        self._attempts = attempts
        self._delay = retry_delay_s
        self._lookups = lookup_attempts

    async def place(self, trade: Trade, intent: OrderIntent) -> Placed:
        """Place one order; returns our record and the exchange's view of it.

        The view is ``None`` when the exchange could not tell whether it has the order: the
        record stays ``submitting`` and the monitor looks it up later.

        Raises
        ------
        ExchangeError
            When the exchange refused the order, or every attempt failed.
        """
        [record] = await self._store_intents(trade, [intent])
        return await self._deliver(trade, intent, record)

    async def place_many(
        self, trade: Trade, intents: Sequence[OrderIntent]
    ) -> list[Placed | ExchangeError]:
        """Store every intent in one transaction, then send them all at once.

        Each result is what :meth:`place` would have returned, or the error it would have
        raised; one order's failure does not hold the others back.
        """
        records = await self._store_intents(trade, intents)
        results = await asyncio.gather(
            *(self._deliver(trade, i, r) for i, r in zip(intents, records, strict=True)),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, ExchangeError):
                raise result
        return results  # type: ignore[return-value]

    async def _store_intents(
        self, trade: Trade, intents: Sequence[OrderIntent]
    ) -> list[OrderRecord]:
        records = []
        async with self._store.begin() as tx:
            for intent in intents:
                attempt = await tx.next_attempt(trade.id, intent.leg)
                records.append(
                    await tx.add_order(
                        trade.id,
                        intent.leg,
                        attempt,
                        client_order_id(trade.id, intent.leg, attempt),
                        intent.kind,
                        intent.side,
                        intent.amount,
                        now=self._clock(),
                        price=intent.price,
                        trigger_price=intent.trigger_price,
                        reduce_only=intent.reduce_only,
                    )
                )
        return records

    async def _deliver(self, trade: Trade, intent: OrderIntent, record: OrderRecord) -> Placed:
        """Send ``record``; on a definite failure retry under a new attempt (a new id)."""
        delay = self._delay
        error: ExchangeError | None = None
        for attempt in range(self._attempts):
            if attempt:
                await self._sleep(delay)
                delay *= 2
                [record] = await self._store_intents(trade, [intent])
            request = OrderRequest(
                symbol=trade.symbol,
                side=intent.side,
                kind=intent.kind,
                amount=intent.amount,
                client_id=record.client_id,
                price=intent.price,
                trigger_price=intent.trigger_price,
                reduce_only=intent.reduce_only,
            )
            try:
                return record, await self._exchange.create_order(request)
            except AmbiguousOrderError as exc:
                _log.warning("%s: no answer for %s, looking it up", trade.id, record.client_id)
                found, certain = await self.lookup(record, trade.symbol)
                if found is not None:
                    return record, found
                if not certain:
                    return record, None
                error = exc
                await self._mark(record, OrderStatus.REJECTED, NEVER_RECEIVED)
            except TemporaryExchangeError as exc:
                error = exc
                await self._mark(record, OrderStatus.REJECTED, f"{NOT_RECEIVED}: {exc}")
            except ExchangeError as exc:
                await self._mark(record, OrderStatus.REJECTED, str(exc))
                raise
        assert error is not None
        raise error

    async def lookup(self, record: OrderRecord, symbol: str) -> tuple[ExchangeOrder | None, bool]:
        """Find ``record`` on the exchange by client id.

        Returns the order (or ``None``) and whether the answer is certain: ``(None, True)``
        means the exchange does not have it; ``(None, False)`` that it could not be asked.
        """
        delay = self._delay
        for attempt in range(self._lookups):
            try:
                found = await self._exchange.find_order(symbol, record.client_id, record.kind)
            except TemporaryExchangeError:
                if attempt + 1 < self._lookups:
                    await self._sleep(delay)
                    delay *= 2
                continue
            return found, True
        return None, False

    async def refresh(self, record: OrderRecord, symbol: str) -> ExchangeOrder | None:
        """The order's current state (``None`` when it cannot be known now)."""
        if record.exchange_id is None:
            found, _ = await self.lookup(record, symbol)
            return found
        try:
            return await self._exchange.fetch_order(symbol, record.exchange_id, record.kind)
        except OrderNotFound:
            found, _ = await self.lookup(record, symbol)
            return found
        except TemporaryExchangeError:
            return None

    async def cancel(self, record: OrderRecord, symbol: str) -> tuple[ExchangeOrder | None, bool]:
        """Cancel ``record``; its final state (it may have filled meanwhile) and whether we
        are sure of it: ``(None, True)`` means the exchange never had it, ``(None, False)``
        that it could not be asked (the order may still rest: try again later)."""
        if record.exchange_id is None:
            found, certain = await self.lookup(record, symbol)
            if found is None or found.state is not OrderState.OPEN:
                return found, certain or found is not None
            order_id = found.id
        else:
            order_id = record.exchange_id
        try:
            await self._exchange.cancel_order(symbol, order_id, record.kind)
        except OrderNotFound:
            pass  # already gone (filled, cancelled, fired): its final state says which
        except TemporaryExchangeError as exc:
            _log.warning("%s: cancel not confirmed: %s", record.client_id, exc)
            return None, False
        try:
            return await self._exchange.fetch_order(symbol, order_id, record.kind), True
        except ExchangeError:
            return None, False

    async def _mark(self, record: OrderRecord, status: OrderStatus, error: str) -> None:
        async with self._store.begin() as tx:
            await tx.update_order(record.id, now=self._clock(), status=status, error=error[:500])
