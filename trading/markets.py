"""A market as Greenlight needs it: precision, limits and contract size, in ``Decimal``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["Market", "market_from_ccxt"]

# ccxt's precision modes (ccxt.base.decimal_to_precision)
_DECIMAL_PLACES = 2
_SIGNIFICANT_DIGITS = 3
_TICK_SIZE = 4


@dataclass(frozen=True, slots=True)
class Market:
    """One tradable market of the exchange.

    Amounts are in the exchange's order units (contracts); ``contract_size`` converts them to
    base currency (1 for Binance and Bybit linear perpetuals).
    """

    symbol: str
    id: str
    base: str
    quote: str
    settle: str | None
    amount_step: Decimal
    price_step: Decimal
    contract_size: Decimal = Decimal(1)
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_cost: Decimal | None = None
    swap: bool = True
    linear: bool = True
    active: bool = True
    taker_fee: Decimal | None = None
    maker_fee: Decimal | None = None

    @property
    def settle_currency(self) -> str:
        """The currency margin and PnL are counted in."""
        return self.settle or self.quote


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


def _step(value: Any, precision_mode: int) -> Decimal:
    number = _decimal(value)
    if number is None:
        raise ValueError("market without precision")
    if precision_mode == _TICK_SIZE:
        return number
    if precision_mode in (_DECIMAL_PLACES, _SIGNIFICANT_DIGITS):
        return Decimal(1).scaleb(-int(number))
    raise ValueError(f"unknown precision mode {precision_mode}")


def market_from_ccxt(raw: Mapping[str, Any], precision_mode: int) -> Market:
    """Build a :class:`Market` from a ccxt market structure."""
    precision = raw.get("precision") or {}
    limits = raw.get("limits") or {}
    amount_limits = limits.get("amount") or {}
    cost_limits = limits.get("cost") or {}
    return Market(
        symbol=raw["symbol"],
        id=str(raw["id"]),
        base=raw["base"],
        quote=raw["quote"],
        settle=raw.get("settle"),
        amount_step=_step(precision.get("amount"), precision_mode),
        price_step=_step(precision.get("price"), precision_mode),
        contract_size=_decimal(raw.get("contractSize")) or Decimal(1),
        min_amount=_decimal(amount_limits.get("min")),
        max_amount=_decimal(amount_limits.get("max")),
        min_cost=_decimal(cost_limits.get("min")),
        swap=bool(raw.get("swap")),
        linear=raw.get("linear") is not False,
        active=raw.get("active") is not False,
        taker_fee=_decimal(raw.get("taker")),
        maker_fee=_decimal(raw.get("maker")),
    )
