"""Matching engine of the fake Binance USD-M futures exchange.

Pure Python, no I/O, ``Decimal`` everywhere. One-way position mode (positionSide BOTH),
one USDT wallet (:mod:`.account`). Liquidity is infinite at the last price (unless
:meth:`Engine.set_market_fill_limit` says otherwise); resting limit orders fill at their
own price (maker) when the last price reaches them; conditional (algo) orders trigger on
the last price and, when they fire, place a separate regular order (``actualOrderId``).
Trailing stops follow the best price since their activation. Every change is announced to
``listeners`` as an :class:`EngineEvent`, in the order it happens. Exchange rule
violations raise :class:`BinanceError` with Binance's code and message.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Any

from ..shared.matching import Level, PriceWalk, position_fill, reducible
from .account import Account
from .errors import BinanceError, fail
from .markets import MARKETS, MarketSpec
from .models import (
    TRAILING,
    ZERO,
    AlgoOrder,
    Order,
    OrderRequest,
    Trade,
    to_decimal,
)
from .rules import check_algo_order, check_order

__all__ = ["Engine"]

_CLIENT_ID_RE = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_LIMIT_ALGOS = ("STOP", "TAKE_PROFIT")


def _lookup(
    items: list[Any], by_id: dict[int, Any], id_: int | None, client_id: str | None, name: str
) -> Any:
    if id_ is None and client_id is None:
        raise fail(-1102, name)
    if id_ is not None:
        found = by_id.get(id_)
    else:
        found = next((x for x in reversed(items) if x.client_id == client_id), None)
    if found is None:
        raise fail(-2013)
    return found


class Engine(Account, PriceWalk[Order | AlgoOrder]):
    """Account, order book and trigger state of the whole fake exchange."""

    def __init__(self, *, balance: Decimal, taker_fee: Decimal, maker_fee: Decimal) -> None:
        super().__init__(balance=balance, taker_fee=taker_fee, maker_fee=maker_fee)
        self.orders: list[Order] = []
        self.algo_orders: list[AlgoOrder] = []
        self.trades: list[Trade] = []
        self.open_price = dict(self.last_price)  # 24h ticker statistics since start
        self.high_price, self.low_price = dict(self.last_price), dict(self.last_price)
        self._fill_limit: dict[str, Decimal | None] = {}
        # distinct ranges, so that an algoId mistaken for an orderId is never found
        self._order_ids = itertools.count(100_000_001)
        self._algo_ids = itertools.count(900_000_001)
        self._trade_ids = itertools.count(500_000_001)
        self._hand_ids = itertools.count(1)
        self._seq = itertools.count()
        self._orders_by_id: dict[int, Order] = {}
        self._algos_by_id: dict[int, AlgoOrder] = {}
        self._open_orders: dict[int, Order] = {}  # the working set, so lookups stay O(open)
        self._open_algos: dict[int, AlgoOrder] = {}

    # ----------------------------------------------------------------- lookups
    def market(self, symbol: str | None) -> MarketSpec:
        if not symbol:
            raise fail(-1102, "symbol")
        if symbol not in MARKETS:
            raise fail(-1121)
        return MARKETS[symbol]

    def get_order(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """A regular order by id, or by client id (the latest order that used it)."""
        self.market(symbol)
        found = _lookup(self.orders, self._orders_by_id, order_id, client_id, "orderId")
        if found.symbol != symbol:
            raise fail(-2013)
        return found

    def get_algo(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        """A conditional order by algoId, or by clientAlgoId (the latest order that used it)."""
        return _lookup(self.algo_orders, self._algos_by_id, algo_id, client_id, "algoId")

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self._open_orders.values() if symbol in (None, o.symbol)]

    def open_algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        return [a for a in self._open_algos.values() if symbol in (None, a.symbol)]

    # -------------------------------------------------------------- validation
    def _check_client_id(self, client_id: str, symbol: str, *, algo: bool) -> None:
        """Client ids follow Binance's pattern and are unique among the symbol's open orders."""
        if not _CLIENT_ID_RE.match(client_id):
            raise fail(-4015)
        live = (
            {a.client_algo_id for a in self.open_algo_orders(symbol)}
            if algo
            else {o.client_order_id for o in self.open_orders(symbol)}
        )
        if client_id in live:
            raise fail(-4116)

    def _reducible(self, symbol: str, side: str) -> Decimal:
        """How much an order on ``side`` can reduce the position (0 when flat or same side)."""
        return reducible(self.positions[symbol].size, selling=side == "SELL")

    def _check_margin(self, m: MarketSpec, side: str, qty: Decimal, price: Decimal) -> None:
        """Maximum position and initial margin checks on the part that adds exposure."""
        increase = qty - self._reducible(m.symbol, side)
        if increase <= 0:
            return
        lev = self.leverage[m.symbol]
        new_size = abs(self.positions[m.symbol].size + (qty if side == "BUY" else -qty))
        if new_size * price > m.max_notional(lev):
            raise fail(-2027)
        if increase * price / lev > self.available_balance():
            raise fail(-2019)

    # ------------------------------------------------------------------ orders
    def new_order(self, r: OrderRequest) -> Order:
        """``POST /fapi/v1/order``: validate, accept, then match against the last price."""
        m = self.market(r.symbol)
        limit_price, marketable = check_order(self, m, r)
        side, type, time_in_force = r.side, r.type, r.time_in_force
        quantity, last = r.quantity or ZERO, self.last_price[m.symbol]
        tif = time_in_force if type == "LIMIT" and time_in_force else "GTC"
        reduce_only = bool(r.reduce_only)
        order = self._add_order(m, side, type, quantity, limit_price, tif, reduce_only, r.client_id)
        if type == "MARKET":
            self._execute_market(order, last)
        elif marketable:  # takes liquidity at the last price
            self._fill_clamped(order, order.remaining, last, maker=False)
        elif time_in_force == "IOC":
            self._set_status(order, "EXPIRED", "EXPIRED")
        return order

    def _add_order(
        self,
        m: MarketSpec,
        side: str,
        type: str,
        qty: Decimal,
        price: Decimal,
        tif: str,
        reduce_only: bool,
        client_id: str | None,
        algo: AlgoOrder | None = None,
    ) -> Order:
        order_id = next(self._order_ids)
        client_id = client_id or f"autoclientid{order_id}"
        order = Order(order_id, client_id, m.symbol, side, type, qty, price, tif, reduce_only)
        order.time = order.update_time = self.clock()
        order.seq = next(self._seq)
        if algo is not None:
            order.algo_id, order.close_position = algo.algo_id, algo.close_position
        self.orders.append(order)
        self._orders_by_id[order_id] = self._open_orders[order_id] = order
        if algo is None:  # an actual order is announced after its conditional order
            self.emit("order", order=order, exec_type="NEW")
        return order

    def new_algo_order(self, r: OrderRequest) -> AlgoOrder:
        """``POST /fapi/v1/algoOrder``: accept a conditional order that waits for its trigger."""
        m = self.market(r.symbol)
        trigger_price = check_algo_order(self, m, r)
        now, algo_id = self.clock(), next(self._algo_ids)
        is_limit = r.type in _LIMIT_ALGOS
        algo = AlgoOrder(
            algo_id=algo_id,
            client_algo_id=r.client_id or f"autoalgoid{algo_id}",
            symbol=m.symbol,
            side=r.side,
            order_type=r.type,
            quantity=r.quantity or ZERO,
            trigger_price=trigger_price,
            price=r.price if is_limit and r.price is not None else ZERO,
            time_in_force=r.time_in_force or "GTC",
            reduce_only=bool(r.reduce_only),
            close_position=r.close_position,
            working_type=r.working_type or "CONTRACT_PRICE",
            create_time=now,
            update_time=now,
            seq=next(self._seq),
            callback_rate=r.callback_rate,
            activate_price=r.activate_price,
        )
        if algo.is_trailing and algo.activate_price is None:  # active at once, from the last
            algo.activated, algo.best_price = True, self.last_price[m.symbol]
        self.algo_orders.append(algo)
        self._algos_by_id[algo_id] = self._open_algos[algo_id] = algo
        self.emit("algo", algo=algo)
        return algo

    def cancel_order(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """``DELETE /fapi/v1/order``: only open orders can be cancelled (else -2011)."""
        try:
            order = self.get_order(symbol, order_id, client_id)
        except BinanceError as exc:
            raise (fail(-2011) if exc.code == -2013 else exc) from None
        if not order.is_open:
            raise fail(-2011)
        self._set_status(order, "CANCELED", "CANCELED")
        return order

    def cancel_algo(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        """``DELETE /fapi/v1/algoOrder``: only waiting (NEW) orders can be cancelled."""
        try:
            algo = self.get_algo(algo_id, client_id)
        except BinanceError as exc:
            raise (fail(-2011) if exc.code == -2013 else exc) from None
        if not algo.is_open:
            raise fail(-2011)
        self._set_algo_status(algo, "CANCELED")
        return algo

    def cancel_all(self, symbol: str, *, algo: bool) -> None:
        """``DELETE /fapi/v1/allOpenOrders`` (regular) or ``/fapi/v1/algoOpenOrders``."""
        self.market(symbol)
        for order in self.open_orders(symbol) if not algo else []:
            self._set_status(order, "CANCELED", "CANCELED")
        for algo_order in self.open_algo_orders(symbol) if algo else []:
            self._set_algo_status(algo_order, "CANCELED")

    def set_market_fill_limit(self, symbol: str, max_qty: Decimal | None) -> None:
        self.market(symbol)
        self._fill_limit[symbol] = max_qty

    def fill_limit(self, order_id: int, qty: Decimal | None = None) -> Order:
        """Force a (partial) maker fill of a resting limit order at its own price."""
        order = self._orders_by_id.get(order_id)
        if order is None or not order.is_open or order.type != "LIMIT":
            raise ValueError(f"order {order_id} is not a resting limit order")
        want = order.remaining if qty is None else min(to_decimal(qty), order.remaining)
        self._fill_clamped(order, want, order.price, maker=True)
        return order

    def resting_limit(self, symbol: str, client_id: str) -> Order:
        """The open limit order of ``symbol`` with ``client_id`` (ValueError when none)."""
        for order in self.open_orders(symbol):
            if order.client_id == client_id and order.type == "LIMIT":
                return order
        raise ValueError(f"no resting limit order {client_id!r} on {symbol}")

    def hand_trade(self, symbol: str, qty: Decimal) -> Order:
        """A market order typed on the website (client id ``web_<n>``), ``qty`` signed."""
        side = "BUY" if qty > 0 else "SELL"
        client_id = f"web_{next(self._hand_ids)}"
        return self.new_order(OrderRequest(symbol, side, "MARKET", abs(qty), client_id=client_id))

    # ---------------------------------------------------------------- matching
    def _execute_market(self, order: Order, price: Decimal) -> None:
        cap = self._fill_limit.get(order.symbol)
        want = order.remaining if cap is None else min(order.remaining, cap)
        self._fill_clamped(order, want, price, maker=False)
        if order.is_open:  # whatever the book could not take at once expires
            self._set_status(order, "EXPIRED", "EXPIRED")

    def _fill_clamped(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        """Fill up to ``qty``; a reduce-only order never fills past the position (rest expires)."""
        clamped = False
        if order.reduce_only:
            allowed = self._reducible(order.symbol, order.side)
            clamped, qty = qty > allowed, min(qty, allowed)
        if qty > 0:
            self._fill(order, qty, price, maker=maker)
        if clamped and order.is_open:
            self._set_status(order, "EXPIRED", "EXPIRED")

    def _fill(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        """Apply one fill: position (VWAP entry, realized PnL), fee, trade record, order state."""
        pos = self.positions[order.symbol]
        signed = qty if order.side == "BUY" else -qty
        fill = position_fill(pos.size, pos.entry_price, signed, price)
        pos.entry_price, realized = fill.entry_price, fill.realized
        now = self.clock()
        pos.size, pos.update_time = pos.size + signed, now
        fee = self.fee_of(qty, price, maker=maker)
        trade = Trade(
            next(self._trade_ids), order.order_id, order.symbol, order.side, price, qty, fee,
            realized, maker, now,
        )  # fmt: skip
        self.trades.append(trade)
        self.book_fill(trade)
        self.emit("account", reason="ORDER", symbols=(order.symbol,))
        order.executed_qty += qty
        order.cum_quote += qty * price
        status = "FILLED" if order.remaining <= 0 else "PARTIALLY_FILLED"
        self._set_status(order, status, "TRADE", trade)

    def _set_status(
        self, order: Order, status: str, exec_type: str, trade: Trade | None = None
    ) -> None:
        """Change an order's status and announce it; a finished actual order finishes its
        conditional order. A fill stamps the order with the trade's time, as Binance does.
        """
        order.status, order.update_time = status, trade.time if trade else self.clock()
        if not order.is_open:
            self._open_orders.pop(order.order_id, None)
        self.emit("order", order=order, exec_type=exec_type, trade=trade)
        if order.algo_id is not None and not order.is_open:
            algo = self._algos_by_id[order.algo_id]
            algo.actual_price, algo.actual_qty = order.avg_price, order.executed_qty
            self._set_algo_status(algo, "FINISHED")

    def _set_algo_status(self, algo: AlgoOrder, status: str) -> None:
        algo.status, algo.update_time = status, self.clock()
        if not algo.is_open:
            self._open_algos.pop(algo.algo_id, None)
        self.emit("algo", algo=algo)

    def _trigger(self, algo: AlgoOrder, price: Decimal) -> None:
        """Fire a conditional order at ``price``: place its actual order in the matching engine.

        A reduce-only or close-position order with nothing to reduce expires; one without
        the margin for it is rejected (Binance's algoStatus EXPIRED / REJECTED).
        """
        algo.trigger_time = self.clock()
        self._set_algo_status(algo, "TRIGGERING")
        m = MARKETS[algo.symbol]
        reducing = algo.reduce_only or algo.close_position
        reducible = self._reducible(algo.symbol, algo.side)
        if reducing and not reducible:
            self._set_algo_status(algo, "EXPIRED")
            return
        qty = reducible if algo.close_position else algo.quantity
        is_limit = algo.order_type in _LIMIT_ALGOS
        if not reducing:
            try:
                self._check_margin(m, algo.side, qty, algo.price if is_limit else price)
            except BinanceError:
                self._set_algo_status(algo, "REJECTED")
                return
        kind, tif = ("LIMIT", algo.time_in_force) if is_limit else ("MARKET", "GTC")
        order = self._add_order(
            m, algo.side, kind, qty, algo.price, tif, reducing, algo.client_algo_id, algo
        )
        algo.actual_order_id = order.order_id
        self._set_algo_status(algo, "TRIGGERED")
        self.emit("order", order=order, exec_type="NEW")
        if not is_limit:
            self._execute_market(order, price)
        elif (order.price >= price) if order.side == "BUY" else (order.price <= price):
            self._fill_clamped(order, order.remaining, price, maker=False)

    # ------------------------------------------------------------ price moves
    def _levels(self, symbol: str) -> list[Level[Order | AlgoOrder]]:
        """Resting limits at their price; conditional orders at their trigger (a trailing
        stop at its live level once activated).
        """
        levels: list[Level[Order | AlgoOrder]] = [
            (o.price, o.side == "BUY", o.seq, o)
            for o in self.open_orders(symbol)
            if o.type == "LIMIT"
        ]
        tick = MARKETS[symbol].tick_size
        for a in self.open_algo_orders(symbol):
            level = a.trailing_level(tick) if a.order_type == TRAILING else a.trigger_price
            if level is not None:
                levels.append((level, a.fires_below, a.seq, a))
        return levels

    def _reach(self, item: Order | AlgoOrder, price: Decimal) -> None:
        if isinstance(item, AlgoOrder):
            self._trigger(item, price)
        else:
            self._fill_clamped(item, item.remaining, item.price, maker=True)

    def _moved(self, symbol: str, low: Decimal, high: Decimal) -> None:
        """Trailing stops follow the range traded (a jump trades at its target only)."""
        for algo in self.open_algo_orders(symbol):
            algo.track(low, high)
