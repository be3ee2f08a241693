"""Map TradingView's ``{{interval}}`` placeholder to a ccxt timeframe.

TradingView writes minutes as bare numbers (``"5"``, ``"60"``, ``"240"``) and larger units
with a letter: ``S`` seconds, ``D`` days, ``W`` weeks, ``M`` months, the count being optional
(``"D"`` is ``"1D"``). ccxt writes ``"5m"``, ``"1h"``, ``"4h"``, ``"1d"``, ``"1w"``, ``"1M"``.
"""

from __future__ import annotations

import re

__all__ = ["tv_interval_to_timeframe"]

_TV = re.compile(r"^([1-9][0-9]{0,5})?([SDWM])?$")


def tv_interval_to_timeframe(interval: str) -> str:
    """Turn a TradingView interval (``"5"``, ``"60"``, ``"1D"``, ``"W"``, ``"30S"``) into ccxt's.

    Minute counts that make whole days or hours are written in those units (``"240"`` →
    ``"4h"``, ``"1440"`` → ``"1d"``).

    Raises
    ------
    ValueError
        Naming the value, for anything that is not a time-based TradingView interval
        (range, tick or volume bars, ``"0"``, ``""``...).
    """
    text = interval.strip() if isinstance(interval, str) else None
    match = _TV.match(text) if text else None
    if match is None:
        raise ValueError(f"unsupported TradingView interval {interval!r}")
    count_text, unit = match.groups()
    if unit is None:
        minutes = int(count_text)
        if minutes % 1440 == 0:
            return f"{minutes // 1440}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}m"
    count = int(count_text) if count_text else 1
    return f"{count}{'M' if unit == 'M' else unit.lower()}"
