"""Binance's acceptance rules for a new order, regular or conditional (trailing stops too)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .errors import fail
from .markets import MarketSpec
from .models import ALGO_TYPES, TRAILING, ZERO, OrderRequest, fires_below

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["check_algo_order", "check_order"]

_MIN_CALLBACK, _MAX_CALLBACK = Decimal("0.1"), Decimal("10")


def check_order(engine: Engine, m: MarketSpec, r: OrderRequest) -> tuple[Decimal, bool]:
    """Refuse the regular order ``r`` as Binance would, else return its limit price (0 for a
    market order) and whether it is marketable (a limit that crosses the last price).
    """
    side, type, quantity, price = r.side, r.type, r.quantity, r.price
    time_in_force, reduce_only = r.time_in_force, bool(r.reduce_only)
    if side not in ("BUY", "SELL"):
        raise fail(-1117)
    if type in ALGO_TYPES:
        raise fail(-4120)
    if type not in ("LIMIT", "MARKET"):
        raise fail(-1116)
    if quantity is None:
        raise fail(-1102, "quantity")
    m.check_qty(quantity, market_order=type == "MARKET")
    last = engine.last_price[m.symbol]
    limit_price = ZERO
    if type == "LIMIT":
        if price is None or time_in_force is None:
            raise fail(-1102, "price" if price is None else "timeInForce")
        if time_in_force not in ("GTC", "IOC", "FOK", "GTX", "GTD"):
            raise fail(-1115)
        m.check_price(price)
        if side == "BUY" and price > last * m.multiplier_up:
            raise fail(-4016, (last * m.multiplier_up).quantize(m.tick_size))
        if side == "SELL" and price < last * m.multiplier_down:
            raise fail(-4024, (last * m.multiplier_down).quantize(m.tick_size))
        limit_price = price
    if r.client_id is not None:
        engine._check_client_id(r.client_id, m.symbol, algo=False)
    if reduce_only and not engine._reducible(m.symbol, side):
        raise fail(-2022)
    if not reduce_only:
        if quantity * (limit_price or last) < m.min_notional:
            raise fail(-4164, m.min_notional)
        engine._check_margin(m, side, quantity, limit_price or last)
    marketable = type == "LIMIT" and (limit_price >= last if side == "BUY" else limit_price <= last)
    if time_in_force == "GTX" and marketable:
        raise fail(-5022)
    if time_in_force == "FOK" and type == "LIMIT" and not marketable:
        raise fail(-5021)
    return limit_price, marketable


def check_algo_order(engine: Engine, m: MarketSpec, r: OrderRequest) -> Decimal:
    """Refuse ``r`` as Binance would, else return the trigger price to store.

    A trailing stop stores its activation price (0 without one) as trigger price.
    """
    if r.algo_type != "CONDITIONAL":
        raise fail(-1130, "algoType")
    if r.side not in ("BUY", "SELL"):
        raise fail(-1117)
    if r.type not in ALGO_TYPES:
        raise fail(-1116)
    trailing = r.type == TRAILING
    last = engine.last_price[m.symbol]
    if trailing:
        trigger_price = _check_trailing(m, r, last)
    else:
        if r.trigger_price is None:
            raise fail(-1102, "triggerPrice")
        m.check_price(r.trigger_price)
        trigger_price = r.trigger_price
    is_limit = r.type in ("STOP", "TAKE_PROFIT")
    if is_limit:
        if r.price is None:
            raise fail(-1102, "price")
        m.check_price(r.price)
    if r.close_position:
        if is_limit or trailing:
            raise fail(-4136, r.type)
        if r.reduce_only is not None:
            raise fail(-1106, "reduceOnly")
        if r.quantity is not None:
            raise fail(-1106, "quantity")
    else:
        if r.quantity is None:
            raise fail(-1102, "quantity")
        m.check_qty(r.quantity, market_order=not is_limit)
        ref = r.price if is_limit and r.price is not None else (trigger_price or last)
        if not r.reduce_only and r.quantity * ref < m.min_notional:
            raise fail(-4164, m.min_notional)
    if r.client_id is not None:
        engine._check_client_id(r.client_id, m.symbol, algo=True)
    if len(engine.open_algo_orders(m.symbol)) >= m.max_num_algo_orders:
        raise fail(-4045)
    below = fires_below(r.side, r.type)
    if not trailing and ((last <= trigger_price) if below else (last >= trigger_price)):
        raise fail(-2021)
    return trigger_price


def _check_trailing(m: MarketSpec, r: OrderRequest, last: Decimal) -> Decimal:
    """callbackRate 0.1–10 (percent); an activation price not yet reached, on the tick grid."""
    if r.callback_rate is None:
        raise fail(-1102, "callbackRate")
    if not _MIN_CALLBACK <= r.callback_rate <= _MAX_CALLBACK:
        raise fail(-1130, "callbackRate")
    if r.activate_price is None:
        return ZERO
    m.check_price(r.activate_price)
    sell = r.side == "SELL"  # a sell trailing stop activates on the way up, a buy one down
    if (r.activate_price <= last) if sell else (r.activate_price >= last):
        raise fail(-2021)
    return r.activate_price
