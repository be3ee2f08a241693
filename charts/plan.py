"""Draws the trade plan: risk and reward zones, level lines, their tags, the alert marker."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Transform

from charts.layout import Layout, spread_labels
from charts.levels import Level
from charts.sizes import MONO, PT, TAG_GAP_PX, TAG_HEIGHT_PX, TAG_PAD_PX, TAG_PT
from charts.spec import ChartSpec
from charts.theme import Theme

__all__ = ["draw_levels", "draw_marker", "draw_tags", "level_colour"]


def level_colour(kind: str, theme: Theme) -> str:
    """The colour of a level of ``kind`` ("entry", "stop" or "tp") in ``theme``."""
    return {"entry": theme.entry, "stop": theme.stop}.get(kind, theme.take_profit)


def draw_levels(ax: Axes, spec: ChartSpec, layout: Layout, theme: Theme) -> None:
    """Shade the risk and reward zones from the alert on, and draw the level lines.

    Nothing when the spec has no levels; no line for a level outside the price range (its
    tag says where it is), and the zones run to the panel's edge towards it.
    """
    if spec.entry is None or spec.stop is None:
        return
    entry, stop = float(spec.entry), float(spec.stop)
    start = layout.alert_x
    zone_width = layout.xlim[1] - start
    ax.add_patch(
        Rectangle(
            (start, min(entry, stop)),
            zone_width,
            abs(entry - stop),
            facecolor=theme.stop,
            alpha=theme.risk_alpha,
            linewidth=0,
            zorder=1,
        )
    )
    if spec.take_profits:
        # The farthest target: the last one when the take-profits are in order.
        far = max((float(tp.price) for tp in spec.take_profits), key=lambda p: abs(p - entry))
        ax.add_patch(
            Rectangle(
                (start, min(entry, far)),
                zone_width,
                abs(far - entry),
                facecolor=theme.take_profit,
                alpha=theme.reward_alpha,
                linewidth=0,
                zorder=1,
            )
        )
    x0, x1 = layout.xlim
    for level in layout.levels:
        if level.edge:
            continue
        is_tp = level.kind == "tp"
        y = float(level.price)
        ax.add_line(
            Line2D(
                [x0, x1],
                [y, y],
                color=level_colour(level.kind, theme),
                linewidth=1.2 if is_tp else 1.5,
                linestyle=(0, (5, 3)) if is_tp else "-",
                zorder=4,
            )
        )


def draw_marker(
    ax: Axes,
    candles: pd.DataFrame,
    spec: ChartSpec,
    layout: Layout,
    theme: Theme,
    x_figure: Transform,
) -> None:
    """Mark the alert at ``layout.alert_x``: a dotted line across both panels and a triangle.

    An alert fires at a close, so the mark is right after that candle, not over it. The
    triangle points up from under the nearby candles for a long and down from over them for
    a short. Without levels the side is not drawn: the mark is a diamond under the candles,
    and there is no mark at all unless the spec has an ``alert_time``.
    """
    if not spec.has_levels and spec.alert_time is None:
        return
    x = layout.alert_x
    per_px = (layout.hi - layout.lo) / layout.price_height
    # The candles the triangle spans (it is about two bars wide at the usual 120 bars).
    near = slice(max(0, math.ceil(x - 1.5)), max(0, math.floor(x + 1.5)) + 1)
    low = np.nanmin(candles["Low"].to_numpy(dtype="float64")[near])
    high = np.nanmax(candles["High"].to_numpy(dtype="float64")[near])
    markersize = 11
    if not spec.has_levels:
        y, marker, markersize = float(low) - 12 * per_px, "D", 7
    elif spec.is_long:
        y, marker = float(low) - 14 * per_px, "^"
    else:
        y, marker = float(high) + 14 * per_px, "v"
    bottom, top = layout.fy(layout.volume_bottom), layout.fy(layout.price_top)
    ax.add_line(
        Line2D(
            [x, x],
            [bottom, top],
            transform=x_figure,
            clip_on=False,
            color=theme.marker,
            linewidth=1.0,
            alpha=0.4,
            linestyle=(0, (2, 3)),
            zorder=0.6,
        )
    )
    ax.add_line(
        Line2D(
            [x],
            [y],
            marker=marker,
            markersize=markersize,
            color=theme.marker,
            markeredgewidth=0,
            linestyle="none",
            zorder=6,
        )
    )


def draw_tags(ax: Axes, layout: Layout, theme: Theme) -> None:
    """Draw each level's tag right of the plot, nudged apart (with a leader) when close.

    The tag of a level outside the price range sits at the panel's edge on its side.
    """
    if not layout.levels:
        return
    targets = [_tag_target(level, layout) for level in layout.levels]
    half = TAG_HEIGHT_PX / 2
    placed = spread_labels(targets, TAG_HEIGHT_PX + 2, half, layout.price_height - half)
    tag_x = 1 + TAG_GAP_PX / layout.plot_width
    pad = TAG_PAD_PX / (TAG_PT * PT)
    for level, target, y_px in zip(layout.levels, targets, placed, strict=True):
        colour = level_colour(level.kind, theme)
        y = y_px / layout.price_height
        if abs(y_px - target) > 1 and not level.edge:
            # Nudged away from its line: a short leader shows which line it belongs to.
            ax.add_line(
                Line2D(
                    [1.0, tag_x],
                    [target / layout.price_height, y],
                    transform=ax.transAxes,
                    color=colour,
                    linewidth=1.0,
                    clip_on=False,
                    zorder=5,
                )
            )
        ax.text(
            tag_x,
            y,
            level.label,
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=TAG_PT,
            fontfamily=MONO,
            fontweight="bold",
            color=theme.tag_text,
            parse_math=False,
            clip_on=False,
            zorder=7,
            bbox={"boxstyle": f"round,pad={pad:.3f}", "facecolor": colour, "edgecolor": "none"},
        )


def _tag_target(level: Level, layout: Layout) -> float:
    """Where ``level``'s tag belongs: at its price, or at the edge of the panel it is beyond.

    Beyond an edge, within a pixel of it, the farther level the farther out: their tags
    stack in price order.
    """
    px = layout.price_px(float(level.price))
    if level.edge > 0:
        return layout.price_height + 1 - 1 / (1 + px - layout.price_height)
    if level.edge < 0:
        return 1 / (1 - px) - 1
    return px
