"""Public market data of the fake Binance: candles, 24h tickers, prices and the premium index."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..shared.klines import INTERVALS_MS, KlineStore
from . import shapes
from .engine import Engine
from .errors import fail
from .params import Params, integer, now_ms, required

__all__ = ["klines_json", "premium_json", "price_json", "ticker_json"]


def klines_json(e: Engine, klines: KlineStore, p: Params) -> list[list[Any]]:
    """The body of ``GET /fapi/v1/klines``: loaded candles (resampled when coarser)."""
    m = e.market(required(p, "symbol"))
    interval = required(p, "interval")
    if interval not in INTERVALS_MS:
        raise fail(-1120)
    start, end = integer(p, "startTime"), integer(p, "endTime")
    if start is not None and end is not None and start > end:
        raise fail(-1023)
    limit = min(integer(p, "limit") or 500, 1500)
    step = INTERVALS_MS[interval]
    return [
        [
            t,
            str(o),
            str(h),
            str(lo),
            str(c),
            str(v),
            t + step - 1,
            shapes.fmt(v * c, m.price_precision),
            0,
            "0",
            "0",
            "0",
        ]
        for t, o, h, lo, c, v in klines.get(m.symbol, interval, start, end, limit)
    ]


def ticker_json(e: Engine, symbol: str) -> dict[str, Any]:
    """One symbol of ``GET /fapi/v1/ticker/24hr``: statistics since the fake started."""
    trades = [t for t in e.trades if t.symbol == symbol]
    volume = sum((t.qty for t in trades), Decimal(0))
    quote = sum((t.quote_qty for t in trades), Decimal(0))
    last, first = e.last_price[symbol], e.open_price[symbol]
    return {
        "symbol": symbol,
        "priceChange": shapes.px(symbol, last - first),
        "priceChangePercent": shapes.fmt((last - first) / first * 100, 3),
        "weightedAvgPrice": shapes.px(symbol, quote / volume if volume else last),
        "lastPrice": shapes.px(symbol, last),
        "lastQty": shapes.qty(symbol, trades[-1].qty if trades else Decimal(0)),
        "openPrice": shapes.px(symbol, first),
        "highPrice": shapes.px(symbol, e.high_price[symbol]),
        "lowPrice": shapes.px(symbol, e.low_price[symbol]),
        "volume": shapes.qty(symbol, volume),
        "quoteVolume": shapes.f8(quote),
        "openTime": e.start_time,
        "closeTime": now_ms(),
        "firstId": trades[0].trade_id if trades else -1,
        "lastId": trades[-1].trade_id if trades else -1,
        "count": len(trades),
    }


def price_json(e: Engine, symbol: str) -> dict[str, Any]:
    """One symbol of ``GET /fapi/v1/ticker/price`` (and v2)."""
    price = shapes.px(symbol, e.last_price[symbol])
    return {"symbol": symbol, "price": price, "time": now_ms()}


def premium_json(e: Engine, symbol: str) -> dict[str, Any]:
    """One symbol of ``GET /fapi/v1/premiumIndex``: mark = index = last price."""
    mark, now = shapes.f8(e.last_price[symbol]), now_ms()
    return {
        "symbol": symbol,
        "markPrice": mark,
        "indexPrice": mark,
        "estimatedSettlePrice": mark,
        "lastFundingRate": shapes.f8(e.funding_rate[symbol]),
        "interestRate": "0.00010000",
        "nextFundingTime": (now // 28_800_000 + 1) * 28_800_000,
        "time": now,
    }
