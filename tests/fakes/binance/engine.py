"""Matching engine and account state of the fake Binance USD-M futures exchange.

Pure Python, no I/O, ``Decimal`` everywhere. One-way position mode (positionSide BOTH),
one cross-margin USDT wallet. Liquidity is infinite at the last price (unless
:meth:`Engine.set_market_fill_limit` says otherwise); resting limit orders fill at their
own price (maker) when the last price reaches them; conditional (algo) orders trigger on
the last price and, when they fire, place a separate regular order (``actualOrderId``).
Exchange rule violations raise :class:`BinanceError` with Binance's code and message.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .markets import DEFAULT_LEVERAGE, MARKETS, BinanceError, MarketSpec, fail

__all__ = ["AlgoOrder", "Engine", "Order", "OrderRequest", "Position", "Trade", "to_decimal"]

ZERO = Decimal(0)
_FEE_QUANT = Decimal("1e-8")
_CLIENT_ID_RE = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")


def to_decimal(value: Decimal | str | float | int) -> Decimal:
    """Exact Decimal of a value (floats go through ``str`` so 0.55 stays 0.55)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _fires_below(side: str, order_type: str) -> bool:
    """A sell stop or a buy take-profit triggers when the price falls to its trigger."""
    return (side == "SELL") == order_type.startswith("STOP")


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


@dataclass
class OrderRequest:
    """The parameters of a new order, regular or conditional, as Binance received them."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool | None = None  # None: the parameter was not sent
    close_position: bool = False
    client_id: str | None = None
    working_type: str | None = None
    algo_type: str | None = None


@dataclass
class Order:
    """A regular (matching engine) order."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal
    time_in_force: str
    reduce_only: bool
    status: str = "NEW"
    time: int = 0
    update_time: int = 0
    seq: int = 0
    close_position: bool = False
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    algo_id: int | None = None  # set when a conditional order placed it

    @property
    def client_id(self) -> str:
        return self.client_order_id

    @property
    def avg_price(self) -> Decimal:
        """Volume-weighted fill price, 0 before the first fill."""
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass
class AlgoOrder:
    """A conditional order of the algo service (``/fapi/v1/algoOrder``)."""

    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal = ZERO
    time_in_force: str = "GTC"
    reduce_only: bool = False
    close_position: bool = False
    working_type: str = "CONTRACT_PRICE"
    status: str = "NEW"
    create_time: int = 0
    update_time: int = 0
    seq: int = 0
    trigger_time: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO

    @property
    def client_id(self) -> str:
        return self.client_algo_id

    @property
    def is_open(self) -> bool:
        return self.status == "NEW"


