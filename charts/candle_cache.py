"""A short-lived cache of candles per (symbol, timeframe), in front of the exchange.

Alerts come in bursts (one TradingView strategy firing on several charts, the same alert
sent twice, an approval message re-rendered): one ``fetch_ohlcv`` serves them all. Entries
live ``ttl_s`` seconds (30 by default: half a 1m bar, a tenth of a 5m one), concurrent
callers for the same key share one request, and a failed request is never cached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from charts.errors import ChartError, NoCandles
from charts.frame import candles_from_ohlcv

__all__ = ["CandleCache", "Fetch"]

Fetch = Callable[[str, str, int], Awaitable[Sequence[Sequence[float]]]]
"""``fetch(symbol, timeframe, limit)`` → ccxt OHLCV rows ``[ms, o, h, l, c, v]``, oldest first.

Not ccxt's ``fetch_ohlcv`` itself, whose third positional parameter is ``since``: wrap it,
``lambda symbol, timeframe, limit: exchange.fetch_ohlcv(symbol, timeframe, limit=limit)``.
"""

_MAX_ERROR_TEXT = 120
_PRUNE_ABOVE = 64  # entries; expired ones are dropped past this many


@dataclass(frozen=True, slots=True)
class _Entry:
    fetched_at: float
    limit: int
    candles: pd.DataFrame


@dataclass(frozen=True, slots=True)
class _Flight:
    limit: int
    task: asyncio.Task[pd.DataFrame]


class CandleCache:
    """Candles per ``(symbol, timeframe)``, fetched at most once per ``ttl_s``.

    ``fetch(symbol, timeframe, limit)`` returns ccxt OHLCV rows; ``clock`` is injectable for
    tests. A cached answer serves any ``limit`` up to the one it was fetched with.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s < 0:
            raise ValueError("ttl_s must not be negative")
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._flights: dict[tuple[str, str], _Flight] = {}

    async def get(self, symbol: str, timeframe: str, limit: int = 120) -> pd.DataFrame:
        """The last ``limit`` candles of ``symbol`` on ``timeframe``, oldest first.

        Raises
        ------
        NoCandles
            (a :class:`ChartError`) when the exchange returned none.
        ChartError
            When the fetch failed; the original error is the ``__cause__``.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        key = (symbol, timeframe)
        entry = self._entries.get(key)
        if entry is not None and entry.limit >= limit and self._fresh(entry):
            return entry.candles.iloc[-limit:].copy()
        flight = self._flights.get(key)
        if flight is None or flight.limit < limit:
            task = asyncio.get_running_loop().create_task(self._load(key, limit))
            task.add_done_callback(_retrieve)
            flight = _Flight(limit, task)
            self._flights[key] = flight
        # Shielded: one caller giving up must not cancel the fetch the others wait for.
        candles = await asyncio.shield(flight.task)
        return candles.iloc[-limit:].copy()

    def clear(self) -> None:
        """Forget every cached answer (requests in flight still complete)."""
        self._entries.clear()

    def _fresh(self, entry: _Entry) -> bool:
        return self._clock() - entry.fetched_at < self._ttl_s

    async def _load(self, key: tuple[str, str], limit: int) -> pd.DataFrame:
        symbol, timeframe = key
        try:
            try:
                rows = await self._fetch(symbol, timeframe, limit)
                candles = candles_from_ohlcv(rows)
            except ChartError:
                raise
            except Exception as exc:
                raise ChartError(
                    f"could not fetch candles for {symbol} {timeframe}: {_short(exc)}"
                ) from exc
            if candles.empty:
                raise NoCandles(f"no candles for {symbol} {timeframe}")
            if len(self._entries) >= _PRUNE_ABOVE:
                self._prune()
            current = self._entries.get(key)
            # A smaller request finishing after a larger one must not shrink the entry.
            if current is None or current.limit <= limit or not self._fresh(current):
                self._entries[key] = _Entry(self._clock(), limit, candles)
            return candles
        finally:
            flight = self._flights.get(key)
            if flight is not None and flight.task is asyncio.current_task():
                del self._flights[key]

    def _prune(self) -> None:
        for key in [k for k, e in self._entries.items() if not self._fresh(e)]:
            del self._entries[key]


def _retrieve(task: asyncio.Task[pd.DataFrame]) -> None:
    # Every caller may have given up; reading the exception keeps asyncio from logging it.
    if not task.cancelled():
        task.exception()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."
