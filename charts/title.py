"""The title line: symbol and timeframe, side badge (if a plan), strategy name, mode badge;
and under it, when the spec has one, its note (a warning).
"""

from __future__ import annotations

import re
from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

from charts.layout import Layout
from charts.sizes import (
    BADGE_PT,
    BOLD_ADVANCE,
    EDGE_PX,
    NOTE_PT,
    PT,
    REF_WIDTH,
    TEXT_ADVANCE,
    TITLE_PT,
)
from charts.spec import ChartSpec
from charts.theme import Theme

__all__ = ["draw_title", "title_head"]

_TRAILING_TOKEN = re.compile(r"[-_. ]+([0-9]+[A-Za-z]+)$")
_BADGE = {"boxstyle": "round,pad=0.35", "edgecolor": "none"}  # with a "facecolor" added
_SIDE_GAP_PT = 12  # between the title and the side badge
_STRATEGY_GAP_PT = 14  # before the strategy name


def title_head(symbol: str, timeframe: str) -> str:
    """``symbol · timeframe``, without the timeframe twice when the symbol ends with it.

    A symbol taken from a file name often does:

    >>> title_head("XRPUSDT-PERP-5m", "5m"), title_head("XRP/USDT:USDT", "5m")
    ('XRPUSDT-PERP · 5m', 'XRP/USDT:USDT · 5m')
    """
    match = _TRAILING_TOKEN.search(symbol)
    if match and match.start() > 0 and _same_timeframe(match[1], timeframe):
        symbol = symbol[: match.start()]
    return f"{symbol} · {timeframe}"


def _same_timeframe(token: str, timeframe: str) -> bool:
    # "1H" is "1h", but "1M" (a month) is not "1m" (a minute).
    if token == timeframe:
        return True
    return "M" not in token + timeframe and token.lower() == timeframe.lower()


def draw_title(figure: Figure, spec: ChartSpec, layout: Layout, theme: Theme) -> None:
    """Draw the title line above the plot, shortening the strategy name to fit, and the
    spec's note (a warning, shortened to fit) on a line of its own under it."""
    y = layout.fy(layout.ref_height - 30)
    head = _ellipsize(title_head(spec.symbol, spec.timeframe), 40)
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
    last: Text = title  # what the strategy name follows
    used = layout.left + _text_px(head, TITLE_PT, BOLD_ADVANCE)
    if spec.has_levels:  # without a plan the side means nothing: no badge
        last = _draw_side_badge(figure, title, spec, theme)
        used += _SIDE_GAP_PT * PT
        used += _badge_px(spec.side_label)
    if spec.strategy:
        _draw_strategy(figure, last, spec.strategy, used, mode, theme)
    if mode:
        _draw_mode_badge(figure, y, mode, layout, theme)
    if spec.note and layout.note_y:
        _draw_note(figure, spec.note, layout, theme)


def _draw_side_badge(figure: Figure, title: Text, spec: ChartSpec, theme: Theme) -> Text:
    # LONG or SHORT, in a badge of the side's colour right after the title.
    side_colour = theme.long_badge if spec.is_long else theme.short_badge
    return _after(
        figure,
        title,
        _SIDE_GAP_PT,
        spec.side_label,
        fontsize=BADGE_PT,
        fontweight="bold",
        color="#ffffff",
        bbox={**_BADGE, "facecolor": side_colour},
    )


def _draw_strategy(
    figure: Figure, last: Text, strategy: str, used: float, mode: str | None, theme: Theme
) -> None:
    # Text is measured only when drawn: estimate the room left before the mode badge with
    # generous glyph widths (``used`` reference pixels are taken from the left), and shorten
    # the strategy name to fit.
    used += _STRATEGY_GAP_PT * PT
    badge_px = _text_px(mode, BADGE_PT, BOLD_ADVANCE) + 40 if mode else 0
    room = REF_WIDTH - EDGE_PX - badge_px - used
    max_chars = int(room / ((BADGE_PT + 1) * PT * TEXT_ADVANCE))
    shown = _ellipsize(" ".join(strategy.split()), max_chars)
    if shown:
        _after(figure, last, _STRATEGY_GAP_PT, shown, fontsize=BADGE_PT + 1, color=theme.muted)


def _draw_mode_badge(figure: Figure, y: float, mode: str, layout: Layout, theme: Theme) -> None:
    # PAPER or LIVE, in a badge at the right end of the title line.
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
        bbox={**_BADGE, "facecolor": colour},
    )


def _draw_note(figure: Figure, note: str, layout: Layout, theme: Theme) -> None:
    # The spec's note, a warning on a line of its own, shortened to fit the width.
    room = REF_WIDTH - EDGE_PX - layout.left
    max_chars = int(room / (NOTE_PT * PT * TEXT_ADVANCE))
    text = _ellipsize(f"⚠ {' '.join(note.split())}", max_chars)
    figure.text(
        layout.fx(layout.left),
        layout.fy(layout.note_y),
        text,
        ha="left",
        va="center",
        fontsize=NOTE_PT,
        color=theme.marker,
        parse_math=False,
    )


def _badge_px(text: str) -> float:
    # Width of a badge: its bold text and the box's padding on both sides.
    return _text_px(text, BADGE_PT, BOLD_ADVANCE) + 2 * 0.35 * BADGE_PT * PT


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
