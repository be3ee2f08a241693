"""What to draw: the trade plan a chart shows over its candles, if there is one.

A spec without an entry and a stop draws the symbol's chart alone (candles, volume, title):
the ``/chart`` command uses that when there is no trade on the symbol.

Prices are :class:`~decimal.Decimal` like everywhere else in Greenlight; the renderer turns
them into floats only to place them on the axes, and labels are formatted from the
``Decimal`` itself with the decimals of :attr:`ChartSpec.price_tick`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

__all__ = ["SIDES", "ChartSpec", "TakeProfitLine", "tick_decimals"]

SIDES = ("buy", "sell")


@dataclass(frozen=True, slots=True)
class TakeProfitLine:
    """One take-profit level.

    ``r`` is the R multiple shown in the label (``TP2 1.2345 (2.0R)``) and ``share_pct`` the
    share of the position closed there (``50%``). When None the chart computes them: R from
    the entry and the stop, the share by the trading plan's rule (see :mod:`charts.ladder`).
    """

    price: Decimal
    r: Decimal | None = None
    share_pct: Decimal | None = None

    def __post_init__(self) -> None:
        _check_price("take-profit", self.price)


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """The plan drawn over the candles.

    ``side`` is ``"buy"`` (long) or ``"sell"`` (short). ``price_tick`` is the market's price
    precision as a tick size; labels use its number of decimals. ``alert_time`` (UTC) is
    when the alert fired, which is when a bar closed: its marker goes at that time on the
    time axis, right after the bar that closed (after the last candle when it is None or
    outside the candles). ``mode`` (``"PAPER"`` / ``"LIVE"``) is shown as a small badge.
    ``note`` is a warning shown on a line under the title (for example that the candles end
    before the time asked for).

    ``entry`` and ``stop`` are given together or not at all. Without them there is no plan
    (:attr:`has_levels` is False): ``take_profits`` must be empty, no level, tag or zone is
    drawn, the title has no side badge (``side`` must still be valid but is not drawn), the
    price axis fits the candles alone, and the alert marker is drawn only when
    ``alert_time`` is given.
    """

    symbol: str
    timeframe: str
    side: str
    entry: Decimal | None = None
    stop: Decimal | None = None
    take_profits: tuple[TakeProfitLine, ...] = ()
    price_tick: Decimal = Decimal("0.01")
    strategy: str | None = None
    alert_time: datetime | None = None
    mode: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be 'buy' or 'sell', not {self.side!r}")
        if (self.entry is None) != (self.stop is None):
            raise ValueError("entry and stop must be given together, or neither")
        if self.entry is not None and self.stop is not None:
            _check_price("entry", self.entry)
            _check_price("stop", self.stop)
        tick_decimals(self.price_tick)
        if not isinstance(self.take_profits, tuple):
            object.__setattr__(self, "take_profits", tuple(self.take_profits))
        if self.take_profits and self.entry is None:
            raise ValueError("take-profits need an entry and a stop")

    @property
    def has_levels(self) -> bool:
        """True when there is a plan to draw (an entry and a stop, maybe take-profits)."""
        return self.entry is not None

    @property
    def is_long(self) -> bool:
        """True for a long (buy) plan."""
        return self.side == "buy"

    @property
    def side_label(self) -> str:
        """``LONG`` or ``SHORT``."""
        return "LONG" if self.is_long else "SHORT"


def _check_price(name: str, price: Decimal | float) -> None:
    value = price if isinstance(price, Decimal) else Decimal(str(price))
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be a price above zero, not {price!r}")


def tick_decimals(tick: Decimal | float | str) -> int:
    """Number of decimals a price with this tick size is written with.

    >>> tick_decimals(Decimal("0.0001")), tick_decimals(Decimal("0.50")), tick_decimals(10)
    (4, 1, 0)
    """
    value = tick if isinstance(tick, Decimal) else Decimal(str(tick))
    if not value.is_finite() or value <= 0:
        raise ValueError(f"price tick must be a positive number, not {tick!r}")
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)
