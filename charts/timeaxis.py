"""The time axis: round-time ticks with dates, bar length, and where the alert goes.

Bars sit at x = 0, 1, 2... and bar ``k`` spans ``k - 0.5`` to ``k + 0.5``: from its open to
its close. Times are UTC (the axis says so).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd

__all__ = ["TIMEZONE_LABEL", "alert_x", "bar_seconds", "time_ticks"]

TIMEZONE_LABEL = "UTC"

_TICK_STEPS_S = (
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    14400,
    21600,
    43200,
    86400,
    2 * 86400,
    7 * 86400,
    14 * 86400,
)
_WEEK_OFFSET_S = 4 * 86400  # 1970-01-01 was a Thursday; weeks start on Monday
_TIMEFRAME = re.compile(r"^([1-9][0-9]*)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def time_ticks(index: pd.DatetimeIndex, max_ticks: int) -> tuple[list[int], list[str]]:
    """Bar positions and labels for the time axis: round times, at most ``max_ticks``.

    Intraday ticks read ``HH:MM``; the first tick and the first of each new day also carry
    the date (``16 Nov 10:00``), and a tick at midnight is the date alone (``17 Nov``).
    Daily and longer ticks show the date, monthly ones the month.
    """
    count = len(index)
    if count == 0:
        return [], []
    seconds = index.as_unit("s").asi8
    max_ticks = max(2, max_ticks)
    for step in _TICK_STEPS_S:
        offset = _WEEK_OFFSET_S if step % (7 * 86400) == 0 else 0
        positions = np.flatnonzero((seconds - offset) % step == 0)
        if 2 <= len(positions) <= max_ticks:
            return _tick_labels(index, positions.tolist(), step < 86400)
        if len(positions) < 2 and step >= 86400:
            break
    months = index.month.to_numpy() + 12 * index.year.to_numpy()
    starts = np.flatnonzero(np.diff(months, prepend=months[0] - 1) != 0)
    for every in (1, 2, 3, 6, 12):
        positions = [int(p) for p in starts if (months[p] - 1) % every == 0]
        if 2 <= len(positions) <= max_ticks:
            return positions, [_month_label(index[p]) for p in positions]
    stride = max(1, math.ceil(count / max_ticks))
    positions = list(range(0, count, stride))
    return _tick_labels(index, positions, bool(np.any(seconds % 86400)))


def _tick_labels(
    index: pd.DatetimeIndex, positions: list[int], intraday: bool
) -> tuple[list[int], list[str]]:
    labels = []
    previous_day = None
    for p in positions:
        stamp = index[p]
        day = f"{stamp.day} {stamp.strftime('%b')}"
        if not intraday or not (stamp.hour or stamp.minute):
            labels.append(day)
        elif stamp.date() != previous_day:
            labels.append(f"{day} {stamp.strftime('%H:%M')}")
        else:
            labels.append(stamp.strftime("%H:%M"))
        previous_day = stamp.date()
    return positions, labels


def _month_label(stamp: pd.Timestamp) -> str:
    return str(stamp.year) if stamp.month == 1 else stamp.strftime("%b")


def bar_seconds(index: pd.DatetimeIndex, timeframe: str) -> float:
    """The length of one bar: the usual spacing of ``index``, else ``timeframe``'s (``5m``).

    0 when neither tells (one bar of an unknown timeframe).
    """
    if len(index) >= 2:
        spacing = float(np.median(np.diff(index.as_unit("s").asi8)))
        if spacing > 0:
            return spacing
    match = _TIMEFRAME.match(timeframe.strip())
    return float(int(match[1]) * _UNIT_S[match[2]]) if match else 0.0


def alert_x(index: pd.DatetimeIndex, alert_time: datetime | None, bar_s: float) -> float:
    """Where the alert goes on the time axis (naive ``alert_time`` means UTC).

    A TradingView alert fires when a bar closes, so an alert at the close of bar ``k`` (the
    open of the next) is at ``k + 0.5``: right after that candle, not over it; an alert
    within a bar is at its time inside the bar. Right after the last candle when
    ``alert_time`` is None, before the first bar, or after the last bar has closed.
    """
    after_last = len(index) - 0.5
    if alert_time is None or len(index) == 0:
        return after_last
    when = pd.Timestamp(alert_time)
    when = when.tz_localize(UTC) if when.tzinfo is None else when.tz_convert(UTC)
    bar = int(index.searchsorted(when, side="right")) - 1
    if bar < 0:
        return after_last
    elapsed = (when - index[bar]).total_seconds()
    if bar_s <= 0 or elapsed >= bar_s:  # after this bar closed (the last one, or a gap)
        return bar + 0.5
    return bar - 0.5 + elapsed / bar_s
