"""A level far from the candles does not squeeze them: it is drawn at the panel's edge."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from charts.layout import Layout, fit_levels, price_range
from charts.render import THEMES, render_chart
from charts.sizes import LEVEL_MARGIN, MIN_CANDLE_SHARE
from charts.spec import ChartSpec, TakeProfitLine

from .test_render import decode, line_rows

D = Decimal


@pytest.fixture
def cli_example(all_5m):
    """The issue's chart: --entry 1.0707 --stop 1.06 --tp 1.09:30% --tp 1.13 --end 10:00."""
    candles = all_5m.loc[:"2021-11-17 10:00"].iloc[-120:]  # lows 1.0584, highs 1.0984
    spec = ChartSpec(
        "XRPUSDT-PERP",
        "5m",
        "buy",
        D("1.0707"),
        D("1.06"),
        (TakeProfitLine(D("1.09"), share_pct=D(30)), TakeProfitLine(D("1.13"))),
        price_tick=D("0.0001"),
    )
    return candles, spec


def test_fit_levels():
    assert fit_levels(1.0, 1.1, []) == (1.0, 1.1)
    assert fit_levels(1.0, 1.1, [1.05, 0.98, 1.13]) == (0.98, 1.13)
    # 1.0 + 0.1 / 0.6 = 1.1667 is as far as the range may go.
    assert fit_levels(1.0, 1.1, [1.166]) == (1.0, 1.166)
    assert fit_levels(1.0, 1.1, [1.168]) == (1.0, 1.1)
    # In order: the stop (first) takes the room a farther target would have needed.
    assert fit_levels(1.0, 1.1, [0.95, 1.15]) == (0.95, 1.1)
    # A flat market counts as 0.5% of its price wide: a stop 0.8% away still fits.
    assert fit_levels(100.0, 100.0, [99.2]) == (99.2, 100.0)
    assert fit_levels(100.0, 100.0, [99.0]) == (100.0, 100.0)


def test_the_far_target_is_clipped(cli_example):
    candles, spec = cli_example
    low, high = 1.0584, 1.0984
    assert (candles["Low"].min(), candles["High"].max()) == (low, high)
    lo, hi = price_range(candles, spec)
    margin = (high - low) * LEVEL_MARGIN
    assert lo == pytest.approx(low - margin)
    assert hi == pytest.approx(high + margin)  # not 1.13 + margin, as before
    assert (high - low) / (hi - lo) >= MIN_CANDLE_SHARE


def test_the_far_target_is_a_tag_at_the_top_with_its_price_and_r(cli_example):
    candles, spec = cli_example
    layout = Layout.for_chart(candles, spec, 1200, 675)
    assert [(level.edge, level.label) for level in layout.levels] == [
        (0, "ENTRY 1.0707"),
        (0, "STOP 1.0600"),
        (0, "TP1 1.0900 (1.8R) 30%"),
        (1, "▲ TP2 1.1300 (5.54R) 70%"),
    ]


def test_levels_below_the_panel_point_down(cli_example):
    candles, spec = cli_example
    short = replace(
        spec,
        side="sell",
        entry=D("1.0800"),
        stop=D("1.0900"),
        take_profits=(TakeProfitLine(D("1.0700")), TakeProfitLine(D("0.9000"))),
    )
    layout = Layout.for_chart(candles, short, 1200, 675)
    assert layout.levels[-1].edge == -1
    assert layout.levels[-1].label == "▼ TP2 0.9000 (18.0R) 50%"


def test_no_line_is_drawn_for_the_far_target(cli_example):
    candles, spec = cli_example
    theme = THEMES["dark"]
    pixels = decode(render_chart(candles, spec))
    tp_rows = line_rows(pixels, theme.take_profit, min_run=0.25)
    entry_rows = line_rows(pixels, theme.entry)
    assert tp_rows.size and entry_rows.size
    # One dashed line (TP1), a few pixels thick, not two.
    assert tp_rows.max() - tp_rows.min() < 4
