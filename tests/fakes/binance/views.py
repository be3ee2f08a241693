"""The fake Binance seen through the exchange-agnostic contract of ``tests/fakes/exchange.py``:
orders as :class:`RestingOrder`, and the stops the protection ledger counts.
"""

from __future__ import annotations

from decimal import Decimal

from ..exchange import RestingOrder
from ..shared.ledger import Stop
from .engine import Engine
from .markets import MARKETS
from .models import AlgoOrder, Order

__all__ = ["OrderList", "contract_orders", "stops"]

_ALGO_KINDS = {
    "STOP_MARKET": "stop_market",
    "TAKE_PROFIT_MARKET": "take_profit_market",
    "STOP": "stop_limit",
    "TAKE_PROFIT": "take_profit_limit",
    "TRAILING_STOP_MARKET": "trailing_stop_market",
}


def _regular(o: Order) -> RestingOrder:
    return RestingOrder(
        client_id=o.client_order_id,
        side=o.side.lower(),
        kind=o.type.lower(),
        amount=o.quantity,
        price=o.price if o.type == "LIMIT" else None,
        trigger_price=None,
        reduce_only=o.reduce_only,
        status=o.status,
        filled=o.executed_qty,
    )


def _conditional(a: AlgoOrder) -> RestingOrder:
    """A conditional order; a close-position one has no amount (0), a trailing stop's trigger
    is its live stop level once activated, its activation price before.
    """
    trigger: Decimal | None = a.trigger_price or None
    if a.is_trailing:
        trigger = a.trailing_level(MARKETS[a.symbol].tick_size) or a.activate_price
    return RestingOrder(
        client_id=a.client_algo_id,
        side=a.side.lower(),
        kind=_ALGO_KINDS[a.order_type],
        amount=a.quantity,
        price=a.price or None,
        trigger_price=trigger,
        reduce_only=a.reduce_only or a.close_position,
        status=a.status,
        filled=a.actual_qty,
    )


def contract_orders(e: Engine, symbol: str | None, *, waiting: bool) -> list[RestingOrder]:
    """Orders oldest first: all of them, or only those still ``waiting``.

    The actual order a conditional order places when it fires is not listed on its own (the
    conditional order's ``filled`` reports it), except a triggered stop-limit's resting limit.
    """
    mine = [x for x in [*e.orders, *e.algo_orders] if symbol in (None, x.symbol)]
    mine.sort(key=lambda x: x.seq)
    out = []
    for x in mine:
        if isinstance(x, AlgoOrder):
            if not waiting or x.is_open:
                out.append(_conditional(x))
        elif waiting:
            if x.is_open and x.type == "LIMIT":
                out.append(_regular(x))
        elif x.algo_id is None:
            out.append(_regular(x))
    return out


class OrderList(list[Order]):
    """``fake.orders``: the list of regular orders it always was, and, called, the contract's
    :meth:`FakeExchange.orders` (``fake.orders("XRPUSDT")``).
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine.orders)
        self._engine = engine

    def __call__(self, symbol: str | None = None) -> list[RestingOrder]:
        return contract_orders(self._engine, symbol, waiting=False)


def _is_stop(a: AlgoOrder) -> bool:
    """A stop that closes at market once reached: stop-market, or a trailing stop once active."""
    return a.order_type == "STOP_MARKET" or (a.is_trailing and a.activated)


def stops(e: Engine, symbol: str) -> list[Stop]:
    """The ledger's resting stops: open reduce-only (or close-position, closing it all)
    stop-market algo orders and active trailing stops.
    """
    return [
        (a.side.lower(), None if a.close_position else a.quantity)
        for a in e.open_algo_orders(symbol)
        if (a.reduce_only or a.close_position) and _is_stop(a)
    ]
