"""Charts as the domain asks for them; drawing them is the job of whoever wires the desk.

The desk keeps the chart of each offer (the one shown for approval) and asks for others on
demand (a trade's levels, a symbol's candles). It talks to a :class:`Chartist`; the process
that wires the desk gives it one that draws with :mod:`charts` (or none: no charts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from trading.markets import Market
from trading.plan import TradePlan

__all__ = ["ChartImage", "Chartist"]


@dataclass(frozen=True, slots=True)
class ChartImage:
    """A PNG, or ``None`` and a short note saying why there is none."""

    png: bytes | None
    note: str | None = None


class Chartist(Protocol):
    """Draws candles with a trade's levels on them."""

    async def plan_chart(
        self,
        plan: TradePlan,
        market: Market | None,
        *,
        mode: str,
        alert_time: datetime | None = None,
        timeframe: str | None = None,
    ) -> ChartImage:
        """The candles of ``plan``'s symbol with its entry, stop and take-profits."""

    async def symbol_chart(
        self, symbol: str, market: Market | None, *, mode: str, timeframe: str | None = None
    ) -> ChartImage:
        """The candles of ``symbol`` alone."""
