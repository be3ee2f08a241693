"""The volume panel's scale: the tallest bar's volume, written short (``7.3M``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["format_volume", "volume_peak"]

_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def volume_peak(candles: pd.DataFrame) -> float:
    """The largest volume of ``candles`` (missing or infinite volumes count as 0)."""
    if "Volume" not in candles or len(candles) == 0:
        return 0.0
    volume = candles["Volume"].to_numpy(dtype="float64")
    return float(np.nan_to_num(volume, nan=0.0, posinf=0.0, neginf=0.0).max())


def format_volume(value: float) -> str:
    """``value`` in at most four significant characters and a unit.

    >>> [format_volume(v) for v in (7267451.9, 950, 12.34, 0.5, 15_300, 2.5e9, 999_960)]
    ['7.3M', '950', '12.3', '0.5', '15.3K', '2.5B', '1M']
    """
    for size, unit in _UNITS:
        if abs(value) >= size * 0.99995:
            return f"{_short(value / size)}{unit}"
    return _short(value)


def _short(value: float) -> str:
    text = f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    return text.removesuffix(".0")
