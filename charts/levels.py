"""The plan's price levels (entry, stop, take-profits) and the text of their tags."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from charts.spec import ChartSpec, tick_decimals

__all__ = ["Level", "chart_levels", "format_price"]


@dataclass(frozen=True, slots=True)
class Level:
    """One horizontal line of the plan and its tag text."""

    kind: str  # "entry", "stop" or "tp"
    price: Decimal
    label: str


def format_price(price: Decimal | float, decimals: int) -> str:
    """``price`` written with ``decimals`` decimals (Decimal rounding, no float noise)."""
    value = price if isinstance(price, Decimal) else Decimal(str(price))
    return f"{value:.{decimals}f}"


def _format_plain(value: Decimal, max_decimals: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-max_decimals)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _format_r(r: Decimal) -> str:
    text = _format_plain(r, 2)
    return text if "." in text else f"{text}.0"


def chart_levels(spec: ChartSpec) -> list[Level]:
    """The plan's lines, entry first, then stop, then take-profits in the spec's order.

    >>> from charts.spec import TakeProfitLine
    >>> spec = ChartSpec("X/USDT", "5m", "buy", Decimal("1.2"), Decimal("1.18"),
    ...     (TakeProfitLine(Decimal("1.24"), Decimal("2"), Decimal("50")),),
    ...     price_tick=Decimal("0.0001"))
    >>> [level.label for level in chart_levels(spec)]
    ['ENTRY 1.2000', 'STOP 1.1800', 'TP1 1.2400 (2.0R) 50%']

    No lines when the spec has no plan:

    >>> chart_levels(ChartSpec("X/USDT", "5m", "buy"))
    []
    """
    if spec.entry is None or spec.stop is None:
        return []
    decimals = tick_decimals(spec.price_tick)
    levels = [
        Level("entry", spec.entry, f"ENTRY {format_price(spec.entry, decimals)}"),
        Level("stop", spec.stop, f"STOP {format_price(spec.stop, decimals)}"),
    ]
    for number, tp in enumerate(spec.take_profits, start=1):
        label = f"TP{number} {format_price(tp.price, decimals)}"
        if tp.r is not None:
            label += f" ({_format_r(Decimal(tp.r))}R)"
        if tp.share_pct is not None:
            label += f" {_format_plain(Decimal(tp.share_pct), 1)}%"
        levels.append(Level("tp", tp.price, label))
    return levels
