"""User-data stream payloads of the fake Binance USD-M exchange.

``ORDER_TRADE_UPDATE`` (an order's NEW, each TRADE, CANCELED, EXPIRED), ``ALGO_UPDATE`` (a
conditional order's status) and ``ACCOUNT_UPDATE`` (wallet and positions), shaped like
Binance's and built from the engine's state at the moment the change happens.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .engine import Engine
from .models import ZERO, AlgoOrder, EngineEvent, Order, Trade
from .shapes import f8, px, qty

__all__ = ["event_payload", "listen_key_expired"]

_FAILED = {"EXPIRED": "Reduce Only reject", "REJECTED": "Margin is insufficient."}


def event_payload(e: Engine, event: EngineEvent) -> dict[str, Any]:
    """The stream message announcing ``event``."""
    if event.kind == "order" and event.order is not None:
        body = _order(e, event.order, event.exec_type, event.trade, event.time)
        return {"e": "ORDER_TRADE_UPDATE", "E": event.time, "T": event.time, "o": body}
    if event.kind == "algo" and event.algo is not None:
        return {"e": "ALGO_UPDATE", "T": event.time, "E": event.time, "o": _algo(event.algo)}
    account = {"m": event.reason, "B": [_balance(e, event)], "P": _positions(e, event.symbols)}
    return {"e": "ACCOUNT_UPDATE", "E": event.time, "T": event.time, "a": account}


def listen_key_expired(listen_key: str, now: int) -> dict[str, Any]:
    """The last message of a stream whose listen key expired."""
    return {"e": "listenKeyExpired", "E": now, "listenKey": listen_key}


def _order(e: Engine, o: Order, exec_type: str, trade: Trade | None, now: int) -> dict[str, Any]:
    s = o.symbol
    bids = sum((x.remaining * x.price for x in e.open_orders(s) if x.side == "BUY"), ZERO)
    asks = sum((x.remaining * x.price for x in e.open_orders(s) if x.side == "SELL"), ZERO)
    body: dict[str, Any] = {
        "s": s,
        "c": o.client_order_id,
        "S": o.side,
        "o": o.type,
        "f": o.time_in_force,
        "q": qty(s, o.quantity),
        "p": px(s, o.price) if o.price else "0",
        "ap": f8(o.avg_price),
        "sp": "0",
        "x": exec_type,
        "X": o.status,
        "i": o.order_id,
        "l": qty(s, trade.qty if trade else ZERO),
        "z": qty(s, o.executed_qty),
        "L": px(s, trade.price) if trade else "0",
        "T": trade.time if trade else now,
        "t": trade.trade_id if trade else 0,
        "b": f8(bids),
        "a": f8(asks),
        "m": trade.maker if trade else False,
        "R": o.reduce_only,
        "wt": "CONTRACT_PRICE",
        "ot": o.type,
        "ps": "BOTH",
        "cp": o.close_position,
        "rp": f8(trade.realized_pnl if trade else ZERO),
        "pP": False,
        "si": 0,
        "ss": 0,
        "V": "EXPIRE_MAKER",
        "pm": "NONE",
        "gtd": 0,
    }
    if trade is not None:  # "will not push if no commission"
        body.update(N="USDT", n=f8(trade.commission))
    return body


def _algo(a: AlgoOrder) -> dict[str, Any]:
    s = a.symbol
    triggered = a.actual_order_id is not None
    body: dict[str, Any] = {
        "caid": a.client_algo_id,
        "aid": a.algo_id,
        "at": "CONDITIONAL",
        "o": a.order_type,
        "s": s,
        "S": a.side,
        "ps": "BOTH",
        "f": a.time_in_force,
        "q": qty(s, a.quantity),
        "X": a.status,
        "ai": str(a.actual_order_id) if triggered else "",
        "ap": px(s, a.actual_price),
        "aq": qty(s, a.actual_qty),
        "act": ("LIMIT" if a.price else "MARKET") if triggered else "0",
        "tp": px(s, a.trigger_price),
        "p": px(s, a.price),
        "V": "EXPIRE_MAKER",
        "wt": a.working_type,
        "pm": "NONE",
        "cp": a.close_position,
        "pP": False,
        "R": a.reduce_only,
        "tt": a.trigger_time,
        "gtd": 0,
    }
    if a.status in _FAILED:
        body["rm"] = _FAILED[a.status]
    return body


def _balance(e: Engine, event: EngineEvent) -> dict[str, Any]:
    isolated = sum((e.isolated_wallet(s) for s in e.positions), ZERO)
    change: Decimal = ZERO
    if event.reason == "FUNDING_FEE" and e.incomes:
        change = e.incomes[-1].income
    return {
        "a": "USDT",
        "wb": f8(e.wallet_balance),
        "cw": f8(e.wallet_balance - isolated),
        "bc": f8(change),
    }


def _positions(e: Engine, symbols: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for s in symbols:
        pos = e.positions[s]
        rows.append(
            {
                "s": s,
                "pa": qty(s, pos.size),
                "ep": f8(pos.entry_price),
                "bep": f8(pos.entry_price),
                "cr": f8(pos.realized),
                "up": f8(e.unrealized_pnl(s)),
                "mt": e.margin_type[s],
                "iw": f8(e.isolated_wallet(s)),
                "ps": "BOTH",
            }
        )
    return rows
