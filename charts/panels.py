"""The price and volume panels' backdrop: grid lines, price and time labels, volume bars."""

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

__all__ = ["draw_axes_text", "draw_volume"]


def draw_axes_text(
    ax: Axes,
    figure: Figure,
    layout: Layout,
    theme: Theme,
    x_ticks: list[int],
    x_labels: list[str],
    x_figure: Transform,
) -> None:
    """Draw the grid of both panels, the price labels on the left and the time labels below.

    ``x_figure`` maps x in bars and y in figure fractions.
    """
    x0, x1 = layout.xlim
    horizontal = [((x0, y), (x1, y)) for y in layout.y_ticks]
    ax.add_collection(
        LineCollection(horizontal, colors=theme.grid, linewidths=0.8, zorder=0.5),
        autolim=False,
    )
    bottom, top = layout.fy(layout.volume_bottom), layout.fy(layout.price_top)
    vertical = [((x, bottom), (x, top)) for x in x_ticks]
    vertical.append(((x0, layout.fy(layout.volume_top)), (x1, layout.fy(layout.volume_top))))
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
    y_axis = ax.get_yaxis_transform()
    label_x = -TICK_GAP_PX / layout.plot_width
    for y, text in zip(layout.y_ticks, layout.y_labels, strict=True):
        ax.text(
            label_x,
            y,
            text,
            transform=y_axis,
            ha="right",
            va="center",
            fontsize=TICK_PT,
            color=theme.muted,
            parse_math=False,
            clip_on=False,
        )
    label_y = layout.fy(layout.volume_bottom - 7)
    for x, text in zip(x_ticks, x_labels, strict=True):
        ax.text(
            x,
            label_y,
            text,
            transform=x_figure,
            ha="center",
            va="top",
            fontsize=TICK_PT,
            color=theme.muted,
            parse_math=False,
            clip_on=False,
        )


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
    # Volume → figure fraction: the tallest bar fills 90% of the panel.
    bottom = layout.fy(layout.volume_bottom)
    span = layout.fy(layout.volume_top) - bottom
    to_panel = Affine2D().scale(1.0, span * 0.9 / peak).translate(0.0, bottom)
    transform = blended_transform_factory(ax.transData, to_panel + figure.transFigure)
    ax.add_collection(
        PolyCollection(
            verts, facecolors=colours, linewidths=0, transform=transform, clip_on=False, zorder=1
        ),
        autolim=False,
    )
