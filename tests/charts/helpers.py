"""Render functions for ChartRenderer tests; module level so that workers can import them."""

from __future__ import annotations

import os
import time
from typing import Any

import pandas as pd

from charts.spec import ChartSpec


def hang(candles: pd.DataFrame, spec: ChartSpec, **_: Any) -> bytes:
    """A render that never ends (until its worker is killed)."""
    time.sleep(3600)
    return b""


def explode(candles: pd.DataFrame, spec: ChartSpec, **_: Any) -> bytes:
    """A render that fails with an error the pool has never heard of."""
    raise ValueError(f"boom for {spec.symbol}")


def die(candles: pd.DataFrame, spec: ChartSpec, **_: Any) -> bytes:
    """A render whose worker process dies on the spot."""
    os._exit(3)


def by_symbol(candles: pd.DataFrame, spec: ChartSpec, **kwargs: Any) -> bytes:
    """Dispatch on the symbol, so that one pool can be made to hang, fail, or draw."""
    action = {"HANG": hang, "BOOM": explode, "DIE": die}.get(spec.symbol)
    if action is not None:
        return action(candles, spec, **kwargs)
    from charts.render import render_chart

    return render_chart(candles, spec, **kwargs)
