"""Draw a trade plan over its candles and return PNG bytes.

:func:`render_chart` is pure and CPU-bound: it builds its own
:class:`~matplotlib.figure.Figure` on an explicit Agg canvas (no pyplot, no backend
selection) and returns the PNG. The only process-wide state it touches, for the length of
one render and restored afterwards, is the garbage collector and
``rcParams["text.hinting"]`` (see :func:`_render_settings`); like matplotlib itself it is not
meant for several threads of one process at once. :class:`charts.pool.ChartRenderer` runs it
in warmed worker processes.

What it draws: candles (mplfinance, external axes mode) over a volume panel with its scale
(the tallest bar's volume); entry, stop and take-profit lines with tags at the right edge
(price in the tick's decimals, R and share for take-profits, computed when the spec has none,
nudged apart when close); a level too far from the candles to share the price axis with them
is a tag with an arrow at the panel's top or bottom instead of a line; the risk zone
(entry↔stop) and the reward zone (entry↔farthest take-profit) shaded from the alert to the
right edge; a marker at the alert's time, right after the candle whose close fired it; time
labels with the date on the first one and at each new day, and the time zone (UTC); a title
with symbol, timeframe, side badge, strategy and mode badge, and the spec's note (a warning)
under it. A spec without levels (no entry and stop: the ``/chart`` command on a symbol with
no trade) gets the candles, volume and title alone: no lines, tags, zones or side badge, a
price axis fitted to the candles, the plot widened into the unused tag column, and an alert
marker only when the spec has an ``alert_time``.

Why it is about three times faster than one plain
``mplfinance.plot(df, type="candle", volume=True, hlines=..., savefig=buf)`` call:

- the layout is computed, not measured: fixed margins sized from the label texts, so no
  ``tight_layout`` and no second draw;
- one Axes with its axis machinery switched off: matplotlib's ``Tick`` objects (two lines
  and two texts each, built per axis) were a third of the naive time; the grid is one
  ``LineCollection`` and the tick labels a dozen plain texts;
- mplfinance draws only the candles, into that Axes; the volume panel is one
  ``PolyCollection`` in the same Axes instead of a ``Rectangle`` patch per bar in another;
- glyphs are drawn without hinting: a quarter of the draw time, invisible at these sizes;
- the PNG is a 256-colour palette image (a chart has a few hundred distinct colours, so it
  is visually lossless): about half the encoding time of matplotlib's RGBA PNG and 40%
  fewer bytes (Pillow does the quantising, in :mod:`charts.png`);
- the garbage collector is paused during a render (a figure is a large graph of cycles).

This module assembles the figure; the pieces live next to it: :mod:`charts.theme`
(colours), :mod:`charts.sizes` (reference sizes), :mod:`charts.levels` (level tag texts),
:mod:`charts.layout` (price range, ticks, positions), :mod:`charts.panels` (grid, labels,
volume), :mod:`charts.plan` (zones, level lines, tags, alert marker), :mod:`charts.title`
and :mod:`charts.png` (encoding).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from decimal import Decimal

import matplotlib
import mplfinance as mpf
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from charts.errors import ChartError, NoCandles
from charts.frame import COLUMNS
from charts.layout import Layout, price_range, spread_labels
from charts.levels import Level, chart_levels, format_price
from charts.panels import draw_axes_text, draw_volume
from charts.plan import draw_levels, draw_marker, draw_tags
from charts.png import figure_png
from charts.sizes import BASE_DPI
from charts.spec import ChartSpec, TakeProfitLine
from charts.theme import MARKET_STYLES, THEMES, Theme
from charts.timeaxis import alert_x, time_ticks
from charts.title import draw_title

__all__ = [
    "THEMES",
    "Level",
    "Theme",
    "alert_x",
    "chart_levels",
    "format_price",
    "price_range",
    "render_chart",
    "spread_labels",
    "time_ticks",
    "warm_up",
]


@contextmanager
def _render_settings() -> Iterator[None]:
    """Process-wide settings for the length of one render, restored afterwards.

    - The garbage collector is paused: a figure is thousands of objects in reference cycles,
      and collections triggered mid-render walk all of them (and every module) for nothing.
    - Glyphs are drawn without hinting: hinting costs about 5 ms of a 21 ms draw, and at
      these sizes it does not show.

    matplotlib is not thread-safe, so neither is this: render in one thread per process (the
    pool's workers each run one render at a time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    hinting = matplotlib.rcParams["text.hinting"]
    matplotlib.rcParams["text.hinting"] = "no_hinting"
    try:
        yield
    finally:
        matplotlib.rcParams["text.hinting"] = hinting
        if was_enabled:
            gc.enable()


def render_chart(
    candles: pd.DataFrame,
    spec: ChartSpec,
    *,
    size: tuple[int, int] = (1200, 675),
    theme: str = "dark",
) -> bytes:
    """Draw ``candles`` with the plan of ``spec`` (if it has one) and return the PNG bytes.

    ``candles`` has mplfinance's columns (see :mod:`charts.frame`) and a time index (a naive
    index is taken as UTC); the chart shows all of them, so pass the window to draw (the bot
    uses the last 120 bars). Rows with a missing price are skipped.

    Raises
    ------
    ChartError
        When there is nothing to draw (:class:`~charts.errors.NoCandles`), or the candles,
        the size or the theme are not usable.
    """
    palette = THEMES.get(theme)
    if palette is None:
        raise ChartError(f"unknown chart theme {theme!r}: use {' or '.join(THEMES)}")
    width, height = (int(v) for v in size)
    if not (320 <= width <= 4000 and 180 <= height <= 4000):
        raise ChartError(f"chart size {width}x{height} is out of range")
    missing = [c for c in COLUMNS[:4] if c not in candles.columns]
    if missing:
        raise ChartError(f"candles lack column(s) {', '.join(missing)}")
    if not isinstance(candles.index, pd.DatetimeIndex):
        raise ChartError("candles must be indexed by time")
    ohlc = candles[list(COLUMNS[:4])].to_numpy(dtype="float64")
    usable = np.isfinite(ohlc).all(axis=1)
    if not usable.any():
        raise NoCandles(f"no candles for {spec.symbol} {spec.timeframe}")
    if not usable.all():
        candles = candles[usable]
    if candles.index.tz is None:
        candles = candles.tz_localize(UTC)
    with _render_settings():
        figure = _draw(candles, spec, Layout.for_chart(candles, spec, width, height), palette)
        return figure_png(figure)


def warm_up(*, size: tuple[int, int] = (1200, 675), theme: str = "dark") -> None:
    """Draw one throwaway chart so that the next one is fast.

    The first chart in a process pays for lazy imports (Pillow's PNG plugin...), loading the
    font files and filling matplotlib's caches: about a second, against tens of milliseconds
    afterwards. Every text style the charts use (title, badges, note, tags with and without
    an arrow, ticks) is drawn.
    """
    count = 120
    index = pd.date_range("2024-01-01", periods=count, freq="5min", tz=UTC, name="Date")
    close = 100 + 2 * np.sin(np.linspace(0, 6, count))
    open_ = np.roll(close, 1)
    open_[0] = close[0]
    candles = pd.DataFrame(
        {
            "Open": open_,
            "High": np.maximum(open_, close) + 0.3,
            "Low": np.minimum(open_, close) - 0.3,
            "Close": close,
            "Volume": 1000 + 500 * np.cos(np.linspace(0, 9, count)) ** 2,
        },
        index=index,
    )
    spec = ChartSpec(
        symbol="WARM/UP:USDT",
        timeframe="5m",
        side="buy",
        entry=Decimal("100.50"),
        stop=Decimal("99.00"),
        take_profits=(
            TakeProfitLine(Decimal("101.00"), Decimal("1"), Decimal("50")),
            TakeProfitLine(Decimal("130.00")),  # off the scale: a tag with an arrow
        ),
        strategy="warm-up",
        alert_time=index[100].to_pydatetime(),
        mode="PAPER",
        note="warm-up",
    )
    render_chart(candles, spec, size=size, theme=theme)


def _draw(candles: pd.DataFrame, spec: ChartSpec, layout: Layout, theme: Theme) -> Figure:
    """The whole chart as a figure on an Agg canvas, not drawn yet."""
    dpi = BASE_DPI * layout.scale
    # A quarter pixel more than asked: Agg truncates the canvas size, and w / dpi * dpi may
    # come out a hair under w.
    figure = Figure(
        figsize=((layout.width + 0.25) / dpi, (layout.height + 0.25) / dpi),
        dpi=dpi,
        facecolor=theme.background,
    )
    FigureCanvasAgg(figure)
    # One Axes, drawn without its axis machinery (no Tick objects, no spines): the grid, the
    # tick labels and the volume panel are a handful of plain artists placed by Layout.
    ax = figure.add_axes(
        (
            layout.fx(layout.left),
            layout.fy(layout.price_bottom),
            layout.fx(layout.plot_width),
            layout.fy(layout.price_height),
        )
    )
    ax.set_axis_off()
    mpf.plot(
        candles,
        type="candle",
        ax=ax,
        style=MARKET_STYLES[theme.name],
        xlim=layout.xlim,
        ylim=(layout.lo, layout.hi),
        warn_too_much_data=len(candles) + 1,
    )
    ax.set_autoscale_on(False)
    ax.set_xlim(*layout.xlim)
    ax.set_ylim(layout.lo, layout.hi)
    # x in bars, y in figure fractions: for what spans both panels or lives in the volume one.
    x_figure = blended_transform_factory(ax.transData, figure.transFigure)

    draw_axes_text(ax, figure, layout, theme, x_figure)
    draw_volume(ax, figure, candles, layout, theme)
    draw_levels(ax, spec, layout, theme)
    draw_marker(ax, candles, spec, layout, theme, x_figure)
    draw_tags(ax, layout, theme)
    draw_title(figure, spec, layout, theme)
    return figure
