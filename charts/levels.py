"""The plan's price levels (entry, stop, take-profits) and the text of their tags."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from charts.ladder import r_multiple, tp_shares
from charts.spec import ChartSpec, tick_decimals

__all__ = ["Level", "chart_levels", "format_price", "off_scale"]

_ARROWS = {1: "▲", -1: "▼"}


@dataclass(frozen=True, slots=True)
class Level:
    """One horizontal line of the plan and its tag text.

    ``edge`` is 0 for a level drawn at its price, 1 (-1) for one above (below) the price
    panel: no line, its tag at that edge with an arrow (see :func:`off_scale`).
    """

    kind: str  # "entry", "stop" or "tp"
    price: Decimal
    label: str
    edge: int = 0


def off_scale(level: Level, edge: int) -> Level:
    """``level`` as drawn outside the price panel: above it (``edge`` 1) or below it (-1).

    >>> off_scale(Level("tp", Decimal("1.13"), "TP2 1.1300 (5.54R) 70%"), 1).label
    '▲ TP2 1.1300 (5.54R) 70%'
    """
    if edge not in _ARROWS:
        raise ValueError(f"edge must be 1 or -1, not {edge!r}")
    return replace(level, label=f"{_ARROWS[edge]} {level.label}", edge=edge)


def format_price(price: Decimal | float, decimals: int) -> str:
    """``price`` written with ``decimals`` decimals (Decimal rounding, no float noise)."""
    value = price if isinstance(price, Decimal) else Decimal(str(price))
    return f"{value:.{decimals}f}"


def _format_plain(value: Decimal, max_decimals: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-max_decimals), ROUND_HALF_EVEN):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _format_r(r: Decimal) -> str:
    text = _format_plain(r, 2)
    return text if "." in text else f"{text}.0"


def chart_levels(spec: ChartSpec) -> list[Level]:
    """The plan's lines, entry first, then stop, then take-profits in the spec's order.

    A take-profit's R and share are the spec's, or else computed: R from the entry and the
    stop (:func:`~charts.ladder.r_multiple`), the share by the plan's rule
    (:func:`~charts.ladder.tp_shares`).

    >>> from charts.spec import TakeProfitLine
    >>> spec = ChartSpec("X/USDT", "5m", "buy", Decimal("1.2"), Decimal("1.18"),
    ...     (TakeProfitLine(Decimal("1.24"), Decimal("2"), Decimal("50")),
    ...      TakeProfitLine(Decimal("1.25"))),
    ...     price_tick=Decimal("0.0001"))
    >>> [level.label for level in chart_levels(spec)]
    ['ENTRY 1.2000', 'STOP 1.1800', 'TP1 1.2400 (2.0R) 50%', 'TP2 1.2500 (2.5R) 50%']

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
    shares = tp_shares([tp.share_pct for tp in spec.take_profits])
    for number, (tp, share) in enumerate(zip(spec.take_profits, shares, strict=True), start=1):
        label = f"TP{number} {format_price(tp.price, decimals)}"
        r = tp.r if tp.r is not None else r_multiple(tp.price, spec.entry, spec.stop)
        if r is not None:
            label += f" ({_format_r(Decimal(r))}R)"
        if share > 0:
            label += f" {_format_plain(Decimal(share), 1)}%"
        levels.append(Level("tp", tp.price, label))
    return levels
