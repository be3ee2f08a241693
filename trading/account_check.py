"""Is the exchange account set up the way Greenlight trades? Position mode and margin mode.

Greenlight sends one-way orders (no ``positionSide``): an account in hedge mode refuses them,
so start-up stops with one line saying what to change. The margin mode is per symbol on some
exchanges: a symbol in the other mode than ``MARGIN_MODE`` is not offered, with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from trading.errors import ExchangeError, GreenlightError
from trading.exchange.base import Exchange
from trading.markets import Market

__all__ = ["AccountNotReady", "MarginCheck", "check_position_mode"]

_PREFERRED = ("BTC/USDT:USDT", "ETH/USDT:USDT")


class AccountNotReady(GreenlightError):
    """The exchange account is not set up as Greenlight needs; the message says what to do."""


def _probe_symbol(markets: Mapping[str, Market]) -> str | None:
    for symbol in _PREFERRED:
        if symbol in markets:
            return symbol
    linear = [m.symbol for m in markets.values() if m.swap and m.linear and m.active]
    return linear[0] if linear else next(iter(markets), None)


async def check_position_mode(exchange: Exchange, label: str) -> None:
    """Raise :class:`AccountNotReady` when the account is in hedge mode."""
    symbol = _probe_symbol(exchange.markets)
    if symbol is None:
        return
    if await exchange.hedge_mode(symbol):
        raise AccountNotReady(
            f"the {label} account is in hedge mode (two-sided positions): switch it to "
            "one-way mode in the exchange's position settings; Greenlight sends one-way orders"
        )


class MarginCheck:
    """Whether a symbol trades in the margin mode Greenlight is set for (cached a while)."""

    def __init__(self, exchange: Exchange, wanted: str, *, ttl_s: float = 300.0) -> None:
        self._exchange = exchange
        self._wanted = wanted
        self._ttl = ttl_s
        self._seen: dict[str, tuple[float, str | None]] = {}

    async def refusal(self, symbol: str) -> str | None:
        """Why ``symbol`` may not be traded now, or ``None``."""
        now = time.monotonic()
        cached = self._seen.get(symbol)
        if cached is None or now - cached[0] > self._ttl:
            try:
                mode = await self._exchange.margin_mode(symbol)
            except ExchangeError:
                return None  # unknown: the exchange will refuse the order if it must
            cached = (now, mode)
            self._seen[symbol] = cached
        mode = cached[1]
        if mode is None or mode == self._wanted:
            return None
        return (
            f"{symbol} is set to {mode} margin on {self._exchange.name} and MARGIN_MODE is "
            f"{self._wanted}: switch the symbol to {self._wanted} margin on the exchange "
            "(or set MARGIN_MODE)"
        )
