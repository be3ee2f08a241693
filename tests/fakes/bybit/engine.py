"""Matching engine of the fake Bybit v5 exchange (account state in :mod:`.account`).

Pure Python, no I/O, ``Decimal`` everywhere. Linear USDT perpetuals of one unified (UTA)
account in one-way position mode (``positionIdx`` 0). Liquidity is infinite at the last
price; resting limit orders fill at their own price (maker) when the last price reaches
them. A conditional order (``triggerPrice`` + ``triggerDirection``) rests ``Untriggered``;
when the last price reaches its trigger it fires and fills *itself*, keeping its orderId,
as Bybit does. Reduce-only orders never grow or flip a position: their quantity is cut to
the position at placement ("fix reduce-only order qty") and again at every fill.

Every change is told to ``listeners`` as ``(topic, object)`` in the order of Bybit's
private stream topics: ``order`` (an :class:`Order`), ``execution`` (an
:class:`Execution`), ``position`` (a :class:`Position`) and ``wallet`` (``None``).
Rule violations raise :class:`BybitError` with Bybit's retCode and message.
"""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ..shared.matching import Level, PriceWalk, position_fill, reducible
from .account import FEE_QUANT, Account
from .markets import MARKETS, BybitError, MarketSpec, fail, scaled
from .models import ZERO, Execution, Order, OrderRequest, passes_filter, to_decimal

__all__ = ["Engine"]

_LINK_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


