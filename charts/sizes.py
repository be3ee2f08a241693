"""Sizes of the 1200-pixel reference chart: margins, type sizes, glyph advances, tag font."""

from __future__ import annotations

__all__ = [
    "BADGE_PT",
    "BASE_DPI",
    "BOLD_ADVANCE",
    "BOTTOM_PX",
    "DIGIT_ADVANCE",
    "EDGE_PX",
    "FLAT_SHARE",
    "GAP_PX",
    "LEVEL_MARGIN",
    "MIN_CANDLE_SHARE",
    "MONO",
    "MONO_ADVANCE",
    "NOTE_PT",
    "NOTE_PX",
    "PT",
    "REF_WIDTH",
    "RIGHT_PAD_SHARE",
    "TAG_GAP_PX",
    "TAG_HEIGHT_PX",
    "TAG_PAD_PX",
    "TAG_PT",
    "TEXT_ADVANCE",
    "TICK_GAP_PX",
    "TICK_MIN_PX",
    "TICK_PT",
    "TITLE_PT",
    "TOP_PX",
    "VOLUME_SHARE",
]

# Every length below is in pixels of the 1200-pixel-wide reference chart; other sizes scale
# the whole picture with the width (the figure's dpi is 100 * width / 1200).
REF_WIDTH = 1200
BASE_DPI = 100.0
PT = BASE_DPI / 72.0  # reference pixels per point

TITLE_PT = 17.0
BADGE_PT = 12.0
TAG_PT = 11.5
TICK_PT = 11.0
NOTE_PT = 10.5  # the warning line under the title
MONO_ADVANCE = 0.602  # DejaVu Sans Mono: every glyph advances 0.602 em
DIGIT_ADVANCE = 0.64  # DejaVu Sans: digits advance 0.636 em, '.' and '-' less
TEXT_ADVANCE = 0.62  # DejaVu Sans, mixed text, a little generous
BOLD_ADVANCE = 0.75  # DejaVu Sans Bold, mostly capitals

TICK_GAP_PX = 8.0  # between the plot and its price labels
EDGE_PX = 14.0  # from the right edge to the mode badge, and to a plot without level tags
TOP_PX = 62.0
NOTE_PX = 18.0  # added to TOP_PX when there is a warning line under the title
TICK_MIN_PX = 110.0  # between time ticks, at least on average
BOTTOM_PX = 34.0
GAP_PX = 8.0  # between the price and the volume panel
VOLUME_SHARE = 0.2  # of the plot height
TAG_GAP_PX = 8.0  # from the plot's right edge to the level tags
TAG_PAD_PX = 5.0  # inside a tag, each side
TAG_HEIGHT_PX = TAG_PT * PT * 1.2 + 2 * TAG_PAD_PX
LEVEL_MARGIN = 0.07  # of the price span, above and below everything drawn
# The candles keep at least this share of the price axis: levels farther away are drawn at
# its edge instead. The candles' span counts as at least FLAT_SHARE of their high, so that a
# quiet market still shows a stop or a target a little way off.
MIN_CANDLE_SHARE = 0.6
FLAT_SHARE = 0.005
RIGHT_PAD_SHARE = 0.08  # empty bars after the last one, where the plan zones continue

MONO = ("DejaVu Sans Mono",)  # the level tags' font, whose glyphs MONO_ADVANCE measures
