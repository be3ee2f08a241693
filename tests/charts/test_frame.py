from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from charts.frame import COLUMNS, candles_from_csv, candles_from_ohlcv

from .conftest import CSV_1H, CSV_5M


def test_ccxt_rows_become_a_utc_indexed_frame() -> None:
    rows = [
        [1636934700000, 1.1941, 1.1993, 1.1934, 1.1972, 7267451.9],
        [1636934400000, 1.1893, 1.1954, 1.1891, 1.1941, 9289043.5],  # out of order
        [1636935000000, 1.1972, 1.2000, 1.1950, 1.1990, None],  # ccxt's missing volume
    ]
    frame = candles_from_ohlcv(rows)
    assert list(frame.columns) == list(COLUMNS)
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert str(frame.index.tz) == "UTC"
    assert list(frame.index) == [
        pd.Timestamp("2021-11-15 00:00", tz="UTC"),
        pd.Timestamp("2021-11-15 00:05", tz="UTC"),
        pd.Timestamp("2021-11-15 00:10", tz="UTC"),
    ]
    assert frame["Open"].iloc[0] == 1.1893
    assert frame["Volume"].iloc[-1] == 0.0
    assert (frame.dtypes == "float64").all()


def test_a_repeated_timestamp_keeps_the_last_row() -> None:
    frame = candles_from_ohlcv([[0, 1, 2, 0.5, 1.5, 10], [0, 1, 2, 0.5, 1.7, 12]])
    assert len(frame) == 1
    assert frame["Close"].iloc[0] == 1.7


def test_no_rows_give_an_empty_frame_with_the_columns() -> None:
    frame = candles_from_ohlcv([])
    assert frame.empty
    assert list(frame.columns) == list(COLUMNS)


def test_rows_of_the_wrong_shape_are_rejected() -> None:
    with pytest.raises(ValueError, match="OHLCV row"):
        candles_from_ohlcv([[0, 1, 2, 3]])


@pytest.mark.parametrize(("path", "bars"), [(CSV_5M, 1999), (CSV_1H, 100)])
def test_the_real_csv_files_load(path: Path, bars: int) -> None:
    frame = candles_from_csv(path)
    assert len(frame) == bars
    assert frame.index.is_monotonic_increasing
    assert (frame["High"] >= frame["Low"]).all()
    assert frame.index[0] == pd.Timestamp("2021-11-15", tz="UTC") or path == CSV_1H


def test_csv_with_iso_times_and_other_case(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Date,OPEN,High,low,Close,Volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,3\n")
    frame = candles_from_csv(path)
    assert frame.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    assert frame["Low"].iloc[0] == 0.5


def test_csv_missing_a_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("timestamp,open,high,close,volume\n0,1,2,1.5,3\n")
    with pytest.raises(ValueError, match="missing column"):
        candles_from_csv(path)
