"""The chart of a trade: candles from the exchange, levels from the plan, drawn off the loop."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from bot.services import Services
from charts.errors import ChartError
from charts.spec import ChartSpec, TakeProfitLine
from charts.timeframes import tv_interval_to_timeframe
from trading.errors import GreenlightError
from trading.markets import Market
from trading.plan import TradePlan

__all__ = [
    "DEFAULT_TIMEFRAME",
    "chart_spec",
    "parse_timeframe",
    "render_trade_chart",
    "timeframe_of",
]

_log = logging.getLogger(__name__)
DEFAULT_TIMEFRAME = "15m"
_FALLBACK_TICK = Decimal("0.0001")


def timeframe_of(interval: str | None) -> str:
    """The ccxt timeframe for a TradingView ``{{interval}}`` (15m when unknown)."""
    if not interval:
        return DEFAULT_TIMEFRAME
    try:
        return tv_interval_to_timeframe(interval)
    except ValueError:
        return DEFAULT_TIMEFRAME


_CCXT_TIMEFRAMES = {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w"}


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


async def render_trade_chart(
    services: Services, spec: ChartSpec, *, bars: int = 120
) -> tuple[bytes | None, str | None]:
    """The PNG of ``spec``, or ``None`` and a short note saying why there is none."""
    try:
        candles = await services.candles.get(spec.symbol, spec.timeframe, bars)
        return await services.charts.render(candles, spec), None
    except ChartError as exc:
        _log.warning("no chart for %s: %s", spec.symbol, exc)
        return None, f"No chart: {exc}"
    except GreenlightError as exc:
        _log.warning("no candles for %s: %s", spec.symbol, exc)
        return None, f"No chart: the exchange gave no candles ({exc})"
