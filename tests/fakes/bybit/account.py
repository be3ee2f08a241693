"""The unified account of the fake Bybit: wallet, positions, settings, funding, margin maths.

:class:`Account` is the engine's base (:class:`~.engine.Engine`): it holds the wallet and
the one-way positions, switches position and margin mode, sets leverage, settles funding,
and works out the margins. Initial margin is value / leverage (Bybit adds an estimated
closing fee, left out here); maintenance margin is value × the market's first-tier rate;
conditional orders hold none.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .markets import DEFAULT_LEVERAGE, MARKETS, MarketSpec, fail
from .models import ZERO, Execution, Order, Position, to_decimal

__all__ = ["FEE_QUANT", "Account", "Listener"]

FEE_QUANT = Decimal("1e-8")
Listener = Callable[[str, Any], None]


class Account:
    """Wallet, positions and settings of the one account, and what its margins are."""

    def __init__(self, *, balance: Decimal, taker_fee: Decimal, maker_fee: Decimal) -> None:
        self.clock: Callable[[], int] = self._strictly_increasing_ms  # replaceable
        self._last_ms = 0
        self.wallet_balance = to_decimal(balance)
        self.taker_fee, self.maker_fee = to_decimal(taker_fee), to_decimal(maker_fee)
        self.start_time = self.clock()
        self.executions: list[Execution] = []
        self.positions = {s: Position(s, created=self.start_time) for s in MARKETS}
        self.leverage: dict[str, Decimal] = dict.fromkeys(MARKETS, Decimal(DEFAULT_LEVERAGE))
        self.last_price = {s: m.default_price for s, m in MARKETS.items()}
        self.hedge_mode = False
        self.margin_mode = "REGULAR_MARGIN"  # account-wide on a unified account
        self.margin_mode_time = self.start_time
        self.listeners: list[Listener] = []
        self._seq = itertools.count(1)

    def _strictly_increasing_ms(self) -> int:
        """Wall-clock milliseconds, one more than the last reading when the clock has not moved
        (so that records made within one millisecond keep their order in ccxt's sorts).
        """
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return self._last_ms

    # ------------------------------------------------------------ engine hooks
    def market(self, symbol: str | None) -> MarketSpec:  # the engine's
        raise NotImplementedError

    def open_orders(self, symbol: str | None = None) -> list[Order]:  # the engine's
        raise NotImplementedError

    def _emit(self, topic: str, obj: Any) -> None:
        for listener in list(self.listeners):
            listener(topic, obj)

    # ---------------------------------------------------------------- settings
    def set_leverage(self, symbol: str, buy: Decimal, sell: Decimal) -> None:
        """``POST /v5/position/set-leverage``; 110043 when nothing changes."""
        m = self.market(symbol)
        if buy != sell:
            raise fail(10001, "params error: buy leverage must equal sell leverage")
        if not 1 <= buy <= m.max_leverage or buy % Decimal("0.01"):
            raise fail(10001, "params error: leverage invalid")
        if buy == self.leverage[symbol]:
            raise fail(110043)
        self.leverage[symbol] = buy
        self._emit("position", self.positions[symbol])

    def switch_mode(self, hedged: bool) -> None:
        """``POST /v5/position/switch-mode`` for the whole USDT settle coin."""
        if hedged == self.hedge_mode:
            raise fail(110025)
        if any(p.size for p in self.positions.values()):
            raise fail(110024)
        if self.open_orders():
            raise fail(110028)
        self.hedge_mode = hedged

    def set_margin_mode(self, mode: str) -> None:
        """``POST /v5/account/set-margin-mode``: REGULAR_MARGIN, ISOLATED_MARGIN or PORTFOLIO."""
        if mode not in ("REGULAR_MARGIN", "ISOLATED_MARGIN", "PORTFOLIO_MARGIN"):
            raise fail(10001, "params error: setMarginMode invalid")
        self.margin_mode, self.margin_mode_time = mode, self.clock()

    def pay_funding(self, symbol: str, rate: Decimal) -> Execution | None:
        """Settle funding at the mark price: a long pays ``rate`` of its value (a short gets it)."""
        self.market(symbol)
        pos = self.positions[symbol]
        if not pos.size:
            return None
        mark, now = self.last_price[symbol], self.clock()
        fee = (pos.size * mark * rate).quantize(FEE_QUANT)
        pos.cur_realised -= fee
        pos.cum_realised -= fee
        pos.updated, pos.seq = now, next(self._seq)
        self.wallet_balance -= fee
        execution = Execution(
            exec_id=str(uuid.uuid4()),
            exec_type="Funding",
            order=None,
            symbol=symbol,
            side=pos.side,
            price=mark,
            qty=abs(pos.size),
            fee=fee,
            fee_rate=rate,
            is_maker=False,
            time=now,
            seq=pos.seq,
            mark_price=mark,
            funding_order_id=str(uuid.uuid4()),
        )
        self.executions.append(execution)
        self._emit("execution", execution)
        self._emit("position", pos)
        self._emit("wallet", None)
        return execution

    # ---------------------------------------------------------------- margins
    def unrealized_pnl(self, symbol: str) -> Decimal:
        pos = self.positions[symbol]
        return pos.size * (self.last_price[symbol] - pos.entry_price)

    def position_value(self, symbol: str) -> Decimal:
        return abs(self.positions[symbol].size) * self.last_price[symbol]

    def position_im(self, symbol: str) -> Decimal:
        return self.position_value(symbol) / self.leverage[symbol]

    def position_mm(self, symbol: str) -> Decimal:
        return self.position_value(symbol) * MARKETS[symbol].maint_margin_rate

    def order_im(self, symbol: str) -> Decimal:
        """Margin held by working non-reduce-only limit orders (conditional ones hold none)."""
        lev = self.leverage[symbol]
        return sum(
            (
                o.leaves_qty * o.price / lev
                for o in self.open_orders(symbol)
                if o.status != "Untriggered" and not o.reduce_only
            ),
            ZERO,
        )

    def total(self, of: Callable[[str], Decimal]) -> Decimal:
        """``of`` summed over every market."""
        return sum((of(s) for s in MARKETS), ZERO)

    def available_balance(self) -> Decimal:
        """Margin balance minus the initial margin of positions and orders."""
        return (
            self.wallet_balance
            + self.total(self.unrealized_pnl)
            - self.total(self.position_im)
            - self.total(self.order_im)
        )
