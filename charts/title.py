"""The title line: symbol and timeframe, side badge (if a plan), strategy name, mode badge."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

from charts.layout import Layout
from charts.sizes import BADGE_PT, BOLD_ADVANCE, EDGE_PX, PT, REF_WIDTH, TEXT_ADVANCE, TITLE_PT
from charts.spec import ChartSpec
from charts.theme import Theme

__all__ = ["draw_title"]


def draw_title(figure: Figure, spec: ChartSpec, layout: Layout, theme: Theme) -> None:
    """Draw the title line above the plot, shortening the strategy name to fit."""
    y = layout.fy(layout.ref_height - 30)
    head = _ellipsize(f"{spec.symbol} · {spec.timeframe}", 40)
    mode = spec.mode.upper()[:8] if spec.mode else None
    title = figure.text(
        layout.fx(layout.left),
        y,
        head,
        ha="left",
        va="center",
        fontsize=TITLE_PT,
        fontweight="bold",
        color=theme.text,
        parse_math=False,
    )
    badge = {"boxstyle": "round,pad=0.35", "edgecolor": "none"}
    last: Text = title  # what the strategy name follows
    used = layout.left + _text_px(head, TITLE_PT, BOLD_ADVANCE)
    if spec.has_levels:  # without a plan the side means nothing: no badge
        side_colour = theme.long_badge if spec.is_long else theme.short_badge
        last = _after(
            figure,
            title,
            12,
            spec.side_label,
            fontsize=BADGE_PT,
            fontweight="bold",
            color="#ffffff",
            bbox={**badge, "facecolor": side_colour},
        )
        used += 12 * PT
        used += _text_px(spec.side_label, BADGE_PT, BOLD_ADVANCE) + 2 * 0.35 * BADGE_PT * PT
    if spec.strategy:
        # Text is measured only when drawn: estimate the room left before the mode badge
        # with generous glyph widths, and shorten the strategy name to fit.
        used += 14 * PT
        badge_px = _text_px(mode, BADGE_PT, BOLD_ADVANCE) + 40 if mode else 0
        room = REF_WIDTH - EDGE_PX - badge_px - used
        max_chars = int(room / ((BADGE_PT + 1) * PT * TEXT_ADVANCE))
        strategy = _ellipsize(" ".join(spec.strategy.split()), max_chars)
        if strategy:
            _after(figure, last, 14, strategy, fontsize=BADGE_PT + 1, color=theme.muted)
    if mode:
        colour = theme.live_badge if mode == "LIVE" else theme.paper_badge
        figure.text(
            layout.fx(REF_WIDTH - EDGE_PX),
            y,
            mode,
            ha="right",
            va="center",
            fontsize=BADGE_PT,
            fontweight="bold",
            color="#ffffff",
            parse_math=False,
            bbox={**badge, "facecolor": colour},
        )


def _text_px(text: str, size_pt: float, advance: float) -> float:
    return len(text) * advance * size_pt * PT


def _ellipsize(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + "…" if max_chars >= 4 else ""


def _after(figure: Figure, anchor: Text, gap_pt: float, text: str, **kwargs: Any) -> Text:
    # ``text`` right after ``anchor`` on the same line; the anchor is measured at draw time.
    annotation = Annotation(
        text,
        xy=(1.0, 0.5),
        xycoords=anchor,
        xytext=(gap_pt, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        parse_math=False,
        **kwargs,
    )
    figure.add_artist(annotation)
    return annotation
