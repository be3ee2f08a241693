"""The paper exchange: the same interface as the live one, trading a simulated account.

Prices come from a :class:`PriceFeed` — the real exchange's public data in paper mode, a
replay of candles in tests and benchmarks. Before answering about a symbol, the account
catches up: it walks the one-minute candles closed since it last looked (so a stop touched
between two polls still fires, as on the exchange), then the latest price. The account is
stored after every change, so it survives restarts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from trading.alerts import Side
from trading.errors import OrderNotFound
from trading.exchange.base import (
    Balance,
    ExchangeOrder,
    OrderRequest,
    Position,
)
from trading.exchange.paper_book import PaperBook, PaperOrder
from trading.markets import Market
from trading.orders import OrderKind
from trading.store.trades import TradeStore

__all__ = ["PaperExchange", "PriceFeed"]

_TIMEFRAME_MS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000}


class PriceFeed(Protocol):
    """Public market data: markets, last price and candles."""

    async def load_markets(self) -> Mapping[str, Market]:
        """Markets by unified symbol."""

    async def fetch_price(self, symbol: str) -> Decimal:
        """The last traded price."""

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, limit: int, since_ms: int | None = None
    ) -> list[list[float]]:
        """Candles ``[ms, o, h, l, c, v]``, oldest first."""

    async def close(self) -> None:
        """Release connections."""


def _order(order: PaperOrder) -> ExchangeOrder:
    return ExchangeOrder(
        id=order.id,
        client_id=order.client_id,
        symbol=order.symbol,
        side=order.side,
        kind=order.kind,
        state=order.state,
        amount=order.amount,
        filled=order.filled,
        average=order.average,
        price=order.price,
        trigger_price=order.trigger_price,
        reduce_only=order.reduce_only,
        fee=order.fee,
    )


class PaperExchange:
    """A simulated account behind the :class:`~trading.exchange.base.Exchange` interface."""

    def __init__(
        self,
        feed: PriceFeed,
        store: TradeStore,
        *,
        name: str,
        balance: Decimal,
        slippage_pct: Decimal = Decimal("0.02"),
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        refresh_s: float = 1.0,
        candle_timeframe: str = "1m",
    ) -> None:
        self._feed = feed
        self._store = store
        self._name = name
        self._initial = balance
        self._slippage = slippage_pct
        self._now_ms = now_ms
        self._refresh_ms = int(refresh_s * 1000)
        self._timeframe = candle_timeframe
        self._candle_ms = _TIMEFRAME_MS[candle_timeframe]
        self._book: PaperBook | None = None
        self._markets: dict[str, Market] = {}
        self._fresh: dict[str, int] = {}
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        """The exchange whose prices are simulated."""
        return self._name

    @property
    def is_paper(self) -> bool:
        """Simulated orders."""
        return True

    @property
    def markets(self) -> Mapping[str, Market]:
        """Markets of the feed."""
        return self._markets

    @property
    def book(self) -> PaperBook:
        """The simulated account (for tests and /status)."""
        assert self._book is not None, "call load_markets() first"
        return self._book

    @property
    def _key(self) -> str:
        return f"paper:{self._name}"

    async def load_markets(self) -> Mapping[str, Market]:
        """Load the feed's markets and the stored account (or open a new one)."""
        if not self._markets:
            self._markets = dict(await self._feed.load_markets())
        if self._book is None:
            async with self._store.read() as tx:
                saved = await tx.state(self._key)
            self._book = (
                PaperBook.from_dict(json.loads(saved))
                if saved
                else PaperBook(balance=self._initial, slippage_pct=self._slippage)
            )
        return self._markets

    async def _save(self) -> None:
        async with self._store.begin() as tx:
            await tx.set_state(self._key, json.dumps(self.book.to_dict()), now=datetime.now(UTC))

    async def _advance(self, symbol: str, *, force: bool = False) -> None:
        """Catch up with the market: closed candles since last time, then the last price."""
        await self.load_markets()
        market = self._markets[symbol]
        now = self._now_ms()
        if not force and now - self._fresh.get(symbol, -self._refresh_ms) < self._refresh_ms:
            return
        book = self.book
        cursor = book.cursors.get(symbol)
        step = self._candle_ms
        if cursor is None:
            book.cursors[symbol] = now - now % step - step  # start from now, not history
        else:
            candles = await self._feed.fetch_ohlcv(symbol, self._timeframe, 1000, cursor + step)
            for candle in candles:
                close_ms = int(candle[0]) + step
                if int(candle[0]) > cursor and close_ms <= now:
                    book.walk_candle(market, candle, close_ms)
        book.move_price(market, await self._feed.fetch_price(symbol), at_ms=now)
        self._fresh[symbol] = now
        await self._save()

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, limit: int, since_ms: int | None = None
    ) -> list[list[float]]:
        """The feed's candles."""
        return await self._feed.fetch_ohlcv(symbol, timeframe, limit, since_ms)

    async def fetch_price(self, symbol: str) -> Decimal:
        """The feed's last price (and the account catches up with it)."""
        async with self._lock:
            await self._advance(symbol, force=True)
            return self.book.prices[symbol]

    async def fetch_balance(self) -> Balance:
        """Wallet plus unrealised PnL; free is what margin leaves."""
        async with self._lock:
            return self._balance()

    def _balance(self) -> Balance:
        book = self.book
        unrealized = sum(
            (book.unrealized(self._markets[s]) for s in book.positions if s in self._markets),
            Decimal(0),
        )
        total = book.balance + unrealized
        used = book.used_margin(self._markets)
        currency = next(iter(self._markets.values())).settle_currency if self._markets else "USDT"
        return Balance(currency, total, total - used, used)

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        """Open positions after catching up with the market."""
        async with self._lock:
            await self.load_markets()
            wanted = list(symbols) if symbols else list(self.book.positions)
            for symbol in wanted:
                if symbol in self._markets:
                    await self._advance(symbol)
            found = []
            for symbol in wanted:
                pos = self.book.positions.get(symbol)
                if pos is None or pos.amount == 0:
                    continue
                market = self._markets[symbol]
                found.append(
                    Position(
                        symbol=symbol,
                        side=Side.BUY if pos.amount > 0 else Side.SELL,
                        amount=abs(pos.amount),
                        entry_price=pos.entry_price,
                        mark_price=self.book.prices.get(symbol),
                        unrealized_pnl=self.book.unrealized(market),
                        leverage=self.book.leverage.get(symbol, 1),
                    )
                )
            return found

    async def fetch_open_orders(self, symbol: str) -> list[ExchangeOrder]:
        """Open orders after catching up with the market."""
        async with self._lock:
            await self._advance(symbol)
            return [_order(o) for o in self.book.open_orders(symbol)]

    async def fetch_order(self, symbol: str, order_id: str, kind: OrderKind) -> ExchangeOrder:
        """One order by id."""
        async with self._lock:
            await self._advance(symbol)
            order = self.book.orders.get(order_id)
            if order is None or order.symbol != symbol:
                raise OrderNotFound(f"paper: no order {order_id}")
            return _order(order)

    async def find_order(
        self, symbol: str, client_id: str, kind: OrderKind
    ) -> ExchangeOrder | None:
        """One order by client id."""
        async with self._lock:
            await self._advance(symbol)
            order = self.book.find_client(symbol, client_id)
            return _order(order) if order else None

    async def create_order(self, request: OrderRequest) -> ExchangeOrder:
        """Place an order on the simulated account."""
        async with self._lock:
            await self._advance(request.symbol, force=True)
            market = self._markets[request.symbol]
            try:
                order = self.book.submit(
                    request, market, now_ms=self._now_ms(), free=self._balance().free
                )
            finally:
                await self._save()
            return _order(order)

    async def cancel_order(self, symbol: str, order_id: str, kind: OrderKind) -> None:
        """Cancel an open order."""
        async with self._lock:
            await self._advance(symbol)
            self.book.cancel(order_id)
            await self._save()

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Remember the leverage of ``symbol``."""
        async with self._lock:
            await self.load_markets()
            self.book.leverage[symbol] = leverage
            await self._save()

    async def order_fee(self, symbol: str, order_id: str, kind: OrderKind) -> Decimal | None:
        """The paper account reports each order's fee with the order itself."""
        order = self.book.orders.get(order_id)
        return order.fee if order is not None else None

    async def fetch_funding(self, symbol: str, since_ms: int) -> Decimal:
        """The paper account does not simulate funding."""
        return Decimal(0)

    async def hedge_mode(self, symbol: str) -> bool | None:
        """The paper account is one-way."""
        return False

    async def margin_mode(self, symbol: str) -> str | None:
        """The paper account has no margin mode of its own: whatever Greenlight asks."""
        return None

    async def close(self) -> None:
        """Close the feed."""
        await self._feed.close()
