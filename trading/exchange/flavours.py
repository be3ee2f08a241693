"""Per-exchange differences in ccxt's "unified" API, kept as data plus a few overrides.

Verified against ccxt 4.5.90's source (``binance.py``, ``bybit.py``):

- binanceusdm: any order with ``stopLossPrice``/``takeProfitPrice`` goes to the algo order API
  (``POST /fapi/v1/algoOrder``) with ``clientAlgoId``; looking it up, listing and cancelling
  need ``params={'trigger': True}``. A fired algo order reports ``closed`` with nothing
  filled; its fill is the regular order ``info['actualOrderId']``.
- bybit (v5, linear): ``stopLossPrice``/``takeProfitPrice`` become a conditional market order
  with ``triggerPrice``, ``triggerDirection`` and ``reduceOnly``; open ones are listed with
  ``orderFilter=StopOrder`` (``trigger: True``); ``fetch_order`` needs ``acknowledged``; a
  fired conditional order keeps its id and fills itself.
"""

from __future__ import annotations

from typing import Any

from trading.exchange.base import OrderRequest
from trading.orders import OrderKind
from trading.precision import format_decimal

__all__ = ["BinanceUsdmFlavour", "BybitFlavour", "CcxtFlavour", "flavour_for"]


class CcxtFlavour:
    """ccxt's unified API as documented; subclasses hold the exchanges' quirks."""

    #: trigger orders live in a book of their own (listed/fetched with ``trigger_params``)
    separate_trigger_book = False
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


class BinanceUsdmFlavour(CcxtFlavour):
    """Binance USD-M futures."""

    separate_trigger_book = True
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
    fetch_params = {"acknowledged": True}  # noqa: RUF012 - read-only

    def client_lookup_params(self, client_id: str, kind: OrderKind) -> dict[str, Any]:
        """Bybit names the client id ``orderLinkId``."""
        return {**self.order_params(kind), "orderLinkId": client_id}


_FLAVOURS: dict[str, type[CcxtFlavour]] = {
    "binanceusdm": BinanceUsdmFlavour,
    "bybit": BybitFlavour,
}


def flavour_for(exchange_id: str) -> CcxtFlavour:
    """The flavour of ``exchange_id`` (the unified default for others)."""
    return _FLAVOURS.get(exchange_id, CcxtFlavour)()
