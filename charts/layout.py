"""Where everything goes: price range, margins, price and time ticks, tag spreading."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from charts.errors import NoCandles
from charts.levels import Level, chart_levels, off_scale
from charts.sizes import (
    BOTTOM_PX,
    DIGIT_ADVANCE,
    EDGE_PX,
    FLAT_SHARE,
    GAP_PX,
    LEVEL_MARGIN,
    MIN_CANDLE_SHARE,
    MONO_ADVANCE,
    NOTE_PX,
    PT,
    REF_WIDTH,
    RIGHT_PAD_SHARE,
    TAG_GAP_PX,
    TAG_PAD_PX,
    TAG_PT,
    TEXT_ADVANCE,
    TICK_GAP_PX,
    TICK_MIN_PX,
    TICK_PT,
    TOP_PX,
    VOLUME_SHARE,
)
from charts.spec import ChartSpec, tick_decimals
from charts.timeaxis import TIMEZONE_LABEL, alert_x, bar_seconds, time_ticks
from charts.volume import format_volume, volume_peak

__all__ = ["Layout", "fit_levels", "price_range", "spread_labels", "time_axis"]


def price_range(candles: pd.DataFrame, spec: ChartSpec) -> tuple[float, float]:
    """The price axis limits: the candles and the levels near them, with a margin around.

    Levels join the candles' range as long as the candles keep
    :data:`~charts.sizes.MIN_CANDLE_SHARE` of it (see :func:`fit_levels`); a level farther
    away is left out, and drawn as an arrow at the panel's edge. A spec without levels gets
    the candles' range. A range that would be empty (one flat candle at the entry) is opened
    to 1% of the price; the axis never goes below zero.

    Raises :class:`~charts.errors.NoCandles` when there is no price at all to fit.
    """
    lows = candles["Low"].to_numpy(dtype="float64")
    highs = candles["High"].to_numpy(dtype="float64")
    if not (np.isfinite(lows).any() and np.isfinite(highs).any()):
        raise NoCandles(f"no prices to draw for {spec.symbol} {spec.timeframe}")
    prices = [float(level.price) for level in chart_levels(spec)]
    lo, hi = fit_levels(float(np.nanmin(lows)), float(np.nanmax(highs)), prices)
    span = hi - lo
    if span <= 0:
        span = max(abs(hi) * 0.01, float(spec.price_tick) * 10)
    margin = span * LEVEL_MARGIN
    bottom = lo - margin
    if lo >= 0 > bottom:
        bottom = lo - min(margin, lo)  # prices are never negative: stop the axis at zero
    return bottom, hi + margin


def fit_levels(lo: float, hi: float, prices: Sequence[float]) -> tuple[float, float]:
    """The candles' range ``lo``-``hi`` widened to the ``prices`` that fit, taken in order.

    A price fits when the range with it stays within the candles' span divided by
    :data:`~charts.sizes.MIN_CANDLE_SHARE` (the span counting as at least
    :data:`~charts.sizes.FLAT_SHARE` of ``hi``): the candles keep that share of the height.
    Pass the entry and the stop first, so that they have the first claim on the room.

    >>> fit_levels(1.0, 1.1, [1.05, 0.98, 1.13, 1.3])  # 1.3 would squeeze the candles
    (0.98, 1.13)
    """
    widest = max(hi - lo, abs(hi) * FLAT_SHARE) / MIN_CANDLE_SHARE
    for price in prices:
        wider_lo, wider_hi = min(lo, price), max(hi, price)
        if wider_hi - wider_lo <= widest * (1 + 1e-12):
            lo, hi = wider_lo, wider_hi
    return lo, hi


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


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes, in reference pixels (origin bottom left), decided up front.

    x is in bars (see :mod:`charts.timeaxis`), y in prices. ``levels`` lie inside the price
    range or carry the ``edge`` they are drawn at; ``alert_x`` is where the alert marker and
    the plan's zones start; ``volume_label`` is the tallest volume bar's value ("" without
    volume); ``note_y`` is the height of the warning line under the title (0 without one).
    """

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
    x_ticks: tuple[int, ...]
    x_labels: tuple[str, ...]
    alert_x: float
    volume_label: str
    note_y: float

    @classmethod
    def for_chart(cls, candles: pd.DataFrame, spec: ChartSpec, width: int, height: int) -> Layout:
        """The layout of a ``width`` x ``height`` chart of ``candles`` and ``spec``'s plan."""
        scale = width / REF_WIDTH
        ref_height = height / scale
        lo, hi = price_range(candles, spec)
        levels = tuple(_placed(level, lo, hi) for level in chart_levels(spec))
        y_ticks, y_labels = _price_ticks(lo, hi, tick_decimals(spec.price_tick))
        peak = volume_peak(candles)
        volume_label = format_volume(peak) if peak > 0 else ""
        tick_chars = max(max((len(t) for t in y_labels), default=6), len(volume_label))
        left = 12.0 + tick_chars * DIGIT_ADVANCE * TICK_PT * PT + TICK_GAP_PX
        if levels:
            tag_chars = max(len(level.label) for level in levels)
            tag_width = tag_chars * MONO_ADVANCE * TAG_PT * PT + 2 * TAG_PAD_PX
            right = REF_WIDTH - (TAG_GAP_PX + tag_width + 10.0)
        else:  # no tag column: the plot runs to the right margin
            right = REF_WIDTH - EDGE_PX
        top = TOP_PX + (NOTE_PX if spec.note else 0.0)
        plot_height = ref_height - top - BOTTOM_PX - GAP_PX
        volume_top = BOTTOM_PX + plot_height * VOLUME_SHARE
        count = len(candles)
        right_pad = max(4, math.ceil(count * RIGHT_PAD_SHARE))
        xlim = (-0.8, count - 1 + right_pad)
        x_ticks, x_labels = time_axis(candles.index, right - left, xlim)
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
            price_top=ref_height - top,
            lo=lo,
            hi=hi,
            xlim=xlim,
            levels=levels,
            y_ticks=tuple(y_ticks),
            y_labels=tuple(y_labels),
            x_ticks=tuple(x_ticks),
            x_labels=tuple(x_labels),
            alert_x=alert_x(
                candles.index, spec.alert_time, bar_seconds(candles.index, spec.timeframe)
            ),
            volume_label=volume_label,
            # Under the title (centred 30 px from the top), in the room NOTE_PX made.
            note_y=ref_height - TOP_PX + 8.0 if spec.note else 0.0,
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


