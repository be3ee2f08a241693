"""The pause switch: no new entries while it is on; it survives restarts (stored)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from trading.store.trades import TradeStore

__all__ = ["PauseSwitch"]

_KEY = "paused"


class PauseSwitch:
    """Reads and flips the stored ``paused`` flag (cached after the first read)."""

    def __init__(self, store: TradeStore, *, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._cached: bool | None = None

    async def is_paused(self) -> bool:
        """True while trading is paused."""
        if self._cached is None:
            async with self._store.read() as tx:
                self._cached = (await tx.state(_KEY)) == "1"
        return self._cached

    async def set(self, paused: bool) -> bool:
        """Pause or resume; returns whether anything changed."""
        before = await self.is_paused()
        async with self._store.begin() as tx:
            await tx.set_state(_KEY, "1" if paused else "0", now=self._clock())
        self._cached = paused
        return before != paused
