"""Charts without a plan: the ``/chart`` command on a symbol with no trade."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from charts.errors import NoCandles
from charts.layout import Layout
from charts.render import THEMES, chart_levels, price_range, render_chart
from charts.sizes import EDGE_PX, LEVEL_MARGIN, REF_WIDTH
from charts.spec import ChartSpec, TakeProfitLine

from .test_render import decode, line_rows, png_size, rgb

ALERT = datetime(2021, 11, 16, 11, 47, tzinfo=UTC)


@pytest.fixture
def bare_spec() -> ChartSpec:
    return ChartSpec(
        symbol="XRP/USDT:USDT",
        timeframe="5m",
        side="buy",
        price_tick=Decimal("0.0001"),
        mode="PAPER",
    )


def marker_pixels(pixels: np.ndarray, theme: str = "dark") -> int:
    return int((np.abs(pixels - rgb(THEMES[theme].marker)).sum(axis=2) < 40).sum())


# -- the spec ---------------------------------------------------------------------------------


def test_entry_and_stop_are_optional(bare_spec):
    assert bare_spec.entry is None and bare_spec.stop is None
    assert not bare_spec.has_levels
    assert chart_levels(bare_spec) == []


def test_positional_construction_still_means_side_entry_stop():
    spec = ChartSpec("X/USDT", "5m", "sell", Decimal("1.0"), Decimal("1.1"))
    assert (spec.side, spec.entry, spec.stop, spec.take_profits) == (
        "sell",
        Decimal("1.0"),
        Decimal("1.1"),
        (),
    )
    assert spec.has_levels


@pytest.mark.parametrize(
    "prices", [{"entry": Decimal("1.09")}, {"stop": Decimal("1.08")}], ids=["entry", "stop"]
)
def test_spec_rejects_an_entry_or_a_stop_alone(bare_spec, prices):
    with pytest.raises(ValueError, match="entry and stop must be given together"):
        replace(bare_spec, **prices)


@pytest.mark.parametrize("container", [tuple, list])
def test_spec_rejects_take_profits_without_levels(bare_spec, container):
    with pytest.raises(ValueError, match="take-profits need an entry and a stop"):
        replace(bare_spec, take_profits=container([TakeProfitLine(Decimal("1.12"))]))


def test_spec_without_levels_still_checks_side_and_tick(bare_spec):
    with pytest.raises(ValueError, match="side"):
        replace(bare_spec, side="long")
    with pytest.raises(ValueError, match="price tick"):
        replace(bare_spec, price_tick=Decimal(0))


# -- layout -----------------------------------------------------------------------------------


def test_price_range_is_the_candles_range_plus_the_margin(candles, bare_spec):
    low, high = float(candles["Low"].min()), float(candles["High"].max())
    margin = (high - low) * LEVEL_MARGIN
    lo, hi = price_range(candles, bare_spec)
    assert lo == pytest.approx(low - margin, abs=1e-12)
    assert hi == pytest.approx(high + margin, abs=1e-12)
    layout = Layout.for_chart(candles, bare_spec, 1200, 675)
    assert (layout.lo, layout.hi) == (lo, hi)


def test_price_range_of_a_flat_market_without_levels_is_not_empty(candles, bare_spec):
    flat = candles.assign(Open=1.095, High=1.095, Low=1.095, Close=1.095)
    lo, hi = price_range(flat, bare_spec)
    assert lo < 1.095 < hi


def test_price_range_with_no_prices_at_all_is_no_candles(candles, bare_spec):
    with pytest.raises(NoCandles):
        price_range(candles.assign(Low=np.nan, High=np.nan), bare_spec)


def test_the_plot_takes_the_tag_column(candles, long_spec, bare_spec):
    bare = Layout.for_chart(candles, bare_spec, 1200, 675)
    planned = Layout.for_chart(candles, long_spec, 1200, 675)
    assert bare.levels == ()
    assert bare.right == REF_WIDTH - EDGE_PX
    assert bare.right > planned.right
    assert bare.left == planned.left  # same price labels on the left


# -- the picture ------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("size", [(1200, 675), (800, 450), (640, 640)])
def test_renders_a_png_of_the_configured_size(candles, bare_spec, size, theme):
    png = render_chart(candles, bare_spec, size=size, theme=theme)
    assert png_size(png) == size
    pixels = decode(png)
    assert pixels.shape == (size[1], size[0], 3)
    assert np.abs(pixels[0, 0] - rgb(THEMES[theme].background)).sum() < 6


def test_no_level_lines_tags_or_zones(candles, bare_spec):
    theme = THEMES["dark"]
    pixels = decode(render_chart(candles, bare_spec))
    assert not line_rows(pixels, theme.entry).size
    assert not line_rows(pixels, theme.stop).size
    assert not line_rows(pixels, theme.take_profit, min_run=0.25).size
    # No tag boxes: the entry's blue appears nowhere.
    assert not (np.abs(pixels - rgb(theme.entry)).sum(axis=2) < 40).any()


def test_the_side_is_not_drawn(candles, bare_spec):
    for spec in (bare_spec, replace(bare_spec, strategy="EMA cross", alert_time=ALERT)):
        assert render_chart(candles, spec) == render_chart(candles, replace(spec, side="sell"))


def test_alert_marker_only_with_an_alert_time(candles, bare_spec):
    without = decode(render_chart(candles, replace(bare_spec, mode=None)))
    marked = decode(render_chart(candles, replace(bare_spec, mode=None, alert_time=ALERT)))
    assert marker_pixels(without) == 0
    assert marker_pixels(marked) > 20


def test_long_names_and_one_bar_render(all_5m, bare_spec):
    spec = replace(bare_spec, strategy="a very long strategy name " * 6, mode="live")
    assert png_size(render_chart(all_5m.iloc[-1:], spec)) == (1200, 675)
    naive = all_5m.iloc[-300:].tz_localize(None)
    assert isinstance(naive.index, pd.DatetimeIndex)
    assert png_size(render_chart(naive, replace(spec, alert_time=ALERT))) == (1200, 675)
