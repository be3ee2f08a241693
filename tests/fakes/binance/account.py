"""The USDT wallet, positions and account settings of the fake Binance USD-M exchange.

:class:`Account` is the engine's base: margin maths (Binance's brackets, one-way positions,
cross or isolated per symbol), the income history (``GET /fapi/v1/income``), funding
payments, and the account switches (position mode, margin type, leverage).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from decimal import Decimal

from .errors import fail
from .markets import DEFAULT_LEVERAGE, MARKETS
from .models import ZERO, EngineEvent, Income, Order, Position, Trade, to_decimal

__all__ = ["Account"]

_FEE_QUANT = Decimal("1e-8")


class Account:
    """Wallet, positions, settings and income of the one account the fake serves."""

    def __init__(self, *, balance: Decimal, taker_fee: Decimal, maker_fee: Decimal) -> None:
        self.clock: Callable[[], int] = lambda: int(time.time() * 1000)  # ms, replaceable
        self.wallet_balance = to_decimal(balance)
        self.taker_fee, self.maker_fee = to_decimal(taker_fee), to_decimal(maker_fee)
        self.start_time = self.balance_update_time = self.clock()
        self.positions = {s: Position(s) for s in MARKETS}
        self.leverage = dict.fromkeys(MARKETS, DEFAULT_LEVERAGE)
        self.margin_type = dict.fromkeys(MARKETS, "cross")  # or "isolated"
        self.dual_side = False  # hedge mode (positionSide LONG/SHORT); one-way when False
        self.last_price = {s: m.default_price for s, m in MARKETS.items()}
        self.funding_rate = dict.fromkeys(MARKETS, Decimal("0.0001"))
        self.incomes: list[Income] = []
        self.listeners: list[Callable[[EngineEvent], None]] = []
        self._income_ids = itertools.count(8_800_000_001)

    # ------------------------------------------------------------- engine hooks
    def open_orders(self, symbol: str | None = None) -> list[Order]:
        raise NotImplementedError  # the engine's working set

    def emit(self, kind: str, **fields: object) -> None:
        """Tell every listener (the user-data stream) what just changed."""
        event = EngineEvent(kind=kind, time=self.clock(), **fields)  # type: ignore[arg-type]
        for listener in list(self.listeners):
            listener(event)

    # ------------------------------------------------------------------ money
    def fee_of(self, qty: Decimal, price: Decimal, *, maker: bool) -> Decimal:
        return (qty * price * (self.maker_fee if maker else self.taker_fee)).quantize(_FEE_QUANT)

    def book_fill(self, trade: Trade) -> None:
        """Wallet and income history of one fill: realized PnL, then the commission."""
        self.wallet_balance += trade.realized_pnl - trade.commission
        self.balance_update_time = trade.time
        self.positions[trade.symbol].realized += trade.realized_pnl
        rows = (("REALIZED_PNL", trade.realized_pnl), ("COMMISSION", -trade.commission))
        for kind, amount in rows:
            if amount:
                self._income(trade.symbol, kind, amount, trade.time, str(trade.trade_id))

    def pay_funding(self, symbol: str, rate: Decimal) -> Decimal:
        """Settle funding at ``rate``: longs pay shorts when it is positive. Returns the amount
        booked on the wallet (0 when flat: nothing is booked).
        """
        self.funding_rate[symbol] = rate
        pos = self.positions[symbol]
        amount = (-pos.size * self.last_price[symbol] * rate).quantize(_FEE_QUANT)
        if not pos.size or not amount:
            return ZERO
        now = self.clock()
        self.wallet_balance += amount
        self.balance_update_time = now
        self._income(symbol, "FUNDING_FEE", amount, now, "")
        isolated = self.margin_type[symbol] == "isolated"
        self.emit("account", reason="FUNDING_FEE", symbols=(symbol,) if isolated else ())
        return amount

    def _income(self, symbol: str, kind: str, amount: Decimal, at: int, trade_id: str) -> None:
        self.incomes.append(Income(next(self._income_ids), symbol, kind, amount, at, trade_id))

    # --------------------------------------------------------------- settings
    def set_leverage(self, symbol: str, leverage: int) -> Decimal:
        """``POST /fapi/v1/leverage``; returns the max notional allowed at that leverage."""
        m = MARKETS[symbol]
        if not 1 <= leverage <= m.max_leverage:
            raise fail(-4028, leverage)
        if abs(self.positions[symbol].size) * self.last_price[symbol] > m.max_notional(leverage):
            raise fail(-2027)
        self.leverage[symbol] = leverage
        return m.max_notional(leverage)

    def change_margin_type(self, symbol: str, margin_type: str) -> None:
        """``POST /fapi/v1/marginType`` with Binance's refusals (-4046, -4047, -4048)."""
        if self.margin_type[symbol] == margin_type:
            raise fail(-4046)
        if self.open_orders(symbol):
            raise fail(-4047)
        if self.positions[symbol].size:
            raise fail(-4048)
        self.margin_type[symbol] = margin_type

    def change_position_mode(self, dual_side: bool) -> None:
        """``POST /fapi/v1/positionSide/dual`` with Binance's refusals (-4059, -4067, -4068)."""
        if self.dual_side == dual_side:
            raise fail(-4059)
        if self.open_orders():
            raise fail(-4067)
        if any(p.size for p in self.positions.values()):
            raise fail(-4068)
        self.dual_side = dual_side

    # ---------------------------------------------------------------- margins
    def isolated_wallet(self, symbol: str) -> Decimal:
        """Margin set aside for an isolated position: its entry value over the leverage."""
        if self.margin_type[symbol] != "isolated":
            return ZERO
        pos = self.positions[symbol]
        return abs(pos.size) * pos.entry_price / self.leverage[symbol]

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
