"""Where everything goes: price range, margins, price and time ticks, tag spreading."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from charts.errors import NoCandles
from charts.levels import Level, chart_levels
from charts.sizes import (
    BOTTOM_PX,
    DIGIT_ADVANCE,
    EDGE_PX,
    GAP_PX,
    LEVEL_MARGIN,
    MONO_ADVANCE,
    PT,
    REF_WIDTH,
    RIGHT_PAD_SHARE,
    TAG_GAP_PX,
    TAG_PAD_PX,
    TAG_PT,
    TICK_GAP_PX,
    TICK_PT,
    TOP_PX,
    VOLUME_SHARE,
)
from charts.spec import ChartSpec, tick_decimals

__all__ = ["Layout", "alert_bar", "price_range", "spread_labels", "time_ticks"]


def price_range(candles: pd.DataFrame, spec: ChartSpec) -> tuple[float, float]:
    """The price axis limits: every candle and every level, with a margin above and below.

    A level far from the candles widens the range rather than being cut off; a spec without
    levels gets the candles' range. A range that would be empty (one flat candle at the
    entry) is opened to 1% of the price.

    Raises :class:`~charts.errors.NoCandles` when there is no price at all to fit.
    """
    lows = candles["Low"].to_numpy(dtype="float64")
    highs = candles["High"].to_numpy(dtype="float64")
    prices = [float(level.price) for level in chart_levels(spec)]
    candle_lo = np.nanmin(lows) if np.isfinite(lows).any() else math.inf
    candle_hi = np.nanmax(highs) if np.isfinite(highs).any() else -math.inf
    lo = float(min([candle_lo, *prices]))
    hi = float(max([candle_hi, *prices]))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise NoCandles(f"no prices to draw for {spec.symbol} {spec.timeframe}")
    span = hi - lo
    if span <= 0:
        span = max(abs(hi) * 0.01, float(spec.price_tick) * 10)
    margin = span * LEVEL_MARGIN
    bottom = lo - margin
    if lo >= 0 > bottom:
        bottom = lo - min(margin, lo)  # prices are never negative: stop the axis at zero
    return bottom, hi + margin


def spread_labels(targets: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Place labels of height ``gap`` as close to ``targets`` as possible without overlap.

    Labels that would overlap are grouped and each group is centred on its members' targets
    (least squares), kept within ``[lo, hi]`` when there is room. Returns positions in the
    order of ``targets``.
    """
    count = len(targets)
    order = sorted(range(count), key=lambda i: targets[i])
    groups: list[tuple[float, list[int]]] = []  # (position of the lowest member, members)

    def place(members: list[int]) -> float:
        start = sum(targets[m] - k * gap for k, m in enumerate(members)) / len(members)
        top_start = hi - (len(members) - 1) * gap
        return max(lo, min(start, top_start)) if top_start >= lo else lo

    for index in order:
        groups.append((place([index]), [index]))
        while len(groups) > 1:
            (start0, members0), (start1, members1) = groups[-2], groups[-1]
            if start0 + len(members0) * gap <= start1 + 1e-9:
                break
            members = members0 + members1
            groups[-2:] = [(place(members), members)]
    positions = [0.0] * count
    for start, members in groups:
        for k, member in enumerate(members):
            positions[member] = start + k * gap
    return positions


_TICK_STEPS_S = (
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    14400,
    21600,
    43200,
    86400,
    2 * 86400,
    7 * 86400,
    14 * 86400,
)
_WEEK_OFFSET_S = 4 * 86400  # 1970-01-01 was a Thursday; weeks start on Monday


def time_ticks(index: pd.DatetimeIndex, max_ticks: int) -> tuple[list[int], list[str]]:
    """Bar positions and labels for the time axis: round times, at most ``max_ticks``.

    Intraday ticks read ``HH:MM`` except at midnight, which shows the date (``16 Nov``);
    daily and longer ticks show the date, monthly ones the month.
    """
    count = len(index)
    if count == 0:
        return [], []
    seconds = index.as_unit("s").asi8
    max_ticks = max(2, max_ticks)
    for step in _TICK_STEPS_S:
        offset = _WEEK_OFFSET_S if step % (7 * 86400) == 0 else 0
        positions = np.flatnonzero((seconds - offset) % step == 0)
        if 2 <= len(positions) <= max_ticks:
            return _tick_labels(index, positions.tolist(), step < 86400)
        if len(positions) < 2 and step >= 86400:
            break
    months = index.month.to_numpy() + 12 * index.year.to_numpy()
    starts = np.flatnonzero(np.diff(months, prepend=months[0] - 1) != 0)
    for every in (1, 2, 3, 6, 12):
        positions = [int(p) for p in starts if (months[p] - 1) % every == 0]
        if 2 <= len(positions) <= max_ticks:
            return positions, [_month_label(index[p]) for p in positions]
    stride = max(1, math.ceil(count / max_ticks))
    positions = list(range(0, count, stride))
    return _tick_labels(index, positions, bool(np.any(seconds % 86400)))


