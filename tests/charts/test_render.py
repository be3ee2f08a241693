from __future__ import annotations

import gc
import io
import itertools
import struct
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from charts.errors import ChartError, NoCandles
from charts.render import (
    THEMES,
    alert_x,
    chart_levels,
    format_price,
    price_range,
    render_chart,
    spread_labels,
    time_ticks,
)
from charts.spec import ChartSpec, TakeProfitLine, tick_decimals

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 150 * 1024


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG has first."""
    assert png[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return np.asarray(image.convert("RGB")).astype(int)


def rgb(colour: str) -> np.ndarray:
    return (np.array(matplotlib.colors.to_rgb(colour)) * 255).round().astype(int)


def line_rows(pixels: np.ndarray, colour: str, min_run: float = 0.4) -> np.ndarray:
    """Rows where ``colour`` covers more than ``min_run`` of the width: a horizontal line."""
    close = np.abs(pixels - rgb(colour)).sum(axis=2) < 60
    return np.flatnonzero(close.mean(axis=1) > min_run)


# -- the picture ------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("side", ["long", "short"])
def test_renders_a_png_of_the_configured_size(candles, long_spec, short_spec, side, theme):
    spec = long_spec if side == "long" else short_spec
    png = render_chart(candles, spec, theme=theme)
    assert png_size(png) == (1200, 675)
    assert len(png) < MAX_PNG_BYTES
    pixels = decode(png)  # Pillow agrees it is a whole, valid image
    assert pixels.shape == (675, 1200, 3)
    assert np.abs(pixels[0, 0] - rgb(THEMES[theme].background)).sum() < 6


@pytest.mark.parametrize("size", [(800, 450), (1000, 563), (1600, 900), (640, 640)])
def test_other_sizes_are_exact(candles, long_spec, size):
    assert png_size(render_chart(candles, long_spec, size=size)) == size


def test_dark_background_reads_in_discord():
    # Discord's dark chat is #313338: the chart must be that dark or darker.
    assert rgb(THEMES["dark"].background).sum() <= rgb("#313338").sum()


@pytest.mark.parametrize("side", ["long", "short"])
def test_levels_are_drawn_where_they_belong(candles, long_spec, short_spec, side):
    spec = long_spec if side == "long" else short_spec
    theme = THEMES["dark"]
    pixels = decode(render_chart(candles, spec))
    entry_rows = line_rows(pixels, theme.entry)
    stop_rows = line_rows(pixels, theme.stop)
    tp_rows = line_rows(pixels, theme.take_profit, min_run=0.25)  # dashed
    assert entry_rows.size and stop_rows.size and tp_rows.size
    # Image rows grow downwards: a long's stop is under its entry and its targets above.
    if side == "long":
        assert stop_rows.min() > entry_rows.max() > tp_rows.max()
    else:
        assert stop_rows.max() < entry_rows.min() < tp_rows.min()


def test_levels_far_outside_the_candles_are_drawn_at_the_edge(candles, long_spec):
    # Was: the price axis widened to every level, squeezing the candles. Now the candles
    # keep the axis and a far level is a tag with an arrow at the panel's edge, no line.
    spec = replace(
        long_spec,
        stop=Decimal("0.5000"),
        take_profits=(TakeProfitLine(Decimal("2.5000"), Decimal("2.5")),),
    )
    low, high = candles["Low"].min(), candles["High"].max()
    lo, hi = price_range(candles, spec)
    assert lo < low and hi > high
    assert hi - lo < (high - low) * 1.2  # only the candles and the margin
    theme = THEMES["dark"]
    pixels = decode(render_chart(candles, spec))
    assert line_rows(pixels, theme.entry).size
    assert not line_rows(pixels, theme.stop).size
    assert not line_rows(pixels, theme.take_profit, min_run=0.25).size


def test_price_range_covers_the_candles_with_a_margin(candles, long_spec):
    lo, hi = price_range(candles, long_spec)
    low, high = candles["Low"].min(), candles["High"].max()
    assert lo < low and hi > high
    assert hi - lo < (high - low) * 1.3  # the levels are inside the candles here


def test_price_range_of_a_flat_market_is_not_empty(candles, long_spec):
    flat = candles.assign(Open=1.095, High=1.095, Low=1.095, Close=1.095)
    spec = replace(long_spec, stop=Decimal("1.095"), take_profits=())
    spec = replace(spec, entry=Decimal("1.095"))
    lo, hi = price_range(flat, spec)
    assert lo < 1.095 < hi


def test_price_range_does_not_go_below_zero(candles, long_spec):
    # Was a far stop at 0.0001 that widened the axis to zero; a far level no longer widens
    # it, so candles that reach down near zero do.
    near_zero = candles.assign(Low=candles["Low"].where(candles.index != candles.index[3], 0.01))
    lo, _ = price_range(near_zero, long_spec)
    assert lo == 0.0


# -- labels -----------------------------------------------------------------------------------


def test_labels_use_the_tick_decimals(long_spec):
    labels = [level.label for level in chart_levels(long_spec)]
    assert labels == [
        "ENTRY 1.0950",
        "STOP 1.0880",
        "TP1 1.1000 (0.7R) 40%",
        "TP2 1.1050 (1.4R) 30%",
        "TP3 1.1150 (2.9R) 30%",
    ]


def test_labels_follow_other_ticks(long_spec):
    spec = replace(
        long_spec,
        entry=Decimal("60000"),
        stop=Decimal("59800.25"),
        take_profits=(
            TakeProfitLine(Decimal("60500"), Decimal("2"), Decimal("33.333")),
            TakeProfitLine(Decimal("61000.04")),
            TakeProfitLine(Decimal("61500"), r=Decimal("1.25")),
        ),
        price_tick=Decimal("0.1"),
    )
    assert [level.label for level in chart_levels(spec)] == [
        "ENTRY 60000.0",
        "STOP 59800.2",  # rounded half-even to the tick's decimals
        "TP1 60500.0 (2.0R) 33.3%",
        # Was "TP2 61000.0" and "TP3 61500.0 (1.25R)": what the spec leaves out is computed
        # now (test_ladder.py), what it gives is shown as given.
        "TP2 61000.0 (5.01R) 33.3%",
        "TP3 61500.0 (1.25R) 33.3%",
    ]


@pytest.mark.parametrize(
    ("tick", "decimals"),
    [
        ("0.01", 2),
        ("0.0001", 4),
        ("0.00000001", 8),
        ("1E-8", 8),
        ("0.50", 1),
        ("1", 0),
        ("10", 0),
        ("0.00010", 4),
    ],
)
def test_tick_decimals(tick, decimals):
    assert tick_decimals(Decimal(tick)) == decimals


@pytest.mark.parametrize("tick", ["0", "-0.01", "NaN"])
def test_tick_must_be_positive(tick):
    with pytest.raises(ValueError, match="tick"):
        tick_decimals(Decimal(tick))


def test_format_price_has_no_float_noise():
    assert format_price(Decimal("0.1") + Decimal("0.2"), 8) == "0.30000000"
    assert format_price(0.1 + 0.2, 4) == "0.3000"


def test_spread_labels_keep_apart_and_in_bounds():
    targets = [100.0, 101.0, 102.0, 300.0, 5.0]
    placed = spread_labels(targets, 20.0, 10.0, 400.0)
    ordered = sorted(placed)
    assert all(b - a >= 20.0 - 1e-9 for a, b in itertools.pairwise(ordered))
    assert min(placed) >= 10.0 and max(placed) <= 400.0
    assert placed[3] == 300.0  # far from the others: not moved
    assert placed[0] < placed[1] < placed[2]  # order kept
    assert abs(sum(placed[:3]) / 3 - 101.0) < 1e-9  # the group stays centred on its lines


def test_spread_labels_at_the_edge_push_inwards():
    placed = spread_labels([0.0, 1.0, 2.0], 20.0, 10.0, 400.0)
    assert placed == [10.0, 30.0, 50.0]
    placed = spread_labels([400.0, 399.0], 20.0, 10.0, 400.0)
    assert placed == [400.0, 380.0]


def test_close_levels_are_nudged_apart_in_the_picture(candles, long_spec):
    spec = replace(
        long_spec,
        entry=Decimal("1.0950"),
        stop=Decimal("1.0948"),
        take_profits=(TakeProfitLine(Decimal("1.0952")), TakeProfitLine(Decimal("1.0954"))),
    )
    assert png_size(render_chart(candles, spec)) == (1200, 675)


# -- time axis and alert marker -------------------------------------------------------------


def test_time_ticks_are_round_times(candles):
    positions, labels = time_ticks(candles.index, 8)
    assert 2 <= len(positions) <= 8
    for position, label in zip(positions, labels, strict=True):
        stamp = candles.index[position]
        assert stamp.minute == 0
        assert label.endswith(stamp.strftime("%H:%M"))  # the first one starts with the date


def test_time_ticks_show_the_date_at_midnight(all_5m):
    window = all_5m.loc["2021-11-16 20:00":"2021-11-17 04:00"]
    positions, labels = time_ticks(window.index, 8)
    assert "17 Nov" in labels
    assert window.index[positions[labels.index("17 Nov")]] == pd.Timestamp("2021-11-17", tz="UTC")


def test_time_ticks_of_daily_bars_are_dates():
    index = pd.date_range("2024-01-01", periods=120, freq="1D", tz="UTC")
    positions, labels = time_ticks(index, 8)
    assert 2 <= len(positions) <= 8
    assert all(label[0].isdigit() or label[:3].isalpha() for label in labels)


def test_alert_x(candles):
    # Was alert_bar: the bar containing the alert, the last bar by default, which put the
    # marker over the last candle. An alert fires at a close: it goes right after that candle.
    index = candles.index
    last = len(index) - 1
    bar_1145 = index.get_loc(pd.Timestamp("2021-11-16 11:45", tz="UTC"))
    assert alert_x(index, None, 300) == last + 0.5
    # At 11:45 the 11:40 bar closed: right after it, at the 11:45 bar's left edge.
    assert alert_x(index, datetime(2021, 11, 16, 11, 45, tzinfo=UTC), 300) == bar_1145 - 0.5
    # An alert within a bar is at its time inside that bar.
    assert alert_x(index, datetime(2021, 11, 16, 11, 47, tzinfo=UTC), 300) == pytest.approx(
        bar_1145 - 0.1
    )
    assert alert_x(index, datetime(2021, 11, 16, 11, 45), 300) == alert_x(
        index, datetime(2021, 11, 16, 11, 45, tzinfo=UTC), 300
    )  # naive means UTC
    assert alert_x(index, datetime(2020, 1, 1, tzinfo=UTC), 300) == last + 0.5
    assert alert_x(index, datetime(2030, 1, 1, tzinfo=UTC), 300) == last + 0.5


# -- inputs it must survive or refuse -----------------------------------------------------------


def test_no_candles_is_a_chart_error(candles, long_spec):
    with pytest.raises(NoCandles, match=r"no candles for XRP/USDT:USDT 5m"):
        render_chart(candles.iloc[:0], long_spec)


def test_candles_without_prices_are_no_candles(candles, long_spec):
    with pytest.raises(NoCandles):
        render_chart(candles.assign(Close=np.nan), long_spec)


def test_missing_columns_and_bad_options_are_chart_errors(candles, long_spec):
    with pytest.raises(ChartError, match="Close"):
        render_chart(candles.drop(columns="Close"), long_spec)
    with pytest.raises(ChartError, match="theme"):
        render_chart(candles, long_spec, theme="neon")
    with pytest.raises(ChartError, match="size"):
        render_chart(candles, long_spec, size=(10, 10))


def test_awkward_but_valid_input_renders(all_5m, long_spec):
    gappy = all_5m.iloc[-700:].copy()  # more bars than mplfinance likes to draw
    gappy.iloc[5, 0] = np.nan  # a broken row is skipped
    naive = gappy.tz_localize(None)  # a naive index is taken as UTC
    spec = replace(long_spec, strategy="$5 scalp {x}_^", mode="live", alert_time=None)
    assert png_size(render_chart(naive, spec)) == (1200, 675)
    single = all_5m.iloc[-1:]
    assert png_size(render_chart(single, replace(spec, take_profits=()))) == (1200, 675)


def test_render_leaves_no_global_state_behind(candles, long_spec):
    hinting = matplotlib.rcParams["text.hinting"]
    assert gc.isenabled()
    render_chart(candles, long_spec)
    assert gc.isenabled()
    assert matplotlib.rcParams["text.hinting"] == hinting


def test_spec_rejects_an_unknown_side():
    with pytest.raises(ValueError, match="side"):
        ChartSpec("X/USDT", "5m", "long", Decimal(1), Decimal("0.9"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("entry", Decimal("NaN")), ("stop", Decimal(0)), ("price_tick", Decimal("-0.01"))],
)
def test_spec_rejects_prices_that_cannot_be_drawn(long_spec, field, value):
    with pytest.raises(ValueError, match=field.replace("price_", "price ")):
        replace(long_spec, **{field: value})
    with pytest.raises(ValueError, match="take-profit"):
        TakeProfitLine(Decimal("Infinity"))
