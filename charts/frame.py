"""Candles as the DataFrame the renderer draws: a UTC ``DatetimeIndex`` and float columns
``Open``, ``High``, ``Low``, ``Close``, ``Volume`` (mplfinance's names), oldest first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "candles_from_csv", "candles_from_ohlcv"]

COLUMNS = ("Open", "High", "Low", "Close", "Volume")
_CSV_TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "open_time")


def candles_from_ohlcv(rows: Sequence[Sequence[float]]) -> pd.DataFrame:
    """Build candles from ccxt ``fetch_ohlcv`` rows ``[ms, open, high, low, close, volume]``.

    Rows are sorted by time and a repeated timestamp keeps its last row. A missing volume
    (ccxt's None) counts as 0. An empty ``rows`` gives an empty frame with the same columns.

    Raises
    ------
    ValueError
        When a row does not have six fields.
    """
    if len(rows) == 0:
        return _frame(np.empty(0, dtype="int64"), np.empty((0, 5)))
    try:
        data = np.array(rows, dtype="float64")
    except (TypeError, ValueError):
        data = np.array([[np.nan if v is None else v for v in row] for row in rows], "float64")
    if data.ndim != 2 or data.shape[1] != 6:
        raise ValueError("each OHLCV row must be [timestamp_ms, open, high, low, close, volume]")
    return _frame(data[:, 0].astype("int64"), data[:, 1:])


def candles_from_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read candles from a CSV with a header ``timestamp,open,high,low,close,volume``.

    Column names are matched without regard to case; the time column may be called
    ``timestamp``, ``time``, ``date``, ``datetime`` or ``open_time`` and hold epoch
    milliseconds or ISO dates.

    Raises
    ------
    ValueError
        When a column is missing; ``OSError`` when the file cannot be read.
    """
    raw = pd.read_csv(path)
    by_name = {str(name).strip().lower(): name for name in raw.columns}
    time_name = next((by_name[n] for n in _CSV_TIME_COLUMNS if n in by_name), None)
    missing = [c.lower() for c in COLUMNS if c.lower() not in by_name]
    if time_name is None or missing:
        need = ", ".join((["timestamp"] if time_name is None else []) + missing)
        raise ValueError(f"{os.fspath(path)}: missing column(s) {need}")
    values = raw[[by_name[c.lower()] for c in COLUMNS]].to_numpy(dtype="float64")
    times = raw[time_name]
    if pd.api.types.is_numeric_dtype(times):
        ms = times.to_numpy(dtype="int64")
    else:
        parsed = pd.to_datetime(times, utc=True)
        ms = (parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
        ms = ms.to_numpy(dtype="int64")
    return _frame(ms, values)


def _frame(ms: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(ms, unit="ms", utc=True), name="Date")
    frame = pd.DataFrame(values, index=index, columns=list(COLUMNS), dtype="float64")
    frame["Volume"] = frame["Volume"].fillna(0.0)
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        frame = frame[~frame.index.duplicated(keep="last")].sort_index(kind="stable")
    return frame
