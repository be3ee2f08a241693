"""What each take-profit of a plan gets: its R multiple and its share of the position.

The same rules as the trading plan (``trading.plan``), which :mod:`charts` does not import:
a take-profit without a share gets an equal part of what the given shares leave, and the
last one takes whatever remains, so the shares add up to 100%.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

__all__ = ["r_multiple", "tp_shares"]

HUNDRED = Decimal(100)


def r_multiple(price: Decimal, entry: Decimal, stop: Decimal) -> Decimal | None:
    """``|price - entry| / |entry - stop|``, or None when the entry is the stop (no risk).

    >>> r_multiple(Decimal("1.13"), Decimal("1.0707"), Decimal("1.06"))
    Decimal('5.542056074766355140186915888')
    """
    risk = abs(entry - stop)
    if risk == 0:
        return None
    return abs(price - entry) / risk


def tp_shares(given: Sequence[Decimal | None]) -> list[Decimal]:
    """The share (percent) each take-profit closes, from the shares given (None: not given).

    >>> tp_shares([Decimal(30), None])
    [Decimal('30'), Decimal('70')]
    >>> shares = tp_shares([None, None, None])
    >>> [round(share, 2) for share in shares], sum(shares) == 100
    ([Decimal('33.33'), Decimal('33.33'), Decimal('33.33')], True)

    A share can come out at zero or below when the given ones reach 100%: the trading plan
    refuses such a ladder, and the chart leaves the share out of the label.
    """
    total = sum((share for share in given if share is not None), Decimal(0))
    missing = sum(1 for share in given if share is None)
    fair = (HUNDRED - total) / missing if missing else Decimal(0)
    shares = [share if share is not None else fair for share in given]
    if shares:
        shares[-1] = HUNDRED - sum(shares[:-1], Decimal(0))  # the last takes what remains
    return shares