class Engine(Account, PriceWalk[Order]):
    """Account, orders and trigger state of the whole fake exchange."""

    def __init__(self, *, balance: Decimal, taker_fee: Decimal, maker_fee: Decimal) -> None:
        super().__init__(balance=balance, taker_fee=taker_fee, maker_fee=maker_fee)
        self.orders: list[Order] = []
        self.open_price = dict(self.last_price)  # 24h statistics since start
        self.high_price, self.low_price = dict(self.last_price), dict(self.last_price)
        self._by_id: dict[str, Order] = {}
        self._by_link: dict[str, Order] = {}
        self._open: dict[str, Order] = {}  # the working set, so scans stay O(open)

    # ----------------------------------------------------------------- lookups
    def market(self, symbol: str | None) -> MarketSpec:
        if not symbol or symbol not in MARKETS:
            raise fail(10001, "params error: symbol invalid")
        return MARKETS[symbol]

    def find(self, order_id: str | None, link_id: str | None) -> Order | None:
        """An order by id (first) or by orderLinkId (unique per account)."""
        if order_id:
            return self._by_id.get(order_id)
        return self._by_link.get(link_id) if link_id else None

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Orders still working (New, PartiallyFilled, Untriggered), oldest first."""
        return [o for o in self._open.values() if symbol in (None, o.symbol)]

    def _changed(self, order: Order, status: str | None = None) -> None:
        if status is not None:
            order.status = status
        order.updated = self.clock()
        if not order.is_open:
            self._open.pop(order.order_id, None)
        self._emit("order", order)

    # ------------------------------------------------------------------ checks
    def _reducible(self, symbol: str, side: str) -> Decimal:
        """How much an order on ``side`` can reduce the position (0 when flat or same side)."""
        return reducible(self.positions[symbol].size, selling=side == "Sell")

    def _check_margin(self, m: MarketSpec, side: str, qty: Decimal, price: Decimal) -> None:
        """Initial margin of the part of an order that adds exposure (110007 if missing)."""
        increase = qty - self._reducible(m.symbol, side)
        if increase > 0 and increase * price / self.leverage[m.symbol] > self.available_balance():
            raise fail(110007)

    def _fix_reduce_only(self, symbol: str, side: str, qty: Decimal) -> Decimal:
        """Bybit's placement rule: cut a reduce-only quantity to the position (110017 if none)."""
        size = self.positions[symbol].size
        if not size:
            raise fail(110017, "current position is zero, cannot fix reduce-only order qty")
        if (size > 0) == (side == "Buy"):
            raise fail(110017, "reduce-only order has same side with current position")
        return min(qty, abs(size))

    # ------------------------------------------------------------------ orders
    def create_order(self, r: OrderRequest) -> Order:
        """``POST /v5/order/create``: validate, accept, then match against the last price."""
        m = self.market(r.symbol)
        if self.hedge_mode and r.position_idx in (1, 2):
            raise fail(10001, "params error: the fake exchange trades in one-way mode only")
        if r.position_idx != 0 or self.hedge_mode:
            raise fail(10001, "position idx not match position mode")
        if r.side not in ("Buy", "Sell"):
            raise fail(10001, "params error: side invalid")
        if r.order_type not in ("Market", "Limit"):
            raise fail(10001, "params error: orderType invalid")
        is_market = r.order_type == "Market"
        qty = m.check_qty(r.qty, market_order=is_market)
        last = self.last_price[m.symbol]
        price = self._protection_price(m, r.side, last)
        tif = "IOC" if is_market else (r.time_in_force or "GTC")
        if not is_market:
            if tif not in ("GTC", "IOC", "FOK", "PostOnly"):
                raise fail(10001, "params error: timeInForce invalid")
            price = m.check_price(r.price)
            band = last * m.price_band  # how far a limit may cross the market
            crossing = price - last if r.side == "Buy" else last - price
            if r.trigger_price is None and crossing > band:
                raise fail(110003)
        if r.link_id:
            if not _LINK_ID_RE.match(r.link_id):
                raise fail(10001, "params error: orderLinkId invalid")
            if r.link_id in self._by_link:
                raise fail(110072)
        if r.trigger_price is not None:
            self._check_trigger(m, r.trigger_price, r.trigger_direction, last)
        if r.reduce_only:
            qty = self._fix_reduce_only(m.symbol, r.side, qty)
        else:
            reference = price if not is_market else (r.trigger_price or last)
            if qty * reference < m.min_notional:
                raise fail(110094, m.min_notional)
            if r.trigger_price is None:
                self._check_margin(m, r.side, qty, price if not is_market else last)
        now = self.clock()
        order = Order(
            order_id=str(uuid.uuid4()),
            link_id=r.link_id,
            symbol=m.symbol,
            side=r.side,
            order_type=r.order_type,
            qty=qty,
            price=price,
            time_in_force=tif,
            reduce_only=r.reduce_only,
            close_on_trigger=r.close_on_trigger,
            trigger_price=r.trigger_price,
            trigger_direction=r.trigger_direction if r.trigger_price is not None else 0,
            status="Untriggered" if r.trigger_price is not None else "New",
            created=now,
            updated=now,
            seq=next(self._seq),
            last_price_on_created=last,
        )
        self.orders.append(order)
        self._by_id[order.order_id] = self._open[order.order_id] = order
        if order.link_id:
            self._by_link[order.link_id] = order
        if order.conditional:
            self._changed(order)
        else:
            self._work(order, last)
        return order

    @staticmethod
    def _protection_price(m: MarketSpec, side: str, last: Decimal) -> Decimal:
        """A market order's worst acceptable price (1 % off the last, on the tick)."""
        rounding, factor = (
            (ROUND_CEILING, Decimal("1.01")) if side == "Buy" else (ROUND_FLOOR, Decimal("0.99"))
        )
        return (last * factor / m.tick_size).to_integral_value(rounding) * m.tick_size

    @staticmethod
    def _check_trigger(m: MarketSpec, trigger: Decimal, direction: int, last: Decimal) -> None:
        """A conditional order must wait: rising to a trigger above the last, or falling below."""
        if direction not in (1, 2):
            raise fail(10001, "params error: TriggerDirection invalid")
        m.check_price(trigger, "triggerPrice")
        if direction == 1 and trigger <= last:
            raise fail(110092, scaled(trigger), scaled(last))
        if direction == 2 and trigger >= last:
            raise fail(110093, scaled(trigger), scaled(last))

    def _work(self, order: Order, last: Decimal) -> None:
        """Match a newly active order at the last price: fill, rest or cancel it."""
        if order.order_type == "Market":
            self._fill(order, order.qty, last, maker=False)
            return
        marketable = order.price >= last if order.side == "Buy" else order.price <= last
        if marketable and order.time_in_force == "PostOnly":
            order.reject_reason = "EC_PostOnlyWillTakeLiquidity"
            self._changed(order, "Cancelled")
        elif marketable:  # takes liquidity at the last price
            self._fill(order, order.qty, last, maker=False)
        elif order.time_in_force in ("IOC", "FOK"):
            order.reject_reason = "EC_NoImmediateQtyToFill"
            self._changed(order, "Cancelled")
        else:
            self._changed(order)

    def cancel_order(self, symbol: str, order_id: str | None, link_id: str | None) -> Order:
        """``POST /v5/order/cancel``: a working order only (110001 otherwise)."""
        self.market(symbol)
        if not order_id and not link_id:
            raise fail(10001, "params error: orderId or orderLinkId is required")
        order = self.find(order_id, link_id)
        if order is None or order.symbol != symbol or not order.is_open:
            raise fail(110001)
        self._cancel(order, "CancelByUser")
        return order

    def cancel_all(self, symbol: str | None, order_filter: str | None) -> list[Order]:
        """``POST /v5/order/cancel-all``: every working order of the symbol (or all)."""
        if symbol is not None:
            self.market(symbol)
        cancelled = [o for o in self.open_orders(symbol) if passes_filter(o, order_filter)]
        for order in cancelled:
            self._cancel(order, "CancelByUser")
        return cancelled

    def _cancel(self, order: Order, cancel_type: str) -> None:
        order.cancel_type = cancel_type
        if order.status == "Untriggered":
            status = "Deactivated"
        else:
            status = "PartiallyFilledCanceled" if order.cum_qty else "Cancelled"
        self._changed(order, status)

    def query(
        self,
        symbol: str | None,
        order_id: str | None,
        link_id: str | None,
        order_filter: str | None,
        *,
        history: bool,
        open_only: int = 0,
    ) -> list[Order]:
        """Orders for ``/v5/order/realtime`` (``history`` False) or ``/v5/order/history``.

        Realtime lists working orders, or the recent closed ones (``openOnly=1``), or any one
        asked by orderId/orderLinkId; history lists finished orders. Newest first.
        """
        if order_id or link_id:
            found = self.find(order_id, link_id)
            rows = [] if found is None else [found]
        elif history or open_only:
            rows = [o for o in self.orders if not o.is_open][-500:]
        else:
            rows = list(self._open.values())
        rows = [o for o in rows if symbol in (None, o.symbol) and passes_filter(o, order_filter)]
        if history:
            rows = [o for o in rows if not o.is_open]
        return sorted(rows, key=lambda o: o.seq, reverse=True)

    # ---------------------------------------------------------------- matching
    def fill_limit(self, symbol: str, link_id: str, qty: Decimal | None = None) -> Order:
        """Force a (partial) maker fill of a resting limit order at its own price."""
        order = self._by_link.get(link_id)
        if (
            order is None
            or order.symbol != symbol
            or order.status not in ("New", "PartiallyFilled")
            or order.order_type != "Limit"
        ):
            raise ValueError(f"{symbol} has no resting limit order {link_id!r}")
        want = order.leaves_qty if qty is None else min(to_decimal(qty), order.leaves_qty)
        self._fill(order, want, order.price, maker=True)
        return order

    def _fill(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        """Fill up to ``qty``; reduce-only never goes past the position (the rest is cancelled)."""
        clamped = False
        if order.reduce_only:
            allowed = self._reducible(order.symbol, order.side)
            clamped, qty = qty > allowed, min(qty, allowed)
        if qty > 0:
            self._execute(order, qty, price, maker=maker)
        if clamped and order.is_open:
            self._cancel(order, "CancelByReduceOnly")

    def _execute(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        """Apply one fill: position, realised PnL, fee, execution, order state, events."""
        pos = self.positions[order.symbol]
        signed = qty if order.side == "Buy" else -qty
        old = pos.size
        fill = position_fill(old, pos.entry_price, signed, price)
        pos.entry_price, realized, closed = fill.entry_price, fill.realized, fill.closed
        if not old or qty > closed > 0:  # a new position (from flat, or flipped) starts afresh
            pos.cur_realised = ZERO
        now = self.clock()
        rate = self.maker_fee if maker else self.taker_fee
        fee = (qty * price * rate).quantize(FEE_QUANT)
        pos.size, pos.updated, pos.seq = old + signed, now, next(self._seq)
        pos.cur_realised += realized - fee
        pos.cum_realised += realized - fee
        self.wallet_balance += realized - fee
        order.cum_qty += qty
        order.cum_value += qty * price
        order.cum_fee += fee
        execution = Execution(
            exec_id=str(uuid.uuid4()),
            exec_type="Trade",
            order=order,
            symbol=order.symbol,
            side=order.side,
            price=price,
            qty=qty,
            fee=fee,
            fee_rate=rate,
            is_maker=maker,
            time=now,
            seq=pos.seq,
            mark_price=self.last_price[order.symbol],
            closed_size=closed,
            pnl=realized,
        )
        self.executions.append(execution)
        self._changed(order, "Filled" if order.cum_qty >= order.qty else "PartiallyFilled")
        self._emit("execution", execution)
        self._emit("position", pos)
        self._emit("wallet", None)

    def _trigger(self, order: Order, price: Decimal) -> None:
        """Fire a conditional order at ``price``: it becomes active and fills itself.

        A reduce-only order with nothing left to reduce is cancelled; one without the margin
        for it is rejected.
        """
        self._changed(order, "Triggered")
        if order.reduce_only and not self._reducible(order.symbol, order.side):
            self._cancel(order, "CancelByReduceOnly")
            return
        if not order.reduce_only:
            try:
                ref = order.price if order.order_type == "Limit" else price
                self._check_margin(MARKETS[order.symbol], order.side, order.qty, ref)
            except BybitError:
                order.reject_reason = "EC_Others"
                self._changed(order, "Rejected")
                return
        order.status = "New"
        self._work(order, price)

    def move_position_by_hand(self, symbol: str, qty: Decimal) -> Order:
        """A market order without orderLinkId, as a human places on the website."""
        side = "Buy" if qty > 0 else "Sell"
        return self.create_order(OrderRequest(symbol, side, "Market", abs(qty)))

    # ------------------------------------------------------------ price moves
    def _levels(self, symbol: str) -> list[Level[Order]]:
        """Conditional orders at their trigger, resting limits at their price."""
        levels: list[Level[Order]] = []
        for o in self.open_orders(symbol):
            if o.status == "Untriggered":
                assert o.trigger_price is not None
                levels.append((o.trigger_price, o.trigger_direction == 2, o.seq, o))
            elif o.order_type == "Limit":
                levels.append((o.price, o.side == "Buy", o.seq, o))
        return levels

    def _reach(self, item: Order, price: Decimal) -> None:
        if item.status == "Untriggered":
            self._trigger(item, price)
        else:
            self._fill(item, item.leaves_qty, item.price, maker=True)
