"""Expiring offers nobody decided on, on time, from timers rebuilt out of the store."""

from __future__ import annotations

import asyncio
import logging

from bot.services import Services

__all__ = ["ExpiryWatch"]

_log = logging.getLogger(__name__)
_IDLE_S = 60.0


class ExpiryWatch:
    """Sleeps until the next pending trade expires, then expires it (and the ones after)."""

    def __init__(self, services: Services, wakeup: asyncio.Event) -> None:
        self._services = services
        self._wakeup = wakeup  # set when a new offer is posted

    async def run(self, stop: asyncio.Event) -> None:
        """Expire due offers until ``stop``."""
        while not stop.is_set():
            try:
                wait = await self.expire_due()
            except Exception:
                _log.exception("expiring offers failed")
                wait = 5.0
            self._wakeup.clear()
            waiters = {
                asyncio.ensure_future(self._wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            }
            _, pending = await asyncio.wait(
                waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    async def expire_due(self) -> float:
        """Expire what is due; seconds until the next expiry (or a minute)."""
        services = self._services
        now = services.clock()
        upcoming: list[float] = []
        for trade in await services.desk.due():
            if trade.expires_at is None:
                continue
            left = (trade.expires_at - now).total_seconds()
            if left <= 0:
                result = await services.desk.expire(trade.id)
                if result.ok:
                    _log.info("trade %s %s at expiry", trade.id, result.trade.status.value)
                    if result.trade.status.value == "approved":
                        services.spawn(services.executor.enter(trade.id), name=f"enter-{trade.id}")
            else:
                upcoming.append(left)
        return min(upcoming, default=_IDLE_S)
