"""The price and volume panels' backdrop: grid lines, price and time labels, volume bars.

The time labels end with the time zone at the right end of the axis; the volume panel has a
grid line at the tallest bar's height, labelled with its volume on the left (``7.3M``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.transforms import Affine2D, Transform, blended_transform_factory

from charts.layout import Layout
from charts.sizes import TICK_GAP_PX, TICK_PT
from charts.theme import Theme
from charts.timeaxis import TIMEZONE_LABEL

__all__ = ["VOLUME_FILL", "draw_axes_text", "draw_volume", "volume_peak_px"]

VOLUME_FILL = 0.9  # of the volume panel's height, by the tallest bar


def draw_axes_text(
    ax: Axes, figure: Figure, layout: Layout, theme: Theme, x_figure: Transform
) -> None:
    """Draw the grid of both panels, the price and volume labels on the left and the time
    labels below.

    ``x_figure`` maps x in bars and y in figure fractions.
    """
    _draw_grid(ax, layout, theme, x_figure)
    y_axis = ax.get_yaxis_transform()
    label_x = -TICK_GAP_PX / layout.plot_width
    for y, text in zip(layout.y_ticks, layout.y_labels, strict=True):
        _tick_label(ax, theme, label_x, y, text, y_axis, ha="right", va="center")
    # x in axes fraction, y in figure fraction: for the labels at the panels' left and right.
    edges = blended_transform_factory(ax.transAxes, figure.transFigure)
    if layout.volume_label:
        peak_y = layout.fy(volume_peak_px(layout))
        _tick_label(ax, theme, label_x, peak_y, layout.volume_label, edges, ha="right", va="center")
    _draw_time_labels(ax, layout, theme, x_figure, edges)


def _draw_grid(ax: Axes, layout: Layout, theme: Theme, x_figure: Transform) -> None:
    # The price panel's lines, at the price ticks; then, through both panels, the lines at the
    # time ticks, the volume panel's top and (with a volume scale) the tallest bar's height.
    x0, x1 = layout.xlim
    horizontal = [((x0, y), (x1, y)) for y in layout.y_ticks]
    ax.add_collection(
        LineCollection(horizontal, colors=theme.grid, linewidths=0.8, zorder=0.5),
        autolim=False,
    )
    bottom, top = layout.fy(layout.volume_bottom), layout.fy(layout.price_top)
    vertical = [((x, bottom), (x, top)) for x in layout.x_ticks]
    vertical.append(((x0, layout.fy(layout.volume_top)), (x1, layout.fy(layout.volume_top))))
    if layout.volume_label:
        peak_y = layout.fy(volume_peak_px(layout))
        vertical.append(((x0, peak_y), (x1, peak_y)))
    ax.add_collection(
        LineCollection(
            vertical,
            colors=theme.grid,
            linewidths=0.8,
            zorder=0.5,
            transform=x_figure,
            clip_on=False,
        ),
        autolim=False,
    )


def _draw_time_labels(
    ax: Axes, layout: Layout, theme: Theme, x_figure: Transform, edges: Transform
) -> None:
    # Under the volume panel, centred on their ticks; the time zone ends at the right edge.
    label_y = layout.fy(layout.volume_bottom - 7)
    timed = [*zip(layout.x_ticks, layout.x_labels, strict=True), (None, TIMEZONE_LABEL)]
    for x, text in timed:
        _tick_label(
            ax,
            theme,
            1.0 if x is None else x,
            label_y,
            text,
            edges if x is None else x_figure,
            ha="right" if x is None else "center",
            va="top",
        )


def _tick_label(
    ax: Axes,
    theme: Theme,
    x: float,
    y: float,
    text: str,
    transform: Transform,
    *,
    ha: str,
    va: str,
) -> None:
    ax.text(
        x,
        y,
        text,
        transform=transform,
        ha=ha,
        va=va,
        fontsize=TICK_PT,
        color=theme.muted,
        parse_math=False,
        clip_on=False,
    )


def volume_peak_px(layout: Layout) -> float:
    """Height of the tallest volume bar (and of the volume scale's line), reference pixels."""
    return layout.volume_bottom + (layout.volume_top - layout.volume_bottom) * VOLUME_FILL


def draw_volume(
    ax: Axes, figure: Figure, candles: pd.DataFrame, layout: Layout, theme: Theme
) -> None:
    """Draw the volume bars (one collection) in the volume panel, if there is any volume."""
    if "Volume" not in candles:
        return
    volume = np.nan_to_num(candles["Volume"].to_numpy(dtype="float64"), nan=0.0, posinf=0.0)
    peak = float(volume.max()) if len(volume) else 0.0
    if peak <= 0:
        return
    count = len(volume)
    x = np.arange(count, dtype="float64")
    half = 0.36
    verts = np.zeros((count, 4, 2))
    verts[:, 0, 0] = verts[:, 1, 0] = x - half
    verts[:, 2, 0] = verts[:, 3, 0] = x + half
    verts[:, 1, 1] = verts[:, 2, 1] = volume
    rising = candles["Close"].to_numpy() >= candles["Open"].to_numpy()
    up = np.array(to_rgba(theme.up, theme.volume_alpha))
    down = np.array(to_rgba(theme.down, theme.volume_alpha))
    colours = np.where(rising[:, None], up, down)
    # Volume → figure fraction: the tallest bar fills VOLUME_FILL of the panel.
    bottom = layout.fy(layout.volume_bottom)
    span = layout.fy(layout.volume_top) - bottom
    to_panel = Affine2D().scale(1.0, span * VOLUME_FILL / peak).translate(0.0, bottom)
    transform = blended_transform_factory(ax.transData, to_panel + figure.transFigure)
    ax.add_collection(
        PolyCollection(
            verts, facecolors=colours, linewidths=0, transform=transform, clip_on=False, zorder=1
        ),
        autolim=False,
    )
