"""The trade's result as the exchange counts it: the fees it charged and the funding paid.

While a trade runs, a fill's fee is the exchange's when the order reports it, else the
market's rate (Binance's order answers carry none). When the position is flat, each order
whose fee was estimated is read back from the exchange's fills, and the funding paid or
received while it was open is added, all at once (one round trip), before the trade's result
is told.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from trading.errors import ExchangeError
from trading.exchange.base import Exchange
from trading.execution.working import WorkingTrade
from trading.orders import OrderRecord

__all__ = ["TrueUp"]

_log = logging.getLogger(__name__)


class TrueUp:
    """Corrects a finished trade's fees and funding from the exchange's own records."""

    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange

    async def true_up(self, w: WorkingTrade) -> None:
        """Replace estimated fees by the exchange's, and count the funding (best effort)."""
        estimated = [o for o in w.orders if o.filled > 0 and not o.fee_exact and o.exchange_id]
        first_fill = min((o.created_at for o in w.orders if o.filled > 0), default=None)
        since_ms = int(first_fill.timestamp() * 1000) if first_fill else None
        results = await asyncio.gather(
            *(self._fee(w, o) for o in estimated),
            self._funding(w, since_ms),
            return_exceptions=True,
        )
        fees, funding = results[:-1], results[-1]
        fees_delta = Decimal(0)
        for record, fee in zip(estimated, fees, strict=True):
            if isinstance(fee, Decimal):
                fees_delta += fee - record.fee
                await self._exact(w, record, fee)
        changes: dict[str, Decimal] = {}
        if fees_delta:
            changes["fees"] = w.trade.fees + fees_delta
        if isinstance(funding, Decimal) and funding != w.trade.funding:
            changes["funding"] = funding
        if changes:
            await w.update(**changes)  # type: ignore[arg-type]

    async def _fee(self, w: WorkingTrade, record: OrderRecord) -> Decimal | None:
        assert record.exchange_id is not None
        try:
            return await self._exchange.order_fee(w.trade.symbol, record.exchange_id, record.kind)
        except ExchangeError as exc:
            _log.info("%s: fee of %s not read: %s", w.trade.id, record.client_id, exc)
            return None

    async def _funding(self, w: WorkingTrade, since_ms: int | None) -> Decimal | None:
        if since_ms is None:
            return None
        try:
            return await self._exchange.fetch_funding(w.trade.symbol, since_ms)
        except ExchangeError as exc:
            _log.info("%s: funding not read: %s", w.trade.id, exc)
            return None

    async def _exact(self, w: WorkingTrade, record: OrderRecord, fee: Decimal) -> None:
        async with w.store.begin() as tx:
            updated = await tx.update_order(record.id, now=w.now(), fee=fee, fee_exact=True)
        w.track([updated])
