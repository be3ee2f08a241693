"""The protection ledger of :mod:`tests.fakes.exchange`, kept by a fake after each request.

What counts as a resting stop is the exchange's own business (Binance: open algo orders,
trailing stops once active; Bybit: untriggered conditional orders): each fake tells the
ledger its stops, and the ledger does the rest the same way for both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from decimal import Decimal

from ..exchange import LedgerEntry
from .decimals import ZERO

__all__ = ["ProtectionLedger", "Stop"]

Stop = tuple[str, Decimal | None]
"""A resting reduce-only stop-market order: its side (``"buy"``/``"sell"``) and its amount,
``None`` for one that closes the whole position.
"""


class ProtectionLedger:
    """Entries per symbol with a position or resting stops, appended after every request."""

    def __init__(
        self,
        symbols: Iterable[str],
        position: Callable[[str], Decimal],
        stops: Callable[[str], list[Stop]],
    ) -> None:
        self.entries: list[LedgerEntry] = []
        self._symbols = list(symbols)
        self._position, self._stops = position, stops
        self._watched: set[str] = set()  # symbols the last entries were about

    def cover(self, symbol: str) -> Decimal:
        """Size of the position resting reduce-only stops would close (never above it)."""
        size = self._position(symbol)
        closing = "sell" if size > 0 else "buy"
        total = sum(
            (
                (abs(size) if amount is None else amount)
                for side, amount in self._stops(symbol)
                if side == closing
            ),
            ZERO,
        )
        return min(total, abs(size))

    def watched(self) -> set[str]:
        """Symbols with a position or resting stops."""
        return {s for s in self._symbols if self._position(s) or self._stops(s)}

    def record(self, request: str) -> None:
        """One entry per symbol :meth:`watched` now, and one more for each symbol watched after
        the previous request that just lost both, so that a span can end.
        """
        now, watched = time.monotonic(), self.watched()
        for symbol in sorted(watched | self._watched):
            position = self._position(symbol)
            self.entries.append(LedgerEntry(now, symbol, position, self.cover(symbol), request))
        self._watched = watched
