"""Fixtures for the chart tests: real XRP/USDT candles and a long and a short plan."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from charts.frame import candles_from_csv
from charts.spec import ChartSpec, TakeProfitLine

DATA = Path(__file__).resolve().parents[1] / "data"
CSV_5M = DATA / "XRPUSDT-PERP-5m.csv"
CSV_1H = DATA / "XRPUSDT-PERP-1h.csv"


@pytest.fixture(scope="session")
def all_5m() -> pd.DataFrame:
    return candles_from_csv(CSV_5M)


@pytest.fixture
def candles(all_5m: pd.DataFrame) -> pd.DataFrame:
    """120 bars of 5m ending 2021-11-16 12:00 UTC; lows 1.0332, highs 1.1443."""
    return all_5m.loc[:"2021-11-16 12:00"].iloc[-120:]


@pytest.fixture
def long_spec() -> ChartSpec:
    return ChartSpec(
        symbol="XRP/USDT:USDT",
        timeframe="5m",
        side="buy",
        entry=Decimal("1.0950"),
        stop=Decimal("1.0880"),
        take_profits=(
            TakeProfitLine(Decimal("1.1000"), Decimal("0.7"), Decimal("40")),
            TakeProfitLine(Decimal("1.1050"), Decimal("1.4"), Decimal("30")),
            TakeProfitLine(Decimal("1.1150"), Decimal("2.9"), Decimal("30")),
        ),
        price_tick=Decimal("0.0001"),
        strategy="EMA cross",
        alert_time=datetime(2021, 11, 16, 11, 47, tzinfo=UTC),
        mode="PAPER",
    )


@pytest.fixture
def short_spec() -> ChartSpec:
    return ChartSpec(
        symbol="XRP/USDT:USDT",
        timeframe="5m",
        side="sell",
        entry=Decimal("1.0920"),
        stop=Decimal("1.1000"),
        take_profits=(
            TakeProfitLine(Decimal("1.0800"), Decimal("1.5"), Decimal("50")),
            TakeProfitLine(Decimal("1.0600"), Decimal("4"), Decimal("50")),
        ),
        price_tick=Decimal("0.0001"),
        strategy="range fade",
        mode="LIVE",
    )
