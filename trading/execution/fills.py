"""Fill arithmetic: what an order update added, average entry, realised PnL. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading.alerts import Side
from trading.exchange.base import ExchangeOrder
from trading.markets import Market
from trading.orders import OrderKind, OrderRecord

__all__ = ["FillDelta", "average_price", "fill_delta", "realized_pnl"]

#: used when the market reports no fee rates
DEFAULT_TAKER = Decimal("0.0005")
DEFAULT_MAKER = Decimal("0.0002")


@dataclass(frozen=True, slots=True)
class FillDelta:
    """The part of an order filled since we last looked."""

    amount: Decimal
    price: Decimal
    fee: Decimal


def fill_delta(record: OrderRecord, update: ExchangeOrder, market: Market) -> FillDelta | None:
    """What ``update`` filled beyond what ``record`` already holds, or ``None``.

    The price is the average of the new part, from the two cumulative averages. The fee is
    the exchange's when it reports one, else the market's rate (maker for resting limits).
    """
    amount = update.filled - record.filled
    if amount <= 0:
        return None
    average = update.average or update.price or update.trigger_price
    if average is None:
        raise ValueError(f"order {update.id} filled without a price")
    if record.filled > 0 and record.average is not None:
        price = (average * update.filled - record.average * record.filled) / amount
    else:
        price = average
    if update.fee is not None:
        fee = max(update.fee - record.fee, Decimal(0))
    else:
        maker = update.kind is OrderKind.LIMIT
        rate = (market.maker_fee if maker else market.taker_fee) or (
            DEFAULT_MAKER if maker else DEFAULT_TAKER
        )
        fee = amount * market.contract_size * price * rate
    return FillDelta(amount, price, fee)


def average_price(
    old_amount: Decimal, old_price: Decimal | None, amount: Decimal, price: Decimal
) -> Decimal:
    """Volume-weighted average after adding ``amount`` at ``price``."""
    if old_amount <= 0 or old_price is None:
        return price
    return (old_amount * old_price + amount * price) / (old_amount + amount)


def realized_pnl(
    side: Side, entry: Decimal, exit_price: Decimal, amount: Decimal, contract_size: Decimal
) -> Decimal:
    """Gross PnL of closing ``amount`` of a ``side`` position entered at ``entry``."""
    return side.sign * (exit_price - entry) * amount * contract_size
