from __future__ import annotations

import pytest

from charts.timeframes import tv_interval_to_timeframe


@pytest.mark.parametrize(
    ("interval", "timeframe"),
    [
        ("1", "1m"),
        ("3", "3m"),
        ("5", "5m"),
        ("15", "15m"),
        ("30", "30m"),
        ("45", "45m"),
        ("60", "1h"),
        ("120", "2h"),
        ("180", "3h"),
        ("240", "4h"),
        ("360", "6h"),
        ("720", "12h"),
        ("1440", "1d"),
        ("90", "90m"),
        ("1D", "1d"),
        ("D", "1d"),
        ("3D", "3d"),
        ("1W", "1w"),
        ("W", "1w"),
        ("1M", "1M"),
        ("M", "1M"),
        ("3M", "3M"),
        ("1S", "1s"),
        ("30S", "30s"),
        (" 5 ", "5m"),
    ],
)
def test_tradingview_intervals_map_to_ccxt(interval: str, timeframe: str) -> None:
    assert tv_interval_to_timeframe(interval) == timeframe


@pytest.mark.parametrize(
    "interval", ["", " ", "0", "-5", "05", "1.5", "5m", "1h", "d", "1Y", "100T", "1R", "1D1", "abc"]
)
def test_other_values_are_rejected_by_name(interval: str) -> None:
    with pytest.raises(ValueError, match="unsupported TradingView interval") as error:
        tv_interval_to_timeframe(interval)
    assert repr(interval) in str(error.value)


def test_non_text_is_rejected() -> None:
    with pytest.raises(ValueError, match="5"):
        tv_interval_to_timeframe(5)  # type: ignore[arg-type]
