"""Per-exchange differences in ccxt's "unified" API, kept as data plus a few overrides.

Verified against ccxt 4.5.90's source (``binance.py``, ``bybit.py``):

- binanceusdm: any order with ``stopLossPrice``/``takeProfitPrice`` goes to the algo order API
  (``POST /fapi/v1/algoOrder``) with ``clientAlgoId``; looking it up, listing and cancelling
  need ``params={'trigger': True}``. A fired algo order reports ``closed`` with nothing
  filled; its fill is the regular order ``info['actualOrderId']``.
- bybit (v5, linear): ``stopLossPrice``/``takeProfitPrice`` become a conditional market order
  with ``triggerPrice``, ``triggerDirection`` and ``reduceOnly``; open ones are listed with
  ``orderFilter=StopOrder`` (``trigger: True``); ``fetch_order`` needs ``acknowledged``; a
  fired conditional order keeps its id and fills itself. Found in ccxt 4.5.90 against a fake
  speaking Bybit's v5: ``fetch_order`` reads only the open orders and sends ``orderId=None``
  when looking up by ``orderLinkId``, so a client id is looked up in the open orders, then in
  the history; the open-order list without a filter already holds conditional orders; setting
  a leverage that is already set answers 110043 ("leverage not modified"), which is success.
"""

from __future__ import annotations

from typing import Any

import ccxt

from trading.exchange.base import OrderRequest
from trading.orders import OrderKind
from trading.precision import format_decimal

__all__ = ["BinanceUsdmFlavour", "BybitFlavour", "CcxtFlavour", "flavour_for"]


class CcxtFlavour:
    """ccxt's unified API as documented; subclasses hold the exchanges' quirks."""

    #: trigger orders live in a book of their own (fetched and cancelled with ``trigger_params``)
    separate_trigger_book = False
    #: the open-order list leaves trigger orders out: list them with a second call
    lists_triggers_apart = False
    #: an order's answer carries its ids only: read it back to learn its state and fills
    answers_ids_only = False
    #: +1 when ccxt's funding history counts money received as positive, −1 when paid
    funding_sign = 1
    trigger_params: dict[str, Any] = {"trigger": True}  # noqa: RUF012 - read-only
    fetch_params: dict[str, Any] = {}  # noqa: RUF012 - read-only
    #: ccxt constructor settings, before the user's EXCHANGE_OPTIONS
    defaults: dict[str, Any] = {}  # noqa: RUF012 - read-only

    def create_args(self, request: OrderRequest) -> tuple[str, float | None, dict[str, Any]]:
        """``(type, price, params)`` for ``create_order``."""
        params: dict[str, Any] = {"clientOrderId": request.client_id}
        if request.reduce_only:
            params["reduceOnly"] = True
        price: float | None = None
        if request.kind is OrderKind.LIMIT:
            assert request.price is not None
            price = float(request.price)
            params["timeInForce"] = "GTC"
            return "limit", price, params
        if request.kind is OrderKind.STOP_MARKET:
            assert request.trigger_price is not None
            params["stopLossPrice"] = format_decimal(request.trigger_price)
        elif request.kind is OrderKind.TAKE_PROFIT_MARKET:
            assert request.trigger_price is not None
            params["takeProfitPrice"] = format_decimal(request.trigger_price)
        return "market", None, params

    def order_params(self, kind: OrderKind) -> dict[str, Any]:
        """Params that address an order of ``kind`` in fetch/cancel calls."""
        extra = dict(self.fetch_params)
        if self.separate_trigger_book and kind.is_conditional:
            extra.update(self.trigger_params)
        return extra

    def client_lookup_params(self, client_id: str, kind: OrderKind) -> dict[str, Any]:
        """Params to fetch an order by client id."""
        return {**self.order_params(kind), "clientOrderId": client_id}

    def fill_order_id(self, info: dict[str, Any]) -> str | None:
        """For a fired trigger order, the id of the order that filled (if separate)."""
        return None

    def leverage_unchanged(self, exc: Exception) -> bool:
        """The exchange refused a leverage because it is already set (that is success)."""
        return False

    async def fetch_by_id(
        self, client: Any, symbol: str, order_id: str, kind: OrderKind
    ) -> dict[str, Any]:
        """The raw ccxt order ``order_id`` (ccxt's ``OrderNotFound`` when there is none)."""
        return await client.fetch_order(order_id, symbol, self.order_params(kind))  # type: ignore[no-any-return]

    async def find_by_client_id(
        self, client: Any, symbol: str, client_id: str, kind: OrderKind
    ) -> dict[str, Any] | None:
        """The raw ccxt order with ``client_id``; ``None`` when the exchange has none.

        Raises ccxt's ``OrderNotFound`` (or returns ``None``) when it has none.
        """
        params = self.client_lookup_params(client_id, kind)
        return await client.fetch_order(None, symbol, params)  # type: ignore[no-any-return]

    async def hedged(self, client: Any, symbol: str) -> bool | None:
        """Whether the account is in hedge (two-sided) position mode (``None``: unknown)."""
        if not client.has.get("fetchPositionMode"):
            return None
        mode = await client.fetch_position_mode(symbol)
        return bool(mode.get("hedged"))

    async def margin_mode(self, client: Any, symbol: str) -> str | None:
        """``cross`` or ``isolated`` for ``symbol`` (``None``: unknown)."""
        if not client.has.get("fetchMarginMode"):
            return None
        found = await client.fetch_margin_mode(symbol)
        mode = found.get("marginMode")
        return str(mode).lower() if mode else None


