"""Candles a test loads into a fake exchange, served as is or resampled to coarser intervals.

Intervals carry ccxt's (and Binance's) names, ``"1m"`` … ``"1M"``; an exchange whose API
names them otherwise (Bybit's ``"1"``, ``"D"``) maps its names onto these.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["INTERVALS_MS", "KlineStore", "Row"]

INTERVALS_MS: dict[str, int] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
    "1M": 2_592_000_000,  # nominal 30 days: only used to name loaded rows, never to resample
}

Row = list[Any]  # [open time ms, open, high, low, close, volume], prices as Decimal


@dataclass
class KlineStore:
    """Candles loaded per symbol and interval, served as is or resampled to coarser intervals."""

    rows: dict[str, dict[int, list[Row]]] = field(default_factory=dict)

    def load(self, symbol: str, rows: list[list[Any]], interval: str | None = None) -> int:
        """Store ``[ms, o, h, l, c, v]`` rows; returns the interval (ms) they were stored under.

        The interval is inferred from the smallest gap between rows unless given.
        """
        parsed = sorted([int(r[0]), *(Decimal(str(x)) for x in r[1:6])] for r in rows)
        if interval is not None:
            step = INTERVALS_MS[interval]
        elif len(parsed) >= 2:
            step = min(b[0] - a[0] for a, b in itertools.pairwise(parsed))
        else:
            raise ValueError("give the interval when loading fewer than two rows")
        self.rows.setdefault(symbol, {})[step] = parsed
        return step

    def get(
        self, symbol: str, interval: str, start: int | None, end: int | None, limit: int
    ) -> list[Row]:
        """Binance's selection: from ``start`` forward, else the last ``limit`` up to ``end``."""
        step = INTERVALS_MS[interval]
        stored = self.rows.get(symbol, {})
        if step in stored:
            rows = stored[step]
        else:
            bases = [
                b for b in stored if b < step and step % b == 0 and interval not in ("1w", "1M")
            ]
            rows = _resample(stored[max(bases)], step) if bases else []
        rows = [
            r for r in rows if (start is None or r[0] >= start) and (end is None or r[0] <= end)
        ]
        return rows[:limit] if start is not None else rows[-limit:]


def _resample(rows: list[Row], step: int) -> list[Row]:
    """Aggregate rows into ``step``-ms buckets aligned on the epoch (like Binance up to 1d)."""
    out: list[Row] = []
    for t, o, h, lo, c, v in rows:
        bucket = t // step * step
        if out and out[-1][0] == bucket:
            last = out[-1]
            last[2], last[3], last[4], last[5] = max(last[2], h), min(last[3], lo), c, last[5] + v
        else:
            out.append([bucket, o, h, lo, c, v])
    return out
