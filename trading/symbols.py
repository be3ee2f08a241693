"""Mapping TradingView tickers to the exchange's unified symbols."""

from __future__ import annotations

from collections.abc import Mapping

from trading.errors import UnknownSymbol
from trading.markets import Market

__all__ = ["resolve_symbol", "symbol_choices"]

_QUOTES = ("USDT", "USDC", "BUSD", "FDUSD", "USD", "BTC", "ETH")
_SUFFIXES = (".PERP", "-PERP", "_PERP", "PERP", ".PS", ".P")  # longest first


def _normalise(ticker: str, *, strip_suffix: bool = True) -> str:
    text = ticker.strip().upper()
    if ":" in text and "/" not in text:
        text = text.split(":", 1)[1]  # BINANCE:BTCUSDTPERP -> BTCUSDTPERP
    for suffix in _SUFFIXES if strip_suffix else ():
        if text.endswith(suffix) and len(text) > len(suffix) + 2:
            return text[: -len(suffix)]
    return text


def _rank(market: Market) -> tuple[int, int, int]:
    """Prefer active linear perpetuals settled in the quote currency."""
    return (
        0 if market.active else 1,
        0 if market.swap and market.linear else 1,
        0 if market.settle_currency == market.quote else 1,
    )


def resolve_symbol(ticker: str, markets: Mapping[str, Market], exchange: str = "") -> Market:
    """The market a TradingView ticker (or unified symbol) stands for.

    ``BTCUSDT``, ``BTCUSDT.P``, ``BINANCE:BTCUSDTPERP`` and ``BTC/USDT:USDT`` all resolve to
    the BTC/USDT linear perpetual when the exchange has one.

    Raises
    ------
    UnknownSymbol
        When nothing matches; the message names the ticker.
    """
    if ticker in markets:
        return markets[ticker]
    wanted = _normalise(ticker)
    if wanted in markets:
        return markets[wanted]
    ids = {wanted, _normalise(ticker, strip_suffix=False)}  # an id may end in PERP itself
    candidates = [
        m for m in markets.values() if m.id.upper() in ids or (m.base + m.quote).upper() == wanted
    ]
    if not candidates:
        for quote in _QUOTES:
            if wanted.endswith(quote) and len(wanted) > len(quote):
                base = wanted[: -len(quote)]
                candidates = [m for m in markets.values() if (m.base, m.quote) == (base, quote)]
                break
    if not candidates:
        where = f" on {exchange}" if exchange else ""
        raise UnknownSymbol(f"no market for ticker {ticker.strip()[:40]!r}{where}")
    return min(candidates, key=_rank)


def symbol_choices(markets: Mapping[str, Market], typed: str, limit: int = 25) -> list[str]:
    """Unified symbols matching what a user typed so far (for autocomplete)."""
    wanted = _normalise(typed) if typed.strip() else ""
    found = [
        m
        for m in markets.values()
        if m.active and (not wanted or wanted in m.id.upper() or wanted in m.symbol.upper())
    ]
    found.sort(key=lambda m: (_rank(m), not m.id.upper().startswith(wanted), m.symbol))
    return [m.symbol for m in found[:limit]]
