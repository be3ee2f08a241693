"""The chartist the desk draws with: candles from the exchange, levels from the plan.

Implements :class:`trading.charting.Chartist` with :mod:`charts` (rendered off the loop, in
the chart pool) and a candle cache that shares one fetch per symbol and timeframe.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from charts.candle_cache import CandleCache
from charts.errors import ChartError
from charts.pool import ChartRenderer
from charts.spec import ChartSpec, TakeProfitLine
from charts.timeframes import tv_interval_to_timeframe
from trading.charting import ChartImage
from trading.errors import GreenlightError
from trading.markets import Market
from trading.plan import TradePlan

__all__ = ["DEFAULT_TIMEFRAME", "TradeChartist", "chart_spec", "parse_timeframe", "timeframe_of"]

_log = logging.getLogger(__name__)
DEFAULT_TIMEFRAME = "15m"
_FALLBACK_TICK = Decimal("0.0001")
_CCXT_TIMEFRAMES = {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w"}

FetchCandles = Callable[[str, str, int], Awaitable[list[list[float]]]]


def timeframe_of(interval: str | None) -> str:
    """The ccxt timeframe for a TradingView ``{{interval}}`` (15m when unknown)."""
    if not interval:
        return DEFAULT_TIMEFRAME
    try:
        return tv_interval_to_timeframe(interval)
    except ValueError:
        return DEFAULT_TIMEFRAME


def parse_timeframe(text: str) -> str:
    """A timeframe typed by a person: ccxt's (``4h``) or TradingView's (``240``, ``1D``)."""
    value = text.strip()
    if value.lower() in _CCXT_TIMEFRAMES:
        return value.lower()
    return timeframe_of(value)


def chart_spec(
    plan: TradePlan, market: Market | None, *, mode: str, alert_time: datetime | None = None
) -> ChartSpec:
    """What to draw for ``plan``."""
    return ChartSpec(
        symbol=plan.symbol,
        timeframe=timeframe_of(plan.timeframe),
        side=plan.side.value,
        entry=plan.entry_price,
        stop=plan.stop_price,
        take_profits=tuple(
            TakeProfitLine(price=tp.price, r=tp.r, share_pct=tp.share_pct)
            for tp in plan.take_profits
        ),
        price_tick=market.price_step if market else _FALLBACK_TICK,
        strategy=plan.strategy,
        alert_time=alert_time,
        mode=mode.upper(),
    )


class TradeChartist:
    """Draws trade and symbol charts from the exchange's candles."""

    def __init__(self, renderer: ChartRenderer, fetch: FetchCandles, *, bars: int = 120) -> None:
        self._renderer = renderer
        self._candles = CandleCache(fetch)
        self._bars = bars

    async def plan_chart(
        self,
        plan: TradePlan,
        market: Market | None,
        *,
        mode: str,
        alert_time: datetime | None = None,
        timeframe: str | None = None,
    ) -> ChartImage:
        """The candles of ``plan``'s symbol with its entry, stop and take-profits."""
        spec = chart_spec(plan, market, mode=mode, alert_time=alert_time)
        if timeframe:
            spec = replace(spec, timeframe=parse_timeframe(timeframe))
        return await self._render(spec)

    async def symbol_chart(
        self, symbol: str, market: Market | None, *, mode: str, timeframe: str | None = None
    ) -> ChartImage:
        """The candles of ``symbol`` alone."""
        spec = ChartSpec(
            symbol=symbol,
            timeframe=parse_timeframe(timeframe) if timeframe else DEFAULT_TIMEFRAME,
            side="buy",
            price_tick=market.price_step if market else _FALLBACK_TICK,
            mode=mode.upper(),
        )
        return await self._render(spec)

    async def _render(self, spec: ChartSpec) -> ChartImage:
        try:
            candles = await self._candles.get(spec.symbol, spec.timeframe, self._bars)
            return ChartImage(await self._renderer.render(candles, spec))
        except ChartError as exc:
            _log.warning("no chart for %s: %s", spec.symbol, exc)
            return ChartImage(None, f"No chart: {exc}")
        except GreenlightError as exc:
            _log.warning("no candles for %s: %s", spec.symbol, exc)
            return ChartImage(None, f"No chart: the exchange gave no candles ({exc})")
