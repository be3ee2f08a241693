"""Rounding prices and sizes to a market's precision, always toward the safe side.

Pure functions on ``Decimal``. Which way is safe depends on the level:

==================  ============  ============
level               long          short
==================  ============  ============
stop                up            down          (closer to entry: never more risk)
take-profit         down          up            (closer to entry: more likely to fill)
limit entry         down          up            (never pay more than asked)
breakeven stop      up            down          (covers the fees at least)
size                down          down          (never more than the risk allows)
==================  ============  ============
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from trading.alerts import Side
from trading.markets import Market

__all__ = [
    "format_decimal",
    "round_amount",
    "round_breakeven",
    "round_limit_entry",
    "round_price",
    "round_step",
    "round_stop",
    "round_take_profit",
]


def round_step(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """``value`` as a whole multiple of ``step``, written with ``step``'s decimals."""
    if step <= 0:
        raise ValueError("step must be positive")
    units = (value / step).to_integral_value(rounding=rounding)
    result = units * step
    exponent = step.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        return result.quantize(Decimal(1).scaleb(exponent))
    return result.quantize(Decimal(1))


def round_amount(amount: Decimal, market: Market) -> Decimal:
    """A size rounded down to the amount step."""
    return round_step(amount, market.amount_step, ROUND_FLOOR)


def round_price(price: Decimal, market: Market, *, up: bool | None = None) -> Decimal:
    """A price on the tick: up, down, or nearest when ``up`` is ``None``."""
    rounding = ROUND_HALF_EVEN if up is None else (ROUND_CEILING if up else ROUND_FLOOR)
    return round_step(price, market.price_step, rounding)


def round_stop(price: Decimal, side: Side, market: Market) -> Decimal:
    """A stop for a trade entered on ``side``: toward the entry."""
    return round_price(price, market, up=side.is_long)


def round_take_profit(price: Decimal, side: Side, market: Market) -> Decimal:
    """A take-profit for a trade entered on ``side``: toward the entry."""
    return round_price(price, market, up=not side.is_long)


def round_limit_entry(price: Decimal, side: Side, market: Market) -> Decimal:
    """A limit entry price: never worse than the alert asked."""
    return round_price(price, market, up=not side.is_long)


def round_breakeven(price: Decimal, side: Side, market: Market) -> Decimal:
    """A breakeven stop: away from the entry, so the fees stay covered."""
    return round_price(price, market, up=side.is_long)


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent, as exchanges want it (``1E+1`` → ``10``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
