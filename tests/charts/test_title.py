"""The title line: no timeframe twice; the spec's note (a warning) under it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from matplotlib.text import Text

from charts.layout import Layout
from charts.render import THEMES, _draw
from charts.sizes import NOTE_PX, TOP_PX
from charts.title import title_head


@pytest.mark.parametrize(
    ("symbol", "timeframe", "head"),
    [
        ("XRPUSDT-PERP-5m", "5m", "XRPUSDT-PERP · 5m"),  # the CLI's default: the file name
        ("XRPUSDT_1H", "1h", "XRPUSDT · 1h"),
        ("BTCUSDT 4h", "4h", "BTCUSDT · 4h"),
        ("XRP/USDT:USDT", "5m", "XRP/USDT:USDT · 5m"),
        ("XRPUSDT-PERP-1h", "5m", "XRPUSDT-PERP-1h · 5m"),  # another timeframe: kept
        ("ETH-1M", "1m", "ETH-1M · 1m"),  # a month is not a minute
        ("5m", "5m", "5m · 5m"),  # nothing would be left
    ],
)
def test_title_head(symbol, timeframe, head):
    assert title_head(symbol, timeframe) == head


def texts(candles, spec, size=(1200, 675)):
    layout = Layout.for_chart(candles, spec, *size)
    figure = _draw(candles, spec, layout, THEMES["dark"])
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_the_drawn_title_does_not_repeat_the_timeframe(candles, long_spec):
    drawn = texts(candles, replace(long_spec, symbol="XRPUSDT-PERP-5m"))
    assert "XRPUSDT-PERP · 5m" in drawn


def test_a_note_gets_its_own_line_under_the_title(candles, long_spec):
    plain = Layout.for_chart(candles, long_spec, 1200, 675)
    noted_spec = replace(long_spec, note="--end 2021-12-01 10:00 UTC is past the data")
    noted = Layout.for_chart(candles, noted_spec, 1200, 675)
    assert plain.note_y == 0
    assert noted.price_top == plain.price_top - NOTE_PX
    assert noted.price_top < noted.note_y < noted.ref_height - TOP_PX + 30 - 12
    assert "⚠ --end 2021-12-01 10:00 UTC is past the data" in texts(candles, noted_spec)
    assert not any(t.startswith("⚠") for t in texts(candles, long_spec))
