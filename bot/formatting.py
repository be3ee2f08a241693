"""Numbers as traders read them: prices on the market's tick, money with two decimals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

__all__ = ["money", "pct", "price", "qty", "signed_money", "timestamp"]


def _decimals(step: Decimal | None) -> int:
    if step is None or step <= 0:
        return 4
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 4


def price(value: Decimal | str | None, tick: Decimal | None = None) -> str:
    """A price with the tick's number of decimals (``1.0700``)."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{_decimals(tick)}f}"


def qty(value: Decimal | str | None, step: Decimal | None = None) -> str:
    """A size with the amount step's number of decimals (``9,345.7``)."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{_decimals(step)}f}"


def money(value: Decimal | str | None, currency: str = "") -> str:
    """An amount of money, two decimals (``1,234.56 USDT``)."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.2f}"
    return f"{text} {currency}".strip()


def signed_money(value: Decimal | str | None, currency: str = "") -> str:
    """Money with its sign (``+12.30 USDT``, ``−4.10 USDT``)."""
    if value is None:
        return "—"
    number = Decimal(value)
    sign = "+" if number > 0 else ("−" if number < 0 else "")
    return f"{sign}{money(abs(number), currency)}"


def pct(value: Decimal | str | None, places: int = 2) -> str:
    """A percentage (``1.25 %``)."""
    if value is None:
        return "—"
    return f"{Decimal(value):.{places}f} %"


def timestamp(moment: datetime | None, style: str = "R") -> str:
    """A Discord timestamp that each reader sees in their own time zone."""
    if moment is None:
        return "—"
    return f"<t:{int(moment.timestamp())}:{style}>"