class BinanceUsdmFlavour(CcxtFlavour):
    """Binance USD-M futures."""

    separate_trigger_book = True
    lists_triggers_apart = True
    #: Binance allows 2,400 request weight a minute per IP: a rolling window of that size lets
    #: a bracket's orders go out back to back instead of ccxt's default 50 ms per weight unit.
    defaults = {  # noqa: RUF012 - read-only
        "rateLimit": 25,
        "rateLimiterAlgorithm": "rollingWindow",
        "rollingWindowSize": 60_000,
    }

    def fill_order_id(self, info: dict[str, Any]) -> str | None:
        """Binance's ``actualOrderId`` of a triggered algo order."""
        value = info.get("actualOrderId")
        return str(value) if value not in (None, "", 0, "0") else None


class BybitFlavour(CcxtFlavour):
    """Bybit v5 (unified account), linear USDT perpetuals."""

    separate_trigger_book = True
    answers_ids_only = True
    funding_sign = -1  # an execution of type Funding: a positive fee is paid
    fetch_params = {"acknowledged": True}  # noqa: RUF012 - read-only

    async def fetch_by_id(
        self, client: Any, symbol: str, order_id: str, kind: OrderKind
    ) -> dict[str, Any]:
        """The open orders first, then the history (``fetch_order`` sees open ones only)."""
        params = dict(self.trigger_params) if kind.is_conditional else {}
        try:
            return await client.fetch_open_order(order_id, symbol, dict(params))  # type: ignore[no-any-return]
        except ccxt.OrderNotFound:
            return await client.fetch_closed_order(order_id, symbol, dict(params))  # type: ignore[no-any-return]

    def client_lookup_params(self, client_id: str, kind: OrderKind) -> dict[str, Any]:
        """Bybit names the client id ``orderLinkId``."""
        return {**self.order_params(kind), "orderLinkId": client_id}

    def leverage_unchanged(self, exc: Exception) -> bool:
        """110043: leverage not modified."""
        return "110043" in str(exc)

    async def find_by_client_id(
        self, client: Any, symbol: str, client_id: str, kind: OrderKind
    ) -> dict[str, Any] | None:
        """The open orders first, then the history (``fetch_order`` sees open orders only)."""
        params = {"orderLinkId": client_id}
        if kind.is_conditional:
            params.update(self.trigger_params)
        for fetch in (client.fetch_open_orders, client.fetch_canceled_and_closed_orders):
            found = [o for o in await fetch(symbol, None, None, dict(params))
                     if o.get("clientOrderId") == client_id]  # fmt: skip
            if found:
                return found[-1]  # type: ignore[no-any-return]
        return None

    async def hedged(self, client: Any, symbol: str) -> bool | None:
        """Hedge mode shows on the symbol's position (``positionIdx`` 1 and 2)."""
        position = await client.fetch_position(symbol)
        return bool(position.get("hedged"))


_FLAVOURS: dict[str, type[CcxtFlavour]] = {
    "binanceusdm": BinanceUsdmFlavour,
    "bybit": BybitFlavour,
}


def flavour_for(exchange_id: str) -> CcxtFlavour:
    """The flavour of ``exchange_id`` (the unified default for others)."""
    return _FLAVOURS.get(exchange_id, CcxtFlavour)()