@dataclass
class Trade:
    """One fill, as ``GET /fapi/v1/userTrades`` reports it (commission in USDT)."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time: int

    @property
    def quote_qty(self) -> Decimal:
        return self.price * self.qty


@dataclass
class Position:
    """The one-way position of a symbol: signed ``size`` (short < 0) and average entry price."""

    symbol: str
    size: Decimal = ZERO
    entry_price: Decimal = ZERO
    update_time: int = 0


class Engine:
    """Account, order book and trigger state of the whole fake exchange."""

    def __init__(self, *, balance: Decimal, taker_fee: Decimal, maker_fee: Decimal) -> None:
        self.clock: Callable[[], int] = lambda: int(time.time() * 1000)  # ms, replaceable
        self.wallet_balance = to_decimal(balance)
        self.taker_fee, self.maker_fee = to_decimal(taker_fee), to_decimal(maker_fee)
        self.start_time = self.balance_update_time = self.clock()
        self.orders: list[Order] = []
        self.algo_orders: list[AlgoOrder] = []
        self.trades: list[Trade] = []
        self.positions = {s: Position(s) for s in MARKETS}
        self.leverage = dict.fromkeys(MARKETS, DEFAULT_LEVERAGE)
        self.last_price = {s: m.default_price for s, m in MARKETS.items()}
        self.open_price = dict(self.last_price)  # 24h ticker statistics since start
        self.high_price, self.low_price = dict(self.last_price), dict(self.last_price)
        self._fill_limit: dict[str, Decimal | None] = {}
        # distinct ranges, so that an algoId mistaken for an orderId is never found
        self._order_ids = itertools.count(100_000_001)
        self._algo_ids = itertools.count(900_000_001)
        self._trade_ids = itertools.count(500_000_001)
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
        size = self.positions[symbol].size
        return abs(size) if (size > 0 and side == "SELL") or (size < 0 and side == "BUY") else ZERO

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
        symbol, side, type, quantity, price = r.symbol, r.side, r.type, r.quantity, r.price
        time_in_force, reduce_only = r.time_in_force, bool(r.reduce_only)
        m = self.market(symbol)
        if side not in ("BUY", "SELL"):
            raise fail(-1117)
        if type in ALGO_TYPES or type == "TRAILING_STOP_MARKET":
            raise fail(-4120)
        if type not in ("LIMIT", "MARKET"):
            raise fail(-1116)
        if quantity is None:
            raise fail(-1102, "quantity")
        m.check_qty(quantity, market_order=type == "MARKET")
        last = self.last_price[symbol]
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
            self._check_client_id(r.client_id, symbol, algo=False)
        if reduce_only and not self._reducible(symbol, side):
            raise fail(-2022)
        if not reduce_only:
            if quantity * (limit_price or last) < m.min_notional:
                raise fail(-4164, m.min_notional)
            self._check_margin(m, side, quantity, limit_price or last)
        marketable = type == "LIMIT" and (
            limit_price >= last if side == "BUY" else limit_price <= last
        )
        if time_in_force == "GTX" and marketable:
            raise fail(-5022)
        if time_in_force == "FOK" and type == "LIMIT" and not marketable:
            raise fail(-5021)
        tif = time_in_force if type == "LIMIT" and time_in_force else "GTC"
        order = self._add_order(m, side, type, quantity, limit_price, tif, reduce_only, r.client_id)
        if type == "MARKET":
            self._execute_market(order, last)
        elif marketable:  # takes liquidity at the last price
            self._fill_clamped(order, order.remaining, last, maker=False)
        elif time_in_force == "IOC":
            self._set_status(order, "EXPIRED")
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
        return order

    def new_algo_order(self, r: OrderRequest) -> AlgoOrder:
        """``POST /fapi/v1/algoOrder``: accept a conditional order that waits for its trigger."""
        symbol, side, type, quantity, price = r.symbol, r.side, r.type, r.quantity, r.price
        trigger_price, reduce_only, close_position = (
            r.trigger_price,
            r.reduce_only,
            r.close_position,
        )
        m = self.market(symbol)
        if r.algo_type != "CONDITIONAL":
            raise fail(-1130, "algoType")
        if side not in ("BUY", "SELL"):
            raise fail(-1117)
        if type not in ALGO_TYPES:
            raise fail(-1116)
        if trigger_price is None:
            raise fail(-1102, "triggerPrice")
        m.check_price(trigger_price)
        is_limit = type in ("STOP", "TAKE_PROFIT")
        if is_limit:
            if price is None:
                raise fail(-1102, "price")
            m.check_price(price)
        if close_position:
            if is_limit:
                raise fail(-4136, type)
            if reduce_only is not None:
                raise fail(-1106, "reduceOnly")
            if quantity is not None:
                raise fail(-1106, "quantity")
        else:
            if quantity is None:
                raise fail(-1102, "quantity")
            m.check_qty(quantity, market_order=not is_limit)
            ref = price if is_limit and price is not None else trigger_price
            if not reduce_only and quantity * ref < m.min_notional:
                raise fail(-4164, m.min_notional)
        if r.client_id is not None:
            self._check_client_id(r.client_id, symbol, algo=True)
        if len(self.open_algo_orders(symbol)) >= m.max_num_algo_orders:
            raise fail(-4045)
        last = self.last_price[symbol]
        if (last <= trigger_price) if _fires_below(side, type) else (last >= trigger_price):
            raise fail(-2021)
        now, algo_id = self.clock(), next(self._algo_ids)
        algo = AlgoOrder(
            algo_id=algo_id,
            client_algo_id=r.client_id or f"autoalgoid{algo_id}",
            symbol=symbol,
            side=side,
            order_type=type,
            quantity=quantity or ZERO,
            trigger_price=trigger_price,
            price=price if is_limit and price is not None else ZERO,
            time_in_force=r.time_in_force or "GTC",
            reduce_only=bool(reduce_only),
            close_position=close_position,
            working_type=r.working_type or "CONTRACT_PRICE",
            create_time=now,
            update_time=now,
            seq=next(self._seq),
        )
        self.algo_orders.append(algo)
        self._algos_by_id[algo_id] = self._open_algos[algo_id] = algo
        return algo

    def cancel_order(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """``DELETE /fapi/v1/order``: only open orders can be cancelled (else -2011)."""
        try:
            order = self.get_order(symbol, order_id, client_id)
        except BinanceError as exc:
            raise (fail(-2011) if exc.code == -2013 else exc) from None
        if not order.is_open:
            raise fail(-2011)
        self._set_status(order, "CANCELED")
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
            self._set_status(order, "CANCELED")
        for algo_order in self.open_algo_orders(symbol) if algo else []:
            self._set_algo_status(algo_order, "CANCELED")

    def set_leverage(self, symbol: str, leverage: int) -> Decimal:
        """``POST /fapi/v1/leverage``; returns the max notional allowed at that leverage."""
        m = self.market(symbol)
        if not 1 <= leverage <= m.max_leverage:
            raise fail(-4028, leverage)
        if abs(self.positions[symbol].size) * self.last_price[symbol] > m.max_notional(leverage):
            raise fail(-2027)
        self.leverage[symbol] = leverage
        return m.max_notional(leverage)

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

    # ---------------------------------------------------------------- matching
    def _execute_market(self, order: Order, price: Decimal) -> None:
        cap = self._fill_limit.get(order.symbol)
        want = order.remaining if cap is None else min(order.remaining, cap)
        self._fill_clamped(order, want, price, maker=False)
        if order.is_open:  # whatever the book could not take at once expires
            self._set_status(order, "EXPIRED")

    def _fill_clamped(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        """Fill up to ``qty``; a reduce-only order never fills past the position (rest expires)."""
        clamped = False
        if order.reduce_only:
            allowed = self._reducible(order.symbol, order.side)
            clamped, qty = qty > allowed, min(qty, allowed)
        if qty > 0:
            self._fill(order, qty, price, maker=maker)
        if clamped and order.is_open:
            self._set_status(order, "EXPIRED")

    def _fill(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        """Apply one fill: position (VWAP entry, realized PnL), fee, trade record, order state."""
        pos = self.positions[order.symbol]
        signed = qty if order.side == "BUY" else -qty
        old, realized = pos.size, ZERO
        if old == 0 or (old > 0) == (signed > 0):
            pos.entry_price = (abs(old) * pos.entry_price + qty * price) / (abs(old) + qty)
        else:
            realized = (price - pos.entry_price) * min(abs(old), qty) * (1 if old > 0 else -1)
            if qty > abs(old):  # flipped: the rest opens at the fill price
                pos.entry_price = price
            elif qty == abs(old):
                pos.entry_price = ZERO
        now = self.clock()
        pos.size, pos.update_time = old + signed, now
        fee = (qty * price * (self.maker_fee if maker else self.taker_fee)).quantize(_FEE_QUANT)
        self.wallet_balance += realized - fee
        self.balance_update_time = now
        trade = Trade(
            next(self._trade_ids),
            order.order_id,
            order.symbol,
            order.side,
            price,
            qty,
            fee,
            realized,
            maker,
            now,
        )
        self.trades.append(trade)
        order.executed_qty += qty
        order.cum_quote += qty * price
        self._set_status(order, "FILLED" if order.remaining <= 0 else "PARTIALLY_FILLED")

    def _set_status(self, order: Order, status: str) -> None:
        """Change an order's status; a finished actual order finishes its conditional order."""
        order.status, order.update_time = status, self.clock()
        if not order.is_open:
            self._open_orders.pop(order.order_id, None)
        if order.algo_id is not None and not order.is_open:
            algo = self._algos_by_id[order.algo_id]
            algo.actual_price = order.avg_price
            self._set_algo_status(algo, "FINISHED")

    def _set_algo_status(self, algo: AlgoOrder, status: str) -> None:
        algo.status, algo.update_time = status, self.clock()
        if not algo.is_open:
            self._open_algos.pop(algo.algo_id, None)

    def _trigger(self, algo: AlgoOrder, price: Decimal) -> None:
        """Fire a conditional order at ``price``: place its actual order in the matching engine.

        A reduce-only or close-position order with nothing to reduce expires; one without
        the margin for it is rejected (Binance's algoStatus EXPIRED / REJECTED).
        """
        algo.trigger_time = algo.update_time = self.clock()
        m = MARKETS[algo.symbol]
        reducing = algo.reduce_only or algo.close_position
        reducible = self._reducible(algo.symbol, algo.side)
        if reducing and not reducible:
            self._set_algo_status(algo, "EXPIRED")
            return
        qty = reducible if algo.close_position else algo.quantity
        is_limit = algo.order_type in ("STOP", "TAKE_PROFIT")
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
        if not is_limit:
            self._execute_market(order, price)
        elif (order.price >= price) if order.side == "BUY" else (order.price <= price):
            self._fill_clamped(order, order.remaining, price, maker=False)

    # ------------------------------------------------------------ price moves
    def set_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Jump the last (and mark) price; triggered orders fill at the new price (a gap)."""
        self.market(symbol)
        self._move(symbol, to_decimal(price), continuous=False)

    def play_candle(self, symbol: str, *ohlc: Decimal | str | float) -> None:
        """Jump to the open, then trade through open→low→high→close (bullish) or
        open→high→low→close (bearish); triggers inside the walk fill at their trigger price.
        """
        self.market(symbol)
        o, h, lo, c = (to_decimal(x) for x in ohlc)
        self._move(symbol, o, continuous=False)
        for target in (lo, h, c) if c >= o else (h, lo, c):
            self._move(symbol, target, continuous=True)

    def _set_last(self, symbol: str, price: Decimal) -> None:
        if price <= 0:
            raise ValueError(f"price must be positive, got {price}")
        self.last_price[symbol] = price
        self.high_price[symbol] = max(self.high_price[symbol], price)
        self.low_price[symbol] = min(self.low_price[symbol], price)

    def _move(self, symbol: str, target: Decimal, *, continuous: bool) -> None:
        """Move the price to ``target``, firing every order reached on the way, in path order.

        A jump (not ``continuous``) fills triggered orders at ``target``; a continuous move
        stops at each trigger level and fills there. Resting limits always fill at their price.
        """
        start = current = self.last_price[symbol]
        if not continuous:
            self._set_last(symbol, target)
        for _ in range(100_000):  # every event closes an order: bounded in practice
            event = self._next_event(symbol, current if continuous else start, target, continuous)
            if event is None:
                break
            level, item = event
            if continuous:
                self._set_last(symbol, level)
                current = level
            if isinstance(item, AlgoOrder):
                self._trigger(item, level if continuous else target)
            else:
                self._fill_clamped(item, item.remaining, item.price, maker=True)
        self._set_last(symbol, target)

    def _next_event(
        self, symbol: str, start: Decimal, target: Decimal, continuous: bool
    ) -> tuple[Decimal, Order | AlgoOrder] | None:
        """The first order reached going from ``start`` to ``target`` (ties: oldest first)."""
        down = target < start
        items: list[tuple[Decimal, bool, int, Order | AlgoOrder]] = [
            (o.price, o.side == "BUY", o.seq, o)
            for o in self.open_orders(symbol)
            if o.type == "LIMIT"
        ]
        items += [
            (a.trigger_price, _fires_below(a.side, a.order_type), a.seq, a)
            for a in self.open_algo_orders(symbol)
        ]
        reached = [
            (level, seq, item)
            for level, below, seq, item in items
            if (below and level >= target and (not continuous or (down and level <= start)))
            or (not below and level <= target and (not continuous or (not down and level >= start)))
        ]
        if not reached:
            return None
        level, _, item = min(reached, key=lambda r: ((-r[0] if down else r[0]), r[1]))
        return level, item

    # ----------------------------------------------------------------- account
    def unrealized_pnl(self, symbol: str) -> Decimal:
        pos = self.positions[symbol]
        return pos.size * (self.last_price[symbol] - pos.entry_price)

    def position_margin(self, symbol: str) -> Decimal:
        return abs(self.positions[symbol].size) * self.last_price[symbol] / self.leverage[symbol]

    def open_order_margin(self, symbol: str) -> Decimal:
        """Margin held by resting non-reduce-only limit orders (no netting against the position)."""
        lev = self.leverage[symbol]
        orders = [o for o in self.open_orders(symbol) if not o.reduce_only]
        return sum((o.remaining * o.price / lev for o in orders), ZERO)

    def maint_margin(self, symbol: str) -> Decimal:
        return MARKETS[symbol].maint_margin(
            abs(self.positions[symbol].size) * self.last_price[symbol]
        )

    def total_unrealized(self) -> Decimal:
        return sum((self.unrealized_pnl(s) for s in MARKETS), ZERO)

    def total_initial_margin(self) -> Decimal:
        return sum((self.position_margin(s) + self.open_order_margin(s) for s in MARKETS), ZERO)

    def available_balance(self) -> Decimal:
        return self.wallet_balance + self.total_unrealized() - self.total_initial_margin()

    def liquidation_price(self, symbol: str) -> Decimal:
        """Binance's one-way cross-margin liquidation price (0 when flat or unreachable)."""
        others = [x for x in MARKETS if x != symbol]
        cushion = self.wallet_balance + sum(
            (self.unrealized_pnl(x) - self.maint_margin(x) for x in others), ZERO
        )
        pos = self.positions[symbol]
        return MARKETS[symbol].liquidation_price(
            pos.size, pos.entry_price, self.last_price[symbol], cushion
        )
