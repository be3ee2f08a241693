"""The paper account's matching engine: balance, one-way positions, orders and triggers.

Pure state and arithmetic (no I/O), ``Decimal`` throughout, shaped like Binance USD-M:

- market orders fill at once at the price plus slippage (taker fee);
- limit orders rest and fill at their price when the price reaches it (maker fee), or at
  once when marketable (taker fee);
- stop-market and take-profit-market orders trigger when the price crosses their trigger and
  fill at the trigger, or at the first price past it when the move gapped (taker fee);
  one that would trigger at once is refused, as Binance does;
- reduce-only never grows or flips a position: it fills at most the position, and a
  reduce-only order finding no position is rejected (or expires, for a trigger order).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from trading.alerts import Side
from trading.errors import InsufficientFunds, InvalidOrder, OrderNotFound
from trading.exchange.base import OrderRequest, OrderState
from trading.markets import Market
from trading.orders import OrderKind

__all__ = ["PaperBook", "PaperFill", "PaperOrder", "PaperPosition"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
DEFAULT_TAKER = Decimal("0.0005")
DEFAULT_MAKER = Decimal("0.0002")


@dataclass(slots=True)
class PaperOrder:
    """An order of the paper account."""

    id: str
    client_id: str
    symbol: str
    side: Side
    kind: OrderKind
    amount: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    reduce_only: bool
    state: OrderState = OrderState.OPEN
    filled: Decimal = _ZERO
    average: Decimal | None = None
    fee: Decimal = _ZERO
    created_ms: int = 0


@dataclass(slots=True)
class PaperPosition:
    """A one-way position: ``amount`` is signed (+ long, − short)."""

    amount: Decimal = _ZERO
    entry_price: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class PaperFill:
    """One execution."""

    order_id: str
    amount: Decimal
    price: Decimal
    fee: Decimal
    realized_pnl: Decimal


@dataclass(slots=True)
class PaperBook:
    """The whole simulated account."""

    balance: Decimal
    slippage_pct: Decimal = Decimal("0.02")
    positions: dict[str, PaperPosition] = field(default_factory=dict)
    orders: dict[str, PaperOrder] = field(default_factory=dict)
    fills: list[PaperFill] = field(default_factory=list)
    leverage: dict[str, int] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)  # last candle walked, per symbol
    next_id: int = 1

    # --- queries -------------------------------------------------------------------

    def position(self, symbol: str) -> PaperPosition:
        """The symbol's position (empty if none)."""
        return self.positions.get(symbol, PaperPosition())

    def unrealized(self, market: Market) -> Decimal:
        """Unrealised PnL of the market's position at the last price."""
        pos = self.position(market.symbol)
        price = self.prices.get(market.symbol)
        if pos.amount == 0 or price is None:
            return _ZERO
        return (price - pos.entry_price) * pos.amount * market.contract_size

    def used_margin(self, markets: dict[str, Market]) -> Decimal:
        """Initial margin of every position."""
        total = _ZERO
        for symbol, pos in self.positions.items():
            if pos.amount and symbol in markets:
                notional = abs(pos.amount) * markets[symbol].contract_size * pos.entry_price
                total += notional / self.leverage.get(symbol, 1)
        return total

    def find_client(self, symbol: str, client_id: str) -> PaperOrder | None:
        """The newest order with ``client_id`` on ``symbol``."""
        found = [o for o in self.orders.values() if o.client_id == client_id and o.symbol == symbol]
        return found[-1] if found else None

    def open_orders(self, symbol: str) -> list[PaperOrder]:
        """Open orders of ``symbol``."""
        return [
            o for o in self.orders.values() if o.symbol == symbol and o.state is OrderState.OPEN
        ]

    # --- commands ------------------------------------------------------------------

    def submit(
        self, request: OrderRequest, market: Market, *, now_ms: int, free: Decimal
    ) -> PaperOrder:
        """Accept (and maybe fill) an order, or raise like the exchange would."""
        price = self.prices.get(market.symbol)
        if price is None:
            raise InvalidOrder(f"no price for {market.symbol} yet")
        if any(
            o.client_id == request.client_id and o.state is OrderState.OPEN
            for o in self.orders.values()
        ):
            raise InvalidOrder("paper: ClientOrderId is duplicated")
        self._check_precision(request, market)
        order = PaperOrder(
            id=str(self.next_id),
            client_id=request.client_id,
            symbol=market.symbol,
            side=request.side,
            kind=request.kind,
            amount=request.amount,
            price=request.price,
            trigger_price=request.trigger_price,
            reduce_only=request.reduce_only,
            created_ms=now_ms,
        )
        pos = self.position(market.symbol)
        direct = request.kind in (OrderKind.MARKET, OrderKind.LIMIT)
        grows = pos.amount == 0 or (pos.amount > 0) == request.side.is_long
        if request.reduce_only and direct and grows:
            raise InvalidOrder("paper: ReduceOnly Order is rejected.")
        if request.kind.is_conditional:
            assert request.trigger_price is not None
            if self._triggered(order, price):
                raise InvalidOrder("paper: Order would immediately trigger.")
        elif not request.reduce_only:
            self._check_margin(request, market, price, free)
        self.next_id += 1
        self.orders[order.id] = order
        if request.kind is OrderKind.MARKET:
            self._fill(order, market, self._slipped(price, order.side), taker=True)
        elif request.kind is OrderKind.LIMIT and self._limit_reached(order, price):
            self._fill(order, market, price, taker=True)
        return order

    def cancel(self, order_id: str) -> PaperOrder:
        """Cancel an open order."""
        order = self.orders.get(order_id)
        if order is None or order.state is not OrderState.OPEN:
            raise OrderNotFound("paper: Unknown order sent.")
        order.state = OrderState.CANCELED
        return order

    def move_price(self, market: Market, price: Decimal, at_ms: int | None = None) -> None:
        """The price went from its last value straight to ``price``: trigger what it crossed.

        Orders created after ``at_ms`` (when given) did not exist yet and are left alone.
        """
        start = self.prices.get(market.symbol)
        self.prices[market.symbol] = price
        if start is None or start == price:
            start = price
        rising = price > start
        hits: list[tuple[Decimal, PaperOrder]] = []
        for order in self.open_orders(market.symbol):
            if at_ms is not None and order.created_ms > at_ms:
                continue
            level = order.trigger_price if order.kind.is_conditional else order.price
            assert level is not None
            if self._crossed(order, level, start, price, rising):
                hits.append((level, order))
        hits.sort(key=lambda hit: hit[0], reverse=not rising)  # in the order the price met them
        for level, order in hits:
            if order.state is not OrderState.OPEN:
                continue
            if order.kind.is_conditional:
                gapped = self._triggered(order, start)  # already past: it missed the move
            else:
                gapped = (rising and start > level) or (not rising and start < level)
            fill_at = start if gapped else level
            if order.kind is OrderKind.LIMIT:
                self._fill(order, market, fill_at, taker=False)
            else:
                self._fill(order, market, self._slipped(fill_at, order.side), taker=True)

    def walk_candle(self, market: Market, candle: list[float], close_ms: int) -> None:
        """Walk a ``[ms, o, h, l, c, v]`` candle as the exchange would: open, the nearer...

        ...extreme (low first for a rising candle), the other extreme, close. Only orders that
        existed before the candle closed can trigger in it.
        """
        o, h, low, c = (Decimal(str(v)) for v in candle[1:5])
        path = [o, low, h, c] if c >= o else [o, h, low, c]
        if market.symbol not in self.prices:
            self.prices[market.symbol] = o
        for point in path:
            self.move_price(market, point, at_ms=close_ms)
        self.cursors[market.symbol] = int(candle[0])

    # --- internals -----------------------------------------------------------------

    @staticmethod
    def _crossed(
        order: PaperOrder, level: Decimal, start: Decimal, end: Decimal, rising: bool
    ) -> bool:
        if order.kind is OrderKind.LIMIT:
            wants_lower = order.side.is_long  # a buy limit fills when the price comes down to it
            return (end <= level) if wants_lower else (end >= level)
        # a trigger fires on the side it watches (a sell stop when the price is at or under
        # it...), including a price already past it when the order first sees it
        return PaperBook._triggered(order, start) or PaperBook._triggered(order, end)

    @staticmethod
    def _triggered(order: PaperOrder, price: Decimal) -> bool:
        """A trigger order placed now would fire at once."""
        assert order.trigger_price is not None
        buy = order.side.is_long
        if order.kind is OrderKind.STOP_MARKET:
            return price >= order.trigger_price if buy else price <= order.trigger_price
        return price <= order.trigger_price if buy else price >= order.trigger_price

    @staticmethod
    def _limit_reached(order: PaperOrder, price: Decimal) -> bool:
        assert order.price is not None
        return price <= order.price if order.side.is_long else price >= order.price

    def _slipped(self, price: Decimal, side: Side) -> Decimal:
        return price * (1 + side.sign * self.slippage_pct / _HUNDRED)

    @staticmethod
    def _check_precision(request: OrderRequest, market: Market) -> None:
        if request.amount <= 0 or request.amount % market.amount_step != 0:
            raise InvalidOrder("paper: Precision is over the maximum defined for this asset.")
        for level in (request.price, request.trigger_price):
            if level is not None and (level <= 0 or level % market.price_step != 0):
                raise InvalidOrder("paper: Price precision is over the maximum for this asset.")
        if market.min_amount is not None and request.amount < market.min_amount:
            raise InvalidOrder("paper: Quantity less than the minimum.")

    def _check_margin(
        self, request: OrderRequest, market: Market, price: Decimal, free: Decimal
    ) -> None:
        pos = self.position(market.symbol)
        grows = pos.amount == 0 or (pos.amount > 0) == request.side.is_long
        if not grows:
            return
        notional = request.amount * market.contract_size * (request.price or price)
        if notional / self.leverage.get(market.symbol, 1) > free:
            raise InsufficientFunds("paper: Margin is insufficient.")

    def _fill(self, order: PaperOrder, market: Market, price: Decimal, *, taker: bool) -> None:
        pos = self.positions.setdefault(market.symbol, PaperPosition())
        amount = order.amount - order.filled
        signed = amount if order.side.is_long else -amount
        if order.reduce_only:
            if pos.amount == 0 or (pos.amount > 0) == order.side.is_long:
                order.state = OrderState.EXPIRED
                return
            amount = min(amount, abs(pos.amount))
            signed = amount if order.side.is_long else -amount
        rate = (market.taker_fee or DEFAULT_TAKER) if taker else (market.maker_fee or DEFAULT_MAKER)
        fee = amount * market.contract_size * price * rate
        pnl = _ZERO
        if pos.amount != 0 and (pos.amount > 0) != order.side.is_long:
            closing = min(amount, abs(pos.amount))
            direction = 1 if pos.amount > 0 else -1
            pnl = (price - pos.entry_price) * closing * market.contract_size * direction
            rest = pos.amount + signed
            if rest != 0 and (rest > 0) != (pos.amount > 0):
                pos.entry_price = price  # flipped: the remainder opened at this price
            pos.amount = rest
        else:
            total = abs(pos.amount) + amount
            pos.entry_price = (abs(pos.amount) * pos.entry_price + amount * price) / total
            pos.amount += signed
        if pos.amount == 0:
            pos.entry_price = _ZERO
        self.balance += pnl - fee
        previous = order.filled
        order.filled += amount
        order.average = (
            price
            if not previous
            else ((order.average or price) * previous + price * amount) / order.filled
        )
        order.fee += fee
        order.state = OrderState.CLOSED if order.filled >= order.amount else order.state
        if order.reduce_only and order.filled < order.amount:
            order.state = OrderState.CLOSED  # the rest would have flipped the position
        self.fills.append(PaperFill(order.id, amount, price, fee, pnl))

    # --- persistence ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot."""
        return {
            "balance": str(self.balance),
            "slippage_pct": str(self.slippage_pct),
            "positions": {
                s: {"amount": str(p.amount), "entry_price": str(p.entry_price)}
                for s, p in self.positions.items()
            },
            "orders": [
                {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(o).items()}
                for o in self.orders.values()
            ],
            "fills": [{k: str(v) for k, v in asdict(f).items()} for f in self.fills[-2000:]],
            "leverage": self.leverage,
            "prices": {s: str(p) for s, p in self.prices.items()},
            "cursors": self.cursors,
            "next_id": self.next_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaperBook:
        """Rebuild from :meth:`to_dict`."""

        def dec(value: Any) -> Decimal | None:
            return None if value is None else Decimal(value)

        book = cls(balance=Decimal(data["balance"]), slippage_pct=Decimal(data["slippage_pct"]))
        book.positions = {
            s: PaperPosition(Decimal(p["amount"]), Decimal(p["entry_price"]))
            for s, p in data["positions"].items()
        }
        for raw in data["orders"]:
            order = PaperOrder(
                id=raw["id"],
                client_id=raw["client_id"],
                symbol=raw["symbol"],
                side=Side(raw["side"]),
                kind=OrderKind(raw["kind"]),
                amount=Decimal(raw["amount"]),
                price=dec(raw["price"]),
                trigger_price=dec(raw["trigger_price"]),
                reduce_only=bool(raw["reduce_only"]),
                state=OrderState(raw["state"]),
                filled=Decimal(raw["filled"]),
                average=dec(raw["average"]),
                fee=Decimal(raw["fee"]),
                created_ms=int(raw["created_ms"]),
            )
            book.orders[order.id] = order
        book.fills = [
            PaperFill(
                f["order_id"],
                Decimal(f["amount"]),
                Decimal(f["price"]),
                Decimal(f["fee"]),
                Decimal(f["realized_pnl"]),
            )
            for f in data["fills"]
        ]
        book.leverage = {s: int(v) for s, v in data["leverage"].items()}
        book.prices = {s: Decimal(p) for s, p in data["prices"].items()}
        book.cursors = {s: int(v) for s, v in data.get("cursors", {}).items()}
        book.next_id = int(data["next_id"])
        return book
