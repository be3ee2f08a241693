"""What both fake matching engines do alike: walk the price, and book a fill on a position.

Both engines keep one-way positions (signed size, average entry price) and fire resting
orders as the last price moves through them. How an order fires (Binance places a separate
order for an algo order, Bybit fills the conditional order itself) stays in each engine;
:class:`PriceWalk` only finds which order the price reaches next and in what order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from .decimals import ZERO, to_decimal

__all__ = ["Level", "PositionFill", "PriceWalk", "position_fill", "reducible"]

ItemT = TypeVar("ItemT")
Level = tuple[Decimal, bool, int, ItemT]
"""``(price, fires when the price falls to it, seq, order)``: where an order is reached."""


def reducible(size: Decimal, *, selling: bool) -> Decimal:
    """How much an order can reduce a position of ``size`` (0 when flat or on its side)."""
    return abs(size) if (size > 0 and selling) or (size < 0 and not selling) else ZERO


@dataclass(frozen=True)
class PositionFill:
    """A one-way position after a fill: its new entry price, the PnL realised, size closed."""

    entry_price: Decimal
    realized: Decimal
    closed: Decimal


def position_fill(size: Decimal, entry: Decimal, signed: Decimal, price: Decimal) -> PositionFill:
    """Fill ``signed`` (buy > 0) at ``price`` on a position of ``size`` entered at ``entry``.

    Adding averages the entry price (VWAP); reducing realises PnL on the part closed; a fill
    past the position flips it, the rest opening at ``price``; closing it all zeroes the entry.
    """
    qty = abs(signed)
    if size == 0 or (size > 0) == (signed > 0):
        return PositionFill((abs(size) * entry + qty * price) / (abs(size) + qty), ZERO, ZERO)
    closed = min(abs(size), qty)
    realized = (price - entry) * closed * (1 if size > 0 else -1)
    if qty > abs(size):
        entry = price
    elif qty == abs(size):
        entry = ZERO
    return PositionFill(entry, realized, closed)


class PriceWalk(Generic[ItemT]):
    """Price moves of an engine: jumps (:meth:`set_price`) and candles (:meth:`play_candle`).

    The engine says where its open orders are reached (:meth:`_levels`) and what happens
    when one is (:meth:`_reach`); the walk visits them in the order the price meets them.
    """

    last_price: dict[str, Decimal]
    high_price: dict[str, Decimal]
    low_price: dict[str, Decimal]

    def market(self, symbol: str | None) -> Any:  # the engine's: refuses an unknown symbol
        raise NotImplementedError

    def _levels(self, symbol: str) -> list[Level[ItemT]]:
        """Where each open order of ``symbol`` that a price move can reach is reached."""
        raise NotImplementedError

    def _reach(self, item: ItemT, price: Decimal) -> None:
        """The price reached ``item``: a conditional order fires and fills at ``price``, a
        resting limit fills at its own price.
        """
        raise NotImplementedError

    def _moved(self, symbol: str, low: Decimal, high: Decimal) -> None:
        """After a move that traded between ``low`` and ``high`` (a hook; nothing by default)."""

    def set_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Jump the last (and mark) price; triggered orders fill at the new price (a gap)."""
        self.market(symbol)
        self._move(symbol, to_decimal(price), continuous=False)

    def play_candle(self, symbol: str, *ohlc: Decimal | str | float) -> None:
        """Jump to the open, then trade through open→low→high→close (bullish) or
        open→high→low→close (bearish); triggers inside the walk fill at their trigger price.
        """
        self.market(symbol)
        o, h, lo, c = (to_decimal(x) for x in ohlc)
        self._move(symbol, o, continuous=False)
        for target in (lo, h, c) if c >= o else (h, lo, c):
            self._move(symbol, target, continuous=True)

    def _set_last(self, symbol: str, price: Decimal) -> None:
        if price <= 0:
            raise ValueError(f"price must be positive, got {price}")
        self.last_price[symbol] = price
        self.high_price[symbol] = max(self.high_price[symbol], price)
        self.low_price[symbol] = min(self.low_price[symbol], price)

    def _move(self, symbol: str, target: Decimal, *, continuous: bool) -> None:
        """Move the price to ``target``, firing every order reached on the way, in path order.

        A jump (not ``continuous``) fills triggered orders at ``target``; a continuous move
        stops at each trigger level and fills there. Resting limits always fill at their price.
        """
        start = current = self.last_price[symbol]
        if not continuous:
            self._set_last(symbol, target)
        for _ in range(100_000):  # every event finishes or fires an order: bounded in practice
            event = self._next_event(symbol, current if continuous else start, target, continuous)
            if event is None:
                break
            level, item = event
            if continuous:
                self._set_last(symbol, level)
                current = level
            self._reach(item, level if continuous else target)
        self._set_last(symbol, target)
        low, high = (min(start, target), max(start, target)) if continuous else (target, target)
        self._moved(symbol, low, high)

    def _next_event(
        self, symbol: str, start: Decimal, target: Decimal, continuous: bool
    ) -> tuple[Decimal, ItemT] | None:
        """The first order reached going from ``start`` to ``target`` (ties: oldest first)."""
        down = target < start
        reached = [
            (level, seq, item)
            for level, below, seq, item in self._levels(symbol)
            if (below and level >= target and (not continuous or (down and level <= start)))
            or (not below and level <= target and (not continuous or (not down and level >= start)))
        ]
        if not reached:
            return None
        level, _, item = min(reached, key=lambda r: ((-r[0] if down else r[0]), r[1]))
        return level, item
