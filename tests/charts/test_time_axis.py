"""The time axis: dates and the time zone; the alert marker after the closed candle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from charts.layout import Layout, time_axis
from charts.render import THEMES, _draw, render_chart
from charts.sizes import REF_WIDTH
from charts.timeaxis import alert_x, bar_seconds, time_ticks

from .test_render import decode, rgb


def test_the_first_tick_carries_the_date(candles):
    _, labels = time_ticks(candles.index, 8)
    assert labels == ["16 Nov 04:00", "06:00", "08:00", "10:00", "12:00"]


def test_a_new_day_shows_its_date(all_5m):
    window = all_5m.loc["2021-11-16 20:00":"2021-11-17 04:00"]
    positions, labels = time_ticks(window.index, 8)
    assert labels[0] == "16 Nov 20:00"
    assert "17 Nov" in labels  # midnight: the date alone
    assert window.index[positions[labels.index("17 Nov")]] == pd.Timestamp("2021-11-17", tz="UTC")


def test_a_new_day_without_a_midnight_tick_shows_its_date():
    index = pd.DatetimeIndex(
        ["2021-11-16 22:00", "2021-11-16 23:00", "2021-11-17 01:00", "2021-11-17 02:00"], tz=UTC
    )
    _, labels = time_ticks(index, 2)
    assert labels == ["16 Nov 22:00", "17 Nov 02:00"]  # every 2 hours; no bar at midnight


def test_the_layout_has_dated_labels_clear_of_the_time_zone(candles, long_spec):
    layout = Layout.for_chart(candles, long_spec, 1200, 675)
    assert layout.x_labels[0] == "16 Nov 04:00"
    assert layout.x_ticks[-1] <= len(candles) - 1


def test_a_tick_that_would_run_into_the_time_zone_is_dropped(candles):
    count = len(candles)
    # The last bar is 12:00, a tick; with no room after it, it goes.
    roomy = time_axis(candles.index, 900, (-0.8, count - 1 + 10))
    tight = time_axis(candles.index, 900, (-0.8, count - 1 + 1))
    assert roomy[1][-1] == "12:00"
    assert tight[1][-1] != "12:00"


def test_labels_do_not_touch():
    # Irregular bars: no round step fits, every tick is a new day with a long label.
    index = pd.DatetimeIndex(
        [pd.Timestamp("2021-11-01 07:13", tz=UTC) + pd.Timedelta(hours=25 * k) for k in range(60)]
    )
    positions, labels = time_axis(index, 900, (-0.8, 64))
    per_bar = 900 / 64.8
    widths = [len(label) * 0.62 * 11 * 100 / 72 for label in labels]
    for i in range(len(positions) - 1):
        assert (positions[i + 1] - positions[i]) * per_bar > (widths[i] + widths[i + 1]) / 2


def test_the_date_and_the_time_zone_are_drawn(candles, long_spec):
    layout = Layout.for_chart(candles, long_spec, 1200, 675)
    figure = _draw(candles, long_spec, layout, THEMES["dark"])
    drawn = [t.get_text() for t in figure.findobj(Text)]
    assert "16 Nov 04:00" in drawn
    assert "UTC" in drawn


# -- the alert marker -------------------------------------------------------------------------


def test_bar_seconds(candles):
    assert bar_seconds(candles.index, "1h") == 300  # the bars say 5 minutes
    assert bar_seconds(candles.index[:1], "4h") == 4 * 3600
    assert bar_seconds(candles.index[:1], "1M") == 0


def test_alert_x_in_a_gap_is_after_the_bar_before_it():
    index = pd.DatetimeIndex(["2021-11-16 10:00", "2021-11-16 10:05", "2021-11-16 11:00"], tz=UTC)
    assert alert_x(index, datetime(2021, 11, 16, 10, 30, tzinfo=UTC), 300) == 1.5
    # Within a bar: at its time in it (10:06 is a fifth into the 10:05 bar).
    assert alert_x(index, datetime(2021, 11, 16, 10, 6, tzinfo=UTC), 300) == pytest.approx(0.7)


def test_without_an_alert_time_the_marker_is_after_the_last_candle(candles, long_spec):
    layout = Layout.for_chart(candles, replace(long_spec, alert_time=None), 1200, 675)
    assert layout.alert_x == len(candles) - 0.5


def test_the_marker_is_drawn_right_of_the_last_candle(candles, long_spec):
    spec = replace(long_spec, alert_time=None)
    layout = Layout.for_chart(candles, spec, 1200, 675)
    pixels = decode(render_chart(candles, spec))
    # The triangle: solid marker colour (the dotted line is drawn faint).
    solid = np.abs(pixels - rgb(THEMES["dark"].marker)).sum(axis=2) < 40
    columns = np.flatnonzero(solid.any(axis=0))
    assert columns.size
    centre = (columns.min() + columns.max()) / 2

    def bar_px(x: float) -> float:
        x0, x1 = layout.xlim
        return (layout.left + (x - x0) / (x1 - x0) * layout.plot_width) * 1200 / REF_WIDTH

    last = len(candles) - 1
    assert centre == pytest.approx(bar_px(last + 0.5), abs=1.5)
    assert centre > bar_px(last) + 2  # not over the last candle, as it was
