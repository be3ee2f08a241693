"""Which protective orders a trade should have right now. Pure: no I/O.

The stop always covers exactly the open size. While an exit is under way only the stop is
wanted. The take-profit ladder is split over what the entry filled by the planned shares;
rungs already taken are gone, and when the position was reduced by other means (a manual
close) the remaining rungs shrink to fit it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from trading.markets import Market
from trading.orders import STOP, OrderKind, OrderRecord, OrderStatus, tp_index, tp_leg
from trading.plan import ladder_amounts
from trading.trade import Trade

__all__ = ["DesiredOrder", "desired_protection", "taken_take_profits"]


@dataclass(frozen=True, slots=True)
class DesiredOrder:
    """A reduce-only order the trade should have on the exchange."""

    leg: str
    kind: OrderKind
    amount: Decimal
    trigger_price: Decimal

    def matches(self, order: OrderRecord) -> bool:
        """``order`` already is this order."""
        return (
            order.leg == self.leg
            and order.kind is self.kind
            and order.amount == self.amount
            and order.trigger_price == self.trigger_price
        )


def taken_take_profits(orders: Sequence[OrderRecord]) -> set[int]:
    """Indexes of take-profits that filled (by their order or by a ``tpN`` alert)."""
    return {
        index
        for order in orders
        if (index := tp_index(order.leg)) is not None
        and order.filled > 0
        and order.status is OrderStatus.FILLED
    }


def desired_protection(
    trade: Trade, orders: Sequence[OrderRecord], market: Market
) -> list[DesiredOrder]:
    """The stop and take-profits ``trade`` needs, given its orders so far."""
    remaining = trade.remaining
    if remaining <= 0 or trade.stop_price is None:
        return []
    wanted = [DesiredOrder(STOP, OrderKind.STOP_MARKET, remaining, trade.stop_price)]
    if trade.exiting:  # the take-profits an exit cancelled are not put back; the stop stays
        return wanted
    taken = taken_take_profits(orders)
    rungs = [tp for tp in trade.plan.take_profits if tp.index not in taken]
    if not rungs:
        return wanted
    full = ladder_amounts(trade.filled_qty, list(trade.plan.shares), market)
    amounts = [full[tp.index - 1] for tp in rungs]
    if sum(amounts, Decimal(0)) != remaining:
        amounts = ladder_amounts(remaining, [tp.share_pct for tp in rungs], market)
    carry = Decimal(0)
    for position, (tp, amount) in enumerate(zip(rungs, amounts, strict=True)):
        amount += carry
        carry = Decimal(0)
        last = position == len(rungs) - 1
        if not last and (amount <= 0 or (market.min_amount and amount < market.min_amount)):
            carry = amount  # too small to place: the next rung takes it
            continue
        if amount > 0 and not (market.min_amount and amount < market.min_amount):
            wanted.append(
                DesiredOrder(tp_leg(tp.index), OrderKind.TAKE_PROFIT_MARKET, amount, tp.price)
            )
    return wanted
