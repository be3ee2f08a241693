"""The errors :mod:`charts` raises on purpose.

Every message is short and written for the person reading the approval message, for example
``chart timed out after 10 s`` or ``no candles for XRP/USDT:USDT 5m``. Callers that only want
to go on without a chart catch :class:`ChartError`.
"""

from __future__ import annotations

__all__ = ["ChartError", "ChartTimeout", "NoCandles"]


class ChartError(Exception):
    """A chart could not be drawn; the approval can still go out without it."""


class NoCandles(ChartError):
    """There is nothing to draw: the exchange returned no candles, or they were all empty."""


class ChartTimeout(ChartError):
    """A render took longer than the renderer's timeout; its worker was replaced."""
