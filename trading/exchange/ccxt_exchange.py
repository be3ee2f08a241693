"""The live exchange: ``ccxt.async_support`` behind Greenlight's :class:`Exchange` interface."""

from __future__ import annotations

import decimal
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import ccxt
import ccxt.async_support as ccxt_async

from trading.alerts import Side
from trading.errors import ExchangeError, OrderNotFound
from trading.exchange.base import (
    Balance,
    ExchangeOrder,
    OrderRequest,
    OrderState,
    Position,
)
from trading.exchange.errors import translate
from trading.exchange.flavours import CcxtFlavour, flavour_for
from trading.markets import Market, market_from_ccxt
from trading.orders import OrderKind

__all__ = ["CcxtExchange", "ccxt_config"]

_log = logging.getLogger(__name__)

_STATES = {
    "open": OrderState.OPEN,
    "closed": OrderState.CLOSED,
    "canceled": OrderState.CANCELED,
    "cancelled": OrderState.CANCELED,
    "expired": OrderState.EXPIRED,
    "rejected": OrderState.REJECTED,
}


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def ccxt_config(
    exchange_id: str,
    *,
    api_key: str = "",
    secret: str = "",
    password: str = "",
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ccxt constructor config: flavour defaults, credentials, then ``EXCHANGE_OPTIONS``."""
    config: dict[str, Any] = {"enableRateLimit": True, "timeout": 10_000}
    config = _deep_merge(config, flavour_for(exchange_id).defaults)
    if api_key:
        config["apiKey"] = api_key
    if secret:
        config["secret"] = secret
    if password:
        config["password"] = password
    return _deep_merge(config, options or {})


class CcxtExchange:
    """A ccxt exchange instance with Greenlight's types and errors.

    Parameters
    ----------
    exchange_id:
        A ccxt id, e.g. ``binanceusdm`` or ``bybit``.
    config:
        The constructor config (see :func:`ccxt_config`).
    sandbox:
        Use the exchange's testnet.
    """

    def __init__(
        self, exchange_id: str, config: Mapping[str, Any], *, sandbox: bool = False
    ) -> None:
        self._id = exchange_id
        self._flavour: CcxtFlavour = flavour_for(exchange_id)
        self._client: Any = getattr(ccxt_async, exchange_id)(dict(config))
        if sandbox:
            self._client.set_sandbox_mode(True)
        self._markets: dict[str, Market] = {}
        self._leverage: dict[str, int] = {}
        self._label = exchange_id.removesuffix("usdm").capitalize()

    @property
    def name(self) -> str:
        """The ccxt id."""
        return self._id

    @property
    def is_paper(self) -> bool:
        """Live orders."""
        return False

    @property
    def markets(self) -> Mapping[str, Market]:
        """Markets loaded so far."""
        return self._markets

    @property
    def client(self) -> Any:
        """The underlying ccxt instance (for the paper exchange's public data)."""
        return self._client

    async def _call(self, method: str, *args: Any, placing: bool = False, **kwargs: Any) -> Any:
        # ccxt's precision helpers change the decimal context they run in (rounding half up,
        # Underflow trapped): a local one keeps that from reaching the rest of Greenlight
        try:
            with decimal.localcontext():
                return await getattr(self._client, method)(*args, **kwargs)
        except ccxt.BaseError as exc:
            raise translate(exc, self._label, placing=placing) from exc

    async def _ask(self, flavoured: Any, *args: Any) -> Any:
        """A flavour's own sequence of ccxt calls, with errors translated."""
        try:
            with decimal.localcontext():
                return await flavoured(self._client, *args)
        except ccxt.BaseError as exc:
            raise translate(exc, self._label) from exc

    async def load_markets(self) -> Mapping[str, Market]:
        """Load the markets once; later calls return the cached ones."""
        if not self._markets:
            raw = await self._call("load_markets")
            mode = self._client.precisionMode
            for symbol, market in raw.items():
                try:
                    self._markets[symbol] = market_from_ccxt(market, mode)
                except (ValueError, KeyError, TypeError):
                    continue  # a market without precision cannot be traded safely
        return self._markets

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, limit: int, since_ms: int | None = None
    ) -> list[list[float]]:
        """Candles, oldest first."""
        rows = await self._call("fetch_ohlcv", symbol, timeframe, since_ms, limit)
        return [list(row) for row in rows]

    async def fetch_price(self, symbol: str) -> Decimal:
        """The last price from the ticker."""
        ticker = await self._call("fetch_ticker", symbol)
        price = _dec(ticker.get("last")) or _dec(ticker.get("close"))
        if price is None:
            raise ExchangeError(f"{self._label} gave no price for {symbol}")
        return price

    async def fetch_balance(self) -> Balance:
        """The settle currency's balance (USDT unless the markets say otherwise)."""
        balance = await self._call("fetch_balance")
        currency = self._settle_currency()
        entry = balance.get(currency) or {}
        total = _dec(entry.get("total")) or Decimal(0)
        free = _dec(entry.get("free"))
        used = _dec(entry.get("used")) or Decimal(0)
        return Balance(currency, total, free if free is not None else total - used, used)

    def _settle_currency(self) -> str:
        settles = [m.settle_currency for m in self._markets.values() if m.swap and m.linear]
        return max(set(settles), key=settles.count) if settles else "USDT"

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        """Non-empty positions."""
        raw = await self._call("fetch_positions", list(symbols) if symbols else None)
        positions = []
        for item in raw:
            contracts = _dec(item.get("contracts")) or Decimal(0)
            if contracts == 0:
                continue
            side = item.get("side")
            if side not in ("long", "short"):
                side = "long" if contracts > 0 else "short"
            positions.append(
                Position(
                    symbol=item["symbol"],
                    side=Side.BUY if side == "long" else Side.SELL,
                    amount=abs(contracts),
                    entry_price=_dec(item.get("entryPrice")) or Decimal(0),
                    mark_price=_dec(item.get("markPrice")),
                    unrealized_pnl=_dec(item.get("unrealizedPnl")),
                    leverage=int(item["leverage"]) if item.get("leverage") else None,
                )
            )
        return positions

    async def fetch_open_orders(self, symbol: str) -> list[ExchangeOrder]:
        """Open regular and trigger orders (each once)."""
        raw = list(await self._call("fetch_open_orders", symbol))
        if self._flavour.lists_triggers_apart:
            params = self._flavour.order_params(OrderKind.STOP_MARKET)
            raw += await self._call("fetch_open_orders", symbol, None, None, params)
        orders = {str(item.get("id")): self._order(item) for item in raw}
        return list(orders.values())

    async def fetch_order(self, symbol: str, order_id: str, kind: OrderKind) -> ExchangeOrder:
        """One order by id; a fired trigger order comes back with its fill."""
        raw = await self._ask(self._flavour.fetch_by_id, symbol, order_id, kind)
        return await self._with_fill(self._order(raw, kind))

    async def find_order(
        self, symbol: str, client_id: str, kind: OrderKind
    ) -> ExchangeOrder | None:
        """An order by client id, or ``None`` if the exchange has none."""
        try:
            raw = await self._ask(self._flavour.find_by_client_id, symbol, client_id, kind)
        except OrderNotFound:
            return None
        if raw is None:
            return None
        order = self._order(raw, kind)
        if order.client_id not in (None, client_id):
            return None
        return await self._with_fill(order)

    async def _with_fill(self, order: ExchangeOrder) -> ExchangeOrder:
        """Complete a fired trigger order with what its fill order did."""
        if not (order.kind.is_conditional and order.state is OrderState.CLOSED):
            return order
        if order.fill_order_id is None or order.filled >= order.amount:
            return order
        raw = await self._call("fetch_order", order.fill_order_id, order.symbol)
        fill = self._order(raw, OrderKind.MARKET)
        state = OrderState.CLOSED if fill.filled > 0 else fill.state
        return replace(order, state=state, filled=fill.filled, average=fill.average, fee=fill.fee)

    async def order_fee(self, symbol: str, order_id: str, kind: OrderKind) -> Decimal | None:
        """The fee the exchange charged for an order's fills (``None``: it does not say).

        A fired trigger order's fills belong to the order it placed (Binance's
        ``actualOrderId``): the trigger order is read first to learn it.
        """
        order = await self.fetch_order(symbol, order_id, kind)
        market = self._markets.get(symbol)
        settle = market.settle_currency if market else None
        filled_by = order.fill_order_id or order.id
        trades = [  # fetch_order_trades is spot-only on some exchanges: filter my trades
            t
            for t in await self._call("fetch_my_trades", symbol, None, None, {"orderId": filled_by})
            if str(t.get("order")) == filled_by
        ]
        total = Decimal(0)
        for trade in trades:
            fee = trade.get("fee") or {}
            cost = _dec(fee.get("cost"))
            if cost is None or (settle and fee.get("currency") not in (None, settle)):
                return None
            total += cost
        return total if trades else None

    async def fetch_funding(self, symbol: str, since_ms: int) -> Decimal:
        """Funding received (+) or paid (−) on ``symbol`` since ``since_ms``."""
        if not self._client.has.get("fetchFundingHistory"):
            return Decimal(0)
        rows = await self._call("fetch_funding_history", symbol, since_ms)
        total = sum((_dec(row.get("amount")) or Decimal(0) for row in rows), Decimal(0))
        return total * self._flavour.funding_sign

    async def create_order(self, request: OrderRequest) -> ExchangeOrder:
        """Place ``request``; network failures raise ``AmbiguousOrderError``."""
        order_type, price, params = self._flavour.create_args(request)
        raw = await self._call(
            "create_order",
            request.symbol,
            order_type,
            request.side.value,
            float(request.amount),
            price,
            params,
            placing=True,
        )
        if raw.get("status") is None and self._flavour.answers_ids_only:
            raw = await self._read_back(raw, request)
        order = self._order(raw, request.kind)
        return order if order.client_id else replace(order, client_id=request.client_id)

    async def _read_back(self, raw: Mapping[str, Any], request: OrderRequest) -> Mapping[str, Any]:
        """An answer of ids only: a trigger order rests; a market or limit order is read back
        for its fills (if that fails, it counts as open and the monitor reads it later)."""
        acked = {
            "symbol": request.symbol, "side": request.side.value,
            "amount": str(request.amount), "filled": "0", "status": "open",
            "clientOrderId": request.client_id, "reduceOnly": request.reduce_only,
            "triggerPrice": str(request.trigger_price) if request.trigger_price else None,
            "price": str(request.price) if request.price else None,
            **{k: v for k, v in raw.items() if v is not None},
        }  # fmt: skip
        if request.kind.is_conditional:
            return acked
        try:
            return await self._ask(
                self._flavour.fetch_by_id, request.symbol, str(raw.get("id")), request.kind
            )  # type: ignore[no-any-return]
        except ExchangeError:
            return acked

    async def cancel_order(self, symbol: str, order_id: str, kind: OrderKind) -> None:
        """Cancel; an order that is already gone raises ``OrderNotFound``."""
        await self._call("cancel_order", order_id, symbol, self._flavour.order_params(kind))

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the symbol's leverage (skipped when this process already set that value)."""
        if self._leverage.get(symbol) == leverage:
            return
        try:
            with decimal.localcontext():
                await self._client.set_leverage(leverage, symbol)
        except ccxt.BaseError as exc:
            if not self._flavour.leverage_unchanged(exc):
                raise translate(exc, self._label) from exc
        self._leverage[symbol] = leverage

    async def hedge_mode(self, symbol: str) -> bool | None:
        """Whether the account is in hedge (two-sided) position mode."""
        return await self._ask(self._flavour.hedged, symbol)  # type: ignore[no-any-return]

    async def margin_mode(self, symbol: str) -> str | None:
        """``cross`` or ``isolated`` for ``symbol``."""
        return await self._ask(self._flavour.margin_mode, symbol)  # type: ignore[no-any-return]

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._client.close()

    def _order(self, raw: Mapping[str, Any], kind: OrderKind | None = None) -> ExchangeOrder:
        info = raw.get("info") or {}
        trigger = _dec(raw.get("triggerPrice")) or _dec(raw.get("stopPrice"))
        ccxt_type = (raw.get("type") or "").lower()
        if kind is None or (trigger is not None and not kind.is_conditional):
            kind = _kind_of(ccxt_type, trigger, raw)
        amount = _dec(raw.get("amount")) or Decimal(0)
        filled = _dec(raw.get("filled")) or Decimal(0)
        fee = None
        if raw.get("fee") and raw["fee"].get("cost") is not None:
            fee = _dec(raw["fee"]["cost"])
        return ExchangeOrder(
            id=str(raw.get("id")),
            client_id=raw.get("clientOrderId"),
            symbol=raw.get("symbol") or "",
            side=Side(raw.get("side") or "buy"),
            kind=kind,
            state=_STATES.get(str(raw.get("status")), OrderState.OPEN),
            amount=amount,
            filled=filled,
            average=_dec(raw.get("average")),
            price=_dec(raw.get("price")),
            trigger_price=trigger,
            reduce_only=bool(raw.get("reduceOnly")),
            fee=fee,
            fill_order_id=self._flavour.fill_order_id(info) if kind.is_conditional else None,
        )


def _kind_of(ccxt_type: str, trigger: Decimal | None, raw: Mapping[str, Any]) -> OrderKind:
    if "take_profit" in ccxt_type or raw.get("takeProfitPrice"):
        return OrderKind.TAKE_PROFIT_MARKET
    if trigger is not None or "stop" in ccxt_type:
        return OrderKind.STOP_MARKET
    return OrderKind.LIMIT if ccxt_type == "limit" else OrderKind.MARKET
