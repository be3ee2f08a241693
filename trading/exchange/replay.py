"""A price feed that replays recorded candles on a clock the caller moves."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from trading.markets import Market

__all__ = ["ReplayFeed", "read_candles_csv"]


def read_candles_csv(path: str | Path) -> list[list[float]]:
    """Rows ``[ms, open, high, low, close, volume]`` from a ``timestamp,open,…`` CSV file."""
    with Path(path).open(newline="") as handle:
        return [
            [
                int(row["timestamp"]),
                *(float(row[k]) for k in ("open", "high", "low", "close", "volume")),
            ]
            for row in csv.DictReader(handle)
        ]


class ReplayFeed:
    """Serves candles up to ``now_ms()`` and the price of that moment.

    The price at a time inside a candle is the candle's close once it has closed, else its
    open: the feed never shows the future.
    """

    def __init__(
        self,
        markets: Mapping[str, Market],
        candles: Mapping[str, list[list[float]]],
        *,
        now_ms: Callable[[], int],
        candle_ms: int,
    ) -> None:
        self._markets = dict(markets)
        self._candles = {symbol: sorted(rows) for symbol, rows in candles.items()}
        self._now_ms = now_ms
        self._candle_ms = candle_ms

    async def load_markets(self) -> Mapping[str, Market]:
        """The markets given."""
        return self._markets

    async def fetch_price(self, symbol: str) -> Decimal:
        """The last price known at ``now_ms()``."""
        now = self._now_ms()
        price = None
        for row in self._candles[symbol]:
            if row[0] + self._candle_ms <= now:
                price = row[4]
            elif row[0] <= now:
                price = row[1]
            else:
                break
        if price is None:
            raise LookupError(f"no candle of {symbol} before {now}")
        return Decimal(str(price))

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, limit: int, since_ms: int | None = None
    ) -> list[list[float]]:
        """Closed candles from ``since_ms`` (or the last ``limit``), oldest first."""
        now = self._now_ms()
        closed = [r for r in self._candles[symbol] if r[0] + self._candle_ms <= now]
        if since_ms is not None:
            return [r for r in closed if r[0] >= since_ms][:limit]
        return closed[-limit:]

    async def close(self) -> None:
        """Nothing to release."""
