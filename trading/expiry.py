"""Expiring offers nobody decided on, on time, from timers rebuilt out of the store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from trading.decisions import Decision, OfferDecisions

__all__ = ["ExpiryWatch"]

_log = logging.getLogger(__name__)
_IDLE_S = 60.0


class ExpiryWatch:
    """Sleeps until the next pending offer expires, then expires it (and the ones after)."""

    def __init__(
        self,
        decisions: OfferDecisions,
        decided: Callable[[Decision], Awaitable[None]],
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._decisions = decisions
        self._decided = decided  # what follows a decision (an approval at expiry enters)
        self._clock = clock
        self.wakeup = asyncio.Event()  # set when a new offer is made

    async def run(self, stop: asyncio.Event) -> None:
        """Expire due offers until ``stop``."""
        while not stop.is_set():
            try:
                wait = await self.expire_due()
            except Exception:
                _log.exception("expiring offers failed")
                wait = 5.0
            self.wakeup.clear()
            waiters = {
                asyncio.ensure_future(self.wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            }
            _, pending = await asyncio.wait(
                waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    async def expire_due(self) -> float:
        """Expire what is due; seconds until the next expiry (or a minute)."""
        now = self._clock()
        upcoming: list[float] = []
        for offer in await self._decisions.pending():
            if offer.expires_at is None:
                continue
            left = (offer.expires_at - now).total_seconds()
            if left > 0:
                upcoming.append(left)
                continue
            decision = await self._decisions.expire(offer.id)
            if decision.ok and decision.offer is not None:
                _log.info("offer %s %s at expiry", offer.id, decision.offer.status.value)
                await self._decided(decision)
        return min(upcoming, default=_IDLE_S)
