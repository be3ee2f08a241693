"""The volume panel's scale."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text

from charts.layout import Layout
from charts.render import THEMES, _draw
from charts.sizes import DIGIT_ADVANCE, PT, TICK_PT
from charts.volume import format_volume, volume_peak


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (56_599_521.6, "56.6M"),
        (10_075_438.2, "10.1M"),
        (1_234_567, "1.2M"),
        (999_960, "1M"),
        (15_300, "15.3K"),
        (2.5e9, "2.5B"),
        (950, "950"),
        (12.34, "12.3"),
        (0.5, "0.5"),
    ],
)
def test_format_volume(value, text):
    assert format_volume(value) == text


def test_the_layout_labels_the_tallest_bar(candles, long_spec):
    layout = Layout.for_chart(candles, long_spec, 1200, 675)
    assert volume_peak(candles) == candles["Volume"].max()
    assert layout.volume_label == format_volume(candles["Volume"].max()) == "56.6M"
    assert layout.left >= 12 + len(layout.volume_label) * DIGIT_ADVANCE * TICK_PT * PT


def test_the_volume_scale_is_drawn(candles, long_spec):
    layout = Layout.for_chart(candles, long_spec, 1200, 675)
    figure = _draw(candles, long_spec, layout, THEMES["dark"])
    assert "56.6M" in [t.get_text() for t in figure.findobj(Text)]


def test_no_volume_no_scale(candles, long_spec):
    layout = Layout.for_chart(candles.assign(Volume=np.nan), long_spec, 1200, 675)
    assert layout.volume_label == ""