def time_axis(
    index: pd.DatetimeIndex, plot_width: float, xlim: tuple[float, float]
) -> tuple[list[int], list[str]]:
    """The time ticks of a plot ``plot_width`` pixels wide showing bars ``xlim``.

    As many as fit (about one per :data:`~charts.sizes.TICK_MIN_PX`) without labels
    touching, and none whose label would run into the time zone label at the right end.
    """
    per_bar = plot_width / (xlim[1] - xlim[0])
    max_ticks = max(2, int(plot_width // TICK_MIN_PX))
    while True:
        positions, labels = time_ticks(index, max_ticks)
        halves = [_label_px(label) / 2 / per_bar for label in labels]
        crowded = any(
            positions[i + 1] - positions[i] < halves[i] + halves[i + 1] + 8 / per_bar
            for i in range(len(positions) - 1)
        )
        if not crowded or max_ticks <= 2:
            break
        max_ticks -= 1
    limit = xlim[1] - (_label_px(TIMEZONE_LABEL) + 12) / per_bar
    keep = [i for i, p in enumerate(positions) if p + halves[i] <= limit]
    return [positions[i] for i in keep], [labels[i] for i in keep]


def _label_px(text: str) -> float:
    return len(text) * TEXT_ADVANCE * TICK_PT * PT


def _placed(level: Level, lo: float, hi: float) -> Level:
    price = float(level.price)
    if price > hi:
        return off_scale(level, 1)
    if price < lo:
        return off_scale(level, -1)
    return level


def _price_ticks(lo: float, hi: float, decimals: int) -> tuple[list[float], list[str]]:
    values = [float(v) for v in _Y_LOCATOR.tick_values(lo, hi) if lo <= v <= hi]
    if len(values) > 1:
        # Ticks finer than the price tick need more decimals to stay distinct.
        step = Decimal(f"{values[1] - values[0]:.3g}")
        decimals = max(decimals, min(12, tick_decimals(step)))
    return values, [f"{v:.{decimals}f}" for v in values]


_Y_LOCATOR = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10])
