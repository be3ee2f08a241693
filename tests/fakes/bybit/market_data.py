"""Public market data of the fake Bybit: server time, instruments, tickers and candles."""

from __future__ import annotations

import time
from typing import Any

from ..shared.klines import KlineStore
from .engine import Engine
from .markets import INTERVALS, MARKETS, fail, instrument_info
from .params import Params, integer, limit, text
from .shapes import ticker_json

__all__ = ["instruments", "klines_json", "server_time", "tickers"]


def server_time() -> dict[str, Any]:
    """The result of ``GET /v5/market/time``."""
    nanos = time.time_ns()
    return {"timeSecond": str(nanos // 10**9), "timeNano": str(nanos)}


def instruments(p: Params) -> dict[str, Any]:
    """The result of ``GET /v5/market/instruments-info``: the linear contracts trading."""
    category = text(p, "category") or ""
    symbol = text(p, "symbol")
    rows = []
    if category == "linear" and p.get("status") in (None, "Trading"):
        rows = [instrument_info(m) for s, m in MARKETS.items() if symbol in (None, s)]
    return {"category": category, "list": rows, "nextPageCursor": ""}


def tickers(e: Engine, p: Params) -> dict[str, Any]:
    """The result of ``GET /v5/market/tickers`` (linear only; other categories are empty)."""
    category = text(p, "category") or ""
    symbol = text(p, "symbol")
    if category != "linear":
        return {"category": category, "list": []}
    if symbol is not None:
        e.market(symbol)
    rows = [ticker_json(e, s) for s in MARKETS if symbol in (None, s)]
    return {"category": category, "list": rows}


def klines_json(e: Engine, klines: KlineStore, p: Params) -> dict[str, Any]:
    """The result of ``GET /v5/market/kline``: loaded candles (resampled when coarser), newest
    first.
    """
    category = text(p, "category") or "linear"
    m = e.market(text(p, "symbol"))
    interval = text(p, "interval") or ""
    if interval not in INTERVALS:
        raise fail(10001, "params error: Invalid period!")
    start, end = integer(p, "start"), integer(p, "end")
    count = limit(p, 200, 1000)
    rows = (
        [] if category != "linear" else klines.get(m.symbol, INTERVALS[interval], start, end, count)
    )
    out = [
        [str(t), str(o), str(h), str(lo), str(c), str(v), str(v * c)] for t, o, h, lo, c, v in rows
    ]
    return {"symbol": m.symbol, "category": category, "list": out[::-1]}