def _tick_labels(
    index: pd.DatetimeIndex, positions: list[int], intraday: bool
) -> tuple[list[int], list[str]]:
    labels = []
    for p in positions:
        stamp = index[p]
        if intraday and (stamp.hour or stamp.minute):
            labels.append(stamp.strftime("%H:%M"))
        else:
            labels.append(f"{stamp.day} {stamp.strftime('%b')}")
    return positions, labels


def _month_label(stamp: pd.Timestamp) -> str:
    return str(stamp.year) if stamp.month == 1 else stamp.strftime("%b")


def alert_bar(index: pd.DatetimeIndex, alert_time: datetime | None) -> int:
    """Position of the bar that contains ``alert_time`` (naive means UTC).

    The last bar when ``alert_time`` is None or outside the candles: before the first bar,
    or after the last one has closed (the alert then belongs to a bar not drawn yet).
    """
    last = len(index) - 1
    if alert_time is None:
        return last
    when = pd.Timestamp(alert_time)
    when = when.tz_localize(UTC) if when.tzinfo is None else when.tz_convert(UTC)
    position = int(index.searchsorted(when, side="right")) - 1
    return last if position < 0 else position


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes, in reference pixels (origin bottom left), decided up front."""

    width: int
    height: int
    scale: float  # output pixels per reference pixel
    ref_height: float
    left: float
    right: float  # right edge of the plot
    volume_bottom: float
    volume_top: float
    price_bottom: float
    price_top: float
    lo: float
    hi: float
    xlim: tuple[float, float]
    levels: tuple[Level, ...]
    y_ticks: tuple[float, ...]
    y_labels: tuple[str, ...]

    @classmethod
    def for_chart(cls, candles: pd.DataFrame, spec: ChartSpec, width: int, height: int) -> Layout:
        """The layout of a ``width`` x ``height`` chart of ``candles`` and ``spec``'s plan."""
        scale = width / REF_WIDTH
        ref_height = height / scale
        levels = tuple(chart_levels(spec))
        lo, hi = price_range(candles, spec)
        y_ticks, y_labels = _price_ticks(lo, hi, tick_decimals(spec.price_tick))
        tick_chars = max((len(t) for t in y_labels), default=6)
        left = 12.0 + tick_chars * DIGIT_ADVANCE * TICK_PT * PT + TICK_GAP_PX
        if levels:
            tag_chars = max(len(level.label) for level in levels)
            tag_width = tag_chars * MONO_ADVANCE * TAG_PT * PT + 2 * TAG_PAD_PX
            right = REF_WIDTH - (TAG_GAP_PX + tag_width + 10.0)
        else:  # no tag column: the plot runs to the right margin
            right = REF_WIDTH - EDGE_PX
        plot_height = ref_height - TOP_PX - BOTTOM_PX - GAP_PX
        volume_top = BOTTOM_PX + plot_height * VOLUME_SHARE
        count = len(candles)
        right_pad = max(4, math.ceil(count * RIGHT_PAD_SHARE))
        return cls(
            width=width,
            height=height,
            scale=scale,
            ref_height=ref_height,
            left=left,
            right=right,
            volume_bottom=BOTTOM_PX,
            volume_top=volume_top,
            price_bottom=volume_top + GAP_PX,
            price_top=ref_height - TOP_PX,
            lo=lo,
            hi=hi,
            xlim=(-0.8, count - 1 + right_pad),
            levels=levels,
            y_ticks=tuple(y_ticks),
            y_labels=tuple(y_labels),
        )

    @property
    def price_height(self) -> float:
        """Height of the price panel, in reference pixels."""
        return self.price_top - self.price_bottom

    @property
    def plot_width(self) -> float:
        """Width of both panels, in reference pixels."""
        return self.right - self.left

    def fx(self, px: float) -> float:
        """Reference x pixel → figure fraction."""
        return px / REF_WIDTH

    def fy(self, px: float) -> float:
        """Reference y pixel → figure fraction."""
        return px / self.ref_height

    def price_px(self, price: float) -> float:
        """Height of ``price`` above the bottom of the price panel, in reference pixels."""
        return (price - self.lo) / (self.hi - self.lo) * self.price_height


def _price_ticks(lo: float, hi: float, decimals: int) -> tuple[list[float], list[str]]:
    values = [float(v) for v in _Y_LOCATOR.tick_values(lo, hi) if lo <= v <= hi]
    if len(values) > 1:
        # Ticks finer than the price tick need more decimals to stay distinct.
        step = Decimal(f"{values[1] - values[0]:.3g}")
        decimals = max(decimals, min(12, tick_decimals(step)))
    return values, [f"{v:.{decimals}f}" for v in values]


_Y_LOCATOR = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10])
