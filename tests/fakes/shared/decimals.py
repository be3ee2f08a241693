"""Decimal helpers of the fake exchanges: amounts are exact ``Decimal`` everywhere."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["ZERO", "decimal_places", "to_decimal"]

ZERO = Decimal(0)


def to_decimal(value: Decimal | str | float | int) -> Decimal:
    """Exact Decimal of a value (floats go through ``str`` so 0.55 stays 0.55)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def decimal_places(value: Decimal) -> int:
    """How many decimals ``value`` needs (0 for a whole number): ``0.010`` has 2."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
